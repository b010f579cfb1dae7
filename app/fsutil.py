"""Atomic file writes (temp name, fsync, rename): one helper for storage and the emulator.

Files are created with the user's umask applied, as any other program's files are
(``mkstemp`` alone makes them 0600), and a crash's leftovers are swept at the next start.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PART_SUFFIX = ".part"
_PREFIX = ".wiro-"
_umask: int | None = None


def current_umask() -> int:
    """The process umask, read without changing it (Linux /proc), else by a set-and-restore."""
    global _umask
    if _umask is None:
        _umask = _read_proc_umask()
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
    return _umask


def _read_proc_umask() -> int | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return None


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: 0666 less the umask."""
    return 0o666 & ~current_umask()


def honour_umask(fd: int) -> None:
    """Gives a ``mkstemp`` file the permissions a normally created file would have."""
    if os.name == "posix":
        os.fchmod(fd, new_file_mode())


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_PREFIX, suffix=PART_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            honour_umask(fh.fileno())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def is_partial_name(name: str, *, ours_only: bool = False) -> bool:
    """A temp file of an unfinished write: ``.wiro-*.part`` (ours) or ``.<name>.*.part``."""
    if not name.endswith(PART_SUFFIX) or not name.startswith("."):
        return False
    return name.startswith(_PREFIX) or not ours_only


def sweep_partials(
    folder: Path, *, recursive: bool, ours_only: bool = False, older_than: float | None = None
) -> list[Path]:
    """Removes unfinished-write debris below ``folder``; returns what was removed.

    ``older_than`` (a timestamp) spares files still being written by another instance;
    ``ours_only`` limits a folder shared with the user to the names only this app creates.
    """
    cutoff = time.time() if older_than is None else older_than
    removed = []
    for path in _candidates(folder, recursive):
        if not is_partial_name(path.name, ours_only=ours_only):
            continue
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
    return removed


def _candidates(folder: Path, recursive: bool) -> Iterator[Path]:
    if not recursive:
        with contextlib.suppress(OSError):
            yield from folder.iterdir()
        return
    for root, _dirs, files in os.walk(folder, onerror=lambda _e: None):
        for name in files:
            yield Path(root) / name


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
