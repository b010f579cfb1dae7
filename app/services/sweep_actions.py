"""One-click work on sweeps and their cells: Vary (new seeds), Promote (same seed, more),
and the contact sheet export.

Vary is a one-axis sweep so it gets the grid, the caps and Stop like any sweep; Promote is
a single generation linked to the image it came from (``parent_image_id`` + ``operation``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from app.core.params import limits_for
from app.core.schema import ToolSchema
from app.core.sweep import build_plan, vary_spec
from app.services.events import GenerationState, ImageRecord, SweepState
from app.services.studio import InvalidParameters, Studio
from app.services.sweeps import SweepRunner
from app.storage.contact_sheet import export_contact_sheets
from app.storage.sweeps import GenerationLink

PROMOTE = "promote"


async def vary(
    runner: SweepRunner,
    values: Mapping[str, Any],
    count: int,
    *,
    title: str = "",
    sweep_cap: float | None = None,
    rng: random.Random | None = None,
) -> SweepState:
    """Runs ``values`` with ``count`` new random seeds as a one-axis sweep."""
    plan = build_plan(runner.studio.schema, vary_spec(count), values, rng=rng)
    prompt = str(values.get("prompt") or "").strip()
    name = title or (f"Vary ×{count}: {prompt[:60]}" if prompt else f"Vary ×{count}")
    return await runner.run(plan, title=name, sweep_cap=sweep_cap)


async def export_sheet(
    runner: SweepRunner,
    sweep_id: int,
    path: Path,
    *,
    cell_size: int = 256,
    title: str | None = None,
) -> list[Path]:
    """Writes the sweep's contact sheet(s) (one per Z value) with each cell's first image;
    cells without an image show as not run. Rendering runs off the event loop."""
    row = await runner.studio.ledger.db(runner.store.sweep, sweep_id)
    if row is None:
        raise KeyError(sweep_id)
    cells = await runner.studio.ledger.db(runner.store.cells, sweep_id)
    history = runner.studio.ledger.history
    images = await runner.studio.ledger.db(
        history.images_of_generations, [c.generation_id for c in cells.values()]
    )
    first: dict[int, Path] = {}
    for image in images:  # by generation, then index
        first.setdefault(image.generation_id, image.path)
    paths = {index: first.get(c.generation_id) for index, c in cells.items()}
    render = partial(
        export_contact_sheets,
        row.plan(),
        paths,
        path,
        cell_size=cell_size,
        title=row.title if title is None else title,
    )
    return await asyncio.get_running_loop().run_in_executor(None, render)


async def image_params(studio: Studio, image_id: int) -> dict[str, Any]:
    """The settings an image was made with, its own seed fixed (Vary, Vary prompt, Promote)."""
    return (await _image_and_params(studio, image_id))[1]


async def _image_and_params(studio: Studio, image_id: int) -> tuple[ImageRecord, dict[str, Any]]:
    record = await studio.image(image_id)
    if record is None:
        raise KeyError(image_id)
    source = studio.generation(record.generation_id)
    if source is None:
        source = await studio.ledger.load(record.generation_id)
    params = dict(source.params)
    if record.seed is not None:
        params["seed"] = str(record.seed)
    return record, params


async def promote(
    studio: Studio,
    image_id: int,
    *,
    steps: int | None = None,
    width: int | None = None,
    height: int | None = None,
) -> GenerationState:
    """Re-runs the image's settings with its own seed (one image) at more steps and/or a
    larger size; the new generation records the image it was promoted from."""
    record, params = await _image_and_params(studio, image_id)
    params["samples"] = 1
    changes = {"steps": steps, "width": width, "height": height}
    params.update({k: v for k, v in changes.items() if v is not None})
    if not any(v is not None for v in changes.values()):
        raise InvalidParameters({"steps": "Promote needs more steps or a larger size."})
    operation = {
        "kind": PROMOTE,
        "from_generation": record.generation_id,
        "image_index": record.index,
        **{k: v for k, v in changes.items() if v is not None},
    }
    link = GenerationLink(parent_image_id=image_id, operation=operation)
    return await studio.submit(params, link=link)


def promote_defaults(
    schema: ToolSchema,
    params: Mapping[str, Any],
    *,
    steps_factor: float = 2.0,
    size_factor: float = 1.5,
) -> dict[str, int]:
    """Suggested promote settings: twice the steps and 1.5× the size, kept within the
    field's limits; the UI remembers the artist's own choice over these."""
    out: dict[str, int] = {}
    for name, factor in (("steps", steps_factor), ("width", size_factor), ("height", size_factor)):
        spec = schema.field(name)
        try:
            value = int(float(params[name]) * factor)
        except (KeyError, TypeError, ValueError):
            continue
        if spec is None:
            continue
        limits = limits_for(spec)
        multiple = limits.multiple_of or 1
        if limits.maximum is not None:
            value = min(value, int(limits.maximum))
        if limits.minimum is not None:
            value = max(value, int(limits.minimum))
        out[name] = value - value % multiple
    return out
