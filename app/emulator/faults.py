"""Transport-level misbehaviour: connection tracking, dropped connections, truncated bodies."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.emulator.stats import Stats

Peer = tuple[str, int]


def _peer(transport: asyncio.BaseTransport) -> Peer | None:
    info = transport.get_extra_info("peername")
    if isinstance(info, tuple | list) and len(info) >= 2:
        return (str(info[0]), int(info[1]))
    return None


class ConnectionRegistry:
    """Counts accepted TCP connections and finds a request's transport to cut it."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self._by_peer: dict[Peer, asyncio.Transport] = {}

    def opened(self, transport: asyncio.Transport) -> None:
        self.stats.count("tcp_connections")
        for stale in [p for p, t in self._by_peer.items() if t.is_closing()]:
            del self._by_peer[stale]
        peer = _peer(transport)
        if peer is not None:
            self._by_peer[peer] = transport

    def closed(self, transport: asyncio.Transport | None) -> None:
        peer = _peer(transport) if transport is not None else None
        if peer is not None and self._by_peer.get(peer) is transport:
            del self._by_peer[peer]

    def transport(self, scope: Scope) -> asyncio.Transport | None:
        client = scope.get("client")
        if not client:
            return None
        return self._by_peer.get((str(client[0]), int(client[1])))


def tracked_protocol(registry: ConnectionRegistry) -> type[H11Protocol]:
    """uvicorn's h11 protocol, reporting each connection to ``registry``."""

    class TrackedH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            registry.opened(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            registry.closed(self.transport)
            super().connection_lost(exc)

    return TrackedH11Protocol


async def _drain_until_disconnect(receive: Receive) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0):
            while (await receive())["type"] != "http.disconnect":
                pass


async def drop_connection(
    scope: Scope, receive: Receive, send: Send, registry: ConnectionRegistry
) -> None:
    """Close the TCP connection under an HTTP request without finishing its answer."""
    transport = registry.transport(scope)
    if transport is None:
        # Not served by our protocol: an unfinished answer makes the server close it.
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
        )
        return
    transport.close()
    await _drain_until_disconnect(receive)


class TruncatedResponse(Response):
    """Announces the full Content-Length, sends part of the body, then hangs up."""

    def __init__(
        self, data: bytes, fraction: float, registry: ConnectionRegistry, media_type: str
    ) -> None:
        super().__init__(content=data, media_type=media_type)
        self.fraction = fraction
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: dict[str, Any] = {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.raw_headers,
        }
        await send(start)
        cut = min(len(self.body) - 1, int(len(self.body) * self.fraction))
        await send(
            {"type": "http.response.body", "body": self.body[: max(cut, 0)], "more_body": True}
        )
        transport = self.registry.transport(scope)
        if transport is not None:
            transport.close()
            await _drain_until_disconnect(receive)
