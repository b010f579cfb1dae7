"""The sweep planner: up to three axes, live counts, the estimate with its basis, the caps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.estimate import (
    CostEstimate,
    TimeEstimate,
    check_submission,
    format_usd,
    needs_confirmation,
)
from app.core.schema import ToolSchema
from app.core.sweep import AXIS_NAMES, WILDCARD, SweepPlan, SweepSpec, build_plan, targets
from app.ui.sweeps.axis_row import AxisRow
from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel
from app.ui.widgets.plain import plain_message_box

ESTIMATE_DELAY_MS = 250


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    style.set_role(label, "muted")
    return label


class SweepPlanner(QDialog):
    """Asks what to explore and shows, before anything is sent, what it will cost."""

    estimate_wanted = Signal(object)  # SweepPlan: the flow answers with show_estimate()
    run_requested = Signal(object, object)  # SweepPlan, sweep cap in USD or None

    def __init__(
        self,
        schema: ToolSchema,
        base: Callable[[], Mapping[str, Any]],
        *,
        wildcards: Mapping[str, Sequence[str]] | None = None,
        daily_cap: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Explore variations")
        self.schema = schema
        self._base = base
        self.wildcards = dict(wildcards or {})
        self.daily_cap = daily_cap
        self.day_spent = 0.0
        self._plan: SweepPlan | None = None
        self._cost: CostEstimate | None = None
        choices = targets(schema) + [(f"{WILDCARD}{n}", f"__{n}__") for n in sorted(self.wildcards)]
        self.rows = [AxisRow(name, schema, choices) for name in AXIS_NAMES]
        intro = _muted(
            "Each combination of the axes' values is one task, run in parallel up to your "
            "account's limit. Z makes one grid per value."
        )
        self.general_error = ErrorLabel(self)
        self.counts_label = QLabel()
        style.set_role(self.counts_label, "heading")
        self.cost_label = _muted()
        self.time_label = _muted()
        self.cap_spin = QDoubleSpinBox()
        self.cap_spin.setAccessibleName("Sweep cap")
        self.cap_spin.setRange(0.0, 100000.0)
        self.cap_spin.setDecimals(2)
        self.cap_spin.setPrefix("$ ")
        self.cap_spin.setSpecialValueText("No cap")
        self.cap_note = _muted()
        self.run_button = QPushButton("Run sweep")
        style.make_primary(self.run_button)
        cancel = QPushButton("Close")
        cancel.clicked.connect(self.reject)
        self.run_button.clicked.connect(self._on_run_button_clicked)

        caps = QFormLayout()
        caps.addRow("Stop submitting once", self.cap_spin)
        caps.addRow("", self.cap_note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(intro)
        for row in self.rows:
            layout.addWidget(row)
            row.changed.connect(self._on_row_changed)
        layout.addWidget(self.general_error)
        layout.addSpacing(6)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.cost_label)
        layout.addWidget(self.time_label)
        layout.addLayout(caps)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(620)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ESTIMATE_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.cap_spin.valueChanged.connect(self._refresh_caps)
        self._confirm: QMessageBox | None = None
        self.refresh()

    # -- state ------------------------------------------------------------------------------

    def plan(self) -> SweepPlan | None:
        return self._plan

    def sweep_cap(self) -> float | None:
        value = self.cap_spin.value()
        return value if value > 0 else None

    def set_axis(self, index: int, target: str, text: str = "") -> None:
        self.rows[index].set_axis(target, text)

    def spec(self) -> SweepSpec:
        axes = []
        for row in self.rows:
            spec = row.spec()
            if spec is None:
                break  # Y needs X, Z needs Y
            axes.append(spec)
        return SweepSpec(tuple(axes))

    def refresh(self) -> None:
        """Re-parses the axes (fast, pure) and asks for a new estimate shortly after."""
        spec = self.spec()
        for index, row in enumerate(self.rows):
            row.setEnabled(index == 0 or self.rows[index - 1].target() != "")
        plan = build_plan(self.schema, spec, dict(self._base()), wildcards=self.wildcards)
        self._plan = plan
        by_axis: dict[str, list[str]] = {}
        general: list[str] = []
        for error in plan.errors:
            name = error[:1]
            if name in AXIS_NAMES and error[1:2] in (" ", ":"):
                by_axis.setdefault(name, []).append(error.split(": ", 1)[-1])
            else:
                general.append(error)
        for row in self.rows:
            messages = by_axis.get(row.name)
            row.set_error("; ".join(messages) if messages else None)
        self.general_error.set_message("  ".join(general) or None)
        if plan.ok:
            nx, ny, nz = plan.shape
            grid = " × ".join(str(n) for n in (nx, ny, nz)[: len(plan.axes)])
            self.counts_label.setText(f"{plan.tasks} tasks · {plan.images} images  ({grid})")
            self.cost_label.setText("Estimated cost: working it out…")
            self.time_label.setText("Estimated time: working it out…")
            self._timer.start()
        else:
            self.counts_label.setText("Nothing to run yet")
            self.cost_label.setText("")
            self.time_label.setText("")
        self._cost = None
        self.run_button.setEnabled(plan.ok)
        self._refresh_caps()

    def show_estimate(self, plan: SweepPlan, cost: CostEstimate, time: TimeEstimate) -> None:
        """The flow's answer to estimate_wanted; ignored if the axes changed meanwhile."""
        if plan is not self._plan:
            return
        self._cost = cost
        self.cost_label.setText(cost.text)
        self.time_label.setText(time.text)
        self._refresh_caps()

    def _refresh_caps(self, *_args: object) -> None:
        cap = self.sweep_cap()
        daily = f"Daily cap {format_usd(self.daily_cap)}" if self.daily_cap else "No daily cap"
        daily += f" ({format_usd(self.day_spent)} spent today)." if self.daily_cap else "."
        total = self._cost.usd if self._cost is not None else None
        check = check_submission(
            total,
            sweep_cap=cap,
            day_spent=self.day_spent,
            daily_cap=self.daily_cap,
        )
        if total is not None and not check.allowed:
            held = f"The estimate passes the {check.cap_name}: the sweep will be held part way."
            self.cap_note.setText(f"{held} {daily}")
            style.set_role(self.cap_note, "warning")
        else:
            self.cap_note.setText(daily + " A cap is checked before each task is sent.")
            style.set_role(self.cap_note, "muted")

    # -- running ------------------------------------------------------------------------

    def _on_row_changed(self) -> None:
        self.refresh()

    def _on_timer_timeout(self) -> None:
        if self._plan is not None and self._plan.ok:
            self.estimate_wanted.emit(self._plan)

    def _on_run_button_clicked(self) -> None:
        plan = self._plan
        if plan is None or not plan.ok:
            return
        if not needs_confirmation(plan.tasks):
            self._run(plan)
            return
        cost = self.cost_label.text() or "Estimated cost: unknown"
        box = plain_message_box(
            QMessageBox(
                QMessageBox.Icon.Question,
                "Run a large sweep?",
                f"This sweep sends {plan.tasks} tasks ({plan.images} images).\n{cost}",
                QMessageBox.StandardButton.Cancel,
                self,
            )
        )
        run = box.addButton(f"Run {plan.tasks} tasks", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self._confirm = box

        def on_finished(_result: int) -> None:
            self._confirm = None
            if box.clickedButton() is run:
                self._run(plan)

        box.finished.connect(on_finished)
        box.open()

    def _run(self, plan: SweepPlan) -> None:
        self.run_requested.emit(plan, self.sweep_cap())
        self.accept()
