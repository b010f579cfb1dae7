"""How prompt syntax looks: one set of text formats for the editor and the inspiration cards."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextLayout

from app.core.prompt import Span, SpanKind, tokenize, utf16_offsets
from app.ui.widgets import style

# Brackets cycle through these by nesting depth; all read well on style.BASE and ALT_BASE.
BRACKET_COLOURS = (style.ACCENT_HOVER, "#5ec8c8", "#d09af2")
WEIGHT_COLOUR = style.WARNING
EMBEDDING_COLOUR = style.SUCCESS
ESCAPE_COLOUR = style.MUTED_TEXT
BREAK_COLOUR = style.MUTED_TEXT
UNBALANCED_COLOUR = style.ERROR
UNBALANCED_BACKGROUND = style.ERROR_BG

_BRACKETS = {
    SpanKind.EMPHASIS_OPEN,
    SpanKind.EMPHASIS_CLOSE,
    SpanKind.DEEMPHASIS_OPEN,
    SpanKind.DEEMPHASIS_CLOSE,
}


def bracket_colour(depth: int) -> str:
    return BRACKET_COLOURS[depth % len(BRACKET_COLOURS)]


@cache
def _format(kind: SpanKind, depth: int) -> QTextCharFormat:
    fmt = QTextCharFormat()
    if kind in _BRACKETS:
        fmt.setForeground(QColor(bracket_colour(depth)))
        fmt.setFontWeight(QFont.Weight.Bold)
    elif kind is SpanKind.WEIGHT:
        fmt.setForeground(QColor(WEIGHT_COLOUR))
    elif kind is SpanKind.EMBEDDING:
        fmt.setForeground(QColor(EMBEDDING_COLOUR))
        fmt.setFontWeight(QFont.Weight.DemiBold)
    elif kind is SpanKind.ESCAPE:
        fmt.setForeground(QColor(ESCAPE_COLOUR))
        fmt.setFontItalic(True)
    elif kind is SpanKind.BREAK:
        fmt.setForeground(QColor(BREAK_COLOUR))
        fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontUnderline(True)
    elif kind is SpanKind.UNBALANCED:
        fmt.setForeground(QColor(UNBALANCED_COLOUR))
        fmt.setBackground(QColor(UNBALANCED_BACKGROUND))
        fmt.setFontWeight(QFont.Weight.Bold)
    return fmt


def span_format(span: Span) -> QTextCharFormat:
    """The text format of one syntax span (shared, do not modify)."""
    depth = span.depth if span.kind in _BRACKETS else 0
    return _format(span.kind, depth)


def qt_spans(text: str) -> list[Span]:
    """The syntax spans of ``text`` with UTF-16 offsets, as Qt's text positions count."""
    return utf16_offsets(text, tokenize(text))


def format_ranges(text: str) -> list[QTextLayout.FormatRange]:
    """Format ranges for a QTextLayout showing ``text`` (the inspiration cards use these)."""
    ranges = []
    for span in qt_spans(text):
        fr = QTextLayout.FormatRange()
        fr.start, fr.length, fr.format = span.start, span.end - span.start, span_format(span)
        ranges.append(fr)
    return ranges
