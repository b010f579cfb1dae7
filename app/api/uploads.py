"""File/Upload's request and answer: the file read off the event loop, named safely,
multipart-encoded (field ``file``), and the stored file's address checked."""

from __future__ import annotations

import asyncio
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.api.download import check_url
from app.api.errors import BadResponseError, UnsafeUrlError, ValidationError
from app.api.models import UploadedFile, parse_upload
from app.core.file_inputs import MAX_UPLOAD_BYTES

TOO_LARGE = "The file is larger than Wiro's 100 MB upload limit."


@dataclass(frozen=True)
class UploadBody:
    """A ready multipart body and its Content-Type (with the boundary)."""

    content: bytes
    content_type: str
    name: str


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise ValidationError(TOO_LARGE)
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"The file to upload cannot be read: {exc.strerror}") from exc


def upload_name(name: str) -> str:
    """A plain file name for the upload (no folders, no control characters)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return clean[:200] or "image.png"


async def upload_body(path_or_bytes: Path | str | bytes, name: str = "") -> UploadBody:
    """The multipart body for one file (Wiro's files doc: field ``file``, 100 MB at most)."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
    else:
        source = Path(path_or_bytes)
        name = name or source.name
        data = await asyncio.to_thread(_read, source)
    name = upload_name(name)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(TOO_LARGE)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    request = httpx.Request("POST", "https://upload.invalid/", files={"file": (name, data, media)})
    return UploadBody(request.read(), request.headers["Content-Type"], name)


def checked_upload(payload: Any, insecure_hosts: frozenset[str]) -> UploadedFile:
    """The stored file from File/Upload's answer, refused unless its address is https (or
    an allowed loopback host in demo and tests)."""
    uploaded = parse_upload(payload)
    try:
        check_url(uploaded.url, insecure_hosts)
    except UnsafeUrlError as exc:
        raise BadResponseError(
            f"Wiro answered the upload with an unusable address: {exc.message}"
        ) from exc
    return uploaded
