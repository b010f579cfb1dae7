import io
import random
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from app.core.metadata import image_texts, parse_parameters
from app.core.readback import read_settings
from app.storage.imagemeta import (
    MAX_TEXT_BYTES,
    decode_user_comment,
    embed_png_text,
    read_text_chunks,
    strip_png_metadata,
)

PARAMS = {
    "prompt": "ein Schloß im Nebel, 城, «night»\nsecond line",
    "negativePrompt": "BadDream",
    "samples": 1,
    "steps": 20,
    "scale": 7.5,
    "seed": "42",
    "clipSkip": 4,
    "width": 64,
    "height": 48,
    "scheduler": "EulerDiscreteScheduler",
}


def _png(pnginfo: PngImagePlugin.PngInfo | None = None, mode: str = "RGB") -> bytes:
    rng = random.Random(7)
    im = Image.frombytes(mode, (64, 48), bytes(rng.randrange(256) for _ in range(64 * 48 * 3)))
    buf = io.BytesIO()
    im.save(buf, "PNG", pnginfo=pnginfo)
    return buf.getvalue()


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out: list[tuple[bytes, bytes]] = []
    pos = 8
    while not out or out[-1][0] != b"IEND":
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert crc == zlib.crc32(ctype + body) & 0xFFFFFFFF
        out.append((ctype, body))
        pos += 12 + length
    return out


def _idat(data: bytes) -> bytes:
    return b"".join(body for ctype, body in _chunks(data) if ctype == b"IDAT")


def _texts() -> dict[str, str]:
    return image_texts(
        PARAMS,
        tool="Lykon/dreamshaper-8",
        task_id="2221",
        image_index=0,
        image_seed=42,
        app_version="0.1.0",
    )


@pytest.mark.parametrize("compress", [False, True])
def test_embed_keeps_pixels_bit_exact_and_reads_back(compress: bool) -> None:
    original = _png()
    out = embed_png_text(original, _texts(), compress=compress)
    assert _idat(out) == _idat(original)
    assert Image.open(io.BytesIO(out)).tobytes() == Image.open(io.BytesIO(original)).tobytes()
    types = [ctype for ctype, _ in _chunks(out)]
    assert types[0] == b"IHDR" and types[1:3] == [b"iTXt", b"iTXt"] and types[-1] == b"IEND"
    texts = read_text_chunks(out)
    assert texts["parameters"] == _texts()["parameters"]
    assert parse_parameters(texts["parameters"]).prompt == PARAMS["prompt"]
    assert Image.open(io.BytesIO(out)).info["parameters"] == _texts()["parameters"]
    assert read_settings(texts).values["prompt"] == PARAMS["prompt"]


def test_embed_replaces_chunks_with_the_same_keyword() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "old latin-1 text")
    info.add_text("parameters", "old compressed", zip=True)
    info.add_text("Software", "other")
    out = embed_png_text(_png(info), {"parameters": "new ✓"})
    text_types = (b"tEXt", b"zTXt", b"iTXt")
    keywords = [body.split(b"\0", 1)[0] for ctype, body in _chunks(out) if ctype in text_types]
    assert keywords.count(b"parameters") == 1
    assert read_text_chunks(out) == {"parameters": "new ✓", "Software": "other"}


@pytest.mark.parametrize("data", [b"", b"GIF89a....", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_embed_rejects_non_png(data: bytes) -> None:
    with pytest.raises(ValueError):
        embed_png_text(data, {"parameters": "x"})


@pytest.mark.parametrize("keyword", ["", " lead", "two  spaces", "k" * 80, "ключ", "a\0b"])
def test_embed_rejects_bad_keywords(keyword: str) -> None:
    with pytest.raises(ValueError):
        embed_png_text(_png(), {keyword: "x"})


def test_strip_removes_text_exif_and_time_but_not_pixels() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_itxt("parameters", "secret ✓", zip=True)
    info.add(b"tIME", b"\x07\xe8\x05\x01\x0c\x00\x00")
    im = Image.open(io.BytesIO(_png(info)))
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "description"
    im.save(buf, "PNG", pnginfo=info, exif=exif)
    original = buf.getvalue() + b"trailing secret"
    stripped = strip_png_metadata(original)
    types = {ctype for ctype, _ in _chunks(stripped)}
    assert not types & {b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"}
    assert b"secret" not in stripped
    assert read_text_chunks(stripped) == {}
    assert _idat(stripped) == _idat(original)
    assert Image.open(io.BytesIO(stripped)).tobytes() == im.tobytes()


def test_reads_png_exif_user_comment() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + "héllo ✓".encode("utf-16-be")
    buf = io.BytesIO()
    Image.open(io.BytesIO(_png())).save(buf, "PNG", exif=exif.tobytes())
    assert read_text_chunks(buf.getvalue())["UserComment"] == "héllo ✓"


def test_reads_jpeg_exif_user_comment_comment_and_xmp(tmp_path: Path) -> None:
    text = _texts()["parameters"]
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + text.encode("utf-16-be")
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:description>hi</dc:description></x:xmpmeta>'
    path = tmp_path / "a.jpg"
    Image.new("RGB", (16, 16), "red").save(path, "JPEG", exif=exif, xmp=xmp, comment=b"a comment")
    texts = read_text_chunks(path)
    assert texts["UserComment"] == text
    assert texts["Comment"] == "a comment"
    assert "dc:description" in texts["XMP"]
    assert read_settings(texts).values["prompt"] == PARAMS["prompt"]


def test_reads_webp_exif_and_xmp() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\0\0\0" + b"plain text"
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "WEBP", exif=exif, xmp=b"<x:xmpmeta>w</x:xmpmeta>")
    texts = read_text_chunks(buf.getvalue())
    assert texts["UserComment"] == "plain text"
    assert texts["XMP"] == "<x:xmpmeta>w</x:xmpmeta>"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"UNICODE\0" + "a✓b".encode("utf-16-be"), "a✓b"),
        (b"UNICODE\0" + "a✓b".encode("utf-16-le"), "a✓b"),
        (b"UNICODE\0" + "猫猫".encode("utf-16-be"), "猫猫"),
        (b"UNICODE\0" + "x".encode("utf-16"), "x"),
        (b"ASCII\0\0\0Steps: 1\0", "Steps: 1"),
        (b"\0" * 8 + "ü".encode(), "ü"),
        ("already text", "already text"),
        (b"no header at all", "no header at all"),
    ],
)
def test_decode_user_comment(raw: bytes | str, text: str) -> None:
    assert decode_user_comment(raw) == text


def _raw_chunk(ctype: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(ctype + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", crc)


def test_ztxt_bomb_is_skipped_quickly() -> None:
    png = _png()
    bomb = zlib.compress(b"\0" * (64 * 1024 * 1024), 9)
    hostile = png[:33] + _raw_chunk(b"zTXt", b"bomb\0\0" + bomb) + png[33:]
    hostile = hostile[:33] + _raw_chunk(b"tEXt", b"ok\0fine") + hostile[33:]
    assert read_text_chunks(hostile) == {"ok": "fine"}


def test_total_text_is_capped() -> None:
    big = "x" * (MAX_TEXT_BYTES // 2 + 10)
    out = embed_png_text(_png(), {"a": big, "b": big, "c": "small"})
    texts = read_text_chunks(out)
    assert sum(len(v) for v in texts.values()) <= MAX_TEXT_BYTES
    assert texts["c"] == "small"


def test_unknown_formats_read_as_empty() -> None:
    assert read_text_chunks(b"GIF89a") == {}
    assert read_text_chunks(b"") == {}


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=3))
def test_reading_damaged_files_never_raises(noise: bytes, kind: int) -> None:
    prefixes = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\xff\xff\x00\x00WEBP", b""]
    read_text_chunks(prefixes[kind] + noise)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=8))
def test_reading_corrupted_real_files_never_raises(at: int, junk: bytes) -> None:
    data = bytearray(embed_png_text(_png(), {"parameters": "p\nSteps: 1, Seed: 2, Size: 8x8"}))
    data[at % len(data) : at % len(data) + len(junk)] = junk
    read_text_chunks(bytes(data))
