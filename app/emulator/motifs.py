"""The demo images' subjects: a landscape, a sea, a city, a forest or bokeh, drawn small.

Every painter takes a random source, the work size, six colours and a detail level between 0
(one sampling step: shapeless) and 1 (fifty steps or more: every element drawn), so that
more steps visibly add structure, as more denoising steps do for a diffusion model. Painters
draw the same random numbers at every detail level and only use more of them, so a sweep
over steps keeps its composition and only gains detail.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageOps

Color = tuple[int, int, int]
Size = tuple[int, int]
Painter = Callable[[random.Random, Size, list[Color], float], Image.Image]


def sky(size: Size, top: Color, bottom: Color) -> Image.Image:
    gradient = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return ImageOps.colorize(gradient, black=top, white=bottom)


@lru_cache(maxsize=1)
def _glow_mask() -> Image.Image:
    # radial_gradient reaches 255 in the corners: its edge midpoints sit at about 181
    lut = [round(255 * max(0.0, 1 - v / 181) ** 2) for v in range(256)]
    return Image.radial_gradient("L").point(lut)


def glow(canvas: Image.Image, center: tuple[float, float], radius: float, color: Color) -> None:
    side = max(2, round(radius * 2))
    mask = _glow_mask().resize((side, side), Image.Resampling.BILINEAR)
    spot = Image.new("RGB", (side, side), color)
    canvas.paste(spot, (round(center[0] - radius), round(center[1] - radius)), mask)


def _sun(canvas: Image.Image, rng: random.Random, colors: list[Color]) -> tuple[float, float]:
    w, h = canvas.size
    sun = (rng.uniform(0.2, 0.8) * w, rng.uniform(0.18, 0.4) * h)
    glow(canvas, sun, max(w, h) * rng.uniform(0.28, 0.45), colors[2])
    r = w * 0.06
    ImageDraw.Draw(canvas).ellipse([sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r], fill=colors[2])
    return sun


def _ridge(
    rng: random.Random, w: int, h: int, base_y: float, amp: float, detail: float
) -> list[tuple[float, float]]:
    waves = [
        (rng.uniform(0.5, 3.5) * (1 + k * 0.9), rng.uniform(0, math.tau), 1.0 / (1 + k * 0.8))
        for k in range(7)
    ][: 2 + round(detail * 5)]
    points = [(0.0, float(h))]
    count = 24 + round(detail * 48)
    for i in range(count + 1):
        t = i / count
        y = base_y + amp * sum(a * math.sin(f * math.tau * t + p) for f, p, a in waves) / 2.2
        points.append((w * t, y))
    points.append((float(w), float(h)))
    return points


def landscape(rng: random.Random, size: Size, colors: list[Color], detail: float) -> Image.Image:
    w, h = size
    canvas = sky(size, colors[0], colors[1])
    _sun(canvas, rng, colors)
    for layer, color in enumerate(colors[3:]):
        mask = Image.new("L", size, 0)
        base_y = h * (0.52 + 0.13 * layer + rng.uniform(-0.04, 0.04))
        amp = h * (0.14 - 0.03 * layer)
        ImageDraw.Draw(mask).polygon(_ridge(rng, w, h, base_y, amp, detail), fill=255)
        if layer == 0:
            mask = mask.filter(ImageFilter.GaussianBlur(1.6))
        canvas.paste(color, (0, 0), mask)
    return canvas


def sea(rng: random.Random, size: Size, colors: list[Color], detail: float) -> Image.Image:
    w, h = size
    canvas = sky(size, colors[0], colors[1])
    sun = _sun(canvas, rng, colors)
    horizon = h * rng.uniform(0.5, 0.62)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([0, horizon, w, h], fill=colors[4])
    glints = [(rng.random(), rng.uniform(0.5, 1.2), rng.uniform(-0.08, 0.08)) for _ in range(30)]
    for i, (depth, spread, shift) in enumerate(glints[: 4 + round(detail * 26)]):
        y = horizon + (h - horizon) * depth
        half = w * (0.04 + 0.22 * depth) * spread
        x = sun[0] + shift * w
        draw.line([x - half, y, x + half, y], fill=colors[2], width=1 + (i % 2))
    ripples = [
        (rng.uniform(horizon + 2, h), rng.uniform(0, w), rng.uniform(2, 9)) for _ in range(40)
    ]
    for y, x, span in ripples[: round(detail * 40)]:
        draw.line([x, y, x + span, y], fill=colors[3], width=1)
    return canvas


def city(rng: random.Random, size: Size, colors: list[Color], detail: float) -> Image.Image:
    w, h = size
    canvas = sky(size, colors[0], colors[1])
    _sun(canvas, rng, colors)
    draw = ImageDraw.Draw(canvas)
    lights = random.Random(rng.random())
    for row, color in enumerate((colors[3], colors[5])):
        x = -rng.uniform(0, 10)
        while x < w:
            bw = rng.uniform(0.06, 0.14) * w
            top = h * rng.uniform(0.3, 0.6) + row * h * 0.12
            draw.rectangle([x, top, x + bw - 1, h], fill=color)
            if row == 1:
                _windows(draw, lights, (x, top, x + bw - 1, h), colors[2], detail)
            x += bw
    return canvas


def _windows(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    box: tuple[float, float, float, float],
    color: Color,
    detail: float,
) -> None:
    x0, y0, x1, y1 = box
    gap = 4
    y = y0 + gap
    while y < y1 - gap:
        x = x0 + 2
        while x < x1 - 3:
            if rng.random() < 0.8 * detail - 0.1:
                draw.rectangle([x, y, x + 1, y + 1], fill=color)
            x += gap
        y += gap


def forest(rng: random.Random, size: Size, colors: list[Color], detail: float) -> Image.Image:
    w, h = size
    canvas = landscape(rng, size, colors, detail * 0.5)
    draw = ImageDraw.Draw(canvas)
    trees = [(rng.random(), rng.uniform(0.7, 1.2), rng.uniform(0, w)) for _ in range(50)]
    for depth, grow, x in sorted(trees[: 6 + round(detail * 44)]):
        base = h * (0.62 + 0.36 * depth)
        tall = h * (0.08 + 0.14 * depth) * grow
        half = tall * 0.28
        color = colors[4] if depth < 0.5 else colors[5]
        draw.polygon([(x, base - tall), (x - half, base), (x + half, base)], fill=color)
    return canvas


def bokeh(rng: random.Random, size: Size, colors: list[Color], detail: float) -> Image.Image:
    w, h = size
    canvas = sky(size, colors[5], colors[3])
    for _ in range(5):
        r = max(w, h) * rng.uniform(0.2, 0.45)
        glow(canvas, (rng.uniform(0, w), rng.uniform(0, h)), r, rng.choice(colors[1:5]))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    dots = [
        (
            max(w, h) * rng.uniform(0.02, 0.09),
            rng.uniform(0, w),
            rng.uniform(0, h),
            (*rng.choice(colors[1:4]), rng.randint(40, 110)),
        )
        for _ in range(30)
    ]
    for r, x, y, fill in dots[: 6 + round(detail * 24)]:
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)
        if detail > 0.6:
            draw.ellipse([x - r, y - r, x + r, y + r], outline=(*colors[2], 70))
    layer = layer.filter(ImageFilter.GaussianBlur(0.8))
    return Image.alpha_composite(canvas.convert("RGBA"), layer).convert("RGB")


def stars(canvas: Image.Image, rng: random.Random, detail: float) -> None:
    """A night sky: dots in the upper half, more of them with more detail."""
    w, h = canvas.size
    draw = ImageDraw.Draw(canvas)
    points = [
        (rng.uniform(0, w), rng.uniform(0, h * 0.45), rng.randint(170, 255)) for _ in range(80)
    ]
    for x, y, level in points[: 10 + round(detail * 70)]:
        draw.point((x, y), fill=(level, level, level))


MOTIFS: dict[str, Painter] = {
    "landscape": landscape,
    "sea": sea,
    "city": city,
    "forest": forest,
    "bokeh": bokeh,
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "city": ("city", "street", "town", "building", "skyline", "cyberpunk", "urban", "tower"),
    "sea": ("sea", "ocean", "lake", "water", "harbour", "harbor", "beach", "river", "wave"),
    "forest": ("forest", "tree", "trees", "wood", "woods", "jungle", "garden", "flowers"),
    "bokeh": ("portrait", "face", "bokeh", "lights", "closeup", "close-up", "eyes", "cyborg"),
    "landscape": ("mountain", "mountains", "hill", "hills", "valley", "landscape", "desert"),
}
NIGHT_WORDS = frozenset({"night", "star", "stars", "space", "moon", "galaxy", "midnight"})
COLOR_WORDS: dict[str, float] = {
    "red": 0.0,
    "orange": 0.07,
    "gold": 0.12,
    "golden": 0.12,
    "yellow": 0.15,
    "green": 0.33,
    "teal": 0.48,
    "cyan": 0.5,
    "blue": 0.6,
    "purple": 0.78,
    "violet": 0.75,
    "pink": 0.9,
}
