"""Storage faults while generations run: a long lock is waited out, a deleted profile rebuilt."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from app.services.events import Notice, Phase
from app.storage.history import HistoryStore
from app.storage.paths import AppPaths
from tests.services.conftest import start_studio, wait_until

pytestmark = pytest.mark.asyncio

SMALL = {"prompt": "a lighthouse at dusk", "samples": 1, "width": 64, "height": 64, "seed": "7"}


async def test_a_follow_outlasts_a_lock_held_past_the_busy_timeout(
    emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def short_busy_timeout(path, **kw):  # past it, PatientConnection's own retries take over
        return HistoryStore(path, busy_timeout=0.05, **kw)

    monkeypatch.setattr("app.storage.profile.HistoryStore", short_busy_timeout)
    studio, _events = await start_studio(emulator, tmp_path)
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(min(seconds, 0.05))

    studio.ledger.history._db.sleep = sleep  # type: ignore[method-assign]
    other = sqlite3.connect(AppPaths.under(tmp_path).database(True), isolation_level=None)
    try:
        state = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(state.id).task_id is not None, what="Run")
        other.execute("BEGIN IMMEDIATE")  # another program takes the write lock and keeps it
        await wait_until(lambda: len(pauses) >= 4, what="the follow waiting for the lock")
        assert not studio.generation(state.id).is_final
        other.execute("COMMIT")
        await wait_until(
            lambda: studio.generation(state.id).phase is Phase.SUCCEEDED, what="the follow"
        )
        row = await studio.ledger.db(studio.ledger.history.generation, state.id)
        assert row is not None and row.phase == "succeeded"
    finally:
        other.close()
        await studio.aclose()


async def test_a_deleted_profile_is_noticed_rebuilt_and_told(emulator, tmp_path: Path) -> None:
    studio, events = await start_studio(emulator, tmp_path)
    paths = AppPaths.under(tmp_path)
    try:
        first = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(first.id).phase is Phase.SUCCEEDED)
        shutil.rmtree(paths.profile_dir(True))
        await studio.ledger.check_storage()  # what the window does when it regains focus
        notices = [e.text for e in events if isinstance(e, Notice) and e.level == "warning"]
        assert len(notices) == 1 and "was deleted" in notices[0]
        assert "1 image file is gone" in notices[0]
        second = await studio.submit(SMALL)
        await wait_until(lambda: studio.generation(second.id).phase is Phase.SUCCEEDED)
    finally:
        await studio.aclose()
    store = HistoryStore(paths.database(True))
    try:
        assert store.generation(first.id) is not None and store.generation(second.id) is not None
        assert [i.path.exists() for i in store.images_for(second.id)] == [True]
    finally:
        store.close()
