"""The gallery over the history database: filtered pages loaded off-thread, delete and undo,
the disk thumbnail cache (export: export_flow; the spend figure: spend_flow)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QMessageBox, QStatusBar

from app.services.events import ImageRecord, SweepState
from app.services.library import PAGE_SIZE, ImageFilter
from app.ui.flows.culling_flow import CullingFlow
from app.ui.flows.export_flow import ExportFlow
from app.ui.flows.library_filter import live_filter, money, spend_text
from app.ui.flows.spend_flow import SpendFlow
from app.ui.gallery.filter_bar import GalleryFilterBar
from app.ui.gallery.view import EMPTY_TEXT, LOADING_TEXT
from app.ui.session import UiSession

if TYPE_CHECKING:
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio
    from app.storage.thumbcache import ThumbCache
    from app.ui.dialogs.export_dialog import ExportDialog
    from app.ui.gallery.gallery import Gallery
    from app.ui.viewer.viewer import CompareView, ImageViewer

log = logging.getLogger(__name__)
__all__ = ["LibraryFlow", "live_filter", "money", "spend_text"]  # the filter's home: library_filter

FIRST_PAGE = 200  # small, so the first screen fills at once; then pages double up to
MAX_PAGE = 4 * PAGE_SIZE


class LibraryFlow(QObject):
    """Binds the gallery, its filter bar and the spend label to the studio's library."""

    undo_changed = Signal()  # whether Undo delete can run changed

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        viewer: ImageViewer,
        compare: CompareView,
        status_bar: QStatusBar,
        *,
        show_gallery: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.gallery = gallery
        self.viewer, self.compare = viewer, compare
        self._show_gallery = show_gallery
        self.studio: Studio | None = None
        self.spec: ConnectionSpec | None = None
        self.thumbs: ThumbCache | None = None
        self.query = ImageFilter()
        self.loading = False
        self.total: int | None = None
        self._epoch = 0
        self._pruned = False
        self._dialogs: list[object] = []
        self._deleted: set[int] = set()  # kept out of pages read before the delete landed

        self.filter_bar = GalleryFilterBar()
        column = self.gallery.layout()
        if isinstance(column, QBoxLayout):
            column.insertWidget(0, self.filter_bar)
        self.filter_bar.filter_changed.connect(self._on_filter_bar_filter_changed)
        # Ctrl+F finds in the panel that has the focus: here, the gallery and its bar.
        self.filter_bar.find_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.gallery.addAction(self.filter_bar.find_action)
        self.culling = CullingFlow(
            session,
            gallery,
            self.filter_bar,
            studio=lambda: self.studio,
            request_delete=self.request_delete,
            parent=self,
        )
        self.exports = ExportFlow(session, gallery, studio=lambda: self.studio, parent=self)
        self.spending = SpendFlow(
            session, status_bar, studio=lambda: self.studio, spec=lambda: self.spec, parent=self
        )
        self.spend_label = self.spending.label

        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(150)
        self._count_timer.timeout.connect(self._refresh_count)
        model = self.gallery.model
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._schedule_count)
        self.gallery.delete_requested.connect(self.request_delete)
        session.image_stored.connect(self._on_session_image_stored)
        session.sweep_changed.connect(self._on_session_sweep_changed)

    # -- binding -------------------------------------------------------------------------

    def bind(self, studio: Studio, spec: ConnectionSpec) -> None:
        """Starts loading the gallery from the database; returns at once."""
        from app.storage.thumbcache import ThumbCache  # PIL loads after the first paint

        self.studio, self.spec = studio, spec
        self.thumbs = ThumbCache(self.session.paths.thumbnails_dir(spec.demo))
        self.gallery.loader.set_source_resolver(self.thumbs.source_for, self.thumbs.make_wanted)
        self._pruned = False
        self._deleted = set()
        self._update_undo()
        self.culling.restore()
        self.reload()
        self.refresh_spend()

    def unbind(self) -> None:
        self._epoch += 1
        self.studio = self.spec = None
        self.loading = False
        self.gallery.loader.set_source_resolver(None)
        self.spend_label.setText("")
        self._update_undo()

    def reload(self) -> None:
        """Empties the gallery and loads the current query page by page, off the GUI thread."""
        self._epoch += 1
        self.gallery.set_images([])
        self.gallery.set_newest_first(self.query.newest_first)
        self.gallery.set_live_filter(live_filter(self.query, self._sweep_title))
        if self.studio is None:
            return
        self.loading, self.total = True, None
        self._update_empty_text()
        self.session.spawn(self._load(self._epoch, self.studio, self.query), name="gallery-load")

    async def _load(self, epoch: int, studio: Studio, query: ImageFilter) -> None:
        try:
            await self._load_pages(epoch, studio, query)
            if not self._pruned and self.thumbs is not None and epoch == self._epoch:
                self._pruned = True
                keep = await studio.visible_sha256()
                removed = await self.session.io(self.thumbs.prune, keep)
                if removed:
                    log.info("removed %d unused thumbnails", removed)
        except Exception:
            if epoch != self._epoch or self.studio is not studio:
                return  # the studio closed under us (a switch of mode): nothing to show
            raise
        finally:
            if epoch == self._epoch:
                self.loading = False
                self._refresh_count()
                self._update_empty_text()

    async def _load_pages(self, epoch: int, studio: Studio, query: ImageFilter) -> None:
        cursor, limit, first = None, FIRST_PAGE, True
        while True:
            page = await studio.page(query, cursor, limit)
            if epoch != self._epoch:
                return
            images = [r for r in page.images if r.id not in self._deleted]
            if self.thumbs is not None:
                self.thumbs.remember_many((r.path, r.sha256) for r in images)
            self.gallery.model.set_sweeps(page.sweeps)  # first: their sections take their names
            self.gallery.add_images(images, page.generations)
            if first:
                first = False
                self.total = await studio.count(query)
                if epoch != self._epoch:
                    return
                for state in studio.running():  # running work shows its grey slots
                    if not state.images:
                        self.gallery.add_generation_placeholder(state)
            self._refresh_count()
            if page.cursor is None:
                return
            # Growing pages: each one costs the view a relayout of everything shown.
            cursor, limit = page.cursor, min(limit * 2, MAX_PAGE)
            await asyncio.sleep(0)  # let the window paint between pages

    def _update_empty_text(self) -> None:
        """An empty gallery says why: still loading, nothing matching, or nothing made yet."""
        query = self.query
        if self.loading:
            text = LOADING_TEXT
        elif query.text:
            text = f"Nothing matches '{query.text}'."
        elif query.rejected:
            text = "No rejected images.\nPress X on an image to mark it as a reject."
        elif query.starred_only:
            text = "No starred images here.\nPress S on an image to star it."
        elif query.is_filtered:
            text = "Nothing to show with this filter."
        else:
            text = EMPTY_TEXT
        self.gallery.view.set_empty_text(text)

    def _schedule_count(self, *_args: object) -> None:
        if not self._count_timer.isActive():  # a burst of changes: count once at its end
            self._count_timer.start()

    def _refresh_count(self) -> None:
        shown = len(self.gallery.image_ids())
        total = self.total if self.loading else None
        self.filter_bar.set_count(shown, total, self.loading)

    def _on_filter_bar_filter_changed(self, query: ImageFilter) -> None:
        only_order = (query.text, query.starred_only, query.rejected) == (
            self.query.text,
            self.query.starred_only,
            self.query.rejected,
        )
        self.query = query
        if only_order and not self.loading:
            self.gallery.set_newest_first(query.newest_first)  # everything is here: re-sort
            return
        self.reload()

    def _on_session_image_stored(self, record: ImageRecord) -> None:
        if self.thumbs is not None:
            self.thumbs.remember(record.path, record.sha256, fresh=True)
        self._schedule_count()  # an image filled a grey slot: no rows were inserted

    def _on_session_sweep_changed(self, state: SweepState) -> None:
        """Keeps a sweep's section header in step: cells done, spent, running or stopped."""
        model = self.gallery.model
        known = model.sweep(state.id)
        if known is not None:
            model.set_sweeps(
                [known.with_progress(
                    done=state.done, spent=state.spent, state=state.state, tasks=state.tasks
                )]
            )  # fmt: skip
            return
        runner = self.session.sweeps
        summary = runner.summary(state.id) if runner is not None else None
        if summary is not None:
            model.set_sweeps([summary])

    def _sweep_title(self, sweep_id: int) -> str:
        summary = self.gallery.model.sweep(sweep_id)
        return summary.title if summary is not None else ""

    # -- spend ---------------------------------------------------------------------------

    def refresh_spend(self) -> None:
        self.spending.refresh()

    # -- delete and undo -----------------------------------------------------------------

    def request_delete(self, image_ids: list[int]) -> None:
        """Asks first (a non-blocking box), then deletes files and rows together."""
        if not image_ids or self.studio is None:
            return
        n = len(image_ids)
        box = QMessageBox(self.gallery.window())
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete images?")
        box.setText(f"Delete {n:,} image{'s' if n != 1 else ''} from the library?")
        box.setInformativeText(
            "The files and their history entries are removed together. Until you close "
            "Wiro Studio, Edit → Undo delete (Ctrl+Z) brings them back."
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        ids = list(image_ids)

        def on_finished() -> None:
            self._dialogs.remove(box)
            if box.clickedButton() is delete:
                self.session.spawn(self.delete(ids), name="delete")

        box.finished.connect(on_finished)
        self._dialogs.append(box)
        self.delete_box = box
        box.open()

    async def delete(self, image_ids: list[int]) -> None:
        studio = self.studio
        if studio is None:
            return
        batch = await studio.delete_images(image_ids)
        if batch is None:
            return
        gone = set(batch.ids)
        self._deleted |= gone
        self.gallery.culling.forget()  # Ctrl+Z now means Undo delete
        if self.viewer.current_id() in gone or any(
            r is not None and r.id in gone for r in self.compare.records()
        ):
            self._show_gallery()
        self.gallery.remove_images(batch.ids)
        self._update_undo()
        n = len(batch.ids)
        self.session.notify(
            f"Deleted {n} image{'s' if n != 1 else ''}. Edit → Undo delete brings "
            f"{'them' if n != 1 else 'it'} back until Wiro Studio closes."
        )

    def undo_delete(self) -> None:
        if self.studio is not None and self.studio.can_undo_delete:
            self.session.spawn(self._undo(self.studio), name="undo-delete")

    async def _undo(self, studio: Studio) -> None:
        batch = await studio.undo_delete()
        self._update_undo()
        if batch is None:
            return
        self._deleted -= set(batch.ids)
        for record in batch.images:
            self.gallery.loader.forget(record.path)
        self.gallery.add_images(list(batch.images), batch.generations)
        self.gallery.select_images(batch.ids)
        n = len(batch.ids)
        self.session.notify(f"Restored {n} image{'s' if n != 1 else ''}")

    @property
    def can_undo(self) -> bool:
        return self.studio is not None and self.studio.can_undo_delete

    def _update_undo(self) -> None:
        self.undo_changed.emit()

    # -- export (ExportFlow) -------------------------------------------------------------

    def export_selected(self) -> None:
        self.export(self.gallery.selected_image_ids())

    def export(self, image_ids: list[int]) -> None:
        self.exports.export(image_ids)

    @property
    def export_dialog(self) -> ExportDialog:
        """The last Export dialog opened; AttributeError until one is (as before the split)."""
        return self.exports.export_dialog
