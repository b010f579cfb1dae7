"""ASGI middleware in front of everything: accounting, secret scanning and injected faults."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.emulator.config import ENDPOINTS
from app.emulator.faults import drop_connection
from app.emulator.state import EmulatorState
from app.emulator.wire import secret_places

_TASK_ENDPOINTS = {f"/v1/{name}": name for name in ENDPOINTS if "/" in name}
_ERROR_PAGE = (
    "<html><head><title>{0}</title></head><body><center><h1>{0}</h1></center></body></html>"
)
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def endpoint_of(path: str) -> str:
    """The stats/fault name of a request path."""
    if path.startswith("/v1/Run/"):
        return "Run"
    if path in _TASK_ENDPOINTS:
        return _TASK_ENDPOINTS[path]
    if path.startswith("/cdn/"):
        return "cdn"
    if path == "/socket/v1":
        return "socket"
    if path.startswith("/_emulator"):
        return "admin"
    return "unknown"


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class Gate:
    """Wraps the Starlette app; admin paths pass straight through untouched."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        endpoint = endpoint_of(scope["path"])
        if endpoint == "admin":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        client = scope.get("client")
        peer = (str(client[0]), int(client[1])) if client else None
        ua, ctype = _header(headers, b"user-agent"), _header(headers, b"content-type")
        self.state.stats.request(endpoint, peer, ua, ctype)
        if scope["type"] == "websocket":
            self._scan(endpoint, headers, scope, b"")
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        self._scan(endpoint, headers, scope, body)
        replay = _Replay(body, receive)
        if await self._inject(endpoint, scope, replay, send):
            return
        await self.app(scope, replay, send)

    def _scan(self, endpoint: str, headers: list, scope: Scope, body: bytes) -> None:
        places = secret_places(
            self.state.public_secrets(),
            headers,
            scope.get("query_string", b""),
            scope["path"],
            body,
        )
        for place in places:
            self.state.stats.violation(f"{endpoint}: {place}")

    async def _inject(self, endpoint: str, scope: Scope, receive: Receive, send: Send) -> bool:
        """Apply configured faults; True when the answer has been dealt with."""
        if endpoint not in ENDPOINTS:
            return False
        cfg, state = self.state.config, self.state
        if cfg.delay_seconds > 0 and cfg.wants(cfg.delay_endpoints, endpoint):
            state.stats.count("faults", "delay")
            await asyncio.sleep(cfg.delay_seconds)
        if cfg.wants(cfg.http_error_endpoints, endpoint) and state.fault_roll(cfg.http_error_rate):
            state.stats.count("faults", f"http_{cfg.http_error_status}")
            await self._error_page(send, cfg.http_error_status, cfg.http_error_retry_after)
            return True
        if cfg.wants(cfg.drop_endpoints, endpoint) and state.fault_roll(cfg.drop_rate):
            state.stats.count("faults", "drop")
            if cfg.drop_after_handling:
                await self.app(scope, receive, _swallow)
            await drop_connection(scope, receive, send, state.connections)
            return True
        return False

    @staticmethod
    async def _error_page(send: Send, status: int, retry_after: float | None) -> None:
        body = _ERROR_PAGE.format(f"{status} {_REASONS.get(status, 'Server Error')}").encode()
        headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
        if retry_after is not None:
            headers.append((b"retry-after", str(max(0, round(retry_after))).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _swallow(message: Message) -> None:
    return None


class _Replay:
    """Hands the buffered body to the app once, then defers to the real receive."""

    def __init__(self, body: bytes, receive: Receive) -> None:
        self.body: bytes | None = body
        self.receive = receive

    async def __call__(self) -> dict[str, Any]:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await self.receive())
