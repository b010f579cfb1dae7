"""The local queue respects the concurrency limit it learned: never one Run more than that."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.services.events import GenerationState, Phase
from app.services.studio import Studio
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SMALL = {"prompt": "a lighthouse at dusk", "samples": 1, "width": 64, "height": 64, "seed": "7"}
LIMIT = 2
RETRY = 0.05  # the studio's slot_retry_seconds: how often a waiting queue looks again


def phase_of(studio: Studio, state: GenerationState) -> Phase:
    current = studio.generation(state.id)
    assert current is not None
    return current.phase


async def test_queue_sends_no_run_beyond_the_known_limit(emulator, tmp_path: Path) -> None:
    emulator.configure(concurrency_limit=LIMIT, step_mode=True)  # tasks hold their slots
    studio, _ = await start_studio(emulator, tmp_path, slot_retry_seconds=RETRY)
    try:
        states = [await studio.submit(SMALL) for _ in range(5)]

        def waiting() -> int:
            return sum(phase_of(studio, s) is Phase.WAITING_SLOT for s in states)

        def sending() -> int:
            return sum(phase_of(studio, s) is Phase.SUBMITTING for s in states)

        await wait_until(lambda: emulator.stats()["tasks_created"] == LIMIT, what="two tasks")
        # settled: every refused Run answered, none in flight (the last refusal set the limit)
        await wait_until(
            lambda: waiting() == len(states) - LIMIT and not sending(), what="the rest waiting"
        )
        learned = emulator.stats()["run_calls"]
        refused_on_discovery = learned - LIMIT
        # Twenty looks of the waiting queue while both slots stay taken: a queue that allows
        # one more than the limit sends a Run on every look, and each one is refused.
        for _ in range(20):
            await asyncio.sleep(RETRY)
            assert not sending(), "a Run was sent while the known limit was reached"
        assert emulator.stats()["run_calls"] == learned
        assert emulator.stats()["tasks_created"] == LIMIT
        assert waiting() == len(states) - LIMIT

        emulator.configure(step_mode=False)  # slots free up: the rest go, at most two at once
        await wait_until(
            lambda: all(phase_of(studio, s) is Phase.SUCCEEDED for s in states),
            timeout=30,
            what="every generation",
        )
        assert emulator.stats()["tasks_created"] == len(states)
        assert refused_on_discovery >= 1  # the limit was learned from Wiro's refusal
    finally:
        await studio.aclose()
