"""File inputs of a tool (``fileinput`` and friends): what a value may be, and its wire name."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from app.core.schema import FieldKind, FieldSpec, ToolSchema

# Wiro's files doc: "File size limit: 100 MB per file"; images jpg, png, gif, jpeg, webp, heic.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_LOOPBACK_NAMES = frozenset({"localhost"})


class FileInputError(ValueError):
    """A file input's value is neither a usable local image nor an acceptable URL."""


def is_loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_url(value: str) -> bool:
    """True for anything written as a URL (scheme://…), acceptable or not."""
    return "://" in value and not _WINDOWS_DRIVE.match(value)


def check_url(value: str) -> str:
    """An https URL, or http on loopback (the offline emulator); FileInputError otherwise."""
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        raise FileInputError("must be a valid web address") from None
    if not host:
        raise FileInputError("must be a valid web address")
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host)):
        return value
    raise FileInputError("must be an https:// address or an image on this computer")


def check_local_path(value: str) -> str:
    """A full path to an image file (its existence is checked when it is uploaded)."""
    windows = bool(_WINDOWS_DRIVE.match(value)) or value.startswith("\\\\")
    path: PurePosixPath | PureWindowsPath = (
        PureWindowsPath(value) if windows else PurePosixPath(value)
    )
    if not path.is_absolute():
        raise FileInputError("must be a full path to an image or an https:// address")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise FileInputError("must be an image (PNG, JPEG, WebP, GIF or HEIC)")
    return value


def coerce_file(spec: FieldSpec, raw: Any) -> str:
    """A file field's form value → a local image path or a URL ("" when optional and empty)."""
    if raw is not None and not isinstance(raw, str):
        raw = str(raw)
    text = (raw or "").strip()
    if not text:
        if spec.required:
            raise FileInputError("is required")
        return ""
    return check_url(text) if is_url(text) else check_local_path(text)


def file_fields(schema: ToolSchema) -> tuple[FieldSpec, ...]:
    return tuple(f for f in schema.fields if f.kind is FieldKind.FILE)


def url_param(spec: FieldSpec) -> str:
    """Where a file field's URL goes in a Run: ``{id}Url`` for fileinput and multifileinput,
    the id itself for combinefileinput or an id already ending in Url (Wiro's
    model-parameters doc: "use the {id}Url suffix to send URLs")."""
    if spec.wire_type == "combinefileinput" or spec.id.endswith("Url"):
        return spec.id
    return f"{spec.id}Url"


def local_files(schema: ToolSchema, params: Mapping[str, Any]) -> list[str]:
    """The local paths among a task's file inputs: these need File/Upload before Run."""
    out: list[str] = []
    for spec in file_fields(schema):
        value = str(params.get(spec.id) or "").strip()
        if value and not is_url(value) and value not in out:
            out.append(value)
    return out


def run_params(
    schema: ToolSchema, params: Mapping[str, Any], uploaded: Mapping[str, str]
) -> dict[str, Any]:
    """Validated params → what Run sends: each file field replaced by its URL parameter.

    ``uploaded`` maps a local path to the URL File/Upload gave for it; a local path missing
    from it raises FileInputError (never send a path from this computer to Wiro)."""
    out = dict(params)
    for spec in file_fields(schema):
        value = str(out.pop(spec.id, "") or "").strip()
        if value and not is_url(value):
            if value not in uploaded:
                raise FileInputError(f"{spec.label}: the file has not been uploaded yet")
            value = check_url(uploaded[value])
        out[url_param(spec)] = value
    return out
