"""Plain Qt editors the field widgets wrap: a growing prompt box, honest spin boxes, a combo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPaintEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QWidget,
)

from app.core.params import Limits
from app.ui.widgets.common import paint_chevron, paint_spin_arrows

_QT_INT_MAX = 2**31 - 1


class PromptEdit(QPlainTextEdit):
    """A multi-line prompt editor: Tab moves focus, and it grows with its text."""

    def __init__(self, min_lines: int = 5, max_lines: int = 12, parent=None) -> None:
        super().__init__(parent)
        self._min_lines, self._max_lines = min_lines, max_lines
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._on_layout_resized)
        self._fit()

    def _on_layout_resized(self, *_args: object) -> None:
        self._fit()

    def _fit(self) -> None:
        doc = self.document()
        line = float(self.fontMetrics().lineSpacing())
        block = doc.firstBlock()
        if block.layout() is not None and block.layout().lineCount():
            line = max(line, self.blockBoundingRect(block).height() / block.layout().lineCount())
        lines = max(self._min_lines, min(self._max_lines, int(doc.size().height())))
        height = round(lines * line + self.frameWidth() * 2 + doc.documentMargin() * 2 + 6)
        if self.minimumHeight() != height or self.maximumHeight() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()


if TYPE_CHECKING:  # what the mixin is mixed into: QSpinBox or QDoubleSpinBox

    class _SpinBase(QAbstractSpinBox):
        def value(self) -> Any: ...
        def setValue(self, value: Any) -> None: ...
        def singleStep(self) -> Any: ...
        def textFromValue(self, value: Any) -> str: ...

else:
    _SpinBase = object


class _SpinMixin(_SpinBase):
    """Spin-box behaviour shared by both numeric kinds.

    The Qt range is wide on purpose: a typed value out of the field's limits stays as typed
    and gets an inline error instead of being clamped silently. The arrows and the wheel do
    respect the limits (and snap to the multiple, e.g. 8 for sizes).
    """

    limits: Limits

    def stepBy(self, steps: int) -> None:
        lim = self.limits
        step = self.singleStep()
        value = self.value()
        if lim.multiple_of and step:
            # From 500 with step 8: up gives 504, down 496 (the neighbours on the grid).
            below = (value // step) * step
            base = below if steps > 0 or below == value else below + step
            value = base + steps * step
        else:
            value = value + steps * step
        if lim.minimum is not None:
            value = max(value, lim.minimum)
        if lim.maximum is not None:
            value = min(value, lim.maximum)
        self.setValue(value)
        self.selectAll()

    def stepEnabled(self):
        both = QAbstractSpinBox.StepEnabledFlag
        if self.isReadOnly():
            return both.StepNone
        flags = both.StepNone
        if self.limits.maximum is None or self.value() < self.limits.maximum:
            flags |= both.StepUpEnabled
        if self.limits.minimum is None or self.value() > self.limits.minimum:
            flags |= both.StepDownEnabled
        return flags

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()  # let the form scroll instead of changing a value by accident

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        paint_spin_arrows(self)

    def sizeHint(self):
        hint = super().sizeHint()
        sample = self.textFromValue(type(self.value())(self.limits.maximum or 99999)) + "0"
        hint.setWidth(self.fontMetrics().horizontalAdvance(sample) + 44)
        return hint

    def minimumSizeHint(self):
        hint = self.sizeHint()
        hint.setWidth(min(hint.width(), self.fontMetrics().horizontalAdvance("0000") + 34))
        return hint


class IntSpinBox(_SpinMixin, QSpinBox):
    """Whole numbers: any typed value is kept; arrows and wheel stay within the limits."""

    def __init__(self, limits: Limits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = limits
        self.setRange(-_QT_INT_MAX, _QT_INT_MAX)
        self.setSingleStep(int(limits.step or 1))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setProperty("themed", True)


class FloatSpinBox(_SpinMixin, QDoubleSpinBox):
    """Decimal numbers, with the same honest-typing rule as IntSpinBox."""

    def __init__(self, limits: Limits, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limits = limits
        self.setDecimals(decimals_for(limits.step))
        self.setRange(-1e9, 1e9)
        self.setSingleStep(limits.step or 0.1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setProperty("themed", True)


def decimals_for(step: float | None) -> int:
    """Digits after the point that a step needs: 0.5 → 1, 0.25 → 2, unknown → 2."""
    if not step:
        return 2
    text = f"{step:.6f}".rstrip("0").rstrip(".")
    return max(1, len(text.partition(".")[2]))


SHORT_LABEL_ROLE = Qt.ItemDataRole.UserRole + 1


class ChoiceCombo(QComboBox):
    """A combo box that shows an item's short label when the full one does not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("themed", True)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        rect = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        metrics = self.fontMetrics()
        short = self.currentData(SHORT_LABEL_ROLE)
        if short and metrics.horizontalAdvance(opt.currentText) > rect.width():
            opt.currentText = short
        opt.currentText = metrics.elidedText(
            opt.currentText, Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
        painter.end()
        arrow = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxArrow, self
        )
        paint_chevron(self, QRectF(arrow), self.isEnabled())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()
