"""Fixtures for the services against the real emulator on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.credentials import Credentials
from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from app.services.connection import ConnectionSpec, open_studio
from app.services.events import ServiceEvent
from app.services.studio import Studio
from app.storage.paths import AppPaths

KEY, SECRET = "studio-test-key-0001", "studio-test-secret-0001"


@pytest.fixture
def emulator():
    config = EmulatorConfig(api_key=KEY, api_secret=SECRET, queue_seconds=0.05, run_seconds=0.25)
    with Emulator(config) as emu:
        yield emu


def spec_for(emu: Emulator) -> ConnectionSpec:
    return ConnectionSpec(
        base_url=emu.base_url,
        socket_url=emu.socket_url,
        credentials=Credentials(KEY, SECRET),
        demo=True,
    )


async def start_studio(emu: Emulator, root: Path, **options) -> tuple[Studio, list[ServiceEvent]]:
    options.setdefault("retry_delay", 0.05)
    options.setdefault("slot_retry_seconds", 0.2)
    studio = await open_studio(spec_for(emu), AppPaths.under(root), **options)
    events: list[ServiceEvent] = []
    studio.subscribe(events.append)
    return studio, events


async def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)
