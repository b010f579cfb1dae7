"""The library as the gallery sees it: filtered pages, delete with undo, and the spend figures.

Deleted files wait in a trash folder inside the library until the app closes (or, after a
crash, until the next start); only then are they removed. Their rows stay, marked deleted,
so the history of generations and costs is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from app.services.events import GenerationState, ImageRecord
from app.services.ledger import Ledger
from app.services.state import generation_state
from app.storage.history import GenerationRow, HistoryStore
from app.storage.history_queries import ImageFilter, PageCursor
from app.storage.sweep_summary import SweepSummary, read_summaries
from app.storage.sweeps import SweepStore

log = logging.getLogger(__name__)

TRASH_DIR_NAME = ".trash"
PAGE_SIZE = 500
T = TypeVar("T")

__all__ = ["DeleteBatch", "ImageFilter", "Library", "LibraryPage", "PageCursor", "Spend"]


@dataclass(frozen=True)
class LibraryPage:
    """One page of visible images in display order, with their generations and sweeps."""

    images: list[ImageRecord]
    generations: list[GenerationState]
    cursor: PageCursor | None  # pass back for the next page; None when this was the last
    sweeps: list[SweepSummary] = field(default_factory=list)  # those its generations are in


@dataclass(frozen=True)
class DeleteBatch:
    """Images deleted together; undo restores them together."""

    images: tuple[ImageRecord, ...]
    generations: tuple[GenerationState, ...] = ()

    @property
    def ids(self) -> list[int]:
        return [r.id for r in self.images]


@dataclass(frozen=True)
class Spend:
    """What generations cost (Wiro's totalcost, USD) since local midnight and this month."""

    today: float
    month: float


def trash_name(row: ImageRecord) -> str:
    return f"{row.id}-{row.path.name}"


class Library:
    """Qt-free queries and changes for the gallery; database work runs on the ledger's thread."""

    def __init__(self, ledger: Ledger, library_dir: Path, io_executor: Executor) -> None:
        self.ledger = ledger
        self.library_dir = Path(library_dir)
        self.trash_dir = self.library_dir / TRASH_DIR_NAME
        self.io = io_executor
        self._undo: list[DeleteBatch] = []

    @property
    def history(self) -> HistoryStore:
        return self.ledger.history

    # -- reading -------------------------------------------------------------------------

    async def page(
        self, query: ImageFilter, after: PageCursor | None = None, limit: int = PAGE_SIZE
    ) -> LibraryPage:
        """The next ``limit`` images matching ``query``; their generations become known to the
        studio (so reuse, captions and export work for images of any age)."""

        def read() -> tuple[
            list[ImageRecord], PageCursor | None, list[GenerationRow], list[ImageRecord]
        ]:
            rows, cursor = self.history.image_page(query, after, limit)
            ids = {r.generation_id for r in rows}
            unknown = [g for g in ids if self.ledger.get(g) is None]
            generations = self.history.generations_by_ids(unknown)
            siblings = self.history.images_of_generations(unknown)
            return rows, cursor, generations, siblings

        rows, cursor, generations, siblings = await self.ledger.db(read)
        by_generation: dict[int, list[ImageRecord]] = {}
        for image in siblings:
            by_generation.setdefault(image.generation_id, []).append(image)
        for row in generations:
            if self.ledger.get(row.id) is None:
                self.ledger.remember(generation_state(row, by_generation.get(row.id, [])))
        states = {}
        for image in rows:
            state = self.ledger.get(image.generation_id)
            if state is not None:
                states[state.id] = state
        more = cursor if len(rows) >= limit else None
        sweep_ids = {s.sweep_id for s in states.values() if s.sweep_id is not None}
        sweeps = await self.sweeps(sweep_ids) if sweep_ids else []
        return LibraryPage(list(rows), list(states.values()), more, sweeps)

    async def sweeps(self, sweep_ids: Iterable[int]) -> list[SweepSummary]:
        """What the gallery's sections show of these sweeps (their cells' progress counted)."""
        return await self.ledger.db(read_summaries, SweepStore(self.history), list(sweep_ids))

    async def count(self, query: ImageFilter) -> int:
        return await self.ledger.db(self.history.count_matching, query)

    async def spend(self, now: float | None = None) -> Spend:
        """Spend since local midnight and since the first of this month."""
        when = datetime.fromtimestamp(self.ledger.clock() if now is None else now)
        midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
        first = midnight.replace(day=1)

        def read() -> Spend:
            return Spend(
                today=self.history.spend_since(midnight.timestamp()),
                month=self.history.spend_since(first.timestamp()),
            )

        return await self.ledger.db(read)

    async def visible_sha256(self) -> set[str]:
        return await self.ledger.db(self.history.visible_sha256)

    # -- culling -------------------------------------------------------------------------

    async def set_rejected(self, image_ids: Iterable[int], rejected: bool) -> None:
        await self.ledger.db(self.history.set_rejected, list(image_ids), rejected)

    async def rejected_ids(self) -> list[int]:
        return await self.ledger.db(self.history.rejected_ids)

    # -- delete and undo -----------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    async def delete(self, image_ids: Iterable[int]) -> DeleteBatch | None:
        """Moves the files to the trash, then marks the rows deleted; undoable until closing."""
        rows = [r for r in await self.ledger.db(self.history.images_by_ids, image_ids)]
        rows = [r for r in rows if not r.deleted]
        if not rows:
            return None
        moved = await self._in_io(self._move_to_trash, rows)
        if not moved:
            return None
        await self.ledger.db(self.history.set_deleted, [r.id for r in moved], True)
        records = tuple(moved)
        gone = {r.id for r in records}
        for gid in {r.generation_id for r in records}:
            state = self.ledger.get(gid)
            if state is not None:
                kept = tuple(i for i in state.images if i.id not in gone)
                self.ledger.remember(dataclasses.replace(state, images=kept))
        batch = DeleteBatch(records)
        self._undo.append(batch)
        if len(moved) < len(rows):
            self.ledger.notice(
                f"{len(rows) - len(moved)} image(s) could not be moved to the trash and were kept.",
                "warning",
            )
        return batch

    async def undo_delete(self) -> DeleteBatch | None:
        """Restores the most recent deletion: rows first, then the files back in place."""
        if not self._undo:
            return None
        batch = self._undo.pop()
        await self.ledger.db(self.history.set_deleted, batch.ids, False)
        rows = await self.ledger.db(self.history.images_by_ids, batch.ids)
        await self._in_io(self._restore_from_trash, rows)
        states = []
        for gid in dict.fromkeys(r.generation_id for r in batch.images):
            state = self.ledger.get(gid)
            if state is None:
                continue
            have = {i.id for i in state.images}
            extra = [r for r in batch.images if r.generation_id == gid and r.id not in have]
            images = tuple(sorted((*state.images, *extra), key=lambda i: i.index))
            state = dataclasses.replace(state, images=images)
            self.ledger.remember(state)
            states.append(state)
        return DeleteBatch(batch.images, tuple(states))

    async def settle_trash(self) -> int:
        """Empties the trash for good (at close, and at start after a crash); returns the
        number of files removed. Files whose rows are not deleted go back in place."""
        self._undo.clear()
        if not await self._in_io(self.trash_dir.is_dir):
            return 0
        deleted = await self.ledger.db(self.history.deleted_images)
        names = await self._in_io(lambda: sorted(p.name for p in self.trash_dir.iterdir()))
        ids = [int(n.split("-", 1)[0]) for n in names if n.split("-", 1)[0].isdigit()]
        rows = {r.id: r for r in await self.ledger.db(self.history.images_by_ids, ids)}
        return await self._in_io(self._settle, names, rows, deleted)

    # -- file work (on the io executor) ---------------------------------------------------

    async def _in_io(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.io, fn, *args)

    def _move_to_trash(self, rows: Sequence[ImageRecord]) -> list[ImageRecord]:
        self.trash_dir.mkdir(parents=True, exist_ok=True)
        moved = []
        for row in rows:
            try:
                if row.path.exists():
                    os.replace(row.path, self.trash_dir / trash_name(row))
                moved.append(row)
            except OSError as exc:
                log.warning("could not move %s to the trash: %s", row.path, exc)
        return moved

    def _restore_from_trash(self, rows: Sequence[ImageRecord]) -> None:
        for row in rows:
            source = self.trash_dir / trash_name(row)
            if not source.exists():
                continue
            try:
                row.path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, row.path)
            except OSError as exc:
                log.warning("could not restore %s: %s", row.path, exc)

    def _settle(
        self, names: list[str], rows: dict[int, ImageRecord], deleted: list[ImageRecord]
    ) -> int:
        removed = 0
        for name in names:
            path = self.trash_dir / name
            head = name.split("-", 1)[0]
            row = rows.get(int(head)) if head.isdigit() else None
            try:
                if row is not None and not row.deleted and not row.path.exists():
                    row.path.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, row.path)
                    continue
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed += 1
            except OSError as exc:
                log.warning("could not empty %s from the trash: %s", path, exc)
        for row in deleted:  # a file written again for a deleted row
            with contextlib.suppress(OSError):
                if row.path.is_file() and self.library_dir in row.path.parents:
                    row.path.unlink()
                    removed += 1
        with contextlib.suppress(OSError):
            self.trash_dir.rmdir()
        return removed
