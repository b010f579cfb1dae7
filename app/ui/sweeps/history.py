"""The Sweeps list: past sweeps from history, searchable, each reopenable as its grid."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.storage.sweeps import SweepRow
from app.ui.widgets import style

SEARCH_DELAY_MS = 200


def row_text(row: SweepRow) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.created_at))
    state = "held" if row.held else row.state
    return f"{row.title}\n{when} · {row.tasks} tasks · {state}"


class SweepHistory(QDialog):
    """Lists sweeps matching a search; Open (or double-click) shows one in the grid."""

    search_changed = Signal(str)
    open_requested = Signal(int)  # sweep id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweeps")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search titles and prompts")
        self.search_edit.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.empty_label = QLabel("Loading…")
        style.set_role(self.empty_label, "muted")
        self.open_button = QPushButton("Open")
        style.make_primary(self.open_button)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.list.itemActivated.connect(lambda _item: self._on_open_button_clicked())
        self.list.currentRowChanged.connect(self._refresh)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self.resize(520, 420)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(lambda: self.search_changed.emit(self.search_edit.text()))
        self.search_edit.textChanged.connect(lambda _t: self._timer.start())
        self._refresh()

    def set_rows(self, rows: Sequence[SweepRow]) -> None:
        self.list.clear()
        for row in rows:
            item = QListWidgetItem(row_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.list.addItem(item)
        if rows:
            self.list.setCurrentRow(0)
        searched = bool(self.search_edit.text().strip())
        self.empty_label.setText("" if rows else "Nothing matches" if searched else "No sweeps yet")
        self.empty_label.setVisible(not rows)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        self.open_button.setEnabled(self.list.currentItem() is not None)

    def _on_open_button_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.open_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
            self.accept()
