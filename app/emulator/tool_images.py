"""Pixels for the emulated image tools: an honest resample for the upscaler, a seeded blend
of the input with a procedural picture for image-to-image. Same inputs, same pixels."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from app.emulator.images import DEMO_LABEL, image_seed, render
from app.emulator.images import _label as mark

MAX_INPUT_SIDE = 4096
MAX_OUTPUT_SIDE = 8192
MAX_OUTPUT_PIXELS = 40_000_000


class ToolImageError(ValueError):
    """The input cannot be used; the message reads like a model's error line."""


def open_input(data: bytes) -> Image.Image:
    """The input image as RGB, refusing what is not an image or is absurdly large."""
    probe_size(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ToolImageError(f"Input image cannot be read: {exc}") from None


def probe_size(data: bytes) -> tuple[int, int]:
    """The input's size from its header (cheap: no decoding), refusing non-images."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ToolImageError(f"Input image cannot be read: {exc}") from None
    if max(width, height) > MAX_INPUT_SIDE:
        raise ToolImageError(
            f"Input image is {width}x{height}; "
            f"the emulator takes at most {MAX_INPUT_SIDE} px a side."
        )
    return width, height


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def upscaled_size(size: tuple[int, int], scale: float) -> tuple[int, int]:
    width, height = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))
    if max(width, height) > MAX_OUTPUT_SIDE or width * height > MAX_OUTPUT_PIXELS:
        raise ToolImageError(
            f"Output of {width}x{height} is too large (at most {MAX_OUTPUT_SIDE} px a side, "
            f"{MAX_OUTPUT_PIXELS // 1_000_000} MP)."
        )
    return width, height


def upscale(data: bytes, scale: float) -> Image.Image:
    """The input resampled by ``scale`` with Lanczos, then the demo mark."""
    source = open_input(data)
    image = source.resize(upscaled_size(source.size, scale), Image.Resampling.LANCZOS)
    mark(image, [DEMO_LABEL, f"upscaled x{scale:g} (Lanczos, not Real-ESRGAN)"], opaque=True)
    return image


def upscale_png(data: bytes, scale: float) -> bytes:
    return _png(upscale(data, scale))


def reimagine(
    data: bytes,
    prompt: str,
    seed: int,
    index: int,
    strength: float,
    width: int,
    height: int,
) -> Image.Image:
    """The input (cropped to the requested size) mixed with the seeded demo picture: strength
    0 keeps the input, 1 replaces it."""
    strength = min(max(strength, 0.0), 1.0)
    source = ImageOps.fit(open_input(data), (width, height), Image.Resampling.LANCZOS)
    painted = render(prompt, seed, index, width, height)
    image = Image.blend(source, painted, strength)
    own_seed = image_seed(seed, index)
    mark(image, [DEMO_LABEL, f"re-imagined: strength {strength:.2f}, seed {own_seed}"], opaque=True)
    return image


def reimagine_png(
    data: bytes,
    prompt: str,
    seed: int,
    index: int,
    strength: float,
    width: int,
    height: int,
) -> bytes:
    return _png(reimagine(data, prompt, seed, index, strength, width, height))
