"""The task lifecycle rules of the contract (§3)."""

from __future__ import annotations

import pytest

from app.core.status import (
    LIFECYCLE,
    Outcome,
    StopAction,
    TaskStatus,
    is_stale,
    is_terminal,
    lifecycle_index,
    outcome,
    status_phase,
    status_text,
    stop_action,
)


def test_lifecycle_order() -> None:
    # tasks.md "Task Lifecycle"
    assert [s.value for s in LIFECYCLE] == [
        "task_queue",
        "task_accept",
        "task_preprocess_start",
        "task_preprocess_end",
        "task_assign",
        "task_start",
        "task_output",
        "task_end",
        "task_postprocess_start",
        "task_postprocess_end",
    ]


def test_only_postprocess_end_and_cancel_are_terminal() -> None:
    terminal = {s for s in TaskStatus if is_terminal(s)}
    assert terminal == {TaskStatus.POSTPROCESS_END, TaskStatus.CANCEL}
    assert not is_terminal("task_end"), "the process exited but outputs are not ready"
    assert not is_terminal("task_error")


@pytest.mark.parametrize(
    ("status", "pexit", "outputs", "expected"),
    [
        ("task_postprocess_end", "0", 4, Outcome.SUCCEEDED),
        ("task_postprocess_end", 0, 1, Outcome.SUCCEEDED),
        ("task_postprocess_end", "1", 4, Outcome.FAILED),
        ("task_postprocess_end", "0", 0, Outcome.FAILED),
        ("task_postprocess_end", "", 2, Outcome.FAILED),
        ("task_postprocess_end", None, 2, Outcome.FAILED),
        ("task_cancel", "0", 1, Outcome.CANCELLED),
        ("task_end", "0", 4, Outcome.RUNNING),
        ("task_error", "", 0, Outcome.RUNNING),
    ],
)
def test_success_rule(status, pexit, outputs, expected) -> None:
    assert outcome(status, pexit, outputs) is expected


def test_cancel_only_while_queued_then_kill() -> None:
    assert stop_action("task_queue") is StopAction.CANCEL
    assert stop_action("") is StopAction.CANCEL
    for status in LIFECYCLE[1:-1]:
        assert stop_action(status) is StopAction.KILL, status
    assert stop_action("task_error") is StopAction.KILL
    assert stop_action("task_postprocess_end") is None
    assert stop_action("task_cancel") is None


def test_lifecycle_index_orders_events() -> None:
    assert lifecycle_index("task_queue") < lifecycle_index("task_output")
    assert lifecycle_index("task_end") < lifecycle_index("task_postprocess_end")
    assert lifecycle_index("task_error") == -1
    assert lifecycle_index("weird") == -1


def test_status_words() -> None:
    assert status_text("task_output") == "Generating"
    assert status_text("task_something_new") == "Something new"


def test_stale_is_an_earlier_phase_only() -> None:
    preparing = status_phase("task_preprocess_end")
    assert not is_stale("task_assign", preparing)  # out of rank, same phase: shown
    assert not is_stale("task_preprocess_start", status_phase("task_assign"))
    assert is_stale("task_queue", status_phase("task_start"))  # queued after running
    assert is_stale("task_output", status_phase("task_postprocess_end"))  # running after done
    assert not is_stale("task_error", status_phase("task_start"))
    assert not is_stale("task_start", None)
