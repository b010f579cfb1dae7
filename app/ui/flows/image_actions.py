"""What the gallery's and the lightbox's image actions do: view, save, copy, reuse, star,
reject, delete, compare, and the lightbox's hold on the window."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QStackedWidget, QWidget

from app.core.metadata import format_parameters, settings_pairs
from app.services.events import ImageRecord
from app.ui.flows import actions
from app.ui.flows.lightbox import Lightbox
from app.ui.session import UiSession
from app.ui.viewer.info_panel import ImageInfo, image_info
from app.ui.viewer.lineage import lineage_links
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
        delete: Callable[[list[int]], None] | None = None,
        panels: Callable[[], Sequence[QWidget]] = tuple,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.gallery, self.viewer, self.center = gallery, viewer, center
        self.compare_view = compare
        self._form = form
        self._export = export
        self._delete = delete
        self.lightbox = Lightbox(viewer, panels, self)
        self._last_reject: tuple[int, bool] | None = None  # image id, its state before
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
        viewer.action_requested.connect(self._on_viewer_action_requested)
        viewer.open_requested.connect(self.view)  # Alt+Up/Alt+Down: its source, derived images
        viewer.closed.connect(self.lightbox.restore)
        compare.closed.connect(self.show_gallery)
        center.currentChanged.connect(self._on_center_current_changed)

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

    def info(self, record: ImageRecord) -> ImageInfo:
        """The image's prompt and settings, its own seed in them, as its saved file has them."""
        studio = self.session.studio
        state = studio.generation(record.generation_id) if studio else None
        if state is None:
            return ImageInfo()
        params = dict(state.params)
        if record.seed is not None:
            params["seed"] = record.seed
        pairs = settings_pairs(params, task_id=state.task_id)
        info = image_info(params, pairs, format_parameters(params, task_id=state.task_id))
        return replace(info, lineage=lineage_links(record, state, self.gallery.model))

    def view(self, image_id: int) -> None:
        record = self._record(image_id)
        if record is None:
            return
        viewer = self.viewer
        if viewer.current_id() != image_id:
            self._last_reject = None
        viewer.show_image(record, self.caption(record), self.info(record))
        viewer.can_undo_reject = self._last_reject is not None
        self.center.setCurrentWidget(viewer)
        viewer.setFocus()

    def show_gallery(self) -> None:
        self.lightbox.restore()
        self.center.setCurrentWidget(self.gallery)
        self.gallery.setFocus()

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
            self.lightbox.restore()
            self.compare_view.show_images(a, b, self.caption(a), self.caption(b))
            self.center.setCurrentWidget(self.compare_view)
            self.compare_view.setFocus()

    # -- the lightbox --------------------------------------------------------------------

    def _marked(self, changed: ImageRecord) -> None:
        """Shows a new star or reject everywhere at once; the studio stores it."""
        if self.gallery.record(changed.id) is not None:
            self.gallery.update_image(changed)
        if self.viewer.current_id() == changed.id:
            self.viewer.update_record(changed)

    def set_starred(self, record: ImageRecord, starred: bool) -> None:
        self._marked(replace(record, starred=starred))
        self.star(record.id, starred)

    def set_rejected(self, record: ImageRecord, rejected: bool) -> None:
        self._marked(replace(record, rejected=rejected))
        studio = self.session.studio
        if studio is not None:
            self._spawn(studio.set_rejected([record.id], rejected), "reject")

    def toggle_reject(self, record: ImageRecord) -> None:
        """X: rejects (or, pressed again, un-rejects); Ctrl+Z then undoes it."""
        self._last_reject = (record.id, record.rejected)
        self.viewer.can_undo_reject = True
        self.set_rejected(record, not record.rejected)

    def undo_reject(self) -> None:
        if self._last_reject is None:
            return
        image_id, before = self._last_reject
        self._last_reject = None
        self.viewer.can_undo_reject = False
        record = self._record(image_id) or self.viewer.current_record()
        if record is not None and record.id == image_id:
            self.set_rejected(record, before)

    def compare_from_viewer(self, image_id: int) -> None:
        """C: with the other selected image if two are selected, else with the next one."""
        selected = self.gallery.selected_image_ids()
        if len(selected) == 2 and image_id in selected:
            other = selected[1] if selected[0] == image_id else selected[0]
        else:
            neighbour = self.gallery.neighbour_image(image_id, 1) or self.gallery.neighbour_image(
                image_id, -1
            )
            if neighbour is None:
                self._notice("Nothing to compare with: this is the only image")
                return
            other = neighbour.id
        self.compare(image_id, other)

    def copy_text(self, what: str) -> None:
        text = self.viewer.info_panel.text_for(what)
        if text:
            QGuiApplication.clipboard().setText(text)
            label = {"prompt": "Prompt", "all": "All parameters"}.get(what, "Text")
            self._notice(f"{label} copied to the clipboard")

    def _on_center_current_changed(self, _index: int) -> None:
        if self.center.currentWidget() is not self.viewer:  # left by any path: Tasks, delete…
            self.lightbox.restore()

    def _on_viewer_action_requested(self, action_id: str, image_id: int) -> None:
        record = self.viewer.current_record()
        if record is None or record.id != image_id:
            return
        lightbox, viewer = self.lightbox, self.viewer
        simple: dict[str, Callable[[int], None]] = {
            "reuse_settings": self.reuse_settings,
            "reuse_seed": self.reuse_seed,
            "copy_image": self.copy,
            "open_folder": self.open_folder,
            "compare": self.compare_from_viewer,
            "save": lambda i: self.save([i]),
            "delete": lambda i: self._delete([i]) if self._delete is not None else None,
            "copy_prompt": lambda _i: self.copy_text("prompt"),
            "copy_parameters": lambda _i: self.copy_text("all"),
        }
        if action_id in simple:
            simple[action_id](image_id)
        elif action_id == "star":
            self.set_starred(record, not record.starred)
        elif action_id == "reject":
            self.toggle_reject(record)
        elif action_id == "undo_reject":
            self.undo_reject()
        elif action_id == "panels":
            lightbox.set_panels_hidden(not lightbox.panels_hidden())
        elif action_id == "full_screen":
            lightbox.set_full_screen(not lightbox.full_screen())
        elif action_id == "back" and not lightbox.step_back():
            viewer.closed.emit()
        viewer.actions_.set_checked("panels", lightbox.panels_hidden())
        viewer.actions_.set_checked("full_screen", lightbox.full_screen())
