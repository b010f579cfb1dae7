"""The answer when the history database cannot be opened: what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from app.core.display import visible_text
from app.storage.dbfaults import DbProblem, HistoryUnavailable
from app.ui.widgets.plain import plain_message_box

MOVE_ASIDE = "Move it aside and start a new history"
OPEN_FOLDER = "Open the folder"
RETRY = "Retry"


def problem_text(error: HistoryUnavailable) -> tuple[str, str]:
    """The headline and the explanation with its fix, for one cause."""
    path = str(error.path or "the history file")
    folder = str(error.folder or "its folder")
    problem = error.problem
    if problem is DbProblem.CORRUPT:
        return (
            "Wiro Studio's history file is damaged and cannot be read.",
            f"File: {path}\n\nMove it aside to start a new history: the damaged file is kept "
            "next to it (renamed, nothing is deleted), and the images in your library are "
            "added back to the gallery. Your saved and exported images are not affected.",
        )
    if problem is DbProblem.READ_ONLY:
        return (
            "Wiro Studio cannot write to its history folder.",
            f"Folder: {folder}\n\nThe folder, the file in it, or the whole disk is read-only. "
            "Make the folder writable for your user (for example: chmod -R u+w on it, or "
            "remount the disk read-write), then press Retry.",
        )
    if problem is DbProblem.LOCKED:
        return (
            "Another program is using Wiro Studio's history file.",
            f"File: {path}\n\nThis is usually a second copy of Wiro Studio, or a backup or sync "
            "tool. Close it, then press Retry.",
        )
    if problem is DbProblem.DISK_FULL:
        return (
            "The disk holding Wiro Studio's history is full.",
            f"Folder: {folder}\n\nFree some space on that disk, then press Retry.",
        )
    return (
        "Wiro Studio cannot open its history file.",
        f"File: {path}\n\nCause: {error.detail}\n\nCheck that the folder exists and is yours, "
        "then press Retry.",
    )


def show_history_problem(
    parent: QWidget | None,
    error: HistoryUnavailable,
    *,
    on_retry: Callable[[], None],
    on_move_aside: Callable[[], None],
) -> QMessageBox:
    """Non-modal (open()); stays up after "Open the folder" so the user can come back."""
    box = plain_message_box(QMessageBox(parent))
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("History unavailable")
    headline, explanation = problem_text(error)
    box.setText(headline)
    box.setInformativeText(visible_text(explanation))
    box.setDetailedText(visible_text(f"{error.problem.value}: {error.detail}"))
    move = None
    if error.problem is DbProblem.CORRUPT:
        move = box.addButton(MOVE_ASIDE, QMessageBox.ButtonRole.AcceptRole)
    retry = box.addButton(RETRY, QMessageBox.ButtonRole.AcceptRole)
    folder = box.addButton(OPEN_FOLDER, QMessageBox.ButtonRole.HelpRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(move or retry)

    def on_clicked(button: QAbstractButton) -> None:
        if button is folder:
            open_folder(error.folder)
            QTimer.singleShot(0, box.open)  # every button closes the box: bring it back
        elif button is retry:
            on_retry()
        elif move is not None and button is move:
            on_move_aside()

    box.buttonClicked.connect(on_clicked)
    box.open()
    return box


def open_folder(folder: Path | None) -> None:
    target = folder
    while target is not None and not target.exists() and target != target.parent:
        target = target.parent  # a deleted folder: open the nearest one that exists
    if target is not None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))
