"""The tools the emulator plays (DreamShaper 8, the upscaler, image to image): their Tool/Detail
answers, the file inputs of a Run, and what each tool's Run produces."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.emulator.images import image_seed
from app.emulator.tasks import Task, cdn_folder, output_entry
from app.emulator.tool_images import (
    ToolImageError,
    probe_size,
    reimagine_png,
    upscale_png,
    upscaled_size,
)
from app.emulator.validation import Input, read_inputs
from app.emulator.wire import error_entry
from app.resources import tool_detail_payload

if TYPE_CHECKING:
    from app.emulator.state import EmulatorState

GENERATE, UPSCALE, REIMAGINE = "generate", "upscale", "reimagine"
FILE_TYPES = frozenset({"fileinput", "multifileinput", "combinefileinput"})
# (bundled schema, what the emulator does, the model id it reports when the schema has none)
_TOOLS = (
    ("dreamshaper-8", GENERATE, "598"),
    ("real-esrgan", UPSCALE, "1201"),
    ("image-to-image-sd", REIMAGINE, "1202"),
)
# Wider than (or equal to) the bundled schemas' limits, like validation.SERVER_RANGES.
TOOL_RANGES: dict[str, tuple[float, float]] = {
    "outscale": (1, 8),
    "strength": (0, 1),
    "denoiseStrength": (0, 1),
}
_OWN_KEYS = ("provenance", "provenance_notes")  # our annotations, not part of Wiro's answer


@dataclass
class EmulatedTool:
    """One tool: the Tool/Detail answer it gives and the inputs a Run is checked against."""

    kind: str
    payload: dict[str, Any]
    inputs: list[Input]
    price: float
    categories: str

    @property
    def tool(self) -> dict[str, Any]:
        tool: dict[str, Any] = self.payload["tool"][0]
        return tool

    @property
    def model_id(self) -> str:
        return str(self.tool.get("id") or "")


def _price(raw: Any) -> float:
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
        return float(entries[0]["price"])
    except (TypeError, ValueError, KeyError, IndexError):
        return 0.00351


def _compact(raw: Any) -> str:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    return json.dumps(value, separators=(",", ":"))


def load_tools(dreamshaper: dict[str, Any]) -> dict[tuple[str, str], EmulatedTool]:
    """Every emulated tool by (owner, project) in lower case (slug and clean slug both)."""
    tools: dict[tuple[str, str], EmulatedTool] = {}
    for resource, kind, model_id in _TOOLS:
        source = dreamshaper if kind == GENERATE else tool_detail_payload(resource)
        payload = {k: v for k, v in copy.deepcopy(source).items() if k not in _OWN_KEYS}
        tool = payload["tool"][0]
        tool["id"] = str(tool.get("id") or model_id)
        emulated = EmulatedTool(
            kind=kind,
            payload=payload,
            inputs=read_inputs(tool),
            price=_price(tool.get("dynamicprice")),
            categories=_compact(tool.get("categories")),
        )
        for owner_key, project_key in (
            ("slugowner", "slugproject"),
            ("cleanslugowner", "cleanslugproject"),
        ):
            owner, project = str(tool.get(owner_key) or ""), str(tool.get(project_key) or "")
            if owner and project:
                tools[(owner.lower(), project.lower())] = emulated
    return tools


def tool_of(state: EmulatorState, task: Task) -> EmulatedTool:
    """The tool a task was run with (DreamShaper 8 for tasks stored before there were more)."""
    generate = None
    for tool in state.tools.values():
        if tool.model_id == task.model_id:
            return tool
        if tool.kind == GENERATE:
            generate = tool
    assert generate is not None
    return generate


def url_key(item: Input) -> str:
    """Where a file input's URL travels: ``{id}Url`` (Wiro's model-parameters doc)."""
    if item.type == "combinefileinput" or item.id.endswith("Url"):
        return item.id
    return f"{item.id}Url"


async def resolve_input(state: EmulatorState, url: str) -> bytes | None:
    """The bytes behind one of the emulator's own URLs (an upload or an output); the offline
    emulator fetches nothing from the internet."""
    data = state.uploads.by_url(url)
    if data is not None:
        return data
    path = urlsplit(url).path
    if not path.startswith("/cdn/"):
        return None
    folder, _, name = path[len("/cdn/") :].partition("/")
    return state.get_file(folder, name) or await state.regenerate(folder, name)


async def check_tool_inputs(
    state: EmulatorState, tool: EmulatedTool, params: dict[str, Any], values: dict[str, Any]
) -> list[dict[str, Any]]:
    """Adds the file inputs' URLs to ``values``; Wiro-style error entries for what fails."""
    errors: list[dict[str, Any]] = []
    for item in tool.inputs:
        if item.type not in FILE_TYPES:
            continue
        key = url_key(item)
        raw = params.get(key) or params.get(item.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if item.required:
                errors.append(error_entry(0, f"Request parameter [{key}] required"))
            values[key] = ""
            continue
        url = raw.strip() if isinstance(raw, str) else ""
        if urlsplit(url).scheme not in ("http", "https"):
            errors.append(error_entry(0, f"Request parameter [{key}] must be a valid URL"))
        elif (data := await resolve_input(state, url)) is None:
            # assumed wording; the emulator only reads its own uploads and outputs
            errors.append(error_entry(0, f"Request parameter [{key}] could not be downloaded"))
        else:
            try:
                size = probe_size(data)
                if tool.kind == UPSCALE:
                    upscaled_size(size, _scale(values))
            except ToolImageError as exc:
                errors.append(error_entry(0, f"Request parameter [{key}]: {exc}"))
            values[key] = url
    for name, (lo, hi) in TOOL_RANGES.items():
        value = values.get(name)
        if isinstance(value, int | float) and not lo <= value <= hi:
            errors.append(
                error_entry(0, f"Request parameter [{name}] must be between {lo:g} and {hi:g}")
            )
    return errors


def _input_url(tool: EmulatedTool, task: Task) -> str:
    item = next(i for i in tool.inputs if i.type in FILE_TYPES)
    return str(task.values.get(url_key(item)) or "")


def _scale(values: dict[str, Any]) -> float:
    try:
        scale = float(values.get("outscale") or 0)
    except (TypeError, ValueError):
        scale = 0.0
    if scale > 0:
        return scale
    return 2.0 if "x2" in str(values.get("modelName", "")) else 4.0


def _render_one(tool: EmulatedTool, task: Task, data: bytes, index: int) -> bytes:
    v = task.values
    if tool.kind == UPSCALE:
        return upscale_png(data, _scale(v))
    return reimagine_png(
        data,
        str(v.get("prompt", "")),
        int(v.get("seed", 0)),
        index,
        float(v.get("strength", 0.6)),
        int(v.get("width", 512)),
        int(v.get("height", 512)),
    )


def output_index(name: str) -> int | None:
    """The output number in a stored name such as ``2.png``."""
    match = re.fullmatch(r"(\d{1,4})\.png", name)
    return int(match.group(1)) if match else None


def output_count(tool: EmulatedTool, task: Task) -> int:
    return 1 if tool.kind == UPSCALE else max(1, int(task.values.get("samples", 1)))


async def render_outputs(state: EmulatorState, tool: EmulatedTool, task: Task) -> list[dict]:
    """Runs the tool on its input and stores the PNGs on the emulator's CDN."""
    data = await resolve_input(state, _input_url(tool, task))
    if data is None:
        raise ToolImageError("Input image is no longer available")
    loop = asyncio.get_running_loop()
    pngs = await asyncio.gather(
        *(
            loop.run_in_executor(state.executor, _render_one, tool, task, data, i)
            for i in range(output_count(tool, task))
        )
    )
    folder = cdn_folder()
    outputs = []
    for i, png in enumerate(pngs):
        name = f"{i}.png"
        state.store_file(folder, name, png)
        outputs.append(output_entry(task, folder, name, len(png)))
    return outputs


async def render_again(
    state: EmulatorState, tool: EmulatedTool, task: Task, index: int
) -> bytes | None:
    """One output of a stored task rendered again (same input, same pixels), or None."""
    data = await resolve_input(state, _input_url(tool, task))
    if data is None or index >= output_count(tool, task):
        return None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(state.executor, _render_one, tool, task, data, index)
    except ToolImageError:
        return None


def log_line(tool: EmulatedTool, task: Task) -> str | None:
    """The model's one-line summary in the task log (None: DreamShaper's own line)."""
    v = task.values
    if tool.kind == UPSCALE:
        return f"Real-ESRGAN · {v.get('modelName')} · x{_scale(v):g}"
    if tool.kind == REIMAGINE:
        seed = image_seed(int(v.get("seed", 0)), 0)
        return (
            f"Image to image · {v.get('selectedModel')} · strength {v.get('strength')} · "
            f"seed {seed} · {v.get('samples')} × {v.get('width')}x{v.get('height')}"
        )
    return None
