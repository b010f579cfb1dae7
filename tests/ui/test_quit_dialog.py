"""Quitting with generations in progress asks first; only Quit quits, and the text says
nothing is lost."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.ui.dialogs.quit_dialog import ask_to_quit


def test_only_quit_quits(qtbot):
    quits: list[bool] = []
    box = ask_to_quit(None, 2, lambda: quits.append(True))
    qtbot.addWidget(box)
    assert box.text() == "2 generations are still in progress."
    assert "Nothing is lost" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert quits == []

    one = ask_to_quit(None, 1, lambda: quits.append(True))
    qtbot.addWidget(one)
    assert one.text() == "1 generation is still in progress."
    [quit_button] = [b for b in one.buttons() if b.text() == "Quit"]
    quit_button.click()
    assert quits == [True]
