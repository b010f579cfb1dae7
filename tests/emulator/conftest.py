"""Fixtures for the emulator tests: a live emulator on loopback and a spec-only client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.emulator import Emulator, EmulatorConfig
from tests.emulator.emulator_support import FAST, KEY, SECRET, Wiro


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator(**settings): EmulatorConfig overrides")


def settings_for(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("emulator")
    return {**FAST, **(marker.kwargs if marker else {})}


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    settings = {"api_key": KEY, "api_secret": SECRET, **settings_for(request)}
    with Emulator(EmulatorConfig(**settings)) as emu:
        yield emu


@pytest.fixture
def wiro(emulator: Emulator) -> Iterator[Wiro]:
    with httpx.Client(timeout=5.0) as client:
        yield Wiro(emulator, client, emulator.api_key, emulator.api_secret)
