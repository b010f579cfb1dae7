"""Derived images (upscale, re-imagine, promote): the operation record and its badge text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UPSCALE = "upscale"
REIMAGINE = "reimagine"
PROMOTE = "promote"


def _number(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "?"


def lineage_badge(parent_image_id: int | None, operation: Mapping[str, Any] | None) -> str:
    """The gallery's badge: "×4 from image 12", "re-imagined from image 12", or ""."""
    if not operation and parent_image_id is None:
        return ""
    kind = str((operation or {}).get("kind") or "")
    source = f"image {parent_image_id}" if parent_image_id is not None else "another image"
    if kind == UPSCALE:
        return f"×{_number((operation or {}).get('scale'))} from {source}"
    if kind == REIMAGINE:
        return f"re-imagined from {source}"
    if kind == PROMOTE:
        return f"promoted from {source}"
    return f"made from {source}"


def placed_beside(operation: Mapping[str, Any] | None) -> float | None:
    """When the parent's generation was made: a derived generation sorts next to it."""
    value = (operation or {}).get("beside")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def strength_words(strength: float) -> str:
    """How far a re-imagine goes, in the slider's words ("subtle" … "strong")."""
    if strength < 0.3:
        return "subtle"
    if strength < 0.55:
        return "moderate"
    if strength < 0.8:
        return "marked"
    return "strong"
