"""What the gallery model knows, and how a row is found: its groups (a generation, or a sweep
with its cells), their tiles, and the lookups between rows, images and generations."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from app.core.lineage import placed_beside
from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.rows import RowKind, Section, Tile, tile_aspect

if TYPE_CHECKING:
    from app.storage.sweep_summary import SweepSummary


class SectionIndex:
    """The gallery model's groups and lookups, apart from Qt's change notifications."""

    _sections: list[Section]
    _keys: list[tuple[float, int]]  # sort keys of _sections, for bisect
    _section_of: dict[int, Section]  # generation id -> the section showing it
    _sweep_sections: dict[int, Section]  # sweep id -> its section
    _sweeps: dict[int, SweepSummary]  # what is known of sweeps (kept on reload)
    _generation_of: dict[int, int]  # image id -> generation id
    _ids_by_path: dict[str, set[int]]
    _starts: list[int] | None  # first row of each section, then the row count
    _positions: dict[Section, int]  # section -> index in _sections
    _newest_first: bool

    def _reset_index(self) -> None:
        self._sections, self._keys = [], []
        self._section_of, self._sweep_sections, self._sweeps = {}, {}, {}
        self._generation_of, self._ids_by_path = {}, {}
        self._starts, self._positions = None, {}
        self._newest_first = True

    def _sort_key(self, section: Section) -> tuple[float, int]:
        key = section.sort_key()
        return key if self._newest_first else (-key[0], -key[1])

    def _row_starts(self) -> list[int]:
        if self._starts is None:
            starts, total = [], 0
            for section in self._sections:
                starts.append(total)
                total += 1 + len(section.tiles)
            starts.append(total)
            self._starts = starts
            self._positions = {s: i for i, s in enumerate(self._sections)}
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
        section = self._section_of.get(generation_id)
        return section.states.get(generation_id) if section else None

    def _start_of(self, section: Section) -> int:
        return self._row_starts()[self._positions[section]]

    def header_row(self, generation_id: int) -> int:
        """The header row of the section showing this generation (its sweep's, for a cell)."""
        section = self._section_of.get(generation_id)
        return -1 if section is None else self._start_of(section)

    def sweep_header_row(self, sweep_id: int) -> int:
        section = self._sweep_sections.get(sweep_id)
        return -1 if section is None else self._start_of(section)

    def sweep_at(self, row: int) -> int | None:
        """The sweep whose section holds ``row`` (its header or a cell's image), else None."""
        found = self.locate(row)
        return found[0].sweep_id if found is not None else None

    def sweep(self, sweep_id: int) -> SweepSummary | None:
        return self._sweeps.get(sweep_id)

    def row_of_image(self, image_id: int) -> int:
        generation_id = self._generation_of.get(image_id)
        if generation_id is None:
            return -1
        section = self._section_of[generation_id]
        start = self._start_of(section)
        for pos in section.span(generation_id):
            record = section.tiles[pos].record
            if record is not None and record.id == image_id:
                return start + 1 + pos
        return -1

    def rows_for_path(self, path: str) -> list[int]:
        return [self.row_of_image(i) for i in self._ids_by_path.get(path, ())]

    def image_ids(self, generation_id: int | None = None) -> list[int]:
        """Image ids in display order, optionally of one generation only."""
        if generation_id is None:
            return [t.record.id for s in self._sections for t in s.tiles if t.record is not None]
        section = self._section_of.get(generation_id)
        if section is None:
            return []
        tiles = (section.tiles[p] for p in section.span(generation_id))
        return [t.record.id for t in tiles if t.record is not None]

    def sweep_image_ids(self, sweep_id: int) -> list[int]:
        section = self._sweep_sections.get(sweep_id)
        tiles = section.tiles if section is not None else []
        return [t.record.id for t in tiles if t.record is not None]

    def generation_ids(self) -> list[int]:
        """The generations shown, in display order (a sweep's in grid order)."""
        out: list[int] = []
        for section in self._sections:
            if section.sweep_id is None:
                out.append(section.generation_id)
            else:
                cells = section.cells
                out += sorted(section.states, key=lambda g: (cells.get(g, 0), g))
        return out

    def _group_of(self, generation_id: int, state: GenerationState | None) -> Section | None:
        """The section already showing this generation or its sweep."""
        section = self._section_of.get(generation_id)
        if section is None and state is not None and state.sweep_id is not None:
            section = self._sweep_sections.get(state.sweep_id)
        return section

    def _join(self, section: Section, gid: int, state: GenerationState | None) -> None:
        section.add_generation(gid, state)
        self._section_of[gid] = section

    def _tile(self, section: Section, record: ImageRecord) -> Tile:
        cell = section.cells.get(record.generation_id, 0)
        return Tile(record.index, record, record.generation_id, cell)

    def _new_section(
        self, generation_id: int, state: GenerationState | None, when: float
    ) -> Section:
        created = state.created_at if state and state.created_at else when
        if state is not None and state.sweep_id is not None:
            sweep = self._sweeps.get(state.sweep_id)
            created = sweep.created_at if sweep is not None else created
            return Section(generation_id, created, sweep_id=state.sweep_id, sweep=sweep)
        beside = placed_beside(state.operation) if state is not None else None
        created = beside if beside is not None else created  # a derived image by its source
        return Section(generation_id, created)

    def _register(self, section: Section) -> None:
        for gid in section.states:
            self._section_of[gid] = section
        if section.sweep_id is not None:
            self._sweep_sections[section.sweep_id] = section

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
