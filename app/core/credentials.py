"""API credentials as a value that never shows its secret when printed or logged."""

from __future__ import annotations

from dataclasses import dataclass, field


def mask_key(key: str) -> str:
    """Shows just enough of an API key to recognise it: ``abcd…wxyz``."""
    key = key or ""
    if len(key) <= 8:
        return "…" if key else ""
    return f"{key[:4]}…{key[-4:]}"


@dataclass(frozen=True)
class Credentials:
    """A Wiro project's key and, for signature projects, its secret (None = key-only)."""

    api_key: str
    api_secret: str | None = field(default=None, repr=False)

    @property
    def signed(self) -> bool:
        return bool(self.api_secret)

    @property
    def masked_key(self) -> str:
        return mask_key(self.api_key)

    def __repr__(self) -> str:
        mode = "signature" if self.signed else "key-only"
        return f"Credentials({self.masked_key}, {mode})"

    __str__ = __repr__
