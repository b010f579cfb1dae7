"""A sweep as the gallery names it: its axes, its size, its progress and what it cost.

The gallery groups a sweep's cells under one section; the section's header needs these few
facts, read once per library page (off the GUI thread) or taken from the runner's memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.storage.sweeps import SweepRow, SweepStore

FINAL = ("succeeded", "failed", "cancelled", "unknown")  # the phases a cell ends in


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep's gallery section shows: axis titles, cells, done, spent, cell labels."""

    id: int
    title: str  # as stored: axes and the start of the prompt
    axes: tuple[str, ...]  # axis titles, X first
    targets: tuple[str, ...]  # what each axis changes ("seed", "scale", "size", …)
    tasks: int
    created_at: float
    state: str
    done: int = 0  # cells whose generation has ended
    spent: float = 0.0  # recorded totalcost of its cells
    base: Mapping[str, Any] = field(default_factory=dict)  # the settings every cell shares
    labels: Mapping[int, tuple[str, ...]] = field(default_factory=dict)  # cell -> axis values

    @property
    def prompt(self) -> str:
        return str(self.base.get("prompt") or "")

    @property
    def is_vary(self) -> bool:
        """Vary is a one-axis sweep over new seeds."""
        return self.targets == ("seed",)

    def with_progress(self, *, done: int, spent: float, state: str, tasks: int) -> SweepSummary:
        return replace(self, done=done, spent=spent, state=state, tasks=tasks or self.tasks)


def summary_of(row: SweepRow, *, done: int = 0, spent: float = 0.0) -> SweepSummary:
    """The summary of a stored sweep, with its cells' progress as counted elsewhere."""
    axes = [a for a in row.definition.get("axes") or () if isinstance(a, dict)]
    base = row.definition.get("base")
    return SweepSummary(
        id=row.id,
        title=row.title,
        axes=tuple(str(a.get("title") or a.get("target") or "") for a in axes),
        targets=tuple(str(a.get("target") or "") for a in axes),
        tasks=row.tasks,
        created_at=row.created_at,
        state=row.state,
        done=done,
        spent=spent,
        base=dict(base) if isinstance(base, dict) else {},
        labels={c.index: c.labels for c in row.cells},
    )


def read_summaries(store: SweepStore, sweep_ids: Iterable[int]) -> list[SweepSummary]:
    """The summaries of these sweeps, with done and spent counted over their cells' rows
    (blocks on disk: run it on the database thread)."""
    ids = list(dict.fromkeys(int(s) for s in sweep_ids))
    if not ids:
        return []
    progress = store.progress(ids, FINAL)
    out = []
    for row in store.rows(ids):
        done, spent = progress.get(row.id, (0, 0.0))
        out.append(summary_of(row, done=done, spent=spent))
    return out
