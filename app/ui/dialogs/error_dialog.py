"""The dialog for unexpected errors: a plain summary, the details, and Copy details."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget

from app.core.display import visible_text
from app.ui.widgets.plain import plain_message_box

_open: list[QMessageBox] = []


def show_error_dialog(parent: QWidget, summary: str, details: str) -> QMessageBox:
    """Non-modal (open(), never exec()) so it is safe while coroutines run."""
    box = plain_message_box(QMessageBox(parent))
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Something went wrong")
    box.setText("Wiro Studio hit an unexpected problem. Your images and history are safe.")
    box.setInformativeText(visible_text(summary, max_chars=500))
    if details:
        box.setDetailedText(details)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)

    def on_clicked(button: QAbstractButton) -> None:
        if button is copy:
            QApplication.clipboard().setText(f"{summary}\n\n{details}")

    box.buttonClicked.connect(on_clicked)
    box.finished.connect(lambda _: _open.remove(box) if box in _open else None)
    _open.append(box)
    box.open()
    return box
