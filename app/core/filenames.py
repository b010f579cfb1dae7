"""File names for saved images: templates, cross-platform sanitising, collision-free naming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.core.metadata import SAMPLER_BY_SCHEDULER

DEFAULT_TEMPLATE = "{date}_{time}_{seed}_{prompt:40}"
# With "strip metadata" the name must not give back what stripping removed.
PRIVATE_TEMPLATE = "{date} {time} {index}"
REVEALING_PLACEHOLDERS: dict[str, str] = {
    "prompt": "the prompt",
    "seed": "the seed",
    "task": "the Wiro task id",
}
# Defaults shipped over time (settings, saver, this module); a user's own template is kept.
KNOWN_DEFAULT_TEMPLATES = frozenset(
    {DEFAULT_TEMPLATE, "{date} {time} {seed} {prompt:40}", "{date}_{time}_{seed}_{prompt:40}"}
)
FALLBACK_NAME = "image"
PLACEHOLDERS: tuple[str, ...] = (
    "date",
    "time",
    "seed",
    "index",
    "task",
    "prompt",
    "scheduler",
    "steps",
    "scale",
    "width",
    "height",
)
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp"})

_FIELD = re.compile(r"\{([^{}]*)\}")
_SPEC = re.compile(r"^([A-Za-z_]+)(?::(\d{1,4}))?$")
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789¹²³"}
)
_MAX_EXT_CHARS = 10


MAX_TEMPLATE_CHARS = 200  # a file name is at most 255 bytes; a longer template cannot fit


class TemplateError(ValueError):
    """A file-name template the user typed cannot be used; the message says why."""


def validate_template(template: str) -> None:
    """Raises TemplateError for unknown placeholders, stray braces or folder separators."""
    if not template.strip():
        raise TemplateError("The file name template is empty.")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise TemplateError(
            f"The file name template is too long ({len(template):,} characters; "
            f"at most {MAX_TEMPLATE_CHARS})."
        )
    if "/" in template or "\\" in template:
        raise TemplateError("The file name template may not contain / or \\ (no subfolders).")
    leftover = _FIELD.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise TemplateError("The file name template has an unmatched { or }.")
    for match in _FIELD.finditer(template):
        spec = _SPEC.match(match.group(1))
        if not spec or spec.group(1) not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise TemplateError(f"Unknown placeholder {match.group(0)}; use one of {known}.")
        if spec.group(2) is not None and int(spec.group(2)) == 0:
            raise TemplateError(f"{match.group(0)} would always be empty.")


def revealing_placeholders(template: str) -> list[str]:
    """The placeholders in ``template`` that would put private settings into a file name."""
    found: list[str] = []
    for match in _FIELD.finditer(template):
        spec = _SPEC.match(match.group(1))
        name = spec.group(1) if spec else ""
        if name in REVEALING_PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def privacy_warning(template: str) -> str | None:
    """Why ``template`` undoes "strip metadata", or None when it gives nothing away."""
    names = [REVEALING_PLACEHOLDERS[n] for n in revealing_placeholders(template)]
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"These file names contain {listed}, which stripping metadata is meant to remove."


def template_for_export(template: str, *, strip: bool) -> str:
    """The template an export uses: a shipped default turns private when stripping."""
    if strip and template.strip() in KNOWN_DEFAULT_TEMPLATES:
        return PRIVATE_TEMPLATE
    return template


def truncate_words(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near enough."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        return cut[:space].rstrip(" ,;")
    return text[:limit]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def render_template(template: str, ctx: Mapping[str, Any]) -> str:
    """The template filled from ``ctx``; unknown placeholders stay as literal text.

    The result is a file *stem*: pass it (plus extension) through ``sanitize_filename``.
    """

    def fill(match: re.Match[str]) -> str:
        spec = _SPEC.match(match.group(1))
        if not spec or spec.group(1) not in PLACEHOLDERS:
            return match.group(0)
        value = _text(ctx.get(spec.group(1)))
        return truncate_words(value, int(spec.group(2))) if spec.group(2) else value

    return _FIELD.sub(fill, template)


def template_context(
    params: Mapping[str, Any],
    *,
    when: datetime,
    task_id: str | None,
    index: int,
    seed: int | str | None,
) -> dict[str, Any]:
    """The values ``render_template`` knows, taken from one image's request and result."""
    return {
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H-%M-%S"),
        "seed": "" if seed is None else seed,
        "index": index + 1,
        "task": task_id or "",
        "prompt": params.get("prompt", ""),
        # The name the form shows ("Euler"), not Wiro's class name ("EulerDiscreteScheduler").
        "scheduler": SAMPLER_BY_SCHEDULER.get(str(params.get("scheduler", "")), None)
        or params.get("scheduler", ""),
        "steps": params.get("steps", ""),
        "scale": params.get("scale", ""),
        "width": params.get("width", ""),
        "height": params.get("height", ""),
    }


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _BIDI.sub("", text)
    out = []
    for char in text:
        if char in "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs") or char in "\ufeff\ufffe\uffff":
            continue
        else:
            out.append(char)
    text = _FORBIDDEN.sub("_", "".join(out))
    return re.sub(" {2,}", " ", text).strip(" .")


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 else ""
    if 1 < len(ext) <= _MAX_EXT_CHARS and ext[1:].isascii() and ext[1:].isalnum():
        return name[:dot], ext
    return name, ""


def _fit_bytes(text: str, max_bytes: int) -> str:
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    cut = len(text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore"))
    while cut > 0 and (
        unicodedata.combining(text[cut])
        or text[cut] in "\u200d\ufe0e\ufe0f"
        or text[cut - 1] == "\u200d"
        or 0x1F3FB <= ord(text[cut]) <= 0x1F3FF
    ):
        cut -= 1
    return text[:cut]


def _is_reserved(name: str) -> bool:
    base = name.split(".", 1)[0].rstrip(" ").upper()
    return base in _RESERVED


def _safe_stem(stem: str, max_bytes: int) -> str:
    stem = _fit_bytes(stem, max_bytes).rstrip(" .") or FALLBACK_NAME
    if _is_reserved(stem):
        stem = _fit_bytes("_" + stem, max_bytes).rstrip(" .")
    return stem


def _sanitize_once(name: str, max_bytes: int) -> str:
    stem, ext = _split_ext(_clean(name))
    ext = ext.lower() if ext.lower() in IMAGE_EXTENSIONS else ext
    return _safe_stem(stem, max_bytes - len(ext.encode())) + ext


def sanitize_filename(name: str, *, max_bytes: int = 200) -> str:
    """A file name safe on Windows, macOS and Linux; never empty, never a path."""
    max_bytes = max(max_bytes, 16)
    result = _sanitize_once(str(name), max_bytes)
    for _ in range(3):  # a cut can expose a new "extension"; settle so the result is stable
        again = _sanitize_once(result, max_bytes)
        if again == result:
            break
        result = again
    return result


def _normalise_ext(ext: str) -> str:
    ext = "." + str(ext).lower().lstrip(".")
    if not (1 < len(ext) <= _MAX_EXT_CHARS and ext[1:].isascii() and ext[1:].isalnum()):
        raise ValueError(f"Not a file extension: {ext!r}")
    return ext


def unique_name(
    stem: str,
    ext: str,
    existing: Callable[[str], bool],
    *,
    max_bytes: int = 200,
    max_tries: int = 100_000,
) -> str:
    """``stem + ext``, or ``stem (2) + ext``, ``(3)``… whichever ``existing`` says is free.

    ``existing`` should compare the way the target file system does (case-insensitively on
    Windows and default macOS volumes).
    """
    ext = _normalise_ext(ext)
    max_bytes = max(max_bytes, 32)
    base = _clean(str(stem))
    for n in range(1, max_tries + 1):
        suffix = "" if n == 1 else f" ({n})"
        name = _safe_stem(base, max_bytes - len(suffix) - len(ext)) + suffix + ext
        if not existing(name):
            return name
    raise FileExistsError(f"No free file name for {base}{ext} after {max_tries} tries")


def safe_extension(name: str, default: str = ".png") -> str:
    """A lower-case image extension taken from an untrusted name or URL, else ``default``."""
    text = str(name).split("?", 1)[0].split("#", 1)[0]
    dot = text.rfind(".")
    ext = text[dot:].lower() if dot >= 0 else ""
    if ext in IMAGE_EXTENSIONS:
        return ext
    return default if default.startswith(".") else "." + default


def output_filename(
    *,
    when: datetime,
    task_id: str | None,
    index: int,
    seed: int | str | None,
    server_name: str = "",
    max_bytes: int = 200,
) -> str:
    """The library's default name, ``2024-05-01_142233_task-2221_1_seed-123456.png``.

    Built only from sanitised parts; the server's output name contributes its extension at
    most, because it is untrusted ("../../evil.png", "con.png", "C:\\x").
    """
    parts = [when.strftime("%Y-%m-%d_%H%M%S")]
    task = re.sub(r"[^0-9A-Za-z_-]+", "", str(task_id or ""))[:40]
    if task:
        parts.append(f"task-{task}")
    parts.append(str(max(int(index), 0) + 1))
    seed_text = re.sub(r"[^0-9]+", "", str(seed if seed is not None else ""))[:20]
    if seed_text:
        parts.append(f"seed-{seed_text}")
    return sanitize_filename("_".join(parts) + safe_extension(server_name), max_bytes=max_bytes)
