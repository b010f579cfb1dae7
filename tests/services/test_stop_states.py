"""Stop ends a task in every state, including the window tasks.md leaves undocumented."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.events import Phase
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SMALL = {"prompt": "a lighthouse at dusk", "samples": 1, "width": 64, "height": 64, "seed": "7"}
# Cancel is accepted only while queued, Kill only from task_assign (the emulator's defaults).
DIRECT = ["task_queue", "task_assign", "task_start", "task_output"]
WINDOW = ["task_accept", "task_preprocess_start", "task_preprocess_end"]


@pytest.mark.parametrize("status", DIRECT + WINDOW)
async def test_stop_in_each_state(emulator, tmp_path: Path, status: str) -> None:
    emulator.configure(step_mode=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).task_id is not None)
        task_id = studio.generation(state.id).task_id
        emulator.run_to(task_id, status)
        await wait_until(lambda: studio.generation(state.id).status == status, what=status)
        await studio.stop(state.id)
        if status in WINDOW:
            current = studio.generation(state.id)
            assert current.phase is Phase.RUNNING and current.stopping
            assert current.status_text == "Stopping…"
            assert emulator.task(task_id)["status"] == status  # both refused: still running
            for _ in range(10):  # each status change retries; Kill works from task_assign
                if studio.generation(state.id).is_final:
                    break
                before = studio.generation(state.id).status
                emulator.advance(task_id)
                await wait_until(
                    lambda b=before: (
                        studio.generation(state.id).status != b
                        or studio.generation(state.id).is_final
                    )
                )
        await wait_until(lambda: studio.generation(state.id).phase is Phase.CANCELLED)
        final = studio.generation(state.id)
        assert final.status_text == "Cancelled" and not final.images
        assert emulator.task(task_id)["status"] == "task_cancel"
        calls = emulator.stats()["requests"]
        if status in WINDOW:
            assert calls.get("Task/Cancel", 0) >= 1 and calls.get("Task/Kill", 0) >= 2
    finally:
        await studio.aclose()


async def test_cancelled_task_records_its_cost(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).task_id is not None)
        await studio.stop(state.id)
        await wait_until(lambda: studio.generation(state.id).phase is Phase.CANCELLED)
        assert studio.generation(state.id).cost == 0.0  # read from the answer: "0"
    finally:
        await studio.aclose()


async def test_killed_task_with_outputs_keeps_its_images_and_cost(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True, kill_bills=True)
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        state = await studio.submit({**SMALL, "samples": 2})
        await wait_until(lambda: studio.generation(state.id).task_id is not None)
        task_id = studio.generation(state.id).task_id
        emulator.run_to(task_id, "task_output")
        await wait_until(lambda: studio.generation(state.id).status == "task_output")
        await studio.stop(state.id)
        await wait_until(lambda: studio.generation(state.id).phase is Phase.CANCELLED)
        final = studio.generation(state.id)
        assert [i.index for i in final.images] == [0, 1]
        assert final.cost is not None and final.cost > 0
        assert all(i.path.exists() for i in final.images)
    finally:
        await studio.aclose()
