"""Showing server- or file-provided text in widgets: always plain text, never markup.

Qt treats a label's, tooltip's or message box's text as HTML when it looks like HTML, and
its HTML engine loads ``<img src=…>`` from any path (``/dev/zero`` never ends). Every text
that did not come from this app's own code goes through one of these helpers.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.core.display import one_line, visible_text

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

TOOLTIP_MAX_CHARS = 2000


def set_plain_text(
    label: QLabel, text: object, *, single_line: bool = False, max_chars: int | None = None
) -> None:
    """Shows ``text`` literally: PlainText format, hidden characters made visible."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    shown = one_line(text, max_chars) if single_line else visible_text(text, max_chars=max_chars)
    label.setText(shown)


def plain_tooltip(text: object, max_chars: int = TOOLTIP_MAX_CHARS) -> str:
    """A tooltip string that shows ``text`` literally (tooltips have no format setting:
    the text is escaped inside an explicit rich-text wrapper, so Qt never guesses)."""
    shown = visible_text(text, max_chars=max_chars)
    if not shown:
        return ""
    body = html.escape(shown, quote=False).replace("\n", "<br>")
    return f"<qt>{body}</qt>"


def plain_message_box(box: QMessageBox) -> QMessageBox:
    """Makes the box's text and informative text plain (the detailed text already is)."""
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def tray_text(text: object, max_chars: int = 500) -> str:
    """Tray message text: one visible line, no angle brackets (notification daemons may read
    markup and offer no way to turn it off)."""
    return one_line(text, max_chars).replace("<", "‹").replace(">", "›")
