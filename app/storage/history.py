"""The history database: every generation and image, written before the network is touched."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.storage.dbfaults import PatientConnection, check_usable, unavailable
from app.storage.diskguard import DiskGuard
from app.storage.history_queries import ImageFilter, PageCursor, count_sql, page_sql
from app.storage.history_rows import GenerationRow, ImageRecord, generation_row, image_row
from app.storage.history_schema import MIGRATIONS, SCHEMA_VERSION, open_connection

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "GenerationRow", "HistoryStore", "ImageRecord"]


_GENERATION_COLUMNS = frozenset(
    {
        "phase",
        "status",
        "task_id",
        "task_token",
        "run_sent_at",
        "started_at",
        "finished_at",
        "elapsed_seconds",
        "cost",
        "error",
        "debug_error",
        "expected_images",
        "outputs",
        "follow_started_at",
        "params",  # a file input's local path becomes its uploaded URL before Run
    }
)


class HistoryStore:
    """SQLite in WAL mode with versioned migrations; calls are serialised by a lock.

    Every method blocks on disk: the services run them in a worker thread.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout: float = 10.0,
        lock_wait: float = 600.0,
        open_lock_wait: float = 20.0,
        library_dir: Path | None = None,
    ) -> None:
        """Opens (creating if needed) and checks the database; raises HistoryUnavailable.

        ``lock_wait`` bounds how long a write waits out another program's lock;
        ``open_lock_wait`` is shorter so a locked file is reported while the app starts.
        """
        self.path = Path(path) if str(path) != ":memory:" else None
        self._busy_timeout = busy_timeout
        self._lock_wait = lock_wait
        self._lock = threading.RLock()
        self.guard = DiskGuard(self.path, library_dir)
        db: PatientConnection | None = None
        try:
            db = self._db = self._connect(open_lock_wait)
            self.migrate()
            check_usable(db)
        except BaseException as exc:
            if db is not None:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise unavailable(exc, self.path) from exc
            raise
        self._db.lock_wait = lock_wait
        self.guard.opened()

    def _connect(self, lock_wait: float) -> PatientConnection:
        return open_connection(self.path, self._busy_timeout, lock_wait)

    def ensure_on_disk(self) -> None:
        """Notices a deleted profile or library folder and rebuilds what it can (see DiskGuard);
        runs before every write and when the window regains focus."""
        with self._lock:
            self._db = self.guard.check(self._db, self._reopen)

    def take_reports(self) -> list[str]:
        """What was lost or rebuilt since the last call, in English, for the user."""
        return self.guard.take_reports()

    def _reopen(self) -> PatientConnection:
        return self._connect(self._lock_wait)

    # -- schema ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int | None = None) -> None:
        target = len(MIGRATIONS) if target is None else target
        with self._lock:
            current = self.version
            for number in range(current, target):
                script = (
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]};\nPRAGMA user_version={number + 1};"
                )
                try:
                    self._db.executescript(script + "\nCOMMIT;")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- generations ----------------------------------------------------------------------

    def create_generation(
        self,
        *,
        tool: str,
        params: dict[str, Any],
        expected_images: int,
        created_at: float,
        phase: str = "pending",
    ) -> int:
        with self._lock:
            self.ensure_on_disk()
            cur = self._db.execute(
                "INSERT INTO generations (tool, params, phase, created_at, expected_images)"
                " VALUES (?, ?, ?, ?, ?)",
                (tool, json.dumps(params, ensure_ascii=False), phase, created_at, expected_images),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def update_generation(self, generation_id: int, **values: Any) -> None:
        unknown = set(values) - _GENERATION_COLUMNS
        if unknown:
            raise ValueError(f"unknown generation columns: {sorted(unknown)}")
        if not values:
            return
        if "outputs" in values and values["outputs"] is not None:
            values["outputs"] = json.dumps(values["outputs"], ensure_ascii=False)
        if "params" in values:
            values["params"] = json.dumps(values["params"], ensure_ascii=False)
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._lock:
            self.ensure_on_disk()
            self._db.execute(
                f"UPDATE generations SET {assignments} WHERE id = ?",
                (*values.values(), generation_id),
            )

    def generation(self, generation_id: int) -> GenerationRow | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM generations WHERE id = ?", (generation_id,)
            ).fetchone()
        return generation_row(row) if row else None

    def generations_in_phases(self, phases: Iterable[str]) -> list[GenerationRow]:
        phases = list(phases)
        marks = ",".join("?" for _ in phases)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM generations WHERE phase IN ({marks}) ORDER BY id", phases
            ).fetchall()
        return [generation_row(r) for r in rows]

    def recent_generations(self, limit: int = 200, offset: int = 0) -> list[GenerationRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM generations ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [generation_row(r) for r in rows]

    # -- images ---------------------------------------------------------------------------

    def add_image(
        self,
        *,
        generation_id: int,
        index: int,
        seed: int | None,
        path: Path,
        sha256: str,
        size: int,
        width: int,
        height: int,
        created_at: float,
    ) -> ImageRecord:
        """Adds an image once; a second call for the same (generation, index) returns the first."""
        with self._lock:
            self.ensure_on_disk()
            self._db.execute(
                "INSERT OR IGNORE INTO images (generation_id, idx, seed, path, sha256, size,"
                " width, height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (generation_id, index, seed, str(path), sha256, size, width, height, created_at),
            )
            row = self._db.execute(
                "SELECT * FROM images WHERE generation_id = ? AND idx = ?", (generation_id, index)
            ).fetchone()
        return image_row(row)

    def images_for(self, generation_id: int, *, include_deleted: bool = False) -> list[ImageRecord]:
        sql = "SELECT * FROM images WHERE generation_id = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY idx", (generation_id,)).fetchall()
        return [image_row(r) for r in rows]

    def image(self, image_id: int) -> ImageRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM images WHERE id = ?", (image_id,)).fetchone()
        return image_row(row) if row else None

    def set_starred(self, image_id: int, starred: bool) -> None:
        with self._lock:
            self.ensure_on_disk()
            self._db.execute("UPDATE images SET starred = ? WHERE id = ?", (int(starred), image_id))

    def set_rejected(self, image_ids: Iterable[int], rejected: bool) -> None:
        with self._lock:
            self.ensure_on_disk()
            self._db.executemany(
                "UPDATE images SET rejected = ? WHERE id = ?",
                [(int(rejected), i) for i in image_ids],
            )

    def rejected_ids(self) -> list[int]:
        """Visible images marked as rejects, for "Delete rejected…"."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM images WHERE rejected = 1 AND deleted = 0 ORDER BY id"
            ).fetchall()
        return [int(r[0]) for r in rows]

    def set_deleted(self, image_ids: Iterable[int], deleted: bool) -> None:
        with self._lock:
            self.ensure_on_disk()
            self._db.executemany(
                "UPDATE images SET deleted = ? WHERE id = ?",
                [(int(deleted), i) for i in image_ids],
            )

    def count_images(self) -> int:
        with self._lock:
            return int(
                self._db.execute("SELECT COUNT(*) FROM images WHERE deleted = 0").fetchone()[0]
            )

    def spend_since(self, since: float, until: float | None = None) -> float:
        sql, args = "SELECT COALESCE(SUM(cost), 0) FROM generations WHERE created_at >= ?", [since]
        if until is not None:
            sql, args = sql + " AND created_at < ?", [since, until]
        with self._lock:
            value = self._db.execute(sql, args).fetchone()[0]
        return float(value or 0.0)

    # -- gallery queries ------------------------------------------------------------------

    def image_page(
        self, query: ImageFilter, after: PageCursor | None = None, limit: int = 500
    ) -> tuple[list[ImageRecord], PageCursor | None]:
        """Visible images in display order after ``after``, and the cursor for the next page."""
        sql, args = page_sql(query, after, limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        if not rows:
            return [], None
        last = rows[-1]
        return [image_row(r) for r in rows], (
            last["generation_created_at"],
            last["generation_id"],
            last["idx"],
        )

    def count_matching(self, query: ImageFilter) -> int:
        sql, args = count_sql(query)
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

    def generations_by_ids(self, ids: Iterable[int]) -> list[GenerationRow]:
        return [generation_row(r) for r in self._select_in("generations", "id", ids, "")]

    def images_of_generations(self, generation_ids: Iterable[int]) -> list[ImageRecord]:
        """Visible images of these generations, by generation then index."""
        rows = self._select_in("images", "generation_id", generation_ids, " AND deleted = 0")
        return sorted((image_row(r) for r in rows), key=lambda i: (i.generation_id, i.index))

    def images_by_ids(self, ids: Iterable[int]) -> list[ImageRecord]:
        """These images whether deleted or not, in id order."""
        rows = self._select_in("images", "id", ids, "")
        return sorted((image_row(r) for r in rows), key=lambda r: r.id)

    def deleted_images(self) -> list[ImageRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM images WHERE deleted = 1").fetchall()
        return [image_row(r) for r in rows]

    def visible_sha256(self) -> set[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT sha256 FROM images WHERE deleted = 0")
            return {r[0] for r in rows}

    def _select_in(
        self, table: str, column: str, values: Iterable[int], extra: str
    ) -> list[sqlite3.Row]:
        values = list(dict.fromkeys(int(v) for v in values))
        out: list[sqlite3.Row] = []
        with self._lock:
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                sql = f"SELECT * FROM {table} WHERE {column} IN ({marks}){extra}"
                out.extend(self._db.execute(sql, chunk).fetchall())
        return out
