"""TaskWatcher with a fake in-process socket and a MockTransport Wiro."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from app.api.client import WiroClient
from app.api.errors import WiroError
from app.api.events import (
    Cancelled,
    Failed,
    Finished,
    LogLine,
    OutputsAnnounced,
    Progress,
    StatusChanged,
    TaskEvent,
    output_events,
    parse_frame,
    progress_from,
)
from app.api.watcher import TaskWatcher
from app.core.status import status_phase
from tests.api.fakes import (
    FakeSocketHub,
    FakeWiro,
    frame,
    make_client,
    output_record,
    wait_until,
)

PROGRESS = {
    "type": "progressGenerate",
    "task": "Generate",
    "percentage": "60",
    "stepCurrent": "12",
    "stepTotal": "20",
    "speed": "7.1",
    "speedType": "it/s",
    "elapsedTime": "2s",
    "remainingTime": "1s",
}


@pytest_asyncio.fixture
async def wiro() -> AsyncIterator[FakeWiro]:
    yield FakeWiro()


@pytest_asyncio.fixture
async def client(wiro: FakeWiro) -> AsyncIterator[WiroClient]:
    async with make_client(wiro, read_retries=0) as client:
        yield client


def make_watcher(client: WiroClient, hub: FakeSocketHub, **options: Any) -> TaskWatcher:
    options.setdefault("poll_interval", 0.02)
    options.setdefault("healthy_poll_interval", 60.0)
    options.setdefault("error_grace_seconds", 0.2)
    options.setdefault("reconnect_max_delay", 0.02)
    options.setdefault("socket_linger_seconds", 0)
    return TaskWatcher(client, connect=hub.connect, **options)


class Consumer:
    """Runs watch() in a task and keeps the events."""

    def __init__(self, watcher: TaskWatcher, task_id: str) -> None:
        self.events: list[TaskEvent] = []
        self.task = asyncio.create_task(self._run(watcher, task_id))

    async def _run(self, watcher: TaskWatcher, task_id: str) -> None:
        async for event in watcher.watch(task_id, f"tok-{task_id}"):
            self.events.append(event)

    def statuses(self) -> list[str]:
        return [e.status for e in self.events if isinstance(e, StatusChanged)]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    async def done(self, timeout: float = 5.0) -> list[TaskEvent]:
        await asyncio.wait_for(self.task, timeout)
        return self.events


def assert_no_pending_tasks() -> None:
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert others == []


def assert_one_final_event_last(events: list[TaskEvent]) -> None:
    finals = [e for e in events if isinstance(e, (Finished, Failed, Cancelled))]
    assert len(finals) == 1 and events[-1] is finals[0]


def assert_forward_only(statuses: list[str]) -> None:
    kept = [s for s in statuses if s != "task_error"]
    phases = [-1 if (p := status_phase(s)) is None else int(p) for s in kept]
    assert -1 not in phases and phases == sorted(phases) and len(set(kept)) == len(kept)


@pytest.mark.asyncio
async def test_full_run_over_a_healthy_socket(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("2221", "task_queue")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "2221")
    await wait_until(lambda: hub.subscriptions == ["tok-2221"])
    ws = hub.current
    assert ws.sent == [{"type": "task_info", "tasktoken": "tok-2221"}]
    await wait_until(lambda: wiro.detail_calls.get("2221") == 1)
    for kind in ("task_accept", "task_assign", "task_preprocess_start", "task_start"):
        ws.push(frame("2221", kind))
    ws.push(frame("2221", "task_output", PROGRESS))
    ws.push(frame("2221", "task_output", json.dumps({**PROGRESS, "stepCurrent": "20"})))
    ws.push(frame("2221", "task_output", "Loading weights\nDone"))
    ws.push(frame("2221", "task_error", "warning: something on stderr"))
    ws.push(frame("2221", "task_end"))
    ws.push(frame("2221", "task_postprocess_start"))
    await wait_until(lambda: "task_postprocess_start" in consumer.statuses())
    assert not consumer.task.done()  # task_end is not the end

    outputs = [output_record(0), output_record(1)]
    wiro.set("2221", "task_postprocess_end", pexit="0", outputs=outputs)
    ws.push(frame("2221", "task_postprocess_end", outputs))
    events = await consumer.done()

    assert_one_final_event_last(events)
    assert_forward_only(consumer.statuses())
    assert "task_end" in consumer.statuses()
    progress = consumer.of(Progress)
    assert progress[0].step == 12 and progress[0].total == 20 and progress[0].percent == 60.0
    assert progress[0].eta == "1s"
    assert progress[1].step == 20
    logs = consumer.of(LogLine)
    assert [(line.text, line.stream) for line in logs] == [
        ("Loading weights", "stdout"),
        ("Done", "stdout"),
        ("warning: something on stderr", "stderr"),
    ]
    [announced] = consumer.of(OutputsAnnounced)
    assert [o.name for o in announced.outputs] == ["0.png", "1.png"]
    assert events.index(announced) < len(events) - 1
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert finished.task.total_cost == pytest.approx(0.00351)
    assert len(finished.task.outputs) == 2
    assert wiro.detail_calls["2221"] <= 2
    await watcher.aclose()
    assert_no_pending_tasks()


@pytest.mark.asyncio
async def test_duplicate_and_backward_statuses_are_dropped(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("7", "task_queue")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "7")
    await wait_until(lambda: wiro.detail_calls.get("7") == 1)
    ws = hub.current
    for kind in ("task_start", "task_start", "task_accept", "task_queue", "task_output"):
        ws.push(frame("7", kind))
    ws.push(frame("7", "task_unknown_new_type", {"x": 1}))
    ws.push(frame("7", "task_cancel"))
    wiro.set("7", "task_cancel")
    await consumer.done()
    assert consumer.statuses()[-3:] == ["task_start", "task_output", "task_cancel"]
    assert consumer.statuses().count("task_start") == 1
    assert_forward_only(consumer.statuses())
    assert isinstance(consumer.events[-1], Cancelled)
    assert consumer.events[-1].task is not None
    await watcher.aclose()


@pytest.mark.asyncio
async def test_tasks_share_one_connection(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    for task_id in ("1", "2", "3"):
        wiro.set(task_id, "task_queue")
    watcher = make_watcher(client, hub)
    consumers = [Consumer(watcher, task_id) for task_id in ("1", "2", "3")]
    await wait_until(
        lambda: sorted(s or "" for s in hub.subscriptions) == ["tok-1", "tok-2", "tok-3"]
    )
    assert len(hub.connections) == 1
    ws = hub.current
    for task_id in ("1", "2", "3"):
        wiro.set(task_id, "task_postprocess_end", pexit="0", outputs=[output_record()])
        ws.push(frame(task_id, "task_postprocess_end", [output_record()]))
    for consumer in consumers:
        assert isinstance((await consumer.done())[-1], Finished)
    assert all(count <= 2 for count in wiro.detail_calls.values())
    await watcher.aclose()
    assert_no_pending_tasks()


@pytest.mark.asyncio
async def test_drop_reconnects_resubscribes_and_reads_current_state(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("9", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "9")
    await wait_until(lambda: wiro.detail_calls.get("9") == 1)
    hub.refuse = 2
    wiro.set("9", "task_output")
    hub.current.drop()
    await wait_until(lambda: len(hub.connections) == 2 and len(hub.subscriptions) == 2)
    assert hub.subscriptions == ["tok-9", "tok-9"]
    await wait_until(lambda: "task_output" in consumer.statuses())
    assert wiro.detail_calls["9"] >= 2
    wiro.set("9", "task_postprocess_end", pexit="0", outputs=[output_record()])
    hub.current.push(frame("9", "task_postprocess_end", [output_record()]))
    events = await consumer.done()
    assert isinstance(events[-1], Finished)
    assert_one_final_event_last(events)
    await watcher.aclose()


@pytest.mark.asyncio
async def test_polling_fallback_without_socket(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    hub.refuse = 10**9
    wiro.set("5", "task_queue")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "5")
    await wait_until(lambda: wiro.detail_calls.get("5", 0) >= 2)
    wiro.set("5", "task_start")
    await wait_until(lambda: "task_start" in consumer.statuses())
    wiro.set("5", "task_postprocess_end", pexit="0", outputs=[output_record()])
    events = await consumer.done()
    assert isinstance(events[-2], OutputsAnnounced)
    assert isinstance(events[-1], Finished)
    assert not watcher.socket_connected
    await watcher.aclose()
    assert_no_pending_tasks()


@pytest.mark.asyncio
async def test_failed_run_reports_debugerror(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("3", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "3")
    await wait_until(lambda: wiro.detail_calls.get("3") == 1)
    wiro.set("3", "task_postprocess_end", pexit="1", debugerror="CUDA out of memory")
    hub.current.push(frame("3", "task_postprocess_end", []))
    events = await consumer.done()
    failed = events[-1]
    assert isinstance(failed, Failed)
    assert failed.debug_error == "CUDA out of memory"
    assert "exit code 1" in failed.reason
    assert failed.task is not None and failed.task.total_cost == 0
    assert consumer.of(OutputsAnnounced) == []
    await watcher.aclose()


@pytest.mark.asyncio
async def test_task_error_grace_then_failed(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("4", "task_error", debugerror="Model failed to load")
    watcher = make_watcher(client, hub, error_grace_seconds=0.15)
    consumer = Consumer(watcher, "4")
    events = await consumer.done()
    assert consumer.statuses() == ["task_error"]
    failed = events[-1]
    assert isinstance(failed, Failed)
    assert failed.debug_error == "Model failed to load"
    assert wiro.detail_calls["4"] >= 2
    await watcher.aclose()


@pytest.mark.asyncio
async def test_stderr_before_start_looks_for_a_stored_task_error(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("10", "task_preprocess_start")
    watcher = make_watcher(client, hub, healthy_poll_interval=600, error_grace_seconds=0.1)
    consumer = Consumer(watcher, "10")
    await wait_until(lambda: wiro.detail_calls.get("10") == 1)
    wiro.set("10", "task_error", debugerror="Preprocess failed")
    hub.current.push(frame("10", "task_error", "Preprocess failed"))
    events = await consumer.done()
    assert isinstance(events[-1], Failed)
    assert events[-1].debug_error == "Preprocess failed"
    assert consumer.of(LogLine) == [LogLine("10", "Preprocess failed", "stderr")]
    await watcher.aclose()


@pytest.mark.asyncio
async def test_stderr_after_start_costs_no_extra_reads(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("16", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "16")
    await wait_until(lambda: wiro.detail_calls.get("16") == 1)
    hub.current.push(frame("16", "task_start"))
    hub.current.push(frame("16", "task_error", "FutureWarning: deprecated"))
    wiro.set("16", "task_postprocess_end", pexit="0", outputs=[output_record()])
    hub.current.push(frame("16", "task_postprocess_end", [output_record()]))
    assert isinstance((await consumer.done())[-1], Finished)
    assert wiro.detail_calls["16"] == 2
    await watcher.aclose()


@pytest.mark.asyncio
async def test_task_error_that_recovers_is_not_a_failure(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("6", "task_error", debugerror="transient")
    watcher = make_watcher(client, hub, error_grace_seconds=30)
    consumer = Consumer(watcher, "6")
    await wait_until(lambda: "task_error" in consumer.statuses())
    wiro.set("6", "task_start")
    await wait_until(lambda: "task_start" in consumer.statuses())
    wiro.set("6", "task_postprocess_end", pexit="0", outputs=[output_record()])
    hub.current.push(frame("6", "task_postprocess_end", [output_record()]))
    assert isinstance((await consumer.done())[-1], Finished)
    await watcher.aclose()


@pytest.mark.asyncio
async def test_kill_ends_in_cancelled(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("8", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "8")
    await wait_until(lambda: wiro.detail_calls.get("8") == 1)
    killed = await client.kill(task_id="8")
    assert killed is not None and killed.status == "task_cancel"
    hub.current.push(frame("8", "task_cancel"))
    events = await consumer.done()
    assert isinstance(events[-1], Cancelled)
    await watcher.aclose()


@pytest.mark.asyncio
async def test_consumer_cancellation_leaves_nothing_pending(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("11", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "11")
    await wait_until(lambda: wiro.detail_calls.get("11") == 1)
    consumer.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer.task
    assert_no_pending_tasks()
    assert hub.current.closed
    await watcher.aclose()


@pytest.mark.asyncio
async def test_aclose_ends_open_watches(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("12", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "12")
    await wait_until(lambda: wiro.detail_calls.get("12") == 1)
    await watcher.aclose()
    with pytest.raises(WiroError):
        await asyncio.wait_for(consumer.task, 5)
    assert_no_pending_tasks()
    with pytest.raises(WiroError):
        async for _ in watcher.watch("13", "tok-13"):
            pass


@pytest.mark.asyncio
async def test_final_record_that_never_arrives(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("14", "task_end")
    watcher = make_watcher(client, hub, final_read_attempts=3)
    consumer = Consumer(watcher, "14")
    await wait_until(lambda: wiro.detail_calls.get("14") == 1)
    hub.current.push(frame("14", "task_postprocess_end", [output_record()]))
    events = await consumer.done()
    assert isinstance(events[-1], Failed)
    assert "final record" in events[-1].reason
    assert len(consumer.of(OutputsAnnounced)) == 1
    assert wiro.detail_calls["14"] == 4
    await watcher.aclose()


@pytest.mark.asyncio
async def test_lost_track_after_bounded_read_errors(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    hub.refuse = 10**9
    watcher = make_watcher(client, hub, max_read_errors=3)
    consumer = Consumer(watcher, "404")
    events = await consumer.done()
    assert isinstance(events[-1], Failed)
    assert "no record" in events[-1].reason
    assert wiro.detail_calls["404"] == 3
    await watcher.aclose()


@pytest.mark.asyncio
async def test_auth_error_fails_at_once(hub: FakeSocketHub) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"result": False, "errors": ["not valid"]})

    async with make_client(handler) as client:
        watcher = make_watcher(client, hub)
        events = await Consumer(watcher, "1").done()
        assert isinstance(events[-1], Failed) and events[-1].reason == "not valid"
        await watcher.aclose()


@pytest.mark.asyncio
async def test_hostile_frames_are_ignored(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("15", "task_start")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "15")
    await wait_until(lambda: wiro.detail_calls.get("15") == 1)
    ws = hub.current
    for raw in ("not json", "[]", "null", '{"type": 5}', "[" * 50_000, "x" * (2 * 1024 * 1024)):
        ws.push(raw)
    ws.push({"type": "task_output", "id": "other", "tasktoken": "tok-other", "message": "x"})
    ws.push(frame("15", "task_output", {"percentage": "1e999", "stepCurrent": [], "x": {}}))
    ws.push(frame("15", "task_output", {"no": "progress"}))
    ws.push(frame("15", "task_postprocess_end", "not a list"))
    wiro.set("15", "task_postprocess_end", pexit="0", outputs=[output_record()])
    events = await consumer.done()
    assert isinstance(events[-1], Finished)
    assert consumer.of(LogLine) == []
    assert consumer.of(Progress) == []
    await watcher.aclose()


def test_progress_parsing() -> None:
    progress = progress_from("1", PROGRESS)
    assert progress is not None
    assert (progress.step, progress.total, progress.percent, progress.eta) == (12, 20, 60.0, "1s")
    assert progress_from("1", json.dumps(PROGRESS)) == progress
    only_steps = progress_from("1", {"stepCurrent": "5", "stepTotal": "20"})
    assert only_steps is not None and only_steps.percent == 25.0
    assert progress_from("1", {"percentage": "250"}).percent == 100.0  # type: ignore[union-attr]
    assert progress_from("1", "plain log") is None
    assert output_events("1", "a\n\nb") == [LogLine("1", "a"), LogLine("1", "b")]
    assert output_events("1", '{"not": "progress"}') == [LogLine("1", '{"not": "progress"}')]


def test_frame_parsing() -> None:
    parsed = parse_frame(json.dumps(frame("2221", "task_start")))
    assert parsed is not None and parsed.task_id == "2221" and parsed.token == "tok-2221"
    assert parse_frame(b'{"type": "task_start", "id": 2221}').task_id == "2221"  # type: ignore[union-attr]
    for raw in ("", "{}", '{"type": ""}', '"str"', "{bad"):
        assert parse_frame(raw) is None


def test_unsafe_socket_url_is_refused() -> None:
    from app.api.client import ApiConfig

    with pytest.raises(ValueError):
        ApiConfig(socket_url="ws://socket.wiro.ai/v1")
    with pytest.raises(ValueError):
        ApiConfig(socket_url="https://socket.wiro.ai/v1")


@pytest.mark.asyncio
async def test_real_websocket_over_loopback(wiro: FakeWiro) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    received: list[dict[str, Any]] = []
    user_agents: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        user_agents.append(connection.request.headers.get("User-Agent", ""))
        async for message in connection:
            data = json.loads(message)
            received.append(data)
            task_id = data["tasktoken"].removeprefix("tok-")
            await connection.send(json.dumps(frame(task_id, "task_start")))
            await connection.send(json.dumps(frame(task_id, "task_output", PROGRESS)))
            await wait_until(lambda tid=task_id: wiro.detail_calls.get(tid, 0) >= 1)
            wiro.set(task_id, "task_postprocess_end", pexit="0", outputs=[output_record()])
            await connection.send(
                json.dumps(frame(task_id, "task_postprocess_end", [output_record()]))
            )

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        wiro.set("21", "task_queue")
        async with make_client(
            wiro,
            read_retries=0,
            base_url=f"http://127.0.0.1:{port}/v1",
            socket_url=f"ws://127.0.0.1:{port}/socket/v1",
            insecure_hosts=frozenset({f"127.0.0.1:{port}"}),
        ) as client:
            watcher = TaskWatcher(client, poll_interval=0.05, healthy_poll_interval=60)
            events = await Consumer(watcher, "21").done()
            await watcher.aclose()
    assert received == [{"type": "task_info", "tasktoken": "tok-21"}]
    assert user_agents and user_agents[0].startswith("WiroStudio/")
    assert any(isinstance(e, Progress) for e in events)
    assert isinstance(events[-1], Finished)
    assert wiro.detail_calls["21"] <= 2


@pytest.mark.asyncio
async def test_task_without_token_is_polled(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("17", "task_start")
    watcher = make_watcher(client, hub)

    async def collect() -> list[TaskEvent]:
        return [event async for event in watcher.watch("17", None)]

    following = asyncio.create_task(collect())
    await wait_until(lambda: wiro.detail_calls.get("17", 0) >= 2)
    wiro.set("17", "task_postprocess_end", pexit="0", outputs=[output_record()])
    events = await asyncio.wait_for(following, 5)
    assert isinstance(events[-1], Finished)
    assert hub.subscriptions == []
    await watcher.aclose()


@pytest.mark.asyncio
async def test_bad_intervals_are_refused(client: WiroClient, hub: FakeSocketHub) -> None:
    with pytest.raises(ValueError):
        TaskWatcher(client, connect=hub.connect, poll_interval=0)
    with pytest.raises(ValueError):
        TaskWatcher(client, connect=hub.connect, poll_interval=5, healthy_poll_interval=1)


@pytest.mark.asyncio
async def test_socket_lingers_so_the_next_task_reuses_it(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    watcher = make_watcher(client, hub, socket_linger_seconds=0.3)
    for task_id in ("21", "22"):
        wiro.set(task_id, "task_start")
        consumer = Consumer(watcher, task_id)
        await wait_until(lambda t=task_id: f"tok-{t}" in hub.subscriptions)
        wiro.set(task_id, "task_postprocess_end", pexit="0", outputs=[output_record()])
        hub.current.push(frame(task_id, "task_postprocess_end", [output_record()]))
        assert isinstance((await consumer.done())[-1], Finished)
    assert len(hub.connections) == 1, "the second task reused the lingering socket"
    await wait_until(lambda: hub.current.closed, timeout=3)
    assert not watcher.socket_connected
    await watcher.aclose()
    assert_no_pending_tasks()


@pytest.mark.asyncio
async def test_out_of_rank_statuses_are_shown_and_stale_ones_ignored(
    client: WiroClient, hub: FakeSocketHub, wiro: FakeWiro
) -> None:
    wiro.set("2221", "task_queue")
    watcher = make_watcher(client, hub)
    consumer = Consumer(watcher, "2221")
    await wait_until(lambda: hub.subscriptions == ["tok-2221"])
    ws = hub.current
    await wait_until(lambda: wiro.detail_calls.get("2221") == 1)
    # assign before preprocessing (older servers), preprocessing after it: all shown
    for kind in ("task_accept", "task_assign", "task_preprocess_start", "task_preprocess_end"):
        ws.push(frame("2221", kind))
    ws.push(frame("2221", "task_queue"))  # queued after preparing: stale
    ws.push(frame("2221", "task_start", {"percentage": "42.5", "stepCurrent": "2"}))
    ws.push(frame("2221", "task_accept"))  # preparing after running: stale
    ws.push(frame("2221", "task_output_full", {"raw": "all of it"}))  # a log, not a state
    outputs = [output_record(0)]
    wiro.set("2221", "task_postprocess_end", pexit="0", outputs=outputs)
    ws.push(frame("2221", "task_postprocess_end", outputs))
    events = await consumer.done()
    assert consumer.statuses() == [
        "task_queue",
        "task_accept",
        "task_assign",
        "task_preprocess_start",
        "task_preprocess_end",
        "task_start",
        "task_postprocess_end",
    ]
    progress = consumer.of(Progress)
    assert progress and progress[0].step == 2 and progress[0].percent == 42.5
    assert isinstance(events[-1], Finished)
