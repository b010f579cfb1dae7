"""A scripted, hostile Wiro behind httpx.MockTransport, and a real Studio wired to it.

The studio, follower, watcher, client, downloader, history and library are the real ones;
only the network is replaced, so each test decides exactly what Wiro and its CDN answer.
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.api.client import ApiConfig, WiroClient
from app.api.watcher import TaskWatcher
from app.core.credentials import Credentials
from app.services.schema_cache import bundled_schema
from app.services.studio import Studio
from app.storage.history import HistoryStore

KEY, SECRET = "hostile-key-5a7e0c", "hostile-secret-93be1d4f"
API = "https://api.wiro.test/v1"
CDN = "https://cdn.wiro.test/out"
TASK_ID, TOKEN = "4242", "tok-4242"
SMALL = {"prompt": "a lighthouse", "samples": 1, "width": 64, "height": 64, "seed": "5"}

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def png_bytes(width: int = 64, height: int = 64) -> bytes:
    """A small, valid grey RGB PNG."""
    row = b"\x00" + b"\x80" * (width * 3)
    return _png(width, height, 8, 2, zlib.compress(row * height))


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of huge dimensions that is only a few kB on the wire."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return _png(width, height, 1, 0, body)


def _png(width: int, height: int, depth: int, color: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def output(
    index: int = 0, *, url: str | None = None, size: Any = None, name: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"out{index}",
        "name": name if name is not None else f"{index}.png",
        "contenttype": "image/png",
        "size": str(len(png_bytes())) if size is None else size,
        "url": url if url is not None else f"{CDN}/{index}.png",
        "addedtime": "1734513812",
    }


def finished_task(outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": TASK_ID,
        "socketaccesstoken": TOKEN,
        "status": "task_postprocess_end",
        "pexit": "0",
        "debugerror": "",
        "totalcost": "0.0035",
        "elapsedseconds": "3.0",
        "outputs": outputs,
    }


def answer(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


class HostileWiro:
    """Run answers ``run``; Task/Detail answers ``detail``; the CDN answers from ``files``."""

    def __init__(self, outputs: list[dict[str, Any]] | None = None) -> None:
        self.run: Answer = answer(
            {"errors": [], "taskid": TASK_ID, "socketaccesstoken": TOKEN, "result": True}
        )
        self.detail: Answer = answer(
            {
                "total": "1",
                "errors": [],
                "tasklist": [finished_task(outputs or [output()])],
                "result": True,
            }
        )
        self.files: dict[str, Answer] = {f"{CDN}/0.png": httpx.Response(200, content=png_bytes())}
        self.requests: list[httpx.Request] = []

    def cdn_requests(self) -> list[str]:
        return [str(r.url) for r in self.requests if r.method == "GET"]

    def run_requests(self) -> int:
        return sum(1 for r in self.requests if "/Run/" in r.url.path)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            found = self.files.get(str(request.url))
            if found is None:
                return httpx.Response(404, text="Not Found")
            return found(request) if callable(found) else _copy(found)
        chosen = self.run if "/Run/" in request.url.path else self.detail
        return chosen(request) if callable(chosen) else _copy(chosen)


def _copy(response: httpx.Response) -> httpx.Response:
    """A fresh response each time (a MockTransport response can be streamed only once)."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return httpx.Response(response.status_code, headers=headers, content=response.content)


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


async def _no_socket(url: str) -> Any:
    raise ConnectionRefusedError("no WebSocket in these tests: the watcher polls")


async def hostile_studio(wiro: HostileWiro, root: Path) -> Studio:
    """A real Studio whose only network is ``wiro``."""
    config = ApiConfig(base_url=API, socket_url="wss://socket.wiro.test/v1", read_retries=2)
    client = WiroClient(
        config,
        Credentials(KEY, SECRET),
        transport=httpx.MockTransport(wiro),
        sleep=_no_sleep,
    )
    return await polling_studio(client, root)


async def polling_studio(
    client: WiroClient, root: Path, *, watcher_args: dict[str, Any] | None = None
) -> Studio:
    """A started Studio on ``client`` that polls fast (no socket) and retries quickly."""
    watcher = TaskWatcher(
        client,
        connect=_no_socket,
        poll_interval=0.01,
        healthy_poll_interval=0.02,
        reconnect_max_delay=0.05,
        max_read_errors=3,
        final_read_attempts=3,
        **(watcher_args or {}),
    )
    history = await asyncio.get_running_loop().run_in_executor(
        None, HistoryStore, root / "history.sqlite3"
    )
    studio = Studio(
        schema=bundled_schema(),
        client=client,
        watcher=watcher,
        history=history,
        library_dir=root / "library",
        retry_delay=0.01,
        slot_retry_seconds=0.05,
    )
    await studio.start()
    return studio


async def settle(studio: Studio, gid: int, timeout: float = 15.0) -> None:
    """Waits (bounded) until the generation is final."""
    deadline = time.monotonic() + timeout
    while not (state := studio.generation(gid)) or not state.is_final:
        if time.monotonic() > deadline:
            raise AssertionError(f"generation {gid} never ended: {state}")
        await asyncio.sleep(0.01)


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()
