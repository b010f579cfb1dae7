"""The widget for ``fileinput`` fields: drop an image or a URL, choose a file, or paste an
https address; shows a small thumbnail (decoded off the GUI thread) and the file's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFontMetrics, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.file_inputs import IMAGE_SUFFIXES, FileInputError, check_url, is_url
from app.core.schema import FieldKind, FieldSpec
from app.ui.form.fields import FieldWidget, register_field
from app.ui.widgets.common import ElidedLabel
from app.ui.widgets.plain import plain_tooltip
from app.ui.widgets.thumbnails import ThumbnailLoader

THUMB_SIDE = 56
IMAGE_FILTER = "Images ({})".format(" ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)))
PLACEHOLDER = "Drop an image here, choose one, or paste an https:// address"


def dropped_value(mime: QMimeData) -> str | None:
    """What a drop brings: a local image's path, an acceptable URL, or None (refused)."""
    urls = mime.urls() if mime.hasUrls() else []
    if not urls and mime.hasText():
        urls = [QUrl(mime.text().strip())]
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if Path(path).suffix.lower() in IMAGE_SUFFIXES:
                return path
            continue
        text = url.toString()
        if is_url(text):
            try:
                return check_url(text)
            except FileInputError:
                continue
    return None


def shown_name(value: str) -> str:
    """The name shown beside the thumbnail: a file's name, or a URL's last path part."""
    if not value:
        return ""
    if is_url(value):
        name = QUrl(value).fileName()
        return name or QUrl(value).host()
    return Path(value).name


class _NameLabel(ElidedLabel):
    """A file name that keeps its end ("…-00.png") when it does not fit."""

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(
            metrics.elidedText(self.full_text(), Qt.TextElideMode.ElideMiddle, self.width())
        )


class FileDrop(QFrame):
    """The field's face: thumbnail, name or address, Choose… and ×; accepts drops."""

    dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fileDrop")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.thumb = QLabel()
        self.thumb.setObjectName("fileDropThumb")
        self.thumb.setFixedSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setTextFormat(Qt.TextFormat.PlainText)
        self.name = _NameLabel()
        self.address = QLineEdit()
        self.address.setPlaceholderText(PLACEHOLDER)
        self.address.setAcceptDrops(False)  # a dropped file goes to the field, not into the text
        self.choose = QToolButton()
        self.choose.setText("Choose…")
        self.choose.setToolTip("Choose an image on this computer")
        self.clear = QToolButton()
        self.clear.setText("×")
        self.clear.setToolTip("Clear")
        self.clear.setAccessibleName("Clear the image")
        middle = QVBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(2)
        middle.addWidget(self.name)
        middle.addWidget(self.address)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 4, 4, 4)
        row.setSpacing(6)
        row.addWidget(self.thumb)
        row.addLayout(middle, 1)
        row.addWidget(self.choose)
        row.addWidget(self.clear)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._judge(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._judge(event)

    @staticmethod
    def _judge(event: QDragMoveEvent) -> None:
        if dropped_value(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        value = dropped_value(event.mimeData())
        if value is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(value)


class FileField(FieldWidget):
    """A file input's value: a local image's full path (uploaded before Run) or a URL."""

    editor: FileDrop

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        editor = FileDrop()
        super().__init__(spec, editor, parent)
        self.setFocusProxy(editor.address)
        self._value = ""
        self._loader: ThumbnailLoader | None = None
        self.dialog: QFileDialog | None = None
        editor.dropped.connect(self.set_value)
        editor.choose.clicked.connect(self.choose_file)
        editor.clear.clicked.connect(lambda: self.set_value(""))
        editor.address.textEdited.connect(self._on_address_text_edited)
        self.set_value(spec.default)

    # -- value ---------------------------------------------------------------------------

    def value(self) -> str:
        return self._value

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value).strip()
        local = bool(text) and not is_url(text)
        editor = self.editor
        if editor.address.text() != (text if not local else ""):
            editor.address.setText("" if local else text)
        editor.address.setVisible(not local)
        editor.name.setVisible(bool(text))
        editor.name.set_full_text(shown_name(text))
        editor.name.setToolTip(plain_tooltip(text))
        editor.clear.setEnabled(bool(text))
        changed = text != self._value
        self._value = text
        self._show_thumbnail()
        if changed:
            self.changed.emit()

    def focus_chain(self) -> list[QWidget]:
        return [self.editor.address, self.editor.choose, self.editor.clear]

    def _on_address_text_edited(self, text: str) -> None:
        self._value = text.strip()
        self.editor.name.set_full_text(shown_name(self._value))
        self.editor.name.setVisible(bool(self._value))
        self.editor.clear.setEnabled(bool(self._value))
        self._show_thumbnail()
        self.changed.emit()

    # -- picker --------------------------------------------------------------------------

    def choose_file(self) -> None:
        """A non-modal-to-the-loop file dialog (open(), never exec())."""
        start = str(Path(self._value).parent) if self._value and not is_url(self._value) else ""
        dialog = self.dialog = QFileDialog(self, f"Choose an image for {self.spec.label}", start)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([IMAGE_FILTER, "All files (*)"])
        dialog.fileSelected.connect(self.set_value)
        dialog.open()

    # -- thumbnail -----------------------------------------------------------------------

    def loader(self) -> ThumbnailLoader:
        if self._loader is None:
            self._loader = ThumbnailLoader(self, max_threads=1, cache_bytes=4 * 1024 * 1024)
            self._loader.image_loaded.connect(self._on_loader_image_loaded)
            self._loader.load_failed.connect(self._on_loader_load_failed)
        return self._loader

    def _show_thumbnail(self) -> None:
        thumb, value = self.editor.thumb, self._value
        if not value:
            self._set_thumb_text("Image")
        elif is_url(value):
            self._set_thumb_text("Web")  # no network in widgets: Wiro fetches it
        elif not Path(value).is_absolute() or Path(value).suffix.lower() not in IMAGE_SUFFIXES:
            self._set_thumb_text("Image")  # still being typed: nothing to decode yet
        else:
            pixmap = self.loader().request(value, THUMB_SIDE * 2)
            if pixmap is not None:
                self._set_thumb_pixmap(pixmap)
            elif self.loader().error(value, THUMB_SIDE * 2) is not None:
                self._set_thumb_text("Can't read")
            else:
                self._set_thumb_text("…")
        thumb.setToolTip(plain_tooltip(value))

    def _set_thumb_text(self, text: str) -> None:
        self.editor.thumb.setPixmap(QPixmap())
        self.editor.thumb.setText(text)

    def _set_thumb_pixmap(self, pixmap: QPixmap) -> None:
        ratio = self.devicePixelRatioF()
        side = round(THUMB_SIDE * ratio)
        scaled = pixmap.scaled(
            side,
            side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        scaled.setDevicePixelRatio(ratio)
        self.editor.thumb.setText("")
        self.editor.thumb.setPixmap(scaled)

    def _on_loader_image_loaded(self, path: str, _side: int) -> None:
        if path == self._value:
            self._show_thumbnail()

    def _on_loader_load_failed(self, path: str, _side: int, _reason: str) -> None:
        if path == self._value:
            self._set_thumb_text("Can't read")

    def thumbnail_shown(self) -> bool:
        """True once the chosen image's thumbnail is on screen (tests and screenshots)."""
        pixmap = self.editor.thumb.pixmap()
        return pixmap is not None and not pixmap.isNull()


register_field(FieldKind.FILE, FileField)
