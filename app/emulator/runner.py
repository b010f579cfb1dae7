"""Runs the emulator with uvicorn on its own thread and event loop, for tests and demo mode."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import uvicorn

from app.emulator import tasks as st
from app.emulator.config import EmulatorConfig
from app.emulator.faults import tracked_protocol
from app.emulator.server import EmulatorApp, advance

T = TypeVar("T")


class _Server(uvicorn.Server):
    """uvicorn's server, woken at once by stop() instead of on its next 0.1 s tick."""

    wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self.wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self.wake.wait()

    def request_exit(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.should_exit = True
        if loop is not None and self.wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.wake.set)


class Emulator:
    """A live Wiro emulator on loopback: ``with Emulator(cfg) as emu: emu.base_url``."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.app = EmulatorApp(config)
        self._host = host
        self._requested_port = port
        self._port = 0
        self._log_level = log_level
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def config(self) -> EmulatorConfig:
        return self.app.config

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def origin(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    @property
    def socket_url(self) -> str:
        return f"ws{self.origin.removeprefix('http')}/socket/v1"

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def api_secret(self) -> str | None:
        return self.config.api_secret

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> Emulator:
        """Bind, serve in the background and return once the server accepts connections."""
        if self._server is not None:
            raise RuntimeError("emulator already started")
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that name it
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        if os.name != "nt":  # on Windows SO_REUSEADDR would let another process share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._requested_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self._port = sock.getsockname()[1]
        self.app.state.origin = self.origin  # loaded tasks' output URLs follow the new port
        uv_config = uvicorn.Config(
            self.app,
            http=tracked_protocol(self.app.state.connections),
            ws="websockets-sansio",
            lifespan="on",
            log_config=None,
            log_level=self._log_level,
            access_log=False,
            ws_ping_interval=self.config.ws_ping_seconds,
            timeout_keep_alive=int(self.config.keep_alive_seconds),
            ws_ping_timeout=20.0,
            timeout_graceful_shutdown=2,
            server_header=False,
            proxy_headers=False,
        )
        self._server = _Server(uv_config)
        self._thread = threading.Thread(target=self._serve, name="wiro-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Wiro emulator failed to start: {self._error!r}")
            time.sleep(0.002)
        return self

    def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # surfaced by start()
            self._error = exc

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down: close sockets, cancel tasks, join the thread. Safe to call twice."""
        if self._server is not None:
            self._server.request_exit(self.app.state.loop)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError("Wiro emulator did not stop in time")
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Emulator:
        return self if self._server is not None else self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Change behaviour at runtime (validated, all-or-nothing)."""
        return self.config.update(**changes)

    def stats(self) -> dict[str, Any]:
        return self.app.state.stats.snapshot()

    def reset_stats(self) -> None:
        self.app.state.stats.reset()

    def _in_loop(self, fn: Callable[[], T], timeout: float = 5.0) -> T:
        loop = self.app.state.loop
        if loop is None or not self.running:
            raise RuntimeError("emulator is not running")

        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    def advance(self, taskid: str | None = None, count: int = 1) -> int:
        """In step mode, let a task (or every unfinished task) take ``count`` more steps."""
        return self._in_loop(lambda: advance(self.app.state, self.app.lifecycle, taskid, count))

    def task(self, taskid: str) -> dict[str, Any] | None:
        """The task's Task/Detail record as the API would send it, or None."""

        def read() -> dict[str, Any] | None:
            task = self.app.state.tasks.get(str(taskid))
            return task.to_wire() if task else None

        return self._in_loop(read)

    def tasks(self) -> list[dict[str, Any]]:
        return self._in_loop(lambda: [t.to_wire() for t in self.app.state.tasks.values()])

    def wait_for_status(self, taskid: str, *statuses: str, timeout: float = 5.0) -> dict[str, Any]:
        """Poll until the task is in one of ``statuses`` (default: a terminal one)."""
        wanted = set(statuses or st.TERMINAL)
        deadline = time.monotonic() + timeout
        while True:
            task = self.task(taskid)
            if task is not None and task["status"] in wanted:
                return task
            if time.monotonic() > deadline:
                seen = task["status"] if task else None
                raise TimeoutError(f"task {taskid} still {seen!r}, wanted {sorted(wanted)}")
            time.sleep(0.005)

    def run_to(self, taskid: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
        """Step mode: advance one stage at a time until the task reaches ``status``."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.task(taskid)
            if task is None:
                raise KeyError(taskid)
            if task["status"] == status:
                return task
            if task["status"] in st.TERMINAL:
                raise RuntimeError(f"task {taskid} ended in {task['status']} before {status}")
            before = task["status"]
            self.advance(taskid)
            while (current := self.task(taskid)) is not None and current["status"] == before:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"task {taskid} stuck in {before!r}")
                time.sleep(0.002)
