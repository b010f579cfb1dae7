"""The sweep planner's feedback and estimate, the caps it shows, the grid's buttons and cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox, QStackedWidget

from app.core.estimate import PastRun, estimate_cost, estimate_time
from app.core.sweep import AxisSpec, SweepSpec, build_plan
from app.services.events import Phase, SweepState
from app.storage.history_rows import ImageRecord
from app.ui.flows.sweep_flow import SweepFlow
from app.ui.gallery.gallery import Gallery
from app.ui.sweeps.grid import SweepGrid, state_line
from app.ui.sweeps.planner import SweepPlanner
from app.ui.viewer.viewer import ImageViewer
from tests.e2e.conftest import qloop as qloop  # the fixture, shared
from tests.ui.conftest import make_state
from tests.ui.test_flows import run_until  # the fixture, shared
from tests.ui.test_flows import session as session

BASE = {
    "prompt": "a red fox in the snow",
    "negativePrompt": "",
    "samples": 1,
    "steps": 20,
    "scale": 7.5,
    "width": 512,
    "height": 512,
    "scheduler": "EulerDiscreteScheduler",
    "seed": "42",
}


def _planner(tool_schema, **kwargs: Any) -> SweepPlanner:
    return SweepPlanner(tool_schema, lambda: dict(BASE), **kwargs)


def test_planner_shows_parse_errors_inline_and_counts_when_valid(qapp, tool_schema):
    planner = _planner(tool_schema)
    assert planner.counts_label.text() == "Nothing to run yet"
    assert not planner.run_button.isEnabled()
    assert not planner.rows[1].isEnabled(), "Y waits for X"

    planner.set_axis(0, "steps", "20, abc")
    assert not planner.rows[0].error_label.isHidden()
    assert "abc" in planner.rows[0].error_label.text()
    assert not planner.run_button.isEnabled()

    planner.set_axis(0, "steps", "20-40 (+5)")
    planner.set_axis(1, "scheduler", "Euler, DDIM")
    assert planner.rows[0].error_label.isHidden() and planner.rows[1].error_label.isHidden()
    assert planner.counts_label.text() == "10 tasks · 10 images  (5 × 2)"
    assert planner.run_button.isEnabled()
    assert "working it out" in planner.cost_label.text()

    planner.set_axis(1, "steps", "10, 12")
    assert "already on another axis" in planner.rows[1].error_label.text()


def test_planner_shows_the_estimate_with_its_basis_and_ignores_a_stale_one(qapp, tool_schema):
    planner = _planner(tool_schema)
    planner.set_axis(0, "scale", "4, 8, 12")
    plan = planner.plan()
    assert plan is not None and plan.ok
    tasks = [c.params for c in plan.cells]
    past = [
        PastRun(tool=plan.tool, width=512, height=512, steps=20, images=1, cost=0.004, seconds=6.0)
        for _ in range(3)
    ]
    cost = estimate_cost(tasks, tool=plan.tool, past=past)
    time = estimate_time(tasks, tool=plan.tool, past=past, concurrency=2)
    planner.show_estimate(plan, cost, time)
    assert planner.cost_label.text() == cost.text
    assert "≈ $0.012" in cost.text and "median cost per image of 3 similar past runs" in cost.text
    assert "Estimated time: ≈" in planner.time_label.text() and "2 at a time" in time.text

    planner.set_axis(0, "scale", "4, 8")  # a new plan: the old answer must not show
    planner.show_estimate(plan, cost, time)
    assert "working it out" in planner.cost_label.text()


def test_planner_warns_when_the_estimate_passes_a_cap(qapp, tool_schema):
    planner = _planner(tool_schema, daily_cap=1.0)
    planner.day_spent = 0.995
    planner.set_axis(0, "scale", "4, 8, 12")
    plan = planner.plan()
    cost = estimate_cost([c.params for c in plan.cells], tool=plan.tool, dynamic_price=None)
    assert cost.usd is None
    planner.show_estimate(plan, cost, estimate_time([], tool=plan.tool))
    assert "held" not in planner.cap_note.text(), "an unknown cost is not held up front"

    past = [
        PastRun(tool=plan.tool, width=512, height=512, steps=20, images=1, cost=0.01, seconds=5.0)
    ]
    cost = estimate_cost([c.params for c in plan.cells], tool=plan.tool, past=past)
    planner.show_estimate(plan, cost, estimate_time([], tool=plan.tool))
    assert "passes the daily cap" in planner.cap_note.text()
    planner.daily_cap = None
    planner.cap_spin.setValue(0.02)
    assert "passes the sweep cap" in planner.cap_note.text()
    assert planner.sweep_cap() == pytest.approx(0.02)
    planner.cap_spin.setValue(0.0)
    assert planner.sweep_cap() is None and "held" not in planner.cap_note.text()


def test_planner_asks_before_running_more_than_fifty_tasks(qapp, tool_schema):
    planner = _planner(tool_schema)
    runs: list[tuple[Any, Any]] = []
    planner.run_requested.connect(lambda plan, cap: runs.append((plan, cap)))
    planner.set_axis(0, "seed", "1-60")
    assert planner.plan().tasks == 60
    planner.run_button.click()
    box = planner.findChild(QMessageBox)
    assert box is not None and "60 tasks" in box.text()
    assert runs == [], "nothing runs before the answer"
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert runs == []

    planner.run_button.click()
    box = planner._confirm
    run = next(b for b in box.buttons() if b.text() == "Run 60 tasks")
    run.click()
    assert len(runs) == 1 and runs[0][0].tasks == 60 and runs[0][1] is None


class FakeRunner:
    """Records what the flow asks of the SweepRunner."""

    def __init__(self, plan) -> None:
        self._plan = plan
        self.calls: list[tuple[str, Any]] = []

    def plan(self, sweep_id: int):
        return self._plan

    async def stop(self, sweep_id: int) -> None:
        self.calls.append(("stop", sweep_id))

    async def enough(self, sweep_id: int) -> None:
        self.calls.append(("enough", sweep_id))

    async def raise_cap(self, sweep_id: int, cap: float | None) -> None:
        self.calls.append(("raise_cap", (sweep_id, cap)))


def _state(**changes: Any) -> SweepState:
    base: dict[str, Any] = {"id": 7, "title": "CFG × Scheduler", "state": "running", "tasks": 4}
    return SweepState(**(base | changes))


@pytest.fixture
def flow(session, tool_schema):
    plan = build_plan(
        tool_schema,
        SweepSpec((AxisSpec("scale", "4, 8"), AxisSpec("scheduler", "Euler, DDIM"))),
        BASE,
    )
    session.sweeps = FakeRunner(plan)  # type: ignore[assignment]
    center = QStackedWidget()
    gallery = Gallery(None)
    center.addWidget(gallery)
    made = SweepFlow(session, gallery, ImageViewer(None), center, None, form=lambda: None)
    made.show_sweep(_state())
    return made


def test_stop_and_enough_buttons_call_the_runner(qloop, flow):
    grid: SweepGrid = flow.grid
    assert flow.center.currentWidget() is grid
    assert grid.stop_button.isEnabled() and grid.enough_button.isEnabled()
    runner = flow.session.sweeps
    run_until(qloop, lambda: runner.calls, "stop", first=grid.stop_button.click)
    run_until(qloop, lambda: len(runner.calls) == 2, "enough", first=grid.enough_button.click)
    assert runner.calls == [("stop", 7), ("enough", 7)]
    grid.update_state(_state(state="stopped", submitted=2, done=2, cells={0: 1, 1: 2}))
    assert not grid.stop_button.isEnabled() and not grid.enough_button.isEnabled()
    assert grid.tiles[3].image_label.text() == "Not sent"


def test_a_held_sweep_says_why_and_raise_cap_asks_the_runner(qloop, flow):
    grid: SweepGrid = flow.grid
    assert grid.held_bar.isHidden()
    message = "Held: this would bring spending to ≈ $0.0140, over the sweep cap of $0.0100."
    grid.update_state(_state(state="held: x", held_message=message, sweep_cap=0.01, spent=0.0105))
    assert not grid.held_bar.isHidden() and grid.held_label.text() == message
    assert "Held" in grid.status_label.text() and "cap $0.010" in grid.status_label.text()
    assert grid.stop_button.isEnabled(), "a held sweep can still be stopped"
    grid.raise_button.click()
    dialog = flow._cap_dialog
    assert isinstance(dialog, QInputDialog)
    dialog.setDoubleValue(0.5)
    runner = flow.session.sweeps
    run_until(qloop, lambda: runner.calls, "raise", first=dialog.accept)
    assert runner.calls == [("raise_cap", (7, 0.5))]


def test_the_grid_labels_axes_and_fills_cells_as_generations_land(qapp, flow, tmp_path: Path):
    grid: SweepGrid = flow.grid
    table = grid.tabs.widget(0)
    assert [table.horizontalHeaderItem(i).text() for i in range(2)] == ["4", "8"]
    assert [table.verticalHeaderItem(i).text() for i in range(2)] == ["Euler", "DDIM"]
    assert "Columns: Guidance scale (CFG)" in grid.axes_label.text()
    assert grid.tiles[0].image_label.text() == "Waiting"

    flow._on_session_sweep_changed(_state(submitted=1, cells={0: 11}))
    flow._on_session_generation_changed(make_state(11, phase=Phase.WAITING_SLOT))
    assert grid.tiles[0].image_label.text() == "Waiting for a slot"
    image = ImageRecord(11, 11, 0, 42, tmp_path / "a.png", "x", 1, 8, 8, starred=True)
    flow._on_session_generation_changed(make_state(11, phase=Phase.SUCCEEDED, images=(image,)))
    assert grid.tiles[0].record == image and grid.tiles[0].star_label.text() == "★"
    assert "Double-click" in grid.tiles[0].toolTip()
    assert grid.tiles[1].record is None


def test_state_line_reads_as_a_sentence():
    line = state_line(_state(done=1, submitted=2, spent=0.0035, in_flight_estimate=0.0035))
    assert (
        line == "Running · 1 of 4 tasks finished · 2 sent · spent $0.0035 (+ ≈ $0.0035 in flight)"
    )


def test_settings_edit_the_daily_cap_and_the_wildcard_folder(qapp):
    from app.ui.dialogs import SettingsDialog

    dialog = SettingsDialog({"daily_cap_usd": 2.5, "wildcard_dir": "/tmp/wild"})
    assert dialog.daily_cap_spin.value() == pytest.approx(2.5)
    dialog.daily_cap_spin.setValue(0.0)
    assert dialog.daily_cap_spin.text() == "No cap"
    dialog.wildcard_edit.setText("  /data/wildcards ")
    values = dialog.values()
    assert values["daily_cap_usd"] == 0.0 and values["wildcard_dir"] == "/data/wildcards"
