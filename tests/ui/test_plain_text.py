"""The one way widgets show server or file text: plain, with hidden characters visible."""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from app.ui.dialogs.error_dialog import show_error_dialog
from app.ui.widgets.common import ElidedLabel, InfoBadge
from app.ui.widgets.plain import plain_message_box, plain_tooltip, set_plain_text, tray_text

IMG = '<img src="/dev/zero">'


def test_labels_show_markup_literally(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    set_plain_text(label, f"{IMG}\x00\u202e")
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.text() == f"{IMG}␀<U+202E>"


def test_tooltips_are_escaped_rich_text(qtbot) -> None:
    tip = plain_tooltip(f"{IMG}\nline two & more")
    assert QtGui.Qt.mightBeRichText(tip)
    doc = QTextDocument()
    doc.setHtml(tip)
    assert doc.toPlainText() == f"{IMG}\nline two & more"
    assert plain_tooltip("") == ""


def test_message_boxes_are_plain(qtbot) -> None:
    box = plain_message_box(QMessageBox())
    qtbot.addWidget(box)
    box.setText(IMG)
    box.setInformativeText(IMG)
    labels = [w for w in box.findChildren(QLabel) if w.text() == IMG]
    assert len(labels) == 2
    assert all(w.textFormat() == Qt.TextFormat.PlainText for w in labels)


def test_the_error_dialog_shows_a_server_summary_literally(qtbot) -> None:
    box = show_error_dialog(None, f"{IMG}\x1b", "details")  # type: ignore[arg-type]
    qtbot.addWidget(box)
    assert box.informativeText() == f"{IMG}␛"
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()


def test_shared_widgets_use_the_helpers(qtbot) -> None:
    elided = ElidedLabel(f"{IMG}\x07")
    qtbot.addWidget(elided)
    assert elided.textFormat() == Qt.TextFormat.PlainText
    assert elided.full_text() == f"{IMG}␇"
    badge = InfoBadge(IMG)
    qtbot.addWidget(badge)
    doc = QTextDocument()
    doc.setHtml(badge.toolTip())
    assert doc.toPlainText() == IMG


def test_tray_text_has_no_markup_a_daemon_could_read() -> None:
    assert tray_text(f"ready: {IMG}\n") == 'ready: ‹img src="/dev/zero"› '
