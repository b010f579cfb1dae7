"""The Wiro task lifecycle: statuses, terminal states, the success rule, Cancel vs Kill."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class TaskStatus(StrEnum):
    QUEUE = "task_queue"
    ACCEPT = "task_accept"
    ASSIGN = "task_assign"
    PREPROCESS_START = "task_preprocess_start"
    PREPROCESS_END = "task_preprocess_end"
    START = "task_start"
    OUTPUT = "task_output"
    OUTPUT_FULL = "task_output_full"  # the whole stdout log, once, after the process exits
    ERROR_FULL = "task_error_full"  # the whole stderr log, once, after the process exits
    END = "task_end"  # the process exited; outputs are NOT ready yet
    POSTPROCESS_START = "task_postprocess_start"
    POSTPROCESS_END = "task_postprocess_end"  # final: success or failure
    CANCEL = "task_cancel"  # final
    ERROR = "task_error"  # a stored failure before the model ran; not final by itself


# The documented order (tasks.md "Task Lifecycle", websocket.md). task_output_full is a log
# frame, not a state a task is stored in, so it is not listed here.
LIFECYCLE: tuple[TaskStatus, ...] = (
    TaskStatus.QUEUE,
    TaskStatus.ACCEPT,
    TaskStatus.PREPROCESS_START,
    TaskStatus.PREPROCESS_END,
    TaskStatus.ASSIGN,
    TaskStatus.START,
    TaskStatus.OUTPUT,
    TaskStatus.END,
    TaskStatus.POSTPROCESS_START,
    TaskStatus.POSTPROCESS_END,
)


class StatusPhase(IntEnum):
    """Coarse phases: a status from an earlier phase than the current one is stale.

    Inside a phase Wiro's order is not relied on (the docs and older servers differ on
    where assign falls), so any status of the same or a later phase is shown.
    """

    QUEUED = 0
    PREPARING = 1
    RUNNING = 2
    FINISHING = 3
    ENDED = 4


_PHASES: dict[str, StatusPhase] = {
    TaskStatus.QUEUE: StatusPhase.QUEUED,
    TaskStatus.ACCEPT: StatusPhase.PREPARING,
    TaskStatus.PREPROCESS_START: StatusPhase.PREPARING,
    TaskStatus.PREPROCESS_END: StatusPhase.PREPARING,
    TaskStatus.ASSIGN: StatusPhase.PREPARING,
    TaskStatus.START: StatusPhase.RUNNING,
    TaskStatus.OUTPUT: StatusPhase.RUNNING,
    TaskStatus.OUTPUT_FULL: StatusPhase.RUNNING,
    TaskStatus.ERROR_FULL: StatusPhase.RUNNING,
    TaskStatus.END: StatusPhase.FINISHING,
    TaskStatus.POSTPROCESS_START: StatusPhase.FINISHING,
    TaskStatus.POSTPROCESS_END: StatusPhase.ENDED,
    TaskStatus.CANCEL: StatusPhase.ENDED,
}

TERMINAL = frozenset({TaskStatus.POSTPROCESS_END, TaskStatus.CANCEL})

STATUS_TEXT: dict[str, str] = {
    TaskStatus.QUEUE: "Queued",
    TaskStatus.ACCEPT: "Accepted",
    TaskStatus.ASSIGN: "Assigning a worker",
    TaskStatus.PREPROCESS_START: "Preparing",
    TaskStatus.PREPROCESS_END: "Prepared",
    TaskStatus.START: "Starting",
    TaskStatus.OUTPUT: "Generating",
    TaskStatus.OUTPUT_FULL: "Generating",
    TaskStatus.ERROR_FULL: "Generating",
    TaskStatus.END: "Finishing",
    TaskStatus.POSTPROCESS_START: "Uploading results",
    TaskStatus.POSTPROCESS_END: "Done",
    TaskStatus.CANCEL: "Cancelled",
    TaskStatus.ERROR: "Error",
}


class Outcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StopAction(StrEnum):
    CANCEL = "cancel"  # /Task/Cancel: only while queued
    KILL = "kill"  # /Task/Kill: once it runs


def status_text(status: str) -> str:
    return STATUS_TEXT.get(status, status.removeprefix("task_").replace("_", " ").capitalize())


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def outcome(status: str, pexit: str | None, output_count: int) -> Outcome:
    """Success = task_postprocess_end and pexit "0" and at least one output."""
    if status == TaskStatus.CANCEL:
        return Outcome.CANCELLED
    if status != TaskStatus.POSTPROCESS_END:
        return Outcome.RUNNING
    if str(pexit if pexit is not None else "").strip() == "0" and output_count > 0:
        return Outcome.SUCCEEDED
    return Outcome.FAILED


def stop_action(status: str) -> StopAction | None:
    """Which call stops a task in this status; None once it has ended."""
    if status in TERMINAL:
        return None
    if status == TaskStatus.QUEUE or status == "":
        return StopAction.CANCEL
    return StopAction.KILL


def status_phase(status: str) -> StatusPhase | None:
    """The phase a status belongs to; None for task_error and statuses this app does not know."""
    return _PHASES.get(status)


def is_stale(status: str, current: StatusPhase | None) -> bool:
    """True for a status from an earlier phase than ``current`` (queued after running, …)."""
    phase = status_phase(status)
    return phase is not None and current is not None and phase < current


def lifecycle_index(status: str) -> int:
    """Position in the lifecycle (-1 for task_error/unknown): ignore events that go backwards."""
    try:
        return LIFECYCLE.index(TaskStatus(status))
    except ValueError:
        return len(LIFECYCLE) if status == TaskStatus.CANCEL else -1
