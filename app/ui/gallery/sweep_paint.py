"""The Open grid button painted on a sweep's section header (the view hit-tests the same rect)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

GRID_TEXT = "Open grid"
PAD_X, HEIGHT, TOP = 10, 24, 16
INSET = 8  # the header's side margin (CELL_PAD + 3 in the delegate)


def grid_button_rect(header: QRect, font: QFont) -> QRect:
    """Right-aligned on the title line of a header laid out in ``header``."""
    width = QFontMetrics(font).horizontalAdvance(GRID_TEXT) + 2 * PAD_X
    return QRect(header.right() - INSET - width, header.top() + TOP, width, HEIGHT)


def paint_grid_button(
    painter: QPainter, rect: QRect, font: QFont, accent: QColor, hovered: bool
) -> None:
    painter.save()
    painter.setBrush(QColor(accent.red(), accent.green(), accent.blue(), 60 if hovered else 28))
    painter.setPen(QPen(accent, 1))
    painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
    painter.setFont(font)
    painter.setPen(accent)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, GRID_TEXT)
    painter.restore()
