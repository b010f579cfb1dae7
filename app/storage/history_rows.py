"""History rows as Python values, and their reading from sqlite rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GenerationRow:
    """A generations row as Python values."""

    id: int
    tool: str
    params: dict[str, Any]
    phase: str
    status: str
    task_id: str | None
    task_token: str | None
    created_at: float
    run_sent_at: float | None
    started_at: float | None
    finished_at: float | None
    elapsed_seconds: float | None
    cost: float | None
    error: str | None
    debug_error: str
    expected_images: int
    outputs: list[dict[str, Any]] | None
    follow_started_at: float | None = None
    parent_image_id: int | None = None
    operation: dict[str, Any] | None = None  # how it was made from its parent (lineage)
    sweep_id: int | None = None  # the sweep it is a cell of (its gallery section)
    cell_index: int | None = None


@dataclass(frozen=True)
class ImageRecord:
    """One stored image: the file in the library exactly as downloaded, plus its facts."""

    id: int
    generation_id: int
    index: int
    seed: int | None
    path: Path
    sha256: str
    size: int
    width: int
    height: int
    starred: bool = False
    created_at: float = 0.0
    deleted: bool = False  # in the trash until the app closes (Undo delete)
    rejected: bool = False  # marked X while culling: dimmed, filterable, deletable in one go


def _json_or(value: str | None, fallback: Any) -> Any:
    if not value:
        return fallback
    try:
        return json.loads(value)
    except ValueError:
        return fallback


def generation_row(row: sqlite3.Row) -> GenerationRow:
    return GenerationRow(
        id=row["id"],
        tool=row["tool"],
        params=_json_or(row["params"], {}),
        phase=row["phase"],
        status=row["status"],
        task_id=row["task_id"],
        task_token=row["task_token"],
        created_at=row["created_at"],
        run_sent_at=row["run_sent_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        elapsed_seconds=row["elapsed_seconds"],
        cost=row["cost"],
        error=row["error"],
        debug_error=row["debug_error"] or "",
        expected_images=row["expected_images"],
        outputs=_json_or(row["outputs"], None),
        follow_started_at=row["follow_started_at"],
        parent_image_id=row["parent_image_id"],
        operation=_dict_or_none(_json_or(row["operation"], None)),
        sweep_id=row["sweep_id"],
        cell_index=row["cell_index"],
    )


def _dict_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def image_row(row: sqlite3.Row) -> ImageRecord:
    return ImageRecord(
        id=row["id"],
        generation_id=row["generation_id"],
        index=row["idx"],
        seed=row["seed"],
        path=Path(row["path"]),
        sha256=row["sha256"],
        size=row["size"],
        width=row["width"],
        height=row["height"],
        starred=bool(row["starred"]),
        deleted=bool(row["deleted"]),
        rejected=bool(row["rejected"]),
        created_at=row["created_at"],
    )
