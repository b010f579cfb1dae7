"""Runs sweeps through the Studio's queue: grid order, caps, Stop/Enough, resume after a crash.

Cells are handed to :meth:`Studio.submit` one at a time, in grid order, only while the
Studio has fewer than ``lookahead`` of the sweep's cells waiting locally. So the Studio's
concurrency limit, balance pause, crash-safe history and resume apply unchanged, caps are
checked against what is really spent, and a cell not yet handed over is never sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from app.core.estimate import (
    CostEstimate,
    PastRun,
    TimeEstimate,
    check_submission,
    day_start,
    estimate_cost,
    estimate_time,
)
from app.core.status import StopAction, stop_action
from app.core.sweep import SweepPlan
from app.services.events import (
    GenerationChanged,
    GenerationState,
    Phase,
    ServiceEvent,
    SweepChanged,
    SweepState,
)
from app.services.studio import InvalidParameters, Studio
from app.services.sweep_live import LiveSweep, spending
from app.storage.history import HistoryStore
from app.storage.sweep_summary import SweepSummary, summary_of
from app.storage.sweeps import (
    DONE,
    ENOUGH,
    HELD_PREFIX,
    RUNNING,
    STOPPED,
    GenerationLink,
    SweepRow,
    SweepStore,
    cell_json,
    held_state,
    past_runs,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

LOCAL_QUEUE = (Phase.PENDING, Phase.WAITING_SLOT, Phase.PAUSED)
PAST_RUNS = 500


def no_cap() -> float | None:
    return None


class SweepRunner:
    """Submits, follows and stops sweeps for one Studio; tells listeners with SweepChanged."""

    def __init__(
        self,
        studio: Studio,
        *,
        daily_cap: Callable[[], float | None] = no_cap,
        lookahead: int = 1,
    ) -> None:
        self.studio = studio
        self.store = SweepStore(studio.ledger.history)
        self.daily_cap = daily_cap
        self.lookahead = max(1, lookahead)
        self._live: dict[int, LiveSweep] = {}
        self._by_generation: dict[int, int] = {}
        self._closed = False
        self._unsubscribe = studio.subscribe(self._on_event)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> list[SweepState]:
        """Re-attaches the sweeps a previous run left running or held (call after the Studio
        has started): their submitted cells are followed by the Studio, the rest are sent.
        Once the runner is closed (its studio closing first) it re-attaches nothing."""
        out: list[SweepState] = []
        rows = [] if self._closed else await self._db(self.store.unfinished)
        for row in rows:
            if self._closed:
                break
            live = await self._attach(row)
            if live.state == RUNNING:
                self._start_pump(live)
            out.append(self._publish(live, force=True))
        self._tell_resumed([s for s in out if s.state == RUNNING])
        return out

    def _tell_resumed(self, resumed: list[SweepState]) -> None:
        """Says once that work left from the last run goes on (it costs money)."""
        left = sum(s.tasks - s.done for s in resumed)
        cells = f"{left} cell{'s' if left != 1 else ''} left"
        if len(resumed) == 1:
            self.studio.ledger.notice(f"Resumed sweep “{resumed[0].title}”: {cells}")
        elif resumed:
            self.studio.ledger.notice(f"Resumed {len(resumed)} unfinished sweeps: {cells}")

    async def aclose(self) -> None:
        self._closed = True
        self._unsubscribe()
        pumps = [live.pump for live in self._live.values() if live.pump is not None]
        for pump in pumps:
            pump.cancel()
        await asyncio.gather(*pumps, return_exceptions=True)

    # -- snapshots ------------------------------------------------------------------------

    def sweep(self, sweep_id: int) -> SweepState | None:
        live = self._live.get(sweep_id)
        return None if live is None else self._snapshot(live)

    def summary(self, sweep_id: int) -> SweepSummary | None:
        """What the gallery's section shows of a sweep this runner follows (from memory)."""
        live = self._live.get(sweep_id)
        if live is None:
            return None
        snap = self._snapshot(live)
        return summary_of(live.row).with_progress(
            done=snap.done, spent=snap.spent, state=live.state, tasks=snap.tasks
        )

    def plan(self, sweep_id: int) -> SweepPlan | None:
        """The plan of a sweep this runner follows (after run, open or start), for its grid."""
        live = self._live.get(sweep_id)
        return None if live is None else live.row.plan()

    async def open(self, sweep_id: int) -> SweepState:
        """A sweep from history (any state), loaded so its cells can be shown and stopped."""
        live = self._live.get(sweep_id)
        if live is None:
            row = await self._db(self.store.sweep, sweep_id)
            if row is None:
                raise KeyError(sweep_id)
            live = await self._attach(row)
        return self._publish(live, force=True)

    async def search(self, text: str, limit: int = 200) -> list[SweepRow]:
        """Sweeps in history whose title or prompts match ``text`` (all of them when empty)."""
        return await self._db(self.store.search, text, limit)

    # -- estimates ------------------------------------------------------------------------

    async def past_runs(self, limit: int = PAST_RUNS) -> list[PastRun]:
        """The latest ended generations, as the estimates need them."""
        return await self._db(past_runs, self.studio.ledger.history, limit)

    async def estimate(
        self, plan: SweepPlan, *, concurrency: int | None = None
    ) -> tuple[CostEstimate, TimeEstimate]:
        """The planner's live figures: cost and wall time of the plan's cells, with bases."""
        past = await self.past_runs()
        tasks = [c.params for c in plan.cells]
        cost = estimate_cost(
            tasks, tool=plan.tool, dynamic_price=self.studio.schema.dynamic_price, past=past
        )
        return cost, estimate_time(tasks, tool=plan.tool, past=past, concurrency=concurrency)

    # -- running --------------------------------------------------------------------------

    async def run(
        self, plan: SweepPlan, *, title: str = "", sweep_cap: float | None = None
    ) -> SweepState:
        """Stores the sweep and starts handing its cells to the Studio in grid order."""
        if not plan.ok:
            raise InvalidParameters({"sweep": "; ".join(plan.errors) or "the sweep is empty"})
        definition = plan.definition() | {"cells": [cell_json(c) for c in plan.cells]}
        caps = {"sweep_usd": sweep_cap}
        sweep_id = await self._db(
            self.store.create,
            tool=plan.tool,
            definition=definition,
            title=title or _title(plan),
            created_at=self.studio.ledger.clock(),
            caps=caps,
        )
        row = await self._db(self.store.sweep, sweep_id)
        assert row is not None
        live = await self._attach(row)
        self._start_pump(live)
        return self._publish(live, force=True)

    async def stop(self, sweep_id: int) -> None:
        """Stop sweep: nothing more is sent; every cell not finished gets Cancel while queued
        on Wiro, Kill once running, and cells still waiting locally are dropped unsent."""
        live = await self._ensure(sweep_id)
        await self._end(live, STOPPED)
        states = [s for s in self._states(live) if not s.is_final]
        # Local ones first, all at once: a slot freed by a Kill must not send one of them.
        await self._stop_all(s for s in states if s.phase in LOCAL_QUEUE)
        await self._stop_all(s for s in states if s.phase not in LOCAL_QUEUE)

    async def enough(self, sweep_id: int) -> None:
        """Enough: cells not yet started are dropped (Cancel if queued on Wiro); running
        cells finish."""
        live = await self._ensure(sweep_id)
        await self._end(live, ENOUGH)
        states = [s for s in self._states(live) if not s.is_final]
        await self._stop_all(s for s in states if s.phase in LOCAL_QUEUE)
        await self._stop_all(
            s
            for s in states
            if s.phase is Phase.RUNNING and stop_action(s.status) is StopAction.CANCEL
        )

    async def _stop_all(self, states: Iterable[GenerationState]) -> None:
        await asyncio.gather(*(self.studio.stop(s.id) for s in states))

    async def raise_cap(self, sweep_id: int, sweep_cap: float | None) -> SweepState:
        """Sets the sweep's cap (None: no cap) and continues it if it was held."""
        live = await self._ensure(sweep_id)
        live.sweep_cap = sweep_cap
        await self._db(self.store.set_caps, sweep_id, {"sweep_usd": sweep_cap})
        return await self.continue_sweep(sweep_id)

    async def continue_sweep(self, sweep_id: int) -> SweepState:
        """Continues a held sweep (after a cap was raised); caps are checked again."""
        live = await self._ensure(sweep_id)
        if live.state.startswith(HELD_PREFIX):
            await self._set_state(live, RUNNING)
            self._start_pump(live)
        return self._publish(live, force=True)

    # -- the pump -------------------------------------------------------------------------

    def _start_pump(self, live: LiveSweep) -> None:
        if live.pump is None or live.pump.done():
            live.pump = self.studio.spawner.spawn(self._pump(live), name=f"sweep-{live.row.id}")
        live.wake.set()

    async def _pump(self, live: LiveSweep) -> None:
        try:
            while live.state == RUNNING:
                await live.wake.wait()
                live.wake.clear()
                while live.state == RUNNING and await self._send_next(live):
                    pass
                self._check_done(live)
        except Exception as exc:
            log.exception("sweep %s stopped submitting", live.row.id)
            await self._set_state(live, held_state(f"Could not submit a cell: {exc}"))

    async def _send_next(self, live: LiveSweep) -> bool:
        """Hands over the next cell if the Studio needs one and the caps allow; False to wait."""
        async with live.lock:
            cell = next((c for c in live.cells if c.index not in live.submitted), None)
            if live.state != RUNNING or cell is None:
                return False
            states = self._states(live)
            if sum(s.phase in LOCAL_QUEUE for s in states) >= self.lookahead:
                return False
            spent, pending = spending(live, states)
            now = self.studio.ledger.clock()
            history: HistoryStore = self.studio.ledger.history
            day_spent = await self._db(history.spend_since, day_start(now))
            check = check_submission(
                live.estimate(cell.index),
                sweep_spent=spent + pending,
                sweep_cap=live.sweep_cap,
                day_spent=day_spent + pending,
                daily_cap=self.daily_cap(),
            )
            if not check.allowed:
                await self._set_state(live, held_state(check.message))
                return False
            link = GenerationLink(sweep_id=live.row.id, cell_index=cell.index)
            try:
                state = await self.studio.submit(dict(cell.params), link=link)
            except InvalidParameters as exc:
                await self._set_state(live, held_state(f"Cell {cell.index + 1}: {exc}"))
                return False
            live.submitted[cell.index] = state.id
            self._by_generation[state.id] = live.row.id
        self._publish(live)
        return True

    # -- events ---------------------------------------------------------------------------

    def _on_event(self, event: ServiceEvent) -> None:
        if not isinstance(event, GenerationChanged):
            return
        sweep_id = self._by_generation.get(event.generation.id)
        live = self._live.get(sweep_id) if sweep_id is not None else None
        if live is None:
            return
        live.wake.set()
        if live.state in (STOPPED, ENOUGH) and event.generation.phase in LOCAL_QUEUE:
            # A cell whose Run was refused (limit reached) while the sweep was stopping.
            self.studio.spawner.spawn(self.studio.stop(event.generation.id), name="sweep-drop")
        if live.state != RUNNING:
            self._publish(live)
        if live.state != RUNNING or live.pump is None or live.pump.done():
            self._check_done(live)

    def _check_done(self, live: LiveSweep) -> None:
        if live.state != RUNNING or len(live.submitted) < len(live.cells):
            self._publish(live)
            return
        if all(s.is_final for s in self._states(live)):
            live.state = DONE
            self.studio.spawner.spawn(self._set_state(live, DONE), name="sweep-done")
        self._publish(live)

    # -- helpers --------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.studio.ledger.db(fn, *args, **kwargs)

    async def _ensure(self, sweep_id: int) -> LiveSweep:
        if sweep_id not in self._live:
            await self.open(sweep_id)
        return self._live[sweep_id]

    async def _attach(self, row: SweepRow) -> LiveSweep:
        cells = row.cells
        links = await self._db(self.store.cells, row.id)
        estimate = estimate_cost(
            [c.params for c in cells],
            tool=row.tool,
            dynamic_price=self.studio.schema.dynamic_price,
            past=await self.past_runs(),
        )
        cap = row.caps.get("sweep_usd")
        live = LiveSweep(
            row=row,
            cells=cells,
            estimates=estimate.per_task,
            state=row.state,
            sweep_cap=float(cap) if isinstance(cap, int | float) else None,
        )
        for index, link in links.items():
            live.submitted[index] = link.generation_id
            self._by_generation[link.generation_id] = row.id
            if self.studio.generation(link.generation_id) is None:
                await self.studio.ledger.load(link.generation_id)
        self._live[row.id] = live
        return live

    def _states(self, live: LiveSweep) -> list[GenerationState]:
        found = (self.studio.generation(g) for g in live.submitted.values())
        return [s for s in found if s is not None]

    async def _set_state(self, live: LiveSweep, state: str) -> None:
        live.state = state
        await self._db(self.store.set_state, live.row.id, state)
        self._publish(live, force=True)

    async def _end(self, live: LiveSweep, state: str) -> None:
        async with live.lock:  # waits for a submission in progress, then none follows
            if live.state == RUNNING or live.state.startswith(HELD_PREFIX):
                await self._set_state(live, state)
        live.wake.set()

    def _snapshot(self, live: LiveSweep) -> SweepState:
        states = self._states(live)
        spent, pending = spending(live, states)
        held = None
        if live.state.startswith(HELD_PREFIX):
            reason = live.state[len(HELD_PREFIX) :]
            held = reason[:1].upper() + reason[1:]
        return SweepState(
            id=live.row.id,
            title=live.row.title,
            state=live.state,
            tasks=len(live.cells),
            submitted=len(live.submitted),
            done=sum(s.is_final for s in states),
            succeeded=sum(s.phase is Phase.SUCCEEDED for s in states),
            spent=spent,
            in_flight_estimate=pending,
            sweep_cap=live.sweep_cap,
            held_message=held,
            cells=dict(live.submitted),
        )

    def _publish(self, live: LiveSweep, *, force: bool = False) -> SweepState:
        """Emits SweepChanged when the counts, spending or state changed (not on every tick)."""
        snapshot = self._snapshot(live)
        if force or snapshot != live.last:
            live.last = snapshot
            self.studio.ledger.emit(SweepChanged(snapshot))
        return snapshot


def _title(plan: SweepPlan) -> str:
    axes = " × ".join(a.title for a in plan.axes)
    prompt = str(plan.base.get("prompt") or "").strip()
    return f"{axes}: {prompt[:60]}" if prompt else axes
