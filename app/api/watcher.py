"""Follows tasks to their end: one event stream per task, Task/Detail polling as fallback."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Callable

from app.api.client import WiroClient
from app.api.download import check_url
from app.api.errors import AuthError, UnsafeUrlError, WiroError
from app.api.events import (
    FINAL_EVENTS,
    Cancelled,
    Failed,
    Finished,
    LogLine,
    OutputsAnnounced,
    Progress,
    StatusChanged,
    TaskEvent,
)
from app.api.models import Task
from app.api.watch_parts import Connect, WatchState, default_connect, failure_reason
from app.api.watch_socket import SharedSocket
from app.core.status import Outcome, TaskStatus

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

_CLOSED = object()


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
        self._poll = poll_interval
        self._healthy_poll = healthy_poll_interval
        self._grace = error_grace_seconds
        self._max_watch = max_watch_seconds
        self._max_read_errors = max_read_errors
        self._final_reads = final_read_attempts
        self._clock = clock
        self._watches: set[WatchState] = set()
        self._closed = False
        self.stats: dict[str, int] = {"connects": 0, "frames": 0}
        self._socket = SharedSocket(
            client,
            self._watches,
            connect=connect if connect is not None else default_connect,
            connect_timeout=connect_timeout,
            reconnect_max_delay=reconnect_max_delay,
            linger_seconds=socket_linger_seconds,
            clock=clock,
            rng=rng if rng is not None else random.Random(),
            stats=self.stats,
        )

    @property
    def socket_connected(self) -> bool:
        return self._socket.connected

    async def watch(self, task_id: str, token: str | None) -> AsyncGenerator[TaskEvent, None]:
        """Events for one task, ending after exactly one Finished, Failed or Cancelled."""
        if self._closed:
            raise WiroError("The task watcher has been closed.")
        watch = WatchState(str(task_id), token or "", self._clock())
        self._watches.add(watch)
        self._socket.keep()
        watch.driver = asyncio.create_task(self._drive(watch), name=f"wiro-watch-{task_id}")
        self._socket.ensure()
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
        pending = [w.driver for w in self._watches if w.driver is not None]
        pending.extend(self._socket.shut())
        for watch in list(self._watches):
            watch.done = True
            watch.queue.put_nowait(_CLOSED)
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
        if not self._watches:
            await self._socket.idle()

    # --- one task's driver -----------------------------------------------------------------

    async def _drive(self, watch: WatchState) -> None:
        try:
            await self._socket.join(watch)
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
        return self._healthy_poll if self._socket.serves(watch) else self._poll

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
        watch.advance(task.status)

    def _finish(self, watch: WatchState, task: Task) -> None:
        watch.advance(task.status)
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
