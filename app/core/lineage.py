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
    named = (operation or {}).get("source_file")
    source = (
        f"image {parent_image_id}"
        if parent_image_id is not None
        else str(named)
        if isinstance(named, str) and named
        else "another image"
    )
    if kind == UPSCALE:
        return f"×{_number((operation or {}).get('scale'))} from {source}"
    if kind == REIMAGINE:
        return f"re-imagined from {source}"
    if kind == PROMOTE:
        return f"promoted from {source}"
    return f"made from {source}"


def _source_text(parent_image_id: int | None, operation: Mapping[str, Any]) -> str:
    if parent_image_id is not None:
        return f"#{parent_image_id}"
    name = operation.get("source_file")
    return str(name) if isinstance(name, str) and name else "another image"


def task_title(
    params: Mapping[str, Any], parent_image_id: int | None, operation: Mapping[str, Any] | None
) -> str:
    """A task card's title: the prompt, or what a derived task does ("Upscale ×4 · #123
    (RealESRGAN_x4plus)", "Re-imagine · strength 0.45 · <prompt>")."""
    prompt = str(params.get("prompt") or "").strip()
    op = operation or {}
    kind = op.get("kind")
    if kind == UPSCALE:
        model = op.get("model")
        title = f"Upscale ×{_number(op.get('scale'))} · {_source_text(parent_image_id, op)}"
        return f"{title} ({model})" if isinstance(model, str) and model else title
    if kind == REIMAGINE:
        strength = op.get("strength", params.get("strength"))
        parts = ["Re-imagine", f"strength {_number(strength)}"]
        parts.append(prompt or f"from {_source_text(parent_image_id, op)}")
        return " · ".join(parts)
    if kind == PROMOTE and not prompt:
        return f"Promoted from {_source_text(parent_image_id, op)}"
    return prompt or "(no prompt)"


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


def restore_defaults(defaults: dict[str, Any], lineage: Mapping[str, Any]) -> str:
    """Read-back of a derived image: its operation's settings become the next Upscale's or
    Re-imagine's starting point (``Settings.derive_defaults``); returns what it says, or ""."""
    kind = lineage.get("kind")
    if kind == UPSCALE and lineage.get("scale") in (2, 4):
        scale = int(lineage["scale"])
        defaults["upscale_scale"] = scale
        model = lineage.get("model")
        if isinstance(model, str) and model:
            models = dict(defaults.get("upscale_models") or {})
            models[str(scale)] = model
            defaults["upscale_models"] = models
        return f"The next Upscale starts at ×{scale}" + (f" with {model}." if model else ".")
    if kind == REIMAGINE:
        strength, count = lineage.get("strength"), lineage.get("variations")
        said = []
        if isinstance(strength, int | float) and 0 < float(strength) < 1:
            defaults["reimagine_strength"] = round(float(strength), 2)
            said.append(f"strength {float(strength):g}")
        if isinstance(count, int) and 1 <= count <= 4:
            defaults["reimagine_count"] = count
            said.append(f"{count} variations")
        return f"The next Re-imagine starts at {', '.join(said)}." if said else ""
    return ""
