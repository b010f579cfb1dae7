"""Notices the profile or library folder vanishing under a running app, and rebuilds.

An open SQLite connection keeps writing into a deleted file without complaint, and the
data is gone when it closes. The guard compares the file on disk with the one opened
before each write; when it is gone, the still-open copy is backed up to the old place,
so the history survives and only the image files deleted with it are lost.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
C = TypeVar("C", bound=sqlite3.Connection)


class DiskGuard:
    """Keeps the identity of the opened database file and whether the library folder existed."""

    def __init__(self, db_path: Path | None, library_dir: Path | None) -> None:
        self.db_path = db_path
        self.library_dir = library_dir
        self._identity: tuple[int, int] | None = None
        self._library_seen = False
        self._reports: list[str] = []
        self._reports_lock = threading.Lock()

    def opened(self) -> None:
        self._identity = self._stat_identity()
        self._library_seen = self.library_dir is not None and self.library_dir.is_dir()

    def take_reports(self) -> list[str]:
        with self._reports_lock:
            reports, self._reports = self._reports, []
        return reports

    def _report(self, text: str) -> None:
        log.warning("%s", text)
        with self._reports_lock:
            self._reports.append(text)

    def _stat_identity(self) -> tuple[int, int] | None:
        if self.db_path is None:
            return None
        try:
            st = os.stat(self.db_path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def check(self, db: C, reopen: Callable[[], C]) -> C:
        """The connection to keep using: ``db``, or a new one on a rebuilt file."""
        if self._identity is not None and self._stat_identity() is None:
            db = self._rebuild(db, reopen)
            if self.library_dir is not None:  # deleted with the profile: told in one message
                self.library_dir.mkdir(parents=True, exist_ok=True)
        if self.library_dir is None:
            return db
        if self.library_dir.is_dir():
            self._library_seen = True
        elif self._library_seen:
            self.library_dir.mkdir(parents=True, exist_ok=True)
            self._report(
                f"The image library folder {self.library_dir} was deleted while Wiro Studio "
                f"was running. {_images(_missing_images(db))} gone; the history of every "
                "generation is kept, and new images go into a new library folder."
            )
        return db

    def _rebuild(self, db: C, reopen: Callable[[], C]) -> C:
        assert self.db_path is not None
        folder = self.db_path.parent
        fresh = reopen()  # creates the folder and an empty file at the old place
        try:
            db.backup(fresh)
            fresh.execute("PRAGMA journal_mode=WAL")
        except BaseException:
            fresh.close()
            raise
        db.close()
        self._identity = self._stat_identity()
        count = fresh.execute("SELECT COUNT(*) FROM generations").fetchone()[0]
        self._report(
            f"The history in {folder} was deleted while Wiro Studio was running. It was saved "
            f"again from the copy still open ({count} generation{'s' if count != 1 else ''}); "
            f"{_images(_missing_images(fresh))} gone."
        )
        return fresh


def _missing_images(db: sqlite3.Connection) -> int:
    rows = db.execute("SELECT path FROM images WHERE deleted = 0").fetchall()
    return sum(1 for (path,) in rows if not os.path.exists(path))


def _images(count: int) -> str:
    if count == 0:
        return "No image files are"
    return f"{count} image file{'s are' if count != 1 else ' is'}"
