"""Read back: File → Open image… or an image dropped on the window restores its settings.

The file is read and parsed off the GUI thread; the form gets the values, and a short
non-modal report says what was applied and what was dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core.display import visible_text
from app.core.lineage import restore_defaults
from app.core.readback import Readback, read_settings, report
from app.ui.session import UiSession
from app.ui.widgets.plain import plain_message_box

if TYPE_CHECKING:
    from app.ui.form.schema_form import SchemaForm

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})
FILE_FILTER = "Images (*.png *.jpg *.jpeg *.webp);;All files (*)"


def image_paths(mime: QMimeData) -> list[Path]:
    """Local image files named by a drag (file:// URLs only; remote URLs are ignored)."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in IMAGE_SUFFIXES]


def read_image_settings(path: Path) -> Readback:
    """Blocking: the file's metadata parsed into form values (run it in a worker thread)."""
    from app.storage.imagemeta import read_text_chunks  # PIL loads on first use, not at start

    return read_settings(read_text_chunks(path))


class ReadbackFlow(QObject):
    """Owns the open dialog, the drop handling of one widget (the window) and the report box."""

    def __init__(
        self,
        session: UiSession,
        drop_target: QWidget,
        form: Callable[[], SchemaForm | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.drop_target = drop_target
        self._form = form
        self.report_box: QMessageBox | None = None
        self._dialog: QFileDialog | None = None
        self.last: Readback | None = None
        drop_target.setAcceptDrops(True)
        drop_target.installEventFilter(self)

    # -- entry points -----------------------------------------------------------------------

    def open_dialog(self) -> None:
        start = str(self.session.settings.output_dir or Path.home())
        title = "Open image to read its settings"
        dialog = QFileDialog(self.drop_target, title, start, FILE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.read_file(Path(path)))
        self._dialog = dialog
        dialog.open()

    def read_file(self, path: Path) -> None:
        self.session.spawn(self.apply_file(path), name="read-back")

    async def apply_file(self, path: Path) -> Readback | None:
        try:
            readback = await self.session.io(read_image_settings, path)
        except OSError as exc:
            self.session.notify(f"Could not read {path.name}: {exc.strerror or exc}", "error")
            return None
        self.apply(readback, path.name)
        return readback

    def apply(self, readback: Readback, name: str) -> None:
        """Puts the values into the form (the seed fixed, not random) and shows the report."""
        self.last = readback
        form = self._form()
        text = report(readback)
        if readback.lineage:  # a derived image: its operation's settings come back too
            restored = restore_defaults(self.session.settings.derive_defaults, readback.lineage)
            text = f"{text}\n{restored}" if restored else text
        if form is None:
            text = "The form is not ready yet (still connecting): nothing was applied.\n" + text
        elif readback.values:
            form.model.apply(readback.values)
        found = bool(readback.values) or bool(readback.lineage)
        self.show_report(name, text, ok=found and form is not None)

    def show_report(self, name: str, text: str, *, ok: bool) -> None:
        if self.report_box is not None:
            self.report_box.close()
        box = plain_message_box(QMessageBox(self.drop_target))
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)
        box.setWindowTitle("Settings read from image")
        first, _, rest = text.partition("\n")
        box.setText(visible_text(f"{name}\n{first}"))
        box.setInformativeText(visible_text(rest))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.destroyed.connect(lambda *_: self._forget_box(box))
        self.report_box = box
        box.show()
        self.session.notify(first)

    def _forget_box(self, box: QMessageBox) -> None:
        if self.report_box is box:
            self.report_box = None

    # -- drag and drop ----------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.drop_target and kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            drag = cast(QDragMoveEvent, event)
            if image_paths(drag.mimeData()):
                drag.setDropAction(Qt.DropAction.CopyAction)
                drag.accept()
                return True
            return False
        if watched is self.drop_target and kind == QEvent.Type.Drop:
            drop = cast(QDropEvent, event)
            paths = image_paths(drop.mimeData())
            if not paths:
                return False
            drop.setDropAction(Qt.DropAction.CopyAction)
            drop.accept()
            if len(paths) > 1:
                self.session.notify(f"Reading settings from {paths[0].name} (the first image)")
            self.read_file(paths[0])
            return True
        return super().eventFilter(watched, event)
