"""What the library's gallery shows beside its pages: the live filter for arriving work, and
the spend figures' text."""

from __future__ import annotations

from collections.abc import Callable

from app.services.events import GenerationState, ImageRecord
from app.services.library import ImageFilter, Spend
from app.storage.history_queries import prompt_matches, record_matches


def money(value: float) -> str:
    return f"${value:,.2f}" if value >= 10 else f"${value:,.4f}"


def spend_text(spend: Spend, demo: bool) -> str:
    text = f"Today {money(spend.today)} · This month {money(spend.month)}"
    return ("Demo (not billed): " + text) if demo else text


LiveFilter = Callable[[GenerationState | None, ImageRecord | None], bool]


def live_filter(
    query: ImageFilter, sweep_title: Callable[[int], str] = lambda _sweep_id: ""
) -> LiveFilter | None:
    """What arriving generations and images must satisfy to join a filtered gallery; a cell of
    a sweep whose title (``sweep_title`` of its id) matches the search joins its section."""
    if not query.is_filtered:
        return None

    def accepts(state: GenerationState | None, record: ImageRecord | None) -> bool:
        if query.starred_only and not (record is not None and record.starred):
            return False
        if query.rejected is not None:
            if record is None:
                return not query.rejected  # a new image is never a reject yet
            if record.rejected != query.rejected:
                return False
        prompt = str(state.params.get("prompt") or "") if state is not None else ""
        seed = record.seed if record is not None else None
        task_id = state.task_id if state is not None else None
        if not query.text or record_matches(query.text, prompt, seed, task_id):
            return True
        sweep_id = state.sweep_id if state is not None else None
        return sweep_id is not None and prompt_matches(query.text, sweep_title(sweep_id))

    return accepts
