"""Typed errors for everything that can go wrong talking to Wiro, with plain-English messages."""

from __future__ import annotations

import re
from typing import Any

from app.core.text import mask_secret, storable

_MAX_MESSAGE = 500
_FIELD_RE = re.compile(r"Request parameter \[([^\]\s]{1,100})\]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# error-reference.md, "Authentication errors": these messages mean the credentials were refused,
# and the same page says any answer may travel with HTTP 200.
_AUTH_RE = re.compile(
    r"project authorization is not|authorization bearer token|"
    r"requires signature authentication|requested ip .{0,64} is not allowed|sign in to run",
    re.IGNORECASE,
)
# error-reference.md, "Task errors": "There is no task yet." (and the newer "task-not-exist").
_NO_TASK_RE = re.compile(r"^\s*(there is no task yet\.?|task-not-exist)\s*$", re.IGNORECASE)
# error-reference.md: "Task is not in a cancellable state." / "Task could not be killed: {reason}"
_NOT_STOPPABLE_RE = re.compile(
    r"not in a cancellable state|could not be killed|not killable|not cancellable", re.IGNORECASE
)


def mask_key(key: str | None) -> str:
    """A key shortened for display (``abcd…wxyz``); short keys show almost nothing."""
    return mask_secret(key or "")


def clean_text(value: Any, limit: int = _MAX_MESSAGE) -> str:
    """A server-provided text made safe to show: a string, no control characters, bounded."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value) if abs(value) < 1e30 else ""
    else:
        text = ""
    text = _CONTROL_RE.sub(" ", storable(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WiroError(Exception):
    """Base class for every failure the Wiro client reports."""

    default_message = "Wiro reported an error."

    def __init__(
        self, message: str = "", *, code: int | None = None, http_status: int | None = None
    ) -> None:
        self.message = clean_text(message) or self.default_message
        self.code = code
        self.http_status = http_status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"http_status={self.http_status!r})"
        )


class AuthError(WiroError):
    """The API key or signature was refused (HTTP 401/403, codes 98/99, or an auth message)."""

    default_message = "Wiro refused the credentials. Check the API key and secret."


class ValidationError(WiroError):
    """Wiro rejected a request parameter (code 0); ``field`` names it when Wiro says which."""

    default_message = "Wiro rejected the request parameters."

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        http_status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.field = field if field is not None else field_from_message(self.message)


class InsufficientBalanceError(WiroError):
    """The Wiro account has too little balance to run (code 97)."""

    default_message = "Your Wiro balance is too low for this run."


class ConcurrencyLimitError(WiroError):
    """The account already runs as many tasks as its balance allows (code 96)."""

    default_message = "Too many tasks are running at once on this Wiro account; try again soon."


class NotFoundError(WiroError):
    """No such task or endpoint, not accessible, or no longer cancellable (code 1, HTTP 404)."""

    default_message = "Wiro could not find what was asked for."


class NotStoppableError(NotFoundError):
    """Cancel or Kill was refused for the task's current state (code 1): try the other one."""

    default_message = "Wiro cannot stop the task in its current state."


class CredentialCheckError(WiroError):
    """The credential check got an answer it does not recognise: neither valid nor refused."""

    default_message = "Could not verify the credentials."


class NetworkError(WiroError):
    """The connection failed, timed out or dropped; ``request_sent`` tells if Wiro may have it."""

    default_message = "Could not reach Wiro. Check the internet connection."

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        http_status: int | None = None,
        request_sent: bool | None = None,
    ) -> None:
        super().__init__(message, code=code, http_status=http_status)
        self.request_sent = request_sent


class ServerError(WiroError):
    """Wiro answered with a server error (5xx) or kept refusing to answer (408/429)."""

    default_message = "Wiro had a problem answering; try again later."


class BadResponseError(ServerError):
    """Wiro's answer was malformed, too big or made no sense."""

    default_message = "Wiro sent an answer the app cannot read."


class DownloadError(WiroError):
    """An output image could not be downloaded intact."""

    default_message = "The image could not be downloaded."


class ExpiredLinkError(DownloadError):
    """The CDN no longer serves the output (403/404/410): its signed link has expired."""

    default_message = "The image links expired."


class StorageFullError(DownloadError):
    """The library's disk is full or over quota: trying again now cannot help."""

    default_message = "Disk full."


class StorageWriteError(DownloadError):
    """The library folder cannot be written (permissions, read-only file system)."""

    default_message = "The library folder cannot be written."


class UnsafeUrlError(DownloadError):
    """An output URL was refused: not https, a file: URL, or a redirect to another host."""

    default_message = "The image address is not a safe https address."


class RefusedImageError(DownloadError):
    """An output was refused for what it is: too big, not an image, not the announced size."""

    default_message = "The image was refused."


def field_from_message(message: str | None) -> str | None:
    """The parameter named in "Request parameter [steps] must be …", if any."""
    if not message:
        return None
    match = _FIELD_RE.search(message)
    return match.group(1) if match else None


def is_auth_message(message: str | None) -> bool:
    """True for the messages Wiro sends when it refuses a key, secret, token or address."""
    return bool(message) and _AUTH_RE.search(message or "") is not None


def is_no_task_message(message: str | None) -> bool:
    """True only for Wiro's documented "no such task" answer."""
    return bool(message) and _NO_TASK_RE.match(message or "") is not None


def error_for(code: int | None, message: str, http_status: int | None) -> WiroError:
    """The typed error for a Wiro error code and/or HTTP status."""
    kwargs: dict[str, Any] = {"code": code, "http_status": http_status}
    # WiroKit treats 401 and 403 as authentication failures; introduction.md: 403 = bad signature.
    if http_status in (401, 403) or code in (98, 99) or is_auth_message(message):
        return AuthError(message, **kwargs)
    if code == 97:
        return InsufficientBalanceError(message, **kwargs)
    if code == 96:
        return ConcurrencyLimitError(message, **kwargs)
    if code == 1 and _NOT_STOPPABLE_RE.search(message or ""):
        return NotStoppableError(message, **kwargs)
    if code == 1 or http_status == 404:
        return NotFoundError(message, **kwargs)
    if http_status is not None and (http_status >= 500 or http_status in (408, 429)):
        return ServerError(message or _status_message(http_status), **kwargs)
    if code == 0 or http_status in (400, 422):
        return ValidationError(message, **kwargs)
    return WiroError(message or _status_message(http_status), **kwargs)


def _status_message(http_status: int | None) -> str:
    if http_status is None or http_status < 300:
        return ""
    if http_status == 429:
        return "Wiro is receiving too many requests (HTTP 429); try again later."
    if http_status == 408:
        return "Wiro timed out waiting for the request (HTTP 408)."
    if http_status >= 500:
        return f"Wiro had a server problem (HTTP {http_status}); try again later."
    return f"Wiro refused the request (HTTP {http_status})."
