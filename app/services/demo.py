"""The offline demo: the emulator on a loopback port in a background thread."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from app.core.credentials import Credentials

log = logging.getLogger(__name__)


@dataclass
class DemoServer:
    """A running emulator and the throw-away credentials it accepts."""

    runner: Any
    credentials: Credentials

    @property
    def base_url(self) -> str:
        return str(self.runner.base_url)

    @property
    def socket_url(self) -> str:
        return str(self.runner.socket_url)

    @classmethod
    def start(
        cls,
        queue_seconds: float = 0.6,
        run_seconds: float = 2.5,
        state_path: str | Path | None = None,
    ) -> DemoServer:
        """Blocking (a second at most): call it off the GUI thread.

        With ``state_path`` the emulator keeps its tasks in that file, so generations still
        running when the app was killed finish after the next start (new port, new keys:
        tasks are found by id or token, whatever credentials ask)."""
        from app.emulator.config import EmulatorConfig
        from app.emulator.runner import Emulator

        key, secret = "demo-" + secrets.token_hex(8), secrets.token_hex(16)
        config = EmulatorConfig(
            api_key=key,
            api_secret=secret,
            queue_seconds=queue_seconds,
            run_seconds=run_seconds,
            state_path=None if state_path is None else str(state_path),
        )
        runner = Emulator(config, host="127.0.0.1", port=0)
        runner.start()
        return cls(runner=runner, credentials=Credentials(key, secret))

    def stop(self) -> None:
        self.runner.stop()


class DemoServerSlot:
    """The app's one demo server: started once, off the event loop, and shared by every
    caller (the first may start it early, while the window is still loading); stopped on
    demand and at shutdown, after a start still in flight has ended."""

    def __init__(
        self,
        io: Callable[[Callable[[], Any]], Awaitable[Any]],
        state_path: Callable[[], Path],
    ) -> None:
        self._io = io  # runs a blocking call in the I/O thread
        self._state_path = state_path
        self.server: DemoServer | None = None
        self._starting: asyncio.Future[DemoServer] | None = None

    def start_soon(self) -> None:
        """Begins a start unless one is running or a server is up."""
        if self.server is None and (self._starting is None or self._starting.done()):
            self._starting = asyncio.ensure_future(self._start())
            self._starting.add_done_callback(_log_failed_start)  # read even if never awaited

    async def get(self) -> DemoServer:
        """The running server, started (or its start awaited) if need be."""
        if self.server is not None:
            return self.server
        self.start_soon()  # none yet, or one that failed or was stopped: start again
        assert self._starting is not None
        return await asyncio.shield(self._starting)

    async def settled(self, timeout: float | None = None) -> None:
        """Returns once no start is in flight (its outcome is the caller's to read)."""
        if self._starting is not None and not self._starting.done():
            await asyncio.wait([self._starting], timeout=timeout)

    async def stop(self, timeout: float | None = None) -> None:
        """Stops the server, after a start in flight (which would otherwise outlive this)."""
        await self.settled(timeout)
        if self.server is not None:
            server, self.server = self.server, None
            await self._io(server.stop)

    async def _start(self) -> DemoServer:
        server: DemoServer = await self._io(
            partial(DemoServer.start, state_path=self._state_path())
        )
        self.server = server
        return server


def _log_failed_start(starting: asyncio.Future[DemoServer]) -> None:
    if not starting.cancelled() and starting.exception() is not None:
        log.warning("the demo server did not start: %s", starting.exception())
