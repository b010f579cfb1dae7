"""English text for the translation keys Wiro sends as labels and help texts."""

from __future__ import annotations

import re

LABELS: dict[str, str] = {
    "prompt": "Prompt",
    "negativeprompt": "Negative prompt",
    "numberofoutputs": "Number of images",
    "inferencesteps": "Steps",
    "guidancescale": "Guidance scale (CFG)",
    "seed": "Seed",
    "clip-skip": "CLIP skip",
    "clipskip": "CLIP skip",
    "width": "Width",
    "height": "Height",
    "scheduler": "Scheduler",
    "sampler": "Sampler",
    "strength": "Strength",
    "inputimage": "Input image",
}

HELP: dict[str, str] = {
    "prompt-help": "What the image should show. Weight parts with (words:1.2); "
    "[words] lowers their weight.",
    "negativeprompt-help": "What the image should avoid. BadDream, UnrealisticDream and "
    "FastNegativeV2 are negative embeddings trained for DreamShaper.",
    "numberofoutputs-help": "How many images one generation makes (each is billed).",
    "inferencesteps-help": "Denoising steps. More steps add detail up to a point and take "
    "longer; 20-30 suits most schedulers.",
    "guidancescale-help": "How strictly the image follows the prompt. 5-9 is typical; "
    "high values look harsh.",
    "seed-help": "The starting noise. The same seed and settings give the same image.",
    "clip-skip-help": "How many of the text encoder's last layers to skip. Anime-style "
    "checkpoints often use 2.",
    "width-help": "Image width in pixels (a multiple of 8). SD 1.5 was trained at 512.",
    "height-help": "Image height in pixels (a multiple of 8). SD 1.5 was trained at 512.",
    "scheduler-help": "The sampling algorithm. Euler and DPM++ 2M are fast and reliable; "
    "Euler a varies more between steps.",
}

_KEYISH = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def humanize(key: str) -> str:
    """Turns an unmapped key such as ``numberOfOutputs`` or ``clip-skip`` into readable text."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    spaced = re.sub(r"[-_]+", " ", spaced).strip()
    return spaced[:1].upper() + spaced[1:] if spaced else key


def label_text(key: str | None, field_id: str) -> str:
    """The English label for a field: mapped key, else readable text made from the key or id."""
    raw = (key or "").strip()
    if not raw:
        return LABELS.get(field_id.lower(), humanize(field_id))
    if raw.lower() in LABELS:
        return LABELS[raw.lower()]
    if _KEYISH.match(raw) or raw == field_id:
        return humanize(raw)
    return raw


def help_text(key: str | None) -> str:
    """The English help for a field; keys with no mapping give an empty text, not the key."""
    raw = (key or "").strip()
    if not raw:
        return ""
    if raw.lower() in HELP:
        return HELP[raw.lower()]
    if raw.lower().endswith("-help") and _KEYISH.match(raw.lower()):
        return ""
    return raw
