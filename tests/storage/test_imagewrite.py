"""JPEG and WebP exports carry the settings as A1111 writes them, plus our JSON in XMP."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from app.core.exportformat import ExportFormat, format_for_path
from app.core.metadata import OUR_JSON_KEY, PARAMETERS_KEY, image_texts, parse_parameters
from app.core.readback import read_settings
from app.storage.imagemeta import decode_user_comment, read_text_chunks
from app.storage.imagewrite import (
    embed_texts,
    export_payload,
    kind_of,
    request_xmp,
    user_comment_exif,
)
from app.storage.library import export_image

PARAMS = {
    "prompt": "ein Schloß im Nebel, 城, «night»\nsecond line",
    "negativePrompt": "BadDream, <tag>&",
    "samples": 1,
    "steps": 20,
    "scale": 7.5,
    "seed": "42",
    "clipSkip": 2,
    "width": 512,
    "height": 768,
    "scheduler": "EulerAncestralDiscreteScheduler",
}
TEXTS = image_texts(
    PARAMS, tool="Lykon/dreamshaper-8", task_id="t-9", image_index=0, image_seed=42,
    app_version="1.0",
)  # fmt: skip


def _encoded(kind: str, mode: str = "RGB", **save: object) -> bytes:
    rng = random.Random(3)
    size = (40, 24)
    im = Image.frombytes(mode, size, bytes(rng.randrange(256) for _ in range(40 * 24 * len(mode))))
    buf = io.BytesIO()
    im.save(buf, kind, **save)
    return buf.getvalue()


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGBA").tobytes()


def _pillow_user_comment(data: bytes) -> str:
    """Decodes UserComment the way piexif.helper.UserComment.load does (independent path)."""
    with Image.open(io.BytesIO(data)) as img:
        raw = img.getexif().get_ifd(0x8769)[0x9286]
    assert raw[:8] == b"UNICODE\x00"
    return raw[8:].decode("utf-16-be")


def test_user_comment_block_matches_piexif_layout() -> None:
    block = user_comment_exif("a ü")
    assert block.startswith(b"MM\x00\x2a")
    assert block.endswith(b"UNICODE\x00" + "a ü".encode("utf-16-be"))
    exif = Image.Exif()
    exif.load(block)
    assert exif.get_ifd(0x8769)[0x9286] == b"UNICODE\x00" + "a ü".encode("utf-16-be")


@pytest.mark.parametrize(
    ("kind", "save"),
    [("JPEG", {"quality": 90}), ("WEBP", {"quality": 80}), ("WEBP", {"lossless": True})],
)
def test_embedding_keeps_image_data_and_every_field(kind: str, save: dict[str, object]) -> None:
    original = _encoded(kind, **save)
    data = embed_texts(original, TEXTS)
    assert _pixels(data) == _pixels(original)
    assert _pillow_user_comment(data) == TEXTS[PARAMETERS_KEY]
    chunks = read_text_chunks(data)
    assert chunks[OUR_JSON_KEY] == TEXTS[OUR_JSON_KEY]
    ours = read_settings(chunks)
    assert ours.source == "Wiro Studio"
    a1111 = read_settings({"UserComment": chunks["UserComment"]})
    for field in ("prompt", "negativePrompt", "steps", "scale", "seed", "width", "height"):
        assert a1111.values[field] == ours.values[field], field
    assert a1111.values["scheduler"] == "EulerAncestralDiscreteScheduler"
    again = embed_texts(data, TEXTS)
    assert again == data  # replaced, not stacked


def test_webp_with_alpha_becomes_extended_and_keeps_alpha() -> None:
    original = _encoded("WEBP", mode="RGBA", lossless=True)
    data = embed_texts(original, TEXTS)
    assert data[12:16] == b"VP8X" and data[20] & 0x10 and data[20] & 0x08 and data[20] & 0x04
    assert _pixels(data) == _pixels(original)


@pytest.mark.parametrize("kind", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("lossless", [False, True])
def test_png_exported_as_each_format_round_trips(kind: str, lossless: bool) -> None:
    png = _encoded("PNG", mode="RGBA")
    data = export_payload(png, texts=TEXTS, strip=False, fmt=ExportFormat(kind, 85, lossless))
    assert kind_of(data) == kind
    back = read_settings(read_text_chunks(data))
    assert back.values["prompt"] == PARAMS["prompt"]
    assert back.values["negativePrompt"] == PARAMS["negativePrompt"]
    assert back.values["seed"] == "42" and back.values["steps"] == 20
    if kind == "png" or (kind == "webp" and lossless):
        assert _pixels(data) == _pixels(png)
    stripped = export_payload(png, texts=TEXTS, strip=True, fmt=ExportFormat(kind, 85, lossless))
    assert read_text_chunks(stripped) == {}
    for needle in (b"Schlo", b"BadDream", b"wiro", b"Exif", "城".encode(), b"UNICODE"):
        assert needle not in stripped


def test_download_kept_as_jpeg_or_webp_gets_its_settings(tmp_path: Path) -> None:
    for ext, kind in ((".jpg", "JPEG"), (".webp", "WEBP")):
        source = tmp_path / f"download{ext}"
        source.write_bytes(_encoded(kind))
        out = export_image(source, tmp_path / "out", "copy", texts=TEXTS)
        assert out.suffix == ext
        assert read_settings(read_text_chunks(out)).values["prompt"] == PARAMS["prompt"]
        assert _pixels(out.read_bytes()) == _pixels(source.read_bytes())


def test_export_image_names_the_converted_copy(tmp_path: Path) -> None:
    source = tmp_path / "src.png"
    source.write_bytes(_encoded("PNG"))
    out = export_image(source, tmp_path, "x", texts=TEXTS, fmt=ExportFormat("jpeg", 70))
    assert out.name == "x.jpg" and out.read_bytes().startswith(b"\xff\xd8")
    assert format_for_path(".WEBP").kind == "webp" and format_for_path(".tif").kind == "original"


def test_too_long_for_jpeg_is_an_error_not_a_bare_copy() -> None:
    texts = {PARAMETERS_KEY: "x" * 40_000 + "\nSteps: 2, Seed: 1, Size: 8x8"}
    with pytest.raises(ValueError, match="too long"):
        embed_texts(_encoded("JPEG"), texts)


def test_xmp_escapes_markup() -> None:
    packet = request_xmp('{"prompt": "</wiro:request><evil/>&"}').decode()
    assert "<evil/>" not in packet
    assert parse_parameters(TEXTS[PARAMETERS_KEY]).prompt == PARAMS["prompt"]


def test_hostile_comfy_exif_tags_are_read_as_text() -> None:
    exif = Image.Exif()
    exif[0x0110] = 'prompt:{"1": {"class_type": "X", "inputs": {}}}'
    exif[0x010F] = "workflow:" + "{" * 5000
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP", exif=exif.tobytes())
    chunks = read_text_chunks(buf.getvalue())
    assert chunks["prompt"].startswith('{"1"') and chunks["workflow"].startswith("{{")
    read_settings(chunks)


def test_a_format_that_cannot_carry_settings_becomes_png() -> None:
    gif = _encoded("GIF", mode="L")
    data = export_payload(gif, texts=TEXTS, strip=False, fmt=ExportFormat())
    assert kind_of(data) == "png"
    assert read_settings(read_text_chunks(data)).values["prompt"] == PARAMS["prompt"]


@pytest.mark.parametrize("text", ["一二三", "一 a cat, 二", "a cat\nSteps: 20", "夜の港"])
def test_user_comment_byte_order_without_bom(text: str) -> None:
    assert decode_user_comment(b"UNICODE\x00" + text.encode("utf-16-be")) == text
    if sum(c.isascii() for c in text) * 2 >= len(text):
        assert decode_user_comment(b"UNICODE\x00" + text.encode("utf-16-le")) == text
