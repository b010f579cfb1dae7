"""Work from a result: Upscale (Real-ESRGAN) and Re-imagine (image to image) of a library
image, each a generation of its own tool linked to the image it came from."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.estimate import CostEstimate, estimate_cost
from app.core.file_inputs import IMAGE_SUFFIXES
from app.core.lineage import REIMAGINE, UPSCALE
from app.core.schema import FieldSpec, ToolSchema
from app.core.tools import IMAGE_TO_IMAGE_SD, REAL_ESRGAN, ToolInfo, find_option, preferred_values
from app.services.events import GenerationState, ImageRecord
from app.services.studio import InvalidParameters, Studio
from app.storage.sweeps import GenerationLink, past_runs

SCALES = (2, 4)
FILE_SIDE = 768  # a file's longest side for re-imagine: DreamShaper 8 (SD 1.5) is 512–768 px
SIZE_STEP = 8  # SD sizes are multiples of 8 (app.core.params.CLIENT_LIMITS)
# Carried over from the source image into re-imagine's form (when the tool has the field).
_CARRIED = ("prompt", "negativePrompt", "scheduler", "width", "height")


@dataclass(frozen=True)
class Source:
    """What an operation starts from: a library image with the generation that made it, or
    an image file on this computer that is not in the library (``file``, ``size``)."""

    record: ImageRecord | None
    generation: GenerationState | None
    file: Path | None = None
    size: tuple[int, int] | None = None

    @property
    def path(self) -> Path:
        if self.record is not None:
            return self.record.path
        assert self.file is not None
        return self.file

    @property
    def image_id(self) -> int | None:
        return self.record.id if self.record is not None else None

    @property
    def width(self) -> int | None:
        return self.record.width if self.record is not None else (self.size or (None, None))[0]

    @property
    def height(self) -> int | None:
        return self.record.height if self.record is not None else (self.size or (None, None))[1]

    @property
    def seed(self) -> Any:
        if self.record is not None and self.record.seed is not None:
            return self.record.seed
        return self.params.get("seed")

    @property
    def params(self) -> Mapping[str, Any]:
        return self.generation.params if self.generation is not None else {}

    def describe(self) -> str:
        """ "image 12" or the file's name, for the dialog's and the popover's words."""
        return f"image {self.image_id}" if self.image_id is not None else self.path.name


@dataclass(frozen=True)
class Prepared:
    """A derive operation ready to run: its tool, form values, link, and what to tell."""

    tool: ToolInfo
    schema: ToolSchema
    values: dict[str, Any]
    link: GenerationLink
    notes: tuple[str, ...] = ()


async def source_of(studio: Studio, image: int | Path) -> Source:
    """The library image ``image`` (an id), or the image file ``image`` (a path)."""
    if isinstance(image, Path):
        return await source_file(image)
    record = await studio.image(image)
    if record is None or record.deleted:
        raise KeyError(image)
    state = studio.generation(record.generation_id)
    if state is None:
        state = await studio.ledger.load(record.generation_id)
    return Source(record, state)


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image  # loads with the first file-based operation

    with Image.open(path) as image:
        return image.size


async def source_file(path: Path) -> Source:
    """An image file from this computer; InvalidParameters when it is not a readable image
    (its header is read off the event loop)."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InvalidParameters({"image": f"{path.name} is not a PNG, JPEG, WebP, GIF or HEIC"})
    try:
        size = await asyncio.to_thread(_image_size, path)
    except (OSError, ValueError) as exc:
        raise InvalidParameters({"image": f"{path.name} cannot be read ({exc})"}) from None
    return Source(None, None, file=path, size=size)


def _field(schema: ToolSchema, info: ToolInfo, job: str) -> FieldSpec | None:
    name = info.inputs.get(job)
    return schema.field(name) if name else None


def _operation(kind: str, source: Source, **settings: Any) -> dict[str, Any]:
    if source.record is None or source.generation is None:
        return {"kind": kind, "source_file": source.path.name, **settings}
    return {
        "kind": kind,
        "from_generation": source.generation.id,
        "image_index": source.record.index,
        "beside": source.generation.created_at,  # the gallery shows it next to its source
        **settings,
    }


def upscale_models(schema: ToolSchema) -> list[str]:
    spec = _field(schema, REAL_ESRGAN, "model")
    return [o.value for o in spec.options] if spec is not None else []


def default_upscale_model(schema: ToolSchema, scale: int) -> str:
    """RealESRGAN_x2plus for ×2 and RealESRGAN_x4plus for ×4 when offered, else the
    tool's default (model names: Wiro's n8n node)."""
    spec = _field(schema, REAL_ESRGAN, "model")
    if spec is None:
        return ""
    option = find_option(spec, f"RealESRGAN_x{scale}plus")
    return option.value if option is not None else str(spec.default or "")


async def prepare_upscale(
    studio: Studio, image: int | Path, *, scale: int, model: str | None = None
) -> Prepared:
    """``image``: a library image's id, or an image file not in the library."""
    source = await source_of(studio, image)
    choice = await studio.tool_schema(REAL_ESRGAN.slug)
    schema = choice.schema
    image_field = _field(schema, REAL_ESRGAN, "image")
    scale_field = _field(schema, REAL_ESRGAN, "scale")
    if image_field is None or scale_field is None:
        raise InvalidParameters({"tool": "Wiro's upscaler does not take an image and a scale."})
    values: dict[str, Any] = {image_field.id: str(source.path), scale_field.id: scale}
    model = model or default_upscale_model(schema, scale)
    model_field = _field(schema, REAL_ESRGAN, "model")
    if model_field is not None and model:
        values[model_field.id] = model
    size = (source.width, source.height)
    operation = _operation(UPSCALE, source, scale=scale, model=model, source_size=list(size))
    link = GenerationLink(parent_image_id=source.image_id, operation=operation)
    return Prepared(REAL_ESRGAN, schema, values, link, choice.notes)


def fit_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """(width, height) with the longest side at most ``longest``, the aspect kept, each side
    a multiple of 8 and at least 64 (the tool's sizes)."""
    ratio = min(1.0, longest / max(width, height))

    def snap(side: float) -> int:
        return max(64, round(side * ratio / SIZE_STEP) * SIZE_STEP)

    return snap(width), snap(height)


def reimagine_values(
    schema: ToolSchema, source: Source, *, strength: float, count: int
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The form prefilled from the source image (prompt, negative prompt, seed, size,
    scheduler; DreamShaper 8 when offered) and notes on what could not be carried over."""
    params = source.params
    info = IMAGE_TO_IMAGE_SD
    values: dict[str, Any] = {}
    for key in _CARRIED:
        spec = schema.field(key)
        value = params.get(key)
        if spec is None or value in (None, ""):
            continue
        if spec.options and find_option(spec, str(value)) is None:
            continue
        values[key] = value
    notes: list[str] = []
    if source.width and source.height:
        size = (source.width, source.height)
        if source.record is None:  # a file: any size, while the tool wants SD's sizes
            size = fit_size(*size, FILE_SIDE)
            if size != (source.width, source.height):
                notes.append(
                    f"{source.path.name} is {source.width}×{source.height}: it is re-imagined "
                    f"at {size[0]}×{size[1]} (DreamShaper 8 works at 512–768 px; Size "
                    f"changes it)."
                )
        for key, side in (("width", size[0]), ("height", size[1])):
            if schema.field(key) is not None:
                values[key] = side
    seed = source.seed
    if seed is not None and schema.field("seed") is not None:
        values["seed"] = str(seed)
    values.update(preferred_values(info, schema))
    model = _field(schema, info, "model")
    if model is not None and model.options and model.id not in values:
        offered = ", ".join(o.label for o in model.options[:8])
        notes.append(
            f"Wiro's image-to-image tool does not offer DreamShaper 8; choose one of its "
            f"models: {offered}."
        )
    strength_field, image = _field(schema, info, "strength"), _field(schema, info, "image")
    if strength_field is not None:
        values[strength_field.id] = round(float(strength), 2)
    if image is not None:
        values[image.id] = str(source.path)
    samples = schema.field("samples")
    if samples is not None:
        top = int(samples.maximum) if samples.maximum is not None else count
        values[samples.id] = max(1, min(count, top))
    return values, tuple(notes)


async def prepare_reimagine(
    studio: Studio,
    image: int | Path,
    *,
    strength: float,
    count: int,
    overrides: Mapping[str, Any] | None = None,
) -> Prepared:
    """``image``: a library image's id or an image file; ``overrides`` may replace the
    source image itself (the dialog's image field): the lineage then names that file."""
    source = await source_of(studio, image)
    choice = await studio.tool_schema(IMAGE_TO_IMAGE_SD.slug)
    values, notes = reimagine_values(choice.schema, source, strength=strength, count=count)
    values.update(overrides or {})
    image_field = _field(choice.schema, IMAGE_TO_IMAGE_SD, "image")
    chosen = str(values.get(image_field.id) or "").strip() if image_field is not None else ""
    if chosen and chosen != str(source.path):
        source = Source(None, None, file=Path(chosen))  # another file, not the library image
    model_field = _field(choice.schema, IMAGE_TO_IMAGE_SD, "model")
    model = str(values.get(model_field.id, "")) if model_field is not None else ""
    operation = _operation(
        REIMAGINE,
        source,
        strength=values.get("strength", strength),
        variations=values.get("samples", count),
        model=model,
        seed=values.get("seed"),
    )
    link = GenerationLink(parent_image_id=source.image_id, operation=operation)
    return Prepared(IMAGE_TO_IMAGE_SD, choice.schema, values, link, (*choice.notes, *notes))


async def run(studio: Studio, prepared: Prepared) -> GenerationState:
    """Queues the operation like any generation (same queue, limits, costs, saving)."""
    return await studio.submit(prepared.values, tool=prepared.tool.slug, link=prepared.link)


async def upscale(
    studio: Studio, image: int | Path, *, scale: int, model: str | None = None
) -> GenerationState:
    return await run(studio, await prepare_upscale(studio, image, scale=scale, model=model))


async def reimagine(
    studio: Studio,
    image: int | Path,
    *,
    strength: float,
    count: int,
    overrides: Mapping[str, Any] | None = None,
) -> GenerationState:
    prepared = await prepare_reimagine(
        studio, image, strength=strength, count=count, overrides=overrides
    )
    return await run(studio, prepared)


async def estimate(studio: Studio, prepared: Prepared) -> CostEstimate:
    """The price shown before it runs, by the same rules as Generate (the tool's
    dynamicprice, or this account's past runs of the same tool)."""
    past = await studio.ledger.db(past_runs, studio.ledger.history, 200)
    return estimate_cost(
        [prepared.values],
        tool=prepared.schema.slug,
        dynamic_price=prepared.schema.dynamic_price,
        past=past,
    )
