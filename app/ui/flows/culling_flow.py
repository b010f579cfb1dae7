"""The gallery's culling and view choices over the studio and the settings: reject marks
stored, "Delete rejected…", the tile size, grouping and advance-after-mark remembered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.ui.gallery.filter_bar import GalleryFilterBar
from app.ui.session import UiSession

if TYPE_CHECKING:  # the studio loads behind the first frame
    from app.services.studio import Studio
    from app.ui.gallery.gallery import Gallery


class CullingFlow(QObject):
    """Stores what the gallery's culling keys and view controls change."""

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        filter_bar: GalleryFilterBar,
        *,
        studio: Callable[[], Studio | None],
        request_delete: Callable[[list[int]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.gallery, self.filter_bar = session, gallery, filter_bar
        self._studio, self._request_delete = studio, request_delete
        filter_bar.tile_size_changed.connect(gallery.set_tile_size)
        gallery.view.tile_size_changed.connect(self._on_gallery_tile_size_changed)
        gallery.reject_toggled.connect(self._on_gallery_reject_toggled)
        gallery.delete_rejected_requested.connect(self.request_delete_rejected)
        gallery.advance_action.toggled.connect(self._on_gallery_advance_toggled)
        gallery.group_action.toggled.connect(self._on_gallery_group_toggled)

    def restore(self) -> None:
        """Shows the remembered tile size, grouping and advance-after-mark."""
        settings = self.session.settings
        if settings.gallery_tile_size:
            self.gallery.set_tile_size(settings.gallery_tile_size)
        self.filter_bar.set_tile_size(self.gallery.tile_size())
        self.gallery.advance_action.setChecked(settings.advance_after_mark)
        self.gallery.group_action.setChecked(settings.gallery_grouped)

    def _on_gallery_tile_size_changed(self, side: int) -> None:
        self.session.settings.gallery_tile_size = side
        self.filter_bar.set_tile_size(side)

    def _on_gallery_advance_toggled(self, on: bool) -> None:
        self.session.settings.advance_after_mark = on

    def _on_gallery_group_toggled(self, on: bool) -> None:
        self.session.settings.gallery_grouped = on

    def _on_gallery_reject_toggled(self, image_ids: list[int], rejected: bool) -> None:
        if (studio := self._studio()) is not None:
            self.session.spawn(studio.set_rejected(image_ids, rejected), name="reject")

    def request_delete_rejected(self) -> None:
        """ "Delete rejected…": every image marked X, asked first, undoable like any delete."""
        studio = self._studio()
        if studio is None:
            return

        async def find() -> None:
            ids = await studio.rejected_ids()
            if self._studio() is not studio:
                return
            if ids:
                self._request_delete(ids)
            else:
                self.session.notify("No rejected images to delete. X marks an image as a reject.")

        self.session.spawn(find(), name="delete-rejected")
