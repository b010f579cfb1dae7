"""Shared Qt fixtures for widget tests: snapshot factories, a fake clock (the app style is the
suite-wide `styled_app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.services.events import GenerationState, Phase


@dataclass
class FakeClock:
    """A settable clock for widgets that show elapsed time."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_state(generation_id: int = 1, **changes: Any) -> GenerationState:
    """A GenerationState with sensible defaults; keyword arguments override fields."""
    base: dict[str, Any] = {
        "id": generation_id,
        "params": {"prompt": f"a lighthouse at dusk, number {generation_id}", "samples": 4},
        "phase": Phase.RUNNING,
        "status": "task_queue",
        "status_text": "Queued",
        "created_at": 1_000.0,
        "expected_images": 4,
        "can_stop": True,
    }
    base.update(changes)
    return GenerationState(**base)


@pytest.fixture
def state_factory():
    return make_state


@pytest.fixture
def loader(qapp):
    """A thumbnail loader of its own (two decode threads), shut down after the test."""
    from app.ui.widgets.thumbnails import ThumbnailLoader

    made = ThumbnailLoader(max_threads=2)
    yield made
    made.shutdown(5000)
