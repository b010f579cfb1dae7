"""The culling mark: images.rejected, set in batches, read back with every image row."""

from __future__ import annotations

from pathlib import Path

from app.storage.history import HistoryStore


def test_rejected_is_stored_per_image_and_read_back(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3")
    try:
        gid = store.create_generation(tool="t", params={}, expected_images=3, created_at=1)
        ids = [
            store.add_image(
                generation_id=gid, index=i, seed=5 + i, sha256=f"{i}", size=3, width=8,
                height=8, created_at=2.0, path=tmp_path / f"{i}.png",
            ).id
            for i in range(3)
        ]  # fmt: skip
        assert not any(r.rejected for r in store.images_for(gid))
        store.set_rejected(ids[:2], True)
        assert [r.rejected for r in store.images_for(gid)] == [True, True, False]
        store.set_rejected([ids[0]], False)
        assert [store.image(i).rejected for i in ids] == [False, True, False]
    finally:
        store.close()
