"""A sweep as the runner follows it in memory, and what its cells have cost so far."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.core.sweep import Cell
from app.services.events import GenerationState, SweepState
from app.storage.sweeps import SweepRow


@dataclass
class LiveSweep:
    """A sweep the runner follows: its cells, their estimates and what was handed over."""

    row: SweepRow
    cells: tuple[Cell, ...]
    estimates: tuple[float | None, ...]
    state: str
    sweep_cap: float | None
    submitted: dict[int, int] = field(default_factory=dict)  # cell index -> generation id
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pump: asyncio.Task[None] | None = None
    last: SweepState | None = None

    def estimate(self, index: int) -> float | None:
        return self.estimates[index] if 0 <= index < len(self.estimates) else None


def spending(live: LiveSweep, states: Iterable[GenerationState]) -> tuple[float, float]:
    """(recorded cost of the sweep's cells, estimated cost of those not yet costed)."""
    index_of = {gid: index for index, gid in live.submitted.items()}
    spent = pending = 0.0
    for state in states:
        if state.cost is not None:
            spent += state.cost
        elif not state.is_final:
            pending += live.estimate(index_of.get(state.id, -1)) or 0.0
    return spent, pending
