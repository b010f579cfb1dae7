"""Follows tasks to their end over one shared WebSocket, with Task/Detail polling as fallback."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace

from app.api.client import WiroClient
from app.api.download import check_url
from app.api.errors import AuthError, BadResponseError, UnsafeUrlError, WiroError
from app.api.events import (
    FINAL_EVENTS,
    Cancelled,
    Failed,
    Finished,
    Frame,
    LogLine,
    OutputsAnnounced,
    Progress,
    StatusChanged,
    TaskEvent,
    log_lines,
    output_events,
    parse_frame,
    progress_from,
)
from app.api.models import Task, parse_outputs
from app.api.watch_parts import (
    Connect,
    SocketLike,
    WatchState,
    close_quietly,
    default_connect,
    failure_reason,
)
from app.core.status import (
    LIFECYCLE,
    Outcome,
    StatusPhase,
    TaskStatus,
    is_stale,
    status_phase,
)

__all__ = [
    "Cancelled",
    "Failed",
    "Finished",
    "LogLine",
    "OutputsAnnounced",
    "Progress",
    "StatusChanged",
    "TaskEvent",
    "TaskWatcher",
]

_LIFECYCLE_TYPES = frozenset(str(s) for s in LIFECYCLE) | {str(TaskStatus.CANCEL)}
_FINAL_TYPES = frozenset({str(TaskStatus.POSTPROCESS_END), str(TaskStatus.CANCEL)})
_LOG_TYPES = frozenset({str(TaskStatus.OUTPUT_FULL), str(TaskStatus.ERROR_FULL)})
_ERROR_HINT_READS = 3
_CLOSED = object()
_HEALTHY = 30.0  # seconds a socket must last before its next failure restarts the backoff


class TaskWatcher:
    """Turns Wiro's socket frames and Task/Detail reads into one typed event stream per task."""

    def __init__(
        self,
        client: WiroClient,
        *,
        connect: Connect | None = None,
        poll_interval: float = 2.0,
        healthy_poll_interval: float = 15.0,
        error_grace_seconds: float = 60,
        reconnect_max_delay: float = 10,
        max_watch_seconds: float = 6 * 3600,
        max_read_errors: int = 10,
        final_read_attempts: int = 10,
        connect_timeout: float = 20.0,
        socket_linger_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        try:
            check_url(client.config.socket_url, client.config.insecure_hosts, secure_scheme="wss")
        except UnsafeUrlError as exc:
            raise ValueError(f"unsafe WebSocket address: {exc.message}") from exc
        if not 0 < poll_interval <= healthy_poll_interval or reconnect_max_delay <= 0:
            raise ValueError("poll intervals and reconnect delay must be positive, healthy >= poll")
        self._client = client
        self._url = client.config.socket_url
        self._connect = connect if connect is not None else default_connect
        self._poll = poll_interval
        self._healthy_poll = healthy_poll_interval
        self._grace = error_grace_seconds
        self._reconnect_max = reconnect_max_delay
        self._max_watch = max_watch_seconds
        self._max_read_errors = max_read_errors
        self._final_reads = final_read_attempts
        self._connect_timeout = connect_timeout
        self._linger = max(0.0, socket_linger_seconds)
        self._idle_close: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._watches: set[WatchState] = set()
        self._socket_task: asyncio.Task[None] | None = None
        self._ws: SocketLike | None = None
        self._conn_id = 0
        self._closed = False
        self.stats: dict[str, int] = {"connects": 0, "frames": 0}

    @property
    def socket_connected(self) -> bool:
        return self._ws is not None

    async def watch(self, task_id: str, token: str | None) -> AsyncGenerator[TaskEvent, None]:
        """Events for one task, ending after exactly one Finished, Failed or Cancelled."""
        if self._closed:
            raise WiroError("The task watcher has been closed.")
        watch = WatchState(str(task_id), token or "", self._clock())
        self._watches.add(watch)
        if self._idle_close is not None:  # a lingering socket serves this task too
            self._idle_close.cancel()
            self._idle_close = None
        watch.driver = asyncio.create_task(self._drive(watch), name=f"wiro-watch-{task_id}")
        self._ensure_socket()
        try:
            while True:
                event = await watch.queue.get()
                if event is _CLOSED:
                    raise WiroError("The task watcher was closed before the task ended.")
                yield event  # type: ignore[misc]
                if isinstance(event, FINAL_EVENTS):
                    return
        finally:
            await self._release(watch)

    async def aclose(self) -> None:
        """Stops all background work; open watch() iterators raise WiroError."""
        self._closed = True
        if self._idle_close is not None:
            self._idle_close.cancel()
            self._idle_close = None
        pending = [w.driver for w in self._watches if w.driver is not None]
        pending.extend(self._closing)
        for watch in list(self._watches):
            watch.done = True
            watch.queue.put_nowait(_CLOSED)
        socket_task, self._socket_task = self._socket_task, None
        if socket_task is not None:
            pending.append(socket_task)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _release(self, watch: WatchState) -> None:
        watch.done = True
        self._watches.discard(watch)
        if watch.driver is not None:
            watch.driver.cancel()
            await asyncio.gather(watch.driver, return_exceptions=True)
        if self._watches:
            return
        if self._linger > 0 and not self._closed:
            # Keep the socket a while: an artist's next generation reuses the connection.
            loop = asyncio.get_running_loop()
            self._idle_close = loop.call_later(self._linger, self._close_idle_socket)
            return
        socket_task, self._socket_task = self._socket_task, None
        if socket_task is not None:
            socket_task.cancel()
            await asyncio.gather(socket_task, return_exceptions=True)

    def _close_idle_socket(self) -> None:
        self._idle_close = None
        if self._watches or self._socket_task is None:
            return
        task, self._socket_task = self._socket_task, None
        task.cancel()
        self._closing.add(task)  # referenced until it has unwound
        task.add_done_callback(self._closing.discard)

    # --- the shared socket -----------------------------------------------------------------

    def _ensure_socket(self) -> None:
        if self._closed:
            return
        if self._socket_task is None or self._socket_task.done():
            self._socket_task = asyncio.create_task(self._socket_loop(), name="wiro-socket")

    async def _socket_loop(self) -> None:
        attempt = 0
        last_failure = ""
        while self._watches and not self._closed:
            ws: SocketLike | None = None
            connected_at: float | None = None
            try:
                ws = await asyncio.wait_for(self._connect(self._url), self._connect_timeout)
                self.stats["connects"] += 1
                connected_at = self._clock()
                self._conn_id += 1
                self._ws = ws
                for watch in list(self._watches):
                    await self._subscribe(watch, ws, self._conn_id)
                while True:
                    self._dispatch(await ws.recv())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any socket failure: reconnect, poll meanwhile
                # The backoff restarts only after a connection that lasted, or a different
                # failure: one that keeps failing the same way (a frame over the size limit,
                # say) is retried ever more slowly, not several times a second.
                failure = f"{type(exc).__name__}: {exc}"[:200]
                lasted = connected_at is not None and self._clock() - connected_at >= _HEALTHY
                if lasted or failure != last_failure:
                    attempt = 0
                last_failure = failure
            finally:
                if ws is not None:
                    if self._ws is ws:
                        self._ws = None
                    await close_quietly(ws)
                for watch in self._watches:
                    watch.wake.set()
            if not self._watches or self._closed:
                return
            ceiling = min(self._reconnect_max, 0.25 * 2 ** min(attempt, 20))
            self.stats["reconnect_delay_ms"] = int(ceiling * 1000)
            attempt += 1
            await asyncio.sleep(ceiling * (0.5 + 0.5 * self._rng.random()))

    async def _subscribe(self, watch: WatchState, ws: SocketLike, conn: int) -> None:
        if watch.done or not watch.token or watch.conn == conn:
            return
        watch.conn = conn
        await ws.send(json.dumps({"type": "task_info", "tasktoken": watch.token}))
        watch.request_read()

    def _dispatch(self, raw: str | bytes) -> None:
        self.stats["frames"] += 1
        frame = parse_frame(raw)
        if frame is None:
            return
        sanitizer = self._client.sanitizer
        if sanitizer.needs_walk(raw):
            frame = replace(frame, message=sanitizer.tree(frame.message))
        for watch in list(self._watches):
            if watch.done:
                continue
            if frame.token and watch.token:
                matches = frame.token == watch.token
            else:
                matches = bool(frame.task_id) and frame.task_id == watch.task_id
            if matches:
                self._apply_frame(watch, frame)

    def _apply_frame(self, watch: WatchState, frame: Frame) -> None:
        kind = frame.type
        if kind == TaskStatus.OUTPUT:
            if is_stale(kind, watch.phase):
                return
            self._advance(watch, kind)
            for event in output_events(watch.task_id, frame.message):
                watch.emit(event)
        elif kind == TaskStatus.ERROR:
            for line in log_lines(frame.message):
                watch.emit(LogLine(task_id=watch.task_id, text=line, stream="stderr"))
            before_start = watch.phase is None or watch.phase < StatusPhase.RUNNING
            if before_start and watch.error_since is None:
                # Before the model runs, stderr may mean a stored task_error: look sooner.
                watch.error_hint_reads = _ERROR_HINT_READS
                watch.wake.set()
        elif kind in _LOG_TYPES:
            pass  # the whole log again (websocket.md): its lines were already shown one by one
        elif kind in _LIFECYCLE_TYPES:
            self._advance(watch, kind)
            if kind == TaskStatus.POSTPROCESS_END:
                self._announce(watch, frame.message)
            elif frame.message is not None:
                # WiroKit decodes a progress object on any frame, not only task_output.
                progress = progress_from(watch.task_id, frame.message)
                if progress is not None:
                    watch.emit(progress)
            if kind in _FINAL_TYPES:
                watch.socket_final = kind
                watch.request_read()

    def _announce(self, watch: WatchState, message: object) -> None:
        try:
            outputs = tuple(o for o in parse_outputs(message) if o.url)
        except BadResponseError:
            return
        if outputs and not watch.announced:
            watch.announced = True
            watch.emit(OutputsAnnounced(task_id=watch.task_id, outputs=outputs))

    def _advance(self, watch: WatchState, status: str) -> None:
        """Shows a status unless it is stale: one from an earlier phase than the current one.

        Inside a phase any order is accepted (e.g. assign after preprocess, as tasks.md
        documents, or before it, as older servers sent it); each status is shown once.
        """
        phase = status_phase(status)
        if phase is None or is_stale(status, watch.phase) or status in watch.seen:
            return  # a read racing behind the socket repeats a status already shown
        watch.phase = phase
        watch.status = status
        watch.seen.add(status)
        watch.emit(StatusChanged(task_id=watch.task_id, status=status))

    # --- one task's driver -----------------------------------------------------------------

    async def _drive(self, watch: WatchState) -> None:
        try:
            ws = self._ws
            if ws is not None:
                try:
                    await self._subscribe(watch, ws, self._conn_id)
                except Exception:  # the socket loop notices the drop
                    watch.conn = 0
            if watch.token and watch.conn == 0 and not watch.needs_read:
                await self._wait(watch, self._poll)
            while not watch.done:
                await self._read(watch)
                if watch.done:
                    return
                await self._sleep_until_due(watch)
                self._check_deadlines(watch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the consumer must get a final event
            watch.emit(
                Failed(
                    task_id=watch.task_id,
                    reason=f"Following the task stopped unexpectedly ({type(exc).__name__}).",
                    task=watch.last_task,
                )
            )

    def _interval(self, watch: WatchState) -> float:
        if watch.socket_final or watch.error_since is not None or watch.error_hint_reads > 0:
            return self._poll
        healthy = self._ws is not None and watch.token and watch.conn == self._conn_id
        return self._healthy_poll if healthy else self._poll

    async def _wait(self, watch: WatchState, timeout: float) -> bool:
        """Waits for a wake-up or the timeout; True when woken."""
        if timeout <= 0:
            return False
        watch.wake.clear()
        try:
            await asyncio.wait_for(watch.wake.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _sleep_until_due(self, watch: WatchState) -> None:
        for _ in range(10_000):
            if watch.done or watch.needs_read:
                return
            now = self._clock()
            due = min(watch.last_read + self._interval(watch), watch.started + self._max_watch)
            if watch.error_since is not None:
                due = min(due, watch.error_since + self._grace)
            if not await self._wait(watch, due - now):
                return

    def _check_deadlines(self, watch: WatchState) -> None:
        if self._clock() - watch.started >= self._max_watch:
            hours = self._max_watch / 3600
            watch.emit(
                Failed(
                    task_id=watch.task_id,
                    reason=f"Stopped following the task after {hours:g} hours; "
                    "it may still finish on Wiro.",
                    task=watch.last_task,
                )
            )

    async def _read(self, watch: WatchState) -> None:
        watch.needs_read = False
        watch.last_read = self._clock()
        try:
            task = await self._client.task_detail(task_id=watch.task_id)
        except AuthError as exc:
            watch.emit(Failed(task_id=watch.task_id, reason=exc.message, task=watch.last_task))
            return
        except WiroError as exc:
            self._read_failed(watch, exc.message)
            return
        if task is None:
            self._read_failed(watch, "Wiro has no record of this task.")
            return
        watch.read_errors = 0
        watch.last_task = task
        watch.error_hint_reads = max(0, watch.error_hint_reads - 1)
        self._apply_task(watch, task)
        if not watch.done and watch.socket_final:
            watch.final_reads += 1
            if watch.final_reads >= self._final_reads:
                self._give_up_final(watch)

    def _read_failed(self, watch: WatchState, message: str) -> None:
        watch.read_errors += 1
        if watch.read_errors >= self._max_read_errors:
            watch.emit(
                Failed(
                    task_id=watch.task_id,
                    reason=f"Lost track of the task: {message}",
                    task=watch.last_task,
                )
            )

    def _give_up_final(self, watch: WatchState) -> None:
        last = watch.last_task
        if watch.socket_final == TaskStatus.CANCEL:
            watch.emit(Cancelled(task_id=watch.task_id, task=last))
            return
        watch.emit(
            Failed(
                task_id=watch.task_id,
                reason="Wiro said the task finished, but its final record never arrived.",
                debug_error=last.debug_error if last else "",
                task=last,
            )
        )

    def _apply_task(self, watch: WatchState, task: Task) -> None:
        if task.is_terminal:
            self._finish(watch, task)
            return
        if task.status == TaskStatus.ERROR:
            now = self._clock()
            if watch.error_since is None:
                watch.error_since = now
                watch.emit(StatusChanged(task_id=watch.task_id, status=task.status))
            if now - watch.error_since >= self._grace:
                watch.emit(
                    Failed(
                        task_id=watch.task_id,
                        reason="Wiro reported an error for this task and it did not recover.",
                        debug_error=task.debug_error,
                        task=task,
                    )
                )
            return
        watch.error_since = None
        self._advance(watch, task.status)

    def _finish(self, watch: WatchState, task: Task) -> None:
        self._advance(watch, task.status)
        result = task.outcome
        if result is Outcome.SUCCEEDED:
            if not watch.announced:
                watch.announced = True
                watch.emit(OutputsAnnounced(task_id=watch.task_id, outputs=task.outputs))
            watch.emit(Finished(task_id=watch.task_id, task=task))
        elif result is Outcome.CANCELLED:
            watch.emit(Cancelled(task_id=watch.task_id, task=task))
        else:
            watch.emit(
                Failed(
                    task_id=watch.task_id,
                    reason=failure_reason(task),
                    debug_error=task.debug_error,
                    task=task,
                )
            )
