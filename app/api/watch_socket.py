"""The task watcher's shared WebSocket: connect, subscribe, route frames, reconnect with backoff."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import replace

from app.api.client import WiroClient
from app.api.errors import BadResponseError
from app.api.events import (
    Frame,
    LogLine,
    OutputsAnnounced,
    log_lines,
    output_events,
    parse_frame,
    progress_from,
)
from app.api.models import parse_outputs
from app.api.watch_parts import Connect, SocketLike, WatchState, close_quietly
from app.core.status import LIFECYCLE, StatusPhase, TaskStatus, is_stale

_LIFECYCLE_TYPES = frozenset(str(s) for s in LIFECYCLE) | {str(TaskStatus.CANCEL)}
_FINAL_TYPES = frozenset({str(TaskStatus.POSTPROCESS_END), str(TaskStatus.CANCEL)})
_LOG_TYPES = frozenset({str(TaskStatus.OUTPUT_FULL), str(TaskStatus.ERROR_FULL)})
_ERROR_HINT_READS = 3
_HEALTHY = 30.0  # seconds a socket must last before its next failure restarts the backoff


class SharedSocket:
    """One connection serving every watched task, so N tasks never open N sockets."""

    def __init__(
        self,
        client: WiroClient,
        watches: set[WatchState],
        *,
        connect: Connect,
        connect_timeout: float,
        reconnect_max_delay: float,
        linger_seconds: float,
        clock: Callable[[], float],
        rng: random.Random,
        stats: dict[str, int],
    ) -> None:
        self._client = client
        self._url = client.config.socket_url
        self._watches = watches
        self._connect = connect
        self._connect_timeout = connect_timeout
        self._reconnect_max = reconnect_max_delay
        self._linger = max(0.0, linger_seconds)
        self._clock = clock
        self._rng = rng
        self._stats = stats
        self._idle_close: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._ws: SocketLike | None = None
        self._conn_id = 0
        self._closed = False

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def serves(self, watch: WatchState) -> bool:
        """True when the live connection carries this task's frames."""
        return self._ws is not None and bool(watch.token) and watch.conn == self._conn_id

    def keep(self) -> None:
        """Cancels a pending idle close: a lingering socket serves a new task too."""
        if self._idle_close is not None:
            self._idle_close.cancel()
            self._idle_close = None

    def ensure(self) -> None:
        if self._closed:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name="wiro-socket")

    async def join(self, watch: WatchState) -> None:
        """Subscribes a new task on the live connection, if there is one."""
        ws = self._ws
        if ws is not None:
            try:
                await self._subscribe(watch, ws, self._conn_id)
            except Exception:  # the socket loop notices the drop
                watch.conn = 0

    async def idle(self) -> None:
        """No task is watched any more: close now, or after the linger time."""
        if self._linger > 0 and not self._closed:
            # Keep the socket a while: an artist's next generation reuses the connection.
            loop = asyncio.get_running_loop()
            self._idle_close = loop.call_later(self._linger, self._close_idle)
            return
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def shut(self) -> list[asyncio.Task[None]]:
        """Stops for good; returns the background tasks for the caller to cancel and await."""
        self._closed = True
        self.keep()
        pending = list(self._closing)
        task, self._task = self._task, None
        if task is not None:
            pending.append(task)
        return pending

    def _close_idle(self) -> None:
        self._idle_close = None
        if self._watches or self._task is None:
            return
        task, self._task = self._task, None
        task.cancel()
        self._closing.add(task)  # referenced until it has unwound
        task.add_done_callback(self._closing.discard)

    async def _loop(self) -> None:
        attempt = 0
        last_failure = ""
        while self._watches and not self._closed:
            ws: SocketLike | None = None
            connected_at: float | None = None
            try:
                ws = await asyncio.wait_for(self._connect(self._url), self._connect_timeout)
                self._stats["connects"] += 1
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
            self._stats["reconnect_delay_ms"] = int(ceiling * 1000)
            attempt += 1
            await asyncio.sleep(ceiling * (0.5 + 0.5 * self._rng.random()))

    async def _subscribe(self, watch: WatchState, ws: SocketLike, conn: int) -> None:
        if watch.done or not watch.token or watch.conn == conn:
            return
        watch.conn = conn
        await ws.send(json.dumps({"type": "task_info", "tasktoken": watch.token}))
        watch.request_read()

    def _dispatch(self, raw: str | bytes) -> None:
        self._stats["frames"] += 1
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
                _apply_frame(watch, frame)


def _apply_frame(watch: WatchState, frame: Frame) -> None:
    kind = frame.type
    if kind == TaskStatus.OUTPUT:
        if is_stale(kind, watch.phase):
            return
        watch.advance(kind)
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
        watch.advance(kind)
        if kind == TaskStatus.POSTPROCESS_END:
            _announce(watch, frame.message)
        elif frame.message is not None:
            # WiroKit decodes a progress object on any frame, not only task_output.
            progress = progress_from(watch.task_id, frame.message)
            if progress is not None:
                watch.emit(progress)
        if kind in _FINAL_TYPES:
            watch.socket_final = kind
            watch.request_read()


def _announce(watch: WatchState, message: object) -> None:
    try:
        outputs = tuple(o for o in parse_outputs(message) if o.url)
    except BadResponseError:
        return
    if outputs and not watch.announced:
        watch.announced = True
        watch.emit(OutputsAnnounced(task_id=watch.task_id, outputs=outputs))
