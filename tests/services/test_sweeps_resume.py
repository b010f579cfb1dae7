"""A sweep survives a SIGKILL: the next start follows its sent cells, sends the rest, once.

As in test_resume_sigkill.py, the emulator runs as its own process (so it outlives the killed
core) and the core runs headless in a subprocess: this file's ``main`` (run with
``python -m tests.services.test_sweeps_resume``) is that core, with a SweepRunner added.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from app.core.credentials import Credentials
from app.core.sweep import AxisSpec, SweepSpec, build_plan
from app.services.connection import ConnectionSpec, open_studio
from app.services.events import GenerationChanged, ServiceEvent
from app.services.sweeps import SweepRunner
from app.storage.paths import AppPaths
from tests.services.test_resume_sigkill import KEY, SECRET, Proc, admin

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

X_VALUES, Y_VALUES = "3, 5, 7, 9", "4, 5, 6"
CELLS = 12
LIMIT = 4
BASE = {"prompt": "a koi pond from above", "samples": 1, "steps": 4, "width": 64, "height": 64}


def _say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


async def core_main(args: argparse.Namespace) -> int:
    spec = ConnectionSpec(args.base_url, args.socket_url, Credentials(args.key, args.secret))
    studio = await open_studio(spec, AppPaths.under(Path(args.root)), retry_delay=0.2)
    runner = SweepRunner(studio)
    seen: set[int] = set()

    def report(event: ServiceEvent) -> None:
        if not isinstance(event, GenerationChanged) or not event.generation.task_id:
            return
        if event.generation.id not in seen:
            seen.add(event.generation.id)
            _say("task", id=event.generation.id)

    studio.subscribe(report)
    resumed = await runner.start()
    _say("started", sweeps={s.id: s.submitted for s in resumed})
    sweep_ids = [s.id for s in resumed]
    if args.sweep:
        sweep = SweepSpec((AxisSpec("scale", X_VALUES), AxisSpec("steps", Y_VALUES)))
        plan = build_plan(studio.schema, sweep, BASE, rng=random.Random(3))
        state = await runner.run(plan, title="resume test")
        sweep_ids.append(state.id)
        _say("sweep", id=state.id)
    if not args.exit_when_done:
        await asyncio.Event().wait()  # runs until killed
    deadline = time.monotonic() + args.timeout
    code = 0

    def finished() -> bool:
        states = [runner.sweep(i) for i in sweep_ids]
        return all(s is not None and s.state == "done" for s in states) and not studio.in_flight()

    while not finished():
        if time.monotonic() > deadline:
            code = 3
            break
        await asyncio.sleep(0.05)
    states = [runner.sweep(i) for i in sweep_ids]
    _say("done" if code == 0 else "timeout", sweeps=[s.state for s in states if s is not None])
    await runner.aclose()
    await studio.aclose()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.services.test_sweeps_resume")
    for name in ("--base-url", "--socket-url", "--key", "--secret", "--root"):
        p.add_argument(name, required=True)
    p.add_argument("--sweep", action="store_true", help="start a 4×3 sweep")
    p.add_argument("--exit-when-done", action="store_true")
    p.add_argument("--timeout", type=float, default=90.0)
    return asyncio.run(core_main(p.parse_args(argv)))


@pytest.fixture
def emulator_process():
    proc = Proc(
        [
            "-m", "app.emulator", "--port", "0", "--key", KEY, "--secret", SECRET,
            "--queue-seconds", "0.5", "--run-seconds", "2.0", "--ws-ping-seconds", "5",
            "--concurrency-limit", str(LIMIT),
        ]
    )  # fmt: skip
    try:
        base = socket = None
        deadline = time.monotonic() + 30
        while (base is None or socket is None) and time.monotonic() < deadline:
            line = proc.next_line(0.5) or ""
            if "listening on " in line:
                base = line.split("listening on ", 1)[1].split()[0]
            if "socket on " in line:
                socket = line.split("socket on ", 1)[1].split()[0]
        assert base and socket, f"emulator did not start: {''.join(proc.stderr)}"
        yield base, socket
    finally:
        proc.stop()


def core(base: str, socket: str, root: Path, *extra: str) -> Proc:
    return Proc(
        [
            "-m", "tests.services.test_sweeps_resume", "--base-url", base, "--socket-url",
            socket, "--key", KEY, "--secret", SECRET, "--root", str(root), *extra,
        ]
    )  # fmt: skip


def sweep_rows(root: Path) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    db = sqlite3.connect(root / "data" / "account" / "history.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        sweeps = db.execute("SELECT * FROM sweeps").fetchall()
        gens = db.execute(
            "SELECT * FROM generations WHERE sweep_id IS NOT NULL ORDER BY cell_index, id"
        ).fetchall()
    finally:
        db.close()
    return sweeps, gens


def test_sigkill_mid_sweep_then_restart_finishes_every_cell_once(
    emulator_process, tmp_path: Path
) -> None:
    base, socket = emulator_process
    first = core(base, socket, tmp_path, "--sweep")
    try:
        first.events(lambda ev: sum(e["event"] == "task" for e in ev) >= LIMIT, 60)
        os.kill(first.popen.pid, signal.SIGKILL)
    finally:
        first.stop()
    assert first.popen.returncode == -signal.SIGKILL
    sweeps, gens = sweep_rows(tmp_path)
    assert [s["state"] for s in sweeps] == ["running"]
    sent_before = len(gens)
    on_wiro = sum(g["task_id"] is not None for g in gens)
    created_before = admin(base, "stats")["tasks_created"]
    print(
        f"\nkilled with {sent_before} of {CELLS} cells handed to the queue, {on_wiro} on the "
        f"emulator ({created_before} tasks created there)"
    )
    assert on_wiro >= LIMIT and sent_before < CELLS, "the kill lands mid-sweep"

    second = core(base, socket, tmp_path, "--exit-when-done", "--timeout", "90")
    try:
        events = second.events(lambda ev: any(e["event"] in ("done", "timeout") for e in ev), 120)
        assert second.popen.wait(30) == 0, "".join(second.stderr)[-3000:]
    finally:
        second.stop()
    started = next(e for e in events if e["event"] == "started")
    assert started["sweeps"] == {str(sweeps[0]["id"]): sent_before}
    assert next(e for e in events if e["event"] == "done")["sweeps"] == ["done"]
    sweeps, gens = sweep_rows(tmp_path)
    stats = admin(base, "stats")
    print(
        f"after the restart: sweep {sweeps[0]['state']}, {len(gens)} cells, phases "
        f"{sorted({g['phase'] for g in gens})}, emulator tasks_created {stats['tasks_created']}"
    )
    assert sweeps[0]["state"] == "done"
    assert [g["cell_index"] for g in gens] == list(range(CELLS)), "each cell exactly once"
    # A kill that lands while a Run is on the wire leaves that cell "unknown": if Wiro made
    # the task, recovery (Task/List, at start) attaches it and it succeeds; if the Run never
    # arrived there is no task to find, nothing was billed, and it is never sent again.
    succeeded = [g for g in gens if g["phase"] == "succeeded"]
    unknown = [g for g in gens if g["phase"] == "unknown"]
    assert len(succeeded) + len(unknown) == CELLS and len(unknown) <= 1
    assert stats["tasks_created"] == len(succeeded), "nothing was sent twice"
    assert len({g["task_id"] for g in succeeded}) == len(succeeded)


if __name__ == "__main__":
    sys.exit(main())
