"""A scrolling column of prompt cards: filtering, keyboard moves between cards, empty states."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.inspiration.cards import PromptCard, empty_label
from app.ui.inspiration.data import Entry, matches, query_words
from app.ui.widgets.plain import set_plain_text

PAGE = 4  # cards moved by PageUp / PageDown
CARD_WIDTH = 280  # a grid column per this many pixels of width (one in the dock)
MAX_COLUMNS = 6


class CardList(QScrollArea):
    """Cards for a list of entries; ``filter`` hides the ones that do not match the search."""

    card_added = Signal(object)  # PromptCard, for the owner to connect
    left_at_top = Signal()  # Up on the first card: focus goes back to the search box

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_text = empty_text
        self._query = ""
        self._cards: list[PromptCard] = []
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        content = QWidget()
        content.setObjectName("scrollContents")
        self._column = QVBoxLayout(content)
        self._column.setContentsMargins(0, 8, 6, 8)
        self._column.setSpacing(8)
        self.empty_label: QLabel = empty_label(content)
        self._column.addWidget(self.empty_label)
        # Cards sit in a grid: one column in a narrow dock, more as the list gets wider.
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(8)
        self._columns = 1
        self._column.addLayout(self._grid)
        self._column.addStretch(1)
        self.setWidget(content)

    # -- content ----------------------------------------------------------------------------

    def set_entries(self, entries: Sequence[Entry]) -> None:
        """Replaces the cards; the card that had focus keeps it if its entry is still there."""
        focused = next((c for c in self._cards if c.hasFocus()), None)
        key = (focused.entry.source, focused.entry.key) if focused else None
        for card in self._cards:
            card.hide()
            card.setParent(None)
            card.deleteLater()
        self._cards = []
        content = self.widget()
        for entry in entries:
            card = PromptCard(entry, content)
            card.navigate.connect(self._on_card_navigate)
            self._cards.append(card)
            self.card_added.emit(card)
        self.filter(self._query)
        if key is not None:
            again = next((c for c in self._cards if (c.entry.source, c.entry.key) == key), None)
            if again is not None and again.isVisible():
                self.focus_card(again)

    def cards(self) -> list[PromptCard]:
        return list(self._cards)

    def visible_cards(self) -> list[PromptCard]:
        return [c for c in self._cards if not c.isHidden()]

    def entries(self) -> list[Entry]:
        return [c.entry for c in self._cards]

    def visible_entries(self) -> list[Entry]:
        return [c.entry for c in self.visible_cards()]

    def filter(self, query: str) -> int:
        """Shows the cards matching every word of ``query``; returns how many are shown."""
        self._query = query
        words = query_words(query)
        shown = 0
        for card in self._cards:
            visible = matches(card.entry, words)
            card.setHidden(not visible)
            shown += visible
        self._place_cards()
        if shown:
            self.empty_label.hide()
        else:
            set_plain_text(  # the query is typed text: never markup
                self.empty_label,
                f"Nothing here matches “{query.strip()}”." if words else self._empty_text,
            )
            self.empty_label.show()
        return shown

    def columns(self) -> int:
        return self._columns

    def _place_cards(self) -> None:
        """Lays the shown cards out row by row in as many columns as the width allows."""
        while self._grid.count():
            self._grid.takeAt(0)
        for index, card in enumerate(self.visible_cards()):
            self._grid.addWidget(card, index // self._columns, index % self._columns)
        for column in range(MAX_COLUMNS):
            self._grid.setColumnStretch(column, 1 if column < self._columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.viewport().width()
        columns = max(1, min(MAX_COLUMNS, width // CARD_WIDTH))
        if columns != self._columns:
            self._columns = columns
            self._place_cards()

    # -- focus ------------------------------------------------------------------------------

    def focus_card(self, card: PromptCard) -> None:
        card.setFocus(Qt.FocusReason.OtherFocusReason)
        self.ensureWidgetVisible(card, 0, 8)

    def focus_first(self) -> bool:
        cards = self.visible_cards()
        if cards:
            self.focus_card(cards[0])
        return bool(cards)

    def current_card(self) -> PromptCard | None:
        return next((c for c in self._cards if c.hasFocus()), None)

    def _on_card_navigate(self, card: PromptCard, key: int) -> None:
        cards = self.visible_cards()
        if card not in cards:
            return
        index, across = cards.index(card), self._columns
        target = {
            Qt.Key.Key_Up: index - across,
            Qt.Key.Key_Down: index + across if index + across < len(cards) else len(cards) - 1,
            Qt.Key.Key_PageUp: max(index - PAGE, 0),
            Qt.Key.Key_PageDown: min(index + PAGE, len(cards) - 1),
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: len(cards) - 1,
        }.get(Qt.Key(key), index)
        if target < 0:
            self.left_at_top.emit()
        elif target < len(cards):
            self.focus_card(cards[target])
