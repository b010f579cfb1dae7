"""What the gallery's image actions do: view, save, copy, open folder, reuse, star, compare."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QStackedWidget

from app.services.events import ImageRecord
from app.ui.flows import actions
from app.ui.session import UiSession
from app.ui.widgets.gallery_text import seed_label

if TYPE_CHECKING:
    from app.services.studio import Studio
    from app.ui.form.schema_form import SchemaForm
    from app.ui.gallery.gallery import Gallery
    from app.ui.viewer.viewer import CompareView, ImageViewer


class ImageActions(QObject):
    """Connects the gallery's and viewer's requests to the studio; never blocks, never exec()."""

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        viewer: ImageViewer,
        compare: CompareView,
        center: QStackedWidget,
        *,
        form: Callable[[], SchemaForm | None],
        export: Callable[[list[int]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.gallery, self.viewer, self.center = gallery, viewer, center
        self.compare_view = compare
        self._form = form
        self._export = export
        g = gallery
        g.image_activated.connect(self.view)
        g.save_requested.connect(self.save)
        g.save_all_requested.connect(self.save_generation)
        g.copy_requested.connect(self.copy)
        g.open_folder_requested.connect(self.open_folder)
        g.reuse_settings_requested.connect(self.reuse_settings)
        g.reuse_seed_requested.connect(self.reuse_seed)
        g.star_toggled.connect(self.star)
        g.compare_requested.connect(self.compare)
        viewer.next_requested.connect(lambda: self.step_viewer(1))
        viewer.previous_requested.connect(lambda: self.step_viewer(-1))

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self.session.spawn(coro, name=name)

    def _notice(self, text: str) -> None:
        self.session.notify(text)

    def _record(self, image_id: int) -> ImageRecord | None:
        return self.gallery.record(image_id)

    def caption(self, record: ImageRecord) -> str:
        studio = self.session.studio
        state = studio.generation(record.generation_id) if studio else None
        params = state.params if state else {}
        prompt = str(params.get("prompt", ""))[:120]
        seed = seed_label(record.seed, record.index, params)
        return f"{record.width}×{record.height} · {seed} · {prompt}"

    def view(self, image_id: int) -> None:
        record = self._record(image_id)
        if record is None:
            return
        viewer = self.viewer
        viewer.show_image(record, self.caption(record))
        self.center.setCurrentWidget(viewer)
        viewer.setFocus()

    def step_viewer(self, delta: int) -> None:
        ids = self.gallery.image_ids()
        current = self.viewer.current_id()
        if current not in ids:
            return
        index = ids.index(current) + delta
        if 0 <= index < len(ids):
            self.view(ids[index])

    def save(self, image_ids: list[int]) -> None:
        """One image: a Save As dialog; several: the export dialog (folder, template, strip)."""
        studio = self.session.studio
        if not image_ids or studio is None:
            return
        if len(image_ids) > 1:
            self._export(image_ids)
            return
        image_id = image_ids[0]
        record = self._record(image_id)
        if record is None:
            return
        self._spawn(self._save_as_dialog(studio, image_id, record), "save-dialog")

    async def _save_as_dialog(self, studio: Studio, image_id: int, record: ImageRecord) -> None:
        folder = self.session.output_dir()
        # Qt opens a missing folder at the process's working directory: make it first.
        await self.session.io(partial(folder.mkdir, parents=True, exist_ok=True))
        start = folder / (studio.default_stem(record) + record.path.suffix)
        dialog = QFileDialog(self.gallery.window(), "Save image", str(start), "PNG image (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(
            lambda path: self._spawn(
                self._saved(actions.save_as(studio, image_id, Path(path))), "save-as"
            )
        )
        dialog.open()

    def save_generation(self, generation_id: int) -> None:
        studio = self.session.studio
        state = studio.generation(generation_id) if studio else None
        if state is not None:
            self.save([i.id for i in state.images])

    async def _saved(self, coro: Any) -> None:
        result = await coro
        paths = result if isinstance(result, list) else [result] if result else []
        if paths:
            count = f"{len(paths)} image{'s' if len(paths) != 1 else ''}"
            self._notice(f"Saved {count} to {paths[0].parent}")

    def copy(self, image_id: int) -> None:
        if self.session.studio is not None:
            self._spawn(actions.copy_image(self.session.studio, image_id), "copy")
            self._notice("Image copied to the clipboard")

    def open_folder(self, image_id: int) -> None:
        record = self._record(image_id)
        if record is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(record.path.parent)))

    def reuse_settings(self, image_id: int) -> None:
        """Loads the task's parameters exactly (its seed fixed), so the batch can be redone."""
        record = self._record(image_id)
        studio, form = self.session.studio, self._form()
        state = studio.generation(record.generation_id) if record and studio else None
        if state is not None and form is not None:
            form.model.apply(state.params)  # its seed fixed, so the batch can be redone
            self._notice("Settings loaded into the form")

    def reuse_seed(self, image_id: int) -> None:
        record = self._record(image_id)
        form = self._form()
        if record is not None and record.seed is not None and form is not None:
            form.model.apply({}, seed=record.seed)
            self._notice(f"Seed fixed at {record.seed}")

    def star(self, image_id: int, starred: bool) -> None:
        if self.session.studio is not None:
            self._spawn(self.session.studio.set_starred(image_id, starred), "star")

    def compare(self, left: int, right: int) -> None:
        a, b = self._record(left), self._record(right)
        if a is not None and b is not None:
            self.compare_view.show_images(a, b, self.caption(a), self.caption(b))
            self.center.setCurrentWidget(self.compare_view)
