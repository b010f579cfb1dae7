"""Words shared by the popover and the dialog (no Qt): price lines and notes."""

from __future__ import annotations

from collections.abc import Iterable

from app.core.estimate import CostEstimate


def price_text(cost: CostEstimate | None) -> str:
    """The estimate in Generate's words ("Estimated cost: ≈ $0.0056 (…)"), or honest
    "working it out" while it is computed."""
    if cost is None:
        return "Price: working it out…"
    if cost.text:  # the same words as Generate's estimate (app.core.estimate)
        return cost.text
    return "Price: unknown" if cost.usd is None else f"Estimated cost: ≈ ${cost.usd:.4f}"


def notes_text(notes: Iterable[str]) -> str:
    return "\n".join(n for n in notes if n)
