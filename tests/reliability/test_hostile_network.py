"""Hostile answers over real loopback sockets: private addresses in any spelling, too many
outputs, endless follows, reconnect storms, and downloads that cannot succeed.

Each test starts its own tiny server (tests/reliability/hostile_server.py); every case must
end in a state with a visible reason and a way out (Retry, Stop or Check again).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.download import check_url
from app.api.errors import UnsafeUrlError
from app.api.hostpolicy import guarded_transport
from app.api.watcher import TaskWatcher
from app.services.events import FINAL_PHASES, Phase
from app.services.state import can_stop
from app.storage.history import HistoryStore
from tests.reliability.hostile import SMALL, TASK_ID, finished_task, png_bytes, settle
from tests.reliability.hostile_server import (
    LoopbackServer,
    Reply,
    detail_route,
    json_reply,
    loopback_client,
    loopback_studio,
    standard_routes,
    trickle,
)

pytestmark = pytest.mark.asyncio

DETAIL = "/v1/Task/Detail"


async def _until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.01)


def _running_task() -> dict[str, Any]:
    task = finished_task([])
    task.update(status="task_start", pexit="")
    return task


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- class 5: private addresses in any spelling ----------------------------------------------

SPELLINGS = [
    "https://2130706433/x.png",  # 127.0.0.1 as one decimal number
    "https://127.1/x.png",
    "https://0x7f.0.0.1/x.png",
    "https://0177.0.0.1/x.png",
    "https://0x7f000001/x.png",
    "https://127.0.0.1./x.png",
    "https://2852039166/latest/meta-data",  # 169.254.169.254
    "https://0xa9fea9fe/latest/meta-data",
    "https://169.254.43518/latest/meta-data",
    "https://0251.0376.0251.0376/latest/meta-data",
    "https://[::ffff:169.254.169.254]/latest/meta-data",
    "https://[::ffff:7f00:1]/x.png",
    "https://0/x.png",
    "https://10.1/x.png",
    "https://app.localhost/x.png",
]


@pytest.mark.parametrize("url", SPELLINGS)
async def test_private_addresses_are_refused_in_any_spelling(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check_url(url, frozenset())


async def test_public_names_and_addresses_still_pass() -> None:
    for url in ("https://cdn.wiro.ai/a.png", "https://93.184.216.34/a.png"):
        assert check_url(url, frozenset()).host


async def test_a_name_resolving_to_a_private_address_is_never_connected(tmp_path: Path) -> None:
    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # a public-looking name whose DNS answer points home

    async with LoopbackServer() as server:
        server.routes[("GET", "/x.png")] = Reply(200, png_bytes())
        limits = httpx.Limits()
        client = loopback_client(server)
        client._transport = guarded_transport(  # the production transport, fake DNS
            client.config.insecure_hosts, limits=limits, resolve=resolve
        )
        async with client:
            with pytest.raises(UnsafeUrlError, match="private network"):
                await client.download(f"https://cdn.evil.test:{server.port}/x.png", tmp_path / "x")
            # the emulator's own loopback host stays allowed (demo/test mode)
            await client.download(f"{server.origin}/x.png", tmp_path / "ok.png")
        assert server.connections == 1 and server.requests == [("GET", "/x.png")]


# -- class 6: at most what was asked ---------------------------------------------------------


async def test_extra_outputs_are_not_downloaded(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server, outputs=40)
        studio = await loopback_studio(server, tmp_path)
        notices: list[Any] = []
        studio.subscribe(notices.append)
        try:
            state = await studio.submit(SMALL)
            await settle(studio, state.id)
            final = studio.generation(state.id)
        finally:
            await studio.aclose()
        downloads = sum(1 for method, _ in server.requests if method == "GET")
    assert final is not None and final.phase is Phase.SUCCEEDED and len(final.images) == 1
    assert downloads == 1
    assert any("only the first 1 were kept" in getattr(n, "text", "") for n in notices)
    row = HistoryStore(tmp_path / "history.sqlite3").generation(final.id)
    assert row is not None and row.outputs is not None and len(row.outputs) == 1


# -- class 7: no endless follow ---------------------------------------------------------------


async def test_a_stuck_task_is_marked_stalled_and_polling_stops(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        detail_route(server, _running_task())
        studio = await loopback_studio(server, tmp_path)
        studio.follower.max_follow_seconds = 0.5
        try:
            state = await studio.submit(SMALL)
            await _until(lambda: studio.generation(state.id).phase is Phase.STALLED)
            stalled = studio.generation(state.id)
            reads = server.count(DETAIL)
            await asyncio.sleep(0.3)
            assert server.count(DETAIL) == reads  # no more polling
            assert stalled.can_stop and "Check again" in (stalled.error or "")
            standard_routes(server)  # Wiro has finished meanwhile: Check again fetches it
            await studio.retry(state.id)
            await settle(studio, state.id)
            final = studio.generation(state.id)
        finally:
            await studio.aclose()
    assert final.phase is Phase.SUCCEEDED and len(final.images) == 1
    assert server.count("/v1/Run/Lykon/dreamshaper-8") == 1


async def test_the_follow_bound_survives_a_restart(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        detail_route(server, _running_task())
        studio = await loopback_studio(server, tmp_path)
        try:
            state = await studio.submit(SMALL)
            await _until(lambda: server.count(DETAIL) > 0)
        finally:
            await studio.aclose()
        store = HistoryStore(tmp_path / "history.sqlite3")
        row = store.generation(state.id)
        assert row is not None and row.follow_started_at is not None
        store.update_generation(state.id, follow_started_at=time.time() - 7 * 3600)
        store.close()
        reads = server.count(DETAIL)
        studio = await loopback_studio(server, tmp_path)  # the default bound: 6 hours
        try:
            await _until(lambda: (s := studio.generation(state.id)) and s.phase is Phase.STALLED)
        finally:
            await studio.aclose()
        assert server.count(DETAIL) == reads  # not a single read after the restart


class _OversizeSocket:
    """Connects fine, then every read fails the same way (a frame over the size limit)."""

    async def send(self, message: str) -> None:
        return None

    async def recv(self) -> str:
        raise OSError(errno.EMSGSIZE, "frame over the size limit")

    async def close(self) -> None:
        return None


async def test_reconnects_that_keep_failing_the_same_way_back_off() -> None:
    async with LoopbackServer() as server:
        detail_route(server, _running_task())
        async with loopback_client(server) as client:

            async def connect(url: str) -> _OversizeSocket:
                return _OversizeSocket()

            watcher = TaskWatcher(
                client, connect=connect, poll_interval=5, healthy_poll_interval=5,
                reconnect_max_delay=1.0, socket_linger_seconds=0,
            )  # fmt: skip
            events = watcher.watch(TASK_ID, "tok")
            waiting = asyncio.ensure_future(events.__anext__())
            try:
                await _until(lambda: watcher.stats["connects"] >= 4)
                ceiling = watcher.stats["reconnect_delay_ms"]
            finally:
                waiting.cancel()
                await asyncio.gather(waiting, return_exceptions=True)
                await events.aclose()
                await watcher.aclose()
    assert ceiling == 1000  # 250 → 500 → 1000 ms: backing off, not reset at each connect


# -- class 9: downloads that cannot succeed end with the reason and Retry ----------------------


async def _run(server: LoopbackServer, root: Path, **config: Any):
    studio = await loopback_studio(server, root, **config)
    state = await studio.submit(SMALL)
    await settle(studio, state.id)
    return studio, studio.generation(state.id)


async def test_expired_links_are_renewed_once_from_task_detail(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        fresh = finished_task(
            [{"id": "o", "name": "0.png", "url": f"{server.origin}/fresh/0.png", "size": ""}]
        )

        async def detail(writer: asyncio.StreamWriter) -> None:
            task = fresh if server.count("/out/0.png") else finished_task(
                [{"id": "o", "name": "0.png", "url": f"{server.origin}/out/0.png", "size": ""}]
            )  # fmt: skip
            reply = json_reply({"errors": [], "tasklist": [task], "result": True})
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(reply.body))
            writer.write(reply.body)

        server.routes[("POST", DETAIL)] = detail
        server.routes[("GET", "/out/0.png")] = Reply(404, b"expired")
        server.routes[("GET", "/fresh/0.png")] = Reply(200, png_bytes())
        studio, final = await _run(server, tmp_path)
        await studio.aclose()
    assert final.phase is Phase.SUCCEEDED and len(final.images) == 1
    assert server.count("/fresh/0.png") == 1 and server.count(DETAIL) >= 2


async def test_links_that_stay_expired_end_with_retry(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        server.routes[("GET", "/out/0.png")] = Reply(403, b"AccessDenied")
        studio, final = await _run(server, tmp_path)
        await studio.aclose()
    assert final.phase is Phase.FAILED
    assert "links expired (HTTP 403)" in final.error and "Retry" in final.error
    assert server.count("/out/0.png") <= 3  # a few spaced rounds, never a loop


async def test_disk_full_ends_at_once_and_retry_fetches_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    async with LoopbackServer() as server:
        standard_routes(server)
        with monkeypatch.context() as patch:
            patch.setattr("app.api.download._TempFile.write", full)
            studio, final = await _run(server, tmp_path)
        try:
            assert final.phase is Phase.FAILED
            assert final.error.startswith("Disk full: free space in ")
            assert str(tmp_path / "library") in final.error
            assert server.count("/out/0.png") == 1  # permanent: no retry rounds
            await studio.retry(final.id)  # space was freed: Retry fetches, nothing is re-run
            await settle(studio, final.id)
            again = studio.generation(final.id)
        finally:
            await studio.aclose()
        assert again.phase is Phase.SUCCEEDED and len(again.images) == 1
        assert server.count("/v1/Run/Lykon/dreamshaper-8") == 1


async def test_unreachable_image_host_ends_with_the_reason(tmp_path: Path) -> None:
    dead = _free_port()
    async with LoopbackServer() as server:
        standard_routes(server)
        url = f"http://127.0.0.1:{dead}/0.png"
        detail_route(server, finished_task([{"id": "o", "name": "0.png", "url": url}]))
        studio, final = await _run(server, tmp_path, also_insecure=(f"127.0.0.1:{dead}",))
        await studio.aclose()
    assert final.phase is Phase.FAILED
    assert "could not connect" in final.error and "Retry" in final.error


async def test_stop_works_while_downloading(tmp_path: Path) -> None:
    async with LoopbackServer() as server:
        standard_routes(server)
        server.routes[("GET", "/out/0.png")] = trickle(200, {}, png_bytes(), 0.2)
        studio = await loopback_studio(server, tmp_path)
        try:
            state = await studio.submit(SMALL)
            await _until(lambda: studio.generation(state.id).phase is Phase.DOWNLOADING)
            assert studio.generation(state.id).can_stop
            await studio.stop(state.id)
            await settle(studio, state.id)
            final = studio.generation(state.id)
        finally:
            await studio.aclose()
    assert final.phase is Phase.FAILED and "Stopped while downloading" in final.error


async def test_stop_is_offered_in_every_state_that_is_not_final() -> None:
    for phase in Phase:
        for status in ("", "task_queue", "task_start", "task_postprocess_end"):
            assert can_stop(phase, status) is (phase not in FINAL_PHASES)
