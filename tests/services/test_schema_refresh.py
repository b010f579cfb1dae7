"""The studio opens with the last Tool/Detail answer and asks Wiro behind it (issue 17): the
library is local and never waits for the network; a live answer unlike the cached one
replaces it in the studio (the form follows it, see tests/e2e/test_start.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.api.client import WiroClient
from app.resources import tool_detail_payload
from app.services.connection import open_studio, refresh_schema
from app.services.schema_cache import store_schema
from app.storage.history_queries import ImageFilter
from app.storage.paths import AppPaths
from tests.services.conftest import spec_for


def _renamed(title: str) -> dict[str, Any]:
    payload = tool_detail_payload()
    payload["tool"][0]["title"] = title
    return payload


def test_the_studio_opens_before_tool_detail_answers_then_follows_it(
    emulator, tmp_path, monkeypatch
):
    paths = AppPaths.under(tmp_path)
    store_schema(paths, True, _renamed("From the last start"))
    answer = asyncio.Event()
    asked: list[str] = []
    original = WiroClient.tool_detail_raw

    async def held(self: WiroClient, owner: str, project: str) -> dict[str, Any]:
        asked.append(f"{owner}/{project}")
        await answer.wait()  # Wiro is slow today
        return await original(self, owner, project)

    monkeypatch.setattr(WiroClient, "tool_detail_raw", held)

    async def scenario() -> None:
        studio = await asyncio.wait_for(open_studio(spec_for(emulator), paths), 20)
        try:
            assert studio.schema.title == "From the last start"
            assert asked == []  # the studio did not ask, let alone wait
            assert await studio.count(ImageFilter()) == 0  # the library answers meanwhile
            refreshing = asyncio.ensure_future(refresh_schema(studio, paths, True))
            await asyncio.sleep(0.05)
            assert not refreshing.done() and asked == ["Lykon/dreamshaper-8"]
            answer.set()
            assert await asyncio.wait_for(refreshing, 20)  # the live answer differs
            assert studio.schema.title == "DreamShaper 8"  # the emulator's (live) answer
            assert (await studio.tool_schema()).schema == studio.schema
            assert not await refresh_schema(studio, paths, True)  # same answer: no change
        finally:
            await studio.aclose()

    asyncio.run(scenario())
