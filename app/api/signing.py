"""Wiro request authentication: credentials, the nonce counter and the HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable

from app.api.errors import AuthError
from app.core.credentials import Credentials

__all__ = ["Credentials", "NonceSource", "auth_headers", "sign"]


class NonceSource:
    """A strictly increasing millisecond counter, safe to share between threads."""

    def __init__(self, clock: Callable[[], float] = time.time, start: int = 0) -> None:
        self._clock = clock
        self._last = start
        self._lock = threading.Lock()

    def next(self) -> int:
        now_ms = int(self._clock() * 1000)
        with self._lock:
            self._last = max(self._last + 1, now_ms)
            return self._last

    __call__ = next


def sign(api_key: str, api_secret: str, nonce: int | str) -> str:
    """Lowercase hex HMAC-SHA256 with the API key as key over ``secret + nonce`` (UTF-8)."""
    message = f"{api_secret}{nonce}".encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()


def _header_safe(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable() and " " not in value


def auth_headers(credentials: Credentials, nonce_source: NonceSource) -> dict[str, str]:
    """The ``x-api-key`` header, plus ``x-nonce``/``x-signature`` for signature projects."""
    key = (credentials.api_key or "").strip()
    if not _header_safe(key):
        raise AuthError("The API key is empty or contains characters an API key cannot have.")
    headers = {"x-api-key": key}
    if credentials.api_secret:
        nonce = nonce_source.next()
        headers["x-nonce"] = str(nonce)
        headers["x-signature"] = sign(key, credentials.api_secret, nonce)
    return headers
