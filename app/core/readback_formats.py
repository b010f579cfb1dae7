"""Readers for other tools' structured metadata: ComfyUI graphs and flat JSON formats.

Also the shared pieces every reader uses: the Readback result and the validating builder.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.metadata import MODEL_NAME, SAMPLER_BY_SCHEDULER, match_sampler, schedule_note
from app.core.params import CLIENT_LIMITS

FIELD_LABELS: dict[str, str] = {
    "prompt": "Prompt",
    "negativePrompt": "Negative prompt",
    "samples": "Number of images",
    "steps": "Steps",
    "scale": "CFG scale",
    "seed": "Seed",
    "clipSkip": "CLIP skip",
    "width": "Width",
    "height": "Height",
    "scheduler": "Scheduler",
}
_LORA_TAG = re.compile(r"<(?:lora|lyco|hypernet):[^<>]{0,200}>", re.I)


@dataclass
class Readback:
    """Form values found in an image, where they came from, and what could not be used."""

    values: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    mapped: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,30}", text):
        return int(text)
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


class Builder:
    """Collects one Readback, validating every value against the client limits."""

    def __init__(self, source: str) -> None:
        self.rb = Readback(source=source)

    def _set(self, field_id: str, value: Any) -> None:
        self.rb.values[field_id] = value
        if field_id not in self.rb.mapped:
            self.rb.mapped.append(field_id)

    def drop(self, note: str) -> None:
        if note not in self.rb.dropped:
            self.rb.dropped.append(note)

    def text(self, field_id: str, value: Any) -> None:
        if isinstance(value, str):
            self._set(field_id, value)
            if field_id == "prompt" and _LORA_TAG.search(value):
                self.drop("LoRA tags in the prompt have no effect on this model")

    def _in_range(self, field_id: str, number: float, shown: Any) -> bool:
        lim = CLIENT_LIMITS[field_id]
        lo, hi = lim.minimum, lim.maximum
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            limits = f"{_fmt(lo or 0)}-{_fmt(hi or 0)}"
            self.drop(f"{FIELD_LABELS[field_id]} {shown} is outside {limits}")
            return False
        return True

    def integer(self, field_id: str, raw: Any) -> None:
        number = _int(raw)
        if number is None:
            self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a whole number")
        elif self._in_range(field_id, number, number):
            self._set(field_id, number)

    def number(self, field_id: str, raw: Any) -> None:
        number = _float(raw)
        if number is None:
            self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a number")
        elif self._in_range(field_id, number, _fmt(number)):
            self._set(field_id, number)

    def seed(self, raw: Any) -> None:
        number = _int(raw)
        if number is None:
            self.drop(f"Seed {str(raw)[:40]!r} is not a whole number")
        elif number < 0:
            self.drop(f"Seed {number} means a random seed; keeping yours")
        elif self._in_range("seed", number, number):
            self._set("seed", str(number))

    def size(self, width: Any, height: Any) -> None:
        for field_id, raw in (("width", width), ("height", height)):
            number = _int(raw)
            if number is None:
                self.drop(f"{FIELD_LABELS[field_id]} {str(raw)[:40]!r} is not a whole number")
                continue
            rounded = max(8, round(number / 8) * 8)
            if self._in_range(field_id, rounded, number):
                if rounded != number:
                    self.rb.adjusted.append(
                        f"{FIELD_LABELS[field_id]} {number} rounded to {rounded} (multiple of 8)"
                    )
                self._set(field_id, rounded)

    def scheduler(self, name: Any) -> None:
        if str(name) in SAMPLER_BY_SCHEDULER:
            self._set("scheduler", str(name))
        else:
            self.drop(f"Scheduler {str(name)[:60]} is not available on this model")

    def sampler(self, name: Any, schedule: Any = None) -> None:
        match = match_sampler(str(name)[:60])
        if match.scheduler:
            self._set("scheduler", match.scheduler)
        notes = [match.note, schedule_note(str(schedule)) if schedule is not None else None]
        for note in notes:
            if note:
                self.drop(note)

    def clip_skip(self, raw: Any, *, convention: str | None) -> None:
        before = len(self.rb.mapped)
        self.integer("clipSkip", raw)
        if convention and len(self.rb.mapped) > before:
            self.rb.adjusted.append(
                f"CLIP skip {self.rb.values['clipSkip']} taken from {convention} "
                "(Wiro's clipSkip convention is undocumented)"
            )

    def model(self, name: Any) -> None:
        text = str(name or "").strip()
        if text and "dreamshaper8" not in re.sub(r"[^a-z0-9]", "", text.lower()):
            self.drop(f"Model {text[:80]} is not {MODEL_NAME}; results will differ")


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int)


class _ComfyGraph:
    """A ComfyUI API-format prompt: node id → {class_type, inputs}."""

    def __init__(self, data: Mapping[Any, Any]) -> None:
        self.nodes = {
            str(k): v
            for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("inputs"), dict)
        }

    def node(self, link: Any) -> dict[str, Any] | None:
        return self.nodes.get(str(link[0])) if _is_link(link) else None

    def value(self, raw: Any, keys: tuple[str, ...], seen: set[str] | None = None) -> Any:
        """A literal input, following links to whichever node holds one of ``keys``."""
        if not _is_link(raw):
            return raw
        seen = set() if seen is None else seen
        node = self.node(raw)
        if node is None or str(raw[0]) in seen or len(seen) > 64:
            return None
        seen.add(str(raw[0]))
        inputs = node["inputs"]
        order = keys
        if "positive" in inputs and "negative" in inputs and "text" in keys:
            order = ("negative" if raw[1] == 1 else "positive",)
        for key in order:
            if key in inputs:
                found = self.value(inputs[key], keys, seen)
                if found is not None:
                    return found
        return None

    def of_class(self, *names: str) -> list[dict[str, Any]]:
        return [n for n in self.nodes.values() if n.get("class_type") in names]


_TEXT_KEYS: tuple[str, ...] = ("text", "text_g", "string", "value", "prompt")
_TEXT_KEYS += ("conditioning", "conditioning_1", "conditioning_to")
_LATENT_KEYS = ("samples", "latent_image", "latent", "latent_a")


def from_comfy(data: Mapping[Any, Any]) -> Readback | None:
    graph = _ComfyGraph(data)
    if not graph.nodes:
        return None
    b = Builder("ComfyUI")
    samplers = graph.of_class("KSampler", "KSamplerAdvanced")
    if not samplers:
        b.drop("No KSampler node found in the ComfyUI graph")
        return b.rb

    def latent_size(sampler: dict[str, Any]) -> tuple[Any, Any] | None:
        link, seen = sampler["inputs"].get("latent_image"), 0
        while (node := graph.node(link)) is not None and seen < 16:
            inputs, seen = node["inputs"], seen + 1
            if "width" in inputs and "height" in inputs:
                return inputs["width"], inputs["height"]
            link = next((inputs[k] for k in _LATENT_KEYS if k in inputs), None)
        return None

    first = next((s for s in samplers if latent_size(s)), samplers[0])
    inputs = first["inputs"]
    if len(samplers) > 1:
        b.drop(f"{len(samplers) - 1} more sampler pass(es) dropped (e.g. hires fix)")
    for field_id, key in (("prompt", "positive"), ("negativePrompt", "negative")):
        b.text(field_id, graph.value(inputs.get(key), _TEXT_KEYS))
    num = ("value", "int", "number", "seed", "noise_seed")
    if "steps" in inputs:
        b.integer("steps", graph.value(inputs["steps"], num))
    if "cfg" in inputs:
        b.number("scale", graph.value(inputs["cfg"], ("value", "float", "number", "cfg")))
    if "seed" in inputs or "noise_seed" in inputs:
        b.seed(graph.value(inputs.get("seed", inputs.get("noise_seed")), num))
    sampler = graph.value(inputs.get("sampler_name"), ("value", "sampler_name"))
    if isinstance(sampler, str):
        b.sampler(sampler, inputs.get("scheduler"))
    size = latent_size(first)
    if size:
        b.size(graph.value(size[0], num), graph.value(size[1], num))
    denoise = _float(inputs.get("denoise", 1))
    if denoise is not None and denoise < 1:
        b.drop(f"Denoise {_fmt(denoise)} dropped (image-to-image)")
    for node in graph.of_class("CLIPSetLastLayer"):
        layer = _int(node["inputs"].get("stop_at_clip_layer"))
        if layer is not None:
            b.clip_skip(-layer, convention="ComfyUI's stop_at_clip_layer")
            break
    for node in graph.nodes.values():
        node_inputs = node["inputs"]
        if isinstance(node_inputs.get("ckpt_name"), str):
            b.model(node_inputs["ckpt_name"])
        if isinstance(node_inputs.get("lora_name"), str):
            b.drop(f"LoRA {node_inputs['lora_name'][:80]} dropped")
    return b.rb


# Flat JSON formats: our field id (and "sampler", "schedule", "model") → their key.
_FLAT_DEFAULTS = dict(prompt="prompt", negativePrompt="negative_prompt", steps="steps")
_FLAT_DEFAULTS |= dict(scale="scale", seed="seed", width="width", height="height")
_FLAT_DEFAULTS |= dict(sampler="sampler", schedule="scheduler", model="model")
_FLAT_KEYS: dict[str, dict[str, str]] = {
    "InvokeAI": dict(prompt="positive_prompt", scale="cfg_scale", sampler="scheduler", schedule=""),
    "Fooocus": dict(scale="guidance_scale", model="base_model"),
    "SwarmUI": dict(negativePrompt="negativeprompt", scale="cfgscale"),
    "NovelAI": dict(negativePrompt="uc", schedule="noise_schedule", model=""),
}
_FLAT_CLIP = {
    "InvokeAI": ("clip_skip", 1, 1, "InvokeAI's clip_skip + 1"),
    "SwarmUI": ("clipstopatlayer", -1, 0, "SwarmUI's clipstopatlayer"),
}
_FLAT_DROPS = {
    "InvokeAI": dict(loras="LoRAs", hrf_enabled="Hires fix settings", strength="Image-to-image"),
    "Fooocus": dict(styles="Fooocus styles", refiner_model="Refiner settings", loras="LoRAs"),
    "SwarmUI": dict(loras="LoRAs", refinermodel="Refiner settings", initimage="Init image"),
}
_EMPTYISH = ("", "none", "[]", "false", "0", "0.0", "1", "1.0")


def from_flat(source: str, data: Mapping[str, Any]) -> Readback:
    b = Builder(source)
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
    elif source == "Fooocus" and len(resolution) == 2:
        b.size(*resolution)
    if "sampler" in get:
        b.sampler(get["sampler"], get.get("schedule"))
    model = get.get("model")
    b.model(model.get("name") if isinstance(model, dict) else model)
    if source == "NovelAI":
        b.model("NovelAI Diffusion")
    if source in _FLAT_CLIP:
        key, sign, offset, wording = _FLAT_CLIP[source]
        skip = _int(data.get(key))
        if skip is not None:
            b.clip_skip(sign * skip + offset, convention=wording)
    for key, what in _FLAT_DROPS.get(source, {}).items():
        value = data.get(key)
        if value and str(value).strip().lower() not in _EMPTYISH:
            b.drop(f"{what} dropped ({str(value)[:80]})")
    return b.rb
