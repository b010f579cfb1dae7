"""A new history after a damaged one: the old file moved aside, the library's images re-added.

Library files are named from our own ids (``g000042-t2221-00.png``, see ``library_path``),
so each image finds its generation, task and index again; the settings come back too when
the file carries readable metadata (A1111 ``parameters`` or our JSON). Nothing is deleted.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.readback import read_settings
from app.storage.dbfaults import move_aside
from app.storage.history import HistoryStore
from app.storage.imagemeta import read_text_chunks
from app.storage.library import ImageCheckError, inspect_image, sha256_file

log = logging.getLogger(__name__)

_NAME = re.compile(r"^g(\d{1,12})-t(.{1,40})-(\d{2,3})\.(png|jpe?g|webp)$", re.IGNORECASE)
_SKIP_DIRS = frozenset({".trash"})


@dataclass
class NewHistory:
    """What starting a new history did: where the old file went and what came back."""

    moved_to: Path | None
    generations: int = 0
    images: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        kept = f"The damaged history was kept as {self.moved_to.name}. " if self.moved_to else ""
        return (
            f"{kept}{self.images} image{'s' if self.images != 1 else ''} from the library "
            f"came back ({self.generations} generation{'s' if self.generations != 1 else ''})."
        )


def start_new_history(db_path: Path, library_dir: Path, tool: str) -> NewHistory:
    """Moves ``db_path`` aside, creates an empty history there and re-adds the library."""
    moved = move_aside(db_path) if db_path.exists() else None
    HistoryStore(db_path).close()  # the schema, at the current version
    result = NewHistory(moved)
    found = _scan(library_dir, result)
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        for generation_id, images in sorted(found.items()):
            _insert(db, generation_id, images, tool)
            result.generations += 1
            result.images += len(images)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    log.warning("started a new history: %s", result.summary)
    return result


@dataclass(frozen=True)
class _Found:
    path: Path
    task: str
    index: int
    width: int
    height: int
    created_at: float


def _scan(library_dir: Path, result: NewHistory) -> dict[int, list[_Found]]:
    found: dict[int, list[_Found]] = {}
    if not library_dir.is_dir():
        return found
    for path in sorted(library_dir.rglob("*")):
        if _SKIP_DIRS.intersection(path.relative_to(library_dir).parts) or not path.is_file():
            continue
        match = _NAME.match(path.name)
        if match is None:
            continue
        try:
            width, height = inspect_image(path)
            created = path.stat().st_mtime
        except (ImageCheckError, OSError) as exc:
            result.skipped.append(f"{path.name}: {exc}")
            continue
        gid, task, index = int(match[1]), match[2], int(match[3])
        found.setdefault(gid, []).append(_Found(path, task, index, width, height, created))
    return found


def _settings(path: Path) -> dict[str, Any]:
    try:
        return dict(read_settings(read_text_chunks(path)).values)
    except (OSError, ValueError):
        return {}


def _insert(db: sqlite3.Connection, generation_id: int, images: list[_Found], tool: str) -> None:
    images = sorted(images, key=lambda f: f.index)
    first = images[0]
    params = _settings(first.path)
    task = None if first.task == "local" else first.task
    db.execute(
        "INSERT INTO generations (id, tool, params, phase, status, task_id, created_at,"
        " finished_at, expected_images, error) VALUES (?, ?, ?, 'succeeded', '', ?, ?, ?, ?, ?)",
        (
            generation_id,
            tool,
            json.dumps(params, ensure_ascii=False),
            task,
            first.created_at,
            first.created_at,
            len(images),
            None if params else "Re-added from the library: its settings were not recorded.",
        ),
    )
    for found in images:
        db.execute(
            "INSERT OR IGNORE INTO images (generation_id, idx, seed, path, sha256, size, width,"
            " height, created_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)",
            (
                generation_id,
                found.index,
                str(found.path),
                sha256_file(found.path),
                found.path.stat().st_size,
                found.width,
                found.height,
                found.created_at,
            ),
        )
