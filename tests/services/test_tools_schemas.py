"""Tools as data: each tool's schema asked for once, plain notes when a tool differs, and a
lost upscale Run recovered by comparing against the upscaler's own parameters."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.core.schema import Option
from app.core.tools import IMAGE_TO_IMAGE_SD, REAL_ESRGAN
from app.services import derive
from app.services.derive import Source
from app.services.events import GenerationState, ImageRecord, Notice, Phase
from app.services.recovery import RECOVERED
from app.services.tool_schemas import UnknownTool, bundled_tool_schema
from tests.services.conftest import start_studio, wait_until

SOURCE = {"prompt": "a paper boat", "samples": 1, "width": 64, "height": 64, "seed": "5"}
DROP_RUN = {"drop_rate": 1.0, "drop_endpoints": ["Run"], "drop_after_handling": True}


def _final(studio, generation_id: int) -> bool:
    state = studio.generation(generation_id)
    return state is not None and state.is_final


def _succeeded(studio, generation_id: int) -> bool:
    state = studio.generation(generation_id)
    return state is not None and state.phase is Phase.SUCCEEDED


@pytest.mark.asyncio
async def test_each_tool_schema_is_asked_for_once_and_is_live(emulator, tmp_path: Path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        before = emulator.stats()["requests"].get("Tool/Detail", 0)
        first = await studio.tool_schema(REAL_ESRGAN.slug)
        again = await studio.tool_schema("XINNTAO/real-esrgan")
        assert first is again and first.live and not first.notes
        assert first.schema.field("inputImage") is not None
        assert emulator.stats()["requests"].get("Tool/Detail", 0) == before + 1
        with pytest.raises(UnknownTool):
            await studio.tool_schema("someone/unknown-tool")
    finally:
        await studio.aclose()


@pytest.mark.asyncio
async def test_unknown_generation_of_an_upscale_is_recovered_against_its_tool(
    emulator, tmp_path: Path
) -> None:
    studio, events = await start_studio(emulator, tmp_path, recovery_delay=0.05)
    try:
        source = await studio.submit(dict(SOURCE))
        await wait_until(lambda: _final(studio, source.id))
        image_id = studio.generation(source.id).images[0].id  # type: ignore[union-attr]
        emulator.configure(**DROP_RUN)
        state = await derive.upscale(studio, image_id, scale=2)
        sent = (Phase.PENDING, Phase.SUBMITTING)
        await wait_until(lambda: studio.generation(state.id).phase not in sent)  # type: ignore[union-attr]
        emulator.configure(drop_rate=0.0)
        await wait_until(lambda: _succeeded(studio, state.id), what="recovered")
        final = studio.generation(state.id)
        assert final is not None and final.phase is Phase.SUCCEEDED, final
        assert (final.images[0].width, final.images[0].height) == (128, 128)
        assert emulator.stats()["run_calls"] == 2 and final.task_id
        notices = [e.text for e in events if isinstance(e, Notice)]
        assert any(RECOVERED in text and final.task_id in text for text in notices), notices
    finally:
        await studio.aclose()


def test_reimagine_says_plainly_when_dreamshaper_is_not_offered(tmp_path: Path) -> None:
    schema = bundled_tool_schema(IMAGE_TO_IMAGE_SD.slug)
    fields = []
    for spec in schema.fields:
        if spec.id == "selectedModel":
            spec = dataclasses.replace(
                spec, options=(Option("runwayml/stable-diffusion-v1-5", "SD 1.5"),), default=""
            )
        fields.append(spec)
    other = dataclasses.replace(schema, fields=tuple(fields))
    record = ImageRecord(
        id=3, generation_id=1, index=0, seed=77, path=tmp_path / "a.png", sha256="",
        size=1, width=512, height=768, starred=False, deleted=False, created_at=0.0,
    )  # fmt: skip
    generation = GenerationState(id=1, params=dict(SOURCE), phase=Phase.SUCCEEDED)
    values, notes = derive.reimagine_values(
        other, Source(record, generation), strength=0.4, count=9
    )
    assert "selectedModel" not in values
    assert notes and "does not offer DreamShaper 8" in notes[0] and "SD 1.5" in notes[0]
    assert (values["width"], values["height"], values["seed"]) == (512, 768, "77")
    assert values["strength"] == 0.4 and values["samples"] == 4, "clamped to the tool's 4"
    assert values["inputImage"] == str(record.path)
