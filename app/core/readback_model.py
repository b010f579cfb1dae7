"""The result of reading another tool's settings, and the builder every reader fills it with.

Notes about what could not be used are bounded: the first few are kept word for word, the
rest are only counted, so a hostile file with 100,000 settings reads in linear time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from app.core.metadata import MODEL_NAME, SAMPLER_BY_SCHEDULER, match_sampler, schedule_note
from app.core.params import CLIENT_LIMITS

MAX_NOTES = 10

FIELD_LABELS: dict[str, str] = {
    "prompt": "Prompt",
    "negativePrompt": "Negative prompt",
    "samples": "Number of images",
    "steps": "Steps",
    "scale": "CFG scale",
    "seed": "Seed",
    "clipSkip": "CLIP skip",
    "width": "Width",
    "height": "Height",
    "scheduler": "Scheduler",
}
_LORA_TAG = re.compile(r"<(?:lora|lyco|hypernet):[^<>]{0,200}>", re.I)


@dataclass
class Readback:
    """Form values found in an image, where they came from, and what could not be used."""

    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    mapped: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)
    more_dropped: int = 0  # notes beyond the first MAX_NOTES, counted but not kept
    lineage: dict[str, Any] | None = None  # a derived image: its parent and operation settings


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,30}", text):
        return int(text)
    number = as_float(value)
    return int(number) if number is not None and number.is_integer() else None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def fmt_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


class Builder:
    """Collects one Readback, validating every value against the client limits."""

    def __init__(self, source: str) -> None:
        self.rb = Readback(source=source)
        self._notes: set[str] = set()

    def _set(self, field_id: str, value: Any) -> None:
        self.rb.values[field_id] = value
        if field_id not in self.rb.mapped:
            self.rb.mapped.append(field_id)

    def drop(self, note: str) -> None:
        if note in self._notes:
            return
        self._notes.add(note)
        if len(self.rb.dropped) < MAX_NOTES:
            self.rb.dropped.append(note)
        else:
            self.rb.more_dropped += 1

    def has_room(self) -> bool:
        """Whether another distinct note would still be kept word for word."""
        return len(self.rb.dropped) < MAX_NOTES

    def adjust(self, note: str) -> None:
        if len(self.rb.adjusted) < MAX_NOTES and note not in self.rb.adjusted:
            self.rb.adjusted.append(note)

    def text(self, field_id: str, value: Any) -> None:
        if isinstance(value, str):
            self._set(field_id, value)
            if field_id == "prompt" and _LORA_TAG.search(value):
                self.drop("LoRA tags in the prompt have no effect on this model")

    def _in_range(self, field_id: str, number: float, shown: Any) -> bool:
        lim = CLIENT_LIMITS[field_id]
        lo, hi = lim.minimum, lim.maximum
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            limits = f"{fmt_number(lo or 0)}-{fmt_number(hi or 0)}"
            self.drop(f"{FIELD_LABELS[field_id]} {shown} is outside {limits}")
            return False
        return True

    def integer(self, field_id: str, raw: Any) -> None:
        number = as_int(raw)
        if number is None:
            self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a whole number")
        elif self._in_range(field_id, number, number):
            self._set(field_id, number)

    def number(self, field_id: str, raw: Any) -> None:
        number = as_float(raw)
        if number is None:
            self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a number")
        elif self._in_range(field_id, number, fmt_number(number)):
            self._set(field_id, number)

    def seed(self, raw: Any) -> None:
        number = as_int(raw)
        if number is None:
            self.drop(f"Seed {str(raw)[:40]!r} is not a whole number")
        elif number < 0:
            self.drop(f"Seed {number} means a random seed; keeping yours")
        elif self._in_range("seed", number, number):
            self._set("seed", str(number))

    def size(self, width: Any, height: Any) -> None:
        for field_id, raw in (("width", width), ("height", height)):
            number = as_int(raw)
            if number is None:
                self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a whole number")
                continue
            rounded = max(8, round(number / 8) * 8)
            if self._in_range(field_id, rounded, number):
                if rounded != number:
                    self.adjust(
                        f"{FIELD_LABELS[field_id]} {number} rounded to {rounded} (multiple of 8)"
                    )
                self._set(field_id, rounded)

    def scheduler(self, name: Any) -> None:
        if str(name) in SAMPLER_BY_SCHEDULER:
            self._set("scheduler", str(name))
        else:
            self.drop(f"Scheduler {str(name)[:60]} is not available on this model")

    def sampler(self, name: Any, schedule: Any = None) -> None:
        match = match_sampler(str(name)[:60])
        if match.scheduler:
            self._set("scheduler", match.scheduler)
        notes = [match.note, schedule_note(str(schedule)) if schedule is not None else None]
        for note in notes:
            if note:
                self.drop(note)

    def clip_skip(self, raw: Any, *, convention: str | None) -> None:
        before = len(self.rb.mapped)
        self.integer("clipSkip", raw)
        if convention and len(self.rb.mapped) > before:
            self.adjust(
                f"CLIP skip {self.rb.values['clipSkip']} taken from {convention} "
                "(Wiro's clipSkip convention is undocumented)"
            )

    def model(self, name: Any) -> None:
        text = str(name or "").strip()
        if text and "dreamshaper8" not in re.sub(r"[^a-z0-9]", "", text.lower()):
            self.drop(f"Model {text[:80]} is not {MODEL_NAME}; results will differ")
