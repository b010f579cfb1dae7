"""The sweep grid: X values as columns, Y as rows, Z as tabs, filling as images land."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.estimate import format_usd
from app.core.sweep import SweepPlan
from app.services.events import GenerationState, Phase, SweepState
from app.storage.history_rows import ImageRecord
from app.ui.sweeps.cell_tile import CellTile
from app.ui.widgets import style
from app.ui.widgets.common import ElidedLabel
from app.ui.widgets.thumbnails import ThumbnailLoader

TILE = 176
MIN_TILE = 96
MAX_TILE = 256
THUMB_SIDE = 256
PHASE_TEXT = {
    Phase.PENDING: "Waiting",
    Phase.WAITING_SLOT: "Waiting for a slot",
    Phase.PAUSED: "Paused",
    Phase.SUBMITTING: "Sending",
    Phase.RUNNING: "Running",
    Phase.DOWNLOADING: "Downloading",
    Phase.STALLED: "Stalled",
    Phase.SUCCEEDED: "No image",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Cancelled",
    Phase.UNKNOWN: "Unknown",
}
STATE_TEXT = {"running": "Running", "done": "Done", "stopped": "Stopped", "enough": "Enough"}


def state_line(state: SweepState) -> str:
    word = "Held" if state.held_message else STATE_TEXT.get(state.state, state.state.title())
    spent = format_usd(state.spent)
    if state.in_flight_estimate:
        spent += f" (+ ≈ {format_usd(state.in_flight_estimate)} in flight)"
    cap = f" · cap {format_usd(state.sweep_cap)}" if state.sweep_cap else ""
    return (
        f"{word} · {state.done} of {state.tasks} tasks finished · {state.submitted} sent · "
        f"spent {spent}{cap}"
    )


class SweepGrid(QWidget):
    """A sweep's cells under labelled axes, with Stop / Enough / Export / Promote."""

    image_opened = Signal(int)
    star_toggled = Signal(int, bool)
    promote_requested = Signal(int)
    vary_requested = Signal(int)
    stop_requested = Signal()
    enough_requested = Signal()
    export_requested = Signal(int)  # cell size in pixels
    raise_cap_requested = Signal()
    history_requested = Signal()
    back_requested = Signal()

    def __init__(self, loader: ThumbnailLoader | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepGrid")
        self.loader = loader
        self.plan: SweepPlan | None = None
        self.state: SweepState | None = None
        self.tiles: dict[int, CellTile] = {}
        self._by_path: dict[str, list[CellTile]] = {}
        self.title_label = ElidedLabel("")
        style.set_role(self.title_label, "title")
        self.status_label = QLabel("No sweep open")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        style.set_role(self.status_label, "muted")
        self.held_label = QLabel()
        self.held_label.setTextFormat(Qt.TextFormat.PlainText)
        self.held_label.setWordWrap(True)
        style.set_role(self.held_label, "warning")
        self.raise_button = QPushButton("Raise cap…")
        self.raise_button.clicked.connect(self.raise_cap_requested)
        held = QHBoxLayout()
        held.addWidget(self.held_label, 1)
        held.addWidget(self.raise_button)
        self.held_bar = QWidget()
        self.held_bar.setLayout(held)
        self.held_bar.hide()

        self.back_button = QPushButton("← Gallery")
        self.history_button = QPushButton("Sweeps…")
        self.stop_button = QPushButton("Stop sweep")
        self.stop_button.setToolTip("Cancel every cell not finished (nothing is re-sent)")
        self.enough_button = QPushButton("Enough")
        self.enough_button.setToolTip("Let running cells finish; send nothing more")
        self.cell_size_spin = QSpinBox()
        self.cell_size_spin.setAccessibleName("Sheet cell size")
        self.cell_size_spin.setRange(64, 1024)
        self.cell_size_spin.setSingleStep(64)
        self.cell_size_spin.setValue(256)
        self.cell_size_spin.setSuffix(" px")
        self.cell_size_spin.setToolTip("Cell size in the exported contact sheet")
        self.export_button = QPushButton("Export sheet…")
        self.back_button.clicked.connect(self.back_requested)
        self.history_button.clicked.connect(self.history_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.enough_button.clicked.connect(self.enough_requested)
        self.export_button.clicked.connect(
            lambda: self.export_requested.emit(self.cell_size_spin.value())
        )
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for button in (self.back_button, self.history_button):
            bar.addWidget(button)
        bar.addStretch(1)
        for widget in (self.stop_button, self.enough_button):
            bar.addWidget(widget)
        self.axes_label = QLabel()
        self.axes_label.setTextFormat(Qt.TextFormat.PlainText)
        self.axes_label.setWordWrap(True)
        sheet = QHBoxLayout()
        sheet.setSpacing(6)
        sheet.addWidget(self.axes_label, 1)
        sheet.addWidget(self.cell_size_spin)
        sheet.addWidget(self.export_button)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(bar)
        layout.addWidget(self.title_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.held_bar)
        layout.addLayout(sheet)
        layout.addWidget(self.tabs, 1)
        if loader is not None:
            loader.image_loaded.connect(self._on_loader_image_loaded)
        self._refresh_buttons()

    # -- building -------------------------------------------------------------------------

    def show_sweep(
        self,
        plan: SweepPlan,
        state: SweepState,
        label: Callable[[str, str], str] | None = None,
    ) -> None:
        """Lays out an empty grid for ``plan``; cells fill through set_generation().

        ``label(target, value label)`` may shorten a header (a scheduler's display name)."""
        self.plan = plan
        name_of = label or (lambda _target, text: text)
        self.tiles.clear()
        self._by_path.clear()
        self.tabs.clear()
        axes = plan.axes
        nx, ny, nz = plan.shape
        parts = [f"Columns: {axes[0].title}"] if axes else []
        if len(axes) > 1:
            parts.append(f"Rows: {axes[1].title}")
        if len(axes) > 2:
            parts.append(f"Tabs: {axes[2].title}")
        self.axes_label.setText("   ·   ".join(parts))
        for z in range(nz):
            table = QTableWidget(ny, nx)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            table.setHorizontalHeaderLabels(
                [name_of(axes[0].target, v.label) for v in axes[0].values] if axes else [""]
            )
            table.setVerticalHeaderLabels(
                [name_of(axes[1].target, v.label) for v in axes[1].values]
                if len(axes) > 1
                else [""]
            )
            for header in (table.horizontalHeader(), table.verticalHeader()):
                header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            table.horizontalHeader().setDefaultSectionSize(TILE + 8)
            table.verticalHeader().setDefaultSectionSize(TILE + 26)
            for y in range(ny):
                for x in range(nx):
                    cell = plan.cell_at(x, y, z)
                    tile = CellTile(cell.index, TILE)
                    tile.opened.connect(self.image_opened)
                    tile.star_toggled.connect(self.star_toggled)
                    tile.promote_requested.connect(self.promote_requested)
                    tile.vary_requested.connect(self.vary_requested)
                    tile.enough_requested.connect(lambda _id: self.enough_requested.emit())
                    table.setCellWidget(y, x, tile)
                    self.tiles[cell.index] = tile
            name = name_of(axes[2].target, axes[2].values[z].label) if len(axes) > 2 else "Grid"
            self.tabs.addTab(table, name)
        self.tabs.tabBar().setVisible(nz > 1)
        self._fit_tiles()
        self.update_state(state)

    def update_state(self, state: SweepState) -> None:
        self.state = state
        self.title_label.set_full_text(state.title)
        self.status_label.setText(state_line(state))
        self.held_label.setText(state.held_message or "")
        self.held_bar.setVisible(bool(state.held_message))
        for index, tile in self.tiles.items():
            if index not in state.cells and tile.record is None:
                tile.set_status("Not sent" if state.state in ("stopped", "enough") else "Waiting")
        self._refresh_buttons()

    def set_generation(self, index: int, generation: GenerationState) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            return
        record = generation.images[0] if generation.images else None
        if record is None:
            text = PHASE_TEXT.get(generation.phase, generation.phase.value)
            if generation.phase is Phase.RUNNING and generation.step and generation.total_steps:
                text = f"Running {generation.step}/{generation.total_steps}"
            tile.set_status(text)
            return
        self.set_record(index, record)

    def set_record(self, index: int, record: ImageRecord) -> None:
        tile = self.tiles.get(index)
        if tile is None:
            return
        old = tile.record
        tile.set_record(record)
        if old is not None and old.path == record.path:
            return
        path = str(record.path)
        self._by_path.setdefault(path, []).append(tile)
        pixmap = self.loader.request(path, THUMB_SIDE) if self.loader is not None else None
        if pixmap is not None:
            tile.set_pixmap(pixmap)
        else:
            tile.image_label.setText("Loading…")

    def update_image(self, record: ImageRecord) -> None:
        """A star changed (or the image was re-read): refresh the tile showing it."""
        for tile in self._by_path.get(str(record.path), []):
            tile.set_record(record)

    def filled(self) -> int:
        """How many cells show an image (tests and the benchmark read it)."""
        return sum(
            1
            for t in self.tiles.values()
            if t.image_label.pixmap() is not None and not t.image_label.pixmap().isNull()
        )

    def _fit_tiles(self) -> None:
        """Tiles as large as the view allows (all columns visible when they fit), 96-256 px."""
        table = self.tabs.currentWidget()
        if self.plan is None or not isinstance(table, QTableWidget):
            return
        nx, ny, _nz = self.plan.shape
        width = self.tabs.width() - table.verticalHeader().sizeHint().width() - 36
        height = self.tabs.height() - table.horizontalHeader().sizeHint().height() - 24
        side = min(width // max(1, nx) - 8, height // max(1, ny) - 26)
        side = max(MIN_TILE, min(MAX_TILE, side))
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, QTableWidget):
                page.horizontalHeader().setDefaultSectionSize(side + 8)
                page.verticalHeader().setDefaultSectionSize(side + 26)
        for tile in self.tiles.values():
            tile.set_side(side)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tiles()

    # -- slots ----------------------------------------------------------------------------

    def _refresh_buttons(self) -> None:
        active = self.state is not None and (
            self.state.state == "running" or bool(self.state.held_message)
        )
        self.stop_button.setEnabled(active)
        self.enough_button.setEnabled(active)
        self.export_button.setEnabled(self.plan is not None)

    def _on_loader_image_loaded(self, path: str, side: int) -> None:
        if side != THUMB_SIDE or self.loader is None:
            return
        pixmap = self.loader.cached(path, THUMB_SIDE)
        if pixmap is None:
            return
        for tile in self._by_path.get(path, []):
            tile.set_pixmap(pixmap)
