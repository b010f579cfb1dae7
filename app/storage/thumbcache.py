"""Gallery thumbnails cached on disk, keyed by the image's sha256, made once with Pillow.

Every method that touches files blocks: call them from worker threads (the thumbnail
loader's pool, or an executor), never from the GUI thread.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from app.fsutil import atomic_write_bytes

log = logging.getLogger(__name__)

BUCKETS = (256, 512)
"""Thumbnail sides kept on disk; a request is served by the smallest bucket that covers it."""
MAX_WANTED = 256  # thumbnails of new images waiting to be made behind; older ones made on use

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSIONS = (".jpg", ".png")


class ThumbCache:
    """Thumbnail files under ``root``; the library's originals are never touched."""

    def __init__(self, root: Path, *, quality: int = 88) -> None:
        self.root = Path(root)
        self.quality = quality
        self._lock = threading.Lock()
        self._sha_by_path: dict[str, str] = {}
        self._fresh: set[str] = set()  # images just stored: shown from the original first
        self._wanted: dict[tuple[str, int], str] = {}  # (path, bucket) -> sha256, made behind
        self.made = 0  # thumbnails written by this instance (for tests and diagnostics)

    # -- which file to read --------------------------------------------------------------

    @staticmethod
    def bucket(side: int) -> int | None:
        """The cached size that serves a ``side``-pixel thumbnail; None: use the original."""
        if side <= 0:
            return None
        return next((b for b in BUCKETS if b >= side), None)

    def remember(self, path: Path | str, sha256: str, *, fresh: bool = False) -> None:
        """Tells the cache which content a library file holds (from the history database).

        ``fresh``: the image was just stored. Its first tile decodes the original (one decode
        instead of making the thumbnail, then decoding that) and the thumbnail is made behind
        it, by ``make_wanted``; a new image reaches the screen sooner."""
        if _SHA256.match(sha256 or ""):
            with self._lock:
                self._sha_by_path[str(path)] = sha256
                if fresh:
                    self._fresh.add(str(path))

    def remember_many(self, pairs: Iterable[tuple[Path | str, str]]) -> None:
        for path, sha256 in pairs:
            self.remember(path, sha256)

    def forget(self, path: Path | str) -> None:
        with self._lock:
            self._sha_by_path.pop(str(path), None)
            self._drop_wanted(str(path))

    def known(self, path: Path | str) -> str | None:
        with self._lock:
            return self._sha_by_path.get(str(path))

    def path_for(self, sha256: str, bucket: int, ext: str = ".jpg") -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / f"{sha256}-{bucket}{ext}"

    def cached(self, sha256: str, bucket: int) -> Path | None:
        for ext in _EXTENSIONS:
            candidate = self.path_for(sha256, bucket, ext)
            if candidate.exists():
                return candidate
        return None

    def source_for(self, path: str, side: int) -> str:
        """The file to decode for a ``side``-pixel thumbnail of ``path``: a cached (or newly
        made) thumbnail when the content is known, else ``path`` itself. Never raises."""
        sha256 = self.known(path)
        bucket = self.bucket(side)
        if sha256 is None or bucket is None:
            return path
        if self._show_original_first(path, sha256, bucket):
            return path
        try:
            made = self.ensure(Path(path), sha256, side)
        except Exception:  # a broken original: let the decoder report it
            log.debug("no thumbnail for %s", path, exc_info=True)
            return path
        return str(made) if made is not None else path

    def _show_original_first(self, path: str, sha256: str, bucket: int) -> bool:
        """True for a fresh image whose thumbnail is not made yet (it is then wanted)."""
        with self._lock:
            if path not in self._fresh:
                return False
        if self.cached(sha256, bucket) is not None:
            return False
        with self._lock:
            if path not in self._fresh:  # forgotten meanwhile
                return False
            self._wanted.pop((path, bucket), None)
            self._wanted[(path, bucket)] = sha256  # newest last
            while len(self._wanted) > MAX_WANTED:
                del self._wanted[next(iter(self._wanted))]
        return True

    def make_wanted(self) -> bool:
        """Makes one thumbnail wanted by a fresh image (newest first); False when none is
        wanted. Blocking: the thumbnail loader's workers call it when they have nothing else
        to decode."""
        with self._lock:
            if not self._wanted:
                return False
            (path, bucket), sha256 = self._wanted.popitem()
        try:
            self.ensure(Path(path), sha256, bucket)
        except Exception:  # a broken or deleted original: its tile reports it
            log.debug("no thumbnail for %s", path, exc_info=True)
        with self._lock:
            if not any(key[0] == path for key in self._wanted):
                self._fresh.discard(path)  # from now on served by its thumbnail
        return True

    def _drop_wanted(self, path: str) -> None:
        """Forgets what ``path`` wanted (call with the lock held)."""
        self._fresh.discard(path)
        for key in [key for key in self._wanted if key[0] == path]:
            del self._wanted[key]

    # -- making and pruning --------------------------------------------------------------

    def ensure(self, source: Path, sha256: str, side: int) -> Path | None:
        """The thumbnail file for ``side``, made from ``source`` if missing; None when the
        original is already that small (or no bucket covers ``side``)."""
        bucket = self.bucket(side)
        if bucket is None:
            return None
        existing = self.cached(sha256, bucket)
        if existing is not None:
            return existing
        with Image.open(source) as img:
            if max(img.size) <= bucket:
                return None
            img.draft("RGB", (bucket, bucket))
            alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
            thumb = img.convert("RGBA" if alpha else "RGB")
            thumb.thumbnail((bucket, bucket), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if alpha:
            thumb.save(out, format="PNG", optimize=False)
        else:
            thumb.save(out, format="JPEG", quality=self.quality, optimize=True)
        dest = self.path_for(sha256, bucket, ".png" if alpha else ".jpg")
        atomic_write_bytes(dest, out.getvalue())
        self.made += 1
        return dest

    def discard(self, sha256: str) -> None:
        if not _SHA256.match(sha256 or ""):
            return
        with self._lock:
            for path in {key[0] for key, sha in self._wanted.items() if sha == sha256}:
                self._drop_wanted(path)
        for bucket in BUCKETS:
            for ext in _EXTENSIONS:
                with contextlib.suppress(OSError):
                    self.path_for(sha256, bucket, ext).unlink()

    def prune(self, keep: Iterable[str]) -> int:
        """Removes thumbnails of images no longer in the library; returns how many."""
        wanted = set(keep)
        removed = 0
        if not self.root.is_dir():
            return 0
        for file in self.root.glob("??/*"):
            sha256 = file.name.split("-", 1)[0]
            if _SHA256.match(sha256) and sha256 not in wanted:
                with contextlib.suppress(OSError):
                    file.unlink()
                    removed += 1
        return removed
