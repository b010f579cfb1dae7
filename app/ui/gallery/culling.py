"""Keyboard culling on the gallery: S stars, X rejects (X again or Ctrl+Z undoes), an optional
step to the next image after each mark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QItemSelectionModel, QObject, Signal

from app.services.events import ImageRecord
from app.ui.gallery.model import GalleryModel
from app.ui.gallery.view import GalleryView

MAX_UNDO = 200


@dataclass(frozen=True)
class Mark:
    """One keyboard mark, as it was before: what Ctrl+Z puts back."""

    kind: str  # "star" or "reject"
    before: tuple[tuple[int, bool], ...]  # (image id, previous value)


class Culling(QObject):
    """Applies star and reject marks to the selection, remembers them for undo, and announces
    each change (the library flow stores it)."""

    starred = Signal(list, bool)  # image ids, starred
    rejected = Signal(list, bool)  # image ids, rejected

    def __init__(self, model: GalleryModel, view: GalleryView, parent: QObject | None = None):
        super().__init__(parent)
        self._model = model
        self._view = view
        self._undo: list[Mark] = []
        self.advance_after_mark = False
        self.accepts: Callable[[ImageRecord], bool] | None = None
        """The shown filter: a mark that takes an image out of it hides its tile at once."""

    # ---- marks ------------------------------------------------------------------------
    def toggle_star(self, records: list[ImageRecord] | None = None) -> None:
        advance = records is None  # a key press, not a click on a tile's star
        records = self._view.selected_records() if records is None else records
        if not records:
            return
        value = not all(r.starred for r in records)
        self._apply("star", records, value, advance=advance)

    def toggle_reject(self) -> None:
        """X: rejects the selection, or takes the mark back when all of it is rejected."""
        records = self._view.selected_records()
        if not records:
            return
        value = not all(r.rejected for r in records)
        self._apply("reject", records, value)

    def set_rejected(self, image_ids: list[int], rejected: bool) -> None:
        """Marks images known to the gallery (the viewer's X lands here too; Ctrl+Z undoes)."""
        records = [r for r in (self._model.record(i) for i in image_ids) if r is not None]
        if records:
            self._apply("reject", records, rejected, advance=False)

    def set_starred(self, image_ids: list[int], starred: bool) -> None:
        """Stars images known to the gallery (the viewer's S lands here too; Ctrl+Z undoes)."""
        records = [r for r in (self._model.record(i) for i in image_ids) if r is not None]
        if records:
            self._apply("star", records, starred, advance=False)

    def _apply(
        self, kind: str, records: list[ImageRecord], value: bool, *, advance: bool = True
    ) -> None:
        before = tuple((r.id, r.starred if kind == "star" else r.rejected) for r in records)
        changed = [r for r, (_i, old) in zip(records, before, strict=True) if old != value]
        if not changed:
            return
        self._undo.append(Mark(kind, before))
        del self._undo[:-MAX_UNDO]
        last = records[-1].id
        self._set(kind, changed, value)
        hidden = self._view.isRowHidden(self._model.row_of_image(last))
        if hidden or (advance and self.advance_after_mark and len(records) == 1):
            self._step_to_next(last, back=hidden)

    def _set(self, kind: str, records: list[ImageRecord], value: bool) -> None:
        for record in records:
            if kind == "star":
                marked = replace(record, starred=value)
            else:
                marked = replace(record, rejected=value)
            self._model.update_image(marked)
            if self.accepts is not None:
                row = self._model.row_of_image(record.id)
                self._view.setRowHidden(row, not self.accepts(marked))
        ids = [r.id for r in records]
        (self.starred if kind == "star" else self.rejected).emit(ids, value)

    # ---- undo -------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        """Puts the last mark back; False when there is none."""
        if not self._undo:
            return False
        mark = self._undo.pop()
        for value in (True, False):
            ids = [i for i, old in mark.before if old == value]
            records = [r for r in (self._model.record(i) for i in ids) if r is not None]
            current = [r for r in records if (r.starred if mark.kind == "star" else r.rejected)
                       != value]  # fmt: skip
            if current:
                self._set(mark.kind, current, value)
        return True

    def forget(self) -> None:
        """Drops the undo list (the gallery was reloaded: its records are new)."""
        self._undo.clear()

    # ---- moving -----------------------------------------------------------------------
    def _step_to_next(self, image_id: int, *, back: bool = False) -> None:
        """Selects the next shown image (or, with ``back``, the previous one at the end)."""
        ids = self._model.image_ids()
        if image_id not in ids:
            return
        pos = ids.index(image_id)
        after = ids[pos + 1 :] + (ids[:pos][::-1] if back else [])
        rows = (self._model.row_of_image(i) for i in after)
        row = next((r for r in rows if not self._view.isRowHidden(r)), -1)
        if row < 0:
            return
        index = self._model.index(row)
        self._view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self._view.scrollTo(index)
