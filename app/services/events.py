"""What the services tell the UI: plain snapshots and events, no Qt, no network objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.storage.history import ImageRecord as ImageRecord  # one record, defined by storage


class Phase(StrEnum):
    """Where a generation stands, from the artist's point of view."""

    PENDING = "pending"  # saved locally, Run not sent yet
    WAITING_SLOT = "waiting_slot"  # concurrency limit reached: queued locally
    PAUSED = "paused"  # insufficient balance: queue paused until the artist resumes
    SUBMITTING = "submitting"  # Run in flight
    RUNNING = "running"  # Run answered; following the task
    DOWNLOADING = "downloading"  # outputs announced; fetching files
    STALLED = "stalled"  # followed too long without an end: polling stopped (Check again/Stop)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # Run may have reached Wiro but its answer was lost


FINAL_PHASES = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED, Phase.UNKNOWN})


@dataclass(frozen=True)
class GenerationState:
    """A snapshot of one generation (one Run = one Wiro task) for rendering."""

    id: int
    params: dict[str, Any]
    phase: Phase
    status: str = ""  # the last Wiro status, e.g. "task_output"
    status_text: str = ""  # the status in words
    task_id: str | None = None
    step: int | None = None
    total_steps: int | None = None
    percent: float | None = None
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    elapsed_seconds: float | None = None
    cost: float | None = None
    error: str | None = None  # a plain-English message for the artist
    debug_error: str = ""  # Wiro's debugerror text, shown as-is
    expected_images: int = 0
    images: tuple[ImageRecord, ...] = field(default_factory=tuple)
    can_stop: bool = False
    stopping: bool = False  # a stop was asked for and the task has not ended yet
    tool: str = ""  # owner/project of the tool it runs on
    parent_image_id: int | None = None  # lineage: the image it was made from
    operation: dict[str, Any] | None = None  # lineage: {"kind": "upscale"|"reimagine"|…}
    sweep_id: int | None = None  # the sweep it is a cell of: the gallery groups it there
    cell_index: int | None = None

    @property
    def is_final(self) -> bool:
        return self.phase in FINAL_PHASES


@dataclass(frozen=True)
class GenerationChanged:
    generation: GenerationState


@dataclass(frozen=True)
class ImageStored:
    image: ImageRecord


@dataclass(frozen=True)
class Notice:
    """A message for the status bar or a banner; level is "info", "warning" or "error"."""

    text: str
    level: str = "info"


@dataclass(frozen=True)
class SweepState:
    """A snapshot of one sweep: its cells' progress, its spending and where it stands.

    ``state`` is "running", "held: <why>", "done", "stopped" or "enough"; ``cells`` maps
    each submitted cell index to its generation id (cells not listed were never sent).
    """

    id: int
    title: str
    state: str
    tasks: int
    submitted: int = 0
    done: int = 0  # cells whose generation has ended (succeeded or not)
    succeeded: int = 0
    spent: float = 0.0  # recorded totalcost of its cells
    in_flight_estimate: float = 0.0  # estimated cost of its cells not yet costed
    sweep_cap: float | None = None
    held_message: str | None = None
    cells: dict[int, int] = field(default_factory=dict)

    @property
    def in_flight(self) -> int:
        return self.submitted - self.done


@dataclass(frozen=True)
class SweepChanged:
    sweep: SweepState


ServiceEvent = GenerationChanged | ImageStored | Notice | SweepChanged
