"""What the gallery needs of sweeps: cells know their sweep, library pages carry the sweeps'
summaries, a search for a sweep's title finds its cells, and a resumed sweep says so."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.core.sweep import AxisSpec, SweepSpec, build_plan
from app.services.events import Notice, ServiceEvent
from app.services.library import ImageFilter
from app.services.sweep_actions import vary
from app.services.sweeps import SweepRunner
from app.storage.sweep_summary import SweepSummary
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

PRICE = 0.00351
BASE = {"prompt": "a paper lantern", "samples": 1, "steps": 4, "width": 64, "height": 64}


async def test_cells_carry_their_sweep_and_library_pages_carry_its_summary(
    emulator, tmp_path: Path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio)
    try:
        spec = SweepSpec(
            (AxisSpec("scale", "3, 7"), AxisSpec("scheduler", "DDIMScheduler, PNDMScheduler"))
        )
        plan = build_plan(studio.schema, spec, BASE, rng=random.Random(2))
        assert plan.ok, plan.errors
        sweep = await runner.run(plan)
        await wait_until(lambda: runner.sweep(sweep.id).state == "done", 60, "sweep done")  # type: ignore[union-attr]
        cells = runner.sweep(sweep.id).cells  # type: ignore[union-attr]
        states = [studio.generation(cells[i]) for i in range(4)]
        assert [(s.sweep_id, s.cell_index) for s in states if s] == [
            (sweep.id, i) for i in range(4)
        ]

        page = await studio.page(ImageFilter(), None, 100)
        assert {g.sweep_id for g in page.generations} == {sweep.id}
        [summary] = page.sweeps
        assert isinstance(summary, SweepSummary)
        assert (summary.id, summary.tasks, summary.done) == (sweep.id, 4, 4)
        assert summary.axes == ("Guidance scale (CFG)", "Scheduler")
        assert summary.spent == pytest.approx(4 * PRICE)
        assert summary.labels[3] == ("7", "PNDMScheduler")
        assert summary.prompt == "a paper lantern" and not summary.is_vary
        live = runner.summary(sweep.id)
        assert live is not None and (live.done, live.state, live.tasks) == (4, "done", 4)

        # A word of the sweep's title (not of any prompt) finds its cells, and only those.
        word = summary.axes[1]
        hits = await studio.page(ImageFilter(text=word), None, 100)
        assert len(hits.images) == 4 and await studio.count(ImageFilter(text=word)) == 4
        assert not (await studio.page(ImageFilter(text="heduler"), None, 100)).images

        varied = await vary(runner, BASE, 3, rng=random.Random(5))
        await wait_until(lambda: runner.sweep(varied.id).state == "done", 60, "vary done")  # type: ignore[union-attr]
        page = await studio.page(ImageFilter(), None, 100)
        by_id = {s.id: s for s in page.sweeps}
        assert by_id[varied.id].is_vary and by_id[varied.id].tasks == 3
        assert len((await studio.page(ImageFilter(text="vary"), None, 100)).images) == 3
    finally:
        await runner.aclose()
        await studio.aclose()


async def test_a_resumed_sweep_says_how_many_cells_are_left(emulator, tmp_path: Path) -> None:
    emulator.configure(concurrency_limit=1)
    studio, _ = await start_studio(emulator, tmp_path)
    notices: list[str] = []

    def listen(event: ServiceEvent) -> None:
        if isinstance(event, Notice):
            notices.append(event.text)

    studio.subscribe(listen)
    first = SweepRunner(studio)
    plan = build_plan(studio.schema, SweepSpec((AxisSpec("steps", "4, 5, 6"),)), BASE)
    sweep = await first.run(plan, title="three steps")
    await first.aclose()  # the app closed with the sweep running: nothing more was sent
    second = SweepRunner(studio)
    try:
        resumed = await second.start()
        assert [s.id for s in resumed] == [sweep.id]
        left = resumed[0].tasks - resumed[0].done
        assert left >= 1
        plural = "s" if left != 1 else ""
        assert notices[-1] == f"Resumed sweep “three steps”: {left} cell{plural} left"
        await wait_until(lambda: second.sweep(sweep.id).state == "done", 60, "done")  # type: ignore[union-attr]
        assert sum("Resumed" in n for n in notices) == 1, "said once"
    finally:
        await second.aclose()
        await studio.aclose()


async def test_a_runner_closed_before_its_start_ran_starts_nothing(
    emulator, tmp_path: Path
) -> None:
    studio, events = await start_studio(emulator, tmp_path)
    first = SweepRunner(studio)
    plan = build_plan(studio.schema, SweepSpec((AxisSpec("steps", "4, 5"),)), BASE)
    await first.run(plan)
    await first.aclose()
    late = SweepRunner(studio)
    start = late.start()  # handed to a task that runs only after a shutdown closed it all
    await late.aclose()
    await studio.aclose()
    assert await start == [], "no read of the closed history, no cell sent"
    assert not [e for e in events if isinstance(e, Notice) and "Resumed" in e.text]
