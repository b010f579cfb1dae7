"""TasksPanel renders GenerationState snapshots: in-place updates, Stop, errors, elapsed time."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app.services.events import Phase
from app.ui.tasks.panel import TasksPanel
from app.ui.tasks.row import format_cost, format_elapsed, status_line
from tests.ui.conftest import make_state


@pytest.fixture
def panel(qtbot, styled_app, clock):
    widget = TasksPanel(clock=clock)
    qtbot.addWidget(widget)
    widget.resize(320, 600)
    widget.show()
    return widget


def test_rows_update_in_place_newest_on_top(panel):
    panel.update_generation(make_state(1))
    panel.update_generation(make_state(3))
    panel.update_generation(make_state(2))
    assert panel.generation_ids() == [3, 2, 1]
    row = panel.row(2)
    panel.update_generation(
        make_state(2, status="task_output", step=12, total_steps=20, status_text="Generating")
    )
    assert panel.row(2) is row
    assert panel.generation_ids() == [3, 2, 1]
    assert row.status_label.text() == "Generating — step 12/20 (60%)"
    assert row.progress.maximum() == 20 and row.progress.value() == 12
    assert row.prompt_label.full_text() == "a lighthouse at dusk, number 2"
    assert panel.empty_label.isHidden()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"phase": Phase.PENDING}, "Queued"),
        ({"phase": Phase.RUNNING, "status": "task_queue"}, "Queued"),
        ({"phase": Phase.WAITING_SLOT}, "Waiting for a free slot"),
        ({"phase": Phase.PAUSED}, "Paused: insufficient balance"),
        (
            {
                "phase": Phase.RUNNING,
                "status": "task_output",
                "step": 5,
                "total_steps": 20,
                "percent": 25.0,
            },
            "Generating — step 5/20 (25%)",
        ),
        ({"phase": Phase.UNKNOWN}, "Submitted, result unknown — check your Wiro dashboard"),
        ({"phase": Phase.SUCCEEDED}, "Done"),
        ({"phase": Phase.FAILED}, "Failed"),
        ({"phase": Phase.CANCELLED}, "Cancelled"),
    ],
)
def test_status_in_words(changes, expected):
    assert status_line(make_state(1, **changes)) == expected


def test_stop_button_follows_status(qtbot, panel):
    panel.update_generation(make_state(1, status="task_queue", can_stop=True))
    row = panel.row(1)
    assert row.stop_button.isEnabled()
    assert row.stop_button.toolTip() == "Cancel (still queued)"
    panel.update_generation(make_state(1, status="task_output", can_stop=True))
    assert row.stop_button.toolTip() == "Kill (running)"
    with qtbot.waitSignal(panel.stop_requested) as blocker:
        qtbot.mouseClick(row.stop_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    panel.update_generation(make_state(1, status="task_output", can_stop=False))
    assert not row.stop_button.isEnabled()
    panel.update_generation(
        make_state(1, phase=Phase.SUCCEEDED, status="task_postprocess_end", can_stop=False)
    )
    assert not row.stop_button.isEnabled()
    assert row.stop_button.isHidden()
    assert row.progress.isHidden()


def test_failed_row_shows_error_and_debug_text(qtbot, panel):
    panel.update_generation(
        make_state(
            4,
            phase=Phase.FAILED,
            status="task_postprocess_end",
            can_stop=False,
            error="Wiro could not make these images.",
            debug_error="CUDA out of memory.",
        )
    )
    row = panel.row(4)
    assert row.status_label.text() == "Failed"
    assert row.error_label.text() == "Wiro could not make these images."
    assert row.debug_label.text() == "CUDA out of memory."
    assert not row.debug_label.isHidden() and not row.error_label.isHidden()
    assert row.debug_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert row.more_button.isHidden()
    assert not row.retry_button.isHidden()
    with qtbot.waitSignal(panel.retry_requested) as blocker:
        qtbot.mouseClick(row.retry_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [4]


def test_long_debug_text_is_collapsible(panel):
    trace = "Traceback (most recent call last):\n" + "\n".join(
        f'  File "worker.py", line {n}, in step' for n in range(30)
    )
    panel.update_generation(make_state(5, phase=Phase.FAILED, debug_error=trace, can_stop=False))
    row = panel.row(5)
    assert not row.more_button.isHidden()
    assert row.debug_label.text().endswith("…")
    assert len(row.debug_label.text()) < len(trace)
    row.more_button.click()
    assert row.debug_label.text() == trace
    assert row.more_button.text() == "Show less"


def test_elapsed_time_ticks_from_the_injected_clock(qtbot, panel, clock):
    clock.now = 1_075.0
    panel.update_generation(make_state(1, created_at=1_000.0, started_at=None))
    row = panel.row(1)
    assert row.elapsed_label.text() == "1:15"
    clock.advance(5)
    qtbot.waitUntil(lambda: row.elapsed_label.text() == "1:20", timeout=3000)
    panel.update_generation(
        make_state(
            1,
            phase=Phase.SUCCEEDED,
            created_at=1_000.0,
            started_at=1_010.0,
            finished_at=1_100.0,
            can_stop=False,
        )
    )
    assert row.elapsed_label.text() == "1:40 to images"  # from Generate, not from Wiro's start
    assert "from Generate" in row.elapsed_label.toolTip()
    clock.advance(60)
    assert not panel._timer.isActive()


def test_cost_images_and_formatting(panel):
    panel.update_generation(
        make_state(6, phase=Phase.DOWNLOADING, cost=0.00351, expected_images=4, task_id="2221")
    )
    row = panel.row(6)
    assert row.facts_label.text() == "0/4 images · $0.0035 · task 2221"
    assert row.progress.maximum() == 4
    assert format_cost(0.014) == "$0.014"
    assert format_cost(1.5) == "$1.50"
    assert format_cost(0) == "$0.00"
    assert format_elapsed(3725) == "1:02:05"
    assert format_elapsed(None) == ""


def test_busy_indicator_without_step_counts(panel):
    panel.update_generation(make_state(7, phase=Phase.SUBMITTING))
    assert panel.row(7).progress.maximum() == 0  # Qt's busy indicator


def test_paused_row_offers_resume(qtbot, panel):
    panel.update_generation(
        make_state(
            8, phase=Phase.PAUSED, error="Your Wiro balance is too low.", can_stop=True, status=""
        )
    )
    row = panel.row(8)
    assert not row.resume_button.isHidden()
    assert row.error_label.text() == "Your Wiro balance is too low."
    with qtbot.waitSignal(panel.resume_requested):
        qtbot.mouseClick(row.resume_button, Qt.MouseButton.LeftButton)


def test_click_selects_and_remove_clear(qtbot, panel):
    for i in (1, 2, 3):
        panel.update_generation(make_state(i))
    panel.update_generation(make_state(2, phase=Phase.SUCCEEDED, can_stop=False))
    with qtbot.waitSignal(panel.selected) as blocker:
        qtbot.mouseClick(panel.row(3).status_label, Qt.MouseButton.LeftButton)
    assert blocker.args == [3]
    assert panel.row(3).property("selected") is True
    panel.clear_finished()
    assert panel.generation_ids() == [3, 1]
    panel.remove(3)
    panel.remove(99)
    assert panel.generation_ids() == [1]
    panel.clear()
    assert panel.generation_ids() == []
    assert not panel.empty_label.isHidden()


def test_many_rows_stay_quick(panel, clock):
    start = time.perf_counter()
    for i in range(150):
        panel.update_generation(make_state(i))
    for step in range(1, 21):
        for i in range(140, 150):
            panel.update_generation(
                make_state(
                    i, status="task_output", step=step, total_steps=20, status_text="Generating"
                )
            )
    assert len(panel.generation_ids()) == 150
    assert time.perf_counter() - start < 10  # a generous bound: catches quadratic blow-ups


def test_stopping_and_the_unknown_cards_check_button(qtbot, panel):
    panel.update_generation(make_state(1, status="task_accept", stopping=True, can_stop=True))
    assert panel.row(1).status_label.text() == "Stopping…"
    panel.update_generation(make_state(2, phase=Phase.UNKNOWN))
    row = panel.row(2)
    assert not row.check_button.isHidden() and panel.row(1).check_button.isHidden()
    with qtbot.waitSignal(panel.check_requested) as blocker:
        row.check_button.click()
    assert blocker.args == [2]


def test_a_derived_task_card_says_what_it_does(panel):
    upscale = {"kind": "upscale", "scale": 4, "model": "RealESRGAN_x4plus"}
    panel.update_generation(
        make_state(5, params={"inputImage": "https://x/y.png"}, parent_image_id=123,
                   operation=upscale)
    )  # fmt: skip
    assert panel.row(5).prompt_label.full_text() == "Upscale ×4 · #123 (RealESRGAN_x4plus)"
    panel.update_generation(
        make_state(6, params={"prompt": "a harbour", "strength": 0.45}, parent_image_id=9,
                   operation={"kind": "reimagine", "strength": 0.45})
    )  # fmt: skip
    assert panel.row(6).prompt_label.full_text() == "Re-imagine · strength 0.45 · a harbour"


def test_progress_is_painted_with_the_next_frame_not_at_once(qtbot, styled_app, clock):
    """QProgressBar repaints synchronously, and a synchronous repaint paints every dirty
    widget of the window on the spot (the whole gallery, once per progress frame and stored
    image). The row's bar is painted with the window's next frame instead."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    column = QVBoxLayout(window)
    neighbour = QLabel("the gallery, say")
    panel = TasksPanel(clock=clock)
    column.addWidget(panel)
    column.addWidget(neighbour)
    window.resize(360, 700)
    window.show()
    qtbot.waitExposed(window)
    panel.update_generation(make_state(1, status="task_output", step=1, total_steps=20))
    qtbot.wait(50)

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    paints = Paints()
    neighbour.installEventFilter(paints)
    row = panel.row(1)
    for step in range(2, 12):
        neighbour.update()  # dirty, as the gallery is while images land
        panel.update_generation(make_state(1, status="task_output", step=step, total_steps=20))
        assert Paints.count == 0, "the window was painted inside update_generation"
    assert row.progress.value() == 11 and row.progress.maximum() == 20
    qtbot.waitUntil(lambda: Paints.count > 0, timeout=2000)  # with the next frame
