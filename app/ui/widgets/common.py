"""Small shared widgets and hand-painted icons (no icon font or emoji font is assumed)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QIcon,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyleOptionSpinBox,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from app.core.display import one_line, visible_text
from app.ui.widgets import style
from app.ui.widgets.plain import plain_tooltip

ICON_NAMES = ("dice", "reuse", "stop", "retry", "chevron-right", "chevron-down", "eye", "eye-off")


def _draw_icon(p: QPainter, name: str, s: float, colour: QColor) -> None:
    pen = QPen(colour, max(1.2, s / 12), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    m = s * 0.18
    if name == "dice":
        m = s * 0.12
        box = QRectF(m, m, s - 2 * m, s - 2 * m)
        p.drawRoundedRect(box, s * 0.12, s * 0.12)
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        r = s * 0.07
        for fx, fy in ((0.3, 0.3), (0.7, 0.3), (0.5, 0.5), (0.3, 0.7), (0.7, 0.7)):
            p.drawEllipse(QPointF(m + box.width() * fx, m + box.height() * fy), r, r)
    elif name in ("reuse", "retry"):
        box = QRectF(m, m, s - 2 * m, s - 2 * m)
        p.drawArc(box, 60 * 16, 280 * 16)
        angle = math.radians(60)
        tip = QPointF(
            box.center().x() + box.width() / 2 * math.cos(angle),
            box.center().y() - box.height() / 2 * math.sin(angle),
        )
        a = s * 0.16
        p.drawPolyline(
            [QPointF(tip.x() - a, tip.y() - a * 0.2), tip, QPointF(tip.x() + a * 0.1, tip.y() + a)]
        )
    elif name == "stop":
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        k = s * 0.28
        p.drawRoundedRect(QRectF(k, k, s - 2 * k, s - 2 * k), s * 0.06, s * 0.06)
    elif name in ("chevron-right", "chevron-down"):
        c, k = s / 2, s * 0.16
        if name == "chevron-right":
            pts = [
                QPointF(c - k * 0.6, c - k * 1.2),
                QPointF(c + k * 0.6, c),
                QPointF(c - k * 0.6, c + k * 1.2),
            ]
        else:
            pts = [
                QPointF(c - k * 1.2, c - k * 0.6),
                QPointF(c, c + k * 0.6),
                QPointF(c + k * 1.2, c - k * 0.6),
            ]
        p.drawPolyline(pts)
    elif name in ("eye", "eye-off"):
        path = QPainterPath(QPointF(m, s / 2))
        path.quadTo(QPointF(s / 2, m * 0.4), QPointF(s - m, s / 2))
        path.quadTo(QPointF(s / 2, s - m * 0.4), QPointF(m, s / 2))
        p.drawPath(path)
        p.drawEllipse(QPointF(s / 2, s / 2), s * 0.12, s * 0.12)
        if name == "eye-off":
            p.drawLine(QPointF(m, s - m), QPointF(s - m, m))


def icon(name: str, colour: str = style.TEXT, size: int = 20) -> QIcon:
    """A crisp hand-painted icon (normal + disabled variants) from ICON_NAMES."""
    result = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, style.DISABLED_TEXT)):
        for scale in (1, 2):
            pix = QPixmap(size * scale, size * scale)
            pix.setDevicePixelRatio(scale)
            pix.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _draw_icon(painter, name, size, QColor(tint))
            painter.end()
            result.addPixmap(pix, mode)
    return result


def tool_button(icon_name: str, tooltip: str, parent: QWidget | None = None) -> QToolButton:
    """A square icon button with a tooltip that doubles as its accessible name."""
    button = QToolButton(parent)
    button.setIcon(icon(icon_name))
    button.setIconSize(QSize(18, 18))
    button.setToolTip(tooltip)
    button.setAccessibleName(tooltip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def paint_spin_arrows(spin: QAbstractSpinBox) -> None:
    """Draws chevrons on a spin box's buttons (the stylesheet removes the native arrows)."""
    if spin.buttonSymbols() == QAbstractSpinBox.ButtonSymbols.NoButtons:
        return
    opt = QStyleOptionSpinBox()
    spin.initStyleOption(opt)
    painter = QPainter(spin)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    enabled = spin.isEnabled() and not spin.isReadOnly()
    colour = QColor(style.MUTED_TEXT if enabled else style.DISABLED_TEXT)
    painter.setPen(QPen(colour, 1.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    for control, up in (
        (QStyle.SubControl.SC_SpinBoxUp, True),
        (QStyle.SubControl.SC_SpinBoxDown, False),
    ):
        rect = QRectF(
            spin.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, opt, control, spin)
        )
        c = rect.center()
        dy = 1.8 if up else -1.8
        painter.drawPolyline(
            [
                QPointF(c.x() - 3.5, c.y() + dy),
                QPointF(c.x(), c.y() - dy),
                QPointF(c.x() + 3.5, c.y() + dy),
            ]
        )
    painter.end()


def paint_chevron(widget: QWidget, rect: QRectF, enabled: bool = True) -> None:
    """Draws a small downward chevron centred in ``rect`` (combo box arrows)."""
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(style.MUTED_TEXT if enabled else style.DISABLED_TEXT)
    painter.setPen(QPen(colour, 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    c = rect.center()
    painter.drawPolyline(
        [QPointF(c.x() - 4, c.y() - 2), QPointF(c.x(), c.y() + 2), QPointF(c.x() + 4, c.y() - 2)]
    )
    painter.end()


class InfoBadge(QLabel):
    """A small circled "?" that shows a field's help on hover or click."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(15, 15)
        self.setToolTip(plain_tooltip(text))
        self.setAccessibleName("Help")
        self.setAccessibleDescription(visible_text(text))
        self.setCursor(Qt.CursorShape.WhatsThisCursor)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(style.MUTED_TEXT)
        painter.setPen(QPen(colour, 1.1))
        circle = QRectF(1.5, 1.5, 12, 12)
        painter.drawEllipse(circle)
        font = painter.font()
        font.setPointSizeF(7)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, "?")
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        QToolTip.showText(event.globalPosition().toPoint(), self.toolTip(), self)


class ErrorLabel(QLabel):
    """Inline error text under a field; hidden while there is no error."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setProperty("role", "error")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def set_message(self, text: str | None) -> None:
        shown = visible_text(text or "")
        self.setText(shown)
        self.setAccessibleName(shown)
        self.setVisible(bool(text))


class ElidedLabel(QLabel):
    """A one-line label that elides its text to the space it gets, full text in the tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        text = " ".join(one_line(text).split())
        if text != self._full:
            self._full = text
            self.setToolTip(plain_tooltip(text))
            self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        self.setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, self.width()))


class CollapsibleSection(QWidget):
    """A titled section whose body can be folded away (used for "Advanced")."""

    expanded_changed = Signal(bool)

    def __init__(self, title: str, expanded: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setText(title)
        self.toggle.setProperty("section", True)
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setIconSize(QSize(14, 14))
        self.toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.body = QWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.toggle.setChecked(expanded)
        self._on_toggle_toggled(expanded)

    def is_expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)

    def _on_toggle_toggled(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.toggle.setIcon(icon("chevron-down" if expanded else "chevron-right"))
        self.expanded_changed.emit(expanded)
