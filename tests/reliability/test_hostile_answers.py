"""Hostile answers through the whole core: each one is contained, or refused with a clear error.

A real Studio (follower, watcher, client, downloader, history, library) talks to a scripted
Wiro; every case ends in a final state with an English message, never a crash, a hang, a
file outside the library, a request to a host Wiro did not name, or a second Run.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.services.events import Phase
from tests.reliability.hostile import (
    CDN,
    SMALL,
    TASK_ID,
    HostileWiro,
    answer,
    bomb_png,
    files_under,
    finished_task,
    hostile_studio,
    output,
    png_bytes,
    settle,
)

pytestmark = pytest.mark.asyncio


async def _generate(wiro: HostileWiro, root: Path, values: dict | None = None):
    studio = await hostile_studio(wiro, root)
    try:
        state = await studio.submit(values or SMALL)
        await settle(studio, state.id)
        return studio.generation(state.id)
    finally:
        await studio.aclose()


# -- output names and paths -------------------------------------------------------------


async def test_output_names_never_choose_where_files_go(tmp_path: Path) -> None:
    absolute = str(tmp_path / "evil.png")
    names = ["../../evil.png", absolute, "..\\..\\evil.png", "C:\\Windows\\evil.png"]
    wiro = HostileWiro([output(i, name=name) for i, name in enumerate(names)])
    for index in range(4):
        wiro.files[f"{CDN}/{index}.png"] = httpx.Response(200, content=png_bytes())
    root = tmp_path / "profile"
    final = await _generate(wiro, root, {**SMALL, "samples": 4})
    assert final.phase is Phase.SUCCEEDED and len(final.images) == 4
    library = (root / "library").resolve()
    for image in final.images:
        assert image.path.resolve().is_relative_to(library)
        assert "evil" not in image.path.name
    assert not any("evil" in p.name for p in files_under(tmp_path))


# -- sizes, content, bombs --------------------------------------------------------------


async def test_announced_gigabyte_is_refused_without_downloading(tmp_path: Path) -> None:
    wiro = HostileWiro([output(size=str(2**30))])
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED
    assert "too big" in final.error
    assert wiro.cdn_requests() == []


async def test_gigabyte_content_length_is_refused(tmp_path: Path) -> None:
    wiro = HostileWiro([output(size="")])
    wiro.files[f"{CDN}/0.png"] = lambda request: httpx.Response(
        200, headers={"content-length": str(2**30)}, content=png_bytes()
    )
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and "too big" in final.error
    assert not [p for p in files_under(tmp_path / "library") if p.suffix != ".sqlite3"]


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"result": false, "errors": ["expired"]}',
        b"#!/bin/sh\nrm -rf ~\n" * 4,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature over garbage
    ],
    ids=["html", "json", "script", "fake-png"],
)
async def test_content_that_is_not_an_image_is_refused(tmp_path: Path, content: bytes) -> None:
    wiro = HostileWiro([output(size=str(len(content)))])
    wiro.files[f"{CDN}/0.png"] = httpx.Response(200, content=content)
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED
    assert "image" in final.error and final.images == ()
    assert files_under(tmp_path / "library") == []


@pytest.mark.parametrize("side", [9000, 20000], ids=["over-our-limit", "pillow-bomb"])
async def test_decompression_bomb_is_refused(tmp_path: Path, side: int) -> None:
    bomb = bomb_png(side, side)
    assert len(bomb) < 200_000
    wiro = HostileWiro([output(size=str(len(bomb)))])
    wiro.files[f"{CDN}/0.png"] = httpx.Response(200, content=bomb)
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and final.images == ()
    assert "image" in final.error
    assert files_under(tmp_path / "library") == []


async def test_one_refused_image_does_not_cost_the_others(tmp_path: Path) -> None:
    html = b"<html>not an image</html>"
    wiro = HostileWiro([output(0), output(1, size=str(len(html)))])
    wiro.files[f"{CDN}/1.png"] = httpx.Response(200, content=html)
    final = await _generate(wiro, tmp_path, {**SMALL, "samples": 2})
    assert final.phase is Phase.SUCCEEDED and [i.index for i in final.images] == [0]
    assert final.error.startswith("1 of 2 images from Wiro were refused")


# -- addresses and redirects ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.wiro.test/out/0.png",
        "file:///etc/passwd",
        "ftp://cdn.wiro.test/out/0.png",
        "https://127.0.0.1/out/0.png",
        "https://169.254.169.254/latest/meta-data",
        "https://user:pass@cdn.wiro.test/out/0.png",
        "/out/0.png",
        "",
    ],
)
async def test_unsafe_output_addresses_are_refused_unrequested(tmp_path: Path, url: str) -> None:
    wiro = HostileWiro([output(url=url)])
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and final.error
    assert wiro.cdn_requests() == []


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.net/0.png",
        "http://cdn.wiro.test/out/0.png",
        "file:///etc/passwd",
        "https://cdn.wiro.test:8443/out/0.png",
    ],
)
async def test_redirects_off_the_host_are_refused(tmp_path: Path, location: str) -> None:
    wiro = HostileWiro()
    wiro.files[f"{CDN}/0.png"] = httpx.Response(302, headers={"location": location})
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and "redirect" in final.error
    assert all(url.startswith(CDN) for url in wiro.cdn_requests())


# -- malformed Task/Detail answers ------------------------------------------------------


def _detail(tasklist: object) -> httpx.Response:
    return answer({"total": "1", "errors": [], "tasklist": tasklist, "result": True})


@pytest.mark.parametrize(
    ("detail", "words"),
    [
        (_detail("nonsense"), "not a list"),
        (_detail([{}]), "task id"),
        (_detail([{**finished_task([]), "outputs": {"0": "x"}}]), "outputs"),
        (_detail([{**finished_task([]), "id": "9999"}]), "different task"),
        (_detail([["not", "an", "object"]]), "not an object"),
        (answer(["a", "list"]), "not an object"),
        (httpx.Response(200, content=b'{"result": tru'), "JSON"),
        (httpx.Response(200, content=b"[" * 100_000), "JSON"),
    ],
    ids=[
        "tasklist-str",
        "no-id",
        "outputs-dict",
        "other-task",
        "task-list",
        "top-list",
        "broken",
        "deep",
    ],
)
async def test_malformed_task_records_end_with_a_clear_error(
    tmp_path: Path, detail: httpx.Response, words: str
) -> None:
    wiro = HostileWiro()
    wiro.detail = detail
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED
    assert "Lost track of the task" in final.error and words in final.error
    assert wiro.run_requests() == 1


async def test_enormous_task_detail_is_refused(tmp_path: Path) -> None:
    huge = b'{"result": true, "tasklist": [], "pad": "' + b"x" * (9 * 1024 * 1024) + b'"}'

    async def chunks():
        for start in range(0, len(huge), 1 << 20):
            yield huge[start : start + (1 << 20)]

    wiro = HostileWiro()
    wiro.detail = lambda request: httpx.Response(200, content=chunks())
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and "too big" in final.error


async def test_finished_without_outputs_or_urls_fails_clearly(tmp_path: Path) -> None:
    wiro = HostileWiro()
    wiro.detail = _detail([{**finished_task([]), "outputs": None}])
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and "without producing any image" in final.error


# -- malformed Run answers: the task may exist, so never FAILED-and-forgotten, never resent --


@pytest.mark.parametrize(
    "run",
    [
        answer({"result": True, "errors": []}),
        answer({"result": True, "taskid": {"id": 1}, "socketaccesstoken": "t"}),
        answer({"result": True, "taskid": "x" * 5000, "socketaccesstoken": "t"}),
        httpx.Response(200, content=b"<html>ok</html>"),
        httpx.Response(200, content=b'{"taskid": "42", "socketacc'),
        httpx.Response(200, content=b" " * (9 * 1024 * 1024)),
    ],
    ids=["no-taskid", "taskid-object", "taskid-huge", "html", "cut", "enormous"],
)
async def test_unreadable_run_answer_is_unknown_and_not_resent(
    tmp_path: Path, run: httpx.Response
) -> None:
    wiro = HostileWiro()
    wiro.run = run
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.UNKNOWN and "dashboard" in final.error
    assert wiro.run_requests() == 1
    assert all(TASK_ID not in str(r.url) for r in wiro.requests)


async def test_run_refusals_are_plain_failures(tmp_path: Path) -> None:
    wiro = HostileWiro()
    wiro.run = answer(
        {"result": False, "errors": [{"code": 0, "message": "Request parameter [steps] bad"}]}
    )
    final = await _generate(wiro, tmp_path)
    assert final.phase is Phase.FAILED and "steps" in final.error
    assert wiro.run_requests() == 1
