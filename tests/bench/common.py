"""Shared pieces of the benchmarks: statistics, the emulator, the app on a qasync loop, probes.

The benchmarks drive the real composition (AppController → MainWindow → Studio) against the
offline emulator on loopback. Clocks: ``time.perf_counter`` everywhere; the emulator runs on a
thread of the same process, so its "task_postprocess_end" stamps and the gallery's paint
stamps are on one clock (on Linux perf_counter is CLOCK_MONOTONIC, shared by processes too).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

KEY, SECRET = "bench-key-5f0c2a", "bench-secret-9d41e7b3"
RESULT_PREFIX = "RESULT "


# -- statistics -------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation; nan for no values."""
    data = sorted(values)
    if not data:
        return math.nan
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def median(values: Iterable[float]) -> float:
    return percentile(values, 50)


def summary(values: Iterable[float], digits: int = 1) -> dict[str, float | int]:
    data = list(values)
    return {
        "median": rounded(median(data), digits),
        "p95": rounded(percentile(data, 95), digits),
        "min": rounded(min(data), digits) if data else math.nan,
        "max": rounded(max(data), digits) if data else math.nan,
        "n": len(data),
    }


def rounded(value: float, digits: int = 1) -> float:
    return value if math.isnan(value) else round(value, digits)


# -- results over a pipe ----------------------------------------------------------------------


def emit_result(result: dict[str, Any]) -> None:
    """The last stdout line of a benchmark subprocess: ``RESULT {json}``."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def parse_result(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise ValueError("no RESULT line in the benchmark's output")


def log(text: str) -> None:
    sys.stderr.write(f"bench: {text}\n")
    sys.stderr.flush()


def machine_load() -> dict[str, Any]:
    """What else the machine was doing (the numbers are noisy on a busy 2-core box)."""
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        one = five = math.nan
    return {"cpus": os.cpu_count(), "load_1m": round(one, 2), "load_5m": round(five, 2)}


# -- the emulator -----------------------------------------------------------------------------


def emulator_config(**changes: Any):  # type: ignore[no-untyped-def]
    from app.emulator.config import EmulatorConfig

    options: dict[str, Any] = {"api_key": KEY, "api_secret": SECRET, "seed": 11}
    options.update(changes)
    return EmulatorConfig(**options)


def run_values(index: int, base: dict[str, Any], samples: int = 4, side: int = 512) -> dict:
    """The form's values for one benchmark generation: 4 images of 512×512 by default."""
    values = dict(base)
    values.update(
        prompt=f"bench {index}: a lighthouse on a cliff at dusk, volumetric light, film grain",
        samples=samples,
        width=side,
        height=side,
        seed=str(4242 + index * 7),
    )
    return values


class RemoteEmulator:
    """tests/bench/emulator_process.py in a child process, driven over its admin routes.

    Admin requests are not counted by the emulator, and the connections they use carry no
    counted request, so ``client_connections()`` (connections that carried an API, CDN or
    socket request) counts only the app's. Its perf_counter stamps are comparable with ours
    because perf_counter is CLOCK_MONOTONIC on Linux (``shared_clock()`` checks)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.proc: subprocess.Popen[str] | None = None
        self._local = threading.local()
        self.base_url = self.socket_url = self.origin = ""

    def __enter__(self) -> RemoteEmulator:
        from tests.bench.spawn import REPO

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.emulator_process", json.dumps(self.options)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("EMULATOR "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the emulator process did not start: {line!r}")
        urls = json.loads(line[len("EMULATOR ") :])
        self.base_url, self.socket_url, self.origin = (
            urls["base_url"], urls["socket_url"], urls["origin"]
        )  # fmt: skip
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def _http(self):  # type: ignore[no-untyped-def]
        import httpx

        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(base_url=self.origin, timeout=30)
        return client

    def stats(self) -> dict[str, Any]:
        return self._http().get("/_emulator/stats").json()

    def configure(self, **changes: Any) -> None:
        self._http().post("/_emulator/config", json=changes).raise_for_status()

    def advance(self, taskid: str | None = None, count: int = 1) -> int:
        body = {"count": count} | ({"taskid": taskid} if taskid is not None else {})
        return int(self._http().post("/_emulator/advance", json=body).json()["advanced"])

    def task(self, taskid: str) -> dict[str, Any] | None:
        tasks = self._http().get("/_emulator/tasks").json()["tasks"]
        return next((t for t in tasks if t["id"] == str(taskid)), None)

    def run_to(self, taskid: str, status: str, timeout: float = 60) -> None:
        """Step mode: one stage at a time until the task reaches ``status``."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.task(taskid)
            if task is None:
                raise KeyError(taskid)
            if task["status"] == status:
                return
            before = task["status"]
            self.advance(taskid)
            while (current := self.task(taskid)) is not None and current["status"] == before:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"task {taskid} stuck in {before!r}")
                time.sleep(0.005)

    def cpu_seconds(self) -> float:
        """CPU time the emulator process has used (Linux /proc), to see when it is idle."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = 60, window: float = 0.3) -> None:
        """Until the emulator uses under 5% of a CPU over ``window`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(window)
            if self.cpu_seconds() - before < 0.05 * window:
                return
        raise TimeoutError("the emulator process stayed busy")


def client_connections(stats: dict[str, Any]) -> int:
    """TCP connections that carried one of the app's requests (API, CDN or socket)."""
    return int(sum(stats["connections_opened_by"].values()))


def shared_clock() -> bool:
    """perf_counter stamps of two processes are comparable (CLOCK_MONOTONIC)."""
    return "CLOCK_MONOTONIC" in time.get_clock_info("perf_counter").implementation


# -- the app on a qasync loop -----------------------------------------------------------------


def qt_app():  # type: ignore[no-untyped-def]
    os.environ.setdefault("QT_API", "pyside6")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.widgets.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_style(app)
    return app


class PaintLog:
    """First time (perf_counter) each image's tile was painted with decoded pixels."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.paints = 0

    def __call__(self, image_id: int) -> None:
        self.paints += 1
        if image_id not in self.first:
            self.first[image_id] = time.perf_counter()

    def install(self) -> None:
        from app.ui.gallery import delegate as gallery_delegate

        gallery_delegate.PAINT_PROBE = self

    @staticmethod
    def uninstall() -> None:
        from app.ui.gallery import delegate as gallery_delegate

        gallery_delegate.PAINT_PROBE = None


class AppUnderTest:
    """AppController + MainWindow in demo mode, its "demo server" being our emulator."""

    def __init__(self, qapp: Any, root: Path, emu: Any, studio_options: dict | None = None):
        from app.core.credentials import Credentials
        from app.services.demo import DemoServer
        from app.storage.credentials import CredentialStore
        from app.storage.paths import AppPaths
        from app.ui.app_controller import AppController
        from app.ui.widgets.gc_guard import GuiThreadCollector
        from tests.support.memory_keyring import MemoryKeyring

        self.controller = AppController(
            qapp, AppPaths.under(root), demo=True, credential_store=CredentialStore(MemoryKeyring())
        )
        self.controller.demo_server = DemoServer(runner=emu, credentials=Credentials(KEY, SECRET))
        self.controller.studio_options = dict(studio_options or {})
        self.run_task: asyncio.Task[int] | None = None
        self.collector = GuiThreadCollector(qapp)  # as app.main runs it: GC on the GUI thread

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.controller.window

    @property
    def studio(self):  # type: ignore[no-untyped-def]
        return self.controller.studio

    async def start(self, size: tuple[int, int] = (1280, 800), timeout: float = 30.0) -> None:
        self.run_task = asyncio.get_running_loop().create_task(self.controller.run())
        await wait_for(
            lambda: self.studio is not None and self.window.form is not None,
            timeout,
            "the studio to bind",
            self.run_task,
        )
        self.window.resize(*size)
        await asyncio.sleep(0.3)  # first layout and paint

    async def stop(self) -> None:
        self.controller.demo_server = None  # the caller owns and stops the emulator
        self.collector.stop()
        await self.controller.shutdown()
        if self.run_task is not None:
            await asyncio.wait_for(self.run_task, 20)


async def wait_for(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    task: asyncio.Task[Any] | None = None,
    step: float = 0.005,
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if task is not None and task.done():
            task.result()
            raise RuntimeError(f"the app stopped while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(step)


def run_on_qasync(coro_fn: Callable[[Any], Any]) -> Any:
    """Runs ``coro_fn(qapp)`` on a fresh qasync loop (pattern B of the platform notes)."""
    qapp = qt_app()
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(coro_fn(qapp))
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        loop.close()
        asyncio.set_event_loop(None)
