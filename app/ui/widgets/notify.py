"""Desktop notifications when work finishes while the window is in the background."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow, QSystemTrayIcon

from app.services.events import GenerationState
from app.ui.widgets.plain import tray_text


class Notifier:
    """A tray message where the desktop has a tray, else the taskbar's attention flash."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        self.sent: list[str] = []

    def _ensure_tray(self) -> QSystemTrayIcon | None:
        if self.tray is None and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self.window.windowIcon(), self.window)
            self.tray.setToolTip("Wiro Studio")
            self.tray.messageClicked.connect(self._raise_window)
            self.tray.show()
        return self.tray

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def generation_finished(self, state: GenerationState, enabled: bool) -> None:
        if not enabled:
            return
        count = len(state.images)
        prompt = str(state.params.get("prompt", ""))[:80]
        text = f"{count} image{'s' if count != 1 else ''} ready: {prompt}"
        self.sent.append(text)
        tray = self._ensure_tray()
        if tray is not None:
            tray.showMessage(
                "Wiro Studio", tray_text(text), QSystemTrayIcon.MessageIcon.Information, 6000
            )
        else:
            QApplication.alert(self.window, 0)

    def error_notice(self, text: str) -> None:
        if not self.window.isActiveWindow():
            QApplication.alert(self.window, 0)
