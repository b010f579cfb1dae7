"""The list of generations, newest first, rendered from the snapshots the services send."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.events import GenerationState
from app.ui.tasks.row import TaskRow
from app.ui.widgets import style

__all__ = ["TaskRow", "TasksPanel"]


EMPTY_TEXT = "No generations yet.\nWrite a prompt and press Generate."
LOADING_TEXT = "Loading…"


class TasksPanel(QWidget):
    """Live rows for every generation: status, progress, elapsed time, cost, Stop/Retry."""

    stop_requested = Signal(int)
    selected = Signal(int)
    retry_requested = Signal(int)
    resume_requested = Signal()
    check_requested = Signal(int)

    def __init__(
        self, parent: QWidget | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rows: dict[int, TaskRow] = {}
        self._selected: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.summary_label = QLabel()
        style.set_role(self.summary_label, "muted")
        self.clear_button = QPushButton("Clear finished")
        style.make_link(self.clear_button)
        self.clear_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.clear_button.setToolTip(
            "Remove finished generations from this list (not from history)"
        )
        self.clear_button.clicked.connect(self.clear_finished)
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(10, 6, 6, 2)
        header.addWidget(self.summary_label, 1)
        header.addWidget(self.clear_button)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        style.set_role(self.empty_label, "muted")
        self._content = QWidget()
        self._content.setObjectName("scrollContents")
        self._list = QVBoxLayout(self._content)
        self._list.setContentsMargins(8, 4, 8, 8)
        self._list.setSpacing(6)
        self._list.addWidget(self.empty_label)
        self._list.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self._content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.scroll_area, 1)
        self.setMinimumWidth(260)
        self._refresh_summary()

    # -- public API --------------------------------------------------------------------------

    def update_generation(self, state: GenerationState) -> None:
        """Inserts a row for a new generation (newest on top) or updates its row in place."""
        row = self._rows.get(state.id)
        if row is None:
            row = self._make_row(state)
            self._list.insertWidget(self._insert_index(state.id), row)
            self._rows[state.id] = row
        else:
            row.update_state(state, self._clock())
        self._refresh_summary()

    def state(self, generation_id: int) -> GenerationState | None:
        row = self._rows.get(generation_id)
        return row.state if row is not None else None

    def row(self, generation_id: int) -> TaskRow | None:
        return self._rows.get(generation_id)

    def generation_ids(self) -> list[int]:
        """Row ids from top to bottom."""
        ids = []
        for index in range(self._list.count()):
            item = self._list.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, TaskRow):
                ids.append(widget.generation_id)
        return ids

    def remove(self, generation_id: int) -> None:
        row = self._rows.pop(generation_id, None)
        if row is None:
            return
        if self._selected == generation_id:
            self._selected = None
        self._list.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._refresh_summary()

    def clear_finished(self) -> None:
        for generation_id in [i for i, row in self._rows.items() if row.state.is_final]:
            self.remove(generation_id)

    def clear(self) -> None:
        for generation_id in list(self._rows):
            self.remove(generation_id)

    def set_loading(self, loading: bool) -> None:
        """While empty: "Loading…" until the history has been read, then the empty state."""
        self.empty_label.setText(LOADING_TEXT if loading else EMPTY_TEXT)

    def select(self, generation_id: int | None) -> None:
        """Highlights one row (without emitting ``selected``) and scrolls it into view."""
        if self._selected in self._rows:
            self._rows[self._selected].set_selected(False)
        self._selected = generation_id if generation_id in self._rows else None
        if self._selected is not None:
            row = self._rows[self._selected]
            row.set_selected(True)
            self.scroll_area.ensureWidgetVisible(row, 0, 8)

    # -- internals ---------------------------------------------------------------------------

    def _make_row(self, state: GenerationState) -> TaskRow:
        row = TaskRow(state, self._clock(), self._content)
        row.clicked.connect(self._on_row_clicked)
        row.stop_requested.connect(self.stop_requested)
        row.retry_requested.connect(self.retry_requested)
        row.resume_requested.connect(self.resume_requested)
        row.check_requested.connect(self.check_requested)
        return row

    def _insert_index(self, generation_id: int) -> int:
        """Rows stay sorted by id, newest (highest) first."""
        for index in range(self._list.count()):
            item = self._list.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, TaskRow) and widget.generation_id < generation_id:
                return index
        return max(0, self._list.count() - 2)  # before the empty label and the stretch

    def _refresh_summary(self) -> None:
        states = [row.state for row in self._rows.values()]
        active = sum(1 for s in states if not s.is_final)
        finished = len(states) - active
        parts = []
        if active:
            parts.append(f"{active} running")
        if finished:
            parts.append(f"{finished} finished")
        self.summary_label.setText(" · ".join(parts))
        self.header.setVisible(bool(states))
        self.clear_button.setEnabled(finished > 0)
        self.empty_label.setVisible(not states)
        if active and not self._timer.isActive():
            self._timer.start()
        elif not active:
            self._timer.stop()

    def _on_timer_timeout(self) -> None:
        now = self._clock()
        for row in self._rows.values():
            if not row.state.is_final:
                row.tick(now)

    def _on_row_clicked(self, generation_id: int) -> None:
        self.select(generation_id)
        self.selected.emit(generation_id)
