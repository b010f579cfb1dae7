"""File/Upload as Wiro answers it, and the emulator's own file URLs that serve uploads back."""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.emulator.config import EmulatorConfig
from app.emulator.wire import MSG_BAD_BODY, Authenticator, fail
from app.fsutil import atomic_write_bytes

log = logging.getLogger("app.emulator")

# Wiro's files doc: images, video, audio, documents and ZIP archives (limit: config).
SUPPORTED_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".mp4", ".webm", ".mov", ".mp3"}
    | {".wav", ".m4a", ".pdf", ".csv", ".docx", ".xlsx", ".pptx", ".txt", ".md", ".epub", ".zip"}
)
MSG_NO_FILE = "file is required"  # assumed wording: Wiro's docs give none
MSG_TOO_LARGE = "File size exceeds the 100 MB limit"  # assumed wording
MSG_UNSUPPORTED = "File type is not supported"  # assumed wording
FILES_PREFIX = "/files/"
MEMORY_BYTES = 512 * 1024 * 1024
_CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".heic": "image/heic",
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class StoredUpload:
    """One uploaded file and the record File/Upload answered with."""

    folder: str
    name: str
    data: bytes
    record: dict[str, Any]


def safe_name(name: str) -> str:
    """A client's file name made safe to store and to put in a URL path."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = _UNSAFE.sub("_", base).strip(" .")
    return clean[:120] or "upload"


class UploadStore:
    """Uploaded files in memory, and on disk next to the state file when the emulator
    persists (so a task resumed after a restart still finds its input)."""

    def __init__(self, directory: Path | None = None, memory_bytes: int = MEMORY_BYTES) -> None:
        self.directory = directory
        self.memory_bytes = memory_bytes
        self._files: dict[tuple[str, str], StoredUpload] = {}

    def add(self, name: str, data: bytes, origin: str) -> StoredUpload:
        folder = secrets.token_hex(12)
        name = safe_name(name)
        suffix = Path(name).suffix.lower()
        record = {
            "id": secrets.token_hex(16),
            "name": name,
            "contenttype": _CONTENT_TYPES.get(suffix, "application/octet-stream"),
            "size": str(len(data)),
            "parentid": secrets.token_hex(16),
            "url": f"{origin}{FILES_PREFIX}{folder}/{quote(name)}",
            "addedtime": str(int(time.time())),
            "accesskey": secrets.token_urlsafe(24),
        }
        stored = StoredUpload(folder, name, data, record)
        self._files[(folder, name)] = stored
        self._write(folder, name, data)
        self._trim()
        return stored

    def _trim(self) -> None:
        """Forget the oldest uploads held in memory past the budget (disk copies stay)."""
        total = sum(len(f.data) for f in self._files.values())
        for key in list(self._files):
            if total <= self.memory_bytes or len(self._files) == 1:
                break
            total -= len(self._files.pop(key).data)

    def get(self, folder: str, name: str) -> bytes | None:
        stored = self._files.get((folder, name))
        if stored is not None:
            return stored.data
        path = self._path(folder, name)
        if path is None or not path.is_file():
            return None
        with contextlib.suppress(OSError):
            return path.read_bytes()
        return None

    def by_url(self, url: str) -> bytes | None:
        """The upload an emulator file URL names (any host: the port changes on restart)."""
        path = urlsplit(url).path
        if not path.startswith(FILES_PREFIX):
            return None
        folder, _, name = path[len(FILES_PREFIX) :].partition("/")
        return self.get(folder, unquote(name)) if folder and name else None

    def _path(self, folder: str, name: str) -> Path | None:
        if self.directory is None or not re.fullmatch(r"[0-9a-f]{24}", folder):
            return None
        return self.directory / f"{folder}-{safe_name(name)}"

    def _write(self, folder: str, name: str, data: bytes) -> None:
        path = self._path(folder, name)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
        except OSError as exc:
            log.warning("could not keep upload %s on disk: %s", path.name, exc)


class UploadEndpoints:
    """POST /v1/File/Upload and GET /files/{folder}/{name}."""

    def __init__(self, store: UploadStore, auth: Authenticator, config: EmulatorConfig) -> None:
        self.store = store
        self.auth = auth
        self.config = config

    async def upload(self, request: Request) -> Response:
        _key, denied = self.auth.check(request)
        if denied is not None:
            return denied
        ctype = request.headers.get("content-type", "").lower()
        if not ctype.startswith("multipart/form-data") or "boundary=" not in ctype:
            return fail(0, MSG_NO_FILE)
        try:
            form = await request.form(max_files=10)
        except Exception:
            return fail(0, MSG_BAD_BODY)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return fail(0, MSG_NO_FILE)
            limit = self.config.upload_limit_bytes
            data = await upload.read(limit + 1)
            name = upload.filename or "upload"
        finally:
            await form.close()
        if len(data) > limit:
            return fail(0, MSG_TOO_LARGE)
        if Path(safe_name(name)).suffix.lower() not in SUPPORTED_SUFFIXES:
            return fail(0, MSG_UNSUPPORTED)
        origin = f"{request.url.scheme}://{request.url.netloc}"
        stored = self.store.add(name, data, origin)
        return JSONResponse({"result": True, "errors": [], "list": [dict(stored.record)]})

    async def serve(self, request: Request) -> Response:
        folder, name = request.path_params["folder"], request.path_params["name"]
        data = self.store.get(folder, name)
        if data is None:
            return PlainTextResponse("Not Found", 404)
        media = _CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
        return Response(data, media_type=media, headers={"Cache-Control": "public"})
