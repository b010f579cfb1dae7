"""The library service: filtered pages, delete with undo and trash, spend, and export names."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from app.services.events import Phase
from app.services.ledger import Ledger
from app.services.library import ImageFilter, Library
from app.storage.history import HistoryStore
from app.storage.imagemeta import read_text_chunks
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

NOW = datetime(2024, 5, 17, 15, 30).timestamp()
PROMPTS = [
    "a lighthouse at dusk",
    "a café terrace at night, Van Gogh",
    "a red fox in the snow",
    "a lighthouse in a storm",
]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def library(tmp_path: Path):
    history = HistoryStore(tmp_path / "history.sqlite3")
    ledger = Ledger(history, Clock(NOW))
    io_pool = ThreadPoolExecutor(2)
    lib = Library(ledger, tmp_path / "library", io_pool)
    yield lib
    io_pool.shutdown(wait=True)
    history.close()


def fill(lib: Library, tmp_path: Path, per_generation: int = 3) -> list[int]:
    """Four generations (one per prompt, a day apart) with images on disk; the image ids."""
    history, ids = lib.history, []
    for n, prompt in enumerate(PROMPTS):
        created = NOW - (len(PROMPTS) - n) * 86_400
        gid = history.create_generation(
            tool="t",
            params={"prompt": prompt, "seed": "7"},
            expected_images=per_generation,
            created_at=created,
            phase="succeeded",
        )
        history.update_generation(gid, cost=0.01 * (n + 1))
        for index in range(per_generation):
            path = lib.library_dir / "2024-05" / f"g{gid}-{index}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (8, 8), (n * 40, index * 60, 90)).save(path)
            row = history.add_image(
                generation_id=gid, index=index, seed=7 + index, path=path, sha256=f"{gid:064x}",
                size=path.stat().st_size, width=8, height=8, created_at=created,
            )  # fmt: skip
            ids.append(row.id)
    return ids


async def all_pages(lib: Library, query: ImageFilter, limit: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = await lib.page(query, cursor, limit)
        seen.extend(r.id for r in page.images)
        if page.cursor is None:
            return seen
        cursor = page.cursor


async def test_pages_cover_everything_once_in_either_order(library: Library, tmp_path) -> None:
    ids = fill(library, tmp_path)
    newest = await all_pages(library, ImageFilter(), limit=5)
    oldest = await all_pages(library, ImageFilter(newest_first=False), limit=4)
    assert sorted(newest) == sorted(ids) == sorted(oldest)
    assert newest[:3] == [12, 11, 10] and oldest[:3] == [1, 2, 3]
    assert await library.count(ImageFilter()) == 12
    page = await library.page(ImageFilter(), None, 100)
    assert page.cursor is None
    assert [g.params["prompt"] for g in page.generations] == list(reversed(PROMPTS))
    assert library.ledger.get(1).images[0].path.exists(), "generations become known"


async def test_search_and_starred_filters(library: Library, tmp_path) -> None:
    fill(library, tmp_path)
    hits = await all_pages(library, ImageFilter(text="LIGHTHOUSE"), 100)
    assert sorted(hits) == [1, 2, 3, 10, 11, 12]
    assert await all_pages(library, ImageFilter(text="light sto"), 100) == [12, 11, 10]
    assert await all_pages(library, ImageFilter(text="cafe"), 100) == [6, 5, 4]
    assert await all_pages(library, ImageFilter(text="zebra"), 100) == []
    library.history.set_starred(5, True)
    library.history.set_starred(11, True)
    assert await all_pages(library, ImageFilter(starred_only=True), 100) == [11, 5]
    both = ImageFilter(text="lighthouse", starred_only=True, newest_first=False)
    assert await all_pages(library, both, 100) == [11]
    assert await library.count(both) == 1


async def test_delete_moves_files_to_trash_and_undo_restores_them(library, tmp_path) -> None:
    fill(library, tmp_path)
    await library.page(ImageFilter(), None, 100)
    before = {r.id: r.path for r in library.history.images_by_ids([4, 5, 7])}
    batch = await library.delete([4, 5, 7])
    assert batch is not None and batch.ids == [4, 5, 7]
    assert all(not p.exists() for p in before.values())
    assert len(list(library.trash_dir.iterdir())) == 3
    assert 4 not in await all_pages(library, ImageFilter(), 100)
    assert [i.index for i in library.ledger.get(2).images] == [2]
    assert library.can_undo
    restored = await library.undo_delete()
    assert restored is not None and restored.ids == [4, 5, 7]
    assert all(p.exists() for p in before.values())
    assert sorted(await all_pages(library, ImageFilter(), 100)) == list(range(1, 13))
    assert not library.can_undo and await library.undo_delete() is None
    assert [i.index for i in library.ledger.get(2).images] == [0, 1, 2]
    assert not list(library.trash_dir.glob("*"))


async def test_deletions_become_final_when_settled(library: Library, tmp_path) -> None:
    fill(library, tmp_path)
    path = library.history.image(1).path
    await library.delete([1])
    assert await library.settle_trash() == 1
    assert not path.exists() and not library.trash_dir.exists()
    assert not library.can_undo, "closing ends undo"
    row = library.history.image(1)
    assert row is not None and row.deleted, "the row stays, marked deleted"


async def test_a_crash_mid_delete_or_undo_is_repaired_at_the_next_start(
    library: Library, tmp_path
) -> None:
    fill(library, tmp_path)
    await library.delete([1, 2])
    library.history.set_deleted([2], False)  # crash during undo: row restored, file not yet
    fresh = Library(library.ledger, library.library_dir, library.io)  # the next start
    assert await fresh.settle_trash() == 1
    assert not library.history.image(1).path.exists()
    assert library.history.image(2).path.exists(), "a visible row gets its file back"


async def test_spend_today_and_this_month(library: Library, tmp_path) -> None:
    fill(library, tmp_path)  # costs 0.01..0.04, one a day over the 4 days before NOW
    gid = library.history.create_generation(
        tool="t", params={}, expected_images=1, created_at=NOW - 60
    )
    library.history.update_generation(gid, cost=0.5)
    spend = await library.spend()
    assert spend.today == pytest.approx(0.5)
    assert spend.month == pytest.approx(0.6)
    assert (await library.spend(datetime(2024, 6, 1, 0, 0, 1).timestamp())).month == 0


async def test_studio_deletes_and_exports_with_template_and_stripping(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        prompt = "Ünïcode ☃ ../../etc/passwd CON " + "very long prompt " * 30
        assert len(prompt) > 500
        values = {"prompt": prompt, "samples": 3, "width": 64, "height": 64, "seed": "9"}
        state = await studio.submit(values)
        await wait_until(lambda: studio.generation(state.id).phase is Phase.SUCCEEDED)
        records = list(studio.generation(state.id).images)
        template = (
            "{date} {time} {seed} {index} {task} {prompt:40} {scheduler} {steps} {scale} "
            "{width}x{height}"
        )
        out = tmp_path / "export"
        first = await studio.save_images(
            records, out, stem=lambda r: studio.default_stem(r, template)
        )
        again = await studio.save_images(
            records, out, stem=lambda r: studio.default_stem(r, template), strip_metadata=True
        )
        names = [p.name for p in first + again]
        assert len(set(names)) == 6, "names never collide"
        for path in first + again:
            assert path.resolve().parent == out.resolve() and len(path.name.encode()) <= 200
            assert not set(path.name) & set('<>:"/\\|?*')
        assert f" 9 1 {studio.generation(state.id).task_id} " in first[0].name
        assert "64x64" in first[0].name and "Ünïcode ☃" in first[0].name
        assert "parameters" in read_text_chunks(first[0])
        assert read_text_chunks(again[0]) == {}
        with Image.open(io.BytesIO(again[0].read_bytes())) as a, Image.open(records[0].path) as b:
            assert a.tobytes() == b.tobytes()

        batch = await studio.library.delete([records[0].id])
        assert batch is not None and not records[0].path.exists()
        assert len(studio.generation(state.id).images) == 2
        await studio.library.undo_delete()
        assert records[0].path.exists()
        await studio.library.delete([records[1].id])
    finally:
        await studio.aclose()
    assert not records[1].path.exists() and records[0].path.exists()
    assert not (tmp_path / "data" / "demo" / "library" / ".trash").exists()
