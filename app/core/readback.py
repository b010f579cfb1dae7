"""Reads generation settings from other tools' image metadata back into our form values."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

from app.core.metadata import (
    MODEL_NAME,
    OUR_JSON_KEY,
    RequestRecord,
    parse_parameters,
    parse_request_json,
    request_record,
)
from app.core.readback_formats import (
    from_comfy,
    from_dream,
    from_flat,
    from_invoke_legacy,
    from_json_text,
    from_novelai,
)
from app.core.readback_model import FIELD_LABELS, Builder, Readback

__all__ = ["FIELD_LABELS", "MAX_CHUNK_CHARS", "OUR_TOOL", "Readback", "read_settings", "report"]

OUR_TOOL = "Lykon/dreamshaper-8"
MAX_CHUNK_CHARS = 4_000_000
_A1111_IGNORED = re.compile(r"hash|^Version$|^Wiro task$|^Wiro prompt lines$|^Batch ", re.I)
_A1111_GROUP = re.compile(r"Hires|ADetailer|Refiner")
_GROUP_NAMES = {"Hires": "Hires fix", "ADetailer": "ADetailer", "Refiner": "Refiner"}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _from_a1111(text: str, source: str, *, prompt_only_ok: bool) -> Readback | None:
    parsed = parse_parameters(text)
    if not parsed.settings and not prompt_only_ok:
        return None
    b = Builder(source)
    b.text("prompt", parsed.prompt)
    if parsed.negative_prompt:
        b.text("negativePrompt", parsed.negative_prompt)
    s = dict(parsed.settings)
    folded = {key.lower(): key for key in s}  # Comfy Image Saver writes "CFG Scale"

    def pop(name: str) -> str | None:
        key = folded.pop(name.lower(), None)
        return None if key is None else s.pop(key)

    def has(name: str) -> bool:
        return name.lower() in folded

    if has("Steps"):
        b.integer("steps", pop("Steps"))
    if has("CFG scale"):
        b.number("scale", pop("CFG scale"))
    if has("Seed"):
        b.seed(pop("Seed"))
    if has("Size"):
        width, _, height = (pop("Size") or "").partition("x")
        b.size(width, height)
    sampler, schedule = pop("Sampler"), pop("Schedule type") or pop("Scheduler")
    if has("Wiro scheduler"):
        b.scheduler(pop("Wiro scheduler"))
    elif sampler is not None:
        b.sampler(sampler, schedule)
    if has("Wiro clipSkip"):
        b.clip_skip(pop("Wiro clipSkip"), convention=None)
    elif has("Clip skip"):
        b.clip_skip(pop("Clip skip"), convention="A1111's Clip skip")
    b.model(pop("Model") or "")
    uncounted = 0
    for key, value in s.items():
        group = _A1111_GROUP.match(key)
        if group:
            b.drop(f"{_GROUP_NAMES[group.group()]} settings dropped")
        elif _A1111_IGNORED.search(key):
            continue
        elif b.has_room():
            b.drop(f"{key} {value[:40]} dropped (not available on this tool)")
        else:
            uncounted += 1  # keys are unique, so these notes would be too: count them only
    b.rb.more_dropped += uncounted
    return b.rb


# The inputs an operation's own settings cover (app.core.lineage, app.services.derive).
_OPERATION_INPUTS: dict[str, tuple[str, ...]] = {
    "upscale": ("inputImage", "inputImageUrl", "outscale", "modelName"),
    "reimagine": ("inputImage", "inputImageUrl", "strength", "selectedModel"),
}


def _from_ours(record: RequestRecord) -> Readback:
    b = Builder("Wiro Studio")
    params = dict(record.params)
    if record.lineage:
        b.rb.lineage = dict(record.lineage)
        for key in _OPERATION_INPUTS.get(str(record.lineage.get("kind")), ()):
            params.pop(key, None)  # restored through the lineage, not the generate form
    if record.tool and record.tool != OUR_TOOL:
        b.drop(f"Made with {record.tool[:80]}, not {MODEL_NAME}; results will differ")
    for key in ("prompt", "negativePrompt"):
        b.text(key, params.pop(key, None))
    for key in ("samples", "steps"):
        if key in params:
            b.integer(key, params.pop(key))
    if "scale" in params:
        b.number("scale", params.pop("scale"))
    base_seed = params.pop("seed", None)
    seed = record.image_seed if record.image_seed is not None else base_seed
    if seed is not None:
        b.seed(seed)
        if base_seed is not None and str(base_seed).strip() != str(seed):
            b.rb.adjusted.append(f"Seed is this image's own seed (the request's was {base_seed})")
    if "width" in params or "height" in params:
        b.size(params.pop("width", None), params.pop("height", None))
    if "scheduler" in params:
        b.scheduler(params.pop("scheduler"))
    if "clipSkip" in params:
        b.clip_skip(params.pop("clipSkip"), convention=None)
    for key in params:
        b.drop(f"Setting {str(key)[:40]} dropped (not a field of this tool)")
    return b.rb


def _is_graph(data: Any) -> bool:
    return isinstance(data, dict) and any(
        isinstance(v, dict) and "class_type" in v for v in list(data.values())[:2000]
    )


def _from_json(key: str, data: dict[str, Any], chunks: Mapping[str, str]) -> Readback | None:
    if isinstance(data.get("sui_image_params"), dict):
        return from_flat("SwarmUI", data["sui_image_params"])
    if key == "sui_image_params":
        return from_flat("SwarmUI", data)
    wrapped = from_json_text(data.get("prompt"))
    if _is_graph(wrapped):  # {"prompt": graph, "workflow": …} from Save Image Plus/Extended
        return from_comfy(wrapped)
    if "Comment" in data and (data.get("Software") == "NovelAI" or "Description" in data):
        comment = from_json_text(data["Comment"])  # NovelAI's WebP/JPEG: all chunks as JSON
        if isinstance(comment, dict):
            return from_novelai(comment, data)
    if key == "invokeai_metadata" or "positive_prompt" in data:
        return from_flat("InvokeAI", data)
    if key == "sd-metadata" or (isinstance(data.get("image"), dict) and "model_weights" in data):
        return from_invoke_legacy(data)
    if key == "prompt" or _is_graph(data):
        return from_comfy(data)
    if data.get("software") == "RuinedFooocus" or ("Prompt" in data and "Negative" in data):
        return from_flat("RuinedFooocus", data)
    if "use_stable_diffusion_model" in data:
        return from_flat("Easy Diffusion", data)
    if "num_inference_steps" in data:
        return from_flat("Hugging Face Space", data)
    if "fooocus_scheme" in chunks or "guidance_scale" in data or "metadata_scheme" in data:
        return from_flat("Fooocus", data)
    if "uc" in data or "v4_prompt" in data or chunks.get("Software") == "NovelAI":
        return from_novelai(data, chunks)
    record = request_record(data)
    return _from_ours(record) if record else None


def _between(text: str, start: str, end: str) -> str | None:
    at = text.find(start)
    stop = text.find(end, at + len(start)) if at >= 0 else -1
    return text[at + len(start) : stop] if stop >= 0 else None


def _xmp_text(xmp: str) -> str | None:
    """The description-like text of an XMP packet (plain searches: no regex on hostile XML)."""
    for tag in ("exif:UserComment", "dc:description", "tiff:ImageDescription"):
        element = _between(xmp, f"<{tag}", f"</{tag}>")
        if element is not None and ">" in element:
            inner = element.split(">", 1)[1]
            item = _between(inner, "<rdf:li", "</rdf:li>")
            return html.unescape(item.split(">", 1)[1] if item and ">" in item else inner)
        attribute = _between(xmp, f'{tag}="', '"')
        if attribute is not None:
            return html.unescape(attribute)
    return None


_CANDIDATES: tuple[str, ...] = (
    "parameters",
    "sui_image_params",
    "invokeai_metadata",
    "sd-metadata",
    "Dream",
    "prompt",
    "Comment",
)
_CANDIDATES += ("UserComment", "ImageDescription", "XMP", "XML:com.adobe.xmp")


def _read(chunks: Mapping[Any, Any]) -> Readback:
    texts = {str(k): v for k, v in chunks.items() if isinstance(v, str) and v.strip()}
    texts = {k: v for k, v in texts.items() if len(v) <= MAX_CHUNK_CHARS}
    record = parse_request_json(texts.get(OUR_JSON_KEY, ""))
    if record is not None:
        return _from_ours(record)
    for key in _CANDIDATES:
        text = texts.get(key)
        if text is None:
            continue
        if key in ("XMP", "XML:com.adobe.xmp"):
            text = _xmp_text(text) or ""
        data = _json(text) if text.lstrip().startswith("{") else None
        if isinstance(data, dict):
            found = _from_json(key, data, texts)
        elif key == "Dream":
            found = from_dream(text)
        elif key in ("prompt", "invokeai_metadata", "sui_image_params", "sd-metadata"):
            found = None
        else:
            source = "A1111 parameters" if key == "parameters" else f"A1111 text in {key}"
            found = _from_a1111(text, source, prompt_only_ok=key == "parameters")
        if found is not None:
            return found
    if "workflow" in texts:
        note = "Only a ComfyUI workflow was found (no API prompt); nothing was read"
        return Readback(source="ComfyUI", dropped=[note])
    return Readback(dropped=["No generation settings found in this image"])


_HOSTILE_INPUT_ERRORS = (ValueError, TypeError, LookupError, AttributeError, RecursionError)


def read_settings(chunks: Mapping[str, str]) -> Readback:
    """Our form values from an image's text metadata (PNG chunks, EXIF UserComment, XMP)."""
    try:
        return _read(chunks)
    except _HOSTILE_INPUT_ERRORS as exc:
        return Readback(dropped=[f"The image's metadata could not be read ({type(exc).__name__})"])


def lineage_text(lineage: Mapping[str, Any]) -> str:
    """ "Upscaled ×4 with RealESRGAN_x4plus from image 12." for a derived image's record."""
    parent = lineage.get("parentImageId")
    source = f"image {parent}" if parent is not None else "another image"
    kind, model = lineage.get("kind"), str(lineage.get("model") or "")
    with_model = f" with {model[:60]}" if model else ""
    if kind == "upscale":
        return f"Upscaled ×{lineage.get('scale')}{with_model} from {source}."
    if kind == "reimagine":
        strength, count = lineage.get("strength"), lineage.get("variations")
        return f"Re-imagined{with_model} at strength {strength} ({count} variations) from {source}."
    return f"Made from {source} ({str(kind)[:40]})."


def report(readback: Readback) -> str:
    """A short English account of what was applied, adjusted and dropped."""
    lines = []
    if readback.mapped:
        names = ", ".join(FIELD_LABELS.get(f, f) for f in readback.mapped)
        lines.append(f"Read from {readback.source or 'the image'}: {names}.")
    elif not readback.lineage:
        lines.append("No settings could be applied from this image.")
    if readback.lineage:
        lines.append(lineage_text(readback.lineage))
    if readback.adjusted:
        lines.append("Adjusted: " + "; ".join(readback.adjusted) + ".")
    if readback.dropped:
        more = readback.more_dropped
        tail = f"; …and {more:,} more not applied" if more else ""
        lines.append("Not applied: " + "; ".join(readback.dropped) + tail + ".")
    return "\n".join(lines)
