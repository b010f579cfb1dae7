"""The gallery's item model: one header row per generation, then one row per image or slot."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

from app.core.lineage import placed_beside
from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.rows import (
    DETAIL_ROLE,
    GENERATION_ID_ROLE,
    GENERATION_ROLE,
    IMAGE_ID_ROLE,
    KIND_ROLE,
    RECORD_ROLE,
    STARRED_ROLE,
    RowKind,
    Section,
    Tile,
    row_data,
    tile_aspect,
)

AnyIndex = QModelIndex | QPersistentModelIndex
__all__ = [
    "DETAIL_ROLE",
    "GENERATION_ID_ROLE",
    "GENERATION_ROLE",
    "IMAGE_ID_ROLE",
    "KIND_ROLE",
    "RECORD_ROLE",
    "STARRED_ROLE",
    "URI_LIST",
    "GalleryModel",
    "RowKind",
    "file_mime_data",
]


URI_LIST = "text/uri-list"


def file_mime_data(paths: Iterable[str | Path]) -> QMimeData:
    """Drag/clipboard data naming image files: file:// URLs, as file managers expect."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(Path(p).resolve())) for p in paths])
    return mime


class GalleryModel(QAbstractListModel):
    """Images grouped by generation, newest generation first, as a flat list for QListView."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._sections: list[Section] = []
        self._keys: list[tuple[float, int]] = []  # sort keys of _sections, for bisect
        self._by_generation: dict[int, Section] = {}
        self._generation_of: dict[int, int] = {}  # image id -> generation id
        self._ids_by_path: dict[str, set[int]] = {}
        self._starts: list[int] | None = None  # first row of each section, then the row count
        self._positions: dict[int, int] = {}  # generation id -> index in _sections
        self._newest_first = True

    # ---- order (newest or oldest generation first) --------------------------------------
    @property
    def newest_first(self) -> bool:
        return self._newest_first

    def set_newest_first(self, newest_first: bool) -> None:
        """Orders generations newest first (the default) or oldest first."""
        if newest_first == self._newest_first:
            return
        self.beginResetModel()
        self._newest_first = newest_first
        self._sections.sort(key=self._sort_key)
        self._keys = [self._sort_key(s) for s in self._sections]
        self._starts = None
        self.endResetModel()

    def _sort_key(self, section: Section) -> tuple[float, int]:
        key = section.sort_key()
        return key if self._newest_first else (-key[0], -key[1])

    # ---- reading ------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        starts = self._row_starts()
        return starts[-1] if starts else 0

    def _row_starts(self) -> list[int]:
        if self._starts is None:
            starts, total = [], 0
            for section in self._sections:
                starts.append(total)
                total += 1 + len(section.tiles)
            starts.append(total)
            self._starts = starts
            self._positions = {s.generation_id: i for i, s in enumerate(self._sections)}
        return self._starts

    def locate(self, row: int) -> tuple[Section, Tile | None] | None:
        """The section and tile (None for the header) shown at ``row``."""
        starts = self._row_starts()
        if row < 0 or row >= starts[-1]:
            return None
        i = bisect.bisect_right(starts, row) - 1
        section = self._sections[i]
        offset = row - starts[i]
        return section, (section.tiles[offset - 1] if offset else None)

    def _tile_at(self, row: int) -> tuple[Section, Tile]:
        """The section and tile at ``row``, a row known to show an image."""
        found = self.locate(row)
        if found is None or found[1] is None:
            raise LookupError(f"row {row} shows no image")
        return found[0], found[1]

    def kind(self, row: int) -> RowKind | None:
        found = self.locate(row)
        if found is None:
            return None
        tile = found[1]
        if tile is None:
            return RowKind.HEADER
        return RowKind.IMAGE if tile.record is not None else RowKind.PLACEHOLDER

    def aspect(self, row: int) -> float:
        """Height / width of a tile row's picture (see ``rows.tile_aspect``)."""
        found = self.locate(row)
        return tile_aspect(*found) if found is not None else 1.0

    def record_at(self, row: int) -> ImageRecord | None:
        found = self.locate(row)
        return found[1].record if found and found[1] else None

    def record(self, image_id: int) -> ImageRecord | None:
        row = self.row_of_image(image_id)
        return self.record_at(row) if row >= 0 else None

    def generation(self, generation_id: int) -> GenerationState | None:
        section = self._by_generation.get(generation_id)
        return section.state if section else None

    def header_row(self, generation_id: int) -> int:
        if generation_id not in self._by_generation:
            return -1
        starts = self._row_starts()
        return starts[self._positions[generation_id]]

    def row_of_image(self, image_id: int) -> int:
        generation_id = self._generation_of.get(image_id)
        if generation_id is None:
            return -1
        section = self._by_generation[generation_id]
        start = self.header_row(generation_id)
        for pos, tile in enumerate(section.tiles):
            if tile.record is not None and tile.record.id == image_id:
                return start + 1 + pos
        return -1

    def rows_for_path(self, path: str) -> list[int]:
        return [self.row_of_image(i) for i in self._ids_by_path.get(path, ())]

    def image_ids(self, generation_id: int | None = None) -> list[int]:
        sections = (
            self._sections
            if generation_id is None
            else [s for s in self._sections if s.generation_id == generation_id]
        )
        return [t.record.id for s in sections for t in s.tiles if t.record is not None]

    def generation_ids(self) -> list[int]:
        return [s.generation_id for s in self._sections]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.locate(index.row()) if index.isValid() else None
        return row_data(found[0], found[1], role) if found is not None else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if self.kind(index.row()) == RowKind.IMAGE:
            return (
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
        return Qt.ItemFlag.NoItemFlags

    def mimeTypes(self) -> list[str]:
        return [URI_LIST]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        records = [self.record_at(i.row()) for i in sorted(indexes, key=lambda i: i.row())]
        return file_mime_data(r.path for r in records if r is not None)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction  # never Move: the library keeps its files

    # ---- writing ------------------------------------------------------------------------
    def clear(self) -> None:
        self.set_images([])

    def set_images(
        self, records: Iterable[ImageRecord], generations: Iterable[GenerationState] = ()
    ) -> None:
        """Replaces everything: ``records`` grouped under their generations."""
        self.beginResetModel()
        self._sections.clear()
        self._by_generation.clear()
        self._generation_of.clear()
        self._ids_by_path.clear()
        states = {g.id: g for g in generations}
        for record in records:
            section = self._by_generation.get(record.generation_id)
            if section is None:
                state = states.get(record.generation_id)
                section = self._new_section(record.generation_id, state, record.created_at)
                self._by_generation[section.generation_id] = section
                self._sections.append(section)
            self._remember(record)
            section.tiles.append(Tile(record.index, record))
        for section in self._sections:
            section.tiles.sort(key=lambda t: t.index)
        self._sections.sort(key=self._sort_key)
        self._keys = [self._sort_key(s) for s in self._sections]
        self._starts = None
        self.endResetModel()

    def add_images(
        self, records: Sequence[ImageRecord], generations: Iterable[GenerationState] = ()
    ) -> None:
        """Adds many images; a generation not shown yet is inserted in one step."""
        states = {g.id: g for g in generations}
        fresh: dict[int, dict[int, ImageRecord]] = {}
        for record in records:
            if record.generation_id in self._by_generation:
                self.add_image(record, states.get(record.generation_id))
            else:
                fresh.setdefault(record.generation_id, {})[record.index] = record
        sections = []
        for generation_id, by_index in fresh.items():
            group = sorted(by_index.values(), key=lambda r: r.index)
            section = self._new_section(
                generation_id, states.get(generation_id), group[0].created_at
            )
            section.tiles = [Tile(r.index, r) for r in group]
            for record in group:
                self._remember(record)
            sections.append(section)
        sections.sort(key=self._sort_key)
        if sections and (not self._keys or self._sort_key(sections[0]) > self._keys[-1]):
            self._append_sections(sections)  # the next page of a library load: one insert
            return
        for section in sections:
            self._insert_section(section)

    def _append_sections(self, sections: list[Section]) -> None:
        first = self.rowCount()
        added = sum(1 + len(s.tiles) for s in sections)
        self.beginInsertRows(QModelIndex(), first, first + added - 1)
        for section in sections:
            self._sections.append(section)
            self._keys.append(self._sort_key(section))
            self._by_generation[section.generation_id] = section
        self._starts = None
        self.endInsertRows()

    def add_image(self, record: ImageRecord, state: GenerationState | None = None) -> int:
        """Shows ``record`` (filling its placeholder if there is one); returns its row."""
        if record.id in self._generation_of:
            self.update_image(record)
        else:
            self._insert_image(record, state)
        if state is not None:
            self.set_generation(state, sync_images=False)
        return self.row_of_image(record.id)

    def _insert_image(self, record: ImageRecord, state: GenerationState | None) -> None:
        section = self._by_generation.get(record.generation_id)
        if section is None:
            section = self._new_section(record.generation_id, state, record.created_at)
            self._insert_section(section)
        pos = section.position_of_index(record.index)
        self._remember(record)
        row = self.header_row(section.generation_id) + 1 + pos
        if pos < len(section.tiles) and section.tiles[pos].index == record.index:
            self._forget(section.tiles[pos].record)
            section.tiles[pos].record = record
            self.dataChanged.emit(self.index(row), self.index(row))
        else:
            self.beginInsertRows(QModelIndex(), row, row)
            section.tiles.insert(pos, Tile(record.index, record))
            self._starts = None
            self.endInsertRows()
        header = self.header_row(section.generation_id)
        self.dataChanged.emit(self.index(header), self.index(header))

    def set_generation(self, state: GenerationState, *, sync_images: bool = True) -> None:
        """Shows or refreshes a generation: its header, grey slots while it runs, its images."""
        section = self._by_generation.get(state.id)
        if section is None:
            if state.is_final and not state.images:
                return
            section = self._new_section(state.id, state, state.created_at)
            self._insert_section(section)
        else:
            section.state = state
            row = self.header_row(state.id)
            self.dataChanged.emit(self.index(row), self.index(row))
        if sync_images:
            for record in state.images:
                if record.id not in self._generation_of:
                    self.add_image(record)
        self._sync_placeholders(section)

    def _sync_placeholders(self, section: Section) -> None:
        state = section.state
        start = self.header_row(section.generation_id)
        if state is None or state.is_final:
            for pos in range(len(section.tiles) - 1, -1, -1):
                if section.tiles[pos].record is None:
                    self.beginRemoveRows(QModelIndex(), start + 1 + pos, start + 1 + pos)
                    del section.tiles[pos]
                    self._starts = None
                    self.endRemoveRows()
            if not section.tiles and state is not None:
                self._remove_section(section)
            return
        have = {t.index for t in section.tiles}
        for index in range(state.expected_images):
            if index not in have:
                pos = section.position_of_index(index)
                self.beginInsertRows(QModelIndex(), start + 1 + pos, start + 1 + pos)
                section.tiles.insert(pos, Tile(index, None))
                self._starts = None
                self.endInsertRows()
        for pos, tile in enumerate(section.tiles):
            if tile.record is None:
                self.dataChanged.emit(self.index(start + 1 + pos), self.index(start + 1 + pos))

    def update_image(self, record: ImageRecord) -> bool:
        row = self.row_of_image(record.id)
        if row < 0:
            return False
        _section, tile = self._tile_at(row)
        self._forget(tile.record)
        tile.record = record
        self._remember(record)
        self.dataChanged.emit(self.index(row), self.index(row))
        return True

    def remove_images(self, image_ids: Iterable[int]) -> list[ImageRecord]:
        """Removes images (and generations left empty); returns the records removed."""
        removed: list[ImageRecord] = []
        for image_id in set(image_ids):
            row = self.row_of_image(image_id)
            if row < 0:
                continue
            section, tile = self._tile_at(row)
            if tile.record is not None:  # a row found by image id holds that image
                removed.append(tile.record)
            self._forget(tile.record)
            self.beginRemoveRows(QModelIndex(), row, row)
            section.tiles.remove(tile)
            self._starts = None
            self.endRemoveRows()
            if not section.tiles:
                self._remove_section(section)
        return removed

    # ---- helpers ------------------------------------------------------------------------
    @staticmethod
    def _new_section(generation_id: int, state: GenerationState | None, when: float) -> Section:
        created = state.created_at if state and state.created_at else when
        beside = placed_beside(state.operation) if state is not None else None
        created = beside if beside is not None else created  # a derived image by its source
        return Section(generation_id, state, created)

    def _insert_section(self, section: Section) -> None:
        pos = bisect.bisect_left(self._keys, self._sort_key(section))
        row = self._row_starts()[pos]
        self.beginInsertRows(QModelIndex(), row, row + len(section.tiles))
        self._sections.insert(pos, section)
        self._keys.insert(pos, self._sort_key(section))
        self._by_generation[section.generation_id] = section
        self._starts = None
        self.endInsertRows()

    def _remove_section(self, section: Section) -> None:
        row = self.header_row(section.generation_id)
        self.beginRemoveRows(QModelIndex(), row, row + len(section.tiles))
        del self._keys[self._sections.index(section)]
        self._sections.remove(section)
        del self._by_generation[section.generation_id]
        self._starts = None
        self.endRemoveRows()
        for tile in section.tiles:
            if tile.record is not None:
                self._forget(tile.record)

    def _remember(self, record: ImageRecord) -> None:
        self._generation_of[record.id] = record.generation_id
        self._ids_by_path.setdefault(str(record.path), set()).add(record.id)

    def _forget(self, record: ImageRecord | None) -> None:
        if record is None:
            return
        self._generation_of.pop(record.id, None)
        ids = self._ids_by_path.get(str(record.path))
        if ids is not None:
            ids.discard(record.id)
            if not ids:
                del self._ids_by_path[str(record.path)]
