"""The gallery model's row edits: sections and tiles inserted, removed, moved or re-sorted, each
change announced to Qt's views in as few steps as it can."""

from __future__ import annotations

import bisect
import itertools

from PySide6.QtCore import QAbstractListModel, QModelIndex

from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.rows import Section, Tile
from app.ui.gallery.sections import SectionIndex


class SectionRows(SectionIndex, QAbstractListModel):
    """Changes the section structure and tells the views: the base of GalleryModel."""

    def _section_for(self, gid: int, state: GenerationState | None, when: float) -> Section:
        """The section to show this generation in, inserted if it is new."""
        section = self._group_of(gid, state)
        if section is None:
            section = self._new_section(gid, state, when)
            self._insert_section(section)
        self._join(section, gid, state)
        return section

    def _insert_section(self, section: Section) -> None:
        pos = bisect.bisect_left(self._keys, self._sort_key(section))
        row = self._row_starts()[pos]
        self.beginInsertRows(QModelIndex(), row, row + len(section.tiles))
        self._sections.insert(pos, section)
        self._keys.insert(pos, self._sort_key(section))
        self._register(section)
        self._starts = None
        self.endInsertRows()

    def _remove_section(self, section: Section) -> None:
        row = self._start_of(section)
        self.beginRemoveRows(QModelIndex(), row, row + len(section.tiles))
        del self._keys[self._positions[section]]
        self._sections.remove(section)
        for gid in section.states:
            if self._section_of.get(gid) is section:
                del self._section_of[gid]
        if section.sweep_id is not None and self._sweep_sections.get(section.sweep_id) is section:
            del self._sweep_sections[section.sweep_id]
        self._starts = None
        self.endRemoveRows()
        for tile in section.tiles:
            if tile.record is not None:
                self._forget(tile.record)

    def _resort(self, section: Section, created_at: float) -> None:
        """Moves a section to where ``created_at`` puts it (a sweep learned its start)."""
        self._remove_section(section)
        section.created_at = created_at
        for tile in section.tiles:
            if tile.record is not None:
                self._remember(tile.record)
        self._insert_section(section)

    def _move_generation(self, section: Section, state: GenerationState) -> None:
        """Takes a generation out of its section, to show it again where ``state`` says."""
        span = section.span(state.id)
        records = [t.record for t in section.tiles[span.start : span.stop] if t.record]
        if span:
            start = self._start_of(section)
            self.beginRemoveRows(QModelIndex(), start + 1 + span.start, start + span.stop)
            for pos in reversed(span):
                self._forget(section.pop(pos).record)
            self._starts = None
            self.endRemoveRows()
        section.states.pop(state.id, None)
        section.cells.pop(state.id, None)
        if self._section_of.get(state.id) is section:
            del self._section_of[state.id]
        if not section.tiles:
            self._remove_section(section)
        for record in records:
            self._insert_image(record, state)

    def _append_sections(self, sections: list[Section]) -> None:
        first = self.rowCount()
        added = sum(1 + len(s.tiles) for s in sections)
        self.beginInsertRows(QModelIndex(), first, first + added - 1)
        for section in sections:
            self._sections.append(section)
            self._keys.append(self._sort_key(section))
            self._register(section)
        self._starts = None
        self.endInsertRows()

    def _insert_image(self, record: ImageRecord, state: GenerationState | None) -> None:
        section = self._section_for(record.generation_id, state, record.created_at)
        key = section.key_for(record.generation_id, record.index)
        pos = section.position(key)
        self._remember(record)
        start = self._start_of(section)
        row = start + 1 + pos
        if pos < len(section.tiles) and section.tiles[pos].key == key:
            self._forget(section.tiles[pos].record)
            section.tiles[pos].record = record
            self.dataChanged.emit(self.index(row), self.index(row))
        else:
            self.beginInsertRows(QModelIndex(), row, row)
            section.insert(pos, self._tile(section, record))
            self._starts = None
            self.endInsertRows()
        self.dataChanged.emit(self.index(start), self.index(start))

    def _join_many(
        self, section: Section, records: list[ImageRecord], states: dict[int, GenerationState]
    ) -> None:
        """Adds images to a shown section in one insert per contiguous run (a sweep split over
        two pages: one), never one per image: each insert above the view's top relayouts it."""
        for record in records:
            self._join(section, record.generation_id, states.get(record.generation_id))
        have, tiles = set(section.keys()), []
        for record in records:
            tile = self._tile(section, record)
            if tile.key in have:
                self._insert_image(record, states.get(record.generation_id))  # a grey slot
            else:
                self._remember(record)
                tiles.append(tile)
        old, start, shift = section.keys(), self._start_of(section), 0
        tiles.sort(key=lambda t: t.key)
        for at, run in itertools.groupby(tiles, key=lambda t: bisect.bisect_left(old, t.key)):
            batch = list(run)
            first = start + 1 + at + shift
            self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
            section.tiles[at + shift : at + shift] = batch
            section._keys, self._starts = None, None
            self.endInsertRows()
            shift += len(batch)
        for gid in {r.generation_id for r in records}:
            self._sync_placeholders(section, gid)
        self.dataChanged.emit(self.index(start), self.index(start))

    def _sync_placeholders(self, section: Section, generation_id: int) -> None:
        state = section.states.get(generation_id)
        start = self._start_of(section)
        if state is None or state.is_final:
            for pos in reversed(section.span(generation_id)):
                if section.tiles[pos].record is None:
                    self.beginRemoveRows(QModelIndex(), start + 1 + pos, start + 1 + pos)
                    section.pop(pos)
                    self._starts = None
                    self.endRemoveRows()
            if not section.tiles and state is not None:
                self._remove_section(section)
            return
        have = {section.tiles[p].index for p in section.span(generation_id)}
        for index in range(state.expected_images):
            if index not in have:
                tile = Tile(index, None, generation_id, section.cells.get(generation_id, 0))
                pos = section.position(tile.key)
                self.beginInsertRows(QModelIndex(), start + 1 + pos, start + 1 + pos)
                section.insert(pos, tile)
                self._starts = None
                self.endInsertRows()
        for pos in section.span(generation_id):
            if section.tiles[pos].record is None:
                row = start + 1 + pos
                self.dataChanged.emit(self.index(row), self.index(row))
