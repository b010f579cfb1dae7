"""The Inspiration dock: the panel, the prompt library it shares with the Presets menu."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QStackedWidget, QWidget

from app.storage.prompts import PromptStore
from app.ui.inspiration.panel import FormGetter, InspirationPanel
from app.ui.inspiration.pictures import CardPictures
from app.ui.inspiration.presets import PresetsMenu
from app.ui.inspiration.prompt_library import PromptLibrary, session_runner
from app.ui.session import UiSession
from app.ui.widgets.thumbnails import ThumbnailLoader


class InspirationDock(QDockWidget):
    """Built with the session and a way to reach the form; the window only places it."""

    def __init__(self, session: UiSession, form: FormGetter, parent: QWidget) -> None:
        super().__init__("Inspiration", parent)
        self.setObjectName("inspiration-dock")
        store = PromptStore.in_folder(session.paths.data_dir)
        self.prompt_library = PromptLibrary(store, session_runner(session), self)
        loader = ThumbnailLoader(self, pool=session.decode_pool)
        self.panel = InspirationPanel(
            self.prompt_library, form, pictures=CardPictures(loader, self)
        )
        self.setWidget(self.panel)
        self.presets_menu = PresetsMenu(self.prompt_library, form, parent)
        self.panel.notice_posted.connect(session.notify)
        self.presets_menu.notice_posted.connect(session.notify)
        session.generation_changed.connect(self.panel.note_generation)
        self.prompt_library.load()
        self._center: QStackedWidget | None = None
        self._was_visible = False

    def show_panel(self) -> None:
        if self.is_full():
            self.panel.focus_search()
            return
        self.show()
        self.raise_()
        self.panel.focus_search()

    # -- the full view: the same panel in the central area, its cards in a grid ---------------

    def is_full(self) -> bool:
        return self._center is not None and self.panel.parentWidget() is self._center

    def show_full(self, center: QStackedWidget) -> None:
        """Moves the panel into the central area (cards fill it in columns) until it is left."""
        if self._center is None:
            self._center = center
            center.currentChanged.connect(self._on_center_changed)
        if not self.is_full():
            self._was_visible = self.isVisible()
            self.setWidget(QWidget())  # the dock keeps a blank stand-in meanwhile
            center.addWidget(self.panel)
            self.hide()
        center.setCurrentWidget(self.panel)
        self.panel.focus_search()

    def _on_center_changed(self, _index: int) -> None:
        center = self._center
        if center is None or not self.is_full() or center.currentWidget() is self.panel:
            return
        center.removeWidget(self.panel)
        stand_in = self.widget()
        self.setWidget(self.panel)
        if stand_in is not None:
            stand_in.deleteLater()
        if self._was_visible:
            self.show()
