"""The task WebSocket: task_info subscriptions, frame fan-out, and injected socket drops."""

from __future__ import annotations

import asyncio
import contextlib
import json

from starlette.websockets import WebSocket

from app.emulator.faults import ConnectionRegistry
from app.emulator.state import EmulatorState
from app.emulator.wire import secret_places


class SocketClient:
    """One connected socket with its own outgoing queue, so a slow reader delays no task."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.tokens: set[str] = set()


class Hub:
    """Routes each task's frames to every socket that sent task_info for it."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[SocketClient]] = {}
        self.clients: set[SocketClient] = set()

    def publish(self, tasktoken: str, text: str) -> None:
        for client in self._subscribers.get(tasktoken, ()):
            client.queue.put_nowait(text)

    def subscribe(self, client: SocketClient, tasktoken: str, current: str | None) -> None:
        self._subscribers.setdefault(tasktoken, set()).add(client)
        client.tokens.add(tasktoken)
        if current is not None:
            client.queue.put_nowait(current)

    def add(self, client: SocketClient) -> None:
        self.clients.add(client)

    def remove(self, client: SocketClient) -> None:
        self.clients.discard(client)
        for tasktoken in client.tokens:
            subscribers = self._subscribers.get(tasktoken)
            if subscribers is not None:
                subscribers.discard(client)
                if not subscribers:
                    del self._subscribers[tasktoken]

    def close_all(self) -> None:
        for client in list(self.clients):
            client.queue.put_nowait(None)


async def _pump(client: SocketClient) -> None:
    with contextlib.suppress(Exception):
        while (text := await client.queue.get()) is not None:
            await client.websocket.send_text(text)


async def _drop_later(
    websocket: WebSocket, state: EmulatorState, registry: ConnectionRegistry
) -> None:
    seconds = state.config.ws_drop_seconds
    if seconds is None:
        return
    await asyncio.sleep(seconds)
    state.stats.count("faults", "ws_drop")
    transport = registry.transport(websocket.scope)
    if state.config.ws_drop_mode == "abort" and transport is not None:
        transport.abort()
    else:
        with contextlib.suppress(Exception):
            await websocket.close(code=1001)


class SocketEndpoint:
    """``/socket/v1``: no auth; clients send {"type": "task_info", "tasktoken": ...}."""

    def __init__(self, state: EmulatorState, hub: Hub) -> None:
        self.state = state
        self.hub = hub

    async def handle(self, websocket: WebSocket) -> None:
        state = self.state
        if state.fault_roll(state.config.ws_reject_rate):
            state.stats.count("faults", "ws_reject")
            await websocket.close(code=1013)
            return
        await websocket.accept()
        state.stats.count("websocket_connections")
        client = SocketClient(websocket)
        self.hub.add(client)
        pump = asyncio.create_task(_pump(client))
        dropper = asyncio.create_task(_drop_later(websocket, state, state.connections))
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    text = (message.get("bytes") or b"").decode("utf-8", "replace")
                self._handle(client, text)
        finally:
            self.hub.remove(client)
            client.queue.put_nowait(None)
            dropper.cancel()
            for job in (pump, dropper):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job

    def _handle(self, client: SocketClient, text: str) -> None:
        for place in secret_places(self.state.public_secrets(), [], b"", "", text.encode()):
            self.state.stats.violation(f"socket frame {place}")
        try:
            data = json.loads(text)
        except ValueError:
            return
        if not isinstance(data, dict) or data.get("type") != "task_info":
            return
        tasktoken = str(data.get("tasktoken") or "").strip()
        if not tasktoken:
            return
        self.state.stats.count("websocket_subscriptions")
        task = self.state.by_token.get(tasktoken)
        self.hub.subscribe(client, tasktoken, task.current_frame if task else None)
