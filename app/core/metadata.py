"""The AUTOMATIC1111 ``parameters`` text and our own request JSON written into saved images."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OUR_JSON_KEY = "wiro-studio"
PARAMETERS_KEY = "parameters"
MODEL_NAME = "DreamShaper 8"
REQUEST_FORMAT_VERSION = 1

SAMPLER_BY_SCHEDULER: dict[str, str] = {
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "DDIMScheduler": "DDIM",
    "LMSDiscreteScheduler": "LMS",
    "PNDMScheduler": "PLMS",
    "DDPMScheduler": "DDPM",
}

NEGATIVE_MARKER = "Negative prompt:"
# Written only when the prompt itself contains a line starting with "Negative prompt:".
PROMPT_LINES_KEY = "Wiro prompt lines"

# A1111's pattern for one ``key: value`` pair, with the key length bounded.
_PAIR = re.compile(r'\s*(\w[\w \-/]{1,80}):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
# Either one pair or everything up to the next comma: a match always starts where the last
# one ended, so hostile lines are scanned once (linear), never re-searched from each position.
_PAIR_OR_SKIP = re.compile(_PAIR.pattern + r"|[^,]*(?:,|$)")
_NEEDS_QUOTES = re.compile(r'[,:\r\n]|^\s|\s$|^"')

# Normalised sampler spellings (A1111, k-diffusion, ComfyUI, InvokeAI, Fooocus, SwarmUI).
_SCHEDULER_BY_ALIAS: dict[str, str] = {
    "euler": "EulerDiscreteScheduler",
    "euler a": "EulerAncestralDiscreteScheduler",
    "euler ancestral": "EulerAncestralDiscreteScheduler",
    "dpm++ 2m": "DPMSolverMultistepScheduler",
    "dpm solver multistep": "DPMSolverMultistepScheduler",
    "dpm solver++": "DPMSolverMultistepScheduler",
    "ddim": "DDIMScheduler",
    "lms": "LMSDiscreteScheduler",
    "plms": "PNDMScheduler",
    "pndm": "PNDMScheduler",
    "ddpm": "DDPMScheduler",
}
_SCHEDULER_BY_ALIAS.update({name.lower(): name for name in SAMPLER_BY_SCHEDULER})

# Sigma schedules other tools combine with a sampler; Wiro's schedulers use their defaults.
_DEFAULT_SCHEDULES = frozenset({"", "automatic", "normal", "default", "native"})
_SCHEDULE_SUFFIXES = (
    "karras",
    "exponential",
    "polyexponential",
    "sgm uniform",
    "ddim uniform",
    "simple",
    "beta",
    "uniform",
    "normal",
    "automatic",
    "k",
)


@dataclass(frozen=True)
class SamplerMatch:
    """A foreign sampler name resolved to one of Wiro's schedulers (or not), with a note."""

    scheduler: str | None
    note: str | None = None


def _normalise_sampler(name: str) -> str:
    text = re.sub(r"[\s_\-]+", " ", name.strip().lower())
    text = text.replace("dpmpp", "dpm++").replace("dpm++2m", "dpm++ 2m")
    # "k_euler" (old A1111/NovelAI) and "sample_dpmpp_2m" (k-diffusion function names)
    for prefix in ("k ", "sample "):
        text = text.removeprefix(prefix)
    return text.removesuffix(" gpu")


def schedule_note(schedule: str) -> str | None:
    """A note when a sigma schedule (Karras, exponential…) is lost on the way to Wiro."""
    text = re.sub(r"[\s_\-]+", " ", str(schedule).strip().lower())
    if text in _DEFAULT_SCHEDULES:
        return None
    pretty = "Karras" if text in ("karras", "k") else text
    return f"{pretty} sigma schedule dropped (Wiro's schedulers use their default spacing)"


def match_sampler(name: str) -> SamplerMatch:
    """Resolves an A1111/ComfyUI/InvokeAI sampler name, noting a dropped sigma schedule."""
    text = _normalise_sampler(str(name))
    if text in _SCHEDULER_BY_ALIAS:
        return SamplerMatch(_SCHEDULER_BY_ALIAS[text])
    for suffix in _SCHEDULE_SUFFIXES:
        base = text.removesuffix(" " + suffix)
        if base != text and base in _SCHEDULER_BY_ALIAS:
            return SamplerMatch(_SCHEDULER_BY_ALIAS[base], schedule_note(suffix))
    return SamplerMatch(None, f"Sampler {str(name).strip()} is not available on this model")


def scheduler_for_sampler(name: str) -> str | None:
    """Wiro's scheduler for an A1111 sampler name or alias ("Euler a", "k_euler_ancestral")."""
    return match_sampler(name).scheduler


def _number_text(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False) if _NEEDS_QUOTES.search(value) else value


def _present(params: Mapping[str, Any], key: str) -> bool:
    value = params.get(key)
    return value is not None and str(value).strip() != ""


def settings_pairs(
    params: Mapping[str, Any], *, task_id: str | None, model: str = MODEL_NAME
) -> list[tuple[str, str]]:
    """The ordered ``key: value`` pairs of the settings line, values not yet quoted."""
    pairs: list[tuple[str, str]] = []
    scheduler = str(params.get("scheduler") or "").strip()
    if _present(params, "steps"):
        pairs.append(("Steps", _number_text(params["steps"])))
    if scheduler in SAMPLER_BY_SCHEDULER:
        pairs.append(("Sampler", SAMPLER_BY_SCHEDULER[scheduler]))
    if _present(params, "scale"):
        pairs.append(("CFG scale", _number_text(params["scale"])))
    if _present(params, "seed"):
        pairs.append(("Seed", _number_text(params["seed"])))
    if _present(params, "width") and _present(params, "height"):
        pairs.append(("Size", f"{_number_text(params['width'])}x{_number_text(params['height'])}"))
    pairs.append(("Model", model))
    if scheduler:
        pairs.append(("Wiro scheduler", scheduler))
    if _present(params, "clipSkip"):
        pairs.append(("Wiro clipSkip", _number_text(params["clipSkip"])))
    if task_id is not None and str(task_id).strip():
        pairs.append(("Wiro task", str(task_id).strip()))
    return pairs


def format_parameters(
    params: Mapping[str, Any], *, task_id: str | None, model: str = MODEL_NAME
) -> str:
    """The A1111 ``parameters`` text for one image; ``params["seed"]`` is that image's seed."""
    prompt = str(params.get("prompt") or "")
    negative = str(params.get("negativePrompt") or "")
    pairs = settings_pairs(params, task_id=task_id, model=model)
    if prompt.startswith(NEGATIVE_MARKER) or f"\n{NEGATIVE_MARKER}" in prompt:
        pairs.append((PROMPT_LINES_KEY, str(prompt.count("\n") + 1)))
    head = prompt + (f"\n{NEGATIVE_MARKER} {negative}" if negative else "")
    return head + "\n" + ", ".join(f"{k}: {_quote(v)}" for k, v in pairs)


@dataclass
class ParsedParameters:
    """An A1111 ``parameters`` text split into prompt, negative prompt and settings."""

    prompt: str = ""
    negative_prompt: str = ""
    settings: dict[str, str] = field(default_factory=dict)


def _unquote(value: str) -> str:
    if value[:1] != '"':
        return value.strip()
    if len(value) >= 2 and value[-1] == '"':
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, str) else value
    return value.strip()


def parse_settings_line(line: str) -> dict[str, str]:
    """Every ``key: value`` pair of an A1111 settings line, JSON-quoted values decoded."""
    pairs: dict[str, str] = {}
    for match in _PAIR_OR_SKIP.finditer(line):
        key, value = match.group(1, 2)
        if key is not None:
            pairs[key.strip()] = _unquote(value)
    return pairs


def _split_negative(head: str) -> tuple[str, str]:
    if head.startswith(NEGATIVE_MARKER):
        return "", head[len(NEGATIVE_MARKER) :].removeprefix(" ")
    at = head.find(f"\n{NEGATIVE_MARKER}")
    if at < 0:
        return head, ""
    return head[:at], head[at + 1 + len(NEGATIVE_MARKER) :].removeprefix(" ")


def parse_parameters(text: str) -> ParsedParameters:
    """Reads A1111 ``parameters`` text as A1111 does; exact inverse of ``format_parameters``."""
    text = str(text).rstrip("\n")
    head, _, last = text.rpartition("\n")
    settings = parse_settings_line(last)
    if len(settings) < 3:
        head, settings = text, {}
    lines_hint = settings.get(PROMPT_LINES_KEY, "")
    if lines_hint.isascii() and lines_hint.isdigit() and len(lines_hint) < 10:
        lines = head.split("\n")
        count = int(lines_hint)
        rest = "\n".join(lines[count:])
        if not rest or rest.startswith(NEGATIVE_MARKER):
            negative = rest[len(NEGATIVE_MARKER) :].removeprefix(" ")
            return ParsedParameters("\n".join(lines[:count]), negative, settings)
    prompt, negative = _split_negative(head)
    return ParsedParameters(prompt, negative, settings)


@dataclass(frozen=True)
class RequestRecord:
    """Our own ``wiro-studio`` chunk: the full request behind one saved image."""

    tool: str
    params: dict[str, Any]
    task_id: str | None = None
    image_index: int | None = None
    image_seed: str | None = None
    app_version: str = ""
    version: int = REQUEST_FORMAT_VERSION
    lineage: dict[str, Any] | None = None  # a derived image: its parent and the operation


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def build_request_json(
    params: Mapping[str, Any],
    *,
    tool: str,
    task_id: str | None,
    image_index: int | None,
    image_seed: int | str | None,
    app_version: str,
    lineage: Mapping[str, Any] | None = None,
) -> str:
    """The ``wiro-studio`` chunk: the request exactly as sent, plus which image this is
    and, for a derived image, where it came from (``lineage``)."""
    record: dict[str, Any] = {
        "format": OUR_JSON_KEY,
        "version": REQUEST_FORMAT_VERSION,
        "app": f"Wiro Studio {app_version}".strip(),
        "tool": tool,
        "taskId": task_id,
        "imageIndex": image_index,
        "imageSeed": None if image_seed is None else str(image_seed),
        "params": _json_safe(dict(params)),
    }
    if lineage:
        record["lineage"] = _json_safe(dict(lineage))
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


def parse_request_json(text: str) -> RequestRecord | None:
    """The inverse of ``build_request_json``; ``None`` for anything that is not our record."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, TypeError):
        return None
    return request_record(data)


def request_record(data: Any) -> RequestRecord | None:
    """Our record from already-decoded JSON; ``None`` for anything that is not ours."""
    if not isinstance(data, dict) or data.get("format") != OUR_JSON_KEY:
        return None
    params = data.get("params")
    index = data.get("imageIndex")
    version = data.get("version")
    task_id, seed, app = data.get("taskId"), data.get("imageSeed"), data.get("app")
    return RequestRecord(
        tool=str(data.get("tool") or ""),
        params=params if isinstance(params, dict) else {},
        task_id=None if task_id is None else str(task_id),
        image_index=index if isinstance(index, int) and not isinstance(index, bool) else None,
        image_seed=None if seed is None else str(seed),
        app_version=str(app or "").removeprefix("Wiro Studio").strip(),
        version=version if isinstance(version, int) else 0,
        lineage=lineage if isinstance(lineage := data.get("lineage"), dict) else None,
    )


def image_texts(
    params: Mapping[str, Any],
    *,
    tool: str,
    task_id: str | None,
    image_index: int | None,
    image_seed: int | str | None,
    app_version: str,
    model: str = MODEL_NAME,
    lineage: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Both text chunks for one saved image: A1111 ``parameters`` (its own seed) and ours."""
    per_image = dict(params)
    if image_seed is not None:
        per_image["seed"] = image_seed
    request = build_request_json(
        params,
        tool=tool,
        task_id=task_id,
        image_index=image_index,
        image_seed=image_seed,
        app_version=app_version,
        lineage=lineage,
    )
    return {
        PARAMETERS_KEY: format_parameters(per_image, task_id=task_id, model=model),
        OUR_JSON_KEY: request,
    }


def lineage_of(
    parent_image_id: int | None, operation: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The ``lineage`` field of a derived image: its parent image and the operation with
    its settings (``{"parentImageId": 7, "kind": "upscale", "scale": 4, …}``); None otherwise."""
    if parent_image_id is None and not operation:
        return None
    out: dict[str, Any] = {"parentImageId": parent_image_id}
    out.update({k: v for k, v in (operation or {}).items() if k != "parentImageId"})
    return out
