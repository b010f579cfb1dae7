"""Culling in the library: reject marks survive a reload, filter pages, and search finds seeds
and task ids as well as prompt words."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.library import ImageFilter, Library
from app.storage.history_queries import record_matches
from tests.services.test_library import all_pages, fill, library  # noqa: F401  (fixture)


@pytest.mark.asyncio
async def test_reject_marks_filter_pages_and_counts(library: Library, tmp_path: Path) -> None:  # noqa: F811
    ids = fill(library, tmp_path)
    await library.set_rejected(ids[:2], True)
    assert await library.rejected_ids() == ids[:2]
    rejected = await all_pages(library, ImageFilter(rejected=True), 100)
    kept = await all_pages(library, ImageFilter(rejected=False), 100)
    assert sorted(rejected) == ids[:2]
    assert sorted(kept) == ids[2:]
    assert await library.count(ImageFilter(rejected=False)) == len(ids) - 2
    page = await library.page(ImageFilter(rejected=True), None, 10)
    assert all(r.rejected for r in page.images)
    await library.set_rejected([ids[0]], False)
    assert await library.rejected_ids() == [ids[1]]
    await library.delete([ids[1]])
    assert await library.rejected_ids() == []  # a deleted reject is no longer offered


@pytest.mark.asyncio
async def test_search_finds_a_seed_and_a_task_id(library: Library, tmp_path: Path) -> None:  # noqa: F811
    ids = fill(library, tmp_path)
    seeds = [r.seed for r in library.history.images_by_ids(ids)]
    assert seeds.count(9) == 4  # index 2 of each generation has seed 9
    hits = await all_pages(library, ImageFilter(text="9"), 100)
    assert len(hits) == 4
    generation = library.history.images_by_ids([ids[4]])[0].generation_id
    library.history.update_generation(generation, task_id="task-8841")
    hits = await all_pages(library, ImageFilter(text=" task-8841 "), 100)
    assert sorted(hits) == [i for i in ids if library.history.image(i).generation_id == generation]
    assert await all_pages(library, ImageFilter(text="lighthouse"), 100)  # words still work
    assert await all_pages(library, ImageFilter(text="7777"), 100) == []


def test_live_matching_agrees_with_the_query() -> None:
    assert record_matches("123", "a fox", 123, None)
    assert record_matches("abc-1", "a fox", 5, "abc-1")
    assert record_matches("fo", "a fox", 5, None)
    assert not record_matches("12", "a fox", 123, "x")
