"""One canvas showing two pictures in the same place: A/B flip, or a wipe between them."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from app.ui.viewer.canvas import BACKDROP, ImageCanvas, ViewState

GRAB_DISTANCE = 8  # px either side of the wipe line where a drag moves the line, not the picture
WIPE_KEY_STEP = 0.05


class CompareMode(Enum):
    """How the compare view shows its two pictures."""

    SIDE = "side by side"
    FLIP = "A/B"
    WIPE = "wipe"


class OverlayCanvas(ImageCanvas):
    """Picture A with picture B over it: all of B (flip), or B right of a movable line (wipe)."""

    wipe_changed = Signal(float)
    flipped = Signal(bool)  # whether B is shown

    def __init__(self, state: ViewState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self._second: QPixmap | None = None
        self._show_b = False
        self._wiping = False
        self._wipe = 0.5  # where the line is, as a fraction of the view's width
        self._dragging_line = False

    def set_second(self, pixmap: QPixmap | None) -> None:
        self._second = pixmap if pixmap is not None and not pixmap.isNull() else None
        self.viewport().update()

    def second(self) -> QPixmap | None:
        return self._second

    # ---- flip and wipe --------------------------------------------------------------------
    def set_wiping(self, wiping: bool) -> None:
        self._wiping = wiping
        self._show_b = False
        self.viewport().update()

    def is_wiping(self) -> bool:
        return self._wiping

    def shows_b(self) -> bool:
        return self._show_b and not self._wiping

    def flip(self) -> None:
        self.set_show_b(not self._show_b)

    def set_show_b(self, show_b: bool) -> None:
        self._wiping = False
        self._show_b = show_b
        self.viewport().update()
        self.flipped.emit(show_b)

    def wipe_position(self) -> float:
        return self._wipe

    def set_wipe_position(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if fraction != self._wipe:
            self._wipe = fraction
            self.viewport().update()
            self.wipe_changed.emit(fraction)

    def wipe_x(self) -> float:
        return self._wipe * self.viewport().width()

    # ---- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        first = self.pixmap()
        if first is None or self._second is None or not (self._wiping or self._show_b):
            super().paintEvent(event)
            if self._wiping:
                self._paint_line(QPainter(self.viewport()))
            return
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), BACKDROP)
        if self._show_b and not self._wiping:
            self.paint_picture(painter, self._second)
            return
        self.paint_picture(painter, first)
        view = self.viewport().rect()
        painter.save()
        painter.setClipRect(QRectF(self.wipe_x(), 0, view.width() - self.wipe_x(), view.height()))
        self.paint_picture(painter, self._second)
        painter.restore()
        self._paint_line(painter)

    def _paint_line(self, painter: QPainter) -> None:
        x = self.wipe_x()
        height = self.viewport().height()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0, 140), 3))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setPen(QPen(QColor(255, 255, 255, 230), 1))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.drawEllipse(QPointF(x, height / 2), 7, 7)
        for label, left in (("A", True), ("B", False)):
            rect = QRectF(x - 28 if left else x + 8, 8, 20, 18)
            painter.fillRect(rect, QColor(0, 0, 0, 150))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    # ---- the line follows a drag that starts on it ---------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        near = abs(event.position().x() - self.wipe_x()) <= GRAB_DISTANCE
        if self._wiping and event.button() == Qt.MouseButton.LeftButton and near:
            self._dragging_line = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging_line:
            width = max(1, self.viewport().width())
            self.set_wipe_position(event.position().x() / width)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging_line = False
        super().mouseReleaseEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(400, 400)
