"""Contract tests for answers as Wiro sends them (issue 11), client and emulator on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from app.api.errors import AuthError, CredentialCheckError
from app.api.events import Finished, StatusChanged, TaskEvent
from app.api.signing import Credentials
from app.core.status import LIFECYCLE
from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from tests.api.test_contract import (
    FAST,
    OWNER,
    PROJECT,
    WATCH_TIMEOUT,
    client_for,
    params,
    watcher_for,
)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(**FAST)) as emulator:
        yield emulator


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [401, 403, 200])
async def test_wrong_key_or_secret_is_an_auth_error_whatever_the_status(
    emu: Emulator, status: int
) -> None:
    emu.configure(auth_failure_status=status)
    wrong = [
        Credentials("not-the-key", emu.api_secret),
        Credentials(emu.api_key, "not-the-secret"),
        Credentials(emu.api_key, None),
    ]
    for credentials in wrong:
        async with client_for(emu, credentials=credentials) as client:
            with pytest.raises(AuthError) as probed:
                await client.probe()
            with pytest.raises(AuthError):
                await client.run(OWNER, PROJECT, params())
        assert probed.value.http_status == status
    assert emu.stats()["tasks_created"] == 0
    async with client_for(emu) as client:
        await client.probe()  # the right credentials still pass


@pytest.mark.asyncio
async def test_credential_check_needs_an_answer_it_recognises(emu: Emulator) -> None:
    base = emu.base_url.removesuffix("/v1") + "/v2"
    async with client_for(emu, base_url=base) as client:
        with pytest.raises(CredentialCheckError, match="Could not verify the credentials"):
            await client.probe()


@pytest.mark.asyncio
async def test_task_list_pages_through_the_projects_tasks(emu: Emulator) -> None:
    emu.configure(step_mode=True)
    async with client_for(emu) as client:
        runs = [await client.run(OWNER, PROJECT, params(seed=str(n))) for n in range(3)]
        page = await client.task_list(limit=2)
        assert page.total == 3
        assert [t.id for t in page.tasks] == [r.task_id for r in runs[::-1][:2]]
        assert page.tasks[0].model_project == PROJECT and page.tasks[0].create_time
        rest = await client.task_list(start=2, limit=2)
        assert [t.id for t in rest.tasks] == [runs[0].task_id]
        assert rest.tasks[0].token == runs[0].socket_token


@pytest.mark.asyncio
async def test_documented_order_end_to_end_through_the_watcher(emu: Emulator) -> None:
    emu.configure(step_mode=True)
    async with client_for(emu) as client:
        watcher = watcher_for(client)
        run = await client.run(OWNER, PROJECT, params(steps=3))
        seen: list[str] = []

        async def follow() -> list[TaskEvent]:
            events: list[TaskEvent] = []
            async for event in watcher.watch(run.task_id, run.socket_token):
                events.append(event)
                if isinstance(event, StatusChanged):
                    seen.append(event.status)
            return events

        following = asyncio.create_task(follow())
        try:
            for _ in range(500):  # the queued status first, before anything moves
                if seen:
                    break
                await asyncio.sleep(0.01)
            for _ in range(200):  # one stage at a time: the watcher sees each before the next
                if following.done():
                    break
                before = len(seen)
                emu.advance(run.task_id)
                for _ in range(500):
                    if len(seen) > before or following.done():
                        break
                    await asyncio.sleep(0.01)
            events = await asyncio.wait_for(following, WATCH_TIMEOUT)
        finally:
            await watcher.aclose()
    assert seen == [str(s) for s in LIFECYCLE]
    assert isinstance(events[-1], Finished)
