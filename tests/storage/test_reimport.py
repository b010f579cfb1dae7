"""A damaged history is moved aside and the library's images come back into a new one."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from app.storage.history import HistoryStore
from app.storage.history_queries import ImageFilter
from app.storage.imagemeta import embed_png_text
from app.storage.library import library_path
from app.storage.reimport import start_new_history


def png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, "PNG")
    return out.getvalue()


def test_move_aside_then_reimport_the_library(tmp_path: Path) -> None:
    db_path, library = tmp_path / "history.sqlite3", tmp_path / "library"
    params = "a lighthouse at dusk\nSteps: 30, Sampler: Euler, CFG scale: 7, Seed: 42, Size: 8x8"
    for gid, task, count, texts in ((7, "2221", 2, {"parameters": params}), (9, "local", 1, {})):
        for index in range(count):
            path = library_path(library, generation_id=gid, task_id=task, index=index, ext=".png")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(embed_png_text(png(), texts) if texts else png())
    (library / ".trash").mkdir()
    (library / ".trash" / "3-g000003-t1-00.png").write_bytes(png())
    (library / "notes.txt").write_text("not an image")
    damaged = b"SQLite format 3\x00" + b"\xff" * 4000
    db_path.write_bytes(damaged)

    result = start_new_history(db_path, library, "Lykon/dreamshaper-8")

    assert result.moved_to is not None and result.moved_to.read_bytes() == damaged
    assert (result.generations, result.images) == (2, 3)
    assert "3 images from the library came back (2 generations)" in result.summary
    store = HistoryStore(db_path)
    try:
        first = store.generation(7)
        assert first is not None and first.task_id == "2221" and first.phase == "succeeded"
        assert first.params["prompt"] == "a lighthouse at dusk" and first.params["steps"] == 30
        assert [i.index for i in store.images_for(7)] == [0, 1]
        local = store.generation(9)
        assert local is not None and local.task_id is None and local.params == {}
        assert local.error  # says its settings were not recorded
        assert store.count_matching(ImageFilter(text="lighthouse")) == 2
        assert store.create_generation(tool="t", params={}, expected_images=1, created_at=1) > 9
    finally:
        store.close()


def test_a_new_history_without_a_library(tmp_path: Path) -> None:
    db_path = tmp_path / "history.sqlite3"
    db_path.write_bytes(b"garbage")
    result = start_new_history(db_path, tmp_path / "library", "t")
    assert (result.generations, result.images) == (0, 0)
    HistoryStore(db_path).close()
