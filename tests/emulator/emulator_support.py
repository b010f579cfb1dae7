"""Helpers for the emulator tests: a spec-only client and a socket reader."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import websockets

from app.emulator import Emulator

KEY = "test-key-3c1f7d"
SECRET = "test-secret-9a7e5b20"
FAST: dict[str, Any] = {"queue_seconds": 0.05, "run_seconds": 0.2}
TERMINAL = ("task_postprocess_end", "task_cancel")
LIFECYCLE = (
    "task_queue",
    "task_accept",
    "task_preprocess_start",
    "task_preprocess_end",
    "task_assign",
    "task_start",
    "task_output",
    "task_end",
    "task_postprocess_start",
    "task_postprocess_end",
)


class Wiro:
    """A deliberately small client written from the spec alone (not app.api)."""

    def __init__(self, emulator: Emulator, client: httpx.Client, key: str, secret: str | None):
        self.emulator = emulator
        self.client = client
        self.key = key
        self.secret = secret
        self._nonce = int(time.time() * 1000)

    def headers(self) -> dict[str, str]:
        headers = {"x-api-key": self.key, "User-Agent": "WiroStudio/test"}
        if self.secret is not None:
            self._nonce = max(self._nonce + 1, int(time.time() * 1000))
            nonce = str(self._nonce)
            sig = hmac.new(self.key.encode(), (self.secret + nonce).encode(), hashlib.sha256)
            headers.update({"x-nonce": nonce, "x-signature": sig.hexdigest()})
        return headers

    def post(self, endpoint: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        if body is not None:
            kwargs["json"] = body
        return self.client.post(f"{self.emulator.base_url}/{endpoint}", headers=headers, **kwargs)

    def run(self, **params: Any) -> dict[str, Any]:
        params.setdefault("prompt", "a lighthouse at dusk")
        params.setdefault("samples", 1)
        params.setdefault("width", 128)
        params.setdefault("height", 128)
        answer = self.post("Run/Lykon/dreamshaper-8", params).json()
        assert answer["result"] is True, answer
        return answer

    def detail(self, taskid: str) -> dict[str, Any]:
        answer = self.post("Task/Detail", {"taskid": taskid}).json()
        assert answer["result"] is True, answer
        return answer["tasklist"][0]

    def wait(self, taskid: str, *statuses: str, timeout: float = 5.0) -> dict[str, Any]:
        wanted = statuses or TERMINAL
        deadline = time.monotonic() + timeout
        while True:
            task = self.detail(taskid)
            if task["status"] in wanted:
                return task
            assert time.monotonic() < deadline, f"still {task['status']}, wanted {wanted}"
            time.sleep(0.01)


async def collect_frames(
    socket_url: str, tokens: list[str], until: int | None = None, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Subscribe to ``tokens`` on one connection; read until each ends (or ``until`` frames)."""
    frames: list[dict[str, Any]] = []
    open_tokens = set(tokens)
    async with asyncio.timeout(timeout), websockets.connect(socket_url) as ws:
        for token in tokens:
            await ws.send(json.dumps({"type": "task_info", "tasktoken": token}))
        while open_tokens and (until is None or len(frames) < until):
            frame = json.loads(await ws.recv())
            frames.append(frame)
            if frame["type"] in TERMINAL:
                open_tokens.discard(frame["tasktoken"])
    return frames


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait (bounded) for a condition that the server's own thread makes true."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
