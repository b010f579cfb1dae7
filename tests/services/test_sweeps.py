"""Sweeps through the Studio against the emulator: order, concurrency, caps, Stop and Enough."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from app.core.sweep import AxisSpec, SweepPlan, SweepSpec, build_plan
from app.emulator.runner import Emulator
from app.services.events import (
    GenerationChanged,
    GenerationState,
    Phase,
    ServiceEvent,
    SweepChanged,
    SweepState,
)
from app.services.studio import Studio
from app.services.sweep_actions import export_sheet, promote, promote_defaults, vary
from app.services.sweeps import SweepRunner
from app.storage.contact_sheet import read_sheet_metadata
from app.storage.sweeps import SweepStore
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

PRICE = 0.00351  # the bundled tool's dynamicprice, per request; the emulator bills the same
BASE = {
    "prompt": "a lighthouse on a cliff",
    "samples": 1,
    "steps": 4,
    "width": 64,
    "height": 64,
    "seed": "7",
}


def gen(studio: Studio, gid: int) -> GenerationState:
    state = studio.generation(gid)
    assert state is not None
    return state


def now(runner: SweepRunner, sweep_id: int) -> SweepState:
    state = runner.sweep(sweep_id)
    assert state is not None
    return state


def grid(studio: Studio, x: str = "3, 5, 7, 9", y: str = "4, 5, 6, 7") -> SweepPlan:
    spec = SweepSpec((AxisSpec("scale", x), AxisSpec("steps", y)))
    plan = build_plan(studio.schema, spec, BASE, rng=random.Random(1))
    assert plan.ok, plan.errors
    return plan


class Watch:
    """Records, from the services' events, the order cells were sent and the peak in flight."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.sent: list[int] = []
        self.on_wiro: set[int] = set()
        self.peak = 0
        self.sweeps: list[SweepChanged] = []

    def __call__(self, event: ServiceEvent) -> None:
        if isinstance(event, SweepChanged):
            self.sweeps.append(event)
        if not isinstance(event, GenerationChanged):
            return
        state = event.generation
        if state.phase is Phase.SUBMITTING and state.id not in self.sent:
            self.sent.append(state.id)
        if state.phase is Phase.RUNNING and state.task_id:
            self.on_wiro.add(state.id)
        else:
            self.on_wiro.discard(state.id)
        self.peak = max(self.peak, len(self.on_wiro))


async def test_a_4x4_sweep_runs_in_grid_order_within_the_limit_and_records_every_cost(
    emulator, tmp_path: Path
) -> None:
    emulator.configure(concurrency_limit=4)
    studio, _ = await start_studio(emulator, tmp_path)
    watch = Watch(studio)
    studio.subscribe(watch)
    runner = SweepRunner(studio)
    try:
        plan = grid(studio)
        started = await runner.run(plan, title="CFG × steps")
        assert (started.tasks, started.state) == (16, "running")
        await wait_until(lambda: now(runner, started.id).state == "done", 60, "sweep done")
        final = now(runner, started.id)
        assert (final.done, final.succeeded, final.submitted) == (16, 16, 16)
        cells = final.cells
        assert watch.sent == [cells[i] for i in range(16)], "Runs go out in grid order"
        assert watch.peak <= 4
        print(f"\npeak tasks on Wiro at once: {watch.peak}")
        gens = [gen(studio, cells[i]) for i in range(16)]
        assert all(g.cost == pytest.approx(PRICE) for g in gens), "a recorded cost per cell"
        assert final.spent == pytest.approx(16 * PRICE)
        for cell, made in zip(plan.cells, gens, strict=True):
            assert made.params["scale"] == cell.params["scale"]
            assert made.params["steps"] == cell.params["steps"]
        stats = emulator.stats()
        assert stats["tasks_created"] == 16
        assert [e.sweep.done for e in watch.sweeps if e.sweep.id == started.id][-1] == 16
        found = await runner.search("lighthouse")
        assert [s.id for s in found] == [started.id]
        assert [s.id for s in await runner.search("CFG")] == [started.id]
    finally:
        await runner.aclose()
        await studio.aclose()


async def test_the_sweep_cap_holds_with_a_message_and_raising_it_continues(
    emulator, tmp_path: Path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio)
    try:
        plan = grid(studio, "3, 5", "4, 5")
        sweep = await runner.run(plan, sweep_cap=2.5 * PRICE)
        await wait_until(lambda: now(runner, sweep.id).held_message is not None, 30, "held")
        held = now(runner, sweep.id)
        assert held.submitted == 2, "two cells fit under 2.5 × the price, the third does not"
        message = held.held_message or ""
        assert message.startswith("This would bring spending to ≈ $0.011,")
        assert "over the sweep cap of $0.0088" in message
        assert "Raise the cap to at least $0.011 " in message
        await wait_until(lambda: now(runner, sweep.id).done == 2, 30, "the sent cells end")
        assert emulator.stats()["tasks_created"] == 2
        row = await studio.ledger.db(SweepStore(studio.ledger.history).sweep, sweep.id)
        assert row is not None and row.state == held.state, "the hold is on disk"
        await runner.aclose()
        await studio.aclose()
        # After a restart the sweep is still held: nothing is sent until the cap is raised.
        studio, _ = await start_studio(emulator, tmp_path)
        runner = SweepRunner(studio)
        resumed = await runner.start()
        assert [(s.id, s.state, s.submitted, s.done) for s in resumed] == [
            (sweep.id, held.state, 2, 2)
        ]
        await runner.raise_cap(sweep.id, 4 * PRICE)
        await wait_until(lambda: now(runner, sweep.id).state == "done", 30, "done")
        assert now(runner, sweep.id).succeeded == 4
        assert now(runner, sweep.id).spent == pytest.approx(4 * PRICE)
        assert emulator.stats()["tasks_created"] == 4
        await runner.aclose()
        await studio.aclose()
        # A finished sweep is not re-attached, but reopens from history with its cells.
        studio, _ = await start_studio(emulator, tmp_path)
        runner = SweepRunner(studio)
        assert await runner.start() == []
        reopened = await runner.open(sweep.id)
        assert (reopened.state, reopened.succeeded, sorted(reopened.cells)) == (
            "done",
            4,
            [0, 1, 2, 3],
        )
        assert reopened.sweep_cap == pytest.approx(4 * PRICE)
        written = await export_sheet(runner, sweep.id, tmp_path / "sheet.png", cell_size=64)
        assert written == [tmp_path / "sheet.png"]
        meta = read_sheet_metadata(written[0].read_bytes())
        assert meta is not None and meta["tasks"] == 4
        assert [a["values"] for a in meta["axes"]] == [["3", "5"], ["4", "5"]]
        with Image.open(written[0]) as sheet:
            assert sheet.width > 2 * 64 and sheet.height > 2 * 64
    finally:
        await runner.aclose()
        await studio.aclose()


async def test_the_daily_cap_counts_today_and_continues_once_raised(
    emulator, tmp_path: Path
) -> None:
    cap: list[float | None] = [None]
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio, daily_cap=lambda: cap[0])
    try:
        earlier = await studio.submit(BASE)
        await wait_until(lambda: gen(studio, earlier.id).phase is Phase.SUCCEEDED)
        cap[0] = 2.5 * PRICE
        sweep = await runner.run(grid(studio, "3, 5", "4, 5"))
        await wait_until(lambda: now(runner, sweep.id).held_message is not None, 30, "held")
        held = now(runner, sweep.id)
        assert held.submitted == 1, "today's earlier run counts against the daily cap"
        assert "over the daily cap of $0.0088" in (held.held_message or "")
        cap[0] = 1.0
        await runner.continue_sweep(sweep.id)
        await wait_until(lambda: now(runner, sweep.id).state == "done", 30, "done")
        assert now(runner, sweep.id).succeeded == 4
    finally:
        await runner.aclose()
        await studio.aclose()


async def _two_on_wiro_one_waiting(
    emulator: Emulator, studio: Studio, runner: SweepRunner
) -> tuple[SweepState, Callable[[int], GenerationState], int]:
    """Six cells, limit 2: cell 0 running, cell 1 queued on Wiro, the next one or two cells
    waiting in the Studio's local queue (refused once with error 96), the rest never handed
    to the Studio."""
    emulator.configure(step_mode=True, concurrency_limit=2)
    sweep = await runner.run(grid(studio, "3, 5, 7", "4, 5"))

    def cell(i: int) -> GenerationState:
        return gen(studio, now(runner, sweep.id).cells[i])

    def settled() -> bool:
        handed = now(runner, sweep.id).cells
        waiting = [cell(i) for i in handed if i >= 2]
        return bool(waiting) and all(s.phase is Phase.WAITING_SLOT for s in waiting)

    await wait_until(settled, 20, "cells beyond the limit wait locally")
    await wait_until(lambda: cell(0).task_id is not None and cell(1).task_id is not None)
    emulator.run_to(str(cell(0).task_id), "task_output")
    await wait_until(lambda: cell(0).status == "task_output", what="cell 0 running")
    handed = len(now(runner, sweep.id).cells)
    assert 3 <= handed < 6 and sorted(now(runner, sweep.id).cells) == list(range(handed))
    return sweep, cell, handed


async def test_stop_sweep_kills_running_cancels_queued_and_sends_nothing_more(
    emulator, tmp_path: Path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio)
    try:
        sweep, cell, handed = await _two_on_wiro_one_waiting(emulator, studio, runner)
        await runner.stop(sweep.id)
        await wait_until(lambda: all(cell(i).is_final for i in range(handed)), 20, "stopped")
        assert [cell(i).phase for i in range(handed)] == [Phase.CANCELLED] * handed
        assert sorted(now(runner, sweep.id).cells) == list(range(handed)), "no more sent"
        stats = emulator.stats()
        assert stats["requests"].get("Task/Kill", 0) == 1, "cell 0 was running"
        assert stats["requests"].get("Task/Cancel", 0) == 1, "cell 1 was queued on Wiro"
        assert stats["tasks_created"] == 2, "cell 2 and later were never sent"
        assert now(runner, sweep.id).state == "stopped"
    finally:
        await runner.aclose()
        await studio.aclose()


async def test_enough_lets_running_cells_finish_and_drops_the_rest(
    emulator, tmp_path: Path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio)
    try:
        sweep, cell, handed = await _two_on_wiro_one_waiting(emulator, studio, runner)
        await runner.enough(sweep.id)
        await wait_until(lambda: all(cell(i).is_final for i in range(1, handed)), 20, "dropped")
        emulator.run_to(str(cell(0).task_id), "task_postprocess_end")
        await wait_until(lambda: cell(0).phase is Phase.SUCCEEDED, 20, "cell 0 finished")
        assert [cell(i).phase for i in range(1, handed)] == [Phase.CANCELLED] * (handed - 1)
        assert sorted(now(runner, sweep.id).cells) == list(range(handed)), "no more sent"
        stats = emulator.stats()
        assert stats["requests"].get("Task/Kill", 0) == 0
        assert stats["requests"].get("Task/Cancel", 0) == 1, "cell 1 was queued on Wiro"
        assert stats["tasks_created"] == 2
        assert now(runner, sweep.id).state == "enough"
        assert now(runner, sweep.id).succeeded == 1
    finally:
        await runner.aclose()
        await studio.aclose()


async def test_vary_then_promote_a_cell_with_its_own_seed(emulator, tmp_path: Path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    runner = SweepRunner(studio)
    try:
        sweep = await vary(runner, BASE, 3, rng=random.Random(5))
        assert sweep.tasks == 3 and sweep.title.startswith("Vary ×3")
        await wait_until(lambda: now(runner, sweep.id).state == "done", 30, "vary done")
        gens = [gen(studio, g) for g in now(runner, sweep.id).cells.values()]
        seeds = {g.params["seed"] for g in gens}
        assert len(seeds) == 3 and BASE["seed"] not in seeds
        assert all(g.params["prompt"] == BASE["prompt"] for g in gens)
        image = gens[1].images[0]
        defaults = promote_defaults(studio.schema, gens[1].params)
        assert defaults == {"steps": 8, "width": 96, "height": 96}
        promoted = await promote(studio, image.id, **defaults)
        await wait_until(lambda: gen(studio, promoted.id).phase is Phase.SUCCEEDED)
        done = gen(studio, promoted.id)
        assert done.params["seed"] == str(image.seed) and done.params["samples"] == 1
        assert (done.params["steps"], done.images[0].width) == (8, 96)
        link = await studio.ledger.db(SweepStore(studio.ledger.history).link, promoted.id)
        assert link is not None
        assert link.parent_image_id == image.id and link.sweep_id is None
        assert link.operation == {
            "kind": "promote",
            "from_generation": gens[1].id,
            "image_index": 0,
            "steps": 8,
            "width": 96,
            "height": 96,
        }
    finally:
        await runner.aclose()
        await studio.aclose()
