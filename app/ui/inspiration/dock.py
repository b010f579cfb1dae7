"""The Inspiration dock: the panel, the prompt library it shares with the Presets menu."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget, QWidget

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

    def show_panel(self) -> None:
        self.show()
        self.raise_()
        self.panel.focus_search()
