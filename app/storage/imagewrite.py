"""Settings embedded in JPEG and WebP files, and copies converted between PNG, JPEG and WebP.

JPEG and WebP carry the A1111 ``parameters`` text the way A1111 writes it (EXIF UserComment,
``UNICODE`` prefix + UTF-16BE in a big-endian EXIF block, as ``piexif.helper.UserComment.dump``
produces) and our request JSON in an XMP packet. Embedding only rewrites the container, so
the compressed image data is copied byte for byte.
"""

from __future__ import annotations

import io
import struct
from xml.sax.saxutils import escape

from PIL import Image

from app.core.exportformat import ExportFormat
from app.core.metadata import OUR_JSON_KEY, PARAMETERS_KEY
from app.storage.imagemeta import PNG_SIGNATURE, embed_png_text
from app.storage.metastrip import strip_metadata

XMP_NAMESPACE = "https://wiro-studio.invalid/ns/1.0/"
XMP_REQUEST_TAG = "wiro:request"
JPEG_SEGMENT_MAX = 65533  # a JPEG segment's length field counts itself: 65535 - 2
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_UNICODE_PREFIX = b"UNICODE\x00"
_VP8X_ALPHA, _VP8X_EXIF, _VP8X_XMP = 0x10, 0x08, 0x04


def kind_of(data: bytes) -> str | None:
    """``"png"``, ``"jpeg"``, ``"webp"`` or None, from the file's magic bytes."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def user_comment_exif(text: str) -> bytes:
    """A TIFF/EXIF block holding only UserComment = ``text``, byte for byte as A1111 writes it."""
    comment = _UNICODE_PREFIX + text.encode("utf-16-be", "replace")
    ifd0 = 8
    exif_ifd = ifd0 + 2 + 12 + 4
    value_at = exif_ifd + 2 + 12 + 4
    out = b"MM\x00\x2a" + struct.pack(">I", ifd0)
    out += struct.pack(">HHHII", 1, 0x8769, 4, 1, exif_ifd) + b"\x00\x00\x00\x00"
    out += struct.pack(">HHHII", 1, 0x9286, 7, len(comment), value_at) + b"\x00\x00\x00\x00"
    return out + comment


def request_xmp(request_json: str) -> bytes:
    """An XMP packet with our request JSON in its own namespace (exiftool shows it as-is)."""
    body = escape(request_json)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about="" xmlns:wiro="{XMP_NAMESPACE}">\n'
        f"   <{XMP_REQUEST_TAG}>{body}</{XMP_REQUEST_TAG}>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8", "replace")


def _blocks(texts: dict[str, str]) -> tuple[bytes | None, bytes | None]:
    parameters, request = texts.get(PARAMETERS_KEY), texts.get(OUR_JSON_KEY)
    exif = user_comment_exif(parameters) if parameters else None
    xmp = request_xmp(request) if request else None
    return exif, xmp


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) + 2 > JPEG_SEGMENT_MAX + 2:
        raise ValueError(
            "The settings are too long to fit in a JPEG (64 KB per block); export as PNG or WebP"
        )
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def embed_jpeg_texts(data: bytes, texts: dict[str, str]) -> bytes:
    """``data`` with an EXIF (UserComment) and an XMP segment replacing any it had."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("Not a JPEG file")
    exif, xmp = _blocks(texts)
    new = b""
    if exif:
        new += _segment(0xE1, _EXIF_HEADER + exif)
    if xmp:
        new += _segment(0xE1, _XMP_HEADER + xmp)
    head, pos, inserted = [b"\xff\xd8"], 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            break
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            raise ValueError("JPEG is damaged (bad segment length)")
        segment = data[pos : pos + 2 + length]
        payload = segment[4:]
        ours = marker == 0xE1 and (
            payload.startswith(_EXIF_HEADER) or payload.startswith(_XMP_HEADER)
        )
        if not inserted and marker != 0xE0:
            head.append(new)
            inserted = True
        if not ours:
            head.append(segment)
        pos += 2 + length
    if not inserted:
        head.append(new)
    return b"".join(head) + data[pos:]


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    end = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    pos, chunks = 12, []
    while pos + 8 <= end:
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if pos + 8 + size > end:
            raise ValueError("WebP is truncated")
        chunks.append((fourcc, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks


def _webp_canvas(chunks: list[tuple[bytes, bytes]]) -> tuple[int, int, bool]:
    """Width, height and alpha of a simple (VP8 / VP8L) WebP, from the bitstream header."""
    fourcc, body = chunks[0]
    if fourcc == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    if fourcc == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF, False
    raise ValueError("WebP image data is not recognised")


def _webp_chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def embed_webp_texts(data: bytes, texts: dict[str, str]) -> bytes:
    """``data`` as an extended WebP with EXIF and XMP chunks replacing any it had."""
    if kind_of(data) != "webp":
        raise ValueError("Not a WebP file")
    chunks = _webp_chunks(data)
    if not chunks:
        raise ValueError("WebP has no image data")
    exif, xmp = _blocks(texts)
    if chunks[0][0] == b"VP8X":
        vp8x = bytearray(chunks[0][1])
        rest = chunks[1:]
    else:
        width, height, alpha = _webp_canvas(chunks)
        vp8x = bytearray(10)
        vp8x[0] = _VP8X_ALPHA if alpha else 0
        vp8x[4:7] = (width - 1).to_bytes(3, "little")
        vp8x[7:10] = (height - 1).to_bytes(3, "little")
        rest = chunks
    vp8x[0] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
    vp8x[0] |= (_VP8X_EXIF if exif else 0) | (_VP8X_XMP if xmp else 0)
    # Chunk order per the WebP container spec: VP8X, ICCP, ANIM, image, EXIF, XMP, unknown.
    kept = [_webp_chunk(f, b) for f, b in rest if f not in (b"EXIF", b"XMP ")]
    extra = ([_webp_chunk(b"EXIF", exif)] if exif else []) + (
        [_webp_chunk(b"XMP ", xmp)] if xmp else []
    )
    body = b"WEBP" + _webp_chunk(b"VP8X", bytes(vp8x)) + b"".join(kept + extra)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def embed_texts(data: bytes, texts: dict[str, str]) -> bytes:
    """Our settings in any PNG, JPEG or WebP; raises ValueError rather than leave a copy bare."""
    kind = kind_of(data)
    if kind == "png":
        return embed_png_text(data, texts)
    if kind == "jpeg":
        return embed_jpeg_texts(data, texts)
    if kind == "webp":
        return embed_webp_texts(data, texts)
    raise ValueError("Only PNG, JPEG and WebP files can carry settings")


def convert(data: bytes, target: str, *, quality: int, lossless: bool = False) -> bytes:
    """``data`` re-encoded as ``target`` ("png", "jpeg", "webp") with no metadata at all."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        icc = img.info.get("icc_profile")
        out = io.BytesIO()
        extra = {"icc_profile": icc} if icc else {}
        alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        if target == "jpeg":
            rgb: Image.Image = img
            if alpha:
                rgba = img.convert("RGBA")
                rgb = Image.new("RGB", rgba.size, (255, 255, 255))
                rgb.paste(rgba, mask=rgba.getchannel("A"))
            elif img.mode not in ("RGB", "L", "CMYK"):
                rgb = img.convert("RGB")
            rgb.save(out, "JPEG", quality=quality, **extra)
        elif target == "webp":
            mode = "RGBA" if alpha else "RGB"
            # exact: lossless keeps the colour under transparent pixels too
            img.convert(mode).save(
                out, "WEBP", quality=quality, lossless=lossless, exact=lossless, **extra
            )
        elif target == "png":
            img.save(out, "PNG", **extra)
        else:
            raise ValueError(f"Cannot convert to {target!r}")
    return strip_metadata(out.getvalue())


def export_payload(
    data: bytes, *, texts: dict[str, str] | None, strip: bool, fmt: ExportFormat
) -> bytes:
    """The bytes of one exported copy: converted when asked, then with settings or stripped.

    A copy already in the target type is not re-encoded, so its pixels stay bit-exact.
    """
    source = kind_of(data)
    # Anything Pillow decoded on download but we cannot annotate (GIF, BMP…) becomes a PNG.
    target = (source or "png") if fmt.kind == "original" else fmt.kind
    if target != source:
        data = convert(data, target, quality=fmt.quality, lossless=fmt.lossless)
    if strip:
        return strip_metadata(data)
    return embed_texts(data, texts) if texts else data
