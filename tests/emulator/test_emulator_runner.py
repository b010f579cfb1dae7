"""The threaded runner: URLs, start/stop, runtime configuration, and the socket keep-alive ping."""

from __future__ import annotations

import base64
import os
import socket
import threading

import httpx
import pytest

from app.emulator import DEFAULT_API_KEY, DEFAULT_API_SECRET, Emulator, EmulatorConfig


def test_urls_and_clean_stop() -> None:
    before = {t.name for t in threading.enumerate()}
    emulator = Emulator()
    assert not emulator.running
    with emulator as emu:
        assert emu.running and emu.port > 0 and emu.host == "127.0.0.1"
        assert emu.base_url == f"http://127.0.0.1:{emu.port}/v1"
        assert emu.socket_url == f"ws://127.0.0.1:{emu.port}/socket/v1"
        assert (emu.api_key, emu.api_secret) == (DEFAULT_API_KEY, DEFAULT_API_SECRET)
        assert httpx.get(f"{emu.origin}/_emulator/health").json() == {"ok": True}
    assert not emulator.running
    emulator.stop()
    assert {t.name for t in threading.enumerate()} <= before | {"asyncio_0"}
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{emulator.origin}/_emulator/health")


def test_two_emulators_side_by_side() -> None:
    with Emulator() as one, Emulator(EmulatorConfig(api_secret=None)) as two:
        assert one.port != two.port
        assert two.config.key_only and not one.config.key_only


def test_configure_validates_all_or_nothing() -> None:
    config = EmulatorConfig()
    with pytest.raises(ValueError):
        config.update(fail_rate=0.5, drop_rate=7)
    assert config.fail_rate == 0.0
    with pytest.raises(ValueError):
        config.update(http_error_endpoints=["Task/Nope"])
    with pytest.raises(ValueError):
        EmulatorConfig(progress_encoding="xml")
    assert config.update(delay_endpoints="cdn").delay_endpoints == ("cdn",)


def test_server_pings_sockets() -> None:
    assert EmulatorConfig().ws_ping_seconds == 30.0
    with (
        Emulator(EmulatorConfig(ws_ping_seconds=0.05)) as emu,
        socket.create_connection((emu.host, emu.port), timeout=5) as sock,
    ):
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                "GET /socket/v1 HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")
        while len(rest) < 2:
            rest += sock.recv(4096)
        assert rest[0] == 0x89, "FIN + ping opcode"
