"""Upscale and re-imagine through the one Studio path, against the emulator on loopback:
sizes, strength and seed, uploads remembered, lineage through save and read-back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from app.core.lineage import lineage_badge
from app.core.readback import read_settings, report
from app.core.tools import IMAGE_TO_IMAGE_SD, REAL_ESRGAN
from app.services import derive
from app.services.events import GenerationState, Phase
from app.services.studio import Studio
from app.services.uploads import upload_inputs
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SOURCE = {"prompt": "a koi pond, ukiyo-e", "samples": 1, "width": 128, "height": 128, "seed": "7"}


def _is_final(studio: Studio, generation_id: int) -> bool:
    state = studio.generation(generation_id)
    return state is not None and state.is_final


async def _ended(studio: Studio, state: GenerationState) -> GenerationState:
    await wait_until(lambda: _is_final(studio, state.id), 30, f"generation {state.id}")
    final = studio.generation(state.id)
    assert final is not None
    assert final.phase is Phase.SUCCEEDED, final.error
    return final


async def _source_image(studio: Studio) -> int:
    final = await _ended(studio, await studio.submit(dict(SOURCE)))
    return final.images[0].id


def _pixels(path: Path) -> Image.Image:
    with Image.open(path) as img:
        return img.convert("RGB")


@pytest.mark.parametrize("scale", [2, 4])
async def test_upscale_is_exactly_scale_times_the_source(emulator, tmp_path, scale) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        final = await _ended(studio, await derive.upscale(studio, source_id, scale=scale))
        (image,) = final.images
        assert (image.width, image.height) == (128 * scale, 128 * scale)
        assert final.tool == REAL_ESRGAN.slug and final.parent_image_id == source_id
        assert final.operation and final.operation["kind"] == "upscale"
        assert final.operation["scale"] == scale
        assert final.params["inputImage"].startswith("http"), "the uploaded URL is remembered"
        assert final.cost is not None and final.cost > 0
        stats = emulator.stats()
        assert stats["requests"].get("File/Upload") == 1 and stats["run_calls"] == 2
        assert lineage_badge(final.parent_image_id, final.operation) == (
            f"×{scale} from image {source_id}"
        )
    finally:
        await studio.aclose()


async def test_reimagine_differs_from_source_and_depends_on_strength_and_seed(
    emulator, tmp_path
) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        source = _pixels((await studio.image(source_id)).path)  # type: ignore[union-attr]

        async def variant(strength: float, seed: str, count: int = 1) -> GenerationState:
            state = await derive.reimagine(
                studio, source_id, strength=strength, count=count, overrides={"seed": seed}
            )
            return await _ended(studio, state)

        four = await variant(0.5, "11", count=4)
        assert len(four.images) == 4 and four.tool == IMAGE_TO_IMAGE_SD.slug
        assert four.params["selectedModel"] == "Lykon/dreamshaper-8"
        assert four.params["prompt"] == SOURCE["prompt"]
        firsts = {}
        for strength, seed in ((0.5, "11"), (0.9, "11"), (0.5, "12")):
            firsts[(strength, seed)] = _pixels((await variant(strength, seed)).images[0].path)
        base = firsts[(0.5, "11")]
        assert base.size == source.size
        assert ImageChops.difference(base, source).getbbox() is not None
        assert ImageChops.difference(base, firsts[(0.9, "11")]).getbbox() is not None
        assert ImageChops.difference(base, firsts[(0.5, "12")]).getbbox() is not None
        again = _pixels(four.images[0].path)
        assert ImageChops.difference(base, again).getbbox() is None, "deterministic from seed"
    finally:
        await studio.aclose()


async def test_lineage_travels_through_save_and_read_back(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        up = await _ended(studio, await derive.upscale(studio, source_id, scale=2))
        again = await _ended(
            studio, await derive.reimagine(studio, source_id, strength=0.35, count=1)
        )
        saved = await studio.save_images([up.images[0], again.images[0]], tmp_path / "out")
        readbacks = []
        with Image.open(saved[0]) as img:
            a1111 = img.text["parameters"]  # type: ignore[attr-defined]  # PNG text chunks
        assert "Model: Real-ESRGAN (RealESRGAN_x2plus)" in a1111
        for path in saved:
            with Image.open(path) as img:
                readbacks.append(read_settings(dict(img.text)))  # type: ignore[attr-defined]  # PNG
        up_back, re_back = readbacks
        assert up_back.lineage is not None and up_back.lineage["parentImageId"] == source_id
        assert up_back.lineage["kind"] == "upscale" and up_back.lineage["scale"] == 2
        assert up_back.lineage["model"] == "RealESRGAN_x2plus"
        assert "Upscaled ×2 with RealESRGAN_x2plus from image" in report(up_back)
        assert "Re-imagined with Lykon/dreamshaper-8 at strength 0.35" in report(re_back)
        assert re_back.lineage is not None and re_back.lineage["kind"] == "reimagine"
        assert re_back.lineage["strength"] == 0.35
        assert re_back.values["prompt"] == SOURCE["prompt"]
        assert str(re_back.values["seed"]) == "7"
        assert (re_back.values["width"], re_back.values["height"]) == (128, 128)
    finally:
        await studio.aclose()


async def test_restart_between_upload_and_run_does_not_upload_twice(
    emulator, tmp_path, monkeypatch
) -> None:
    real = upload_inputs
    uploaded = asyncio.Event()

    async def upload_then_crash(*args: Any) -> dict[str, Any]:
        params = await real(*args)
        uploaded.set()
        await asyncio.Event().wait()  # the process "dies" here: Run is never sent
        return params

    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        monkeypatch.setattr("app.services.submit_queue.upload_inputs", upload_then_crash)
        state = await derive.upscale(studio, source_id, scale=4)
        await asyncio.wait_for(uploaded.wait(), 15)
    finally:
        await studio.aclose()
    monkeypatch.setattr("app.services.submit_queue.upload_inputs", real)
    assert emulator.stats()["run_calls"] == 1 and emulator.stats()["requests"]["File/Upload"] == 1
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        final = await _ended(studio, studio.generation(state.id) or state)
        assert (final.images[0].width, final.images[0].height) == (512, 512)
        stats = emulator.stats()
        assert stats["requests"]["File/Upload"] == 1, "the remembered URL is used"
        assert stats["run_calls"] == 2
    finally:
        await studio.aclose()


async def test_missing_source_file_fails_without_any_run(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        record = await studio.image(source_id)
        assert record is not None
        record.path.unlink()
        state = await derive.upscale(studio, source_id, scale=2)
        await wait_until(lambda: _is_final(studio, state.id))
        final = studio.generation(state.id)
        assert final is not None and final.phase is Phase.FAILED
        assert "cannot be read" in (final.error or "")
        assert emulator.stats()["run_calls"] == 1
    finally:
        await studio.aclose()


async def test_derive_estimate_uses_the_tools_price(emulator, tmp_path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        source_id = await _source_image(studio)
        prepared = await derive.prepare_upscale(studio, source_id, scale=4)
        cost = await derive.estimate(studio, prepared)
        assert cost.usd is not None and cost.usd > 0
        prepared = await derive.prepare_reimagine(studio, source_id, strength=0.5, count=4)
        assert prepared.values["samples"] == 4 and not prepared.notes
        cost4 = await derive.estimate(studio, prepared)
        assert cost4.usd is not None and cost4.usd > 0
    finally:
        await studio.aclose()
