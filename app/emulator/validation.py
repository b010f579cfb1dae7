"""Server-side checks of Run inputs against the tool schema, with Wiro's messages."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from app.emulator.wire import error_entry

# The tool page states no ranges; these follow the service's style ("between 64 and 2048")
# and stay wider than (or equal to) the client's own limits.
SERVER_RANGES: dict[str, tuple[float, float]] = {
    "samples": (1, 10),
    "steps": (1, 150),
    "scale": (0, 30),
    "clipSkip": (1, 12),
    "width": (64, 2048),
    "height": (64, 2048),
    "seed": (0, 2**32 - 1),
}
INTEGER_TEXT = frozenset({"seed"})


@dataclass(frozen=True)
class Input:
    """One schema item as the server reads it straight from the Tool/Detail payload."""

    id: str
    type: str
    default: Any
    required: bool
    options: tuple[str, ...]


def _truthy(value: Any) -> bool:
    return value.strip().lower() in ("1", "true") if isinstance(value, str) else bool(value)


def read_inputs(tool: dict[str, Any]) -> list[Input]:
    groups = tool.get("parameters")
    if isinstance(groups, str):
        groups = json.loads(groups)
    inputs: list[Input] = []
    for group in groups or []:
        for item in group.get("items") or []:
            options = tuple(dict.fromkeys(str(o.get("value")) for o in item.get("options") or []))
            default = item.get("defaultvalue")
            if default in (None, ""):
                default = item.get("default", item.get("value"))
            inputs.append(
                Input(
                    id=str(item["id"]),
                    type=str(item.get("type") or "text"),
                    default=default,
                    required=_truthy(item.get("required")),
                    options=options,
                )
            )
    return inputs


class InvalidInput(ValueError):
    """One input failed; the message is Wiro's wording."""


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _as_number(name: str, raw: Any, integer: bool) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidInput(f"Request parameter [{name}] must be integer or float")
    try:
        value = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise InvalidInput(f"Request parameter [{name}] must be integer or float") from None
    if not math.isfinite(value):
        raise InvalidInput(f"Request parameter [{name}] must be integer or float")
    if integer:
        if value != int(value):
            raise InvalidInput(f"Request parameter [{name}] must be integer")
        return int(value)
    return value


def _in_range(name: str, value: float) -> None:
    bounds = SERVER_RANGES.get(name)
    if bounds and not bounds[0] <= value <= bounds[1]:
        lo, hi = bounds
        raise InvalidInput(f"Request parameter [{name}] must be between {_fmt(lo)} and {_fmt(hi)}")


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _one(item: Input, raw: Any) -> Any:
    if _blank(raw):
        if item.required:
            raise InvalidInput(f"Request parameter [{item.id}] required")
        raw = item.default
    if item.type in ("number", "float", "range"):
        value = _as_number(item.id, raw, integer=item.type == "number")
        _in_range(item.id, value)
        return value
    if item.type in ("select", "selectwithcover"):
        text = str(raw)
        if item.options and text not in item.options:
            raise InvalidInput(
                f"Request parameter [{item.id}] must be one of {', '.join(item.options)}"
            )
        return text
    if isinstance(raw, dict | list):
        raise InvalidInput(f"Request parameter [{item.id}] must be string")
    text = str(raw)
    if item.id in INTEGER_TEXT:
        value = _as_number(item.id, text, integer=True)
        _in_range(item.id, value)
        return str(value)
    return text


def validate_run(inputs: list[Input], params: dict[str, Any]) -> tuple[dict[str, Any], list]:
    """Typed values for every schema input, or Wiro-style error entries (code 0)."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for item in inputs:
        if item.type in ("fileinput", "multifileinput", "combinefileinput"):
            continue
        try:
            values[item.id] = _one(item, params.get(item.id))
        except InvalidInput as exc:
            errors.append(error_entry(0, str(exc)))
    return values, errors


def wire_parameters(values: dict[str, Any]) -> dict[str, str]:
    """How the task stores its parameters: every value as a string."""
    return {k: _fmt(v) if isinstance(v, int | float) else str(v) for k, v in values.items()}
