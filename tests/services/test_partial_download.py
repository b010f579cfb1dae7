"""A generation whose images did not all arrive is not a success, and is finished later."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.api.errors import DownloadError
from app.services.events import GenerationState, Phase
from app.services.studio import Studio
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

THREE = {"prompt": "a lighthouse at dusk", "samples": 3, "width": 64, "height": 64, "seed": "9"}


def current(studio: Studio, gid: int) -> GenerationState:
    state = studio.generation(gid)
    assert state is not None
    return state


def fail_one_output(client: Any) -> list[str]:
    """Every download of one output URL (the first one tried) fails, as a broken CDN file
    would; the others go through to the emulator. Returns the failed URLs, one per try."""
    original = client.download
    failed: list[str] = []

    async def download(url: str, dest: Path, expected_size: int | None = None) -> Any:
        if not failed or url == failed[0]:
            failed.append(url)
            raise DownloadError("the CDN dropped this file (test)")
        return await original(url, dest, expected_size=expected_size)

    client.download = download
    return failed


async def test_one_image_missing_is_not_a_plain_success(emulator, tmp_path: Path) -> None:
    """The card names what is missing and offers Retry; Retry fetches it without a new Run."""
    studio, _ = await start_studio(emulator, tmp_path)
    try:
        failed = fail_one_output(studio.client)
        gid = (await studio.submit(THREE)).id
        await wait_until(
            lambda: current(studio, gid).is_final, timeout=30, what="the download rounds to end"
        )
        state = current(studio, gid)
        assert len(state.images) == 2
        assert (state.error or "").startswith("1 of 3 images are missing")
        assert "Retry" in (state.error or "")
        assert len(set(failed)) == 1 and len(failed) >= 2  # tried again before giving up

        runs = emulator.stats()["run_calls"]
        studio.client.download = type(studio.client).download.__get__(studio.client)  # CDN back
        await studio.retry(gid)
        await wait_until(
            lambda: len(current(studio, gid).images) == 3 and current(studio, gid).is_final,
            timeout=30,
            what="the missing image after Retry",
        )
        state = current(studio, gid)
        assert state.phase is Phase.SUCCEEDED
        assert sorted(i.index for i in state.images) == [0, 1, 2]
        assert state.error is None
        assert emulator.stats()["run_calls"] == runs  # fetched again, never run again
    finally:
        await studio.aclose()
