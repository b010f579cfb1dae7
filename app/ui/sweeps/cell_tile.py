"""One cell of the sweep grid: its image (or why there is none yet) and its star."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QMenu, QVBoxLayout, QWidget

from app.storage.history_rows import ImageRecord
from app.ui.widgets import style

STAR = "★"


class CellTile(QFrame):
    """Shows a cell's first image; double-click opens it, the context menu acts on it."""

    opened = Signal(int)  # image id
    star_toggled = Signal(int, bool)
    promote_requested = Signal(int)
    vary_requested = Signal(int)
    enough_requested = Signal(int)

    def __init__(self, index: int, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.side = side
        self.record: ImageRecord | None = None
        self._pixmap: QPixmap | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_context_menu_requested)
        self.image_label = QLabel("Waiting")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setTextFormat(Qt.TextFormat.PlainText)
        self.image_label.setFixedSize(side, side)
        style.set_role(self.image_label, "muted")
        self.star_label = QLabel("")
        self.star_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        style.set_role(self.star_label, "warning")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(0)
        layout.addWidget(self.image_label)
        layout.addWidget(self.star_label)

    def set_status(self, text: str) -> None:
        """A cell without an image: "Waiting", "Queued", "Running 40%", "Failed"…"""
        if self.record is None:
            self.image_label.setText(text)

    def set_record(self, record: ImageRecord | None) -> None:
        self.record = record
        self.star_label.setText(STAR if record is not None and record.starred else "")
        self.setToolTip(
            "Double-click to open · right-click for Promote, Vary, star" if record else ""
        )

    def set_side(self, side: int) -> None:
        if side == self.side:
            return
        self.side = side
        self.image_label.setFixedSize(side, side)
        if self._pixmap is not None:
            self.set_pixmap(self._pixmap)

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.image_label.setPixmap(
            pixmap.scaled(
                self.side,
                self.side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.record is not None:
            self.opened.emit(self.record.id)
        super().mouseDoubleClickEvent(event)

    def _on_context_menu_requested(self, pos: QPoint) -> None:
        record = self.record
        menu = QMenu(self)
        if record is None:
            menu.addAction("No image yet").setEnabled(False)
        else:
            menu.addAction("Open", lambda: self.opened.emit(record.id))
            star = "Remove star" if record.starred else "Star (a winner)"
            menu.addAction(star, lambda: self.star_toggled.emit(record.id, not record.starred))
            menu.addAction(
                "Promote (same seed, more detail)", lambda: self.promote_requested.emit(record.id)
            )
            menu.addAction("Vary (new seeds)", lambda: self.vary_requested.emit(record.id))
            menu.addSeparator()
            menu.addAction(
                "Enough: keep this, stop the rest", lambda: self.enough_requested.emit(record.id)
            )
        menu.popup(self.mapToGlobal(pos))
