"""Contract tests: the real client and watcher against the emulator over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import USER_AGENT
from app.api.client import ApiConfig, WiroClient
from app.api.errors import (
    AuthError,
    ConcurrencyLimitError,
    CredentialCheckError,
    InsufficientBalanceError,
    NetworkError,
    NotFoundError,
    ServerError,
    ValidationError,
)
from app.api.events import TaskEvent
from app.api.models import RunResult
from app.api.signing import Credentials
from app.api.watcher import (
    Cancelled,
    Failed,
    Finished,
    LogLine,
    OutputsAnnounced,
    Progress,
    StatusChanged,
    TaskWatcher,
)
from app.core.schema import parse_tool
from app.core.status import status_phase
from app.resources import tool_detail_payload
from tests.api.fakes import RecordingSleep

runner = pytest.importorskip("app.emulator.runner")
emulator_config = pytest.importorskip("app.emulator.config")

FAST = {"queue_seconds": 0.05, "run_seconds": 0.4}
OWNER, PROJECT = "Lykon", "dreamshaper-8"
WATCH_TIMEOUT = 20.0


@pytest.fixture
def emu() -> Iterator[Any]:
    with runner.Emulator(emulator_config.EmulatorConfig(**FAST)) as emulator:
        yield emulator


def client_for(
    emu: Any,
    *,
    credentials: Credentials | None = None,
    sleep: RecordingSleep | None = None,
    **config: Any,
) -> WiroClient:
    config.setdefault("base_url", emu.base_url)
    api = ApiConfig(
        socket_url=emu.socket_url,
        insecure_hosts=frozenset({f"127.0.0.1:{emu.port}"}),
        **config,
    )
    creds = credentials or Credentials(emu.api_key, emu.api_secret)
    if sleep is None:
        return WiroClient(api, creds)
    return WiroClient(api, creds, sleep=sleep)


def watcher_for(client: WiroClient, **options: Any) -> TaskWatcher:
    options.setdefault("poll_interval", 0.1)
    options.setdefault("healthy_poll_interval", 30.0)
    options.setdefault("error_grace_seconds", 0.3)
    options.setdefault("reconnect_max_delay", 0.2)
    return TaskWatcher(client, **options)


def params(**overrides: Any) -> dict[str, Any]:
    values = parse_tool(tool_detail_payload()).defaults()
    values.update(samples=2, steps=5, width=64, height=64)
    values.update(overrides)
    return values


async def follow(watcher: TaskWatcher, run: RunResult) -> list[TaskEvent]:
    async def collect() -> list[TaskEvent]:
        return [event async for event in watcher.watch(run.task_id, run.socket_token)]

    return await asyncio.wait_for(collect(), WATCH_TIMEOUT)


def check_stream(events: list[TaskEvent]) -> None:
    finals = [e for e in events if isinstance(e, (Finished, Failed, Cancelled))]
    assert len(finals) == 1 and events[-1] is finals[0]
    statuses = [
        e.status for e in events if isinstance(e, StatusChanged) and e.status != "task_error"
    ]
    phases = [-1 if (p := status_phase(s)) is None else int(p) for s in statuses]
    assert -1 not in phases and phases == sorted(phases)
    assert len(statuses) == len(set(statuses))


def no_secret_leaks(emu: Any) -> None:
    stats = emu.stats()
    assert stats["secret_violations"] == 0, stats["secret_violation_places"]
    assert stats["nonce_reuses"] == 0


# --- the happy path, both auth modes --------------------------------------------------------


@pytest.mark.asyncio
async def test_signature_project_end_to_end(emu: Any, tmp_path: Path) -> None:
    async with client_for(emu) as client:
        await client.probe()
        schema = await client.tool_detail(OWNER, PROJECT)
        assert schema.slug == f"{OWNER}/{PROJECT}"
        assert [f.id for f in schema.fields] == [
            f.id for f in parse_tool(tool_detail_payload()).fields
        ]
        run = await client.run(OWNER, PROJECT, params())
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
        check_stream(events)
        assert any(isinstance(e, Progress) and e.total == 5 for e in events)
        assert any(isinstance(e, LogLine) for e in events)
        [announced] = [e for e in events if isinstance(e, OutputsAnnounced)]
        finished = events[-1]
        assert isinstance(finished, Finished)
        assert finished.task.pexit == "0" and finished.task.total_cost
        assert len(finished.task.outputs) == 2
        assert [o.url for o in announced.outputs] == [o.url for o in finished.task.outputs]
        assert emu.stats()["task_detail_calls"][run.task_id] <= 2

        by_token = await client.task_detail(token=run.socket_token)
        assert by_token is not None and by_token.id == run.task_id
        for output in finished.task.outputs:
            result = await client.download(
                output.url, tmp_path / output.name, expected_size=output.size
            )
            assert result.size == output.size
            assert result.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    stats = emu.stats()
    no_secret_leaks(emu)
    assert set(stats["user_agents"]) == {USER_AGENT}
    assert set(stats["content_types"]) == {"application/json"}
    assert stats["websocket_connections"] == 1
    assert stats["websocket_subscriptions"] == 1
    assert stats["http_connections"] <= 2
    assert stats["run_calls"] == 1


@pytest.mark.asyncio
async def test_key_only_project(emu: Any) -> None:
    emu.configure(api_secret=None)
    async with client_for(emu, credentials=Credentials(emu.api_key, None)) as client:
        await client.probe()
        run = await client.run(OWNER, PROJECT, params(samples=1))
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
    assert isinstance(events[-1], Finished)
    assert emu.stats()["auth_failures"] == {}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("key", "secret", "message"),
    [
        ("unknown-key-0123456789", "whatever", "Project authorization is not founded."),
        (None, "wrong-secret", "Project authorization is not valid."),
        (None, None, "Project requires signature authentication."),
    ],
)
async def test_auth_failures(emu: Any, key: str | None, secret: str | None, message: str) -> None:
    creds = Credentials(key or emu.api_key, secret)
    async with client_for(emu, credentials=creds) as client:
        with pytest.raises(AuthError) as probed:
            await client.probe()
        with pytest.raises(AuthError) as ran:
            await client.run(OWNER, PROJECT, params())
    for error in (probed.value, ran.value):
        assert error.message.startswith(message)
        assert error.http_status == 401
        assert emu.api_secret not in error.message
    assert emu.stats()["tasks_created"] == 0


@pytest.mark.asyncio
async def test_wrong_endpoint_and_unknown_tool(emu: Any) -> None:
    async with client_for(emu, base_url=emu.base_url.removesuffix("/v1") + "/v2") as client:
        with pytest.raises(CredentialCheckError) as info:
            await client.probe()
        assert info.value.http_status == 404
        assert info.value.message == "Could not verify the credentials: Error parsing url."
    async with client_for(emu) as client:
        with pytest.raises(NotFoundError):
            await client.tool_detail("Nobody", "nothing")
        with pytest.raises(NotFoundError):
            await client.run("Nobody", "nothing", params())
        assert await client.task_detail(task_id="1") is None


@pytest.mark.asyncio
async def test_validation_error_names_the_field(emu: Any) -> None:
    async with client_for(emu) as client:
        with pytest.raises(ValidationError) as info:
            await client.run(OWNER, PROJECT, params(steps="lots"))
        assert info.value.field == "steps"
        with pytest.raises(ValidationError) as info:
            await client.run(OWNER, PROJECT, params(width=4096))
        assert info.value.field == "width"
    assert emu.stats()["tasks_created"] == 0


# --- stopping tasks -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_cancel_while_queued(emu: Any) -> None:
    emu.configure(step_mode=True)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params())
        watcher = watcher_for(client)
        following = asyncio.create_task(follow(watcher, run))
        await asyncio.sleep(0)
        with pytest.raises(NotFoundError):
            await client.kill(task_id=run.task_id)  # still queued: Cancel, not Kill
        cancelled = await client.cancel(run.task_id)
        assert cancelled is not None and cancelled.status == "task_cancel"
        events = await following
        await watcher.aclose()
        with pytest.raises(NotFoundError):
            await client.cancel(run.task_id)
    check_stream(events)
    assert isinstance(events[-1], Cancelled)
    assert events[-1].task is not None and events[-1].task.status == "task_cancel"


@pytest.mark.asyncio
@pytest.mark.parametrize("by_token", [False, True])
async def test_kill_while_running(emu: Any, by_token: bool) -> None:
    emu.configure(step_mode=True)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params())
        watcher = watcher_for(client)
        following = asyncio.create_task(follow(watcher, run))
        await asyncio.to_thread(emu.run_to, run.task_id, "task_start")
        with pytest.raises(NotFoundError):
            await client.cancel(run.task_id)  # running: Kill, not Cancel
        if by_token:
            killed = await client.kill(token=run.socket_token)
        else:
            killed = await client.kill(task_id=run.task_id)
        assert killed is not None and killed.status == "task_cancel"
        events = await following
        await watcher.aclose()
    check_stream(events)
    assert "task_start" in [e.status for e in events if isinstance(e, StatusChanged)]
    assert isinstance(events[-1], Cancelled)


# --- live updates and their fallbacks -----------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["object", "string"])
async def test_progress_reaches_the_watcher(emu: Any, encoding: str) -> None:
    emu.configure(progress_encoding=encoding, run_seconds=0.6)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params(steps=6, samples=1))
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == [1, 2, 3, 4, 5, 6]
    assert all(p.total == 6 for p in progress)
    assert progress[-1].percent == 100.0
    assert isinstance(events[-1], Finished)


@pytest.mark.asyncio
async def test_socket_drop_reconnects_and_polls(emu: Any) -> None:
    emu.configure(ws_drop_seconds=0.2, run_seconds=1.2)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params(samples=1))
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
    check_stream(events)
    assert isinstance(events[-1], Finished)
    stats = emu.stats()
    assert stats["faults"].get("ws_drop", 0) >= 1
    assert stats["websocket_connections"] >= 2
    assert stats["websocket_subscriptions"] >= 2


@pytest.mark.asyncio
async def test_socket_refused_falls_back_to_polling(emu: Any) -> None:
    emu.configure(ws_reject_rate=1.0)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params(samples=1))
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
    check_stream(events)
    assert isinstance(events[-2], OutputsAnnounced)
    assert isinstance(events[-1], Finished)
    stats = emu.stats()
    assert stats["websocket_connections"] == 0
    assert stats["task_detail_calls"][run.task_id] >= 2


# --- failures -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_concurrency_limit(emu: Any) -> None:
    emu.configure(step_mode=True, concurrency_limit=1)
    async with client_for(emu) as client:
        first = await client.run(OWNER, PROJECT, params())
        with pytest.raises(ConcurrencyLimitError) as info:
            await client.run(OWNER, PROJECT, params())
        assert info.value.code == 96
        await client.cancel(first.task_id)
        await client.run(OWNER, PROJECT, params())
    stats = emu.stats()
    assert stats["run_calls"] == 3 and stats["tasks_created"] == 2


@pytest.mark.asyncio
async def test_insufficient_balance(emu: Any) -> None:
    emu.configure(insufficient_balance=True)
    async with client_for(emu) as client:
        with pytest.raises(InsufficientBalanceError) as info:
            await client.run(OWNER, PROJECT, params())
    assert info.value.code == 97
    assert emu.stats()["run_calls"] == 1 and emu.stats()["tasks_created"] == 0


@pytest.mark.asyncio
async def test_failed_run(emu: Any) -> None:
    emu.configure(fail_rate=1.0)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params())
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
    check_stream(events)
    failed = events[-1]
    assert isinstance(failed, Failed)
    assert "CUDA out of memory" in failed.debug_error
    assert failed.task is not None and failed.task.pexit == "1"
    assert failed.task.total_cost == 0
    assert not any(isinstance(e, OutputsAnnounced) for e in events)
    assert any(isinstance(e, LogLine) and e.stream == "stderr" for e in events)


@pytest.mark.asyncio
async def test_task_error_grace_then_kill(emu: Any) -> None:
    emu.configure(task_error_rate=1.0)
    async with client_for(emu) as client:
        run = await client.run(OWNER, PROJECT, params())
        watcher = watcher_for(client, error_grace_seconds=0.3)
        events = await follow(watcher, run)
        await watcher.aclose()
        failed = events[-1]
        assert isinstance(failed, Failed)
        assert "task_error" in [e.status for e in events if isinstance(e, StatusChanged)]
        assert "could not load model weights" in failed.debug_error
        killed = await client.kill(task_id=run.task_id)
        assert killed is not None and killed.status == "task_cancel"


@pytest.mark.asyncio
async def test_server_errors_retry_reads_but_never_run(emu: Any) -> None:
    emu.configure(
        http_error_rate=1.0,
        http_error_status=503,
        http_error_retry_after=1,
        http_error_endpoints=["Task/Detail"],
    )
    sleep = RecordingSleep()
    async with client_for(emu, sleep=sleep, read_retries=3) as client:
        with pytest.raises(ServerError) as info:
            await client.task_detail(task_id="1")
        assert info.value.http_status == 503
        assert sleep.delays == [1.0, 1.0, 1.0]
        assert emu.stats()["requests"]["Task/Detail"] == 4

        emu.configure(http_error_endpoints=["Run"])
        with pytest.raises(ServerError):
            await client.run(OWNER, PROJECT, params())
    stats = emu.stats()
    assert stats["run_calls"] == 1 and stats["tasks_created"] == 0


@pytest.mark.asyncio
async def test_dropped_connections(emu: Any) -> None:
    emu.configure(drop_rate=1.0, drop_endpoints=["Run"], drop_after_handling=True)
    sleep = RecordingSleep()
    async with client_for(emu, sleep=sleep, read_retries=2) as client:
        with pytest.raises(NetworkError) as info:
            await client.run(OWNER, PROJECT, params())
        assert info.value.request_sent is True
        assert "may have started" in info.value.message
        stats = emu.stats()
        assert stats["run_calls"] == 1
        assert stats["tasks_created"] == 1  # the answer was lost but the task exists

        emu.configure(drop_endpoints=["Task/Detail"])
        with pytest.raises(NetworkError):
            await client.task_detail(task_id="1")
        assert emu.stats()["requests"]["Task/Detail"] == 3
        assert len(sleep.delays) == 2

        emu.configure(drop_rate=0.0)
        assert await client.task_detail(task_id="1") is None


@pytest.mark.asyncio
async def test_slow_answers_time_out(emu: Any) -> None:
    emu.configure(delay_seconds=1.0, delay_endpoints=["Task/Detail", "Run"])
    sleep = RecordingSleep()
    async with client_for(emu, sleep=sleep, timeout=0.2, read_retries=1) as client:
        with pytest.raises(NetworkError) as detail:
            await client.task_detail(task_id="1")
        assert detail.value.request_sent is True
        assert emu.stats()["requests"]["Task/Detail"] == 2
        with pytest.raises(NetworkError) as ran:
            await client.run(OWNER, PROJECT, params())
        assert ran.value.request_sent is True
    assert emu.stats()["run_calls"] == 1


@pytest.mark.asyncio
async def test_truncated_downloads(emu: Any, tmp_path: Path) -> None:
    sleep = RecordingSleep()
    async with client_for(emu, sleep=sleep, read_retries=2) as client:
        run = await client.run(OWNER, PROJECT, params(samples=1))
        watcher = watcher_for(client)
        events = await follow(watcher, run)
        await watcher.aclose()
        finished = events[-1]
        assert isinstance(finished, Finished)
        [output] = finished.task.outputs

        emu.configure(truncate_rate=1.0)
        with pytest.raises(NetworkError):
            await client.download(output.url, tmp_path / "0.png", expected_size=output.size)
        assert emu.stats()["faults"]["truncate"] == 3
        assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []

        emu.configure(truncate_rate=0.0)
        result = await client.download(output.url, tmp_path / "0.png", expected_size=output.size)
        assert result.size == output.size
    no_secret_leaks(emu)
