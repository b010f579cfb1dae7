"""Turns history rows into the snapshots the UI renders."""

from __future__ import annotations

from typing import Any

from app.core.params import image_seed
from app.core.status import status_text
from app.services.events import FINAL_PHASES, GenerationState, ImageRecord, Phase
from app.storage.history import GenerationRow

PHASE_TEXT: dict[Phase, str] = {
    Phase.PENDING: "Waiting to send",
    Phase.WAITING_SLOT: "Waiting for a free slot",
    Phase.PAUSED: "Paused: insufficient balance",
    Phase.SUBMITTING: "Sending",
    Phase.RUNNING: "Queued",
    Phase.DOWNLOADING: "Downloading images",
    Phase.STALLED: "Stalled: no end from Wiro — Check again or Stop",
    Phase.SUCCEEDED: "Done",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Cancelled",
    Phase.UNKNOWN: "Submitted, result unknown: check your Wiro dashboard",
}


def describe(phase: Phase, status: str, stopping: bool = False) -> str:
    if stopping and phase not in FINAL_PHASES:
        return "Stopping…"
    if phase is Phase.RUNNING and status:
        return status_text(status)
    return PHASE_TEXT[phase]


def can_stop(phase: Phase, status: str) -> bool:
    """Stop stays available in every state that is not final (downloads included)."""
    return phase not in FINAL_PHASES


def generation_state(row: GenerationRow, images: list[ImageRecord]) -> GenerationState:
    phase = Phase(row.phase) if row.phase in Phase._value2member_map_ else Phase.UNKNOWN
    return GenerationState(
        id=row.id,
        params=row.params,
        phase=phase,
        status=row.status,
        status_text=describe(phase, row.status),
        task_id=row.task_id,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        elapsed_seconds=row.elapsed_seconds,
        cost=row.cost,
        error=row.error,
        debug_error=row.debug_error,
        expected_images=row.expected_images,
        images=tuple(images),
        can_stop=can_stop(phase, row.status),
        tool=row.tool,
        parent_image_id=row.parent_image_id,
        operation=row.operation,
        sweep_id=row.sweep_id,
        cell_index=row.cell_index,
    )


def seed_for(params: dict[str, Any], index: int) -> int | None:
    return image_seed(params.get("seed"), index)
