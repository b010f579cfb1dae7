"""A history database that cannot be used is recognised by cause; locks are waited out."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.storage.dbfaults import DbProblem, HistoryUnavailable, move_aside
from app.storage.history import HistoryStore


def filled(path: Path, generations: int = 200) -> None:
    store = HistoryStore(path)
    try:
        for n in range(generations):
            store.create_generation(
                tool="t", params={"prompt": f"p{n} " * 40}, expected_images=1, created_at=n
            )
    finally:
        store.close()


def test_a_file_that_is_not_a_database_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"\x13garbage" * 2048)
    with pytest.raises(HistoryUnavailable) as caught:
        HistoryStore(path)
    assert caught.value.problem is DbProblem.CORRUPT
    assert caught.value.folder == tmp_path


@pytest.mark.parametrize("keep", [50, 0.5])
def test_a_truncated_database_is_corrupt(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "history.sqlite3"
    filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(keep if keep > 1 else len(data) * keep)])
    with pytest.raises(HistoryUnavailable) as caught:
        HistoryStore(path)
    assert caught.value.problem is DbProblem.CORRUPT


def test_moving_a_damaged_database_aside_keeps_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"damaged")
    path.with_name("history.sqlite3-wal").write_bytes(b"wal")
    moved = move_aside(path, clock=lambda: 0)
    again = tmp_path / "history.sqlite3"
    again.write_bytes(b"damaged too")
    moved_again = move_aside(again, clock=lambda: 0)
    assert moved.read_bytes() == b"damaged" and moved_again.read_bytes() == b"damaged too"
    assert moved != moved_again and not path.exists()
    assert moved.with_name(moved.name + "-wal").read_bytes() == b"wal"
    fresh = HistoryStore(path)  # the app then starts a new history in the old place
    fresh.close()


def test_an_exclusively_locked_database_is_reported_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    filled(path, 1)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE generations SET status = 'x'")
        other.execute("COMMIT")  # exclusive mode keeps the lock after the commit
        with pytest.raises(HistoryUnavailable) as caught:
            HistoryStore(path, busy_timeout=0.05, open_lock_wait=0.2)
        assert caught.value.problem is DbProblem.LOCKED
    finally:
        other.close()
    HistoryStore(path).close()  # Retry works once the other program lets go


def test_a_write_lock_held_past_the_busy_timeout_is_waited_out(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, busy_timeout=0.05)
    gid = store.create_generation(tool="t", params={}, expected_images=1, created_at=1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE generations SET status = 'theirs'")
    pauses: list[float] = []

    def sleep(seconds: float) -> None:  # the other program finishes on the third pause
        pauses.append(seconds)
        if len(pauses) == 3:
            other.execute("COMMIT")

    store._db.sleep = sleep  # type: ignore[method-assign]
    try:
        store.update_generation(gid, phase="succeeded", status="mine")
        row = store.generation(gid)
        assert row is not None and (row.phase, row.status) == ("succeeded", "mine")
        assert pauses == sorted(pauses) and pauses[0] < pauses[-1], "backs off"
    finally:
        other.close()
        store.close()


def test_a_lock_that_never_ends_fails_after_the_wait(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore(path, busy_timeout=0.01, lock_wait=0.1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.create_generation(tool="t", params={}, expected_images=1, created_at=1)
    finally:
        other.close()
        store.close()


@contextlib.contextmanager
def read_only_mount(folder: Path) -> Iterator[None]:
    """``folder`` remounted read-only (a tmpfs): the one read-only case root cannot ignore."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    made = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def test_a_database_on_a_read_only_disk_names_the_cause(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    with read_only_mount(folder):
        filled(folder / "history.sqlite3", 1)
        remount_read_only(folder)
        with pytest.raises(HistoryUnavailable) as caught:
            HistoryStore(folder / "history.sqlite3")
        assert caught.value.problem is DbProblem.READ_ONLY
        assert caught.value.folder == folder


def test_a_new_database_in_a_read_only_folder_names_the_cause(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    with read_only_mount(folder):
        remount_read_only(folder)
        with pytest.raises(HistoryUnavailable) as caught:
            HistoryStore(folder / "profile" / "history.sqlite3")
        assert caught.value.problem is DbProblem.READ_ONLY


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores mode bits")
def test_a_read_only_file_names_the_cause(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    filled(path, 1)
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(HistoryUnavailable) as caught:
            HistoryStore(path)
        assert caught.value.problem is DbProblem.READ_ONLY
    finally:
        tmp_path.chmod(0o755)
