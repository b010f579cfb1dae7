"""The bar above the gallery: search, starred and reject filters, order, and the tile size."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.library import ImageFilter
from app.ui.gallery.delegate import MAX_TILE, MIN_TILE
from app.ui.widgets import style

SEARCH_DELAY_MS = 250
ONE_ROW_WIDTH = 640  # narrower than this, the controls go on a second row under the search
REJECT_CHOICES = (("All images", None), ("Hide rejected", False), ("Rejected only", True))
STARRED_STYLE = (
    "QToolButton:checked { background: #f5c518; color: #1b1b1b; border: 1px solid #c99a00;"
    " border-radius: 4px; font-weight: 600; }"
)


def count_text(shown: int, total: int | None = None, loading: bool = False) -> str:
    """'1,234 images' once all are shown, '500 of 1,234 images · loading…' before."""
    total = shown if total is None else total
    noun = "image" if total == 1 else "images"
    text = f"{total:,} {noun}" if shown >= total else f"{shown:,} of {total:,} {noun}"
    return text + (" · loading…" if loading else "")


class GalleryFilterBar(QWidget):
    """Turns typing and clicks into one ImageFilter; typing is debounced."""

    filter_changed = Signal(object)  # ImageFilter
    tile_size_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryFilterBar")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts, seeds, task ids…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search prompts")
        self.search.setToolTip(
            "Shows images whose prompt has every word you type, or whose seed or task id is "
            "what you type (Ctrl+F)"
        )
        self.search.setMinimumWidth(160)
        self.starred = QToolButton()
        self.starred.setText("☆ Starred")
        self.starred.setCheckable(True)
        self.starred.setProperty("compact", True)
        self.starred.setStyleSheet(STARRED_STYLE)
        self.starred.setToolTip("Show starred images only (S stars the selection)")
        self.starred.setAccessibleName("Starred only")
        self.starred.toggled.connect(
            lambda on: self.starred.setText("★ Starred" if on else "☆ Starred")
        )
        self.rejects = QComboBox()
        self.rejects.setProperty("themed", True)
        self.rejects.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for text, value in REJECT_CHOICES:
            self.rejects.addItem(text, value)
        self.rejects.setAccessibleName("Rejected images")
        self.rejects.setToolTip("Show or hide images marked as rejects (X marks the selection)")
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_TILE, MAX_TILE)
        self.size_slider.setFixedWidth(96)
        self.size_slider.setAccessibleName("Tile size")
        self.size_slider.setToolTip("Tile size (Ctrl+= / Ctrl+- or Ctrl+wheel on the gallery)")
        self.size_slider.valueChanged.connect(self.tile_size_changed)
        self.sort = QComboBox()
        self.sort.setProperty("themed", True)
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sort.addItem("Newest first", True)
        self.sort.addItem("Oldest first", False)
        self.sort.setAccessibleName("Sort order")
        self.count = QLabel("")
        style.set_role(self.count, "muted")

        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 6)
        column.setSpacing(6)
        self._top, self._bottom = QHBoxLayout(), QHBoxLayout()
        for row in (self._top, self._bottom):
            row.setSpacing(8)
            column.addLayout(row)
        self._controls: list[QWidget] = [
            self.starred,
            self.rejects,
            self.sort,
            self.size_slider,
        ]
        self._one_row: bool | None = None
        self._arrange(True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._emit)
        self._last = self.query()
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._emit)
        self.starred.toggled.connect(self._emit)
        self.rejects.currentIndexChanged.connect(self._emit)
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
            rejected=self.rejects.currentData(),
        )

    def set_query(self, query: ImageFilter) -> None:
        """Shows ``query`` without announcing it (the caller already applies it)."""
        widgets = (self.search, self.starred, self.sort, self.rejects)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.search.setText(query.text)
            self.starred.setChecked(query.starred_only)
            self.starred.setText("★ Starred" if query.starred_only else "☆ Starred")
            self.sort.setCurrentIndex(0 if query.newest_first else 1)
            choices = [value for _text, value in REJECT_CHOICES]
            self.rejects.setCurrentIndex(choices.index(query.rejected))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._timer.stop()
        self._last = self.query()

    def set_count(self, shown: int, total: int | None = None, loading: bool = False) -> None:
        self.count.setText(count_text(shown, total, loading))

    def set_tile_size(self, side: int) -> None:
        """Shows the gallery's tile size without announcing it."""
        self.size_slider.blockSignals(True)
        try:
            self.size_slider.setValue(side)
        finally:
            self.size_slider.blockSignals(False)

    def _arrange(self, one_row: bool) -> None:
        """All on one row beside the search, or the controls on a row of their own."""
        if one_row == self._one_row:
            return
        self._one_row = one_row
        self._top.removeWidget(self.search)
        for widget in self._controls:
            self._top.removeWidget(widget)
            self._bottom.removeWidget(widget)
        while self._bottom.count():
            self._bottom.takeAt(0)
        self._top.removeWidget(self.count)
        self._top.addWidget(self.search, 1)
        target = self._top if one_row else self._bottom
        for widget in self._controls:
            target.addWidget(widget)
        self._top.addWidget(self.count)
        if not one_row:
            self._bottom.insertStretch(self._bottom.indexOf(self.size_slider))
        self.size_slider.setFixedWidth(96 if one_row else 64)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(event.size().width() >= ONE_ROW_WIDTH)
        super().resizeEvent(event)

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
