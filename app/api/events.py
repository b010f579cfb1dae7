"""Typed events a TaskWatcher yields, and the lenient reading of WebSocket frames into them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from app.api.models import Output, Task

MAX_FRAME_BYTES = 1024 * 1024
_MAX_LINES = 200
_MAX_LINE = 2000


@dataclass(frozen=True)
class StatusChanged:
    """The task moved forward in its lifecycle (or reported ``task_error``)."""

    task_id: str
    status: str


@dataclass(frozen=True)
class Progress:
    """A progress report from the generator (any field may be unknown)."""

    task_id: str
    step: int | None
    total: int | None
    percent: float | None
    eta: str | None


@dataclass(frozen=True)
class LogLine:
    """One line the task printed."""

    task_id: str
    text: str
    stream: Literal["stdout", "stderr"] = "stdout"


@dataclass(frozen=True)
class OutputsAnnounced:
    """Final output URLs are known: downloads may start. Always precedes Finished."""

    task_id: str
    outputs: tuple[Output, ...]


@dataclass(frozen=True)
class Finished:
    """The task succeeded; ``task`` is the final record (outputs, cost, elapsed time)."""

    task_id: str
    task: Task


@dataclass(frozen=True)
class Failed:
    """The task failed, or could no longer be followed; ``reason`` is plain English."""

    task_id: str
    reason: str
    debug_error: str = ""
    task: Task | None = None


@dataclass(frozen=True)
class Cancelled:
    """The task was cancelled or killed."""

    task_id: str
    task: Task | None = None


TaskEvent = StatusChanged | Progress | LogLine | OutputsAnnounced | Finished | Failed | Cancelled
FINAL_EVENTS = (Finished, Failed, Cancelled)


@dataclass(frozen=True)
class Frame:
    """One WebSocket frame, reduced to what the watcher reads."""

    type: str
    task_id: str
    token: str
    message: Any


def _short_str(value: Any, limit: int = 256) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    return value.strip() if isinstance(value, str) and len(value) <= limit else ""


def parse_frame(raw: str | bytes) -> Frame | None:
    """A frame as sent by Wiro, or None for anything unreadable or irrelevant."""
    if len(raw) > MAX_FRAME_BYTES:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    if not isinstance(kind, str) or not kind or len(kind) > 100:
        return None
    return Frame(
        type=kind,
        task_id=_short_str(data.get("id")),
        token=_short_str(data.get("tasktoken")),
        message=data.get("message"),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value) if abs(value) < 1e300 else math.inf
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    if number is None or number < 0 or number >= 2**53:
        return None
    return int(number)


def progress_from(task_id: str, message: Any) -> Progress | None:
    """A progress object (or its JSON text) → Progress, when it carries any progress field."""
    if isinstance(message, str) and message.lstrip().startswith("{"):
        try:
            message = json.loads(message)
        except (ValueError, RecursionError):
            return None
    if not isinstance(message, dict):
        return None
    step = _count(message.get("stepCurrent"))
    total = _count(message.get("stepTotal"))
    percent = _number(message.get("percentage"))
    if percent is None and step is not None and total:
        percent = 100.0 * step / total
    if percent is not None:
        percent = min(max(percent, 0.0), 100.0)
    eta_raw = message.get("remainingTime")
    eta = None
    if isinstance(eta_raw, str) and eta_raw.strip():
        eta = eta_raw.strip()[:50]
    if step is None and total is None and percent is None:
        return None
    return Progress(task_id=task_id, step=step, total=total, percent=percent, eta=eta)


def log_lines(message: Any) -> list[str]:
    """A log message → its non-empty lines, bounded in number and length."""
    if not isinstance(message, str):
        return []
    lines = [line.rstrip() for line in message.splitlines()]
    return [line[:_MAX_LINE] for line in lines if line.strip()][-_MAX_LINES:]


def full_log_text(message: Any) -> str:
    """A task_output_full/task_error_full message: {"raw": …} (websocket.md) or a plain
    string (its newer revision sends "" for an empty log)."""
    if isinstance(message, dict):
        message = message.get("raw")
    return message[:MAX_FRAME_BYTES] if isinstance(message, str) else ""


def output_events(task_id: str, message: Any) -> list[TaskEvent]:
    """A ``task_output`` message: a progress report or log text."""
    progress = progress_from(task_id, message)
    if progress is not None:
        return [progress]
    if isinstance(message, dict):
        return []
    return [LogLine(task_id=task_id, text=line) for line in log_lines(message)]
