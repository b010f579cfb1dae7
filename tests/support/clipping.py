"""Finds controls a window shows horizontally clipped: the layout check of issue 14."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSlider,
    QWidget,
)

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QLineEdit, QSlider)
# Labels that elide or wrap on purpose are not clipped when their hint is wider than they are.
_SHRINKS = (QLabel,)


def _name(widget: QWidget) -> str:
    text = ""
    for attr in ("text", "placeholderText", "currentText"):
        getter = getattr(widget, attr, None)
        if callable(getter):
            try:
                text = str(getter())
            except TypeError:
                continue
            if text:
                break
    path = []
    node: QWidget | None = widget
    while node is not None and len(path) < 4:
        path.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return f"{type(widget).__name__} {text[:30]!r} in {'/'.join(reversed(path))}"


def _inside_scroll_viewport(widget: QWidget) -> bool:
    node = widget.parentWidget()
    while node is not None:
        parent = node.parentWidget()
        if parent is not None and isinstance(parent.parentWidget(), QScrollArea):
            area = parent.parentWidget()
            if isinstance(area, QScrollArea) and area.viewport() is parent:
                return True
        node = parent
    return False


def clipped_controls(root: QWidget) -> list[str]:
    """Every visible control whose width is cut: past its visible parent, or below its hint."""
    found: list[str] = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(root):
            continue
        if not widget.isVisible() or widget.width() <= 0:
            continue
        parent = widget.parentWidget()
        if parent is None:
            continue
        geo = widget.geometry()
        if geo.left() < 0 or geo.right() > parent.width() - 1:
            found.append(f"{_name(widget)}: x {geo.left()}..{geo.right()} past {parent.width()}")
            continue
        # Past the visible part of the scroll area it lives in (a form wider than its panel):
        if _inside_scroll_viewport(widget):
            area = widget.parentWidget()
            while area is not None and not isinstance(area, QScrollArea):
                area = area.parentWidget()
            if area is not None:
                right = widget.mapTo(area.viewport(), geo.topLeft() - geo.topLeft()).x()
                if right + widget.width() > area.viewport().width() + 1:
                    found.append(f"{_name(widget)}: past the scroll viewport")
                    continue
        if isinstance(widget, _SHRINKS) and (widget.wordWrap() or not widget.text()):
            continue
        hint = widget.sizeHint().width()
        minimum = widget.minimumSizeHint().width()
        need = minimum if isinstance(widget, (QComboBox, QLineEdit, QSlider)) else hint
        if isinstance(widget, QLabel):
            need = hint
        if isinstance(widget, QLineEdit) and not widget.text() and widget.placeholderText():
            # A search box cut to "S…" says nothing: its placeholder must show whole.
            margins = widget.textMargins()
            text = widget.fontMetrics().horizontalAdvance(widget.placeholderText())
            need = max(need, text + margins.left() + margins.right() + 12)
        if need > widget.width() + 1:
            found.append(f"{_name(widget)}: {widget.width()} px < hint {need} px")
    return found
