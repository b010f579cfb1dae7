"""The inspiration browser: the tool's examples and the artist's saved and recent prompts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.events import GenerationState
from app.ui.inspiration.actions import PromptActions, suggested_name
from app.ui.inspiration.card_list import CardList
from app.ui.inspiration.cards import PromptCard
from app.ui.inspiration.data import (
    PROMPT,
    Entry,
    Source,
    example_entries,
    recent_entries,
    saved_entries,
)
from app.ui.inspiration.pictures import CardPictures
from app.ui.inspiration.prompt_library import PromptLibrary
from app.ui.widgets import style

if TYPE_CHECKING:
    from app.ui.form.schema_form import SchemaForm

FormGetter = Callable[[], "SchemaForm | None"]


def apply_entry(form: SchemaForm, entry: Entry, use_all: bool = False) -> None:
    """Fills the form from an entry; with ``use_all`` a carried seed is fixed, not randomised."""
    form.model.apply(entry.values(use_all))


def _claims(event: QEvent, *keys: QKeySequence.StandardKey | Qt.Key) -> bool:
    """A ShortcutOverride for one of ``keys``: claiming it keeps window shortcuts out."""
    if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
        return False
    return any(
        event.matches(k) if isinstance(k, QKeySequence.StandardKey) else event.key() == k
        for k in keys
    )


class _SearchBox(QLineEdit):
    """The search field: Down or Enter moves into the cards, Escape clears."""

    leave_down = Signal()

    def event(self, event: QEvent) -> bool:
        if self.text() and _claims(event, Qt.Key.Key_Escape):
            event.accept()  # clear the search, not "Back to gallery"
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.leave_down.emit()
        elif event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
        else:
            super().keyPressEvent(event)


class InspirationPanel(PromptActions, QWidget):
    """Cards to browse and reuse prompts: Use fills the prompt fields, Use all the rest too."""

    notice_posted = Signal(str)

    def __init__(
        self,
        library: PromptLibrary,
        form: FormGetter,
        parent: QWidget | None = None,
        *,
        pictures: CardPictures | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inspirationPanel")
        self.library = library
        self._form = form
        self.pictures = pictures
        if pictures is not None:
            pictures.ready.connect(self._on_picture_ready)
        self._inspire: tuple[Mapping[str, Any], ...] = ()
        self._runs: dict[int, tuple[Mapping[str, Any], float]] = {}
        self._dialog: QWidget | None = None

        self.search = _SearchBox(self)
        self.search.setPlaceholderText("Search inspiration (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search inspiration")
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.leave_down.connect(self._on_search_leave_down)

        self.examples = CardList("This tool has no example prompts.")
        self.saved = CardList(
            "No saved prompts yet.\nWrite a prompt in the form, then “Save current prompt…”."
        )
        self.recent = CardList("Prompts you generate with show up here.")
        for cards in (self.examples, self.saved, self.recent):
            cards.card_added.connect(self._on_card_added)
            cards.left_at_top.connect(self.focus_search)

        self.save_button = QPushButton("Save current prompt…")
        style.make_link(self.save_button)
        self.save_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.save_button.setToolTip("Save the form's prompt and negative prompt under a name")
        self.save_button.clicked.connect(self.save_current_prompt)
        saved_page = QWidget()
        saved_column = QVBoxLayout(saved_page)
        saved_column.setContentsMargins(0, 6, 0, 0)
        saved_column.setSpacing(0)
        saved_row = QHBoxLayout()
        saved_row.setContentsMargins(0, 0, 0, 0)
        saved_row.addWidget(self.save_button)
        saved_row.addStretch(1)
        saved_column.addLayout(saved_row)
        saved_column.addWidget(self.saved, 1)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setStyleSheet("QTabBar::tab { padding: 6px 8px; }")
        # Tab labels are never cut: no scroll arrows, the panel is as wide as its tabs need.
        self.tabs.tabBar().setUsesScrollButtons(False)
        self.tabs.tabBar().setElideMode(Qt.TextElideMode.ElideNone)
        self.tabs.addTab(self.examples, "Examples")
        self.tabs.addTab(saved_page, "Saved")
        self.tabs.addTab(self.recent, "Recent")
        self._pages = {Source.EXAMPLE: 0, Source.SAVED: 1, Source.RECENT: 2}

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 8, 8, 0)
        column.setSpacing(6)
        column.addWidget(self.search)
        column.addWidget(self.tabs, 1)
        self.setMinimumWidth(260)
        library.changed.connect(self._on_library_changed)
        self._refresh_saved()
        self._refresh_examples()
        self._refresh_recent()

    # -- keys -------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # Ctrl+F inside the panel searches prompts, not the gallery (a window-wide shortcut).
        if _claims(event, QKeySequence.StandardKey.Find):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Find):
            self.focus_search()
            return
        super().keyPressEvent(event)

    # -- data in ----------------------------------------------------------------------------

    def set_examples(self, inspire: Iterable[Mapping[str, Any]]) -> None:
        self._inspire = tuple(inspire)
        self._refresh_examples()

    def set_history(self, states: Iterable[GenerationState]) -> None:
        """The studio's history (a new account or demo profile replaces the old one)."""
        states = list(states)
        self._runs = {s.id: (dict(s.params), s.created_at) for s in states}
        if self.pictures is not None:
            self.pictures.set_history(states)
        self._refresh_recent()
        self._show_pictures()

    def bind_tool(self, inspire: Iterable[Mapping[str, Any]], history: Iterable[Any]) -> None:
        self.set_examples(inspire)
        self.set_history(history)

    def note_generation(self, state: GenerationState) -> None:
        """A generation started or changed: a new one adds its prompt to Recent."""
        if state.id not in self._runs and str(state.params.get(PROMPT) or "").strip():
            self._runs[state.id] = (dict(state.params), state.created_at)
            self._refresh_recent()
        if self.pictures is not None and self.pictures.note(state):
            self._show_pictures()

    def lists(self) -> dict[Source, CardList]:
        return {Source.EXAMPLE: self.examples, Source.SAVED: self.saved, Source.RECENT: self.recent}

    # -- showing ----------------------------------------------------------------------------

    def _on_library_changed(self) -> None:
        self._refresh_examples()
        self._refresh_saved()

    def _refresh_examples(self) -> None:
        self.examples.set_entries(example_entries(self._inspire, self.library.book))
        self._update_tabs()

    def _refresh_saved(self) -> None:
        self.saved.set_entries(saved_entries(self.library.book))
        self._update_tabs()

    def _refresh_recent(self) -> None:
        self.recent.set_entries(recent_entries(self._runs.values()))
        self._update_tabs()

    def _on_search_text_changed(self, text: str) -> None:
        for cards in self.lists().values():
            cards.filter(text)
        self._update_tabs()

    def _update_tabs(self) -> None:
        searching = bool(self.search.text().split())
        names = {Source.EXAMPLE: "Examples", Source.SAVED: "Saved", Source.RECENT: "Recent"}
        for source, cards in self.lists().items():
            total, shown = len(cards.cards()), len(cards.visible_cards())
            count = f"{shown}/{total}" if searching else str(total)
            self.tabs.setTabText(self._pages[source], f"{names[source]}  {count}")
        self.setMinimumWidth(max(260, self.tabs.tabBar().sizeHint().width() + 4))

    def show_source(self, source: Source) -> None:
        self.tabs.setCurrentIndex(self._pages[source])

    def current_list(self) -> CardList:
        source = next(s for s, i in self._pages.items() if i == self.tabs.currentIndex())
        return self.lists()[source]

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_leave_down(self) -> None:
        self.current_list().focus_first()

    # -- cards ------------------------------------------------------------------------------

    def _show_pictures(self) -> None:
        if self.pictures is not None:
            for cards in self.lists().values():
                for card in cards.cards():
                    self.pictures.show_on(card)

    def _on_picture_ready(self, path: str) -> None:
        if self.pictures is None:
            return
        for cards in self.lists().values():
            for card in cards.cards():
                if self.pictures.path_for(card) == Path(path):
                    self.pictures.show_on(card)

    def _on_card_added(self, card: PromptCard) -> None:
        if self.pictures is not None:
            self.pictures.show_on(card)
        card.use_requested.connect(self.use_entry)
        card.star_toggled.connect(self._on_card_star_toggled)
        card.menu_requested.connect(self._on_card_menu_requested)
        card.typed.connect(self._on_card_typed)

    def use_entry(self, entry: Entry, use_all: bool = False) -> bool:
        """Puts the entry into the form; False (with a notice) while there is no form yet."""
        form = self._form()
        if form is None:
            self.notice_posted.emit("The form is not ready yet: connect first")
            return False
        apply_entry(form, entry, use_all and bool(entry.extra))
        what = entry.title or "the recent prompt"
        if use_all and entry.extra:
            self.notice_posted.emit(f"Prompt and settings of {what} are in the form")
        else:
            self.notice_posted.emit(
                f"Prompt of {what} is in the form (Ctrl+Z in the prompt brings yours back)"
            )
        return True

    def _on_card_star_toggled(self, entry: Entry, starred: bool) -> None:
        if entry.source is Source.EXAMPLE:
            self.library.set_example_starred(entry.key, starred)
        elif entry.source is Source.SAVED:
            self.library.set_prompt_starred(entry.key, starred)

    def _on_card_typed(self, text: str) -> None:
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.search.insert(text)

    def _on_card_menu_requested(self, entry: Entry, where: QPoint) -> None:
        self.entry_menu(entry).popup(where)


__all__ = ["InspirationPanel", "apply_entry", "suggested_name"]
