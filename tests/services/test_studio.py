"""The studio end to end against the emulator: submit, watch, download, stop, limits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app.core.metadata import parse_parameters
from app.services.events import ImageStored, Phase
from app.services.studio import InvalidParameters
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SMALL = {"prompt": "a lighthouse at dusk", "samples": 2, "width": 128, "height": 96, "seed": "42"}


async def test_generate_downloads_every_image(emulator, tmp_path: Path) -> None:
    studio, events = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        row = await studio.ledger.db(studio.ledger.history.generation, state.id)
        assert row is not None, "the generation is on disk before anything else happens"
        await wait_until(lambda: studio.generation(state.id).phase is Phase.SUCCEEDED)
        final = studio.generation(state.id)
        assert [i.index for i in final.images] == [0, 1]
        assert [i.seed for i in final.images] == [42, 43]
        for image in final.images:
            assert image.path.exists() and (image.width, image.height) == (128, 96)
        assert final.cost is not None and final.cost > 0
        stats = emulator.stats()
        assert final.task_id and stats["run_calls"] == 1
        assert stats["secret_violations"] == 0
        assert sum(isinstance(e, ImageStored) for e in events) == 2
        saved = await studio.save_images(list(final.images), tmp_path / "out")
        with Image.open(saved[1]) as img:
            parsed = parse_parameters(img.text["parameters"])
        assert parsed.prompt == SMALL["prompt"]
        assert parsed.settings["Seed"] == "43" and parsed.settings["Size"] == "128x96"
        assert parsed.settings["Wiro task"] == final.task_id
        raw = saved[0].read_bytes()
        with Image.open(io.BytesIO(raw)) as a, Image.open(final.images[0].path) as b:
            assert a.tobytes() == b.tobytes()
    finally:
        await studio.aclose()


async def test_invalid_values_never_reach_wiro(emulator, tmp_path: Path) -> None:
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        with pytest.raises(InvalidParameters) as info:
            await studio.submit({**SMALL, "width": 500})
        assert info.value.errors == {"width": "Width must be a multiple of 8."}
        assert emulator.stats()["run_calls"] == 0
    finally:
        await studio.aclose()


async def test_stop_queued_cancels_and_running_kills(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        queued = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(queued.id).task_id is not None)
        await studio.stop(queued.id)
        await wait_until(lambda: studio.generation(queued.id).phase is Phase.CANCELLED)
        running = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(running.id).task_id is not None)
        emulator.run_to(studio.generation(running.id).task_id, "task_output")
        await wait_until(lambda: studio.generation(running.id).status == "task_output")
        await studio.stop(running.id)
        await wait_until(lambda: studio.generation(running.id).phase is Phase.CANCELLED)
        calls = emulator.stats()["requests"]
        assert calls.get("Task/Cancel", 0) >= 1 and calls.get("Task/Kill", 0) >= 1
    finally:
        await studio.aclose()


async def test_failed_run_shows_debugerror(emulator, tmp_path: Path) -> None:
    emulator.configure(fail_rate=1.0)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).is_final)
        final = studio.generation(state.id)
        assert final.phase is Phase.FAILED and final.debug_error
        assert final.images == ()
    finally:
        await studio.aclose()


async def test_concurrency_limit_queues_locally(emulator, tmp_path: Path) -> None:
    emulator.configure(concurrency_limit=1)
    studio, events = await start_studio(emulator, tmp_path)
    try:
        states = [await studio.submit(SMALL) for _ in range(3)]
        await wait_until(
            lambda: all(studio.generation(s.id).phase is Phase.SUCCEEDED for s in states),
            timeout=30,
        )
        assert emulator.stats()["tasks_created"] == 3
        assert any(getattr(e, "text", "").startswith("Wiro's concurrency") for e in events)
    finally:
        await studio.aclose()


async def test_insufficient_balance_pauses_until_resume(emulator, tmp_path: Path) -> None:
    emulator.configure(insufficient_balance=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        first = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(first.id).phase is Phase.PAUSED)
        second = await studio.submit(SMALL)
        assert studio.generation(second.id).phase is Phase.PAUSED and studio.paused
        emulator.configure(insufficient_balance=False)
        await studio.resume()
        await wait_until(
            lambda: all(
                studio.generation(s).phase is Phase.SUCCEEDED for s in (first.id, second.id)
            )
        )
    finally:
        await studio.aclose()


async def test_lost_run_answer_is_unknown_and_never_resent(emulator, tmp_path: Path) -> None:
    emulator.configure(drop_rate=1.0, drop_endpoints=("Run",), drop_after_handling=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).is_final)
        final = studio.generation(state.id)
        assert final.phase is Phase.UNKNOWN and "dashboard" in final.error
        assert emulator.stats()["run_calls"] == 1
    finally:
        await studio.aclose()


async def test_restart_reattaches_running_tasks(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True)
    studio, _ = await start_studio(emulator, tmp_path)
    state = await studio.submit(SMALL)
    await wait_until(lambda: studio.generation(state.id).task_id is not None)
    task_id = studio.generation(state.id).task_id
    await studio.aclose()
    emulator.configure(step_mode=False)
    emulator.advance(task_id, count=50)
    again, _ = await start_studio(emulator, tmp_path)
    try:
        await wait_until(
            lambda: (
                again.generation(state.id) is not None
                and again.generation(state.id).phase is Phase.SUCCEEDED
            )
        )
        assert len(again.generation(state.id).images) == 2
        assert emulator.stats()["run_calls"] == 1
    finally:
        await again.aclose()


async def test_server_error_on_run_is_unknown_and_never_resent(emulator, tmp_path: Path) -> None:
    emulator.configure(http_error_rate=1.0, http_error_endpoints=("Run",), http_error_status=502)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).is_final)
        assert studio.generation(state.id).phase is Phase.UNKNOWN
        assert emulator.stats()["requests"].get("Run") == 1
    finally:
        await studio.aclose()
