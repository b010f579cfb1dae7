"""A tiny raw HTTP/1.1 server on 127.0.0.1 (random port) that answers exactly what a test says.

Unlike httpx.MockTransport it goes through real sockets and httpx's real transport, so
headers such as ``Content-Encoding: gzip, gzip``, a body trickling in a byte at a time, or
the address a connection really reaches are exercised as they would be against a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.api.client import ApiConfig, WiroClient
from app.core.credentials import Credentials
from app.services.studio import Studio
from tests.reliability.hostile import (
    KEY,
    SECRET,
    TASK_ID,
    TOKEN,
    finished_task,
    png_bytes,
    polling_studio,
)

Writer = asyncio.StreamWriter


@dataclass
class Reply:
    """A whole answer, written at once."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Reply | Callable[[Writer], Awaitable[None]]


def json_reply(value: Any, **headers: str) -> Reply:
    return Reply(200, json.dumps(value).encode(), {"content-type": "application/json", **headers})


def gzip_layers(data: bytes, layers: int) -> bytes:
    for _ in range(layers):
        data = gzip.compress(data, compresslevel=9)
    return data


def head(status: int, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    if length is not None:
        lines.append(f"content-length: {length}")
    lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def trickle(status: int, headers: dict[str, str], body: bytes, every: float) -> Handler:
    """Headers at once, then one byte every ``every`` seconds (never a long silence)."""

    async def send(writer: Writer) -> None:
        writer.write(head(status, headers, len(body)))
        for byte in body:
            if writer.is_closing():
                return
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)

    return send


class LoopbackServer:
    """Routes ``(method, path)`` to a handler; records every request line it saw."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[tuple[str, str]] = []
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path: str) -> int:
        return sum(1 for _, p in self.requests if p == path)

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            line = (await reader.readline()).decode("latin-1").split()
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            if len(line) < 2:
                return
            method, path = line[0], line[1]
            self.requests.append((method, path))
            handler = self.routes.get((method, path), Reply(404, b"Not Found"))
            if isinstance(handler, Reply):
                writer.write(head(handler.status, handler.headers, len(handler.body)))
                writer.write(handler.body)
            else:
                await handler(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def detail_route(server: LoopbackServer, task: dict[str, Any]) -> None:
    server.routes[("POST", "/v1/Task/Detail")] = json_reply(
        {"total": "1", "errors": [], "tasklist": [task], "result": True}
    )


def standard_routes(server: LoopbackServer, *, outputs: int = 1) -> None:
    """Run answers, Task/Detail says finished with ``outputs`` PNGs served by this server."""
    server.routes[("POST", "/v1/Run/Lykon/dreamshaper-8")] = json_reply(
        {"errors": [], "taskid": TASK_ID, "socketaccesstoken": TOKEN, "result": True}
    )
    listed = []
    for index in range(outputs):
        listed.append(
            {
                "id": f"out{index}",
                "name": f"{index}.png",
                "contenttype": "image/png",
                "size": str(len(png_bytes())),
                "url": f"{server.origin}/out/{index}.png",
            }
        )
        server.routes[("GET", f"/out/{index}.png")] = Reply(
            200, png_bytes(), {"content-type": "image/png"}
        )
    detail_route(server, finished_task(listed))


def loopback_client(
    server: LoopbackServer, *, also_insecure: tuple[str, ...] = (), **config: Any
) -> WiroClient:
    """A real WiroClient (real httpx transport) whose Wiro is ``server``."""
    api = ApiConfig(
        base_url=f"{server.origin}/v1",
        socket_url=f"ws://127.0.0.1:{server.port}/v1",
        insecure_hosts=frozenset({f"127.0.0.1:{server.port}", *also_insecure}),
        read_retries=config.pop("read_retries", 1),
        retry_base_delay=0.01,
        retry_max_delay=0.02,
        **config,
    )
    return WiroClient(api, Credentials(KEY, SECRET))


async def loopback_studio(
    server: LoopbackServer, root: Path, *, watcher_args: dict[str, Any] | None = None, **config: Any
) -> Studio:
    client = loopback_client(server, **config)
    return await polling_studio(client, root, watcher_args=watcher_args)
