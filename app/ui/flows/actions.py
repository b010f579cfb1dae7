"""Coroutines behind the window's actions; widgets start them through the spawner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QGuiApplication, QImage

from app.services.events import ImageRecord

if TYPE_CHECKING:  # the studio's modules load with the first studio, after the first paint
    from app.services.studio import Studio


async def generate(
    studio: Studio, values: dict[str, Any], on_invalid: Callable[[dict[str, str]], None]
) -> None:
    from app.services.studio import InvalidParameters

    try:
        await studio.submit(values)
    except InvalidParameters as exc:
        on_invalid(exc.errors)


async def load_records(studio: Studio, image_ids: Sequence[int]) -> list[ImageRecord]:
    records = []
    for image_id in image_ids:
        record = await studio.image(image_id)
        if record is not None:
            records.append(record)
    return records


async def save_to_folder(studio: Studio, image_ids: Sequence[int], folder: Path) -> list[Path]:
    return await studio.save_images(await load_records(studio, image_ids), folder)


async def save_as(studio: Studio, image_id: int, dest: Path) -> Path | None:
    record = await studio.image(image_id)
    if record is None:
        return None
    if dest.suffix.lower() != record.path.suffix.lower():
        dest = dest.with_suffix(record.path.suffix)
    return await studio.save_image_as(record, dest)


async def copy_image(studio: Studio, image_id: int) -> bool:
    """Decodes off the GUI thread (QImage is thread-safe), then sets the clipboard."""
    record = await studio.image(image_id)
    if record is None:
        return False
    image = await asyncio.get_running_loop().run_in_executor(None, QImage, str(record.path))
    if image.isNull():
        return False
    QGuiApplication.clipboard().setImage(image)
    return True
