"""A scrolling column of prompt cards: filtering, keyboard moves between cards, empty states."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.inspiration.cards import PromptCard, empty_label
from app.ui.inspiration.data import Entry, matches, query_words

PAGE = 4  # cards moved by PageUp / PageDown


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
        for entry in entries:
            card = PromptCard(entry)
            card.navigate.connect(self._on_card_navigate)
            self._column.insertWidget(self._column.count() - 1, card)
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
        if shown:
            self.empty_label.hide()
        else:
            self.empty_label.setText(
                f"Nothing here matches “{query.strip()}”." if words else self._empty_text
            )
            self.empty_label.show()
        return shown

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
        index = cards.index(card)
        target = {
            Qt.Key.Key_Up: index - 1,
            Qt.Key.Key_Down: index + 1,
            Qt.Key.Key_PageUp: max(index - PAGE, 0),
            Qt.Key.Key_PageDown: min(index + PAGE, len(cards) - 1),
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: len(cards) - 1,
        }.get(Qt.Key(key), index)
        if target < 0:
            self.left_at_top.emit()
        elif target < len(cards):
            self.focus_card(cards[target])
