"""The lightbox's hold on the window: hide every panel (F/Tab), full screen (F11), Esc back."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QObject
from PySide6.QtWidgets import QMainWindow, QWidget


class Lightbox(QObject):
    """Hides the panels around the viewer and brings back exactly those that were shown."""

    def __init__(
        self,
        viewer: QWidget,
        panels: Callable[[], Sequence[QWidget]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self._panels = panels
        self._hidden: list[QWidget] = []
        self._docks: QByteArray | None = None  # the window's dock layout before hiding
        self._entered_full_screen = False
        self._was_maximized = False

    def panels_hidden(self) -> bool:
        return bool(self._hidden)

    def full_screen(self) -> bool:
        return self.viewer.window().isFullScreen()

    def set_panels_hidden(self, hidden: bool) -> None:
        window = self.viewer.window()
        if hidden and not self._hidden:
            if isinstance(window, QMainWindow):  # tabbed docks come back as they were
                self._docks = window.saveState()
            self._hidden = [w for w in self._panels() if not w.isHidden()]
            for widget in self._hidden:
                widget.hide()
        elif not hidden and self._hidden:
            for widget in self._hidden:
                widget.show()
            if self._docks is not None and isinstance(window, QMainWindow):
                window.restoreState(self._docks)
            self._hidden, self._docks = [], None
        self.viewer.setFocus()

    def set_full_screen(self, full: bool) -> None:
        window = self.viewer.window()
        if full and not window.isFullScreen():
            self._was_maximized = window.isMaximized()
            self._entered_full_screen = True
            window.showFullScreen()
        elif not full and window.isFullScreen():
            self._entered_full_screen = False
            window.showMaximized() if self._was_maximized else window.showNormal()
        self.viewer.setFocus()

    def step_back(self) -> bool:
        """Esc: leaves full screen, else brings the panels back; False when there is nothing to
        undo here (the caller then closes the viewer)."""
        if self.full_screen():
            self.set_full_screen(False)
            return True
        if self._hidden:
            self.set_panels_hidden(False)
            return True
        return False

    def restore(self) -> None:
        """Leaving the viewer: the window as it was before the lightbox changed it."""
        if self._entered_full_screen:
            self.set_full_screen(False)
        self.set_panels_hidden(False)
