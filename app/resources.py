"""Locates the read-only files under resources/ in a checkout, an installed wheel or a bundle."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any


@cache
def resources_dir() -> Path:
    here = Path(__file__).resolve().parent
    candidates = [
        here.parent / "resources",  # source checkout / editable install
        here / "_resources",  # wheel (hatch force-include)
    ]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.insert(0, Path(frozen) / "resources")
    for path in candidates:
        if (path / "tools").is_dir():
            return path
    raise FileNotFoundError("Wiro Studio resources folder not found")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def load_json(*parts: str) -> Any:
    return json.loads(resource_path(*parts).read_text(encoding="utf-8"))


def tool_detail_payload(slug: str = "dreamshaper-8") -> dict[str, Any]:
    """The bundled Tool/Detail answer for a tool (the wire shape, not yet parsed)."""
    return load_json("tools", f"{slug}.json")
