"""A profile or library folder deleted under the running app is noticed and rebuilt."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from app.storage.history import HistoryStore


def add(store: HistoryStore, library: Path, n: int) -> int:
    gid = store.create_generation(
        tool="t", params={"prompt": f"p{n}"}, expected_images=1, created_at=n
    )
    image = library / f"g{gid:06d}.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(b"png")
    store.add_image(
        generation_id=gid,
        index=0,
        seed=n,
        path=image,
        sha256="0" * 64,
        size=3,
        width=1,
        height=1,
        created_at=n,
    )
    return gid


def test_a_deleted_profile_folder_is_rebuilt_from_the_open_copy(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    library = profile / "library"
    store = HistoryStore(profile / "history.sqlite3", library_dir=library)
    try:
        first = [add(store, library, n) for n in range(3)]
        shutil.rmtree(profile)
        later = add(store, library, 3)  # the write notices, rebuilds, then lands on disk
        reports = store.take_reports()
        assert len(reports) == 1 and "3 generations" in reports[0]
        assert "3 image files are gone" in reports[0]
        assert store.take_reports() == []
    finally:
        store.close()
    on_disk = sqlite3.connect(profile / "history.sqlite3")
    ids = [r[0] for r in on_disk.execute("SELECT id FROM generations ORDER BY id")]
    on_disk.close()
    assert ids == [*first, later]


def test_a_deleted_library_folder_is_recreated_and_the_loss_told(tmp_path: Path) -> None:
    library = tmp_path / "library"
    store = HistoryStore(tmp_path / "history.sqlite3", library_dir=library)
    try:
        for n in range(2):
            add(store, library, n)
        store.ensure_on_disk()  # the focus check
        assert store.take_reports() == []
        shutil.rmtree(library)
        store.ensure_on_disk()
        reports = store.take_reports()
        assert len(reports) == 1 and "2 image files are gone" in reports[0]
        assert library.is_dir()
        assert len(store.images_for(1)) == 1, "the rows (the history) are kept"
    finally:
        store.close()


def test_a_library_not_yet_made_is_not_reported_lost(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history.sqlite3", library_dir=tmp_path / "library")
    try:
        store.create_generation(tool="t", params={}, expected_images=1, created_at=1)
        store.ensure_on_disk()
        assert store.take_reports() == []
        assert not (tmp_path / "library").exists()
    finally:
        store.close()
