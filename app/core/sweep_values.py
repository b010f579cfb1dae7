"""Axis value texts → typed values: number lists and ranges, choices, seeds and sizes.

The range syntax follows AUTOMATIC1111's X/Y/Z plot script: ``20-40 (+5)`` steps by an
increment, ``4-12 [5]`` takes that many values evenly spaced, ``1-5`` steps by one for whole
numbers; comma-separated items may mix single values and ranges. Every value is checked with
the form's own rules (``app.core.params``), so an axis accepts exactly what the form accepts.
"""

from __future__ import annotations

import csv
import math
import random
import re
from dataclasses import replace
from typing import Any

from app.core.metadata import scheduler_for_sampler
from app.core.params import SEED_MAX, FieldError, coerce_field, limits_for
from app.core.schema import FieldKind, FieldSpec

MAX_AXIS_VALUES = 64

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"^\s*({_NUM})\s*-\s*({_NUM})\s*(?:\(\s*({_NUM})\s*\)|\[\s*(\d+)\s*\])?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*[x×*]\s*(\d+)\s*$", re.IGNORECASE)
_RANDOM = re.compile(r"^\s*(?:random\s+(\d+)|(\d+)\s+random)\s*$", re.IGNORECASE)


class AxisError(ValueError):
    """An axis text that cannot become values; the message is English, for the user."""


def split_items(text: str) -> list[str]:
    """Comma-separated items; double quotes keep commas inside an item (as in A1111)."""
    rows = list(csv.reader([text.strip()], skipinitialspace=True)) if text.strip() else [[]]
    return [item.strip() for item in rows[0] if item.strip()]


def fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _number(text: str, whole: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AxisError(f"“{text}” is not a number") from None
    if not math.isfinite(value):
        raise AxisError(f"“{text}” is not a number")
    if whole and value != int(value):
        raise AxisError(f"{text} is not a whole number")
    return value


def _snap(value: float, step: float | None, whole: bool) -> float:
    if step:
        value = round(value / step) * step
    return float(round(value)) if whole else round(value, 6)


def _range(item: str, whole: bool, step: float | None) -> list[float] | None:
    match = _RANGE.match(item)
    if match is None:
        return None
    start, end = _number(match[1], whole), _number(match[2], whole)
    if match[4] is not None:
        count = int(match[4])
        if count < 1:
            raise AxisError(f"“{item}”: the count in [ ] must be at least 1")
        if count > MAX_AXIS_VALUES:
            raise AxisError(f"“{item}”: at most {MAX_AXIS_VALUES} values per axis")
        if count == 1:
            return [start]
        span = (end - start) / (count - 1)
        return [_snap(start + span * i, step, whole) for i in range(count)]
    if match[3] is not None:
        increment = _number(match[3], whole)
    elif whole:
        increment = 1.0 if end >= start else -1.0
    else:
        raise AxisError(f"“{item}”: give an increment, e.g. {item} (+0.5), or a count, e.g. [5]")
    if increment == 0 or (end - start) * increment < 0:
        raise AxisError(f"“{item}”: the increment {fmt_number(increment)} never reaches the end")
    n = math.floor((end - start) / increment + 1e-9) + 1
    if n > MAX_AXIS_VALUES:
        raise AxisError(f"“{item}” gives {n} values; at most {MAX_AXIS_VALUES} per axis")
    return [round(start + increment * i, 6) for i in range(n)]


def _check(spec: FieldSpec, value: Any, named: bool = False) -> Any:
    name = f"{spec.label} " if named else ""
    try:
        coerced = coerce_field(spec, value)
    except FieldError as exc:
        raise AxisError(f"{_show(value)}: {name}{exc}") from None
    # A step stated by the tool's own schema (``incrementby``) is a rule; ours is a UI nicety.
    if spec.step and spec.kind in (FieldKind.INTEGER, FieldKind.FLOAT):
        base = spec.minimum or 0.0
        ratio = (float(coerced) - base) / spec.step
        if abs(ratio - round(ratio)) > 1e-6:
            raise AxisError(f"{_show(value)}: {name}goes in steps of {fmt_number(spec.step)}")
    return coerced


def _show(value: Any) -> str:
    return fmt_number(value) if isinstance(value, float) else str(value)


def _unique(values: list[Any], what: str) -> list[Any]:
    if not values:
        raise AxisError(f"no {what} given")
    if len(values) > MAX_AXIS_VALUES:
        raise AxisError(f"{len(values)} values; at most {MAX_AXIS_VALUES} per axis")
    seen: set[str] = set()
    for value in values:
        key = str(value)
        if key in seen:
            raise AxisError(f"{_show(value)} appears twice")
        seen.add(key)
    return values


def number_values(spec: FieldSpec, text: str) -> list[Any]:
    """``20, 28, 40`` / ``20-40 (+5)`` / ``4-12 [5]`` for a number field, checked one by one."""
    whole = spec.kind is FieldKind.INTEGER
    step = limits_for(spec).step
    raw: list[float] = []
    for item in split_items(text):
        ranged = _range(item, whole, step)
        raw.extend(ranged if ranged is not None else [_number(item, whole)])
    values = [_check(spec, int(v) if whole else v) for v in raw]
    return _unique(values, "numbers")


def choice_values(spec: FieldSpec, text: str | list[str]) -> list[str]:
    """Several options of a select field, by value or label (any case); ``*`` means all.

    A scheduler may also be named by its A1111 sampler name ("Euler a", "DPM++ 2M").
    """
    items = split_items(text) if isinstance(text, str) else [str(t).strip() for t in text]
    options = list(dict.fromkeys(o.value for o in spec.options))
    if items == ["*"]:
        return options
    by_name = {o.value.lower(): o.value for o in spec.options}
    by_name.update({o.label.lower(): o.value for o in spec.options})
    values = []
    for item in items:
        value = by_name.get(item.lower())
        if value is None and spec.id == "scheduler":
            value = scheduler_for_sampler(item)
        if value is None and spec.options:
            raise AxisError(f"“{item}” is not one of the choices for {spec.label}")
        values.append(_check(spec, value if value is not None else item))
    return _unique(values, "choices")


def text_values(spec: FieldSpec, text: str) -> list[Any]:
    """Values of any other field (text, checkbox), each checked by the form's rules."""
    if spec.kind is FieldKind.CHECKBOX:
        items = split_items(text) or ["yes", "no"]
        return _unique([_check(spec, item) for item in items], "values")
    return _unique([_check(spec, item) for item in split_items(text)], "values")


def seed_values(spec: FieldSpec, text: str, rng: random.Random) -> list[Any]:
    """``random 4`` (drawn from ``rng``), a list ``1, 2, 3``, or a range ``100-110``."""
    match = _RANDOM.match(text)
    if match is None:
        return number_values(_as_integer(spec), text)
    count = int(match[1] or match[2])
    if not 1 <= count <= MAX_AXIS_VALUES:
        raise AxisError(f"between 1 and {MAX_AXIS_VALUES} random seeds")
    drawn: list[int] = []
    while len(drawn) < count:
        seed = rng.randint(0, SEED_MAX)
        if seed not in drawn:
            drawn.append(seed)
    return drawn


def _as_integer(spec: FieldSpec) -> FieldSpec:
    return replace(spec, kind=FieldKind.INTEGER)


def size_values(width: FieldSpec, height: FieldSpec, text: str) -> list[tuple[int, int]]:
    """``512x512, 768x512``: each side checked by its own field's limits."""
    sizes: list[tuple[int, int]] = []
    for item in split_items(text):
        match = _SIZE.match(item)
        if match is None:
            raise AxisError(f"“{item}” is not a size; write it as WIDTHxHEIGHT, e.g. 512x768")
        sizes.append((_check(width, match[1], True), _check(height, match[2], True)))
    return _unique(sizes, "sizes")
