"""The image library: files exactly as downloaded, checked by decoding, exported with metadata."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from PIL import Image

from app.core.exportformat import EXTENSIONS, ExportFormat
from app.core.filenames import sanitize_filename, unique_name
from app.fsutil import atomic_write_bytes

MAX_PIXELS = 8192 * 8192
_EXT_BY_TYPE = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


class ImageCheckError(ValueError):
    """A downloaded file is not a decodable image of sane size."""


def extension_for(content_type: str | None) -> str:
    return _EXT_BY_TYPE.get((content_type or "").split(";")[0].strip().lower(), ".png")


def library_path(
    library_dir: Path,
    *,
    generation_id: int,
    task_id: str | None,
    index: int,
    ext: str,
    when: float | None = None,
) -> Path:
    """Where an output lives: built from our own ids, never from the server's file name."""
    month = time.strftime("%Y-%m", time.localtime(when if when is not None else time.time()))
    task = sanitize_filename(task_id or "local", max_bytes=40)
    name = f"g{generation_id:06d}-t{task}-{index:02d}{ext}"
    return library_dir / month / sanitize_filename(name)


def inspect_image(path: Path) -> tuple[int, int]:
    """Fully decodes the image (so a truncated or corrupt file is caught) and returns its size."""
    try:
        with Image.open(path) as img:
            width, height = img.size
            if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
                raise ImageCheckError(f"image size {width}x{height} is not acceptable")
            img.load()
    except ImageCheckError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ImageCheckError(f"not a readable image ({type(exc).__name__})") from None
    return width, height


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_bytes(
    source: Path,
    *,
    texts: dict[str, str] | None,
    strip: bool = False,
    fmt: ExportFormat | None = None,
) -> bytes:
    """The file's bytes (converted if ``fmt`` asks) with our settings, or stripped of all.

    PNG, JPEG and WebP alike carry the settings; a copy kept in its own type stays bit-exact.
    """
    from app.storage.imagewrite import export_payload

    data = source.read_bytes()
    return export_payload(data, texts=texts, strip=strip, fmt=fmt or ExportFormat())


def export_image(
    source: Path,
    folder: Path,
    stem: str,
    *,
    texts: dict[str, str] | None,
    strip: bool = False,
    fmt: ExportFormat | None = None,
) -> Path:
    """Writes a copy into ``folder`` under a unique sanitized name."""
    from app.storage.imagewrite import kind_of

    fmt = fmt or ExportFormat()
    data = export_bytes(source, texts=texts, strip=strip, fmt=fmt)
    ext = EXTENSIONS.get(kind_of(data) or "", fmt.extension(source.suffix))  # what it really is
    folder.mkdir(parents=True, exist_ok=True)
    name = unique_name(sanitize_filename(stem), ext, lambda n: (folder / n).exists())
    return atomic_write_bytes(folder / name, data)


def export_image_to(
    source: Path,
    dest: Path,
    *,
    texts: dict[str, str] | None,
    strip: bool = False,
    fmt: ExportFormat | None = None,
) -> Path:
    """Writes a copy to exactly ``dest`` (a path the user chose), replacing it atomically."""
    return atomic_write_bytes(dest, export_bytes(source, texts=texts, strip=strip, fmt=fmt))
