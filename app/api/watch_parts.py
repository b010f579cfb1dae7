"""Pieces of the task watcher: the socket protocol it needs and one watched task's state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from app import USER_AGENT
from app.api.events import (
    FINAL_EVENTS,
    MAX_FRAME_BYTES,
    LogLine,
    Progress,
    StatusChanged,
    TaskEvent,
)
from app.api.models import Task
from app.core.status import StatusPhase, is_stale, status_phase

MAX_PENDING_CHATTER = 1000


class SocketLike(Protocol):
    """The slice of a websockets connection the watcher uses (so tests can fake it)."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...

    async def close(self) -> None: ...


Connect = Callable[[str], Awaitable[SocketLike]]


async def default_connect(url: str) -> SocketLike:
    from websockets.asyncio.client import connect

    return await connect(
        url,
        user_agent_header=USER_AGENT,
        open_timeout=15,
        close_timeout=2,
        ping_interval=20,
        ping_timeout=20,
        max_size=MAX_FRAME_BYTES,
    )


class WatchState:
    """Everything known about one watched task."""

    def __init__(self, task_id: str, token: str, now: float) -> None:
        self.task_id = task_id
        self.token = token
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.wake = asyncio.Event()
        self.needs_read = False
        self.conn = 0
        self.phase: StatusPhase | None = None
        self.status = ""
        self.seen: set[str] = set()
        self.socket_final = ""
        self.final_reads = 0
        self.announced = False
        self.error_since: float | None = None
        self.error_hint_reads = 0
        self.read_errors = 0
        self.last_task: Task | None = None
        self.started = now
        self.last_read = -1e18
        self.done = False
        self.driver: asyncio.Task[None] | None = None

    def emit(self, event: TaskEvent) -> None:
        if self.done:
            return
        if isinstance(event, (LogLine, Progress)) and self.queue.qsize() > MAX_PENDING_CHATTER:
            return
        if isinstance(event, FINAL_EVENTS):
            self.done = True
            self.wake.set()
        self.queue.put_nowait(event)

    def request_read(self) -> None:
        self.needs_read = True
        self.wake.set()

    def advance(self, status: str) -> None:
        """Shows a status unless it is stale: one from an earlier phase than the current one.

        Inside a phase any order is accepted (e.g. assign after preprocess, as tasks.md
        documents, or before it, as older servers sent it); each status is shown once.
        """
        phase = status_phase(status)
        if phase is None or is_stale(status, self.phase) or status in self.seen:
            return  # a read racing behind the socket repeats a status already shown
        self.phase = phase
        self.status = status
        self.seen.add(status)
        self.emit(StatusChanged(task_id=self.task_id, status=status))


def failure_reason(task: Task) -> str:
    """Plain English for a task that ended without success."""
    if task.pexit and task.pexit != "0":
        return f"The generation failed on Wiro (exit code {task.pexit})."
    if not task.outputs:
        return "The generation ended without producing any image."
    return "The generation failed on Wiro."


async def close_quietly(ws: SocketLike) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(), 2.0)
