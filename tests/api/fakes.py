"""Test doubles for the api tests: MockTransport helpers, Wiro records and a fake socket."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

import httpx

from app.api.client import ApiConfig, WiroClient
from app.api.signing import Credentials, NonceSource

KEY = "testkey0123456789abcdef"
SECRET = "s3cr3t-VALUE-never-shown"
SOCKET_URL = "wss://socket.example.test/v1"


class RecordingSleep:
    """A sleep that only records how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


def envelope_error(code: int | None, message: str, status: int = 200) -> httpx.Response:
    entry: dict[str, Any] = {"message": message, "time": 1773486903}
    if code is not None:
        entry["code"] = code
    return httpx.Response(status, json={"result": False, "errors": [entry]})


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    credentials: Credentials | None = None,
    sleep: RecordingSleep | None = None,
    **config: Any,
) -> WiroClient:
    config.setdefault("socket_url", SOCKET_URL)
    return WiroClient(
        ApiConfig(**config),
        credentials or Credentials(KEY, SECRET),
        transport=httpx.MockTransport(handler),
        nonce=NonceSource(clock=lambda: 1_700_000_000.0),
        sleep=sleep or RecordingSleep(),
        rng=random.Random(1234),
    )


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)


def task_record(
    task_id: str = "2221",
    status: str = "task_queue",
    *,
    token: str = "tok-2221",
    pexit: str = "",
    outputs: list[dict[str, Any]] | None = None,
    debugerror: str = "",
) -> dict[str, Any]:
    return {
        "id": task_id,
        "uuid": f"uuid-{task_id}",
        "socketaccesstoken": token,
        "parameters": {"prompt": "a cat"},
        "debugoutput": "",
        "debugerror": debugerror,
        "status": status,
        "pexit": pexit,
        "createtime": "1734513807",
        "starttime": "1734513809",
        "endtime": "0",
        "elapsedseconds": "6.0000",
        "cps": "0.000585000000",
        "totalcost": "0.003510000000" if pexit == "0" else "0",
        "categories": '["tool","text-to-image"]',
        "outputs": outputs or [],
    }


def output_record(index: int = 0, url: str | None = None, size: int = 1234) -> dict[str, Any]:
    return {
        "id": f"out{index}",
        "name": f"{index}.png",
        "contenttype": "image/png",
        "size": str(size),
        "url": url or f"https://cdn1.example.test/abc/{index}.png",
        "addedtime": "1734513812",
        "accesskey": "ak",
    }


def detail_answer(*records: dict[str, Any]) -> dict[str, Any]:
    return {"total": str(len(records)), "errors": [], "tasklist": list(records), "result": True}


class FakeSocket:
    """One fake WebSocket connection: frames are pushed by the test, sends are recorded."""

    def __init__(self, hub: FakeSocketHub) -> None:
        self.hub = hub
        self.sent: list[dict[str, Any]] = []
        self.inbox: asyncio.Queue[str | BaseException] = asyncio.Queue()
        self.closed = False

    async def send(self, message: str) -> None:
        if self.closed:
            raise ConnectionError("socket closed")
        data = json.loads(message)
        self.sent.append(data)
        self.hub.subscriptions.append(data.get("tasktoken"))
        self.hub.on_subscribe(self, data)

    async def recv(self) -> str:
        item = await self.inbox.get()
        if isinstance(item, BaseException):
            self.closed = True
            raise item
        return item

    async def close(self) -> None:
        self.closed = True

    def push(self, frame: dict[str, Any] | str) -> None:
        self.inbox.put_nowait(frame if isinstance(frame, str) else json.dumps(frame))

    def drop(self) -> None:
        self.inbox.put_nowait(ConnectionResetError("dropped"))


class FakeSocketHub:
    """Plays the Wiro socket server: hands out connections, may refuse them."""

    def __init__(self) -> None:
        self.connections: list[FakeSocket] = []
        self.subscriptions: list[str | None] = []
        self.urls: list[str] = []
        self.refuse = 0
        self.subscribed = asyncio.Event()
        self.on_subscribe: Callable[[FakeSocket, dict[str, Any]], None] = lambda ws, data: None

    async def connect(self, url: str) -> FakeSocket:
        self.urls.append(url)
        if self.refuse > 0:
            self.refuse -= 1
            raise ConnectionRefusedError("refused")
        socket = FakeSocket(self)
        self.connections.append(socket)
        return socket

    @property
    def current(self) -> FakeSocket:
        return self.connections[-1]

    def broadcast(self, frame: dict[str, Any]) -> None:
        for socket in self.connections:
            if not socket.closed:
                socket.push(frame)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Polls a condition with a hard bound (the suite never waits forever)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


class FakeWiro:
    """Task/Detail, Cancel and Kill over MockTransport, answering from editable records."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.detail_calls: dict[str, int] = {}
        self.failures: list[httpx.Response] = []

    def set(self, task_id: str, status: str, **fields: Any) -> None:
        self.records[task_id] = task_record(task_id, status, token=f"tok-{task_id}", **fields)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        task_id = str(body.get("taskid", ""))
        if request.url.path.endswith("/Task/Detail"):
            self.detail_calls[task_id] = self.detail_calls.get(task_id, 0) + 1
        if self.failures:
            return self.failures.pop(0)
        record = self.records.get(task_id)
        if record is None:
            return envelope_error(1, "There is no task yet.")
        if request.url.path.endswith(("/Task/Cancel", "/Task/Kill")):
            record["status"] = "task_cancel"
        return httpx.Response(200, json=detail_answer(record))


def frame(task_id: str, kind: str, message: Any = None) -> dict[str, Any]:
    return {
        "type": kind,
        "id": task_id,
        "tasktoken": f"tok-{task_id}",
        "message": message,
        "result": True,
        "extra": {"ignored": True},
    }
