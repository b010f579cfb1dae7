"""The tools the app knows (slug, role, offline schema) and how a live schema differs from ours."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.core.schema import FieldKind, FieldSpec, Option, ToolSchema

UNVERIFIED = "as documented, unverified"


class ToolRole(StrEnum):
    """What a tool does for the artist."""

    GENERATE = "generate"
    UPSCALE = "upscale"
    REIMAGINE = "re-imagine"


@dataclass(frozen=True)
class ToolInfo:
    """One known tool: where it runs, its role, its bundled schema, and the inputs we drive.

    ``inputs`` names the schema fields behind each job (e.g. "image" → "inputImage");
    ``preferred`` names option values we pick when the tool offers them."""

    owner: str
    project: str
    role: ToolRole
    name: str
    resource: str
    inputs: Mapping[str, str] = field(default_factory=dict)
    preferred: Mapping[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.project}"

    def matches(self, owner: str, project: str) -> bool:
        return (owner.lower(), project.lower()) == (self.owner.lower(), self.project.lower())


DREAMSHAPER_8 = ToolInfo(
    "Lykon",
    "dreamshaper-8",
    ToolRole.GENERATE,
    "DreamShaper 8",
    "dreamshaper-8",
    inputs={"prompt": "prompt", "negative": "negativePrompt", "seed": "seed"},
)
# Slugs and input names: Wiro's n8n nodes RealEsrgan.node.ts and ImageToImageSd.node.ts.
REAL_ESRGAN = ToolInfo(
    "xinntao",
    "Real-ESRGAN",
    ToolRole.UPSCALE,
    "Real-ESRGAN",
    "real-esrgan",
    inputs={"image": "inputImage", "scale": "outscale", "model": "modelName"},
)
IMAGE_TO_IMAGE_SD = ToolInfo(
    "wiro",
    "image-to-image-sd",
    ToolRole.REIMAGINE,
    "Image to image (SD)",
    "image-to-image-sd",
    inputs={
        "image": "inputImage",
        "model": "selectedModel",
        "strength": "strength",
        "prompt": "prompt",
        "negative": "negativePrompt",
        "seed": "seed",
    },
    preferred={"selectedModel": "DreamShaper 8"},
)
KNOWN_TOOLS: tuple[ToolInfo, ...] = (DREAMSHAPER_8, REAL_ESRGAN, IMAGE_TO_IMAGE_SD)


def find_tool(slug: str) -> ToolInfo | None:
    """The known tool for ``owner/project`` (case-insensitive), or None."""
    owner, _, project = slug.strip().partition("/")
    return next((t for t in KNOWN_TOOLS if t.matches(owner, project)), None)


def tool_for_role(role: ToolRole | str) -> ToolInfo:
    wanted = ToolRole(role)
    return next(t for t in KNOWN_TOOLS if t.role is wanted)


def provenance(payload: Any) -> str:
    """The bundled schema's provenance mark ("as documented, unverified"), or ""."""
    value = payload.get("provenance") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else ""


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def find_option(spec: FieldSpec, name: str) -> Option | None:
    """The option whose value or label is ``name`` (ignoring case, spaces and punctuation),
    else one whose value or label contains it (so "DreamShaper 8" finds "Lykon/dreamshaper-8")."""
    wanted = _norm(name)
    if not wanted:
        return None
    for exact in (True, False):
        for option in spec.options:
            for text in (_norm(option.value), _norm(option.label)):
                if text == wanted if exact else wanted in text:
                    return option
    return None


_KIND_WORDS: dict[FieldKind, str] = {
    FieldKind.TEXT: "a text field",
    FieldKind.TEXTAREA: "a text field",
    FieldKind.INTEGER: "a number",
    FieldKind.FLOAT: "a number",
    FieldKind.SELECT: "a choice",
    FieldKind.MULTISELECT: "a multiple choice",
    FieldKind.CHECKBOX: "an on/off switch",
    FieldKind.FILE: "a file input",
}


def _options_text(spec: FieldSpec, limit: int = 12) -> str:
    labels = [o.label if o.label == o.value else f"{o.label} ({o.value})" for o in spec.options]
    if not labels:
        return "none"
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _field_differences(name: str, want: FieldSpec, got: FieldSpec) -> list[str]:
    out: list[str] = []
    if _KIND_WORDS[want.kind] != _KIND_WORDS[got.kind]:
        out.append(
            f"{name}'s input {got.id} is {_KIND_WORDS[got.kind]}, "
            f"where Wiro's docs suggest {_KIND_WORDS[want.kind]}."
        )
    if got.required and not want.required:
        out.append(f"{name} requires {got.id}, which Wiro's docs describe as optional.")
    if want.kind is FieldKind.SELECT and got.kind is FieldKind.SELECT and want.options:
        missing = [o for o in want.options if find_option(got, o.value) is None]
        if missing and len(missing) == len(want.options):
            out.append(
                f"None of the expected choices for {got.id} are offered; "
                f"its options: {_options_text(got)}."
            )
        elif missing:
            out.append(
                f"{got.id} no longer offers {', '.join(o.label for o in missing)}; "
                f"its options: {_options_text(got)}."
            )
    return out


def compare_schema(info: ToolInfo, live: ToolSchema, expected: ToolSchema) -> list[str]:
    """Plain-language differences between a tool's live Tool/Detail schema and the bundled
    one (empty when they agree on everything the app relies on)."""
    name = info.name
    out: list[str] = []
    if not info.matches(live.owner, live.project):
        out.append(f"Wiro describes {live.slug} where {info.slug} was asked for.")
    for want in expected.fields:
        got = live.field(want.id)
        if got is None:
            used = want.id in info.inputs.values()
            tail = " The app needs it for this tool." if used else ""
            out.append(f"{name} has no input {want.id}.{tail}")
            continue
        out.extend(_field_differences(name, want, got))
    for field_id, wanted in info.preferred.items():
        got = live.field(field_id)
        if got is not None and got.options and find_option(got, wanted) is None:
            out.append(
                f"{wanted} is not among {field_id}'s options: {_options_text(got)}. "
                f"Choose one of these instead."
            )
    expected_ids = {f.id for f in expected.fields}
    for extra in (f for f in live.fields if f.id not in expected_ids):
        need = "a required" if extra.required else "an"
        out.append(f"{name} has {need} input the app did not expect: {extra.id} ({extra.label}).")
    return out


@dataclass(frozen=True)
class SchemaChoice:
    """The schema a tool's form is built from, whether it is Wiro's live answer, and what
    the user should be told about it."""

    schema: ToolSchema
    live: bool
    notes: tuple[str, ...] = ()

    @property
    def unverified(self) -> bool:
        return not self.live


def choose_schema(info: ToolInfo, offline: ToolSchema, live: ToolSchema | None) -> SchemaChoice:
    """Wiro's live schema when it describes this tool's inputs, else the bundled copy; the
    notes say plainly what differs or why the bundled copy is used."""
    if live is None:
        return SchemaChoice(offline, live=False)
    if not info.matches(live.owner, live.project):
        note = f"Wiro described {live.slug} instead of {info.slug}: using the documented inputs."
        return SchemaChoice(offline, live=False, notes=(note,))
    if not live.fields:
        note = f"Wiro's description of {info.name} lists no inputs: using the documented ones."
        return SchemaChoice(offline, live=False, notes=(note,))
    return SchemaChoice(live, live=True, notes=tuple(compare_schema(info, live, offline)))


def preferred_values(info: ToolInfo, schema: ToolSchema) -> dict[str, str]:
    """The option values to preselect (e.g. DreamShaper 8 as image-to-image's model) among
    those this schema offers; a preference the tool does not offer is left out."""
    out: dict[str, str] = {}
    for field_id, wanted in info.preferred.items():
        spec = schema.field(field_id)
        option = find_option(spec, wanted) if spec is not None else None
        if option is not None:
            out[field_id] = option.value
    return out
