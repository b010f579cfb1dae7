"""Reads the user's wildcard folder: ``name.txt`` files, one value per line, for ``__name__``.

The layout follows the Dynamic Prompts extension: a file ``colors.txt`` answers
``__colors__``, ``animals/birds.txt`` answers ``__animals/birds__``; blank lines and lines
starting with ``#`` are skipped. Files are read as UTF-8 (a BOM is dropped); a file that
cannot be read is left out rather than failing the whole folder.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
MAX_FILES = 2000


def read_wildcard_file(path: Path) -> list[str]:
    """The values of one wildcard file, in order, each once."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_FILE_BYTES // 1000} kB")
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    lines = (line.strip() for line in text.splitlines())
    return list(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def load_wildcards(folder: Path) -> dict[str, list[str]]:
    """Every ``*.txt`` under ``folder`` by its wildcard name (relative path without ``.txt``)."""
    out: dict[str, list[str]] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*.txt"))[:MAX_FILES]:
        if not path.is_file():
            continue
        name = path.relative_to(folder).with_suffix("").as_posix()
        try:
            out[name] = read_wildcard_file(path)
        except (OSError, ValueError) as exc:
            log.warning("wildcard file %s skipped: %s", name, exc)
    return out
