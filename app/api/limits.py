"""Reading a response body within a byte budget, decoding at most one compression layer.

httpx decodes ``Content-Encoding`` in whole chunks and accepts stacked layers, so 2 KB of
``gzip, gzip`` become gigabytes before any size check runs. Here the raw bytes are read and
decoded incrementally, never producing more than a small slice at a time, and the budget
applies to the decoded total.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Collection, Iterator

import httpx

_SLICE = 64 * 1024
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BodyRefused(ValueError):
    """The body breaks the budget or arrives in an encoding this reader does not accept."""

    def __init__(self, message: str, *, too_big: bool) -> None:
        super().__init__(message)
        self.too_big = too_big


def content_encodings(response: httpx.Response) -> list[str]:
    """The encodings applied, outermost last; ``identity`` left out."""
    values = response.headers.get_list("content-encoding", split_commas=True)
    return [v.strip().lower() for v in values if v.strip() and v.strip().lower() != "identity"]


def check_encoding(response: httpx.Response, allowed: Collection[str]) -> str | None:
    """The one encoding to undo (or None); BodyRefused for stacked or unknown ones."""
    encodings = content_encodings(response)
    if not encodings:
        return None
    if len(encodings) > 1:
        raise BodyRefused(f"stacked compression ({', '.join(encodings)})", too_big=False)
    encoding = encodings[0]
    if encoding not in allowed or encoding not in _WBITS:
        raise BodyRefused(f"an unexpected compression ({encoding})", too_big=False)
    return encoding


class _Inflater:
    """One zlib layer undone in slices of at most ``_SLICE`` bytes."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._obj = zlib.decompressobj(_WBITS[encoding])
        self._raw_deflate_tried = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded slices of ``data``, produced one at a time as the caller asks."""
        pending = data
        while pending:
            try:
                piece = self._obj.decompress(pending, _SLICE)
            except zlib.error:
                if self._encoding != "deflate" or self._raw_deflate_tried:
                    raise
                # Servers often send raw deflate without the zlib header (httpx does the same).
                self._raw_deflate_tried = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._obj.decompress(pending, _SLICE)
            self._raw_deflate_tried = True
            pending = self._obj.unconsumed_tail
            if piece:
                yield piece
            if self._obj.eof:
                break


async def limited_chunks(
    response: httpx.Response, limit: int, *, allowed_encodings: Collection[str] = ()
) -> AsyncIterator[bytes]:
    """The decoded body in chunks; BodyRefused as soon as it would pass ``limit`` bytes."""
    encoding = check_encoding(response, allowed_encodings)
    try:
        # A transport that hands over bodies already read (httpx.MockTransport): in memory.
        raws: AsyncIterator[bytes] = _once(response.content)
        encoding = None
    except httpx.ResponseNotRead:
        raws = response.aiter_raw()
    inflater = _Inflater(encoding) if encoding else None
    total = 0
    async for raw in raws:
        pieces = inflater.feed(raw) if inflater else iter((raw,))
        while True:
            try:
                piece = next(pieces, None)
            except zlib.error as exc:
                raise BodyRefused(f"broken {encoding} data", too_big=False) from exc
            if piece is None:
                break
            total += len(piece)
            if total > limit:
                raise BodyRefused(f"over {limit} bytes", too_big=True)
            yield piece


async def _once(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), _SLICE):
        yield data[start : start + _SLICE]
