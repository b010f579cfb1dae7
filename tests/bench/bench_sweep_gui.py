"""The GUI while a sweep's grid fills: the real window runs a 4×4 sweep (concurrency limit 4).

Part of the sweep benchmark (bench_sweep.py runs it after the headless ratio). The window
(offscreen Qt, the emulator in its own process on loopback) first makes one warm-up
generation; then a 4×4 sweep is started as the planner's Run starts it and its grid opens.
The event loop's lateness is measured with bench_stall's probe (a 5 ms precise timer) from
Run until every cell has ended and every thumbnail is decoded, plus 0.5 s. Two views, each
a fresh app: the grid open (where Explore leaves the artist), and the gallery shown instead,
its sweep section filling. The full run repeats each view three times and keeps the run with
the median p99, as bench_stall does.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_stall import StallProbe, _start_profiler, _stop_profiler, median_burst
from tests.bench.common import AppUnderTest, RemoteEmulator, log, rounded, run_values, wait_for

VIEWS = ("grid", "gallery")
SETTLE_S = 0.5


async def run_once(
    qapp: Any, view: str, options: dict[str, Any], profile: Path | None
) -> dict[str, Any]:
    """One app, one sweep; ``view`` is what the center shows while the grid fills."""
    from tests.bench.bench_sweep import sweep_plan

    with (
        RemoteEmulator(**options) as emu,
        tempfile.TemporaryDirectory(prefix="wiro-bench-sweep-gui-") as temp,
    ):
        app = AppUnderTest(qapp, Path(temp), emu)
        await app.start()
        studio, window = app.studio, app.window
        session, flow = app.controller.session, window.sweep_flow
        await wait_for(lambda: not window.library_flow.loading, 60, "the library", app.run_task)
        await wait_for(lambda: session.sweeps is not None, 30, "the sweep runner", app.run_task)
        runner = session.sweeps
        assert runner is not None
        warm = await studio.submit(run_values(999, window.form.values_for_run(), samples=1))
        await wait_for(lambda: studio.generation(warm.id).is_final, 60, "the warm-up")
        await wait_for(lambda: window.gallery.loader.pending_count() == 0, 30, "warm-up thumbs")
        await asyncio.sleep(0.5)

        probe = StallProbe()
        probe.start()
        await asyncio.sleep(1.0)
        idle_end = time.perf_counter()
        profiler = _start_profiler(profile)
        began = time.perf_counter()
        sweep = await runner.run(sweep_plan(studio), title="bench 4×4 in the window")
        flow.show_sweep(sweep)  # as the planner's Run shows it: the grid fills
        if view == "gallery":
            window.center.setCurrentWidget(window.gallery)

        def settled() -> bool:
            state = runner.sweep(sweep.id)
            idle = window.gallery.loader.pending_count() == 0
            return state is not None and state.state == "done" and idle

        await wait_for(settled, 120, "the sweep to fill its grid", app.run_task, step=0.02)
        filled = time.perf_counter()
        await asyncio.sleep(SETTLE_S)
        end = time.perf_counter()
        probe.stop()
        _stop_profiler(profiler, profile)
        final = runner.sweep(sweep.id)
        shown = window.gallery.model.sweep_image_ids(sweep.id)
        grid_images = sum(1 for t in flow.grid.tiles.values() if t.record is not None)
        await app.stop()
    return {
        "view": view,
        "stall_ms": probe.window(began, end),
        "idle_stall_ms": probe.window(idle_end - 1.0, idle_end),
        "succeeded": final.succeeded if final is not None else 0,
        "grid_images": grid_images,
        "gallery_section_images": len(shown),
        "fill_s": rounded(filled - began, 2),
    }


async def run_views(
    qapp: Any, quick: bool, options: dict[str, Any], profile: Path | None
) -> dict[str, Any]:
    repeats = 1 if quick else 3
    out: dict[str, Any] = {}
    for view in VIEWS:
        runs = []
        for i in range(repeats):
            log(f"sweep: in the window, {view} shown, run {i + 1}/{repeats}")
            runs.append(await run_once(qapp, view, options, profile if i == 0 else None))
        out[view] = median_burst(runs)
    stalls = [out[v]["stall_ms"] for v in VIEWS]
    worst = {"max": max(s["max"] for s in stalls), "p99": max(s["p99"] for s in stalls)}
    return {"views": out, "stall_ms": worst}  # the worse view's figures: the headline
