"""The rows of the gallery model: generations, their image slots, and what each row shows."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from app.core.display import one_line
from app.core.lineage import lineage_badge
from app.services.events import GenerationState, ImageRecord
from app.ui.widgets.gallery_text import (
    header_detail,
    header_title,
    phase_text,
    seed_label,
    tile_tooltip,
)
from app.ui.widgets.plain import plain_tooltip


class RowKind(IntEnum):
    """What a row of the gallery is."""

    HEADER = 0
    IMAGE = 1
    PLACEHOLDER = 2


KIND_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
GENERATION_ROLE = Qt.ItemDataRole.UserRole + 3
IMAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 4
GENERATION_ID_ROLE = Qt.ItemDataRole.UserRole + 5
STARRED_ROLE = Qt.ItemDataRole.UserRole + 6
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 7  # header: settings line; tile: phase text


@dataclass
class Tile:
    """One image slot of a generation: a stored image, or a grey slot while it is made."""

    index: int
    record: ImageRecord | None  # None: an image still being made


@dataclass
class Section:
    """One generation as the gallery shows it: a header and its tiles in index order."""

    generation_id: int
    state: GenerationState | None
    created_at: float
    tiles: list[Tile] = field(default_factory=list)

    def sort_key(self) -> tuple[float, int]:
        return (-self.created_at, -self.generation_id)

    def position_of_index(self, index: int) -> int:
        return bisect.bisect_left([t.index for t in self.tiles], index)


def tile_aspect(section: Section, tile: Tile | None) -> float:
    """Height / width of a tile's picture: the request's size, so a grey slot and the image
    that fills it are the same shape (the view never relayouts on a data change)."""
    params = section.state.params if section.state is not None else {}
    try:
        width, height = int(params.get("width") or 0), int(params.get("height") or 0)
    except (TypeError, ValueError):
        width = height = 0
    if width <= 0 or height <= 0:
        record = tile.record if tile is not None else None
        width, height = (record.width, record.height) if record is not None else (1, 1)
    return height / width if width > 0 and height > 0 else 1.0


def row_data(section: Section, tile: Tile | None, role: int) -> Any:
    """What the model answers for ``role`` on a header (tile None) or a tile row."""
    if role == GENERATION_ID_ROLE:
        return section.generation_id
    if role == GENERATION_ROLE:
        return section.state
    if tile is None:
        return _header_data(section, role)
    record = tile.record
    params = section.state.params if section.state else {}
    if role == KIND_ROLE:
        return RowKind.IMAGE if record is not None else RowKind.PLACEHOLDER
    badge = _badge(section.state)
    if role == Qt.ItemDataRole.DisplayRole:
        return badge or seed_label(record.seed if record else None, tile.index, params)
    if role == Qt.ItemDataRole.ToolTipRole:
        tip = tile_tooltip(record, tile.index, params)
        return plain_tooltip(f"{badge[:1].upper()}{badge[1:]}\n{tip}" if badge else tip)
    if role == RECORD_ROLE:
        return record
    if role == IMAGE_ID_ROLE:
        return record.id if record else None
    if role == STARRED_ROLE:
        return bool(record and record.starred)
    if role == DETAIL_ROLE and record is None:
        return phase_text(section.state)
    return None


def _header_data(section: Section, role: int) -> Any:
    if role == KIND_ROLE:
        return RowKind.HEADER
    state = section.state
    if role == Qt.ItemDataRole.DisplayRole:
        badge = _badge(state)
        title = header_title(state, section.generation_id)
        if badge and not (state and state.params.get("prompt")):
            title = f"{badge[:1].upper()}{badge[1:]}"  # an upscale has no prompt of its own
        elif badge:
            title = f"{title} — {badge}"
        return one_line(title)
    if role in (DETAIL_ROLE, Qt.ItemDataRole.ToolTipRole):
        count = sum(1 for t in section.tiles if t.record is not None)
        detail = header_detail(state, section.created_at, count)
        if role == DETAIL_ROLE:
            return one_line(detail)
        prompt = str(state.params.get("prompt") or "") if state else ""
        negative = str(state.params.get("negativePrompt") or "") if state else ""
        lines = [prompt or header_title(state, section.generation_id)]
        if negative:
            lines.append(f"Negative: {negative}")
        return plain_tooltip("\n".join([*lines, detail]))
    return None


def _badge(state: GenerationState | None) -> str:
    """The lineage badge of a derived generation ("×4 from image 12"), else ""."""
    return lineage_badge(state.parent_image_id, state.operation) if state is not None else ""
