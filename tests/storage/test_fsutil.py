"""Files the app writes: the user's umask is honoured and unfinished writes are swept."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from app import fsutil
from app.storage.library import export_image


@pytest.fixture
def umask(monkeypatch: pytest.MonkeyPatch):
    """Sets the process umask for one test and restores it."""
    previous = os.umask(0o022)

    def set_mask(mask: int) -> None:
        os.umask(mask)
        monkeypatch.setattr(fsutil, "_umask", None)

    yield set_mask
    os.umask(previous)
    fsutil._umask = None


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_honour_the_umask(tmp_path: Path, umask, mask: int, mode: int) -> None:
    umask(mask)
    assert fsutil.current_umask() == mask
    written = fsutil.atomic_write_bytes(tmp_path / "a.bin", b"data")
    assert stat.S_IMODE(written.stat().st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_exported_images_are_readable_like_other_files(tmp_path: Path, umask) -> None:
    umask(0o022)
    source = tmp_path / "src.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    saved = export_image(source, tmp_path / "out", "image", texts=None)
    assert stat.S_IMODE(saved.stat().st_mode) == 0o644


def test_partial_writes_are_swept_but_finished_files_kept(tmp_path: Path) -> None:
    month = tmp_path / "library" / "2026-12"
    month.mkdir(parents=True)
    debris = [
        month / ".g000001-t1-00.png.abc123.part",  # the downloader's temp name
        tmp_path / "library" / ".wiro-x1y2.part",  # atomic_write_bytes's temp name
    ]
    kept = [month / "g000001-t1-00.png", month / "notes.part", month / ".hidden"]
    for path in debris + kept:
        path.write_bytes(b"x")
    past = time.time() - 60
    for path in debris:
        os.utime(path, (past, past))
    removed = fsutil.sweep_partials(tmp_path / "library", recursive=True)
    assert sorted(removed) == sorted(debris)
    assert all(p.exists() for p in kept)


def test_sweep_spares_files_still_being_written(tmp_path: Path) -> None:
    fresh = tmp_path / ".wiro-busy.part"
    fresh.write_bytes(b"x")
    assert fsutil.sweep_partials(tmp_path, recursive=False, older_than=time.time() - 30) == []
    assert fresh.exists()


def test_sweep_in_a_shared_folder_touches_only_our_names(tmp_path: Path) -> None:
    theirs, ours = tmp_path / ".download.part", tmp_path / ".wiro-1.part"
    for path in (theirs, ours):
        path.write_bytes(b"x")
        os.utime(path, (1, 1))
    assert fsutil.sweep_partials(tmp_path, recursive=False, ours_only=True) == [ours]
    assert theirs.exists()


def test_sweep_of_a_missing_folder_is_a_no_op(tmp_path: Path) -> None:
    assert fsutil.sweep_partials(tmp_path / "gone", recursive=True) == []
    assert fsutil.sweep_partials(tmp_path / "gone", recursive=False) == []


def test_opening_a_profile_sweeps_what_a_crash_left(tmp_path: Path) -> None:
    from app.storage.paths import AppPaths
    from app.storage.profile import open_history

    paths = AppPaths.under(tmp_path)
    month = paths.library_dir(False) / "2026-12"
    month.mkdir(parents=True)
    debris = month / ".g000001-t1-00.png.k2j3.part"
    debris.write_bytes(b"half an image")
    os.utime(debris, (1, 1))
    image = month / "g000001-t1-00.png"
    image.write_bytes(b"whole")
    paths.default_output_dir.mkdir(parents=True)
    autosave_debris = paths.default_output_dir / ".wiro-a1b2c3.part"
    users_own = paths.default_output_dir / ".their-download.part"
    for path in (autosave_debris, users_own):
        path.write_bytes(b"x")
        os.utime(path, (1, 1))
    open_history(paths, demo=False).close()
    assert not debris.exists() and image.exists()
    assert not autosave_debris.exists() and users_own.exists()
