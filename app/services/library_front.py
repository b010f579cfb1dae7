"""The part of Studio the UI's gallery and library use, so ui/ never reaches past Studio."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.services.events import GenerationState
from app.services.ledger import Ledger
from app.services.library import DeleteBatch, ImageFilter, Library, LibraryPage, PageCursor, Spend
from app.services.saving import ImageSaver


class LibraryFront:
    """Mixed into Studio: pages, counts, spend, delete/undo and saving settings."""

    ledger: Ledger
    library: Library
    saver: ImageSaver

    def configure_saving(self, auto_save_dir: Path | None, filename_template: str) -> None:
        self.saver.auto_save_dir, self.saver.filename_template = auto_save_dir, filename_template

    def running(self) -> list[GenerationState]:
        return [s for s in self.ledger.all() if not s.is_final]

    async def page(self, query: ImageFilter, cursor: PageCursor | None, limit: int) -> LibraryPage:
        return await self.library.page(query, cursor, limit)

    async def count(self, query: ImageFilter) -> int:
        return await self.library.count(query)

    async def spend(self) -> Spend:
        return await self.library.spend()

    async def visible_sha256(self) -> set[str]:
        return await self.library.visible_sha256()

    @property
    def can_undo_delete(self) -> bool:
        return self.library.can_undo

    async def set_rejected(self, image_ids: Iterable[int], rejected: bool) -> None:
        ids = list(image_ids)
        await self.ledger.db(self.ledger.history.set_rejected, ids, rejected)

    async def delete_images(self, image_ids: Iterable[int]) -> DeleteBatch | None:
        return await self.library.delete(image_ids)

    async def undo_delete(self) -> DeleteBatch | None:
        return await self.library.undo_delete()

    async def check_storage(self) -> None:
        """Notices a deleted profile or library folder (on focus), recreates what it can."""
        await self.ledger.check_storage()
