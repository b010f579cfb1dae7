"""The window's layout: hide or show the form and the side docks, reset, restore what fits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter, QWidget

if TYPE_CHECKING:
    from app.ui.widgets.commands import CommandRegistry

DEFAULT_SIZE = (1280, 800)
FORM_WIDTH = 380  # the form's share of the splitter when the layout is reset
NARROW = 1200  # below this width the side docks step aside so the gallery keeps its room


class LayoutKeeper(QObject):
    """Owns the View menu's layout commands and the default the window can go back to."""

    def __init__(self, window: QMainWindow, splitter: QSplitter, docks: list[QDockWidget]) -> None:
        super().__init__(window)
        self.window, self.splitter, self.docks = window, splitter, docks
        self._default_state = window.saveState()
        self.form_action: QAction | None = None
        self.side_action: QAction | None = None
        self._auto_hidden = False  # the docks stepped aside for a narrow window, not by choice
        self._pinned = False  # the user brought them back while the window is narrow
        window.installEventFilter(self)
        for dock in self.docks:  # from the first frame on: a tabbed dock shows no title bar
            dock.toggleViewAction().toggled.connect(self._sync_side)
        self._sync_side()

    @property
    def form_panel(self) -> QWidget:
        panel = self.splitter.widget(0)
        assert panel is not None  # the window puts the form host first
        return panel

    def declare_commands(self, commands: CommandRegistry) -> None:
        from app.ui.widgets.commands import Command  # the workspace's: after the first frame

        self.form_action = commands.declare(
            Command("view.form", "&Form panel", None, "Ctrl+1", checkable=True,
                    toggled=self.set_form_shown,
                    status_tip="Show or hide the generation settings on the left")
        )  # fmt: skip
        self.side_action = commands.declare(
            Command("view.side", "&Side panel (Tasks, Inspiration)", None, "Ctrl+2",
                    checkable=True, toggled=self.set_side_shown,
                    status_tip="Show or hide the Tasks and Inspiration panel")
        )  # fmt: skip
        commands.declare(
            Command("view.reset_layout", "&Reset layout", self.reset,
                    status_tip="Put the panels back where they were at first start")
        )  # fmt: skip
        self.form_action.setChecked(True)
        self._sync_side()

    # -- showing and hiding ---------------------------------------------------------------

    def set_form_shown(self, shown: bool) -> None:
        self.form_panel.setVisible(shown)
        if self.form_action is not None:
            self.form_action.setChecked(shown)

    def set_side_shown(self, shown: bool) -> None:
        self._auto_hidden = False
        self._pinned = shown and self.window.width() < NARROW
        self._show_docks(shown)

    def _show_docks(self, shown: bool) -> None:
        for dock in self.docks:
            dock.setVisible(shown)
        if shown:
            self.docks[0].raise_()
        self._sync_side()

    def _sync_side(self, *_args: object) -> None:
        if self.side_action is not None:
            self.side_action.setChecked(self._side_shown())
        self._sync_titles()

    def _sync_titles(self) -> None:
        """A dock in a tab is named by its tab; alone it keeps its title bar (never both)."""
        for dock in self.docks:
            tabbed = any(not other.isHidden() for other in self.window.tabifiedDockWidgets(dock))
            has_blank = dock.titleBarWidget() is not None
            if tabbed and not has_blank:
                dock.setTitleBarWidget(QWidget(dock))
            elif not tabbed and has_blank:
                blank = dock.titleBarWidget()
                dock.setTitleBarWidget(None)  # type: ignore[arg-type]  # None brings Qt's own back
                if blank is not None:
                    blank.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self._fit_docks_to_width()
        return False

    def _fit_docks_to_width(self) -> None:
        narrow = self.window.width() < NARROW
        if narrow and not self._pinned and not self._auto_hidden and self._side_shown():
            self._auto_hidden = True
            self._show_docks(False)
        elif not narrow:
            self._pinned = False
            if self._auto_hidden:
                self._auto_hidden = False
                self._show_docks(True)

    def _side_shown(self) -> bool:
        return any(not dock.isHidden() for dock in self.docks)

    def reset(self) -> None:
        """Back to the first-start layout: form, docks (Tasks in front) and splitter widths."""
        self.window.restoreState(self._default_state)
        for dock in self.docks:
            dock.setFloating(False)
        self._auto_hidden = self._pinned = False
        self._show_docks(True)
        self._fit_docks_to_width()
        self.set_form_shown(True)
        total = sum(self.splitter.sizes()) or self.window.width()
        form = max(self.form_panel.minimumSizeHint().width(), self.form_panel.minimumWidth())
        form = max(form, FORM_WIDTH)
        self.splitter.setSizes([form, max(0, total - form)])
        self._sync_side()

    # -- restoring -------------------------------------------------------------------------

    def restore(self, geometry: str, state: str) -> bool:
        """Restores a saved layout only if the window it describes fits on a screen now.

        Returns whether it was restored; otherwise the window gets the default layout sized
        to the screen it is on.
        """
        if geometry:
            before = self.window.geometry()
            self.window.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
            if not self._fits(self.window.frameGeometry()):
                self.window.setGeometry(before)
                self.fit_to_screen()
                return False
        if state:
            self.window.restoreState(QByteArray.fromBase64(state.encode()))
            self._sync_side()
        return True

    def fit_to_screen(self) -> None:
        screen = self.window.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        minimum = self.window.minimumSize()
        width = max(minimum.width(), min(DEFAULT_SIZE[0], area.width()))
        height = max(minimum.height(), min(DEFAULT_SIZE[1], area.height()))
        self.window.resize(width, height)
        self.window.move(area.topLeft())

    def _fits(self, frame: QRect) -> bool:
        for screen in QGuiApplication.screens():
            if screen.availableGeometry().adjusted(-8, -8, 8, 8).contains(frame):
                return True
        return False
