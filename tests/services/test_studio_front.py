"""The narrow front the UI uses: library pages, spend, delete/undo, saving configuration, and
saving a generation that is no longer in the in-memory cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.core.metadata import OUR_JSON_KEY, parse_parameters, parse_request_json
from app.services.events import Phase
from app.services.library import ImageFilter
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SMALL = {"prompt": "a harbour in fog", "samples": 2, "width": 128, "height": 96, "seed": "7"}


async def _one_generation(emulator, root: Path) -> tuple[int, list[int]]:
    studio, _ = await start_studio(emulator, root)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).phase is Phase.SUCCEEDED)
        return state.id, [i.id for i in studio.generation(state.id).images]
    finally:
        await studio.aclose()


async def test_saving_an_uncached_generation_reads_its_parameters(emulator, tmp_path) -> None:
    gid, image_ids = await _one_generation(emulator, tmp_path)
    studio, _ = await start_studio(emulator, tmp_path)  # a new session: nothing cached
    try:
        records = [await studio.image(i) for i in image_ids]  # as the UI's save reads them
        assert studio.generation(gid) is None and all(records)
        saved = await studio.save_images(records, tmp_path / "out")
        again = await studio.save_image_as(records[0], tmp_path / "one.png")
        for path in (*saved, again):
            with Image.open(path) as img:
                parsed = parse_parameters(img.text["parameters"])
                ours = parse_request_json(img.text[OUR_JSON_KEY])
            assert parsed.prompt == SMALL["prompt"]
            assert parsed.settings["Size"] == "128x96"
            assert ours is not None and ours.params["prompt"] == SMALL["prompt"]
    finally:
        await studio.aclose()


async def test_front_counts_deletes_and_undoes(emulator, tmp_path) -> None:
    gid, _ids = await _one_generation(emulator, tmp_path)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        assert await studio.count(ImageFilter()) == 2
        assert studio.running() == []
        assert (await studio.spend()).today > 0
        assert len(await studio.visible_sha256()) >= 1
        page = await studio.page(ImageFilter(), None, 10)
        first = next(r for r in page.images if r.generation_id == gid)
        assert not studio.can_undo_delete
        batch = await studio.delete_images([first.id])
        assert batch is not None and list(batch.ids) == [first.id]
        assert await studio.count(ImageFilter()) == 1 and studio.can_undo_delete
        restored = await studio.undo_delete()
        assert restored is not None and await studio.count(ImageFilter()) == 2
        studio.configure_saving(tmp_path / "auto", "{seed}")
        assert studio.default_stem(first) == str(first.seed)
    finally:
        await studio.aclose()


async def test_a_passed_io_pool_is_used_and_left_open(emulator, tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="app-io")
    try:
        _gid, image_ids = await _one_generation(emulator, tmp_path)
        studio, _ = await start_studio(emulator, tmp_path, io_executor=pool)
        try:
            record = await studio.image(image_ids[0])
            assert record is not None
            saved = await studio.save_images([record], tmp_path / "out")
            assert saved[0].exists()
        finally:
            await studio.aclose()
        assert pool.submit(lambda: 42).result(timeout=5) == 42  # the app's pool outlives it
    finally:
        pool.shutdown(wait=True)
