"""Hostile answers over real loopback sockets: odd Unicode, bombs, trickles, echoed secrets.

Each test starts its own tiny server (tests/reliability/hostile_server.py) and drives a real
Studio through httpx's real transport; each case must end in a final state with a reason.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tracemalloc
import zlib
from pathlib import Path

import pytest

from app.api.errors import BadResponseError, NetworkError, RefusedImageError
from app.services.events import Phase
from app.storage.history import HistoryStore
from tests.reliability.hostile import (
    KEY,
    SECRET,
    SMALL,
    TASK_ID,
    TOKEN,
    finished_task,
    png_bytes,
    settle,
)
from tests.reliability.hostile_server import (
    LoopbackServer,
    Reply,
    detail_route,
    gzip_layers,
    loopback_client,
    loopback_studio,
    standard_routes,
    trickle,
)

pytestmark = pytest.mark.asyncio

RUN = ("POST", "/v1/Run/Lykon/dreamshaper-8")
DETAIL = ("POST", "/v1/Task/Detail")
MB = 1024 * 1024


async def _generate(server: LoopbackServer, root: Path, **config: object):
    studio = await loopback_studio(server, root, **config)
    try:
        state = await studio.submit(SMALL)
        await settle(studio, state.id)
        return studio.generation(state.id), studio
    finally:
        await studio.aclose()


def _zeros_gzip(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (a few hundred kB), built in slices."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


# -- class 2: any Unicode is stored -------------------------------------------------------


async def test_lone_surrogates_are_stored_and_the_generation_ends(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        task = finished_task(
            [
                {
                    "id": "out0",
                    "name": "0\ud800.png",
                    "contenttype": "image/png\udfff",
                    "url": f"{server.origin}/out/0.png",
                }
            ]
        )
        task["debugoutput"] = "step 1 \udc00 done"
        detail_route(server, task)
        final, _ = await _generate(server, tmp_path)
    assert final.phase is Phase.SUCCEEDED and len(final.images) == 1
    row = HistoryStore(tmp_path / "history.sqlite3").generation(final.id)
    assert row is not None and row.phase == "succeeded"


async def test_failed_task_with_surrogates_and_echoed_key_is_stored_scrubbed(
    tmp_path: Path,
) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        task = finished_task([])
        task["pexit"] = "1"
        task["debugerror"] = f"bad \ud83d key={KEY} secret={SECRET} \u202e"
        detail_route(server, task)
        final, _ = await _generate(server, tmp_path)
    assert final.phase is Phase.FAILED
    store = HistoryStore(tmp_path / "history.sqlite3")
    row = store.generation(final.id)
    assert row is not None and row.phase == "failed"
    for text in (row.debug_error, final.debug_error, row.error or ""):
        assert KEY not in text and SECRET not in text
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert "\ufffd" in row.debug_error and "key=host…" in row.debug_error


async def test_a_failing_write_ends_the_generation_visibly(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        studio = await loopback_studio(server, tmp_path)
        try:
            history = studio.ledger.history
            original = history.update_generation

            def failing(generation_id: int, **values: object) -> None:
                if "outputs" in values:  # the write after Wiro says "done" fails
                    raise sqlite3.OperationalError("disk I/O error")
                original(generation_id, **values)

            history.update_generation = failing  # type: ignore[method-assign]  # the fault
            state = await studio.submit(SMALL)
            await settle(studio, state.id)
            final = studio.generation(state.id)
        finally:
            await studio.aclose()
    assert final is not None and final.phase is Phase.FAILED
    assert "could not record" in (final.error or "") and "disk I/O error" in (final.error or "")


# -- class 3: bombs cost kilobytes ----------------------------------------------------------


async def _traced(coro) -> tuple[object, int]:
    tracemalloc.start()
    try:
        try:
            result: object = await coro
        except Exception as exc:  # the refusal is the result
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def test_gzip_gzip_download_bomb_is_refused_in_kilobytes(tmp_path: Path) -> None:
    bomb = gzip_layers(_zeros_gzip(256), 1)  # 256 MB of zeros in two gzip layers
    assert len(bomb) < 64 * 1024
    async with LoopbackServer() as server:
        server.routes[("GET", "/out/0.png")] = Reply(
            200, bomb, {"content-type": "image/png", "content-encoding": "gzip, gzip"}
        )
        async with loopback_client(server) as client:
            result, peak = await _traced(
                client.download(f"{server.origin}/out/0.png", tmp_path / "0.png")
            )
    assert isinstance(result, RefusedImageError) and "stacked compression" in str(result)
    assert peak < 32 * MB
    assert not (tmp_path / "0.png").exists()


async def test_single_gzip_download_is_refused_without_inflating(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        server.routes[("GET", "/out/0.png")] = Reply(
            200, _zeros_gzip(256), {"content-encoding": "gzip"}
        )
        async with loopback_client(server) as client:
            result, peak = await _traced(
                client.download(f"{server.origin}/out/0.png", tmp_path / "0.png")
            )
    assert isinstance(result, RefusedImageError) and "images need none" in str(result)
    assert peak < 32 * MB


@pytest.mark.parametrize("encoding", ["gzip, gzip", "gzip", "br", "deflate, gzip"])
async def test_task_detail_bombs_are_refused_in_kilobytes(encoding: str) -> None:
    body = _zeros_gzip(256)
    if encoding.count(",") or encoding == "br":
        body = gzip_layers(body, 1)
    async with LoopbackServer() as server:
        server.routes[DETAIL] = Reply(200, body, {"content-encoding": encoding})
        async with loopback_client(server, read_retries=0) as client:
            result, peak = await _traced(client.task_detail(task_id=TASK_ID))
    assert isinstance(result, BadResponseError)
    assert peak < 32 * MB


async def test_one_gzip_layer_of_a_normal_answer_is_still_read() -> None:
    answer = {"errors": [], "tasklist": [finished_task([])], "result": True}
    async with LoopbackServer() as server:
        server.routes[DETAIL] = Reply(
            200, gzip_layers(json.dumps(answer).encode(), 1), {"content-encoding": "gzip"}
        )
        async with loopback_client(server) as client:
            task = await client.task_detail(task_id=TASK_ID)
    assert task is not None and task.id == TASK_ID


# -- class 4: every request has a total deadline --------------------------------------------


async def test_trickling_run_answer_ends_unknown_and_is_never_resent(tmp_path: Path) -> None:
    body = json.dumps({"errors": [], "taskid": TASK_ID, "socketaccesstoken": TOKEN}).encode()
    async with LoopbackServer() as server:
        standard_routes(server)
        server.routes[RUN] = trickle(200, {"content-type": "application/json"}, body, 0.05)
        final, _ = await _generate(server, tmp_path, request_deadline=0.5)
        await asyncio.sleep(0.1)
        runs = server.count(RUN[1])
    assert final.phase is Phase.UNKNOWN
    assert "within 0.5 s" in (final.error or "")
    assert runs == 1


async def test_trickling_download_ends_with_a_reason(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        server.routes[("GET", "/out/0.png")] = trickle(
            200, {"content-type": "image/png"}, png_bytes(), 0.05
        )
        final, _ = await _generate(server, tmp_path, download_deadline=0.3)
    assert final.is_final and final.phase is Phase.FAILED
    assert "did not finish within 0.3 s" in (final.error or "")


async def test_trickling_task_detail_is_bounded_and_reported() -> None:
    body = json.dumps({"errors": [], "tasklist": [], "result": True}).encode()
    async with LoopbackServer() as server:
        server.routes[DETAIL] = trickle(200, {}, body, 0.05)
        async with loopback_client(server, read_retries=1, request_deadline=0.2) as client:
            with pytest.raises(NetworkError, match=r"within 0\.2 s"):
                await client.task_detail(task_id=TASK_ID)
        assert server.count(DETAIL[1]) == 2  # a read is retried once, then given up


# -- class 8 on the socket: frames pass the same sanitiser -----------------------------------


class _ChattySocket:
    """Sends one log frame echoing the key (and a lone surrogate), then stays quiet."""

    def __init__(self) -> None:
        self.sent = False

    async def send(self, message: str) -> None:
        return None

    async def recv(self) -> str:
        if not self.sent:
            self.sent = True
            text = f"loading with key {KEY} \ud800 and secret {SECRET}"
            return json.dumps({"type": "task_output", "id": TASK_ID, "message": text})
        await asyncio.sleep(3600)
        return ""

    async def close(self) -> None:
        return None


async def test_socket_frames_are_scrubbed_and_storable() -> None:
    from app.api.events import LogLine
    from app.api.watcher import TaskWatcher

    async with LoopbackServer() as server:
        task = finished_task([])
        task.update(status="task_start", pexit="")
        detail_route(server, task)
        async with loopback_client(server) as client:
            socket = _ChattySocket()

            async def connect(url: str) -> _ChattySocket:
                return socket

            watcher = TaskWatcher(client, connect=connect, socket_linger_seconds=0)
            events = watcher.watch(TASK_ID, TOKEN)
            try:
                line = None
                for _ in range(20):
                    event = await asyncio.wait_for(events.__anext__(), 10)
                    if isinstance(event, LogLine):
                        line = event.text
                        break
            finally:
                await events.aclose()
                await watcher.aclose()
    assert line is not None and KEY not in line and SECRET not in line
    assert "\ufffd" in line and line.encode("utf-8")
