"""EmulatorConfig.state_path: tasks survive a stop/start of the emulator."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.emulator import Emulator, EmulatorConfig, persist
from tests.emulator.emulator_support import KEY, SECRET, Wiro, collect_frames

SLOW: dict[str, Any] = {"queue_seconds": 0.05, "run_seconds": 1.2}


def start(path: Path | None, **settings: Any) -> Emulator:
    config = EmulatorConfig(
        api_key=KEY,
        api_secret=SECRET,
        state_path=None if path is None else str(path),
        **{"queue_seconds": 0.05, "run_seconds": 0.2, **settings},
    )
    return Emulator(config).start()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_tasks_survive_a_restart(tmp_path: Path, http: httpx.Client) -> None:
    path = tmp_path / "state.json"
    first = start(path)
    try:
        wiro = Wiro(first, http, KEY, SECRET)
        done = wiro.run(samples=2, seed=7)
        finished = wiro.wait(done["taskid"])
        before = [http.get(o["url"]).content for o in finished["outputs"]]
        queued = start_queued(first, wiro)
        cancelled = wiro.post("Task/Cancel", {"taskid": queued["taskid"]}).json()
        assert cancelled["result"] is True
        old_port = first.port
    finally:
        first.stop()
    assert path.exists()

    second = start(path)
    try:
        assert second.port != old_port or second.port  # a fresh server, maybe a new port
        wiro = Wiro(second, http, KEY, SECRET)
        by_id = wiro.detail(done["taskid"])
        by_token = wiro.post("Task/Detail", {"tasktoken": done["socketaccesstoken"]}).json()[
            "tasklist"
        ][0]
        assert by_id == by_token
        assert by_id["status"] == "task_postprocess_end"
        assert by_id["uuid"] == finished["uuid"]
        assert by_id["parameters"] == finished["parameters"]
        assert by_id["totalcost"] == finished["totalcost"]
        assert by_id["createtime"] == finished["createtime"]
        urls = [o["url"] for o in by_id["outputs"]]
        assert all(u.startswith(f"{second.origin}/cdn/") for u in urls)
        after = [http.get(u) for u in urls]
        assert [r.status_code for r in after] == [200, 200]
        assert [r.content for r in after] == before  # rendered again, byte for byte
        assert [int(o["size"]) for o in by_id["outputs"]] == [len(b) for b in before]

        assert wiro.detail(queued["taskid"])["status"] == "task_cancel"
        frames = asyncio.run(
            collect_frames(
                second.socket_url, [done["socketaccesstoken"], queued["socketaccesstoken"]]
            )
        )
        kinds = {f["tasktoken"]: f["type"] for f in frames}
        assert kinds == {
            done["socketaccesstoken"]: "task_postprocess_end",
            queued["socketaccesstoken"]: "task_cancel",
        }
        end = next(f for f in frames if f["type"] == "task_postprocess_end")
        assert [o["url"] for o in end["message"]] == urls

        newer = wiro.run()
        assert int(newer["taskid"]) > max(int(done["taskid"]), int(queued["taskid"]))
    finally:
        second.stop()


def start_queued(emu: Emulator, wiro: Wiro) -> dict[str, Any]:
    emu.configure(queue_seconds=30.0)
    try:
        return wiro.run()
    finally:
        emu.configure(queue_seconds=0.05)


def test_a_running_task_continues_after_a_restart(tmp_path: Path, http: httpx.Client) -> None:
    path = tmp_path / "state.json"
    first = start(path, **SLOW)
    try:
        wiro = Wiro(first, http, KEY, SECRET)
        task = wiro.run(samples=2, seed=3, prompt="a slow river")
        wiro.wait(task["taskid"], "task_start", "task_output")
    finally:
        first.stop()

    second = start(path, **SLOW)
    try:
        wiro = Wiro(second, http, KEY, SECRET)
        assert wiro.detail(task["taskid"])["status"] != "task_postprocess_end"
        frames = asyncio.run(collect_frames(second.socket_url, [task["socketaccesstoken"]]))
        assert frames[-1]["type"] == "task_postprocess_end"
        assert frames[-1]["success"] is True
        ended = wiro.detail(task["taskid"])
        assert ended["pexit"] == "0" and len(ended["outputs"]) == 2
        for output in ended["outputs"]:
            assert output["url"].startswith(second.origin)
            assert http.get(output["url"]).status_code == 200
        assert second.stats()["run_calls"] == 0
    finally:
        second.stop()


def test_a_task_whose_time_has_passed_ends_at_once(tmp_path: Path, http: httpx.Client) -> None:
    path = tmp_path / "state.json"
    first = start(path, **SLOW)
    try:
        task = Wiro(first, http, KEY, SECRET).run(samples=1)
    finally:
        first.stop()
    body = json.loads(path.read_text())
    body["tasks"][0]["created_at"] -= 60  # as if the app had been closed for a minute
    path.write_text(json.dumps(body))

    second = start(path, **SLOW)
    try:
        ended = second.wait_for_status(task["taskid"], timeout=3.0)
        assert ended["status"] == "task_postprocess_end"
        assert http.get(ended["outputs"][0]["url"]).status_code == 200
    finally:
        second.stop()


def test_other_credentials_still_see_old_tasks(tmp_path: Path, http: httpx.Client) -> None:
    path = tmp_path / "state.json"
    first = start(path)
    try:
        task = Wiro(first, http, KEY, SECRET).run()
        first.wait_for_status(task["taskid"])
    finally:
        first.stop()
    config = EmulatorConfig(api_key="other-key", api_secret="other-secret", state_path=str(path))
    with Emulator(config) as second:
        wiro = Wiro(second, http, "other-key", "other-secret")
        assert wiro.detail(task["taskid"])["status"] == "task_postprocess_end"


def test_damaged_file_is_set_aside(
    tmp_path: Path, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": "wiro-emulator-state", "tasks": [tru')
    with caplog.at_level(logging.WARNING, logger="app.emulator"):
        emu = start(path)
    try:
        assert emu.tasks() == []
        assert (tmp_path / "state.json.damaged").read_text().endswith("[tru")
        assert "unreadable" in caplog.text
        task = Wiro(emu, http, KEY, SECRET).run()
        emu.wait_for_status(task["taskid"])
    finally:
        emu.stop()
    tasks, _ = persist.load(path)
    assert [t.id for t in tasks] == [task["taskid"]]


def test_bad_records_are_damage_too(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": "wiro-emulator-state", "version": 1, "tasks": [{}]}))
    with start(path) as emu:
        assert emu.tasks() == []
    assert (tmp_path / "state.json.damaged").exists()


def test_no_file_without_state_path(tmp_path: Path, http: httpx.Client, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    saved: list[Any] = []
    monkeypatch.setattr(persist, "save", lambda *a: saved.append(a))
    with start(None) as emu:
        task = Wiro(emu, http, KEY, SECRET).run()
        emu.wait_for_status(task["taskid"])
    assert saved == [] and list(tmp_path.iterdir()) == []


def test_saved_on_creation_and_end_only(tmp_path: Path, http: httpx.Client, monkeypatch) -> None:
    path = tmp_path / "state.json"
    real, calls = persist.save, []

    def counting(*args: Any) -> None:
        calls.append(args[1][-1].status if args[1] else None)
        real(*args)

    monkeypatch.setattr(persist, "save", counting)
    with start(path) as emu:
        task = Wiro(emu, http, KEY, SECRET).run(steps=20)
        emu.wait_for_status(task["taskid"])
    assert calls == ["task_queue", "task_postprocess_end"]


def test_keeps_the_newest_tasks(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(persist, "MAX_TASKS", 3)
    path = tmp_path / "state.json"
    with start(path, step_mode=True) as emu, httpx.Client(timeout=5.0) as http:
        wiro = Wiro(emu, http, KEY, SECRET)
        ids = [wiro.run()["taskid"] for _ in range(5)]
    tasks, _ = persist.load(path)
    assert [t.id for t in tasks] == ids[-3:]


def test_cli_state_option(tmp_path: Path) -> None:
    from app.emulator.__main__ import config_from, parser

    path = str(tmp_path / "s.json")
    assert config_from(parser().parse_args(["--state", path])).state_path == path
    assert config_from(parser().parse_args([])).state_path is None
