"""Text metadata in image bytes: embed into and strip from PNG chunk by chunk, read PNG/JPEG/WebP.

Embedding and stripping rewrite only the chunk list, so the pixel data stays bit-exact.
Reading never decodes pixels and caps how much text (and zlib output) it will produce.
"""

from __future__ import annotations

import html
import os
import re
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

from app.core.metadata import OUR_JSON_KEY

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEY = "XMP"
MAX_TEXT_BYTES = 4 * 1024 * 1024
MAX_FILE_BYTES = 256 * 1024 * 1024
TEXT_CHUNK_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})
# caBX: a C2PA manifest (content credentials) — provenance data, dropped when stripping.
PRIVATE_CHUNK_TYPES = TEXT_CHUNK_TYPES | {b"eXIf", b"tIME", b"caBX"}

_PNG_XMP_KEYWORD = "XML:com.adobe.xmp"
_JPEG_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286
_IMAGE_DESCRIPTION = 0x010E
# ComfyUI's WebP/JPEG saves put "prompt:{json}" in Model (0x0110) and each extra_pnginfo
# entry ("workflow:{json}"…) in Make (0x010F), then 0x010E, 0x010D (ComfyUI nodes.py).
_COMFY_EXIF_TAGS = (0x0110, 0x010F, 0x010E, 0x010D)
_COMFY_KEY = re.compile(r"(\w[\w ]{0,40}):\s*(?=[\[{])")
_OUR_XMP_OPEN, _OUR_XMP_CLOSE = "<wiro:request>", "</wiro:request>"


@dataclass(frozen=True)
class _Chunk:
    type: bytes
    data: bytes
    raw: bytes


def _png_chunks(data: bytes, *, strict: bool) -> tuple[list[_Chunk], bytes]:
    """The chunks of a PNG and whatever follows IEND; lenient mode stops at damage."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("Not a PNG file (bad signature)")
    chunks: list[_Chunk] = []
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            break
        chunks.append(_Chunk(ctype, data[pos + 8 : pos + 8 + length], data[pos:end]))
        pos = end
        if ctype == b"IEND":
            if strict and chunks[0].type != b"IHDR":
                raise ValueError("PNG does not start with an IHDR chunk")
            return chunks, data[pos:]
    if strict:
        raise ValueError("PNG is truncated or damaged (no IEND chunk)")
    return chunks, b""


def _make_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def _keyword_bytes(keyword: str) -> bytes:
    try:
        raw = keyword.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"PNG keyword {keyword!r} is not Latin-1") from None
    printable = all(32 <= b <= 126 or 161 <= b <= 255 for b in raw)
    if not (1 <= len(raw) <= 79 and printable) or keyword != keyword.strip() or "  " in keyword:
        raise ValueError(f"Invalid PNG keyword {keyword!r}")
    return raw


def _chunk_keyword(data: bytes) -> bytes:
    return data.split(b"\x00", 1)[0]


def _itxt(keyword: bytes, text: str, compress: bool) -> bytes:
    body = text.encode("utf-8", "replace")
    flag = b"\x00\x00"
    if compress:
        body, flag = zlib.compress(body, 9), b"\x01\x00"
    return keyword + b"\x00" + flag + b"\x00" + b"\x00" + body


def embed_png_text(png_bytes: bytes, texts: dict[str, str], *, compress: bool = False) -> bytes:
    """``png_bytes`` with one UTF-8 iTXt chunk per entry right after IHDR; pixels untouched.

    Existing text chunks with the same keyword are removed. Raises ValueError for non-PNG
    input or keywords PNG does not allow.
    """
    chunks, trailing = _png_chunks(bytes(png_bytes), strict=True)
    encoded = {_keyword_bytes(k): v for k, v in texts.items()}
    kept = [
        c.raw
        for c in chunks[1:]
        if not (c.type in TEXT_CHUNK_TYPES and _chunk_keyword(c.data) in encoded)
    ]
    new = [_make_chunk(b"iTXt", _itxt(k, v, compress)) for k, v in encoded.items()]
    return b"".join([PNG_SIGNATURE, chunks[0].raw, *new, *kept, trailing])


def strip_png_metadata(png_bytes: bytes) -> bytes:
    """``png_bytes`` without text, EXIF or timestamp chunks (nor data after IEND); pixels as-is."""
    chunks, _ = _png_chunks(bytes(png_bytes), strict=True)
    kept = [c.raw for c in chunks if c.type not in PRIVATE_CHUNK_TYPES]
    return b"".join([PNG_SIGNATURE, *kept])


class _TextSink:
    """Collects decoded texts until the total budget is spent."""

    def __init__(self, budget: int = MAX_TEXT_BYTES) -> None:
        self.texts: dict[str, str] = {}
        self.budget = budget

    def add(self, key: str, value: str) -> None:
        value = value.rstrip("\x00")
        cost = len(key) + len(value)
        if value and cost <= self.budget:
            self.budget -= cost
            self.texts[key] = value

    def inflate(self, data: bytes) -> bytes | None:
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data, self.budget + 1)
        except zlib.error:
            return None
        return out if len(out) <= self.budget else None


def _decode_8bit(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_user_comment(value: bytes | str) -> str:
    """EXIF UserComment text: an 8-byte charset header ("UNICODE\\0", "ASCII\\0\\0\\0"…) + body."""
    if isinstance(value, str):
        return value.rstrip("\x00")
    head, body = bytes(value[:8]), bytes(value[8:])
    if head == b"UNICODE\x00":
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", "replace").rstrip("\x00")
        # No BOM: big-endian, as piexif (A1111) writes it, unless the text is plainly
        # little-endian (zero high bytes of ASCII at odd offsets); CJK alone has few zeros.
        body = body[: len(body) // 2 * 2]
        odd_zeros = body[1::2].count(0)
        little = odd_zeros > 2 * body[0::2].count(0) and odd_zeros * 2 >= len(body) // 2
        big_endian = not little
        return body.decode("utf-16-be" if big_endian else "utf-16-le", "replace").rstrip("\x00")
    if head == b"JIS\x00\x00\x00\x00\x00":
        return body.decode("shift_jis", "replace").rstrip("\x00")
    if head in (b"ASCII\x00\x00\x00", b"\x00" * 8):
        return _decode_8bit(body).rstrip("\x00")
    return _decode_8bit(bytes(value)).rstrip("\x00")


def _exif_string(value: object) -> str | None:
    if isinstance(value, bytes):
        return _decode_8bit(value).rstrip("\x00")
    if not isinstance(value, str):
        return None
    try:  # Pillow decodes ASCII tags as Latin-1; UTF-8 writers are common
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _read_exif(raw: bytes, sink: _TextSink) -> None:
    exif = Image.Exif()
    try:
        exif.load(raw)
        comment = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT, exif.get(_USER_COMMENT))
        ifd0 = {tag: exif.get(tag) for tag in _COMFY_EXIF_TAGS}
    except Exception:  # Pillow's TIFF parser raises many types on hostile EXIF
        return
    if isinstance(comment, bytes | str):
        sink.add("UserComment", decode_user_comment(comment))
    for tag, value in ifd0.items():
        text = _exif_string(value)
        if text is None:
            continue
        labelled = _COMFY_KEY.match(text)
        if labelled:
            sink.add(labelled.group(1), text[labelled.end() :])
        elif tag == _IMAGE_DESCRIPTION:
            sink.add("ImageDescription", text)


def _add_xmp(text: str, sink: _TextSink) -> None:
    sink.add(XMP_KEY, text)
    start = text.find(_OUR_XMP_OPEN)
    end = text.find(_OUR_XMP_CLOSE, start) if start >= 0 else -1
    if end > start:
        sink.add(OUR_JSON_KEY, html.unescape(text[start + len(_OUR_XMP_OPEN) : end]))


def _read_png(data: bytes, sink: _TextSink) -> None:
    chunks, _ = _png_chunks(data, strict=False)
    for chunk in chunks:
        if chunk.type not in TEXT_CHUNK_TYPES and chunk.type != b"eXIf":
            continue
        if len(chunk.data) > sink.budget:
            continue
        if chunk.type == b"eXIf":
            _read_exif(chunk.data, sink)
            continue
        keyword_raw, _, rest = chunk.data.partition(b"\x00")
        keyword = keyword_raw.decode("latin-1")
        # tEXt/zTXt are Latin-1 by the PNG spec, yet many tools write UTF-8 there
        if chunk.type == b"tEXt":
            sink.add(keyword, _decode_8bit(rest))
        elif chunk.type == b"zTXt":
            text = sink.inflate(rest[1:])
            if text is not None:
                sink.add(keyword, _decode_8bit(text))
        else:
            parts = rest[2:].split(b"\x00", 2)
            if len(rest) < 2 or len(parts) < 3:
                continue
            body = sink.inflate(parts[2]) if rest[0] == 1 else parts[2]
            if body is not None:
                decoded = body.decode("utf-8", "replace")
                if keyword == _PNG_XMP_KEYWORD:
                    _add_xmp(decoded, sink)
                else:
                    sink.add(keyword, decoded)


def _read_jpeg(data: bytes, sink: _TextSink) -> None:
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            break
        segment = data[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            _read_exif(segment, sink)
        elif marker == 0xE1 and segment.startswith(_JPEG_XMP_PREFIX):
            _add_xmp(segment[len(_JPEG_XMP_PREFIX) :].decode("utf-8", "replace"), sink)
        elif marker == 0xFE:
            sink.add("Comment", _decode_8bit(segment))
        pos += 2 + length


def _read_webp(data: bytes, sink: _TextSink) -> None:
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos = 12
    while pos + 8 <= end:
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = data[pos + 8 : min(pos + 8 + size, end)]
        if fourcc == b"EXIF":
            _read_exif(body, sink)
        elif fourcc == b"XMP ":
            _add_xmp(body.decode("utf-8", "replace"), sink)
        pos += 8 + size + (size & 1)


def _load(source: bytes | bytearray | memoryview | str | os.PathLike[str]) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    with open(source, "rb") as handle:
        return handle.read(MAX_FILE_BYTES)


def read_text_chunks(
    source: bytes | bytearray | memoryview | str | os.PathLike[str],
) -> dict[str, str]:
    """Every text found in a PNG, JPEG or WebP (bytes or a path); {} for other formats.

    PNG text chunks keep their keyword; EXIF UserComment and ImageDescription, JPEG
    comments and XMP appear as "UserComment", "ImageDescription", "Comment" and "XMP".
    """
    data = _load(source)
    sink = _TextSink()
    if data.startswith(PNG_SIGNATURE):
        _read_png(data, sink)
    elif data.startswith(b"\xff\xd8\xff"):
        _read_jpeg(data, sink)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _read_webp(data, sink)
    return sink.texts
