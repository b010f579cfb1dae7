"""Procedural, deterministic demo images that show what each setting does, so sweeps are real.

Same inputs, same pixels. Each setting leaves a visible trace, loosely like the real model:
the prompt's words choose the motif (a landscape, sea, city, forest or bokeh; colour words
tint the light; night words add stars), the scheduler chooses the palette, the steps the
detail (one step is a noisy blur, fifty a crisp, busy picture), the guidance scale the
contrast and saturation, and the seed and size the composition.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from app.emulator.motifs import COLOR_WORDS, KEYWORDS, MOTIFS, NIGHT_WORDS, stars

DEMO_LABEL = "WIRO STUDIO · OFFLINE DEMO"
WORK_SIDE = 224
DEFAULT_STEPS = 20
DEFAULT_SCALE = 7.5
DEFAULT_SCHEDULER = "EulerDiscreteScheduler"
NOISE_GONE = 0.75  # detail level (≈ 19 steps) from which no sampling noise is left
Color = tuple[int, int, int]

# Base hue and colour scheme (offset of the sky's lower half) per scheduler: one family each.
SCHEDULER_PALETTES: dict[str, tuple[float, float]] = {
    "EulerDiscreteScheduler": (0.07, 0.5),
    "EulerAncestralDiscreteScheduler": (0.92, 0.08),
    "DDIMScheduler": (0.6, 0.5),
    "LMSDiscreteScheduler": (0.3, 0.08),
    "DPMSolverMultistepScheduler": (0.76, 0.33),
    "PNDMScheduler": (0.48, 0.58),
    "DDPMScheduler": (0.12, 0.04),
}
_WORD = re.compile(r"[a-z][a-z\-]*")


def image_seed(seed: int, index: int) -> int:
    """The per-image seed the emulator uses: seed + index (Wiro's rule is undocumented)."""
    return (seed + index) % 2**32


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _hls(h: float, light: float, sat: float) -> Color:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(max(light, 0.0), 1.0), min(max(sat, 0.0), 1.0))
    return (round(r * 255), round(g * 255), round(b * 255))


def words(prompt: str) -> list[str]:
    return _WORD.findall(prompt.lower())


def palette(prompt: str, seed: int, scheduler: str = DEFAULT_SCHEDULER) -> list[Color]:
    """Six colours: sky top, sky bottom, light, then three ridges far to near.

    The scheduler picks the family; the prompt and the seed shift the hue a little, and a
    colour word in the prompt ("red", "blue"…) colours the light.
    """
    hue, scheme = SCHEDULER_PALETTES.get(scheduler) or _unknown_scheduler(scheduler)
    base = _rng("palette", prompt)
    sat = 0.45 + base.random() * 0.35
    h = hue + (base.random() - 0.5) * 0.1 + (_rng("hue", prompt, seed).random() - 0.5) * 0.06
    named = [COLOR_WORDS[w] for w in words(prompt) if w in COLOR_WORDS]
    light = _hls(named[0], 0.6, 0.95) if named else _hls(h + scheme + 0.04, 0.9, 0.9)
    return [
        _hls(h, 0.22, sat),
        _hls(h + scheme, 0.72, sat),
        light,
        _hls(h + 0.03, 0.55, sat * 0.8),
        _hls(h + 0.06, 0.36, sat * 0.9),
        _hls(h + 0.1, 0.16, sat),
    ]


def _unknown_scheduler(scheduler: str) -> tuple[float, float]:
    rng = _rng("scheduler", scheduler)
    return rng.random(), rng.choice((0.08, 0.33, 0.5, 0.58))


def motif(prompt: str) -> str:
    """The subject the prompt's words ask for; without a keyword, one its words pick."""
    found = words(prompt)
    for name, keys in KEYWORDS.items():
        if any(w in keys for w in found):
            return name
    names = sorted(MOTIFS)
    return names[_rng("motif", " ".join(sorted(set(found)))).randrange(len(names))]


def detail_level(steps: int) -> float:
    """0 at one step, 1 at fifty or more, rising fast at first as denoising does."""
    return min(1.0, math.log(max(1, steps)) / math.log(50))


def _finish(image: Image.Image, rng: random.Random, detail: float, scale: float) -> Image.Image:
    grain = 0.55 * max(0.0, 1 - detail / NOISE_GONE) ** 1.5
    if grain > 0.005:
        # Pillow's effect_noise draws from C's rand(), which no seed reaches: not repeatable.
        noise = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
        image = Image.blend(image, noise.convert("RGB"), grain)
    if detail < 0.98:
        image = image.filter(ImageFilter.GaussianBlur(4.0 * (1 - detail)))
    ratio = max(0.05, scale) / DEFAULT_SCALE
    if abs(ratio - 1) > 1e-3:
        image = ImageEnhance.Contrast(image).enhance(ratio**0.6)
        image = ImageEnhance.Color(image).enhance(min(3.0, ratio**0.4))
    return image


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError):
        return ImageFont.load_default()


def _label(image: Image.Image, lines: list[str], opaque: bool = False) -> None:
    """The demo mark, bottom left; ``opaque`` hides a mark the input image already had."""
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
    fill = (24, 24, 24, 255) if opaque else (0, 0, 0, 140)
    draw.rounded_rectangle([0, 0, box_w - 1, box_h - 1], radius=pad, fill=fill)
    for i, line in enumerate(lines):
        draw.text((pad, pad + i * (size + pad // 2)), line, font=font, fill=(255, 255, 255, 235))
    image.paste(Image.alpha_composite(region, shade).convert("RGB"), (x0, y0))


def look(values: Mapping[str, Any]) -> tuple[int, float, str]:
    """(steps, scale, scheduler) of a task's values, the tool's defaults where unreadable."""
    try:
        steps = int(float(values.get("steps", DEFAULT_STEPS)))
    except (TypeError, ValueError):
        steps = DEFAULT_STEPS
    try:
        scale = float(values.get("scale", DEFAULT_SCALE))
    except (TypeError, ValueError):
        scale = DEFAULT_SCALE
    scale = scale if math.isfinite(scale) else DEFAULT_SCALE
    return steps, scale, str(values.get("scheduler") or DEFAULT_SCHEDULER)


def render(
    prompt: str,
    seed: int,
    index: int,
    width: int,
    height: int,
    steps: int = DEFAULT_STEPS,
    scale: float = DEFAULT_SCALE,
    scheduler: str = DEFAULT_SCHEDULER,
) -> Image.Image:
    """The demo picture for one output: same inputs, same pixels."""
    own_seed = image_seed(seed, index)
    rng = _rng("image", prompt, own_seed, width, height)
    ratio = WORK_SIDE / max(width, height)
    work = (max(8, round(width * ratio)), max(8, round(height * ratio)))
    detail = detail_level(steps)
    painter = MOTIFS[motif(prompt)]
    picture = painter(rng, work, palette(prompt, own_seed, scheduler), detail)
    if NIGHT_WORDS.intersection(words(prompt)):
        picture = ImageEnhance.Brightness(picture).enhance(0.55)
        stars(picture, rng, detail)
    picture = _finish(picture, _rng("noise", own_seed), detail, scale)
    image = picture.resize((width, height), Image.Resampling.BICUBIC)
    # Only the seed: the same pixels must come from (seed, index) and (seed + index, 0), so the
    # overlay cannot say which image of a batch it is (the gallery marks assumed seeds).
    _label(image, [DEMO_LABEL, f"seed {own_seed}"])
    return image


def render_png(
    prompt: str,
    seed: int,
    index: int,
    width: int,
    height: int,
    steps: int = DEFAULT_STEPS,
    scale: float = DEFAULT_SCALE,
    scheduler: str = DEFAULT_SCHEDULER,
) -> bytes:
    """PNG bytes of :func:`render`, encoded for speed."""
    buffer = io.BytesIO()
    image = render(prompt, seed, index, width, height, steps, scale, scheduler)
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
