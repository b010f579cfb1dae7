"""Privacy export: every metadata block removed from PNG, JPEG and WebP bytes, pixels untouched.

Only containers are rewritten (chunks and segments are dropped whole), so the compressed
image data is copied byte for byte. What is kept is what decoding needs: for PNG the
critical and colour chunks, for JPEG the JFIF/Adobe/ICC segments and the scans, for WebP
the bitstream, alpha, animation and ICC chunks.
"""

from __future__ import annotations

from app.storage.imagemeta import PNG_SIGNATURE, strip_png_metadata

# JPEG: APP0 (JFIF), APP2 (ICC profile: colour, not personal), APP14 (Adobe colour transform).
_JPEG_KEEP_APP = frozenset({0xE0, 0xE2, 0xEE})
_WEBP_KEEP = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def strip_metadata(data: bytes) -> bytes:
    """``data`` without metadata; raises ValueError for formats it does not know."""
    if data.startswith(PNG_SIGNATURE):
        return strip_png_metadata(data)
    if data.startswith(b"\xff\xd8"):
        return strip_jpeg_metadata(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return strip_webp_metadata(data)
    raise ValueError("Only PNG, JPEG and WebP files can be stripped of metadata")


def _jpeg_dropped(marker: int) -> bool:
    return marker == 0xFE or (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEEP_APP)


def strip_jpeg_metadata(data: bytes) -> bytes:
    """Drops EXIF/XMP (APP1), IPTC (APP13), C2PA/JUMBF (APP11), other APPn, comments, and
    anything after the end-of-image marker."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("Not a JPEG file")
    out = bytearray(b"\xff\xd8")
    pos, in_scan = 2, False
    while pos < len(data):
        if in_scan:
            nxt = data.find(b"\xff", pos)
            if nxt < 0 or nxt + 1 >= len(data):
                raise ValueError("JPEG is truncated (no end-of-image marker)")
            byte = data[nxt + 1]
            if byte == 0x00 or 0xD0 <= byte <= 0xD7 or byte == 0xFF:
                step = nxt + (1 if byte == 0xFF else 2)
                out += data[pos:step]
                pos = step
                continue
            out += data[pos:nxt]
            pos, in_scan = nxt, False
            continue
        if data[pos] != 0xFF or pos + 1 >= len(data):
            raise ValueError("JPEG is damaged (expected a marker)")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in (0x01,) or 0xD0 <= marker <= 0xD7:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if pos + 4 > len(data):
            raise ValueError("JPEG is truncated")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("JPEG is damaged (bad segment length)")
        if not _jpeg_dropped(marker):
            out += data[pos:end]
        pos = end
        in_scan = marker == 0xDA
    raise ValueError("JPEG is truncated (no end-of-image marker)")


def strip_webp_metadata(data: bytes) -> bytes:
    """Keeps the image chunks only (no EXIF, XMP, C2PA or unknown chunks) and clears the
    VP8X flags that announced metadata."""
    if not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        raise ValueError("Not a WebP file")
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos, kept = 12, []
    while pos + 8 <= end:
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        stop = pos + 8 + size + (size & 1)
        if pos + 8 + size > end:
            raise ValueError("WebP is truncated")
        chunk = data[pos : min(stop, end)]
        if fourcc == b"VP8X" and size >= 1:
            flags = chunk[8] & ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if fourcc in _WEBP_KEEP:
            kept.append(chunk + (b"\x00" if len(chunk) % 2 else b""))
        pos = stop
    body = b"WEBP" + b"".join(kept)
    return b"RIFF" + len(body).to_bytes(4, "little") + body
