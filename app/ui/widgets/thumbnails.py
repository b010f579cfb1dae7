"""Off-thread image loading: decode in a thread pool, cache pixmaps on the GUI thread.

Workers only build ``QImage`` (reentrant); the GUI thread turns each into a ``QPixmap`` when
the result arrives through a queued signal. That works the same under a plain Qt loop and
under qasync (whose asyncio loop runs on the Qt main thread).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

log = logging.getLogger(__name__)

FULL_SIZE = 0
"""``max_side`` meaning "the whole image, not scaled"."""

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
MAX_QUEUED_THUMBNAILS = 400  # older requests are dropped: they scrolled out of sight long ago

Key = tuple[str, int]
FILE_MISSING = "file missing"  # the error text for an image deleted from disk
SourceFor = Callable[[str, int], str]
"""(path, max_side) -> the file to decode instead; called on a worker thread."""
IdleWork = Callable[[], bool]
"""Work for quiet moments (a disk thumbnail made behind a new image's first decode): one piece
per call, True when it did some. Called on a pool thread once no decode has been asked for
``IDLE_DELAY_MS``, and only while none is waiting."""
IDLE_DELAY_MS = 1000


def decode_image(path: str, max_side: int) -> QImage:
    """Reads ``path`` into a QImage fitting a ``max_side`` square (0: full size). Any thread."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if max_side > 0:
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > max_side:
            scaled = size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(scaled.expandedTo(QSize(1, 1)))
    image = reader.read()
    if image.isNull():
        raise OSError(reader.errorString() or "unreadable image")
    wanted = (
        QImage.Format.Format_ARGB32_Premultiplied
        if image.hasAlphaChannel()
        else QImage.Format.Format_RGB32
    )
    return image if image.format() == wanted else image.convertToFormat(wanted)


@dataclass(eq=False)
class _Job:
    key: Key
    epoch: int
    cancelled: bool = False


class _JobQueue:
    """The requests waiting for a worker: newest first, full-size images before thumbnails."""

    def __init__(self, max_workers: int) -> None:
        self._lock = threading.Lock()
        self._urgent: OrderedDict[Key, _Job] = OrderedDict()
        self._normal: OrderedDict[Key, _Job] = OrderedDict()
        self._running: dict[Key, _Job] = {}
        self._workers = 0
        self.max_workers = max_workers

    def push(self, job: _Job, urgent: bool) -> bool:
        """Queues ``job`` (or moves its twin to the front); True when a worker must start."""
        key = job.key
        with self._lock:
            running = self._running.get(key)
            if running is not None and not running.cancelled:
                return False
            if key in self._urgent:
                self._urgent.move_to_end(key)
            elif key in self._normal and not urgent:
                self._normal.move_to_end(key)
            else:
                self._normal.pop(key, None)
                (self._urgent if urgent else self._normal)[key] = job
                while len(self._normal) > MAX_QUEUED_THUMBNAILS:
                    self._normal.popitem(last=False)
            if self._workers < self.max_workers:
                self._workers += 1
                return True
            return False

    def pop(self) -> _Job | None:
        """The next job for a worker, or None (and the worker leaves) when there is none."""
        with self._lock:
            for lane in (self._urgent, self._normal):
                if lane:
                    _key, job = lane.popitem(last=True)
                    self._running[job.key] = job
                    return job
            self._workers -= 1
            return None

    def finish(self, job: _Job) -> None:
        with self._lock:
            if self._running.get(job.key) is job:
                del self._running[job.key]

    def cancel(self, match) -> None:
        with self._lock:
            for lane in (self._urgent, self._normal):
                for key in [k for k in lane if match(k)]:
                    del lane[key]
            for key, job in self._running.items():
                if match(key):
                    job.cancelled = True

    def pending(self) -> int:
        with self._lock:
            return len(self._urgent) + len(self._normal) + len(self._running)


class _Relay(QObject):
    decoded = Signal(object, object, str)


class _Worker(QRunnable):
    def __init__(self, queue: _JobQueue, relay: _Relay, source_for: SourceFor | None) -> None:
        super().__init__()
        self._queue = queue
        self._relay = relay
        self._source_for = source_for

    def run(self) -> None:
        while (job := self._queue.pop()) is not None:
            image, error = None, ""
            if not job.cancelled:
                try:
                    path, side = job.key
                    if not os.path.exists(path):  # a cached thumbnail must not hide it
                        raise FileNotFoundError(FILE_MISSING)
                    if self._source_for is not None and side != FULL_SIZE:
                        path = self._source_for(path, side)  # e.g. a thumbnail cached on disk
                    image = decode_image(path, side)
                except Exception as exc:  # any decoder failure becomes a visible "unreadable"
                    error = str(exc) or type(exc).__name__
            try:
                self._relay.decoded.emit(job, image, error)
            except RuntimeError:  # the loader was deleted while we decoded
                return


class _IdleRunner(QRunnable):
    """Does idle work one piece at a time while no decode waits; one at a time per loader."""

    def __init__(self, queue: _JobQueue, work: IdleWork, gate: _IdleGate) -> None:
        super().__init__()
        self._queue, self._work, self._gate = queue, work, gate

    def run(self) -> None:
        try:
            while self._gate.open and self._queue.pending() == 0 and self._work():
                pass
        except Exception:  # idle work is an optimisation: never an error the user sees
            log.debug("idle work failed", exc_info=True)
        finally:
            self._gate.release()


class _IdleGate:
    """At most one idle runner per loader, and none once it shuts down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self.open = True

    def take(self) -> bool:
        with self._lock:
            if self._busy or not self.open:
                return False
            self._busy = True
            return True

    def release(self) -> None:
        with self._lock:
            self._busy = False


class _PixmapCache:
    """A least-recently-used cache of pixmaps with a byte budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._items: OrderedDict[Key, QPixmap] = OrderedDict()

    @staticmethod
    def _cost(pixmap: QPixmap) -> int:
        return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)

    def get(self, key: Key) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: Key, pixmap: QPixmap) -> None:
        self.discard(key)
        self._items[key] = pixmap
        self.used += self._cost(pixmap)
        while self.used > self.budget and len(self._items) > 1:
            _old, dropped = self._items.popitem(last=False)
            self.used -= self._cost(dropped)

    def discard(self, key: Key) -> None:
        pixmap = self._items.pop(key, None)
        if pixmap is not None:
            self.used -= self._cost(pixmap)

    def keys_for(self, path: str) -> list[Key]:
        return [key for key in self._items if key[0] == path]

    def clear(self) -> None:
        self._items.clear()
        self.used = 0


def make_decode_pool(max_threads: int | None = None, parent: QObject | None = None) -> QThreadPool:
    """The pool thumbnails decode on (main.py makes the app's one and passes it in)."""
    threads = max_threads or max(2, QThreadPool.globalInstance().maxThreadCount() - 1)
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(threads)
    pool.setExpiryTimeout(30_000)
    return pool


class ThumbnailLoader(QObject):
    """Decodes image files off the GUI thread and hands out cached, scaled pixmaps."""

    image_loaded = Signal(str, int)  # path, max_side (0 = full size)
    load_failed = Signal(str, int, str)  # path, max_side, reason

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_threads: int | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        if pool is None:
            pool = make_decode_pool(max_threads, self)
        threads = pool.maxThreadCount()
        self._pool = pool
        self._queue = _JobQueue(threads)
        self._relay = _Relay(self)
        self._relay.decoded.connect(self._on_relay_decoded, Qt.ConnectionType.QueuedConnection)
        self._cache = _PixmapCache(cache_bytes)
        self._failed: dict[Key, str] = {}
        self._epoch = 0
        self._source_for: SourceFor | None = None
        self._idle: IdleWork | None = None
        self._idle_gate = _IdleGate()
        self._idle_timer = QTimer(self)  # restarted by every request: idle work waits for quiet
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(IDLE_DELAY_MS)
        self._idle_timer.timeout.connect(self._start_idle_work)

    def set_source_resolver(
        self, source_for: SourceFor | None, idle: IdleWork | None = None
    ) -> None:
        """Scaled requests decode ``source_for(path, side)`` instead (a disk thumbnail cache);
        ``idle`` is the cache's own work, done on the pool in quiet moments (IdleWork)."""
        self._source_for = source_for
        self._idle = idle

    @staticmethod
    def key(path: str | PathLike[str], max_side: int = FULL_SIZE) -> Key:
        return (str(path), int(max_side))

    def request(
        self, path: str | PathLike[str], max_side: int = FULL_SIZE, *, urgent: bool = False
    ) -> QPixmap | None:
        """The cached pixmap, or None after queueing a decode (``image_loaded`` follows)."""
        key = self.key(path, max_side)
        pixmap = self._cache.get(key)
        if pixmap is not None or key in self._failed:
            return pixmap
        if self._queue.push(_Job(key, self._epoch), urgent or max_side == FULL_SIZE):
            self._pool.start(_Worker(self._queue, self._relay, self._source_for))
        if self._idle is not None:
            self._idle_timer.start()
        return None

    def cached(self, path: str | PathLike[str], max_side: int = FULL_SIZE) -> QPixmap | None:
        return self._cache.get(self.key(path, max_side))

    def best_cached(self, path: str | PathLike[str]) -> QPixmap | None:
        """The largest pixmap cached for ``path`` at any size (a preview while loading)."""
        keys = self._cache.keys_for(str(path))
        if not keys:
            return None
        best = max(keys, key=lambda k: k[1] if k[1] else 1 << 30)
        return self._cache.get(best)

    def error(self, path: str | PathLike[str], max_side: int = FULL_SIZE) -> str | None:
        return self._failed.get(self.key(path, max_side))

    def cancel(self, path: str | PathLike[str], max_side: int | None = None) -> None:
        """Forgets queued requests for ``path`` (one size or all); running ones are ignored."""
        wanted = str(path)
        self._queue.cancel(lambda k: k[0] == wanted and (max_side is None or k[1] == max_side))

    def cancel_thumbnails(self) -> None:
        """Forgets every scaled request (a gallery reset) but not full-size ones (a viewer)."""
        self._queue.cancel(lambda k: k[1] != FULL_SIZE)

    def cancel_all(self) -> None:
        self._epoch += 1
        self._queue.cancel(lambda _k: True)

    def forget(self, path: str | PathLike[str]) -> None:
        """Drops cached pixmaps and failures for ``path`` (its file changed or went away)."""
        self.cancel(path)
        for key in self._cache.keys_for(str(path)):
            self._cache.discard(key)
        self._failed = {k: v for k, v in self._failed.items() if k[0] != str(path)}

    def clear_cache(self) -> None:
        self._cache.clear()
        self._failed.clear()

    def pending_count(self) -> int:
        return self._queue.pending()

    @property
    def cache_bytes(self) -> int:
        return self._cache.used

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Drops queued work and waits for running decodes; True when all workers ended."""
        self._idle_gate.open = False
        self._idle_timer.stop()
        self.cancel_all()
        return self._pool.waitForDone(timeout_ms)

    def _start_idle_work(self) -> None:
        if self._idle is None:
            return
        if self._queue.pending():
            self._idle_timer.start()  # still decoding: later
        elif self._idle_gate.take():
            self._pool.start(_IdleRunner(self._queue, self._idle, self._idle_gate))

    def _on_relay_decoded(self, job: _Job, image: QImage | None, error: str) -> None:
        self._queue.finish(job)
        if job.cancelled or job.epoch != self._epoch:
            return
        path, max_side = job.key
        if image is None:
            self._failed[job.key] = error
            self.load_failed.emit(path, max_side, error)
            return
        self._cache.put(job.key, QPixmap.fromImage(image))
        self.image_loaded.emit(path, max_side)
