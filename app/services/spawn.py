"""The one way to start background coroutines: strong references, errors made visible."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

ErrorHandler = Callable[[BaseException, str], None]


class Spawner:
    """Keeps every task it starts alive until done and reports failures to a handler."""

    def __init__(self, on_error: ErrorHandler | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error
        self._closed = False

    def spawn(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        name: str = "",
        on_error: ErrorHandler | None = None,
    ) -> asyncio.Task[Any]:
        if self._closed:
            coro.close()
            raise RuntimeError("spawner is closed")
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, name, on_error))
        return task

    def _done(self, task: asyncio.Task[Any], name: str, on_error: ErrorHandler | None) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        handler = on_error or self._on_error
        if handler is None:
            log.error("background task %s failed", name or task.get_name(), exc_info=exc)
            return
        try:
            handler(exc, name)
        except Exception:
            log.exception("error handler failed for %s", name)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Cancels everything still running and waits (bounded) until it has unwound."""
        self._closed = True
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if not t.done() and t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(tasks, timeout=timeout)
        self._tasks.clear()
