"""The words the gallery and viewer show for generations and images (no Qt)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.core.metadata import SAMPLER_BY_SCHEDULER
from app.core.params import image_seed
from app.services.events import GenerationState, ImageRecord, Phase

ASSUMED = "(assumed)"
ASSUMED_HELP = (
    "Wiro does not document the seeds of a multi-image generation; we assume image N used seed + N."
)

_PHASE_WORDS = {
    Phase.PENDING: "waiting",
    Phase.WAITING_SLOT: "queued",
    Phase.PAUSED: "paused",
    Phase.SUBMITTING: "sending",
    Phase.RUNNING: "generating",
    Phase.DOWNLOADING: "downloading",
    Phase.FAILED: "failed",
    Phase.CANCELLED: "cancelled",
    Phase.UNKNOWN: "status unknown",
    Phase.STALLED: "stalled",
}


def image_seed_value(seed: int | None, index: int, params: Mapping[str, Any]) -> int | None:
    """The image's own seed, else the one derived from the generation's base seed."""
    if seed is not None:
        return seed
    base = params.get("seed")
    return image_seed(base, index) if base is not None and str(base).strip() else None


def seed_label(seed: int | None, index: int, params: Mapping[str, Any] | None = None) -> str:
    """``seed 123457 (assumed)``: only the first image of a generation has a known seed."""
    value = image_seed_value(seed, index, params or {})
    if value is None:
        return "seed unknown"
    return f"seed {value}" if index == 0 else f"seed {value} {ASSUMED}"


def phase_text(state: GenerationState | None) -> str:
    if state is None or state.phase is Phase.SUCCEEDED:
        return ""
    words = _PHASE_WORDS.get(state.phase, str(state.phase))
    if state.phase is Phase.RUNNING and state.step is not None and state.total_steps:
        return f"{words} {state.step}/{state.total_steps}"
    if state.phase is Phase.RUNNING and state.percent is not None:
        return f"{words} {state.percent:.0f}%"
    return words


def time_text(timestamp: float, now: float | None = None) -> str:
    if not timestamp:
        return ""
    when = datetime.fromtimestamp(timestamp)
    today = datetime.fromtimestamp(time.time() if now is None else now)
    if when.date() == today.date():
        return when.strftime("%H:%M")
    if when.year == today.year:
        return f"{when:%b} {when.day}, {when:%H:%M}"
    return when.strftime("%Y-%m-%d %H:%M")


def _number(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def settings_summary(params: Mapping[str, Any]) -> str:
    """``30 steps · CFG 7 · DPM++ 2M · 512×768 · seed 42``: what an artist compares at a glance."""
    parts = []
    if params.get("steps") not in (None, ""):
        parts.append(f"{_number(params['steps'])} steps")
    if params.get("scale") not in (None, ""):
        parts.append(f"CFG {_number(params['scale'])}")
    scheduler = str(params.get("scheduler") or "")
    if scheduler:
        parts.append(SAMPLER_BY_SCHEDULER.get(scheduler, scheduler.removesuffix("Scheduler")))
    if params.get("width") and params.get("height"):
        parts.append(f"{_number(params['width'])}×{_number(params['height'])}")
    if params.get("seed") not in (None, ""):
        parts.append(f"seed {params['seed']}")
    return " · ".join(parts)


def header_title(state: GenerationState | None, generation_id: int) -> str:
    prompt = str(state.params.get("prompt") or "").strip() if state else ""
    first = " ".join(prompt.split())
    return first or f"Generation {generation_id}"


def cost_text(cost: float) -> str:
    """What Wiro reported (totalcost) for a generation: cents need four decimals."""
    return f"${cost:,.2f}" if cost >= 10 else f"${cost:.4f}"


def header_detail(state: GenerationState | None, created_at: float, image_count: int) -> str:
    """Progress (while there is any), time, settings, cost and image count, on one line."""
    status = phase_text(state)
    if state is not None and state.phase is Phase.FAILED and state.error:
        status = f"failed: {state.error}"
    parts = [status, time_text(created_at), settings_summary(state.params) if state else ""]
    parts.append(cost_text(state.cost) if state is not None and state.cost else "")
    parts.append(f"{image_count} image{'s' if image_count != 1 else ''}" if image_count else "")
    return "  ·  ".join(p for p in parts if p)


def tile_tooltip(record: ImageRecord | None, index: int, params: Mapping[str, Any]) -> str:
    seed = seed_label(record.seed if record else None, index, params)
    lines = [f"Image {index + 1}: {seed}"]
    if index > 0:
        lines.append(ASSUMED_HELP)
    if record is not None:
        lines.append(f"{record.width}×{record.height} · {record.path.name}")
        if record.starred:
            lines.append("Starred")
        if record.rejected:
            lines.append("Rejected (X takes it back)")
    else:
        lines.append("Still being made")
    return "\n".join(lines)
