"""The Inspiration dock: the panel, the prompt library it shares with the Presets menu."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDockWidget, QLabel, QStackedWidget, QWidget

from app.ui.widgets import style

if TYPE_CHECKING:  # the prompt library, the panel and its cards load behind the first frame
    from app.services.events import GenerationState
    from app.ui.inspiration.panel import InspirationPanel
    from app.ui.inspiration.presets import FormGetter, PresetsMenu
    from app.ui.inspiration.prompt_library import PromptLibrary
    from app.ui.session import UiSession


class InspirationDock(QDockWidget):
    """Placed by the window in its first frame; given the session and a way to reach the form
    by ``attach`` once the app is running. The window only places it.

    The panel (a card per example, saved and recent prompt) is built when the dock is first
    shown, not at start: until then the dock keeps what the panel will show."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Inspiration", parent)
        self.setObjectName("inspiration-dock")
        self._session: UiSession | None = None
        self._form: FormGetter = lambda: None
        self._panel: InspirationPanel | None = None
        self._inspire: tuple[Mapping[str, Any], ...] = ()
        self._history: dict[int, GenerationState] | None = None  # None: not loaded yet
        loading = QLabel("Loading…")
        style.set_role(loading, "muted")
        loading.setMargin(12)
        self.setWidget(loading)
        self._center: QStackedWidget | None = None
        self._was_visible = False

    def attach(self, session: UiSession, form: FormGetter, menu_parent: QWidget) -> None:
        """The prompt library (shared with the Presets menu) and the session's updates."""
        from app.storage.prompts import PromptStore
        from app.ui.inspiration.presets import PresetsMenu
        from app.ui.inspiration.prompt_library import PromptLibrary, session_runner

        self._session, self._form = session, form
        store = PromptStore.in_folder(session.paths.data_dir)
        self.prompt_library: PromptLibrary = PromptLibrary(store, session_runner(session), self)
        self.presets_menu: PresetsMenu = PresetsMenu(self.prompt_library, form, menu_parent)
        self.presets_menu.notice_posted.connect(session.notify)
        session.generation_changed.connect(self._on_generation_changed)
        self.visibilityChanged.connect(self._on_visibility_changed)
        self.prompt_library.load()
        if self.isVisible() and not self.visibleRegion().isEmpty():
            self.panel  # noqa: B018 - in front at start: built now

    @property
    def panel_built(self) -> bool:
        return self._panel is not None

    @property
    def panel(self) -> InspirationPanel:
        """The panel, built on first use."""
        if self._panel is None:
            assert self._session is not None, "the dock is attached before its panel is shown"
            from app.ui.inspiration.panel import InspirationPanel
            from app.ui.inspiration.pictures import CardPictures
            from app.ui.widgets.thumbnails import ThumbnailLoader

            loader = ThumbnailLoader(self, pool=self._session.decode_pool)
            pictures = CardPictures(loader, self)  # each card's best image, decoded off-thread
            panel = InspirationPanel(self.prompt_library, self._form, pictures=pictures)
            panel.notice_posted.connect(self._session.notify)
            panel.set_examples(self._inspire)
            if self._history is not None:
                panel.set_history(self._history.values())
            self._panel = panel
            self.setWidget(panel)
        return self._panel

    def _on_visibility_changed(self, visible: bool) -> None:
        # Not showEvent: a dock tabbed behind Tasks is "shown" with the window. This signal
        # follows what the user sees (Qt: also emitted when its tab becomes selected).
        if visible and self._panel is None and self._session is not None:
            self.panel  # noqa: B018 - builds it

    def set_examples(self, inspire: Iterable[Mapping[str, Any]]) -> None:
        """The tool's example prompts (from the cached schema at start)."""
        self._inspire = tuple(inspire)
        if self._panel is not None:
            self._panel.set_examples(self._inspire)

    def bind_tool(self, inspire: Iterable[Mapping[str, Any]], history: Iterable[Any]) -> None:
        self._inspire = tuple(inspire)
        self._history = {s.id: s for s in history}
        if self._panel is not None:
            self._panel.bind_tool(self._inspire, self._history.values())

    def _on_generation_changed(self, state: GenerationState) -> None:
        if self._panel is not None:
            self._panel.note_generation(state)
        elif self._history is not None:
            self._history.setdefault(state.id, state)

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
