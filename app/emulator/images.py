"""Procedural, deterministic demo images: soft landscapes and bokeh from a prompt and a seed."""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

DEMO_LABEL = "WIRO STUDIO · OFFLINE DEMO"
WORK_SIDE = 224
Color = tuple[int, int, int]


def image_seed(seed: int, index: int) -> int:
    """The per-image seed the emulator uses: seed + index (Wiro's rule is undocumented)."""
    return (seed + index) % 2**32


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _hls(h: float, light: float, sat: float) -> Color:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(max(light, 0.0), 1.0), min(max(sat, 0.0), 1.0))
    return (round(r * 255), round(g * 255), round(b * 255))


def palette(prompt: str, seed: int) -> list[Color]:
    """Six colours: sky top, sky bottom, light source, then three ridges from far to near."""
    base = _rng("palette", prompt)
    hue = base.random()
    scheme = base.choice((0.08, 0.5, 0.33, 0.58))
    sat = 0.45 + base.random() * 0.35
    shift = (_rng("hue", prompt, seed).random() - 0.5) * 0.12
    h = hue + shift
    return [
        _hls(h, 0.22, sat),
        _hls(h + scheme, 0.72, sat),
        _hls(h + scheme + 0.04, 0.9, 0.9),
        _hls(h + 0.03, 0.55, sat * 0.8),
        _hls(h + 0.06, 0.36, sat * 0.9),
        _hls(h + 0.1, 0.16, sat),
    ]


def _sky(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    gradient = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(gradient, black=top, white=bottom)


@lru_cache(maxsize=1)
def _glow_mask() -> Image.Image:
    # radial_gradient reaches 255 in the corners: its edge midpoints sit at about 181
    lut = [round(255 * max(0.0, 1 - v / 181) ** 2) for v in range(256)]
    return Image.radial_gradient("L").point(lut)


def _glow(canvas: Image.Image, center: tuple[float, float], radius: float, color: Color) -> None:
    side = max(2, round(radius * 2))
    mask = _glow_mask().resize((side, side), Image.Resampling.BILINEAR)
    spot = Image.new("RGB", (side, side), color)
    canvas.paste(spot, (round(center[0] - radius), round(center[1] - radius)), mask)


def _ridge(
    rng: random.Random, w: int, h: int, base_y: float, amp: float
) -> list[tuple[float, float]]:
    waves = [
        (rng.uniform(0.5, 3.5), rng.uniform(0, math.tau), rng.uniform(0.3, 1.0)) for _ in range(4)
    ]
    points = [(0.0, float(h))]
    for i in range(49):
        x = w * i / 48
        t = i / 48
        y = base_y + amp * sum(a * math.sin(f * math.tau * t + p) for f, p, a in waves) / 2.2
        points.append((x, y))
    points.append((float(w), float(h)))
    return points


def _landscape(rng: random.Random, size: tuple[int, int], colors: list[Color]) -> Image.Image:
    w, h = size
    canvas = _sky(size, colors[0], colors[1])
    sun = (rng.uniform(0.2, 0.8) * w, rng.uniform(0.18, 0.45) * h)
    _glow(canvas, sun, max(w, h) * rng.uniform(0.28, 0.45), colors[2])
    ImageDraw.Draw(canvas).ellipse(
        [sun[0] - w * 0.06, sun[1] - w * 0.06, sun[0] + w * 0.06, sun[1] + w * 0.06],
        fill=colors[2],
    )
    for layer, color in enumerate(colors[3:]):
        mask = Image.new("L", size, 0)
        base_y = h * (0.52 + 0.13 * layer + rng.uniform(-0.04, 0.04))
        ImageDraw.Draw(mask).polygon(_ridge(rng, w, h, base_y, h * (0.14 - 0.03 * layer)), fill=255)
        if layer == 0:
            mask = mask.filter(ImageFilter.GaussianBlur(1.6))
        canvas.paste(color, (0, 0), mask)
    return canvas


def _bokeh(rng: random.Random, size: tuple[int, int], colors: list[Color]) -> Image.Image:
    w, h = size
    canvas = _sky(size, colors[5], colors[3])
    for _ in range(5):
        r = max(w, h) * rng.uniform(0.2, 0.45)
        _glow(canvas, (rng.uniform(0, w), rng.uniform(0, h)), r, rng.choice(colors[1:5]))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(9, 16)):
        r = max(w, h) * rng.uniform(0.02, 0.09)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        draw.ellipse(
            [x - r, y - r, x + r, y + r], fill=(*rng.choice(colors[1:4]), rng.randint(40, 110))
        )
    layer = layer.filter(ImageFilter.GaussianBlur(0.8))
    return Image.alpha_composite(canvas.convert("RGBA"), layer).convert("RGB")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError):
        return ImageFont.load_default()


def _label(image: Image.Image, lines: list[str]) -> None:
    w, h = image.size
    size = max(8, min(w, h) // 34)
    font = _font(size)
    pad = max(3, size // 2)
    widths = [font.getbbox(line)[2] for line in lines]
    box_w = min(w, max(widths) + 2 * pad)
    box_h = min(h, len(lines) * (size + pad // 2) + 2 * pad)
    x0, y0 = 0 if w < 2 * box_w else pad, h - box_h - (0 if h < 4 * box_h else pad)
    region = image.crop((x0, y0, x0 + box_w, y0 + box_h)).convert("RGBA")
    shade = Image.new("RGBA", region.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shade)
    draw.rounded_rectangle([0, 0, box_w - 1, box_h - 1], radius=pad, fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        draw.text((pad, pad + i * (size + pad // 2)), line, font=font, fill=(255, 255, 255, 235))
    image.paste(Image.alpha_composite(region, shade).convert("RGB"), (x0, y0))


def render(prompt: str, seed: int, index: int, width: int, height: int) -> Image.Image:
    """The demo picture for one output: same inputs, same pixels."""
    own_seed = image_seed(seed, index)
    rng = _rng("image", prompt, own_seed, width, height)
    scale = WORK_SIDE / max(width, height)
    work = (max(8, round(width * scale)), max(8, round(height * scale)))
    colors = palette(prompt, own_seed)
    draw = _landscape if rng.random() < 0.6 else _bokeh
    image = draw(rng, work, colors).resize((width, height), Image.Resampling.BICUBIC)
    _label(image, [DEMO_LABEL, f"seed {own_seed} (assumed: seed + image index)"])
    return image


def render_png(prompt: str, seed: int, index: int, width: int, height: int) -> bytes:
    """PNG bytes of :func:`render`, encoded for speed."""
    buffer = io.BytesIO()
    render(prompt, seed, index, width, height).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
