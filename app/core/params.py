"""Validates and coerces form values into the parameters a Run request sends."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.file_inputs import FileInputError, coerce_file
from app.core.schema import FieldKind, FieldSpec, ToolSchema

SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class Limits:
    """Client-side bounds for one field; shown in the UI and enforced before any Run."""

    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    multiple_of: int | None = None


# The tool page gives no ranges, so these are ours: every client-side limit lives here.
# Sizes follow the server's own rule ("between 64 and 2048") and SD's need for multiples of 8.
CLIENT_LIMITS: dict[str, Limits] = {
    "samples": Limits(1, 8, 1),
    "steps": Limits(1, 150, 1),
    "scale": Limits(1.0, 30.0, 0.5),
    "clipSkip": Limits(1, 12, 1),
    "width": Limits(64, 2048, 8, multiple_of=8),
    "height": Limits(64, 2048, 8, multiple_of=8),
    "seed": Limits(0, SEED_MAX, 1),
}

# Text fields whose content must be a whole number (Wiro types the seed as text).
NUMERIC_TEXT_FIELDS = frozenset({"seed"})

# Longest text any field accepts. SD 1.5 reads 75 tokens per chunk; A1111-style prompts with
# many chunks stay far below this, and no Run body grows to megabytes.
MAX_TEXT_CHARS = 8000
# Longest number typed as text: a seed needs 10 digits; this leaves room for spaces and ".0".
MAX_NUMBER_CHARS = 40


def limits_for(spec: FieldSpec) -> Limits:
    """The schema's own bounds where it states them, else the client limits above."""
    ours = CLIENT_LIMITS.get(spec.id, Limits())
    return Limits(
        minimum=spec.minimum if spec.minimum is not None else ours.minimum,
        maximum=spec.maximum if spec.maximum is not None else ours.maximum,
        step=spec.step if spec.step is not None else ours.step,
        multiple_of=ours.multiple_of,
    )


def describe_limits(spec: FieldSpec) -> str:
    """A short English statement of a field's bounds, e.g. "64-2048, multiple of 8"."""
    lim = limits_for(spec)
    parts = []
    if lim.minimum is not None and lim.maximum is not None:
        parts.append(f"{_fmt(lim.minimum)}-{_fmt(lim.maximum)}")
    elif lim.minimum is not None:
        parts.append(f"at least {_fmt(lim.minimum)}")
    elif lim.maximum is not None:
        parts.append(f"at most {_fmt(lim.maximum)}")
    if lim.multiple_of:
        parts.append(f"multiple of {lim.multiple_of}")
    return ", ".join(parts)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


@dataclass
class ValidationResult:
    """Wire-ready parameters plus an English error per field that failed."""

    params: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class FieldError(ValueError):
    pass


def _parse_int(text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise FieldError("must be a whole number") from None
    if not math.isfinite(number) or number != int(number):
        raise FieldError("must be a whole number")
    return int(number)


def _parse_float(text: str) -> float:
    try:
        number = float(text.replace(",", ".") if text.count(",") == 1 else text)
    except ValueError:
        raise FieldError("must be a number") from None
    if not math.isfinite(number):
        raise FieldError("must be a number")
    return number


def _check_range(value: float, lim: Limits) -> None:
    lo, hi = lim.minimum, lim.maximum
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            raise FieldError(f"must be between {_fmt(lo)} and {_fmt(hi)}")
        if lo is not None:
            raise FieldError(f"must be at least {_fmt(lo)}")
        raise FieldError(f"must be at most {_fmt(hi)}")  # type: ignore[arg-type]
    if lim.multiple_of and int(value) % lim.multiple_of:
        raise FieldError(f"must be a multiple of {lim.multiple_of}")


def _as_text(raw: Any) -> str:
    """``str(raw)`` that refuses what cannot be shown (ints beyond Python's 4,300-digit limit)."""
    if raw is None:
        return ""
    try:
        text = raw if isinstance(raw, str) else str(raw)
    except ValueError:
        raise FieldError("is too long") from None
    if len(text) > MAX_TEXT_CHARS:
        raise FieldError(f"is too long ({len(text):,} characters; at most {MAX_TEXT_CHARS:,})")
    return text


def coerce_field(spec: FieldSpec, raw: Any) -> Any:
    """One raw form value → its wire value, or FieldError with the reason in English."""
    full = _as_text(raw)
    text = full.strip()
    lim = limits_for(spec)
    if spec.kind is FieldKind.INTEGER or (spec.id in NUMERIC_TEXT_FIELDS and text):
        if isinstance(raw, bool):
            raise FieldError("must be a whole number")
        if text == "":
            raise FieldError("is required")
        if len(text) > MAX_NUMBER_CHARS:
            raise FieldError("is too long to be a number")
        value: Any = _parse_int(text)
        _check_range(value, lim)
        return str(value) if spec.kind is FieldKind.TEXT else value
    if spec.kind is FieldKind.FLOAT:
        if text == "" or isinstance(raw, bool):
            raise FieldError("is required" if text == "" else "must be a number")
        if len(text) > MAX_NUMBER_CHARS:
            raise FieldError("is too long to be a number")
        value = _parse_float(text)
        _check_range(value, lim)
        return value
    if spec.kind is FieldKind.SELECT:
        allowed = {o.value for o in spec.options}
        if allowed and text not in allowed:
            raise FieldError("is not one of the available choices")
        return text
    if spec.kind is FieldKind.CHECKBOX:
        return bool(raw) if not isinstance(raw, str) else text.lower() in ("1", "true", "yes", "on")
    if spec.kind is FieldKind.MULTISELECT:
        values = list(raw) if isinstance(raw, list | tuple) else [v for v in text.split(",") if v]
        return _as_text(",".join(_as_text(v).strip() for v in values))
    if spec.required and not text:
        raise FieldError("is required")
    if spec.id in NUMERIC_TEXT_FIELDS and not text:
        raise FieldError("is required")
    return full


def validate(schema: ToolSchema, values: Mapping[str, Any]) -> ValidationResult:
    """Every schema field, taken from ``values`` or its default, checked and coerced.

    Total: whatever ``values`` holds, the answer is errors per field, never an exception.
    """
    result = ValidationResult()
    for spec in schema.fields:
        try:
            raw = values.get(spec.id, spec.default)
            if spec.kind is FieldKind.FILE:
                result.params[spec.id] = coerce_file(spec, raw)
            else:
                result.params[spec.id] = coerce_field(spec, raw)
        except (FieldError, FileInputError) as exc:
            result.errors[spec.id] = f"{spec.label} {exc}."
        except (ValueError, TypeError, OverflowError, MemoryError, RecursionError):
            result.errors[spec.id] = f"{spec.label} could not be read."
    return result


def random_seed(rng: random.Random | None = None) -> int:
    return (rng or random.SystemRandom()).randint(0, SEED_MAX)


def image_seed(base_seed: Any, index: int) -> int | None:
    """The per-image seed as we assume Wiro derives it (seed + index: undocumented)."""
    try:
        return (int(str(base_seed).strip()) + index) % (SEED_MAX + 1)
    except ValueError:
        return None
