"""A Run whose answer was lost is found again through Task/List, never by guessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.events import Notice, Phase
from app.services.recovery import RECOVERED, same_parameters
from tests.services.conftest import start_studio, wait_until

SMALL = {"prompt": "a lighthouse at dusk", "samples": 2, "width": 64, "height": 64, "seed": "9"}
DROP_RUN = {"drop_rate": 1.0, "drop_endpoints": ["Run"], "drop_after_handling": True}


@pytest.mark.asyncio
async def test_dropped_run_answer_is_recovered_with_its_images(emulator, tmp_path: Path) -> None:
    emulator.configure(**DROP_RUN)
    studio, events = await start_studio(emulator, tmp_path, recovery_delay=0.05)
    try:
        state = await studio.submit(SMALL)
        sent = (Phase.PENDING, Phase.SUBMITTING)
        await wait_until(lambda: studio.generation(state.id).phase not in sent)
        assert emulator.stats()["faults"]["drop"] == 1
        emulator.configure(drop_rate=0.0)
        await wait_until(lambda: studio.generation(state.id).phase is Phase.SUCCEEDED)
        final = studio.generation(state.id)
        [task] = emulator.tasks()
        assert final.task_id == task["id"]
        assert [i.index for i in final.images] == [0, 1]
        assert final.cost is not None and final.cost > 0
        notices = [e.text for e in events if isinstance(e, Notice)]
        assert any(RECOVERED in text for text in notices), notices
        stats = emulator.stats()
        assert stats["run_calls"] == 1 and stats["requests"].get("Task/List", 0) >= 1
    finally:
        await studio.aclose()


@pytest.mark.asyncio
async def test_two_matching_tasks_are_never_guessed_between(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True, **DROP_RUN)
    studio, _ = await start_studio(emulator, tmp_path, recovery_delay=3600)
    try:
        first = await studio.submit(SMALL)
        second = await studio.submit(SMALL)
        for gid in (first.id, second.id):
            await wait_until(lambda g=gid: studio.generation(g).phase is Phase.UNKNOWN)
        emulator.configure(drop_rate=0.0)
        results = await studio.check_missing()
        assert sorted(len(r.candidates) for r in results) == [2, 2]
        assert all(r.task_id is None for r in results)
        for gid in (first.id, second.id):
            state = studio.generation(gid)
            assert state.phase is Phase.UNKNOWN and state.task_id is None
            assert "Several tasks" in (state.error or "")
    finally:
        await studio.aclose()


@pytest.mark.asyncio
async def test_a_task_with_other_parameters_is_not_taken(emulator, tmp_path: Path) -> None:
    emulator.configure(step_mode=True, **DROP_RUN)
    studio, _ = await start_studio(emulator, tmp_path, recovery_delay=3600)
    try:
        lost = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(lost.id).phase is Phase.UNKNOWN)
        emulator.configure(drop_rate=0.0)
        other = await studio.submit({**SMALL, "seed": "10"})
        await wait_until(lambda: studio.generation(other.id).task_id is not None)
        [result] = await studio.check_missing([lost.id])
        assert result.task_id is not None and result.task_id != studio.generation(other.id).task_id
        await wait_until(lambda: studio.generation(lost.id).phase is Phase.RUNNING)
    finally:
        await studio.aclose()


def test_parameters_compare_by_meaning() -> None:
    ours = {"prompt": "a cat", "steps": 20, "scale": 7.5, "seed": "42"}
    theirs = {"prompt": "a cat", "steps": "20", "scale": "7.50", "seed": "42", "extra": "x"}
    assert same_parameters(ours, theirs)
    assert not same_parameters(ours, {**theirs, "steps": "21"})
    assert not same_parameters(ours, {k: v for k, v in theirs.items() if k != "seed"})
    assert not same_parameters({}, theirs)
