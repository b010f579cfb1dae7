"""One generation in the tasks panel: status in words, progress, elapsed time, cost, Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.display import one_line
from app.core.lineage import task_title
from app.core.status import StopAction, stop_action
from app.core.status import status_text as wire_status_text
from app.services.events import GenerationState, Phase
from app.ui.widgets import style
from app.ui.widgets.common import ElidedLabel, icon
from app.ui.widgets.plain import set_plain_text

DEBUG_PREVIEW_CHARS = 160

PHASE_TEXT = {
    Phase.PENDING: "Queued",
    Phase.WAITING_SLOT: "Waiting for a free slot",
    Phase.PAUSED: "Paused: insufficient balance",
    Phase.SUBMITTING: "Submitting",
    Phase.DOWNLOADING: "Downloading images",
    Phase.SUCCEEDED: "Done",
    Phase.FAILED: "Failed",
    Phase.CANCELLED: "Cancelled",
    Phase.UNKNOWN: "Submitted, result unknown — check your Wiro dashboard",
    Phase.STALLED: "Stalled — no end from Wiro",
}
PHASE_ROLE = {
    Phase.SUCCEEDED: "success",
    Phase.FAILED: "error",
    Phase.CANCELLED: "muted",
    Phase.PAUSED: "warning",
    Phase.UNKNOWN: "warning",
    Phase.STALLED: "warning",
}


def status_line(state: GenerationState) -> str:
    """The status in words, e.g. "Generating — step 12/20 (60%)"."""
    if state.stopping and not state.is_final:
        return "Stopping…"
    if state.phase is Phase.RUNNING:
        if state.step is not None and state.total_steps:
            percent = state.percent
            if percent is None:
                percent = 100.0 * state.step / state.total_steps
            return f"Generating — step {state.step}/{state.total_steps} ({percent:.0f}%)"
        if state.status == "task_queue" or (not state.status and not state.status_text):
            return "Queued"
        return state.status_text or wire_status_text(state.status)
    if state.phase is Phase.DOWNLOADING and state.expected_images:
        return f"Downloading images ({len(state.images)}/{state.expected_images})"
    return PHASE_TEXT.get(state.phase, state.status_text or str(state.phase).capitalize())


def format_elapsed(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_cost(cost: float | None) -> str:
    """Dollars with enough digits for sub-cent prices: 0.00351 → "$0.0035", 1.5 → "$1.50"."""
    if cost is None:
        return ""
    text = f"{cost:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def elapsed_seconds(state: GenerationState, now: float) -> float | None:
    """From Generate (the row's creation) to the images, or to now while it runs."""
    start = state.created_at or state.started_at
    if state.is_final:
        if state.finished_at is not None and start:
            return state.finished_at - start
        return state.elapsed_seconds  # an old row without times: Wiro's own run time
    return now - start if start else None


def elapsed_text(state: GenerationState, now: float) -> tuple[str, str]:
    """The card's time and its tooltip, saying what the time measures."""
    text = format_elapsed(elapsed_seconds(state, now))
    if not text:
        return "", ""
    if state.phase is Phase.SUCCEEDED:
        return f"{text} to images", "Time from Generate until the images were on this computer"
    if state.is_final:
        return text, "Time from Generate until it ended"
    return text, "Time since Generate"


def stop_tooltip(state: GenerationState) -> str:
    action = stop_action(state.status)
    if not state.can_stop:
        return "This generation has ended"
    if state.phase is Phase.DOWNLOADING:
        return "Stop downloading (keeps the images already in)"
    if action is None:
        return "Stop"
    return "Cancel (still queued)" if action is StopAction.CANCEL else "Kill (running)"


class TaskRow(QFrame):
    """One generation as a card; rebuilt in place from each new snapshot."""

    clicked = Signal(int)
    stop_requested = Signal(int)
    retry_requested = Signal(int)
    resume_requested = Signal()
    check_requested = Signal(int)

    def __init__(self, state: GenerationState, now: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.generation_id = state.id
        self.state = state
        self.setProperty("card", True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.prompt_label = ElidedLabel()
        style.set_role(self.prompt_label, "heading")
        self.elapsed_label = QLabel()
        style.set_role(self.elapsed_label, "muted")
        self.stop_button = QToolButton()
        self.stop_button.setText("Stop")
        self.stop_button.setIcon(icon("stop", style.ERROR, 14))
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.stop_button.setProperty("compact", True)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.facts_label = ElidedLabel()  # a long task id never widens the card
        style.set_role(self.facts_label, "muted")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        style.set_role(self.error_label, "error")
        self.debug_label = QLabel()
        self.debug_label.setWordWrap(True)
        self.debug_label.setTextFormat(Qt.TextFormat.PlainText)
        self.debug_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.debug_label.setCursor(Qt.CursorShape.IBeamCursor)
        self.debug_label.setStyleSheet(
            f"font-family: monospace; color: {style.MUTED_TEXT}; background: {style.BASE};"
            "border-radius: 3px; padding: 4px;"
        )
        self.more_button = QPushButton("Show more")
        style.make_link(self.more_button)
        self.more_button.setCheckable(True)
        self.more_button.toggled.connect(self._on_more_button_toggled)
        self.retry_button = QPushButton("Retry")
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.resume_button = QPushButton("Resume")
        style.make_primary(self.resume_button)
        self.resume_button.clicked.connect(self._on_resume_button_clicked)
        self.check_button = QPushButton("Check Wiro for missing images")
        self.check_button.setToolTip("Look for this generation's task in your Wiro task history")
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self._layout()
        self.update_state(state, now)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.prompt_label, 1)
        top.addWidget(self.elapsed_label)
        status = QHBoxLayout()
        status.setSpacing(8)
        status.addWidget(self.status_label, 1)
        status.addWidget(self.stop_button, 0, Qt.AlignmentFlag.AlignTop)
        actions = QHBoxLayout()
        actions.addWidget(self.more_button)
        actions.addStretch(1)
        actions.addWidget(self.check_button)
        actions.addWidget(self.retry_button)
        actions.addWidget(self.resume_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(4)
        column.addLayout(top)
        column.addLayout(status)
        column.addWidget(self.progress)
        column.addWidget(self.facts_label)
        column.addWidget(self.error_label)
        column.addWidget(self.debug_label)
        column.addLayout(actions)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def update_state(self, state: GenerationState, now: float) -> None:
        self.state = state
        title = task_title(state.params, state.parent_image_id, state.operation)
        self.prompt_label.set_full_text(title)
        status = status_line(state)
        set_plain_text(self.status_label, status)
        style.set_role(self.status_label, PHASE_ROLE.get(state.phase, ""))
        card_state = "failed" if state.phase is Phase.FAILED else ""
        if self.property("state") != card_state:
            self.setProperty("state", card_state)
            style.repolish(self)
        self._update_progress(state)
        facts = []
        expected = state.expected_images or len(state.images)
        if state.images or state.phase in (Phase.DOWNLOADING, Phase.SUCCEEDED):
            facts.append(f"{len(state.images)}/{expected} images")
        elif expected:
            facts.append(f"{expected} image{'s' if expected != 1 else ''}")
        if state.cost is not None:
            facts.append(format_cost(state.cost))
        if state.task_id:
            facts.append(f"task {state.task_id}")
        self.facts_label.set_full_text(" · ".join(facts))
        self.facts_label.setVisible(bool(facts))
        self.stop_button.setEnabled(state.can_stop)
        self.stop_button.setVisible(not state.is_final)
        self.stop_button.setToolTip(stop_tooltip(state))
        self.stop_button.setAccessibleName(stop_tooltip(state))
        incomplete = state.phase is Phase.SUCCEEDED and len(state.images) < state.expected_images
        show_error = incomplete or state.phase in (
            Phase.FAILED,
            Phase.UNKNOWN,
            Phase.PAUSED,
            Phase.STALLED,
        )
        set_plain_text(self.error_label, state.error or "")
        self.error_label.setVisible(show_error and bool(state.error))
        self._update_debug(state.debug_error if state.phase is Phase.FAILED else "")
        stalled = state.phase is Phase.STALLED
        retry = incomplete or stalled or state.phase in (Phase.FAILED, Phase.UNKNOWN)
        self.retry_button.setVisible(retry)
        self.retry_button.setText("Check again" if stalled else "Retry")
        unknown = state.phase is Phase.UNKNOWN
        self.retry_button.setToolTip(
            "Ask Wiro about this task again"
            if stalled
            else "Fetch the missing images, or submit these settings again"
            + (" (the first try may still have run and been billed)" if unknown else "")
        )
        self.resume_button.setVisible(state.phase is Phase.PAUSED)
        self.check_button.setVisible(unknown)
        self.setAccessibleName(one_line(f"{title[:60]} — {status}"))
        self.tick(now)

    def _update_progress(self, state: GenerationState) -> None:
        bar = self.progress
        bar_state = "paused" if state.phase is Phase.PAUSED else ""
        if bar.property("state") != bar_state:
            bar.setProperty("state", bar_state)
            style.repolish(bar)
        if state.is_final:
            bar.hide()
            return
        bar.show()
        if state.phase is Phase.RUNNING and state.step is not None and state.total_steps:
            _set_bar(bar, state.total_steps, min(state.step, state.total_steps))
        elif state.phase is Phase.RUNNING and state.percent is not None:
            _set_bar(bar, 100, int(state.percent))
        elif state.phase is Phase.DOWNLOADING and state.expected_images:
            _set_bar(bar, state.expected_images, len(state.images))
        elif state.phase in (Phase.PENDING, Phase.WAITING_SLOT, Phase.PAUSED) or (
            state.phase is Phase.RUNNING and state.status in ("", "task_queue")
        ):
            _set_bar(bar, 1, 0)
        else:
            _set_bar(bar, 0, 0)  # busy indicator: alive, amount unknown

    def _update_debug(self, text: str) -> None:
        text = text.strip()
        self._debug_text = text
        long = len(text) > DEBUG_PREVIEW_CHARS or text.count("\n") > 3
        self.more_button.setVisible(long)
        self.debug_label.setVisible(bool(text))
        self._show_debug(self.more_button.isChecked() or not long)

    def _show_debug(self, full: bool) -> None:
        text = self._debug_text
        if not full:
            text = " ".join(text[:DEBUG_PREVIEW_CHARS].split()) + "…"
        set_plain_text(self.debug_label, text)
        self.debug_label.setToolTip("Wiro's error details (select to copy)")

    def tick(self, now: float) -> None:
        text, tip = elapsed_text(self.state, now)
        self.elapsed_label.setText(text)
        self.elapsed_label.setToolTip(tip)

    def set_selected(self, selected: bool) -> None:
        self.setProperty("selected", selected)
        style.repolish(self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.generation_id)
        super().mousePressEvent(event)

    def _on_stop_button_clicked(self) -> None:
        self.stop_requested.emit(self.generation_id)

    def _on_retry_button_clicked(self) -> None:
        self.retry_requested.emit(self.generation_id)

    def _on_resume_button_clicked(self) -> None:
        self.resume_requested.emit()

    def _on_check_button_clicked(self) -> None:
        self.check_requested.emit(self.generation_id)

    def _on_more_button_toggled(self, checked: bool) -> None:
        self.more_button.setText("Show less" if checked else "Show more")
        self._show_debug(checked)


def _set_bar(bar: QProgressBar, maximum: int, value: int) -> None:
    """Sets the bar's range (from 0) and value, painted with the window's next frame.

    QProgressBar.setValue and setRange repaint at once, and a synchronous repaint paints every
    dirty widget of the window there and then: the whole gallery, once per progress frame and
    per stored image. With updates off meanwhile, turning them back on schedules an ordinary
    update instead."""
    if (bar.minimum(), bar.maximum(), bar.value()) == (0, maximum, value):
        return
    bar.setUpdatesEnabled(False)
    try:
        bar.setRange(0, maximum)
        bar.setValue(value)
    finally:
        bar.setUpdatesEnabled(True)
