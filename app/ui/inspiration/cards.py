"""One prompt card of the inspiration browser: title, prompt previews, Use and Use all."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFocusEvent,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.form.prompt_preview import PromptPreview
from app.ui.inspiration.data import Entry, Source
from app.ui.widgets import style
from app.ui.widgets.common import ElidedLabel
from app.ui.widgets.gallery_text import settings_summary, time_text
from app.ui.widgets.plain import plain_tooltip

PROMPT_LINES = 4
NEGATIVE_LINES = 1
PICTURE_SIDE = 72  # the best image made from the prompt, on the card's left
NEGATIVE_PREFIX = "Negative: "


def _paint(draw: Callable[[QPainter, int], object], size: int = 16) -> QPixmap:
    pix = QPixmap(size * 2, size * 2)
    pix.setDevicePixelRatio(2)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(painter, size)
    painter.end()
    return pix


def _star_path(s: float) -> QPainterPath:
    path = QPainterPath()
    c, outer, inner = s / 2, s * 0.44, s * 0.19
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        point = QPointF(c + r * math.cos(angle), c + 0.5 + r * math.sin(angle))
        path.moveTo(point) if i == 0 else path.lineTo(point)
    path.closeSubpath()
    return path


def star_icon() -> QIcon:
    """An outlined star, filled amber when checked."""

    def outline(p: QPainter, s: int) -> None:
        p.setPen(QPen(QColor(style.MUTED_TEXT), 1.2))
        p.drawPath(_star_path(s))

    def filled(p: QPainter, s: int) -> None:
        p.setPen(QPen(QColor(style.WARNING), 1.2))
        p.setBrush(QColor(style.WARNING))
        p.drawPath(_star_path(s))

    icon = QIcon()
    icon.addPixmap(_paint(outline), QIcon.Mode.Normal, QIcon.State.Off)
    icon.addPixmap(_paint(filled), QIcon.Mode.Normal, QIcon.State.On)
    return icon


def more_icon() -> QIcon:
    def dots(p: QPainter, s: int) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(style.MUTED_TEXT))
        for x in (0.25, 0.5, 0.75):
            p.drawEllipse(QPointF(s * x, s / 2), 1.5, 1.5)

    return QIcon(_paint(dots))


class PromptCard(QFrame):
    """A card: title, highlighted prompt, muted negative prompt, and Use / Use all."""

    use_requested = Signal(object, bool)  # (Entry, use_all)
    star_toggled = Signal(object, bool)
    menu_requested = Signal(object, object)  # (Entry, global QPoint)
    navigate = Signal(object, int)  # (card, key) for arrow, page, home and end keys
    typed = Signal(str)  # printable text typed on a card, for the search box

    def __init__(self, entry: Entry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setProperty("card", True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.star = QToolButton(self)
        self.star.setCheckable(True)
        self.star.setChecked(entry.starred)
        self.star.setIcon(star_icon())
        self.star.setIconSize(QSize(16, 16))
        self.star.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.star.setStyleSheet(
            "QToolButton, QToolButton:checked { background: transparent; border: none; }"
            f"QToolButton:hover {{ background: {style.SURFACE_HOVER}; }}"
        )
        self.star.setToolTip("Unstar" if entry.starred else "Star: keep it at the top")
        self.star.setHidden(entry.source is Source.RECENT)
        self.star.toggled.connect(self._on_star_toggled)
        self.title = ElidedLabel(self._title_text(), self)
        style.set_role(self.title, "heading" if entry.source is Source.SAVED else "muted")
        self.more = QToolButton(self)
        self.more.setIcon(more_icon())
        self.more.setIconSize(QSize(16, 16))
        self.more.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.more.setToolTip("More actions (menu key)")
        self.more.clicked.connect(
            lambda: self.menu_requested.emit(
                self.entry, self.more.mapToGlobal(self.more.rect().bottomLeft())
            )
        )
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(4)
        head.addWidget(self.star)
        head.addWidget(self.title, 1)
        head.addWidget(self.more)

        self.prompt_view = PromptPreview(
            entry.prompt or "(empty prompt)", PROMPT_LINES, parent=self
        )
        self.negative_view = PromptPreview(
            entry.negative, NEGATIVE_LINES, style.MUTED_TEXT, NEGATIVE_PREFIX, self
        )
        self.negative_view.setHidden(not entry.negative.strip())
        self.meta = ElidedLabel(self._meta_text(), self)
        style.set_role(self.meta, "muted")
        self.meta.setToolTip(plain_tooltip(settings_summary(entry.extra)))
        self.use_all_button = self._link("Use all", self._use_all_tip())
        self.use_all_button.setEnabled(bool(entry.extra))
        self.use_button = self._link("Use", "Put this prompt and negative prompt into the form")
        self.use_all_button.clicked.connect(lambda: self.use_requested.emit(self.entry, True))
        self.use_button.clicked.connect(lambda: self.use_requested.emit(self.entry, False))
        foot = QHBoxLayout()
        foot.setContentsMargins(0, 0, 0, 0)
        foot.setSpacing(2)
        foot.addWidget(self.meta, 1)
        foot.addWidget(self.use_all_button)
        foot.addWidget(self.use_button)

        self.picture = QLabel(self)
        self.picture.setFixedSize(PICTURE_SIDE, PICTURE_SIDE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName("The best image made from this prompt")
        self.picture.hide()
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(head)
        column.addWidget(self.prompt_view)
        column.addWidget(self.negative_view)
        column.addLayout(foot)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(10, 6, 8, 6)
        outer.setSpacing(8)
        outer.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(column, 1)
        tip = entry.prompt + (f"\n\nNegative prompt: {entry.negative}" if entry.negative else "")
        self.prompt_view.setToolTip(plain_tooltip(tip))
        self.negative_view.setToolTip(plain_tooltip(tip))
        self.setAccessibleName(f"{self._title_text()}: {entry.prompt}")
        self.setAccessibleDescription(
            "Enter: use the prompt. Shift+Enter: use it with all its settings."
        )

    def _link(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        style.make_link(button)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setToolTip(tip)
        return button

    def _title_text(self) -> str:
        if self.entry.source is Source.RECENT:
            return f"Generated {time_text(self.entry.created_at)}".strip()
        return self.entry.title

    def _meta_text(self) -> str:
        """The settings that matter most at a glance: size, steps and seed."""
        extra = self.entry.extra
        parts = []
        if extra.get("width") and extra.get("height"):
            parts.append(f"{extra['width']}×{extra['height']}")
        if extra.get("steps"):
            parts.append(f"{extra['steps']} steps")
        if str(extra.get("seed") or "").strip():
            parts.append(f"seed {extra['seed']}")
        return " · ".join(parts)

    def _use_all_tip(self) -> str:
        if not self.entry.extra:
            return "This prompt carries no other settings: Use does the same"
        return "Also set " + settings_summary(self.entry.extra) + " (Shift+Enter)"

    # -- state ------------------------------------------------------------------------------

    def set_picture(self, pixmap: QPixmap | None) -> None:
        """Shows the best image made from this prompt (kept in shape), or nothing."""
        if pixmap is None or pixmap.isNull():
            self.picture.clear()
            self.picture.hide()
            return
        side = PICTURE_SIDE
        self.picture.setPixmap(
            pixmap.scaled(
                side, side, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )  # fmt: skip
        self.picture.show()

    def set_current(self, current: bool) -> None:
        if bool(self.property("selected")) != current:
            self.setProperty("selected", current)
            style.repolish(self)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.set_current(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.set_current(False)

    # -- input ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            use_all = bool(mods & Qt.KeyboardModifier.ShiftModifier)
            self.use_requested.emit(self.entry, use_all)
        elif key in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
            Qt.Key.Key_PageUp,
            Qt.Key.Key_PageDown,
            Qt.Key.Key_Home,
            Qt.Key.Key_End,
        ):
            self.navigate.emit(self, key)
        elif key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and mods & Qt.KeyboardModifier.ShiftModifier
        ):
            self.menu_requested.emit(self.entry, self.mapToGlobal(self.rect().center()))
        elif key == Qt.Key.Key_Space and not self.star.isHidden():
            self.star.toggle()
        elif (
            event.text()
            and event.text().isprintable()
            and not mods & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        ):
            self.typed.emit(event.text())
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.use_requested.emit(self.entry, False)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.menu_requested.emit(self.entry, event.globalPos())

    def _on_star_toggled(self, starred: bool) -> None:
        self.star.setToolTip("Unstar" if starred else "Star: keep it at the top")
        self.star_toggled.emit(self.entry, starred)


def empty_label(parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # shows the user's search words
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setContentsMargins(12, 24, 12, 24)
    style.set_role(label, "muted")
    return label
