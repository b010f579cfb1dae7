"""A prompt shown with its syntax colours, wrapped to a few lines and elided (cards, lists)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QSize
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.form.prompt_style import format_ranges
from app.ui.widgets import style

ELLIPSIS = "…"


def _clip_ranges(
    ranges: list[QTextLayout.FormatRange], start: int, end: int, shift: int
) -> list[QTextLayout.FormatRange]:
    out = []
    for r in ranges:
        a, b = max(r.start, start), min(r.start + r.length, end)
        if a < b:
            fr = QTextLayout.FormatRange()
            fr.start, fr.length, fr.format = a - start + shift, b - a, r.format
            out.append(fr)
    return out


class PromptPreview(QWidget):
    """Prompt text with its syntax colours, wrapped to at most ``max_lines`` and elided."""

    def __init__(
        self, text: str, max_lines: int, colour: str = style.TEXT, prefix: str = "", parent=None
    ) -> None:
        super().__init__(parent)
        self._max_lines = max_lines
        self._colour = colour
        self._prefix = prefix
        self._text = ""
        self._ranges: list[QTextLayout.FormatRange] = []
        self._heights: dict[int, int] = {}
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        flat = text.replace("\n", " ").replace("\u2029", " ")
        self._text = self._prefix + flat
        self._ranges = _clip_ranges(format_ranges(flat), 0, len(flat), len(self._prefix))
        self._heights.clear()
        self.updateGeometry()
        self.update()

    def text(self) -> str:
        return self._text

    def _layout(self, text: str, ranges: list[QTextLayout.FormatRange]) -> QTextLayout:
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.setFormats(ranges)
        return layout

    def _lines(self, width: float) -> tuple[QTextLayout, int, bool]:
        """The wrapped layout, how many lines to show, and whether text was cut off."""
        layout = self._layout(self._text, self._ranges)
        spacing = QFontMetricsF(self.font()).lineSpacing()
        layout.beginLayout()
        count = 0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(width, 1.0))
            line.setPosition(QPointF(0, count * spacing))
            count += 1
        layout.endLayout()
        return layout, min(count, self._max_lines), count > self._max_lines

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if width not in self._heights:
            _, shown, _ = self._lines(float(width))
            self._heights[width] = max(1, shown) * round(QFontMetricsF(self.font()).lineSpacing())
        return self._heights[width]

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        self._heights.clear()  # a new font wraps differently

    def sizeHint(self) -> QSize:
        return QSize(200, self.heightForWidth(200))

    def minimumSizeHint(self) -> QSize:
        return QSize(40, round(QFontMetricsF(self.font()).lineSpacing()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(QColor(self._colour))
        width = float(self.width())
        layout, shown, cut = self._lines(width)
        spacing = QFontMetricsF(self.font()).lineSpacing()
        for index in range(shown - 1 if cut else shown):
            layout.lineAt(index).draw(painter, QPointF(0, 0))
        if cut:
            start = layout.lineAt(shown - 1).textStart()
            self._elided_line(start, width).draw(painter, QPointF(0, (shown - 1) * spacing))
        painter.end()

    def _elided_line(self, start: int, width: float) -> QTextLayout:
        metrics = QFontMetricsF(self.font())
        tail = self._layout(
            self._text[start:], _clip_ranges(self._ranges, start, len(self._text), 0)
        )
        tail.beginLayout()
        line = tail.createLine()
        line.setLineWidth(1e6)
        tail.endLayout()
        cut = line.xToCursor(max(width - metrics.horizontalAdvance(ELLIPSIS) - 2, 0))
        kept = self._text[start : start + cut].rstrip(" ,")
        ranges = _clip_ranges(self._ranges, start, start + len(kept), 0)
        elided = self._layout(kept + ELLIPSIS, ranges)
        elided.beginLayout()
        elided.createLine().setLineWidth(1e6)
        elided.endLayout()
        return elided
