"""Opt-in checks against the real Wiro API: `pytest --live` with credentials in the env.

Read-only calls by default; one billable Run only when WIRO_LIVE_RUN=1 is also set.
"""

from __future__ import annotations

import os

import pytest

from app.api.client import ApiConfig, WiroClient
from app.api.watcher import TaskWatcher
from app.core.credentials import Credentials

pytestmark = [pytest.mark.live, pytest.mark.asyncio]


def _credentials() -> Credentials:
    key = os.environ.get("WIRO_API_KEY", "")
    if not key:
        pytest.skip("WIRO_API_KEY is not set")
    return Credentials(key, os.environ.get("WIRO_API_SECRET") or None)


async def test_probe_and_tool_schema() -> None:
    async with WiroClient(ApiConfig(), _credentials()) as client:
        await client.probe()
        schema = await client.tool_detail("Lykon", "dreamshaper-8")
        assert {"prompt", "steps", "width", "height", "scheduler"} <= {f.id for f in schema.fields}


async def test_one_small_run_end_to_end(tmp_path) -> None:
    if os.environ.get("WIRO_LIVE_RUN") != "1":
        pytest.skip("billable: set WIRO_LIVE_RUN=1 to run one 256x256 image")
    async with WiroClient(ApiConfig(), _credentials()) as client:
        run = await client.run(
            "Lykon",
            "dreamshaper-8",
            {
                "prompt": "a red apple on a table",
                "samples": 1,
                "steps": 12,
                "width": 256,
                "height": 256,
            },
        )
        watcher = TaskWatcher(client)
        final = None
        async for event in watcher.watch(run.task_id, run.socket_token):
            final = event
        await watcher.aclose()
        assert type(final).__name__ == "Finished", final
        output = final.task.outputs[0]
        result = await client.download(output.url, tmp_path / "0.png", expected_size=output.size)
        assert result.size > 0
