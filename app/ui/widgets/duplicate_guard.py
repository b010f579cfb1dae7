"""Asks before paying twice: a fixed-seed request identical to one still running."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.services.events import GenerationState


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a if a is not None else "").strip() == str(b if b is not None else "").strip()


def identical_running(
    running: Iterable[GenerationState], values: Mapping[str, Any]
) -> GenerationState | None:
    """The unfinished generation whose every submitted value equals these, if any."""
    for state in running:
        if state.is_final:
            continue
        if all(_same(state.params.get(key), value) for key, value in values.items()):
            return state
    return None


def confirm_duplicate(parent: QWidget, go: Callable[[], None]) -> QMessageBox:
    """A non-blocking question; ``go`` runs only if the artist says to generate anyway."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Same request already running")
    box.setText("An identical generation with this fixed seed is still running.")
    box.setInformativeText(
        "It will give the same images, and Wiro bills each run. Generate it again anyway?"
    )
    again = box.addButton("Generate again", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda button: go() if button is again else None)
    box.open()
    return box
