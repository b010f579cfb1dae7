"""Privacy export: all metadata leaves PNG, JPEG and WebP files; the image data stays."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from app.storage.imagemeta import embed_png_text, read_text_chunks
from app.storage.metastrip import strip_jpeg_metadata, strip_metadata, strip_webp_metadata


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGBA").tobytes()


def _png_with_everything() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (20, 120, 200)).save(out, format="PNG")
    data = embed_png_text(out.getvalue(), {"parameters": "a cat\nSteps: 20", "Comment": "hi"})
    iend = data.rindex(b"IEND") - 4
    extra = _chunk(b"caBX", b"jumb c2pa manifest") + _chunk(
        b"tIME", b"\x07\xe8\x05\x01\x00\x00\x00"
    )
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    extra += _chunk(b"eXIf", exif.tobytes())
    return data[:iend] + extra + data[iend:] + b"trailing bytes after IEND"


def test_png_loses_text_exif_time_and_c2pa_but_keeps_pixels() -> None:
    original = _png_with_everything()
    assert b"caBX" in original and read_text_chunks(original)
    stripped = strip_metadata(original)
    for kind in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME", b"caBX"):
        assert kind not in stripped
    assert not stripped.endswith(b"trailing bytes after IEND")
    assert read_text_chunks(stripped) == {}
    assert _pixels(stripped) == _pixels(original)


def _jpeg_with_everything() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "where I live"
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(
        out, format="JPEG", exif=exif.tobytes(), comment=b"parameters: a cat", quality=90
    )
    data = out.getvalue()
    app11 = b"\xff\xeb" + struct.pack(">H", 2 + 12) + b"JP\x00\x00c2pa-box"
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret</x:xmpmeta>"
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(xmp)) + xmp
    return data[:2] + app11 + app1 + data[2:] + b"appended data"


def test_jpeg_loses_exif_xmp_comments_and_c2pa_but_keeps_the_scan() -> None:
    original = _jpeg_with_everything()
    assert set(read_text_chunks(original)) >= {"ImageDescription", "Comment", "XMP"}
    stripped = strip_jpeg_metadata(original)
    assert read_text_chunks(stripped) == {}
    for marker in (b"\xff\xe1", b"\xff\xeb", b"\xff\xfe"):
        assert marker not in stripped.split(b"\xff\xda", 1)[0]
    assert stripped.endswith(b"\xff\xd9")
    assert _pixels(stripped) == _pixels(original)
    progressive = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(
        progressive, format="JPEG", progressive=True, comment=b"x"
    )
    assert _pixels(strip_metadata(progressive.getvalue())) == _pixels(progressive.getvalue())


def test_webp_loses_exif_and_xmp_chunks_and_flags() -> None:
    exif = Image.Exif()
    exif[0x010E] = "private"
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (90, 90, 200)).save(
        out, format="WEBP", lossless=True, exif=exif.tobytes(), xmp=b"<x:xmpmeta>me</x:xmpmeta>"
    )
    original = out.getvalue()
    assert read_text_chunks(original)
    stripped = strip_webp_metadata(original)
    assert b"EXIF" not in stripped and b"XMP " not in stripped
    assert read_text_chunks(stripped) == {}
    assert int.from_bytes(stripped[4:8], "little") == len(stripped) - 8
    assert _pixels(stripped) == _pixels(original)


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(ValueError):
        strip_metadata(b"GIF89a....")
    with pytest.raises(ValueError):
        strip_jpeg_metadata(b"\xff\xd8\xff\xe0\x00")
