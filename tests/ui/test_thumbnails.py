"""ThumbnailLoader: decodes off the GUI thread, caches, cancels, and reports unreadable files."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from app.ui.widgets import thumbnails
from app.ui.widgets.thumbnails import FULL_SIZE, ThumbnailLoader, _Job, _JobQueue

COLORS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (220, 200, 40)]


def make_png(path: Path, size=(512, 512), color=(200, 40, 40)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


@pytest.fixture
def pngs(tmp_path: Path) -> list[Path]:
    return [make_png(tmp_path / f"img{i}.png", color=c) for i, c in enumerate(COLORS)]


@pytest.fixture
def decode_threads(monkeypatch) -> list[tuple[int, str, int]]:
    """Records (thread id, path, max_side) of every decode."""
    calls: list[tuple[int, str, int]] = []
    real = thumbnails.decode_image

    def spy(path: str, max_side: int):
        calls.append((threading.get_ident(), path, max_side))
        return real(path, max_side)

    monkeypatch.setattr(thumbnails, "decode_image", spy)
    return calls


@pytest.fixture
def loader(qapp):
    made = ThumbnailLoader(max_threads=2)
    yield made
    assert made.shutdown(5000)
    made.deleteLater()


def test_request_decodes_in_a_worker_thread_and_caches(qtbot, loader, pngs, decode_threads):
    with qtbot.waitSignal(loader.image_loaded, timeout=5000) as blocker:
        assert loader.request(pngs[0], 128) is None
    assert blocker.args == [str(pngs[0]), 128]
    pixmap = loader.cached(pngs[0], 128)
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (128, 128)
    assert decode_threads and all(t != threading.get_ident() for t, _p, _s in decode_threads)
    assert loader.request(pngs[0], 128) is not None
    assert len(decode_threads) == 1  # the second request was a cache hit


def test_scaled_decode_keeps_aspect_ratio_and_never_upscales(qtbot, loader, tmp_path):
    tall = make_png(tmp_path / "tall.png", size=(512, 768))
    small = make_png(tmp_path / "small.png", size=(64, 32))
    loader.request(tall, 192)
    loader.request(small, 192)
    qtbot.waitUntil(lambda: loader.pending_count() == 0, timeout=5000)
    assert loader.cached(tall, 192).size().toTuple() == (128, 192)
    assert loader.cached(small, 192).size().toTuple() == (64, 32)


def test_full_size_request(qtbot, loader, pngs):
    loader.request(pngs[1], FULL_SIZE)
    qtbot.waitUntil(lambda: loader.cached(pngs[1]) is not None, timeout=5000)
    full = loader.cached(pngs[1])
    assert (full.width(), full.height()) == (512, 512)
    assert full.toImage().pixelColor(10, 10).getRgb()[:3] == COLORS[1]
    assert loader.best_cached(pngs[1]) is not None


def test_best_cached_prefers_the_largest_size(qtbot, loader, pngs):
    loader.request(pngs[2], 128)
    loader.request(pngs[2], 256)
    qtbot.waitUntil(lambda: loader.pending_count() == 0, timeout=5000)
    assert loader.best_cached(pngs[2]).width() == 256


def test_unreadable_file_reports_failure_once(qtbot, loader, tmp_path, decode_threads):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png at all")
    with qtbot.waitSignal(loader.load_failed, timeout=5000) as blocker:
        loader.request(broken, 128)
    assert blocker.args[0] == str(broken) and blocker.args[2]
    assert loader.error(broken, 128)
    assert loader.request(broken, 128) is None
    assert loader.pending_count() == 0  # a known failure is not retried on every paint
    assert len(decode_threads) == 1


def test_cancelled_requests_are_not_decoded_or_reported(qtbot, pngs, decode_threads):
    loader = ThumbnailLoader(max_threads=1)
    try:
        loaded: list[str] = []
        loader.image_loaded.connect(lambda path, _side: loaded.append(path))
        for path in pngs:
            loader.request(path, 64)
        loader.cancel_all()
        qtbot.waitUntil(lambda: loader.pending_count() == 0, timeout=5000)
        qtbot.wait(50)
        assert loaded == []
        assert len(decode_threads) <= 1  # at most the one a worker had already taken
        assert all(loader.cached(p, 64) is None for p in pngs)
    finally:
        loader.shutdown()


def test_cancel_thumbnails_keeps_full_size_requests(qtbot, pngs):
    loader = ThumbnailLoader(max_threads=1)
    try:
        for path in pngs[:3]:
            loader.request(path, 64)
        loader.request(pngs[3], FULL_SIZE)
        loader.cancel_thumbnails()
        qtbot.waitUntil(lambda: loader.cached(pngs[3]) is not None, timeout=5000)
        qtbot.waitUntil(lambda: loader.pending_count() == 0, timeout=5000)
        assert sum(loader.cached(p, 64) is not None for p in pngs[:3]) <= 1
    finally:
        loader.shutdown()


def test_forget_drops_cached_pixmaps(qtbot, loader, pngs):
    loader.request(pngs[0], 64)
    qtbot.waitUntil(lambda: loader.cached(pngs[0], 64) is not None, timeout=5000)
    loader.forget(pngs[0])
    assert loader.cached(pngs[0], 64) is None
    assert loader.cache_bytes == 0


def test_cache_evicts_least_recently_used(qtbot, pngs):
    loader = ThumbnailLoader(max_threads=1, cache_bytes=2 * 64 * 64 * 4)
    try:
        for path in pngs[:3]:
            loader.request(path, 64)
            qtbot.waitUntil(lambda p=path: loader.cached(p, 64) is not None, timeout=5000)
        assert loader.cached(pngs[0], 64) is None
        assert loader.cached(pngs[2], 64) is not None
        assert loader.cache_bytes <= 2 * 64 * 64 * 4
    finally:
        loader.shutdown()


def test_queue_serves_full_size_first_then_newest_thumbnails():
    queue = _JobQueue(max_workers=1)
    assert queue.push(_Job(("a", 64), 0), urgent=False) is True  # starts the one worker
    assert queue.push(_Job(("b", 64), 0), urgent=False) is False
    queue.push(_Job(("c", 0), 0), urgent=True)
    queue.push(_Job(("a", 64), 0), urgent=False)  # asked again: moves to the front
    order = [queue.pop().key for _ in range(3)]
    assert order == [("c", 0), ("a", 64), ("b", 64)]
    assert queue.pop() is None  # the worker leaves...
    assert queue.push(_Job(("d", 64), 0), urgent=False) is True  # ...so a new one is needed


def test_queue_drops_the_oldest_thumbnail_requests(monkeypatch):
    monkeypatch.setattr(thumbnails, "MAX_QUEUED_THUMBNAILS", 3)
    queue = _JobQueue(max_workers=1)
    for name in "abcde":
        queue.push(_Job((name, 64), 0), urgent=False)
    assert queue.pending() == 3
    assert [queue.pop().key[0] for _ in range(3)] == ["e", "d", "c"]


QASYNC_SCRIPT = """
import asyncio, sys, threading
from PySide6.QtWidgets import QApplication
import qasync
from app.ui.widgets import thumbnails
from app.ui.widgets.thumbnails import ThumbnailLoader

threads = []
real = thumbnails.decode_image
thumbnails.decode_image = lambda p, s: threads.append(threading.get_ident()) or real(p, s)
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
loader = ThumbnailLoader(max_threads=2)

async def main():
    gui_thread = threading.get_ident()
    loader.request(sys.argv[1], 96)
    for _ in range(500):
        if loader.cached(sys.argv[1], 96) is not None:
            break
        await asyncio.sleep(0.01)
    assert loader.cached(sys.argv[1], 96) is not None, "thumbnail never arrived"
    assert threads and gui_thread not in threads
    return "ok"

with loop:
    print(loop.run_until_complete(main()))
loader.shutdown()
"""


def test_loader_delivers_under_a_qasync_loop(pngs):
    """With qasync the asyncio loop runs on the GUI thread; results must still arrive there.
    Run in a child process so the loop's stop does not touch this session's Qt loop."""
    import os
    import subprocess

    env = {**os.environ, "QT_API": "pyside6", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", QASYNC_SCRIPT, str(pngs[0])],
        capture_output=True, text=True, timeout=60, env=env, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_python_singletons_survive_many_void_calls_and_emits(qapp):
    """PySide6 6.12 on Python 3.11 under-counts None/True references; the pin must hold."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        fired = Signal()

    emitter = Emitter()
    for _ in range(5000):
        emitter.fired.emit()
        emitter.blockSignals(False)
    assert True is not None  # still alive: the interpreter did not abort


def test_idle_work_waits_for_quiet_yields_to_decodes_and_stops_with_the_loader(
    qtbot, qapp, pngs, monkeypatch
):
    """The cache's own work (a disk thumbnail behind a new image) runs on the pool once no
    decode has been asked for a while, a piece at a time, stepping aside for decodes."""
    monkeypatch.setattr(thumbnails, "IDLE_DELAY_MS", 50)
    loader = ThumbnailLoader(max_threads=2)
    pieces = [1, 2, 3]
    done: list[int] = []
    gate = threading.Event()

    def idle() -> bool:
        if not pieces:
            return False
        done.append(pieces.pop(0))
        if len(done) == 1:
            gate.wait(5)  # a decode is asked for while this piece runs
        return True

    loader.set_source_resolver(None, idle)
    try:
        loader.request(pngs[0], 64)
        qtbot.waitUntil(lambda: loader.cached(pngs[0], 64) is not None, timeout=5000)
        qtbot.waitUntil(lambda: done == [1], timeout=5000)
        assert loader.request(pngs[1], 64) is None
        qtbot.waitUntil(lambda: loader.cached(pngs[1], 64) is not None, timeout=5000)
        assert done == [1], "the decode did not wait for the idle piece"
        gate.set()
        qtbot.waitUntil(lambda: done == [1, 2, 3], timeout=5000)
    finally:
        gate.set()
        assert loader.shutdown(5000)
    pieces.extend([4, 5])
    loader._start_idle_work()  # as its timer would
    assert loader.shutdown(5000)
    assert 4 not in done, "no idle work once the loader shut down"
    loader.deleteLater()
