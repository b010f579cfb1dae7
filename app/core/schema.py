"""Parses a tool's input schema (the Tool/Detail wire shape) into plain field specs for forms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.core.labels import help_text, label_text


class FieldKind(StrEnum):
    """The widget-level kinds a form knows; every wire type maps to one of these."""

    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    FLOAT = "float"
    SELECT = "select"
    MULTISELECT = "multiselect"
    CHECKBOX = "checkbox"
    FILE = "file"


_KIND_BY_WIRE_TYPE: dict[str, FieldKind] = {
    "text": FieldKind.TEXT,
    "textarea": FieldKind.TEXTAREA,
    "number": FieldKind.INTEGER,
    "float": FieldKind.FLOAT,
    "range": FieldKind.FLOAT,
    "select": FieldKind.SELECT,
    "selectwithcover": FieldKind.SELECT,
    "multiselect": FieldKind.MULTISELECT,
    "checkbox": FieldKind.CHECKBOX,
    "fileinput": FieldKind.FILE,
    "multifileinput": FieldKind.FILE,
    "combinefileinput": FieldKind.FILE,
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """One input of a tool, with wire quirks resolved (English labels, typed limits)."""

    id: str
    kind: FieldKind
    wire_type: str
    label: str
    help: str = ""
    placeholder: str = ""
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    options: tuple[Option, ...] = ()
    required: bool = False
    advanced: bool = False
    group: str = ""


@dataclass(frozen=True)
class ToolSchema:
    """A tool as the app needs it: where to run it, its fields, and its example inputs."""

    owner: str
    project: str
    title: str
    description: str = ""
    fields: tuple[FieldSpec, ...] = ()
    inspire: tuple[dict[str, Any], ...] = ()
    dynamic_price: Any = None
    categories: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.project}"

    def field(self, field_id: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def defaults(self) -> dict[str, Any]:
        return {f.id: f.default for f in self.fields}


class SchemaError(ValueError):
    """The Tool/Detail answer cannot be read as a tool schema at all."""


def _first(item: dict[str, Any], *keys: str) -> Any:
    """The first of ``keys`` present with a meaningful value (``None``/"" count as absent)."""
    for key in keys:
        value = item.get(key)
        if value is not None and value != "":
            return value
    return None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _text(value: Any) -> str | None:
    """A wire text, or None for anything else (a label of 1 or {} is no label)."""
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _options(raw: Any) -> tuple[Option, ...]:
    raw = _maybe_json(raw)
    if not isinstance(raw, list):
        return ()
    seen: set[str] = set()
    out: list[Option] = []
    for entry in raw:
        if isinstance(entry, dict):
            value = _first(entry, "value", "label", "text")
            text = _first(entry, "label", "text", "value")
        else:
            value = text = entry
        if value is None:
            continue
        value = str(value)
        if value in seen:
            continue
        seen.add(value)
        out.append(Option(value=value, label=str(text)))
    return tuple(out)


def _typed_default(kind: FieldKind, raw: Any) -> Any:
    if raw is None:
        text_like = (FieldKind.TEXT, FieldKind.TEXTAREA, FieldKind.SELECT, FieldKind.FILE)
        return "" if kind in text_like else None
    if kind is FieldKind.INTEGER:
        number = _number(raw)
        return int(number) if number is not None and number == int(number) else number
    if kind is FieldKind.FLOAT:
        return _number(raw)
    if kind is FieldKind.CHECKBOX:
        return str(raw).strip().lower() in ("1", "true", "yes", "on")
    if kind is FieldKind.MULTISELECT:
        parsed = _maybe_json(raw)
        if isinstance(parsed, list):
            return [str(v) for v in parsed]
        return [v.strip() for v in str(raw).split(",") if v.strip()]
    if isinstance(raw, (dict, list)):
        # An object default stays JSON (WiroKit keeps it as JSON), never a Python repr.
        return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    return str(raw)


def _categories(raw: Any) -> tuple[str, ...]:
    """models.md sends an array; older answers a JSON string (sometimes broken): both read."""
    value = _maybe_json(raw)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    if isinstance(value, str):
        parts = (p.strip(" \t[]\"'") for p in value.split(","))
        return tuple(p for p in parts if p)
    return ()


def parse_field(item: dict[str, Any], group: str = "") -> FieldSpec | None:
    """One schema item → a FieldSpec; items without an id are skipped, unknown types are text.

    Wiro's pages use defaultvalue/minvalue/maxvalue/incrementby; WiroKit's discovery models
    read default/min/max/step: either family is accepted, the first with a value wins.
    """
    if not isinstance(item, dict):
        return None
    field_id = item.get("id")
    if not isinstance(field_id, str) or not field_id.strip():
        return None
    wire_type = str(item.get("type") or "text").strip().lower()
    kind = _KIND_BY_WIRE_TYPE.get(wire_type, FieldKind.TEXT)
    options = _options(item.get("options"))
    default = _typed_default(kind, _first(item, "defaultvalue", "default", "value"))
    if kind is FieldKind.SELECT and options and default not in {o.value for o in options}:
        default = options[0].value
    return FieldSpec(
        id=field_id,
        kind=kind,
        wire_type=wire_type,
        label=label_text(_text(_first(item, "label")), field_id),
        help=help_text(_text(_first(item, "note", "help", "description"))),
        placeholder=str(item.get("placeholder") or ""),
        default=default,
        minimum=_number(_first(item, "minvalue", "min")),
        maximum=_number(_first(item, "maxvalue", "max")),
        step=_number(_first(item, "incrementby", "step")),
        options=options,
        required=_flag(item.get("required")),
        advanced=_flag(item.get("advanced")),
        group=group,
    )


def _tool_object(payload: Any) -> dict[str, Any]:
    if isinstance(payload, dict) and "tool" in payload:
        tools = payload["tool"]
        if isinstance(tools, list) and tools and isinstance(tools[0], dict):
            return tools[0]
        if isinstance(tools, dict):
            return tools
        raise SchemaError("Tool/Detail answer has no tool")
    if isinstance(payload, dict):
        return payload
    raise SchemaError("Tool/Detail answer is not an object")


def parse_tool(payload: Any) -> ToolSchema:
    """The whole Tool/Detail answer (or its ``tool[0]``) → a ToolSchema."""
    tool = _tool_object(payload)
    groups = _maybe_json(tool.get("parameters"))
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for group in groups if isinstance(groups, list) else []:
        if not isinstance(group, dict):
            continue
        items = group.get("items")
        title = str(group.get("title") or "")
        for item in items if isinstance(items, list) else []:
            spec = parse_field(item, title)
            if spec is not None and spec.id not in seen:
                seen.add(spec.id)
                fields.append(spec)
    inspire = _maybe_json(tool.get("inspire"))
    owner = str(_first(tool, "cleanslugowner", "slugowner") or "")
    project = str(_first(tool, "cleanslugproject", "slugproject") or "")
    if not owner or not project:
        raise SchemaError("Tool/Detail answer names no owner/project")
    return ToolSchema(
        owner=owner,
        project=project,
        title=str(tool.get("title") or project),
        description=str(tool.get("description") or ""),
        fields=tuple(fields),
        inspire=tuple(i for i in inspire if isinstance(i, dict))
        if isinstance(inspire, list)
        else (),
        dynamic_price=_maybe_json(tool.get("dynamicprice")),
        categories=_categories(tool.get("categories")),
    )
