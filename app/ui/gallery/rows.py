"""The rows of the gallery model: generations and sweeps, their image slots, what rows show."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from app.core.display import one_line
from app.core.lineage import lineage_badge
from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.sweep_text import cell_caption, sweep_detail, sweep_title, sweep_tooltip
from app.ui.widgets.gallery_text import (
    header_detail,
    header_title,
    phase_text,
    seed_label,
    tile_tooltip,
)
from app.ui.widgets.plain import plain_tooltip

if TYPE_CHECKING:
    from app.storage.sweep_summary import SweepSummary  # the model gets them from the library


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
SWEEP_ID_ROLE = Qt.ItemDataRole.UserRole + 8  # the sweep a row's section shows, or None


TileKey = tuple[int, int, int]  # (cell index, generation id, image index): display order


@dataclass
class Tile:
    """One image slot: a stored image, or a grey slot while it is made."""

    index: int  # the image's index in its generation
    record: ImageRecord | None  # None: an image still being made
    generation_id: int = 0
    cell: int = 0  # its sweep cell (0 outside sweeps): a sweep's tiles are in grid order

    @property
    def key(self) -> TileKey:
        return (self.cell, self.generation_id, self.index)


@dataclass(eq=False)  # compared and hashed by identity: the model indexes sections by object
class Section:
    """One group of the gallery: a generation, or a sweep with its cells' generations."""

    generation_id: int  # the generation; for a sweep, the first of its cells the model saw
    created_at: float
    states: dict[int, GenerationState | None] = field(default_factory=dict)
    tiles: list[Tile] = field(default_factory=list)
    sweep_id: int | None = None
    sweep: SweepSummary | None = None
    cells: dict[int, int] = field(default_factory=dict)  # generation id -> its cell index
    _keys: list[TileKey] | None = None  # the tiles' keys, rebuilt after a change

    @property
    def state(self) -> GenerationState | None:
        """The generation's state (a sweep's header has none of its own)."""
        return None if self.sweep_id is not None else self.states.get(self.generation_id)

    def sort_key(self) -> tuple[float, int]:
        return (-self.created_at, -self.generation_id)

    def add_generation(self, generation_id: int, state: GenerationState | None) -> None:
        if state is not None or generation_id not in self.states:
            self.states[generation_id] = state
        cell = state.cell_index if state is not None and self.sweep_id is not None else None
        if cell is not None or generation_id not in self.cells:
            self.cells[generation_id] = cell or 0

    def key_for(self, generation_id: int, index: int) -> TileKey:
        return (self.cells.get(generation_id, 0), generation_id, index)

    def keys(self) -> list[TileKey]:
        if self._keys is None:
            self._keys = [t.key for t in self.tiles]
        return self._keys

    def position(self, key: TileKey) -> int:
        """Where a tile with ``key`` is (or would go)."""
        return bisect.bisect_left(self.keys(), key)

    def span(self, generation_id: int) -> range:
        """The positions of one generation's tiles (they sit together)."""
        cell = self.cells.get(generation_id, 0)
        keys = self.keys()
        low = bisect.bisect_left(keys, (cell, generation_id, -1))
        return range(low, bisect.bisect_left(keys, (cell, generation_id + 1, -1), low))

    def insert(self, position: int, tile: Tile) -> None:
        self.tiles.insert(position, tile)
        self._keys = None

    def pop(self, position: int) -> Tile:
        self._keys = None
        return self.tiles.pop(position)

    def tile_state(self, tile: Tile | None) -> GenerationState | None:
        gid = self.generation_id if tile is None else tile.generation_id
        return self.states.get(gid)


def tile_aspect(section: Section, tile: Tile | None) -> float:
    """Height / width of a tile's picture: the request's size, so a grey slot and the image
    that fills it are the same shape (the view never relayouts on a data change)."""
    state = section.tile_state(tile)
    params = state.params if state is not None else {}
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
    if role == SWEEP_ID_ROLE:
        return section.sweep_id
    if role == GENERATION_ID_ROLE:
        return section.generation_id if tile is None else tile.generation_id
    state = section.tile_state(tile)
    if role == GENERATION_ROLE:
        return state if tile is not None else section.state
    if tile is None:
        if section.sweep_id is not None:
            return _sweep_header_data(section, role)
        return _header_data(section, role)
    record = tile.record
    params = state.params if state else {}
    if role == KIND_ROLE:
        return RowKind.IMAGE if record is not None else RowKind.PLACEHOLDER
    badge = _badge(state)
    if role == Qt.ItemDataRole.DisplayRole:
        if section.sweep_id is not None:
            return cell_caption(section.sweep, tile.cell, tile.index, record, state)
        return badge or seed_label(record.seed if record else None, tile.index, params)
    if role == Qt.ItemDataRole.ToolTipRole:
        tip = tile_tooltip(record, tile.index, params)
        if section.sweep_id is not None:
            caption = cell_caption(section.sweep, tile.cell, tile.index, record, state)
            tip = f"Cell {tile.cell + 1}: {caption}\n{tip}"
        return plain_tooltip(f"{badge[:1].upper()}{badge[1:]}\n{tip}" if badge else tip)
    if role == RECORD_ROLE:
        return record
    if role == IMAGE_ID_ROLE:
        return record.id if record else None
    if role == STARRED_ROLE:
        return bool(record and record.starred)
    if role == DETAIL_ROLE and record is None:
        return phase_text(state)
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


def _sweep_header_data(section: Section, role: int) -> Any:
    if role == KIND_ROLE:
        return RowKind.HEADER
    sweep_id = section.sweep_id if section.sweep_id is not None else 0
    if role == Qt.ItemDataRole.DisplayRole:
        return one_line(sweep_title(section.sweep, sweep_id))
    if role in (DETAIL_ROLE, Qt.ItemDataRole.ToolTipRole):
        count = sum(1 for t in section.tiles if t.record is not None)
        detail = sweep_detail(section.sweep, section.created_at, count)
        if role == DETAIL_ROLE:
            return detail
        return plain_tooltip(sweep_tooltip(section.sweep, sweep_id, detail))
    return None


def _badge(state: GenerationState | None) -> str:
    """The lineage badge of a derived generation ("×4 from image 12"), else ""."""
    return lineage_badge(state.parent_image_id, state.operation) if state is not None else ""
