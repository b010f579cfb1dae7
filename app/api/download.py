"""Safe output downloads: URL policy, size limits, image magic, fsync and atomic rename."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import random
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.api.errors import (
    DownloadError,
    ExpiredLinkError,
    NetworkError,
    RefusedImageError,
    ServerError,
    StorageFullError,
    StorageWriteError,
    UnsafeUrlError,
    WiroError,
)
from app.api.hostpolicy import (
    host_address,
    is_local_name,
    is_private_host,
    split_host_port,
    url_listed,
)
from app.api.limits import BodyRefused, limited_chunks
from app.api.retry import RetryPolicy, is_retryable_status, parse_retry_after
from app.fsutil import honour_umask

MAX_REDIRECTS = 3
_WRITE_CHUNK = 1024 * 1024


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_EXPIRED_STATUSES = {403, 404, 410}


def storage_error(exc: OSError, folder: Path) -> DownloadError:
    """The DownloadError for a failed write into ``folder``, by what the OS said."""
    if exc.errno in _FULL_ERRNOS:
        return StorageFullError(f"Disk full: free space in {folder}, then press Retry.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageWriteError(f"Cannot write into {folder}: {exc.strerror or exc}.")
    return DownloadError(f"The image could not be saved: {exc.strerror or exc}")


@dataclass(frozen=True)
class DownloadResult:
    """A downloaded output, already renamed into place."""

    path: Path
    size: int
    sha256: str


def is_loopback_host(host: str) -> bool:
    if is_local_name(host):
        return True
    address = host_address(host)
    return address is not None and address.is_loopback


def validate_insecure_hosts(hosts: frozenset[str]) -> None:
    """Only loopback hosts may be reached over plain http/ws (the local emulator)."""
    for entry in hosts:
        host, _ = split_host_port(entry)
        if not is_loopback_host(host):
            raise ValueError(f"insecure_hosts may only list loopback hosts, not {entry!r}")


def check_url(
    url: str | httpx.URL, insecure_hosts: frozenset[str], *, secure_scheme: str = "https"
) -> httpx.URL:
    """The URL if policy allows it: https (or wss) anywhere public, plain only for listed hosts."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrlError("The image address is not a valid URL.") from exc
    plain = "http" if secure_scheme == "https" else "ws"
    if parsed.userinfo or not parsed.host:
        raise UnsafeUrlError("The address has no host or carries a user name.")
    if parsed.scheme == secure_scheme:
        if is_private_host(parsed.host) and not url_listed(parsed, insecure_hosts):
            raise UnsafeUrlError("The address points into a private network.")
        return parsed
    if parsed.scheme == plain and url_listed(parsed, insecure_hosts):
        return parsed
    raise UnsafeUrlError(
        f"Refusing a {parsed.scheme or 'schemeless'}: address; only {secure_scheme} is allowed."
    )


def looks_like_image(head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


class _Retry(Exception):
    def __init__(self, error: WiroError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class _TempFile:
    """A temp file beside ``dest`` that becomes ``dest`` only after fsync and rename."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.fd: int | None = None
        self.path: Path | None = None

    def open(self) -> None:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self.fd, name = tempfile.mkstemp(
            dir=self.dest.parent, prefix=f".{self.dest.name}.", suffix=".part"
        )
        honour_umask(self.fd)  # library files are readable like the user's other files
        self.path = Path(name)

    def write(self, data: bytes) -> None:
        assert self.fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def commit(self) -> None:
        assert self.fd is not None and self.path is not None
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = None
        os.replace(self.path, self.dest)
        self.path = None
        try:
            dir_fd = os.open(self.dest.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)

    def discard(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


class Downloader:
    """Streams one output URL to disk with the client's limits and retry policy."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        insecure_hosts: frozenset[str],
        max_bytes: int,
        deadline: float = 300.0,
        policy: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random,
        on_request: Callable[[], None],
    ) -> None:
        self._http = http
        self._insecure = insecure_hosts
        self._max = max_bytes
        self._deadline = deadline
        self._policy = policy
        self._sleep = sleep
        self._rng = rng
        self._on_request = on_request

    async def download(self, url: str, dest: Path, expected_size: int | None) -> DownloadResult:
        start = check_url(url, self._insecure)
        if expected_size is not None and expected_size > self._max:
            raise RefusedImageError(f"The image is too big ({expected_size} bytes).")
        for attempt in range(self._policy.retries + 1):
            try:
                async with asyncio.timeout(self._deadline):
                    return await self._once(start, dest, expected_size)
            except TimeoutError:
                # A trickling body never trips the per-read timeout; a second try would
                # trickle as slowly, so this ends the download (the follower decides what next).
                raise NetworkError(
                    f"The image download did not finish within {self._deadline:g} s."
                ) from None
            except _Retry as retry:
                if attempt >= self._policy.retries:
                    raise retry.error from None
                await self._sleep(self._policy.delay(attempt, self._rng, retry.retry_after))
        raise AssertionError("unreachable")

    async def _once(self, url: httpx.URL, dest: Path, expected: int | None) -> DownloadResult:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._on_request()
            request = self._http.build_request(
                "GET", current, headers={"Accept-Encoding": "identity", "Accept": "image/*"}
            )
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False)
            except httpx.TransportError as exc:
                raise _Retry(NetworkError(f"The image download failed: {_describe(exc)}")) from exc
            except httpx.HTTPError as exc:
                raise DownloadError("The image could not be requested.") from exc
            try:
                if response.is_redirect:
                    current = self._redirect_target(url, current, response)
                    continue
                return await self._receive(response, dest, expected)
            finally:
                await response.aclose()
        raise RefusedImageError("The image address redirected too many times.")

    def _redirect_target(
        self, origin: httpx.URL, current: httpx.URL, response: httpx.Response
    ) -> httpx.URL:
        location = response.headers.get("location", "")
        try:
            target = current.join(location)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise UnsafeUrlError("The image address redirected to an invalid URL.") from exc
        try:
            target = check_url(target, self._insecure)
        except UnsafeUrlError as exc:
            raise UnsafeUrlError(f"The image address redirected elsewhere: {exc.message}") from None
        if target.host != origin.host or (target.port or 0) != (origin.port or 0):
            raise UnsafeUrlError("The image address redirected to another host.")
        return target

    async def _receive(
        self, response: httpx.Response, dest: Path, expected: int | None
    ) -> DownloadResult:
        status = response.status_code
        if is_retryable_status(status):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            error = ServerError(
                f"The image server had a problem (HTTP {status}).", http_status=status
            )
            raise _Retry(error, retry_after)
        if status in _EXPIRED_STATUSES:
            raise ExpiredLinkError(f"The image links expired (HTTP {status}).", http_status=status)
        if status != 200:
            raise DownloadError(
                f"The image is not available (HTTP {status}); its link may have expired.",
                http_status=status,
            )
        announced = _content_length(response)
        if announced is not None and announced > self._max:
            raise RefusedImageError(f"The image is too big ({announced} bytes).")
        if announced is not None and expected is not None and announced != expected:
            raise RefusedImageError(
                f"The image has the wrong size ({announced} bytes instead of {expected})."
            )
        limit = min(self._max, expected) if expected is not None else self._max
        temp = _TempFile(dest)
        try:
            await asyncio.to_thread(temp.open)
            size, digest = await self._stream(response, temp, limit, expected)
            if announced is not None and size != announced:
                raise _Retry(NetworkError("The image download was cut short."))
            if expected is not None and size != expected:
                raise _Retry(
                    DownloadError(f"The image arrived incomplete ({size} of {expected} bytes).")
                )
            await asyncio.to_thread(temp.commit)
        except OSError as exc:
            raise storage_error(exc, dest.parent) from exc
        finally:
            temp.discard()
        return DownloadResult(path=dest, size=size, sha256=digest)

    async def _stream(
        self, response: httpx.Response, temp: _TempFile, limit: int, expected: int | None
    ) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        head = b""
        pending: list[bytes] = []
        pending_size = 0
        try:
            # Images need no Content-Encoding: any is refused, so nothing is inflated here.
            async for chunk in limited_chunks(response, limit):
                size += len(chunk)
                if len(head) < 12:
                    head = (head + chunk)[:12]
                    if len(head) >= 12 and not looks_like_image(head):
                        raise RefusedImageError(
                            "The downloaded file is not a PNG, JPEG or WebP image."
                        )
                digest.update(chunk)
                pending.append(chunk)
                pending_size += len(chunk)
                if pending_size >= _WRITE_CHUNK:
                    await asyncio.to_thread(temp.write, b"".join(pending))
                    pending, pending_size = [], 0
        except BodyRefused as exc:
            if not exc.too_big:
                raise RefusedImageError(f"The image server sent {exc}; images need none.") from None
            if expected is not None and limit == expected:
                raise RefusedImageError(
                    f"The image is larger than announced ({expected} bytes)."
                ) from None
            raise RefusedImageError(f"The image is too big (over {self._max} bytes).") from None
        except httpx.TransportError as exc:
            raise _Retry(NetworkError(f"The image download failed: {_describe(exc)}")) from exc
        except httpx.HTTPError as exc:
            raise DownloadError("The image data could not be decoded.") from exc
        if not looks_like_image(head):
            raise RefusedImageError("The downloaded file is not a PNG, JPEG or WebP image.")
        if pending:
            await asyncio.to_thread(temp.write, b"".join(pending))
        return size, digest.hexdigest()


def _content_length(response: httpx.Response) -> int | None:
    if response.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() and len(value) < 20 else None


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the server did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    return "the connection dropped"
