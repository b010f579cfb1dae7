"""The words a sweep's gallery section shows: its header, its detail line, its cells' captions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.core.display import one_line
from app.core.metadata import SAMPLER_BY_SCHEDULER
from app.services.events import GenerationState, ImageRecord
from app.ui.widgets.gallery_text import seed_label, settings_summary, time_text

if TYPE_CHECKING:
    from app.storage.sweep_summary import SweepSummary

PROMPT_CHARS = 90
SWEPT = {  # the base settings an axis overrides (not shown as shared in the detail line)
    "size": ("width", "height"),
    "prompt:sr": ("prompt",),
    "prompt:alternatives": ("prompt",),
}
STATE_WORDS = {"stopped": "stopped", "enough": "stopped (enough)"}
GRID_HINT = "Double-click or press Enter on this header to open the sweep's grid"


def money(value: float) -> str:
    """$0.032, $0.0035, $1.20, $12.40: what a sweep cost, without trailing zeros."""
    if value >= 10:
        return f"${value:,.2f}"
    whole, _, cents = f"{value:.4f}".rstrip("0").partition(".")
    return f"${whole}.{cents:0<2}"


def sweep_title(sweep: SweepSummary | None, sweep_id: int) -> str:
    """ "Sweep · CFG scale × Scheduler · 9 cells · 7 done · $0.032" or "Vary · 4 seeds"."""
    if sweep is None:
        return f"Sweep {sweep_id}"
    if sweep.is_vary:
        parts = [f"Vary · {sweep.tasks} seed{'s' if sweep.tasks != 1 else ''}"]
    else:
        axes = " × ".join(a for a in sweep.axes if a) or "no axes"
        parts = [f"Sweep · {axes}", f"{sweep.tasks} cell{'s' if sweep.tasks != 1 else ''}"]
    if sweep.done < sweep.tasks:
        parts.append(f"{sweep.done} done")
    if sweep.spent > 0:
        parts.append(money(sweep.spent))
    return " · ".join(parts)


def _shared_settings(sweep: SweepSummary) -> str:
    swept: set[str] = set()
    for target in sweep.targets:
        swept.update(SWEPT.get(target, (target,)))
    return settings_summary({k: v for k, v in sweep.base.items() if k not in swept})


def sweep_detail(sweep: SweepSummary | None, created_at: float, image_count: int) -> str:
    """Where the sweep stands, when it started, its shared settings, images and prompt."""
    parts = []
    if sweep is not None:
        state = sweep.state
        if state.startswith("held: "):
            parts.append("held: " + state.removeprefix("held: "))
        elif state == "running" and sweep.done < sweep.tasks:
            parts.append("running")
        else:
            parts.append(STATE_WORDS.get(state, ""))
    parts.append(time_text(created_at))
    parts.append(f"{image_count} image{'s' if image_count != 1 else ''}" if image_count else "")
    if sweep is not None:
        parts.append(_shared_settings(sweep))
        prompt = one_line(sweep.prompt)
        cut = prompt[:PROMPT_CHARS] + ("…" if len(prompt) > PROMPT_CHARS else "")
        parts.append(f"“{cut}”" if cut else "")
    return one_line("  ·  ".join(p for p in parts if p))


def sweep_tooltip(sweep: SweepSummary | None, sweep_id: int, detail: str) -> str:
    lines = [sweep.title if sweep is not None and sweep.title else sweep_title(sweep, sweep_id)]
    return "\n".join([*lines, detail, GRID_HINT])


def _value(label: str) -> str:
    return SAMPLER_BY_SCHEDULER.get(label, label)


def cell_caption(
    sweep: SweepSummary | None,
    cell: int,
    index: int,
    record: ImageRecord | None,
    state: GenerationState | None,
) -> str:
    """A cell's image named by its axis values ("7.5 · Euler"); Vary's by its seed."""
    params: Mapping[str, Any] = state.params if state is not None else {}
    labels = sweep.labels.get(cell) if sweep is not None else None
    if sweep is None or sweep.is_vary or not labels:
        return seed_label(record.seed if record is not None else None, index, params)
    text = " · ".join(_value(label) for label in labels)
    images = state.expected_images if state is not None else 1
    return f"{text} #{index + 1}" if images > 1 else text
