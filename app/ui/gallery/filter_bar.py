"""The bar above the gallery: search prompts, show starred only, newest or oldest first."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from app.services.library import ImageFilter
from app.ui.widgets import style

SEARCH_DELAY_MS = 250


def count_text(shown: int, total: int | None = None, loading: bool = False) -> str:
    """'1,234 images' once all are shown, '500 of 1,234 images · loading…' before."""
    total = shown if total is None else total
    noun = "image" if total == 1 else "images"
    text = f"{total:,} {noun}" if shown >= total else f"{shown:,} of {total:,} {noun}"
    return text + (" · loading…" if loading else "")


class GalleryFilterBar(QWidget):
    """Turns typing and clicks into one ImageFilter; typing is debounced."""

    filter_changed = Signal(object)  # ImageFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryFilterBar")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search prompts")
        self.search.setToolTip("Shows images whose prompt has every word you type (Ctrl+F)")
        self.starred = QToolButton()
        self.starred.setText("★ Starred")
        self.starred.setCheckable(True)
        self.starred.setProperty("compact", True)
        self.starred.setToolTip("Show starred images only")
        self.starred.setAccessibleName("Starred only")
        self.sort = QComboBox()
        self.sort.setProperty("themed", True)
        self.sort.addItem("Newest first", True)
        self.sort.addItem("Oldest first", False)
        self.sort.setAccessibleName("Sort order")
        self.count = QLabel("")
        style.set_role(self.count, "muted")

        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(8)
        row.addWidget(self.search, 1)
        row.addWidget(self.starred)
        row.addWidget(self.sort)
        row.addWidget(self.count)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._emit)
        self._last = self.query()
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._emit)
        self.starred.toggled.connect(self._emit)
        self.sort.currentIndexChanged.connect(self._emit)

        self.find_action = QAction("Search prompts", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)
        self.clear_action = QAction("Clear search", self.search)
        self.clear_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.clear_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.clear_action.triggered.connect(self.search.clear)
        self.search.addAction(self.clear_action)

    def query(self) -> ImageFilter:
        return ImageFilter(
            text=self.search.text().strip(),
            starred_only=self.starred.isChecked(),
            newest_first=bool(self.sort.currentData()),
        )

    def set_query(self, query: ImageFilter) -> None:
        """Shows ``query`` without announcing it (the caller already applies it)."""
        for widget in (self.search, self.starred, self.sort):
            widget.blockSignals(True)
        try:
            self.search.setText(query.text)
            self.starred.setChecked(query.starred_only)
            self.sort.setCurrentIndex(0 if query.newest_first else 1)
        finally:
            for widget in (self.search, self.starred, self.sort):
                widget.blockSignals(False)
        self._timer.stop()
        self._last = self.query()

    def set_count(self, shown: int, total: int | None = None, loading: bool = False) -> None:
        self.count.setText(count_text(shown, total, loading))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _emit(self, *_args: object) -> None:
        self._timer.stop()
        query = self.query()
        if query != self._last:
            self._last = query
            self.filter_changed.emit(query)
