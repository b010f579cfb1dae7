"""The offline demo survives a crash: its emulator keeps tasks in the demo profile, so
generations running when the app died finish after the next start, without a second Run."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from app.services.connection import ConnectionSpec, open_studio
from app.services.demo import DemoServer
from app.services.events import Phase
from app.services.studio import Studio
from app.storage.paths import AppPaths
from tests.services.conftest import wait_until

pytestmark = pytest.mark.asyncio

TASKS, SAMPLES = 8, 2
SMALL = {"prompt": "a harbour after the storm", "samples": SAMPLES, "width": 128, "height": 128}


def spec_for(server: DemoServer) -> ConnectionSpec:
    return ConnectionSpec(
        base_url=server.base_url,
        socket_url=server.socket_url,
        credentials=server.credentials,
        demo=True,
    )


async def start_demo(state: Path) -> DemoServer:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, lambda: DemoServer.start(queue_seconds=0.1, run_seconds=1.5, state_path=state)
    )


async def open_demo(server: DemoServer, paths: AppPaths) -> Studio:
    return await open_studio(spec_for(server), paths, retry_delay=0.05, slot_retry_seconds=0.2)


def db_rows(paths: AppPaths) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    db = sqlite3.connect(paths.database(True))
    db.row_factory = sqlite3.Row
    try:
        gens = db.execute("SELECT * FROM generations ORDER BY id").fetchall()
        images = db.execute("SELECT * FROM images ORDER BY generation_id, idx").fetchall()
    finally:
        db.close()
    return gens, images


def check_files(images: list[sqlite3.Row], paths: AppPaths) -> None:
    for image in images:
        path = Path(image["path"])
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == image["sha256"]
    library = [p for p in paths.library_dir(True).rglob("*.png") if p.is_file()]
    assert len(library) == TASKS * SAMPLES


async def test_demo_tasks_finish_after_a_crash(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)
    state_file = paths.profile_dir(True) / "emulator-state.json"
    first = await start_demo(state_file)
    studio = await open_demo(first, paths)
    try:
        states = [await studio.submit({**SMALL, "seed": str(100 + n)}) for n in range(TASKS)]
        ids = [s.id for s in states]
        await wait_until(
            lambda: all(studio.generation(i).task_id for i in ids), timeout=10, what="task ids"
        )
        running = [studio.generation(i) for i in ids]
        assert all(s.phase is Phase.RUNNING for s in running), [s.phase for s in running]
        task_ids = {s.id: s.task_id for s in running}
    finally:
        crashed_at = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, first.stop)  # emulator dies
        await studio.aclose()  # the app dies: rows stay RUNNING, as after a SIGKILL
    gens, images = db_rows(paths)
    assert [g["phase"] for g in gens] == ["running"] * TASKS
    assert images == []

    second = await start_demo(state_file)
    assert second.base_url != first.base_url or second.credentials != first.credentials
    restarted_at = time.monotonic()
    again = await open_demo(second, paths)
    try:
        await wait_until(
            lambda: all((g := again.generation(i)) is not None and g.is_final for i in task_ids),
            timeout=20,
            what="all generations final after the restart",
        )
        finished_at = time.monotonic()
        phases = [again.generation(i).phase for i in task_ids]
        assert phases == [Phase.SUCCEEDED] * TASKS
        assert {i: again.generation(i).task_id for i in task_ids} == task_ids
        stats = second.runner.stats()
    finally:
        await again.aclose()
        await asyncio.get_running_loop().run_in_executor(None, second.stop)

    assert stats["run_calls"] == 0 and stats["tasks_created"] == 0, "no Run was sent again"
    gens, images = db_rows(paths)
    assert [g["phase"] for g in gens] == ["succeeded"] * TASKS
    assert len(images) == TASKS * SAMPLES
    check_files(images, paths)
    print(
        f"\ndemo restart: {TASKS} tasks, {len(images)} images; emulator down "
        f"{restarted_at - crashed_at:.2f}s; all succeeded {finished_at - restarted_at:.2f}s "
        f"after the restart; run_calls={stats['run_calls']}, "
        f"task_detail_calls={sum(stats.get('task_detail_calls', {}).values())}, "
        f"downloads={stats['downloads']}"
    )
