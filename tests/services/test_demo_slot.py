"""The app's one demo server: started once for every caller (the first may be the early start
while the window loads), stopped after a start still in flight, started again when asked."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from app.services import demo
from app.services.demo import DemoServerSlot


class _Server:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


def _slot(monkeypatch, gate: threading.Event, started: list[_Server]) -> DemoServerSlot:
    def start(**_: Any) -> _Server:
        gate.wait(10)  # the emulator takes a while to come up
        started.append(_Server())
        return started[-1]

    monkeypatch.setattr(demo.DemoServer, "start", start)

    async def io(call: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    return DemoServerSlot(io, lambda: Path("state.json"))


def test_every_caller_shares_one_start_and_a_stop_waits_for_it(monkeypatch):
    gate, started = threading.Event(), []
    slot = _slot(monkeypatch, gate, started)

    async def scenario() -> None:
        slot.start_soon()  # early, while the workspace loads
        slot.start_soon()
        callers = [asyncio.ensure_future(slot.get()) for _ in range(3)]
        stopping = asyncio.ensure_future(slot.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done() and started == []
        gate.set()
        got = await asyncio.gather(*callers)
        await stopping
        assert len(started) == 1 and all(server is started[0] for server in got)
        assert started[0].stopped and slot.server is None  # not left running by the stop
        again = await slot.get()  # asked again after a stop: a new server
        assert again is started[1] and not again.stopped
        await slot.stop()

    asyncio.run(scenario())


def test_a_failed_start_is_logged_and_tried_again(monkeypatch, caplog):
    attempts: list[int] = []

    def start(**_: Any) -> _Server:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("no free port")
        return _Server()

    monkeypatch.setattr(demo.DemoServer, "start", start)

    async def io(call: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, call)

    slot = DemoServerSlot(io, lambda: Path("state.json"))

    async def scenario() -> None:
        slot.start_soon()  # nobody awaits this one: its failure is still read (and logged)
        await slot.settled()
        assert slot.server is None
        server = await slot.get()
        assert isinstance(server, _Server) and len(attempts) == 2
        await slot.stop()

    asyncio.run(scenario())
    assert "the demo server did not start: no free port" in caplog.text
