"""What can be wrong with the history database, in words, and a connection that waits out locks.

SQLite reports every fault as an error code (https://sqlite.org/rescode.html); the app needs
four answers: the file is damaged, it cannot be written, someone else holds it, or its folder
is gone. Each has its own way out in the UI.
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Primary result codes (the low byte of an extended code), from sqlite.org/rescode.html.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26


class DbProblem(enum.Enum):
    """Why the history database cannot be used; each has its own remedy."""

    CORRUPT = "corrupt"
    READ_ONLY = "read_only"
    LOCKED = "locked"
    DISK_FULL = "disk_full"
    UNAVAILABLE = "unavailable"


class HistoryUnavailable(Exception):
    """The history database cannot be opened or written; ``problem`` says why."""

    def __init__(self, problem: DbProblem, path: Path | None, detail: str) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.path = path
        self.detail = detail

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path is not None else None


class IntegrityFailure(sqlite3.DatabaseError):
    """``PRAGMA quick_check`` found damage that no error code reported yet."""


def primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(exc: BaseException) -> bool:
    """Another connection holds a lock this statement needs (worth waiting for)."""
    return primary_code(exc) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def classify(exc: BaseException, path: Path | None) -> DbProblem:
    """The remedy class of an error raised while opening or writing ``path``."""
    code = primary_code(exc)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or isinstance(exc, IntegrityFailure):
        return DbProblem.CORRUPT
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DbProblem.LOCKED
    if code in (_SQLITE_READONLY, _SQLITE_PERM):
        return DbProblem.READ_ONLY
    if code == _SQLITE_FULL:
        return DbProblem.DISK_FULL
    if isinstance(exc, OSError):
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return DbProblem.READ_ONLY
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DbProblem.DISK_FULL
    if code in (_SQLITE_CANTOPEN, _SQLITE_IOERR) and path is not None and not _writable(path):
        return DbProblem.READ_ONLY
    return DbProblem.UNAVAILABLE


def _writable(path: Path) -> bool:
    folder = path.parent
    if not folder.is_dir():
        return True  # missing, not read-only: the open will say so
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return False
    try:  # os.access says yes to root on a read-only mount: try it
        probe = folder / f".wiro-probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError:
        return False
    return True


def unavailable(exc: BaseException, path: Path | None) -> HistoryUnavailable:
    detail = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    return HistoryUnavailable(classify(exc, path), path, f"{detail}: {exc}")


def move_aside(path: Path, clock: Callable[[], float] = time.time) -> Path:
    """Renames a damaged database (and its -wal/-shm) out of the way; nothing is deleted."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    log.warning("moved the damaged history %s aside to %s", path, target.name)
    return target


class PatientConnection(sqlite3.Connection):
    """A connection whose autocommit statements wait out locks held by other processes.

    SQLite's own busy handler waits ``timeout`` seconds per statement; past that, a lock
    held by another program (a backup tool, a second instance) is retried here with growing
    pauses for up to ``lock_wait`` seconds in all, so a long lock delays a write instead of
    failing the generation that wrote it.
    """

    lock_wait: float = 600.0
    max_pause: float = 5.0
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        return self._patiently(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        parameters = list(parameters)
        return self._patiently(super().executemany, sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        return self._patiently(super().executescript, script)

    def _patiently(self, call: Callable[..., sqlite3.Cursor], *args: Any) -> sqlite3.Cursor:
        if self.in_transaction:  # inside someone's transaction a retry would lose its start
            return call(*args)
        deadline = time.monotonic() + self.lock_wait
        pause = 0.05
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or time.monotonic() + pause > deadline:
                    raise
                if self.in_transaction:
                    super().execute("ROLLBACK")
                log.info("history is locked by another program; retrying in %.2f s", pause)
                self.sleep(pause)
                pause = min(pause * 2, self.max_pause)


def check_usable(db: sqlite3.Connection) -> None:
    """Raises what a damaged or unwritable file would raise later, while it is still opening."""
    verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    if verdict != "ok":
        raise IntegrityFailure(f"integrity check: {verdict}")
    db.execute("BEGIN IMMEDIATE")
    try:  # rewriting the header with its own value proves the file can be written
        db.execute(f"PRAGMA user_version={int(db.execute('PRAGMA user_version').fetchone()[0])}")
    finally:
        db.execute("ROLLBACK")
