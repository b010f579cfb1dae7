"""Outputs as the follower keeps them: our index for each, and their JSON in the history row."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.api.models import Output

_INDEX_RE = re.compile(r"^(\d{1,4})\.[A-Za-z0-9]{1,5}$")


def output_indices(outputs: Iterable[Output]) -> list[tuple[int, Output]]:
    """Our index for each output: "3.png" → 3 when sane and unique, else its position."""
    outputs = list(outputs)
    named = [_INDEX_RE.match(o.name or "") for o in outputs]
    numbers = [int(m.group(1)) if m else None for m in named]
    if None not in numbers and len(set(numbers)) == len(numbers):
        return list(zip(numbers, outputs, strict=True))  # type: ignore[arg-type]
    return list(enumerate(outputs))


def output_to_json(output: Output) -> dict[str, Any]:
    return {
        "id": output.id,
        "name": output.name,
        "contenttype": output.content_type,
        "size": output.size,
        "url": output.url,
    }


def output_from_json(data: dict[str, Any]) -> Output:
    size = data.get("size")
    return Output(
        id=str(data.get("id") or ""),
        name=str(data.get("name") or ""),
        content_type=str(data.get("contenttype") or ""),
        size=int(size) if isinstance(size, int) else None,
        url=str(data.get("url") or ""),
    )
