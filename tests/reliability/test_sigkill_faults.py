"""Crash safety under faults: the SIGKILL resume test again, with the soak's fault mix on.

Reuses the history issue's harness (tests/services/test_resume_sigkill.py: the emulator as
its own process, the headless core runner ``python -m app.services.headless``) and turns on,
before anything is submitted, the same faults as ``make soak``: 503s and dropped connections
on Task/Detail, dropped and truncated downloads, the WebSocket cut every few seconds and a
concurrency limit of 3. The core is killed once every Run has been answered and the first
images are in, then restarted: all 8 generations complete, every image is intact, and the
emulator created exactly 8 tasks (Runs refused with 96 start nothing and are sent again by
design; a Run that started a task is never sent twice).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.bench.soak import FAULTS
from tests.services.test_resume_sigkill import (
    SAMPLES,
    TASKS,
    admin,
    core,
    db_rows,
    emulator_process,  # the history issue's fixture: the emulator as its own process
)

__all__ = ["emulator_process"]


def configure(base_url: str, changes: dict[str, Any]) -> dict[str, Any]:
    root = base_url.rsplit("/v1", 1)[0]
    body = {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
    answer = httpx.post(f"{root}/_emulator/config", json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_sigkill_under_faults_then_restart_completes_all_with_one_run_each(
    emulator_process, tmp_path: Path
) -> None:
    base, socket = emulator_process
    applied = configure(base, {**FAULTS, "queue_seconds": 0.4, "run_seconds": 1.6, "seed": 3})
    assert applied["concurrency_limit"] == 3 and applied["http_error_rate"] == 0.2
    started = time.monotonic()
    first = core(base, socket, tmp_path, "--submit", str(TASKS))
    try:

        def mid_flight(ev: list[dict[str, Any]]) -> bool:
            answered = sum(e["event"] == "task" for e in ev)
            return answered >= TASKS and any(e["event"] == "image" for e in ev)

        first.events(mid_flight, 120)
        tasks = admin(base, "tasks")["tasks"]
        unfinished = [t for t in tasks if t["status"] != "task_postprocess_end"]
        os.kill(first.popen.pid, signal.SIGKILL)
        killed_at = time.monotonic() - started
    finally:
        first.stop()
    assert first.popen.returncode == -signal.SIGKILL
    gens, images = db_rows(tmp_path)
    at_kill = sum(g["phase"] not in ("succeeded", "failed") for g in gens)
    assert len(gens) == TASKS and at_kill > 0, "the kill must land while work is unfinished"

    second = core(base, socket, tmp_path, "--resume-only", "--timeout", "120")
    try:
        done = second.events(lambda ev: any(e["event"] in ("done", "timeout") for e in ev), 150)
        assert second.popen.wait(30) == 0, "".join(second.stderr)[-3000:]
    finally:
        second.stop()
    resumed = next(e for e in done if e["event"] == "started")["resumed"]
    stats = admin(base, "stats")
    gens, images = db_rows(tmp_path)
    print(
        f"\nkilled after {killed_at:.1f}s with {len(unfinished)} tasks unfinished on the emulator "
        f"and {at_kill} in the database; the restart resumed {len(resumed)}; "
        f"run requests {stats['run_calls']}, tasks created {stats['tasks_created']}, "
        f"faults {stats['faults']}"
    )
    assert [g["phase"] for g in gens] == ["succeeded"] * TASKS, [g["error"] for g in gens]
    assert stats["tasks_created"] == TASKS, "no Run that started a task was sent twice"
    assert stats["secret_violations"] == 0
    assert sum(stats["faults"].values()) > 0, "the faults were really on"
    assert len(images) == TASKS * SAMPLES
    for image in images:
        path = Path(image["path"])
        data = path.read_bytes()
        assert len(data) == image["size"]
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        with Image.open(path) as img:
            img.load()
    library = tmp_path / "data" / "account" / "library"
    assert len([p for p in library.rglob("*") if p.is_file()]) == TASKS * SAMPLES


def test_sigkill_while_jobs_wait_for_a_slot_then_restart_sends_each_once(
    emulator_process, tmp_path: Path
) -> None:
    """Killed while the local queue holds jobs behind the limit: they are sent after restart."""
    base, socket = emulator_process
    configure(base, {**FAULTS, "queue_seconds": 0.4, "run_seconds": 1.6, "seed": 4})
    first = core(base, socket, tmp_path, "--submit", str(TASKS))
    try:
        first.events(lambda ev: any(e["event"] == "image" for e in ev), 120)
        deadline = time.monotonic() + 60
        while True:
            phases = [g["phase"] for g in db_rows(tmp_path)[0]]
            queued = sum(p in ("pending", "waiting_slot") for p in phases)
            if queued and "submitting" not in phases:
                break
            assert time.monotonic() < deadline, f"never caught jobs waiting: {phases}"
            time.sleep(0.005)
        os.kill(first.popen.pid, signal.SIGKILL)
    finally:
        first.stop()
    gens, _ = db_rows(tmp_path)
    in_flight = {g["id"] for g in gens if g["phase"] == "submitting"}  # lost the race: rare
    waiting = [g["id"] for g in gens if g["phase"] in ("pending", "waiting_slot")]
    assert waiting, "the kill landed while jobs waited in the local queue"
    created_at_kill = admin(base, "stats")["tasks_created"]

    second = core(base, socket, tmp_path, "--resume-only", "--timeout", "120")
    try:
        done = second.events(lambda ev: any(e["event"] in ("done", "timeout") for e in ev), 150)
        assert second.popen.wait(30) == 0, "".join(second.stderr)[-3000:]
    finally:
        second.stop()
    stats = admin(base, "stats")
    gens, images = db_rows(tmp_path)
    print(
        f"\nkilled with {len(waiting)} jobs in the local queue and {len(in_flight)} Runs in "
        f"flight; tasks created {created_at_kill} at the kill, {stats['tasks_created']} at the "
        f"end; run requests {stats['run_calls']}; faults {stats['faults']}"
    )
    assert next(e for e in done if e["event"] in ("done", "timeout"))["event"] == "done"
    for g in gens:
        expected = "unknown" if g["id"] in in_flight else "succeeded"
        assert g["phase"] == expected, (g["id"], g["phase"], g["error"])
    succeeded = TASKS - len(in_flight)
    assert succeeded <= stats["tasks_created"] <= TASKS, "no job was started twice"
    assert len(images) == succeeded * SAMPLES
