"""Quitting while generations are still in progress: the user decides, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_to_quit(parent: QWidget | None, running: int, on_quit: Callable[[], None]) -> QMessageBox:
    """Opens the question (non-modal); ``on_quit`` runs only if the user chooses Quit."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit Wiro Studio?")
    box.setText(f"{running} generation{'s are' if running != 1 else ' is'} still in progress.")
    box.setInformativeText(
        "Nothing is lost: Wiro Studio picks them up and downloads their images the next "
        "time you open it."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Cancel)
    quit_button = box.addButton("Quit", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def on_finished() -> None:
        if box.clickedButton() is quit_button:
            on_quit()

    box.finished.connect(on_finished)
    box.open()
    return box
