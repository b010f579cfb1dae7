"""The whole app (controller, window, studio) on a qasync loop against the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import qasync

from app.services.demo import DemoServer
from app.storage.credentials import CredentialStore
from app.storage.paths import AppPaths
from app.ui.app_controller import AppController
from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
def qloop(qapp):
    """A qasync loop per test (pattern B of the platform notes): tests run coroutines on it."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            # Cancelled tasks may spawn others as they unwind: repeat until none is left, so
            # no task outlives its loop (one collected later, in another test, would raise
            # "Task was destroyed but it is pending" there).
            for _ in range(3):
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                if not pending:
                    break
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.wait(pending, timeout=5))
            for task in asyncio.all_tasks(loop):  # still not done: its coroutine is closed
                if not task.done():  # here, not by the garbage collector in a later test
                    with contextlib.suppress(BaseException):
                        task.get_coro().close()
        finally:
            loop.close()  # also joins qasync's executor threads, which must not outlive the app
            asyncio.set_event_loop(None)


class AppHarness:
    """Starts the controller's run() as a task and offers bounded waits."""

    def __init__(self, qapp, root: Path, keyring: MemoryKeyring, *, demo: bool) -> None:
        self.controller = AppController(
            qapp,
            AppPaths.under(root),
            demo=demo,
            credential_store=CredentialStore(keyring),
        )
        self.keyring = keyring
        self.run_task: asyncio.Task[int] | None = None

    async def start(self, fast_demo: bool = True) -> AppController:
        if fast_demo and self.controller.start_in_demo:
            self.controller.demo_server = await asyncio.get_running_loop().run_in_executor(
                None, lambda: DemoServer.start(queue_seconds=0.05, run_seconds=0.3)
            )
        self.run_task = asyncio.get_running_loop().create_task(self.controller.run())
        return self.controller

    async def wait(self, predicate: Callable[[], bool], timeout: float = 20.0, what: str = ""):
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.run_task is not None and self.run_task.done():
                self.run_task.result()
                raise AssertionError("the app stopped early")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.02)

    async def wait_done(self, timeout: float = 15.0) -> int:
        assert self.run_task is not None
        return await asyncio.wait_for(asyncio.shield(self.run_task), timeout)

    async def stop(self) -> int:
        await self.controller.shutdown()
        assert self.run_task is not None
        return await asyncio.wait_for(self.run_task, 15)

    async def stop_if_running(self) -> None:
        """After a failed test: shut the app (window, studio, demo server) down anyway."""
        if self.run_task is not None and not self.run_task.done():
            await asyncio.wait_for(self.controller.shutdown(), 20)
            await asyncio.wait([self.run_task], timeout=15)  # its failure is the test's to report
        server, self.controller.demo_server = self.controller.demo_server, None
        if server is not None:  # started, but the app never ran (or died before shutdown)
            await asyncio.get_running_loop().run_in_executor(None, server.stop)


@pytest.fixture
def harness_factory(styled_app, qloop, tmp_path: Path):
    """Makes harnesses (the app styled as app.main styles it); whatever a test leaves running
    is stopped, so a failure can't cascade."""
    qapp = styled_app
    made: list[AppHarness] = []

    def make(demo: bool = True) -> AppHarness:
        harness = AppHarness(qapp, tmp_path / "app", MemoryKeyring(), demo=demo)
        made.append(harness)
        return harness

    try:
        yield make
    finally:
        errors: list[BaseException] = []
        for harness in made:
            try:
                qloop.run_until_complete(harness.stop_if_running())
            except BaseException as exc:  # stop the others, then report the first
                errors.append(exc)
        for widget in qapp.topLevelWidgets():  # e.g. an error dialog a failed test left open
            if widget.isVisible():
                widget.close()
        if errors:
            raise errors[0]
