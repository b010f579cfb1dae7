"""The one sanitiser for text that comes from outside (Wiro's answers and frames).

Every server text passes through here where it enters the app, so whatever is stored or
shown later is storable (no unpaired UTF-16 surrogates, which SQLite and Qt refuse) and
carries no secret the server echoed back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_MAX_DEPTH = 200
REPLACEMENT = "\ufffd"


def mask_secret(secret: str) -> str:
    """A key shortened for display (``abcd…wxyz``); short keys show almost nothing."""
    if not secret:
        return "(none)"
    if len(secret) >= 12:
        return f"{secret[:4]}…{secret[-4:]}"
    if len(secret) >= 6:
        return f"{secret[:2]}…"
    return "…"


def storable(text: str) -> str:
    """``text`` with every unpairable surrogate replaced by U+FFFD.

    A decoded Python str cannot hold a valid surrogate pair (JSON's ``\\ud83d\\ude00`` is
    already combined), so any surrogate code point left is unpairable.
    """
    return _SURROGATE_RE.sub(REPLACEMENT, text)


class TextSanitizer:
    """Makes server text storable and scrubs the given secrets out of it."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len)[::-1])

    def text(self, value: str) -> str:
        """One string: surrogates replaced, secrets masked."""
        value = storable(value)
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, mask_secret(secret))
        return value

    def needs_walk(self, raw: str | bytes) -> bool:
        """Whether a JSON text may decode to strings this sanitiser would change."""
        if isinstance(raw, bytes):
            if b"\x00" in raw[:4]:  # UTF-16/32 JSON: the byte checks below do not apply
                return True
            return b"\\u" in raw or any(s.encode() in raw for s in self._secrets)
        if "\\u" in raw or any(s in raw for s in self._secrets):
            return True
        return _SURROGATE_RE.search(raw) is not None

    def json(self, raw: str | bytes, value: Any) -> Any:
        """``value`` decoded from ``raw``, sanitised (walked only when it may need it)."""
        return self.tree(value) if self.needs_walk(raw) else value

    def tree(self, value: Any, _depth: int = 0) -> Any:
        """A decoded JSON value with every string (keys too) sanitised."""
        if isinstance(value, str):
            return self.text(value)
        if _depth > _MAX_DEPTH:
            return None  # deeper than any real answer: dropped rather than left unchecked
        if isinstance(value, dict):
            return {self.text(k): self.tree(v, _depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.tree(v, _depth + 1) for v in value]
        return value
