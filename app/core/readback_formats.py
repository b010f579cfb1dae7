"""Readers for other tools' flat JSON and text formats (InvokeAI, Fooocus, SwarmUI, NovelAI…).

ComfyUI graphs live in ``readback_comfy``; the Readback result and its builder in
``readback_model``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from typing import Any

from app.core.readback_comfy import from_comfy
from app.core.readback_model import FIELD_LABELS, Builder, Readback, as_int

__all__ = ["FIELD_LABELS", "Builder", "Readback", "from_comfy", "from_dream", "from_flat"]
__all__ += ["from_invoke_legacy", "from_novelai"]

# Flat JSON formats: our field id (and "sampler", "schedule", "model") → their key.
_FLAT_DEFAULTS = dict(prompt="prompt", negativePrompt="negative_prompt", steps="steps")
_FLAT_DEFAULTS |= dict(scale="scale", seed="seed", width="width", height="height")
_FLAT_DEFAULTS |= dict(sampler="sampler", schedule="scheduler", model="model")
_FLAT_KEYS: dict[str, dict[str, str]] = {
    "InvokeAI": dict(prompt="positive_prompt", scale="cfg_scale", sampler="scheduler", schedule=""),
    "Fooocus": dict(scale="guidance_scale", model="base_model"),
    "SwarmUI": dict(negativePrompt="negativeprompt", scale="cfgscale"),
    "NovelAI": dict(negativePrompt="uc", schedule="noise_schedule", model=""),
    "RuinedFooocus": dict(prompt="Prompt", negativePrompt="Negative", scale="cfg")
    | dict(sampler="sampler_name", model="base_model_name"),
    "Hugging Face Space": dict(steps="num_inference_steps", scale="guidance_scale", model="Model"),
    "Easy Diffusion": dict(steps="num_inference_steps", scale="guidance_scale")
    | dict(sampler="sampler_name", model="use_stable_diffusion_model"),
}
_FLAT_CLIP = {
    "InvokeAI": ("clip_skip", 1, 1, "InvokeAI's clip_skip + 1"),
    "SwarmUI": ("clipstopatlayer", -1, 0, "SwarmUI's clipstopatlayer"),
    "RuinedFooocus": ("clip_skip", 1, 0, "RuinedFooocus's clip_skip"),
}
_FLAT_DROPS = {
    "InvokeAI": dict(loras="LoRAs", hrf_enabled="Hires fix settings", strength="Image-to-image"),
    "Fooocus": dict(styles="Fooocus styles", refiner_model="Refiner settings", loras="LoRAs"),
    "SwarmUI": dict(loras="LoRAs", refinermodel="Refiner settings", initimage="Init image"),
    "RuinedFooocus": dict(loras="LoRAs", refiner_model_name="Refiner settings")
    | dict(denoise="Denoise", start_step="Start step"),
    "Hugging Face Space": dict(style_preset="Style preset", use_upscaler="Upscaler settings"),
}
_EMPTYISH = ("", "none", "(none)", "[]", "{}", "false", "0", "0.0", "1", "1.0", "loras:")


def from_flat(source: str, data: Mapping[str, Any], b: Builder | None = None) -> Readback:
    """A flat JSON format read through its key table; extra notes go on ``b`` if given."""
    b = b or Builder(source)
    keys = _FLAT_DEFAULTS | _FLAT_KEYS.get(source, {})
    get = {field_id: data[key] for field_id, key in keys.items() if key and key in data}
    for field_id in ("prompt", "negativePrompt"):
        b.text(field_id, get.get(field_id))
    if "steps" in get:
        b.integer("steps", get["steps"])
    if "scale" in get:
        b.number("scale", get["scale"])
    if "seed" in get:
        b.seed(get["seed"])
    resolution = re.findall(r"\d+", str(data.get("resolution", "")))
    if "width" in get or "height" in get:
        b.size(get.get("width"), get.get("height"))
    elif len(resolution) == 2:
        b.size(*resolution)
    if "sampler" in get:
        b.sampler(get["sampler"], get.get("schedule"))
    model = get.get("model")
    b.model(model.get("name") if isinstance(model, dict) else model)
    if source in _FLAT_CLIP:
        key, sign, offset, wording = _FLAT_CLIP[source]
        skip = as_int(data.get(key))
        if skip is not None:
            b.clip_skip(sign * skip + offset, convention=wording)
    for key, what in _FLAT_DROPS.get(source, {}).items():
        value = data.get(key)
        if value and str(value).strip().lower() not in _EMPTYISH:
            b.drop(f"{what} dropped ({str(value)[:80]})")
    return b.rb


def _caption(value: Any) -> tuple[str | None, int]:
    """NovelAI V4's ``{"caption": {"base_caption", "char_captions"}}``: text and characters."""
    caption = value.get("caption") if isinstance(value, dict) else None
    if not isinstance(caption, dict):
        return None, 0
    base = caption.get("base_caption")
    chars = caption.get("char_captions")
    return (base if isinstance(base, str) else None), len(chars) if isinstance(chars, list) else 0


_NOVELAI_DROPS = dict(sm="SMEA", sm_dyn="SMEA DYN", cfg_rescale="CFG rescale")
_NOVELAI_DROPS |= dict(strength="Image-to-image", reference_image="Vibe transfer")


def from_novelai(comment: Mapping[str, Any], chunks: Mapping[str, Any]) -> Readback:
    """NovelAI: prompt in ``Description``, everything else in the ``Comment`` JSON."""
    data = dict(comment)
    description = chunks.get("Description")
    v4_prompt, characters = _caption(data.get("v4_prompt"))
    v4_negative, _ = _caption(data.get("v4_negative_prompt"))
    if isinstance(description, str) and description.strip():
        data["prompt"] = description
    elif not isinstance(data.get("prompt"), str) and v4_prompt is not None:
        data["prompt"] = v4_prompt
    if not isinstance(data.get("uc"), str) and v4_negative is not None:
        data["uc"] = v4_negative
    b = Builder("NovelAI")
    rb = from_flat("NovelAI", data, b)
    source = chunks.get("Source")
    b.model(source if isinstance(source, str) and source.strip() else "NovelAI Diffusion")
    if characters:
        b.drop(f"{characters} NovelAI character prompt(s) dropped")
    for key, what in _NOVELAI_DROPS.items():
        value = data.get(key)
        if value and str(value).strip().lower() not in _EMPTYISH:
            b.drop(f"{what} dropped ({str(value)[:40]})")
    return rb


_BRACKETS = re.compile(r"\[([^\[\]]*)\]")


def _invoke_prompt(text: str) -> tuple[str, str]:
    """InvokeAI 2's ``a cat [ugly, blurry]``: bracketed parts are the negative prompt."""
    negative = ", ".join(p.strip() for p in _BRACKETS.findall(text) if p.strip())
    return " ".join(_BRACKETS.sub(" ", text).split()), negative


def from_invoke_legacy(data: Mapping[str, Any]) -> Readback:
    """InvokeAI 2.x ``sd-metadata`` JSON: ``{"model_weights", "image": {...}}``."""
    image = data.get("image")
    image = image if isinstance(image, dict) else {}
    prompt = image.get("prompt")
    if isinstance(prompt, list):  # [{"prompt": "...", "weight": 1.0}, ...]
        prompt = " ".join(str(p.get("prompt", "")) for p in prompt[:64] if isinstance(p, dict))
    flat: dict[str, Any] = {k: image[k] for k in ("steps", "seed", "width", "height") if k in image}
    if isinstance(prompt, str):
        flat["positive_prompt"], flat["negative_prompt"] = _invoke_prompt(prompt)
    if "cfg_scale" in image:
        flat["cfg_scale"] = image["cfg_scale"]
    if "sampler" in image:
        flat["scheduler"] = image["sampler"]
    flat["model"] = data.get("model_weights")
    b = Builder("InvokeAI")
    rb = from_flat("InvokeAI", flat, b)
    for key in ("hires_fix", "seamless", "variations", "postprocessing", "strength"):
        value = image.get(key)
        if value and str(value).strip().lower() not in _EMPTYISH:
            b.drop(f"{key.replace('_', ' ').capitalize()} dropped ({str(value)[:40]})")
    if str(image.get("type", "txt2img")) != "txt2img":
        b.drop(f"{str(image['type'])[:20]} (image-to-image) dropped")
    return rb


_DREAM_OPTIONS = {"-s": "steps", "--steps": "steps", "-S": "seed", "--seed": "seed"}
_DREAM_OPTIONS |= {"-W": "width", "--width": "width", "-H": "height", "--height": "height"}
_DREAM_OPTIONS |= {"-C": "cfg_scale", "--cfg_scale": "cfg_scale", "-A": "scheduler"}
_DREAM_OPTIONS |= {"--sampler": "scheduler"}


def from_dream(text: str) -> Readback | None:
    """InvokeAI 1.x/2.x ``Dream`` chunk: ``"a cat [ugly]" -s 50 -S 42 -W 512 -H 512 -C 7.5``."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return None
    flat: dict[str, Any] = {}
    flat["positive_prompt"], flat["negative_prompt"] = _invoke_prompt(words[0])
    extras: list[str] = []
    i = 1
    while i < len(words):
        word = words[i]
        glued = re.fullmatch(r"(-[sSWHCA])(\S+)", word)  # "-s50" as well as "-s 50"
        option, value = (glued.group(1), glued.group(2)) if glued else (word, None)
        if option in _DREAM_OPTIONS:
            if value is None and i + 1 < len(words):
                i, value = i + 1, words[i + 1]
            flat[_DREAM_OPTIONS[option]] = value
        elif word.startswith("-"):
            extras.append(word[:20])
        i += 1
    b = Builder("InvokeAI")
    if extras:
        b.drop(f"Dream options {' '.join(extras[:8])} dropped")
    return from_flat("InvokeAI", flat, b)


def from_json_text(text: Any) -> Any:
    """Parsed JSON, or None (a string inside a wrapper may itself hold JSON)."""
    if not isinstance(text, str) or not text.lstrip().startswith(("{", "[")):
        return text if isinstance(text, dict) else None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
