"""Upscale and re-imagine of an image file that is not in the library: uploaded once with
File/Upload before Run, the result stored like any derived image, its lineage naming the
file (no parent id)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.core.lineage import lineage_badge, task_title
from app.services import derive
from app.services.errors import InvalidParameters
from app.services.events import Phase
from tests.services.conftest import start_studio, wait_until
from tests.services.test_tools_derive import SOURCE, _ended

pytestmark = pytest.mark.asyncio


def _photo(tmp_path: Path, name: str = "holiday photo.png", size: tuple[int, int] = (96, 64)):
    path = tmp_path / "outside" / name
    path.parent.mkdir(exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(path)
    return path


async def test_upscale_of_a_file_uploads_it_and_records_its_name(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        photo = _photo(tmp_path)
        prepared = await derive.prepare_upscale(studio, photo, scale=2)
        assert prepared.link.parent_image_id is None
        assert prepared.link.operation == {
            "kind": "upscale", "source_file": "holiday photo.png", "scale": 2,
            "model": "RealESRGAN_x2plus", "source_size": [96, 64],
        }  # fmt: skip
        final = await _ended(studio, await derive.run(studio, prepared))
        (image,) = final.images
        assert (image.width, image.height) == (192, 128)
        assert image.path.is_file() and image.path != photo
        assert final.params["inputImage"].startswith("http"), "the upload's URL, not the path"
        stats = emulator.stats()
        assert stats["requests"].get("File/Upload") == 1 and stats["run_calls"] == 1
        assert final.parent_image_id is None
        assert lineage_badge(None, final.operation) == "×2 from holiday photo.png"
        assert task_title(final.params, None, final.operation) == (
            "Upscale ×2 · holiday photo.png (RealESRGAN_x2plus)"
        )
    finally:
        await studio.aclose()


async def test_reimagine_of_a_file_starts_from_its_size(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        photo = _photo(tmp_path, size=(128, 96))
        prepared = await derive.prepare_reimagine(
            studio, photo, strength=0.4, count=2, overrides={"prompt": "a harbour at dawn"}
        )
        assert (prepared.values["width"], prepared.values["height"]) == (128, 96)
        assert prepared.values["inputImage"] == str(photo)
        assert prepared.link.parent_image_id is None
        assert prepared.link.operation["source_file"] == photo.name
        final = await _ended(studio, await derive.run(studio, prepared))
        assert len(final.images) == 2 and emulator.stats()["requests"].get("File/Upload") == 1
    finally:
        await studio.aclose()


async def test_a_replaced_source_makes_the_lineage_name_the_file(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        first = await _ended(studio, await studio.submit(dict(SOURCE)))
        source_id = first.images[0].id
        kept = await derive.prepare_reimagine(studio, source_id, strength=0.5, count=1)
        assert kept.link.parent_image_id == source_id
        photo = _photo(tmp_path, "other.png")
        replaced = await derive.prepare_reimagine(
            studio, source_id, strength=0.5, count=1, overrides={"inputImage": str(photo)}
        )
        assert replaced.link.parent_image_id is None
        assert replaced.link.operation["source_file"] == "other.png"
        assert "from_generation" not in replaced.link.operation
    finally:
        await studio.aclose()


async def test_a_file_that_is_not_an_image_is_refused_before_anything_is_sent(
    emulator, tmp_path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        broken = tmp_path / "broken.png"
        broken.write_bytes(b"not a png")
        with pytest.raises(InvalidParameters, match=r"broken\.png cannot be read"):
            await derive.prepare_upscale(studio, broken, scale=4)
        with pytest.raises(InvalidParameters, match="not a PNG"):
            await derive.prepare_upscale(studio, tmp_path / "notes.txt", scale=4)
        stats = emulator.stats()
        assert not stats["requests"].get("File/Upload") and stats["run_calls"] == 0
    finally:
        await studio.aclose()


async def test_a_failing_upload_is_retried_and_run_is_sent_once(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        emulator.configure(http_error_rate=1.0, http_error_endpoints=("File/Upload",))
        state = await derive.upscale(studio, _photo(tmp_path), scale=2)

        def retrying() -> bool:
            current = studio.generation(state.id)
            uploads = emulator.stats()["requests"].get("File/Upload", 0)
            return current is not None and "Retrying" in (current.error or "") and uploads > 3

        await wait_until(retrying, 20, "the upload to be retried")
        current = studio.generation(state.id)
        assert current is not None and current.phase is Phase.PENDING
        assert emulator.stats()["run_calls"] == 0, "no Run without the uploaded URL"
        emulator.configure(http_error_rate=0.0)
        final = await _ended(studio, state)
        assert (final.images[0].width, final.images[0].height) == (192, 128)
        assert emulator.stats()["run_calls"] == 1, "Run is sent once"
    finally:
        await studio.aclose()


async def test_a_large_photo_is_reimagined_at_an_sd_size(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        photo = _photo(tmp_path, "phone.jpg", (1000, 750))
        prepared = await derive.prepare_reimagine(studio, photo, strength=0.5, count=1)
        assert (prepared.values["width"], prepared.values["height"]) == (768, 576)
        assert any("phone.jpg is 1000×750" in n and "768×576" in n for n in prepared.notes)
        assert derive.fit_size(100, 75, 768) == (96, 72)
        assert derive.fit_size(4032, 3024, 768) == (768, 576)
        assert derive.fit_size(3000, 40, 768) == (768, 64)
    finally:
        await studio.aclose()
