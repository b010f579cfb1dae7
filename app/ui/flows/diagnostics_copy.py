"""Help → Copy diagnostics: the redacted report from app.services.diagnostics, to the clipboard."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from app.services.diagnostics import as_text, collect
from app.ui.session import UiSession

COPIED = "Diagnostics copied to the clipboard: versions, paths and the recent log (no keys)."


def qt_versions() -> dict[str, str | None]:
    return {"pyside6": PySide6.__version__, "qt_runtime": qVersion()}


def copy_diagnostics(session: UiSession) -> None:
    """Collects off the GUI thread (log file, keychain probe), then fills the clipboard."""

    def gather() -> str:
        info = collect(session.paths, qt=qt_versions(), credential_store=session.credentials)
        return as_text(info)

    async def run() -> None:
        text = await session.io(gather)
        QApplication.clipboard().setText(text)
        session.notify(COPIED)

    session.spawn(run(), name="copy-diagnostics")
