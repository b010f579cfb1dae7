"""Saving images out of the library: names from a template, our metadata, pixels untouched."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path
from typing import Any

from app import __version__
from app.core.exportformat import ExportFormat, format_for_path
from app.core.filenames import render_template, template_context, template_for_export
from app.core.metadata import image_texts, lineage_of
from app.core.tools import ToolRole, find_tool
from app.services.events import ImageRecord
from app.services.ledger import Ledger
from app.services.spawn import Spawner
from app.storage.library import export_image, export_image_to

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "{date} {time} {seed} {prompt:40}"


class ImageSaver:
    """Exports copies with A1111 + JSON chunks; file work runs on the I/O executor."""

    def __init__(self, ledger: Ledger, tool: str, io: Executor) -> None:
        self.ledger = ledger
        self.tool = tool
        self.io = io
        self.filename_template = DEFAULT_TEMPLATE
        self.auto_save_dir: Path | None = None

    async def _load_states(self, images: Sequence[ImageRecord]) -> None:
        """Generations not in the cache (older than this session's history) come from the
        database, so a saved copy never gets empty parameters."""
        for generation_id in {r.generation_id for r in images}:
            if self.ledger.get(generation_id) is None:
                try:
                    await self.ledger.load(generation_id)
                except KeyError:
                    log.warning("generation %s is not in the history", generation_id)

    def metadata_texts(self, record: ImageRecord) -> dict[str, str]:
        state = self.ledger.get(record.generation_id)
        return image_texts(
            state.params if state else {},
            tool=(state.tool if state else "") or self.tool,
            task_id=state.task_id if state else None,
            image_index=record.index,
            image_seed=record.seed,
            app_version=__version__,
            lineage=lineage_of(state.parent_image_id, state.operation) if state else None,
            **_model(state.tool if state else "", state.params if state else {}),
        )

    def stem(self, record: ImageRecord, template: str | None = None) -> str:
        state = self.ledger.get(record.generation_id)
        ctx = template_context(
            state.params if state else {},
            when=datetime.fromtimestamp(record.created_at or time.time()),
            task_id=state.task_id if state else None,
            index=record.index,
            seed=record.seed,
        )
        return render_template(template or self.filename_template, ctx)

    async def save_images(
        self,
        images: Sequence[ImageRecord],
        folder: Path,
        *,
        stem: Callable[[ImageRecord], str] | None = None,
        strip: bool = False,
        fmt: ExportFormat | None = None,
    ) -> list[Path]:
        """Copies under unique sanitized names in ``folder``; ``strip`` drops all metadata,
        ``fmt`` converts (PNG, JPEG, WebP); the settings travel in every format."""
        await self._load_states(images)
        loop = asyncio.get_running_loop()
        saved = []
        template = template_for_export(self.filename_template, strip=strip)
        for record in images:
            name = stem(record) if stem else self.stem(record, template)
            texts = None if strip else self.metadata_texts(record)
            write = functools.partial(
                export_image, record.path, folder, name, texts=texts, strip=strip, fmt=fmt
            )
            path = await loop.run_in_executor(self.io, write)
            saved.append(path)
        return saved

    async def save_as(self, record: ImageRecord, dest: Path) -> Path:
        """Writes ``dest`` in the type its name asks for (``.jpg``, ``.webp``, ``.png``)."""
        await self._load_states([record])
        texts = self.metadata_texts(record)
        fmt = format_for_path(dest.suffix)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.io, lambda: export_image_to(record.path, dest, texts=texts, fmt=fmt)
        )

    def auto_save(self, record: ImageRecord, spawner: Spawner) -> None:
        """With auto-save on, every stored image is also written to the output folder."""
        folder = self.auto_save_dir
        if folder is None:
            return

        async def save() -> None:
            try:
                await self.save_images([record], folder)
            except OSError as exc:
                self.ledger.notice(f"Auto-save to {folder} failed: {exc.strerror}", "error")
            except ValueError as exc:  # a damaged file that cannot carry the settings
                self.ledger.notice(f"Auto-save to {folder} failed: {exc}", "error")

        try:
            spawner.spawn(save(), name=f"autosave-{record.id}")
        except RuntimeError:  # closing: the image is safe in the library, only the copy waits
            log.info("auto-save of image %s skipped while closing", record.id)


def _model(tool: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The A1111 ``Model:`` of another tool's image ("Real-ESRGAN (RealESRGAN_x4plus)");
    empty for the generate tool, whose model is the default."""
    info = find_tool(tool) if tool else None
    if info is None or info.role is ToolRole.GENERATE:
        return {}
    chosen = str(params.get(info.inputs.get("model", ""), "") or "")
    return {"model": f"{info.name} ({chosen})" if chosen else info.name}
