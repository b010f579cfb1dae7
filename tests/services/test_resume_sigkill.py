"""Crash safety for real: the core is SIGKILLed mid-flight, restarted, and loses nothing.

The emulator runs as its own process (as Wiro would), so it outlives the killed core and
its counters tell whether any Run was sent twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "sigkill-test-key", "sigkill-test-secret"
TASKS = 8
SAMPLES = 2

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")


class Proc:
    """A child process whose stdout lines are read on a thread (bounded waits, no hangs)."""

    def __init__(self, args: list[str]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.stderr: list[str] = []
        threading.Thread(
            target=self._pump, args=(self.popen.stdout, self.lines), daemon=True
        ).start()
        threading.Thread(target=self._drain, daemon=True).start()

    @staticmethod
    def _pump(stream, out: queue.Queue[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            out.put(line.rstrip("\n"))

    def _drain(self) -> None:
        for line in self.popen.stderr:  # type: ignore[union-attr]
            self.stderr.append(line)

    def next_line(self, timeout: float) -> str | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        self.seen.append(line)
        return line

    def events(self, until, timeout: float) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
        """JSON events until ``until(events)`` is true; fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        events: list[dict[str, Any]] = []
        while not until(events):
            left = deadline - time.monotonic()
            if left <= 0 or (self.popen.poll() is not None and self.lines.empty()):
                raise AssertionError(
                    f"no expected output; seen={self.seen[-20:]} "
                    f"stderr={''.join(self.stderr)[-3000:]}"
                )
            line = self.next_line(min(left, 0.5))
            if line and line.startswith("{"):
                events.append(json.loads(line))
        return events

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)


@pytest.fixture
def emulator_process():
    proc = Proc(
        [
            "-m", "app.emulator", "--port", "0", "--key", KEY, "--secret", SECRET,
            "--queue-seconds", "1.0", "--run-seconds", "4.0", "--ws-ping-seconds", "5",
        ]
    )  # fmt: skip
    try:
        base = socket = None
        deadline = time.monotonic() + 30
        while (base is None or socket is None) and time.monotonic() < deadline:
            line = proc.next_line(0.5) or ""
            if m := re.search(r"listening on (\S+)", line):
                base = m.group(1)
            if m := re.search(r"socket on (\S+)", line):
                socket = m.group(1)
        assert base and socket, f"emulator did not start: {''.join(proc.stderr)}"
        yield base, socket
    finally:
        proc.stop()


def admin(base_url: str, what: str) -> dict[str, Any]:
    root = base_url.rsplit("/v1", 1)[0]
    return httpx.get(f"{root}/_emulator/{what}", timeout=5).json()


def core(base: str, socket: str, root: Path, *extra: str) -> Proc:
    return Proc(
        [
            "-m", "app.services.headless", "--base-url", base, "--socket-url", socket,
            "--key", KEY, "--secret", SECRET, "--root", str(root), "--samples", str(SAMPLES),
            *extra,
        ]
    )  # fmt: skip


def db_rows(root: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    db = sqlite3.connect(root / "data" / "account" / "history.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        gens = db.execute("SELECT * FROM generations ORDER BY id").fetchall()
        images = db.execute("SELECT * FROM images ORDER BY generation_id, idx").fetchall()
    finally:
        db.close()
    return gens, images


def test_sigkill_mid_flight_then_restart_brings_every_image_and_no_second_run(
    emulator_process, tmp_path: Path
) -> None:
    base, socket = emulator_process
    started = time.monotonic()
    first = core(base, socket, tmp_path, "--submit", str(TASKS), "--stagger", "0.5")
    try:
        # Kill once every Run has been answered and the first images have arrived, while
        # the later tasks are still queued or running on the emulator.
        def mid_flight(ev: list[dict[str, Any]]) -> bool:
            answered = sum(e["event"] == "task" for e in ev)
            return answered >= TASKS and any(e["event"] == "image" for e in ev)

        events = first.events(mid_flight, 60)
        tasks = admin(base, "tasks")["tasks"]
        running = [t["status"] for t in tasks if t["status"] not in ("task_postprocess_end",)]
        images_before_kill = sum(e["event"] == "image" for e in events)
        os.kill(first.popen.pid, signal.SIGKILL)
        killed_at = time.monotonic() - started
    finally:
        first.stop()
    assert first.popen.returncode == -signal.SIGKILL
    gens, images = db_rows(tmp_path)
    assert len(gens) == TASKS and all(g["task_id"] for g in gens)
    unfinished_at_kill = sum(g["phase"] not in ("succeeded", "failed") for g in gens)
    print(
        f"\nkilled after {killed_at:.2f}s: {len(running)} of {len(tasks)} tasks not yet finished "
        f"on the emulator {dict(Counter(running))}, "
        f"{unfinished_at_kill} unfinished in the database, "
        f"{len(images)} images on disk ({images_before_kill} reported)"
    )
    assert running, "the kill must land while tasks still run"

    restart = time.monotonic()
    second = core(base, socket, tmp_path, "--resume-only", "--timeout", "90")
    try:
        done = second.events(lambda ev: any(e["event"] in ("done", "timeout") for e in ev), 120)
        assert second.popen.wait(30) == 0, "".join(second.stderr)[-3000:]
    finally:
        second.stop()
    resumed = next(e for e in done if e["event"] == "started")["resumed"]
    final = next(e for e in done if e["event"] in ("done", "timeout"))
    stats = admin(base, "stats")
    gens, images = db_rows(tmp_path)
    phases = [g["phase"] for g in gens]
    print(
        f"restart resumed {len(resumed)} generations and finished in "
        f"{time.monotonic() - restart:.2f}s (core says {final['seconds']}s); "
        f"phases {sorted(set(phases))}; images {len(images)}; "
        f"emulator run_calls {stats['run_calls']}, tasks_created {stats['tasks_created']}, "
        f"downloads {stats['downloads']}"
    )
    assert final["event"] == "done"
    assert phases == ["succeeded"] * TASKS
    assert stats["run_calls"] == TASKS and stats["tasks_created"] == TASKS
    assert len(images) == TASKS * SAMPLES
    assert {(i["generation_id"], i["idx"]) for i in images} == {
        (g["id"], n) for g in gens for n in range(SAMPLES)
    }
    for image in images:
        path = Path(image["path"])
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == image["sha256"]
        assert path.stat().st_size == image["size"]
    library = tmp_path / "data" / "account" / "library"
    files = [p for p in library.rglob("*") if p.is_file()]
    assert len(files) == TASKS * SAMPLES, "no partial or duplicate files are left behind"


def test_sigkill_while_run_is_unanswered_marks_unknown_and_never_resends(
    emulator_process, tmp_path: Path
) -> None:
    base, socket = emulator_process
    httpx.post(
        base.rsplit("/v1", 1)[0] + "/_emulator/config",
        json={"delay_seconds": 30.0, "delay_endpoints": ["Run"]},
        timeout=5,
    )
    first = core(base, socket, tmp_path, "--submit", "2")
    try:
        first.events(lambda ev: sum(e["event"] == "submitted" for e in ev) >= 2, 60)
        deadline = time.monotonic() + 30
        while admin(base, "stats")["run_calls"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(first.popen.pid, signal.SIGKILL)
    finally:
        first.stop()
    runs_before = admin(base, "stats")["run_calls"]
    gens, _ = db_rows(tmp_path)
    assert [g["phase"] for g in gens] == ["submitting"] * 2
    assert all(g["run_sent_at"] is not None and g["task_id"] is None for g in gens)

    second = core(base, socket, tmp_path, "--resume-only", "--timeout", "30")
    try:
        done = second.events(lambda ev: any(e["event"] == "done" for e in ev), 60)
        assert second.popen.wait(30) == 0
    finally:
        second.stop()
    final = next(e for e in done if e["event"] == "done")
    assert [g["phase"] for g in final["generations"]] == ["unknown"] * 2
    assert all("check your Wiro dashboard" in g["error"] for g in final["generations"])
    runs_after = admin(base, "stats")["run_calls"]
    print(f"\nRuns seen before the restart {runs_before}, after {runs_after}")
    assert runs_before == runs_after == 2
