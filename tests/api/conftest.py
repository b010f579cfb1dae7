"""Fixtures for the api tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.api.fakes import FakeSocketHub


@pytest_asyncio.fixture
async def hub() -> AsyncIterator[FakeSocketHub]:
    yield FakeSocketHub()
