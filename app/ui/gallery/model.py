"""The gallery's item model: a header row per generation or sweep, then a row per image or slot."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.rows import (
    DETAIL_ROLE,
    GENERATION_ID_ROLE,
    GENERATION_ROLE,
    IMAGE_ID_ROLE,
    KIND_ROLE,
    RECORD_ROLE,
    STARRED_ROLE,
    SWEEP_ID_ROLE,
    RowKind,
    Section,
    row_data,
)
from app.ui.gallery.section_rows import SectionRows

if TYPE_CHECKING:
    from app.storage.sweep_summary import SweepSummary

AnyIndex = QModelIndex | QPersistentModelIndex
__all__ = [
    "DETAIL_ROLE",
    "GENERATION_ID_ROLE",
    "GENERATION_ROLE",
    "IMAGE_ID_ROLE",
    "KIND_ROLE",
    "RECORD_ROLE",
    "STARRED_ROLE",
    "SWEEP_ID_ROLE",
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


class GalleryModel(SectionRows):
    """Images grouped by generation, a sweep's cells under the sweep, newest group first, as a
    flat list for QListView."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._reset_index()

    # ---- order (newest or oldest group first) -------------------------------------------
    @property
    def newest_first(self) -> bool:
        return self._newest_first

    def set_newest_first(self, newest_first: bool) -> None:
        """Orders groups newest first (the default) or oldest first."""
        if newest_first == self._newest_first:
            return
        self.beginResetModel()
        self._newest_first = newest_first
        self._sections.sort(key=self._sort_key)
        self._keys = [self._sort_key(s) for s in self._sections]
        self._starts = None
        self.endResetModel()

    # ---- reading ------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        starts = self._row_starts()
        return starts[-1] if starts else 0

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        found = self.locate(index.row()) if index.isValid() else None
        return row_data(found[0], found[1], role) if found is not None else None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        found = self.locate(index.row()) if index.isValid() else None
        if found is None:
            return Qt.ItemFlag.NoItemFlags
        section, tile = found
        if tile is not None and tile.record is not None:
            return (
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
        if tile is None and section.sweep_id is not None:
            return Qt.ItemFlag.ItemIsEnabled  # the keyboard can reach it: Enter opens the grid
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
        """Replaces everything: ``records`` grouped under their generations or sweeps."""
        self.beginResetModel()
        self._sections.clear()
        self._section_of.clear()
        self._sweep_sections.clear()
        self._generation_of.clear()
        self._ids_by_path.clear()
        states = {g.id: g for g in generations}
        for record in records:
            section = self._section_of.get(record.generation_id)
            if section is None:
                state = states.get(record.generation_id)
                section = self._group_of(record.generation_id, state)
                if section is None:
                    section = self._new_section(record.generation_id, state, record.created_at)
                    self._register(section)
                    self._sections.append(section)
                self._join(section, record.generation_id, state)
            self._remember(record)
            section.tiles.append(self._tile(section, record))
        for section in self._sections:
            section.tiles.sort(key=lambda t: t.key)
            section._keys = None
        self._sections.sort(key=self._sort_key)
        self._keys = [self._sort_key(s) for s in self._sections]
        self._starts = None
        self.endResetModel()

    def add_images(
        self, records: Sequence[ImageRecord], generations: Iterable[GenerationState] = ()
    ) -> None:
        """Adds many images; a group not shown yet is inserted in one step."""
        states = {g.id: g for g in generations}
        fresh: dict[tuple[str, int], Section] = {}
        joining: dict[Section, dict[int, ImageRecord]] = {}
        for record in records:
            gid = record.generation_id
            state = states.get(gid)
            shown = self._group_of(gid, state)
            moved = shown is not None and state is not None and shown.sweep_id != state.sweep_id
            if record.id in self._generation_of or moved:
                self.add_image(record, state)
                continue
            if shown is not None:  # more cells of a sweep a page already showed
                joining.setdefault(shown, {})[record.id] = record
                continue
            sweep_id = state.sweep_id if state is not None else None
            key = ("g", gid) if sweep_id is None else ("s", sweep_id)
            section = fresh.get(key)
            if section is None:
                section = fresh[key] = self._new_section(gid, state, record.created_at)
            section.add_generation(gid, state)
            if record.id not in self._generation_of:
                self._remember(record)
                section.tiles.append(self._tile(section, record))
        for shown, joined in joining.items():
            self._join_many(shown, list(joined.values()), states)
        sections = sorted(fresh.values(), key=self._sort_key)
        for section in sections:
            section.tiles.sort(key=lambda t: t.key)
            section._keys = None
        if sections and (not self._keys or self._sort_key(sections[0]) > self._keys[-1]):
            self._append_sections(sections)  # the next page of a library load: one insert
            return
        for section in sections:
            self._insert_section(section)

    def add_image(self, record: ImageRecord, state: GenerationState | None = None) -> int:
        """Shows ``record`` (filling its placeholder if there is one); returns its row."""
        if record.id in self._generation_of:
            self.update_image(record)
        else:
            self._insert_image(record, state)
        if state is not None:
            self.set_generation(state, sync_images=False)
        return self.row_of_image(record.id)

    def set_generation(self, state: GenerationState, *, sync_images: bool = True) -> None:
        """Shows or refreshes a generation: its header, grey slots while it runs, its images."""
        section = self._section_of.get(state.id)
        if section is not None and section.sweep_id != state.sweep_id:
            self._move_generation(section, state)  # it turned out to be a sweep's cell
            section = self._section_of.get(state.id)
        if section is None:
            if state.is_final and not state.images:
                return
            section = self._section_for(state.id, state, state.created_at)
        else:
            section.add_generation(state.id, state)
            row = self._start_of(section)
            self.dataChanged.emit(self.index(row), self.index(row))
        if sync_images:
            for record in state.images:
                if record.id not in self._generation_of:
                    self.add_image(record)
        self._sync_placeholders(section, state.id)

    def set_sweeps(self, summaries: Iterable[SweepSummary]) -> None:
        """What is known of these sweeps: their sections' headers show it."""
        for summary in summaries:
            self._sweeps[summary.id] = summary
            section = self._sweep_sections.get(summary.id)
            if section is None:
                continue
            section.sweep = summary
            if section.created_at != summary.created_at:
                self._resort(section, summary.created_at)
            row = self._start_of(section)
            self.dataChanged.emit(self.index(row), self.index(row))

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
        """Removes images (and groups left empty); returns the records removed."""
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
            section.pop(row - self._start_of(section) - 1)
            self._starts = None
            self.endRemoveRows()
            if not section.tiles:
                self._remove_section(section)
        return removed
