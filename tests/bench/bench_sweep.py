"""A 4×4 sweep with a concurrency limit of 4: wall time vs the same 16 tasks one at a time,
and the GUI's stall while the sweep's grid fills.

``python -m tests.bench.bench_sweep [--quick]`` first runs the services without a window (the
Studio and a SweepRunner on asyncio) against the emulator in its own process, whose account
allows 4 tasks at once. Parallel: the sweep from ``run()`` until its last image is stored.
Sequential: the same 16 cells' parameters, each submitted when the previous one has ended.
Then the real window runs the same sweep with its grid open, and again with the gallery shown
(bench_sweep_gui.py): the event loop's lateness, max and p99. The last line is
``RESULT {json}`` (see common.emit_result) with both times and their ratio (the issue aims at
≥ 3.5×), the sweep's estimated cost next to what it recorded, and the stall figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from app.core.credentials import Credentials
from app.core.sweep import AxisSpec, SweepPlan, SweepSpec, build_plan
from app.services.connection import ConnectionSpec, open_studio
from app.services.events import GenerationChanged, Phase, ServiceEvent
from app.services.studio import Studio
from app.services.sweeps import SweepRunner
from app.storage.paths import AppPaths
from tests.bench.bench_sweep_gui import run_views
from tests.bench.common import (
    KEY,
    SECRET,
    RemoteEmulator,
    emit_result,
    log,
    machine_load,
    run_on_qasync,
)

LIMIT = 4
BASE = {
    "prompt": "a lighthouse on a cliff at dusk, volumetric light",
    "negativePrompt": "blurry",
    "samples": 1,
    "steps": 20,
    "width": 512,
    "height": 512,
    "seed": "4242",
    "scheduler": "EulerDiscreteScheduler",
}


def sweep_plan(studio: Studio) -> SweepPlan:
    spec = SweepSpec((AxisSpec("scale", "4, 6, 8, 10"), AxisSpec("steps", "12, 16, 20, 24")))
    plan = build_plan(studio.schema, spec, BASE, rng=random.Random(7))
    assert plan.ok and plan.tasks == 16, plan.errors
    return plan


async def open_for(emu: RemoteEmulator, root: Path) -> Studio:
    spec = ConnectionSpec(emu.base_url, emu.socket_url, Credentials(KEY, SECRET))
    return await open_studio(spec, AppPaths.under(root), retry_delay=0.1)


async def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the benchmark's tasks did not end in time")
        await asyncio.sleep(0.01)


async def parallel(emu: RemoteEmulator, root: Path, timeout: float) -> dict[str, Any]:
    studio = await open_for(emu, root)
    runner = SweepRunner(studio)
    on_wiro: set[int] = set()
    peak = [0]

    def watch(event: ServiceEvent) -> None:
        if isinstance(event, GenerationChanged):
            state = event.generation
            if state.phase is Phase.RUNNING and state.task_id:
                on_wiro.add(state.id)
            else:
                on_wiro.discard(state.id)
            peak[0] = max(peak[0], len(on_wiro))

    studio.subscribe(watch)
    try:
        plan = sweep_plan(studio)
        estimate, _ = await runner.estimate(plan, concurrency=LIMIT)
        began = time.perf_counter()
        sweep = await runner.run(plan, title="bench 4×4")
        await wait_for(lambda: _state(runner, sweep.id) == "done", timeout)
        seconds = time.perf_counter() - began
        final = runner.sweep(sweep.id)
        assert final is not None and final.succeeded == 16, final
        return {
            "seconds": round(seconds, 2),
            "peak_on_wiro": peak[0],
            "estimate_usd": None if estimate.usd is None else round(estimate.usd, 6),
            "estimate_text": estimate.text,
            "recorded_usd": round(final.spent, 6),
        }
    finally:
        await runner.aclose()
        await studio.aclose()


async def sequential(emu: RemoteEmulator, root: Path, timeout: float) -> dict[str, Any]:
    studio = await open_for(emu, root)
    runner = SweepRunner(studio)
    try:
        plan = sweep_plan(studio)
        began = time.perf_counter()
        durations = []
        for cell in plan.cells:
            start = time.perf_counter()
            state = await studio.submit(dict(cell.params))
            await wait_for(partial(_ended, studio, state.id), timeout)
            assert _phase(studio, state.id) is Phase.SUCCEEDED
            durations.append(time.perf_counter() - start)
        seconds = time.perf_counter() - began
        _, time_estimate = await runner.estimate(plan, concurrency=LIMIT)
        return {
            "seconds": round(seconds, 2),
            "per_task_median": round(sorted(durations)[len(durations) // 2], 2),
            "parallel_time_estimate": time_estimate.text,
        }
    finally:
        await runner.aclose()
        await studio.aclose()


def _state(runner: SweepRunner, sweep_id: int) -> str:
    state = runner.sweep(sweep_id)
    return "" if state is None else state.state


def _phase(studio: Studio, gid: int) -> Phase | None:
    state = studio.generation(gid)
    return None if state is None else state.phase


def _ended(studio: Studio, gid: int) -> bool:
    state = studio.generation(gid)
    return state is not None and state.is_final


def emulator_options(quick: bool) -> dict[str, Any]:
    queue_s, run_s = (0.2, 0.8) if quick else (0.5, 2.0)
    return {"concurrency_limit": LIMIT, "queue_seconds": queue_s, "run_seconds": run_s}


async def bench(quick: bool) -> dict[str, Any]:
    options = emulator_options(quick)
    queue_s, run_s = options["queue_seconds"], options["run_seconds"]
    with (
        tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp,
        RemoteEmulator(**options) as emu,
    ):
        log(f"sweep: 4×4, limit {LIMIT}, emulator queue {queue_s}s + run {run_s}s per task")
        par = await parallel(emu, Path(tmp) / "parallel", 120)
        log(f"sweep: parallel {par['seconds']} s (peak {par['peak_on_wiro']} on the emulator)")
        seq = await sequential(emu, Path(tmp) / "sequential", 120)
        log(f"sweep: one at a time {seq['seconds']} s")
        stats = emu.stats()
    return {
        "part": "sweep",
        "quick": quick,
        "cells": 16,
        "concurrency_limit": LIMIT,
        "emulator_task_seconds": queue_s + run_s,
        "parallel_seconds": par["seconds"],
        "sequential_seconds": seq["seconds"],
        "ratio": round(seq["seconds"] / par["seconds"], 2),
        "parallel": par,
        "sequential": seq,
        "run_calls": stats["run_calls"],
        "tasks_created": stats["tasks_created"],
        "machine": machine_load(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_sweep")
    parser.add_argument("--quick", action="store_true", help="shorter emulator tasks")
    parser.add_argument("--no-gui", action="store_true", help="the headless ratio only")
    parser.add_argument("--profile", type=Path, help="a pyinstrument profile of a GUI run")
    args = parser.parse_args(argv)
    result = asyncio.run(bench(args.quick))
    if not args.no_gui:
        options = emulator_options(args.quick)
        result["gui"] = run_on_qasync(
            lambda qapp: run_views(qapp, args.quick, options, args.profile)
        )
        log(f"sweep: GUI stall (worse view) {result['gui']['stall_ms']} ms")
    emit_result(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
