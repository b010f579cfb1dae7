"""What Explore, Vary, Promote and the sweep grid do: the planner, runs, the grid, the sheet.

Built with the session plus the widgets it drives; every sweep goes through the session's
SweepRunner, so caps, Stop/Enough and resume are the runner's, never the widgets'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QStackedWidget

from app.core.metadata import SAMPLER_BY_SCHEDULER
from app.core.params import random_seed
from app.core.sweep import SweepPlan
from app.services.events import GenerationState, SweepState
from app.storage.history_rows import ImageRecord
from app.storage.wildcards import load_wildcards
from app.ui.flows.vary_flow import VaryFlow
from app.ui.form.schema_form import SchemaForm
from app.ui.gallery.gallery import Gallery
from app.ui.session import UiSession
from app.ui.sweeps.grid import SweepGrid
from app.ui.sweeps.history import SweepHistory
from app.ui.sweeps.planner import SweepPlanner
from app.ui.viewer.viewer import ImageViewer
from app.ui.widgets.commands import Command, CommandRegistry
from app.ui.widgets.thumbnails import ThumbnailLoader


def _actions() -> ModuleType:
    """The sweep actions load with their first use (they bring the studio and Pillow)."""
    from app.services import sweep_actions

    return sweep_actions


SWEEP_MENU = [
    "sweep.explore",
    "sweep.history",
    "-",
    "image.vary",
    "image.vary_count",
    "image.vary_prompt",
    "image.promote",
]


class SweepFlow(QObject):
    """Opens the planner, runs sweeps, shows and fills their grid, exports, promotes, varies."""

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        viewer: ImageViewer,
        center: QStackedWidget,
        loader: ThumbnailLoader | None,
        *,
        form: Callable[[], SchemaForm | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.gallery, self.viewer, self.center = gallery, viewer, center
        self._form = form
        self.grid = SweepGrid(loader)
        center.addWidget(self.grid)
        self.planner: SweepPlanner | None = None
        self.history: SweepHistory | None = None
        self.sweep_id: int | None = None
        self._cells: dict[int, int] = {}  # generation id -> cell index of the sweep shown
        self._from_grid = False
        self._cap_dialog: QInputDialog | None = None  # non-modal dialogs, kept while open
        self._export_dialog: QFileDialog | None = None
        g = self.grid
        g.image_opened.connect(self.view)
        g.star_toggled.connect(self.star)
        self.vary = VaryFlow(
            session, gallery, viewer, center, form=form, show_sweep=self.show_sweep, parent=self
        )
        g.promote_requested.connect(self.vary.promote)
        g.vary_requested.connect(self.vary.vary_image)
        g.stop_requested.connect(self.stop)
        g.enough_requested.connect(self.enough)
        g.export_requested.connect(self.export_sheet)
        g.raise_cap_requested.connect(self.raise_cap)
        g.history_requested.connect(self.show_history)
        g.back_requested.connect(self._back_to_gallery)
        gallery.sweep_open_requested.connect(self.open_sweep)
        session.sweep_changed.connect(self._on_session_sweep_changed)
        session.generation_changed.connect(self._on_session_generation_changed)
        session.image_stored.connect(self._on_session_image_stored)
        session.studio_changed.connect(self._on_session_studio_changed)
        viewer.closed.connect(self._on_viewer_closed)

    # -- the planner ------------------------------------------------------------------------

    def explore(self) -> None:
        """Opens the planner over the form's current settings (one seed for every cell)."""
        studio, form, runner = self.session.studio, self._form(), self.session.sweeps
        if studio is None or form is None or runner is None:
            self.session.notify("Connect first: the planner needs the tool's settings.")
            return
        if self.planner is not None:
            self.planner.raise_()
            self.planner.activateWindow()
            return
        self.session.spawn(self._open_planner(form), name="sweep-planner")

    async def _open_planner(self, form: SchemaForm) -> None:
        studio, runner = self.session.studio, self.session.sweeps
        assert studio is not None and runner is not None
        folder = self.wildcard_folder()
        wildcards = await self.session.io(load_wildcards, folder)
        spend = await studio.spend()
        seed = random_seed() if form.random_seed_enabled() else None

        def base() -> dict[str, Any]:
            values = form.values()
            if seed is not None and "seed" in values:
                values["seed"] = str(seed)
            return values

        cap = self.session.settings.daily_cap_usd
        planner = SweepPlanner(
            studio.schema,
            base,
            wildcards=wildcards,
            daily_cap=cap if cap > 0 else None,
            parent=self.center.window(),
        )
        planner.day_spent = spend.today
        planner.estimate_wanted.connect(self._on_planner_estimate_wanted)
        planner.run_requested.connect(self._on_planner_run_requested)
        planner.finished.connect(self._on_planner_finished)
        form.values_changed.connect(planner.refresh)
        self.planner = planner
        planner.refresh()
        planner.open()

    def wildcard_folder(self) -> Path:
        folder = self.session.settings.wildcard_dir
        return Path(folder) if folder else self.session.paths.data_dir / "wildcards"

    def _on_planner_finished(self, _result: int) -> None:
        planner, self.planner = self.planner, None
        form = self._form()
        if planner is not None:
            if form is not None:
                form.values_changed.disconnect(planner.refresh)
            planner.deleteLater()

    def _on_planner_estimate_wanted(self, plan: SweepPlan) -> None:
        runner, planner = self.session.sweeps, self.planner
        if runner is None or planner is None:
            return

        async def estimate() -> None:
            cost, time = await runner.estimate(plan)
            if time.seconds is not None and plan.tasks > 1:
                # Wiro does not publish the account's concurrency limit; it is met, not known.
                note = "; slower if your account's concurrency limit is lower"
                time = replace(time, text=time.text + note)
            if self.planner is planner:
                planner.show_estimate(plan, cost, time)

        self.session.spawn(estimate(), name="sweep-estimate")

    def _on_planner_run_requested(self, plan: SweepPlan, sweep_cap: float | None) -> None:
        runner = self.session.sweeps
        if runner is not None:
            self.session.spawn(self._started(runner.run(plan, sweep_cap=sweep_cap)), "sweep-run")

    async def _started(self, coro: Any) -> SweepState:
        state: SweepState = await coro
        self.show_sweep(state)
        return state

    # -- the grid ---------------------------------------------------------------------------

    def show_sweep(self, state: SweepState) -> None:
        runner = self.session.sweeps
        plan = runner.plan(state.id) if runner is not None else None
        if plan is None:
            return
        self.sweep_id = state.id
        self._cells = {}
        self.grid.show_sweep(plan, state, self._header)
        self._fill(state)
        self.center.setCurrentWidget(self.grid)

    def _header(self, target: str, text: str) -> str:
        """A select field's value as its display name (Euler, not EulerDiscreteScheduler)."""
        studio = self.session.studio
        spec = studio.schema.field(target) if studio is not None else None
        names = {o.value: o.label for o in spec.options} if spec is not None else {}
        return SAMPLER_BY_SCHEDULER.get(text) or names.get(text, text)

    def open_sweep(self, sweep_id: int) -> None:
        runner = self.session.sweeps
        if runner is not None:
            self.session.spawn(self._started(runner.open(sweep_id)), name="sweep-open")

    def _fill(self, state: SweepState) -> None:
        studio = self.session.studio
        for index, generation_id in state.cells.items():
            self._cells[generation_id] = index
            generation = studio.generation(generation_id) if studio is not None else None
            if generation is not None:
                self.grid.set_generation(index, generation)

    def _on_session_sweep_changed(self, state: SweepState) -> None:
        if state.id == self.sweep_id:
            self.grid.update_state(state)
            if len(state.cells) != len(self._cells):
                self._fill(state)

    def _on_session_generation_changed(self, state: GenerationState) -> None:
        index = self._cells.get(state.id)
        if index is not None:
            self.grid.set_generation(index, state)

    def _on_session_image_stored(self, record: ImageRecord) -> None:
        index = self._cells.get(record.generation_id)
        if index is not None and record.index == 0:
            self.grid.set_record(index, record)

    def _on_session_studio_changed(self, *_args: object) -> None:
        self.sweep_id, self._cells = None, {}
        if self.center.currentWidget() is self.grid:
            self._back_to_gallery()

    def _back_to_gallery(self) -> None:
        self.center.setCurrentWidget(self.gallery)

    # -- cell actions -----------------------------------------------------------------------

    def _record(self, image_id: int) -> ImageRecord | None:
        for tile in self.grid.tiles.values():
            if tile.record is not None and tile.record.id == image_id:
                return tile.record
        return self.gallery.record(image_id)

    def view(self, image_id: int) -> None:
        record = self._record(image_id)
        if record is None:
            return
        self.viewer.show_image(record, f"{record.width}×{record.height} · seed {record.seed}")
        self._from_grid = True
        self.center.setCurrentWidget(self.viewer)
        self.viewer.setFocus()

    def _on_viewer_closed(self) -> None:
        if self._from_grid and self.sweep_id is not None:
            self.center.setCurrentWidget(self.grid)
        self._from_grid = False

    def star(self, image_id: int, starred: bool) -> None:
        studio = self.session.studio
        record = self._record(image_id)
        if studio is None or record is None:
            return

        async def set_star() -> None:
            await studio.set_starred(image_id, starred)
            fresh = await studio.image(image_id)
            if fresh is not None:
                self.grid.update_image(fresh)
                self.gallery.update_image(fresh)

        self.session.spawn(set_star(), name="sweep-star")

    def stop(self) -> None:
        runner = self.session.sweeps
        if runner is not None and self.sweep_id is not None:
            self.session.spawn(runner.stop(self.sweep_id), name="sweep-stop")

    def enough(self) -> None:
        runner = self.session.sweeps
        if runner is not None and self.sweep_id is not None:
            self.session.spawn(runner.enough(self.sweep_id), name="sweep-enough")

    def raise_cap(self) -> None:
        runner, state = self.session.sweeps, self.grid.state
        if runner is None or state is None:
            return
        dialog = QInputDialog(self.grid.window())
        dialog.setWindowTitle("Raise the sweep cap")
        dialog.setLabelText("New cap for this sweep in USD (0 means no cap):")
        dialog.setInputMode(QInputDialog.InputMode.DoubleInput)
        dialog.setDoubleDecimals(2)
        dialog.setDoubleRange(0.0, 100000.0)
        dialog.setDoubleValue(max(state.sweep_cap or 0.0, state.spent) * 2 or 1.0)
        sweep_id = state.id

        def on_value(value: float) -> None:
            cap = value if value > 0 else None
            self.session.spawn(runner.raise_cap(sweep_id, cap), name="sweep-raise-cap")

        dialog.doubleValueSelected.connect(on_value)
        dialog.open()
        self._cap_dialog = dialog

    def export_sheet(self, cell_size: int) -> None:
        runner, sweep_id = self.session.sweeps, self.sweep_id
        if runner is None or sweep_id is None:
            return
        start = self.session.output_dir() / f"sweep-{sweep_id}.png"
        dialog = QFileDialog(self.grid.window(), "Export contact sheet", str(start))
        dialog.setNameFilter("PNG image (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("png")
        dialog.fileSelected.connect(
            lambda path: self.session.spawn(
                self.write_sheet(sweep_id, Path(path), cell_size), name="sweep-export"
            )
        )
        dialog.open()
        self._export_dialog = dialog

    async def write_sheet(self, sweep_id: int, path: Path, cell_size: int) -> list[Path]:
        runner = self.session.sweeps
        if runner is None:
            return []
        paths = await _actions().export_sheet(runner, sweep_id, path, cell_size=cell_size)
        if paths:
            more = f" (+{len(paths) - 1} more)" if len(paths) > 1 else ""
            self.session.notify(f"Contact sheet saved to {paths[0]}{more}")
        return paths

    # -- history ----------------------------------------------------------------------------

    def show_history(self) -> None:
        runner = self.session.sweeps
        if runner is None:
            return
        dialog = SweepHistory(self.center.window())
        dialog.search_changed.connect(lambda text: self._search(dialog, text))
        dialog.open_requested.connect(self.open_sweep)
        dialog.finished.connect(lambda _r: setattr(self, "history", None))
        self.history = dialog
        self._search(dialog, "")
        dialog.open()

    def _search(self, dialog: SweepHistory, text: str) -> None:
        runner = self.session.sweeps
        if runner is None:
            return

        async def search() -> None:
            rows = await runner.search(text)
            if self.history is dialog:
                dialog.set_rows(rows)

        self.session.spawn(search(), name="sweep-search")


def declare_sweep_commands(commands: CommandRegistry, flow: SweepFlow) -> None:
    """Explore, the Sweeps list and the image commands (V and friends) others may bind."""
    for command in [
        Command("sweep.explore", "&Explore variations…", flow.explore, "Ctrl+Shift+Return",
                status_tip="Plan a sweep over the form's settings, priced before it runs"),
        Command("sweep.history", "&Sweeps…", flow.show_history),
        Command("image.vary", "&Vary (new seeds)", flow.vary.vary, "V",
                status_tip="Run the image's settings again with new random seeds"),
        Command("image.vary_count", "Vary &count…", flow.vary.ask_vary_count),
        Command("image.vary_prompt", "Vary &prompt…", flow.vary.vary_prompt),
        Command("image.promote", "&Promote (same seed, more detail)", flow.vary.promote_current),
    ]:  # fmt: skip
        commands.declare(command)
