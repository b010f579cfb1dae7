"""Help → Copy diagnostics: the redacted report from app.services.diagnostics, to the clipboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from app.services.diagnostics import as_text, collect

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

COPIED = "Diagnostics copied to the clipboard: versions, paths and the recent log (no keys)."


def qt_versions() -> dict[str, str | None]:
    return {"pyside6": PySide6.__version__, "qt_runtime": qVersion()}


def copy_diagnostics(window: MainWindow) -> None:
    """Collects off the GUI thread (log file, keychain probe), then fills the clipboard."""
    controller = window.controller

    def gather() -> str:
        info = collect(controller.paths, qt=qt_versions(), credential_store=controller.credentials)
        return as_text(info)

    async def run() -> None:
        text = await controller.io(gather)
        QApplication.clipboard().setText(text)
        window.show_notice(COPIED)

    controller.spawn(run(), name="copy-diagnostics")
