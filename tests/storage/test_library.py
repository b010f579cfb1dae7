"""Library files: checked by decoding, exported with metadata and bit-exact pixels."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from PIL import Image

from app.storage.library import (
    ImageCheckError,
    export_image,
    export_image_to,
    inspect_image,
    library_path,
    sha256_file,
)


def _png(path: Path, size=(64, 48), color=(200, 40, 90)) -> Path:
    Image.new("RGB", size, color).save(path, format="PNG")
    return path


def _idat(data: bytes) -> bytes:
    out, pos = b"", 8
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            out += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(out)


def test_inspect_decodes_and_rejects_broken(tmp_path: Path) -> None:
    good = _png(tmp_path / "a.png")
    assert inspect_image(good) == (64, 48)
    broken = tmp_path / "b.png"
    broken.write_bytes(good.read_bytes()[:-30])
    with pytest.raises(ImageCheckError):
        inspect_image(broken)
    text = tmp_path / "c.png"
    text.write_text("<html>not an image</html>")
    with pytest.raises(ImageCheckError):
        inspect_image(text)


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb, format="PNG")
    with pytest.raises(ImageCheckError):
        inspect_image(bomb)


def test_library_path_ignores_server_names(tmp_path: Path) -> None:
    path = library_path(
        tmp_path, generation_id=7, task_id="../../etc/passwd", index=2, ext=".png", when=0
    )
    assert tmp_path in path.parents
    assert ".." not in path.relative_to(tmp_path).parts
    assert path.name.startswith("g000007-t") and path.name.endswith("-02.png")


def test_export_embeds_metadata_and_keeps_pixels(tmp_path: Path) -> None:
    src = _png(tmp_path / "src.png")
    texts = {"parameters": "a cat\nNegative prompt: dog\nSteps: 20", "wiro-studio": '{"a": "ü"}'}
    out = export_image(src, tmp_path / "out", "my image", texts=texts)
    assert out.name == "my image.png"
    data = out.read_bytes()
    assert _idat(data) == _idat(src.read_bytes())
    with Image.open(io.BytesIO(data)) as img:
        assert img.text["parameters"] == texts["parameters"]
        assert img.text["wiro-studio"] == texts["wiro-studio"]
    again = export_image(src, tmp_path / "out", "my image", texts=texts)
    assert again.name == "my image (2).png"
    stripped = export_image(src, tmp_path / "out", "plain", texts=texts, strip=True)
    with Image.open(stripped) as img:
        assert not getattr(img, "text", {})
    assert sha256_file(src) != sha256_file(out)


def test_export_to_exact_path(tmp_path: Path) -> None:
    src = _png(tmp_path / "src.png")
    dest = export_image_to(src, tmp_path / "chosen.png", texts={"parameters": "x"})
    assert dest == tmp_path / "chosen.png" and dest.exists()
    assert not list(tmp_path.glob(".wiro-*"))
