"""Stateless painting of a gallery tile's parts: the star and reject marks, a slot's progress,
the seed caption; the delegate decides where and when."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen

from app.ui.widgets.gallery_text import ASSUMED

CAPTION_H = 24  # one line; narrow tiles get a second one for "(assumed)"
CAPTION_LINE_2 = 15
STAR_GOLD = QColor("#f5c518")
REJECT_RED = QColor("#d83b3b")

Colors = dict[str, QColor]


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * amount,
        a.greenF() + (b.greenF() - a.greenF()) * amount,
        a.blueF() + (b.blueF() - a.blueF()) * amount,
    )


def star_path(center: QPointF, radius: float) -> QPainterPath:
    path = QPainterPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        point = QPointF(center.x() + r * math.cos(angle), center.y() + r * math.sin(angle))
        path.moveTo(point) if i == 0 else path.lineTo(point)
    path.closeSubpath()
    return path


def paint_slot(painter: QPainter, picture: QRect, detail: str, colors: Colors, font: QFont) -> None:
    """A grey slot for an image to come: its status text and, when known, a step bar."""
    painter.setPen(colors["dim"])
    painter.setFont(font)
    painter.drawText(picture, Qt.AlignmentFlag.AlignCenter, detail or "waiting")
    step = [int(n) for n in detail.split()[-1].split("/")] if "/" in detail else None
    if step and step[1] > 0:
        bar = QRectF(picture.left() + 16, picture.center().y() + 16, picture.width() - 32, 3)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(mix(colors["well"], colors["text"], 0.12))
        painter.drawRoundedRect(bar, 1.5, 1.5)
        bar.setWidth(bar.width() * min(1.0, step[0] / step[1]))
        painter.setBrush(colors["accent"])
        painter.drawRoundedRect(bar, 1.5, 1.5)


def paint_reject(painter: QPainter, rect: QRect) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(REJECT_RED)
    painter.drawEllipse(QRectF(rect))
    painter.setPen(QPen(QColor("white"), 2.2))
    inset = QRectF(rect).adjusted(7.5, 7.5, -7.5, -7.5)
    painter.drawLine(inset.topLeft(), inset.bottomRight())
    painter.drawLine(inset.topRight(), inset.bottomLeft())


def paint_star(painter: QPainter, rect: QRect, starred: bool) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawEllipse(QRectF(rect))
    path = star_path(QRectF(rect).center() + QPointF(0, 0.5), rect.width() * 0.36)
    if starred:
        painter.setBrush(STAR_GOLD)
        painter.drawPath(path)
    else:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255, 200), 1.2))
        painter.drawPath(path)


def paint_caption(
    painter: QPainter, text: str, picture: QRect, font: QFont, colors: Colors
) -> None:
    """``seed N`` in the text colour, then ``(assumed)`` dimmed: on one line if it fits."""
    rect = QRect(picture.left() + 2, picture.bottom() + 1, picture.width() - 4, CAPTION_H)
    metrics = QFontMetrics(font)
    painter.setFont(font)
    main, assumed, _rest = text.partition(f" {ASSUMED}")
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.setPen(colors["text"])
    painter.drawText(
        rect, align, metrics.elidedText(main, Qt.TextElideMode.ElideRight, rect.width())
    )
    if not assumed:
        return
    painter.setPen(colors["dim"])
    left = metrics.horizontalAdvance(main + " ")
    if left + metrics.horizontalAdvance(ASSUMED) <= rect.width():
        painter.drawText(rect.adjusted(left, 0, 0, 0), align, ASSUMED)
    else:
        below = QRect(rect.left(), rect.bottom() - 6, rect.width(), CAPTION_LINE_2 + 4)
        elided = metrics.elidedText(ASSUMED, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, elided)
