"""The emulator's tasks on disk, so a restarted emulator still answers for them.

One JSON file (``EmulatorConfig.state_path``) holds the newest tasks: everything
``Task.to_wire()`` needs plus the wall-clock creation time that places a still-running task
on its time-based lifecycle after a restart. It is rewritten atomically (temp file, fsync,
os.replace) when a task is created and when one ends, never on progress ticks. Output PNGs
are not stored: images.py is deterministic, so they are rendered again from the task's
parameters when a download arrives. A file that cannot be read is set aside as
``<name>.damaged`` and the emulator starts empty.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

from app.emulator.images import look
from app.emulator.tasks import Task
from app.fsutil import atomic_write_text

log = logging.getLogger("app.emulator")

FORMAT = "wiro-emulator-state"
VERSION = 1
MAX_TASKS = 500
FIELDS = (
    "id",
    "project_key",
    "project_id",
    "model_id",
    "categories",
    "values",
    "parameters",
    "callback_url",
    "origin",
    "plan",
    "uuid",
    "socketaccesstoken",
    "status",
    "times",
    "stdout",
    "stderr",
    "debugerror",
    "pexit",
    "outputs",
    "totalcost",
    "cps",
    "created_at",
)
OPTIONAL_FIELDS = ("model_owner", "model_project", "model_description")
_OUTPUT_NAME = re.compile(r"^(\d+)\.png$")


def record(task: Task) -> dict[str, Any]:
    """A task as JSON-ready data (its runner, event and socket frame are not kept)."""
    data = {name: getattr(task, name) for name in (*FIELDS, *OPTIONAL_FIELDS)}
    data["elapsed"] = None if task.started is None else round(task.elapsed(), 4)
    return data


def restore(data: dict[str, Any]) -> Task:
    """A Task from ``record()`` output; raises KeyError/TypeError/ValueError if malformed."""
    if not isinstance(data, dict):
        raise TypeError("task record is not an object")
    fields: dict[str, Any] = {name: data[name] for name in FIELDS}
    fields.update({name: str(data[name]) for name in OPTIONAL_FIELDS if name in data})
    task = Task(**fields)
    task.id = str(task.id)
    task.created_at = float(task.created_at)
    elapsed = data.get("elapsed")
    if task.terminal and elapsed is not None:
        now = time.monotonic()
        task.started, task.ended = now - float(elapsed), now
    return task


def save(path: Path, tasks: list[Task], spent_usd: float) -> None:
    """Write the newest MAX_TASKS tasks atomically: temp file, fsync, os.replace."""
    newest = sorted(tasks, key=lambda t: t.created_at)[-MAX_TASKS:]
    body = {
        "format": FORMAT,
        "version": VERSION,
        "saved": time.time(),
        "spent_usd": spent_usd,
        "tasks": [record(t) for t in newest],
    }
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    atomic_write_text(path, text)


def load(path: Path) -> tuple[list[Task], float]:
    """The tasks and spent balance in ``path``; raises OSError/ValueError/... if unusable."""
    body = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise ValueError("not an emulator state file")
    if body.get("version") != VERSION:
        raise ValueError(f"unsupported state version {body.get('version')!r}")
    records = body.get("tasks")
    if not isinstance(records, list):
        raise ValueError("tasks is not a list")
    tasks = [restore(r) for r in records]
    for task in tasks:
        int(task.id)  # ids must stay numeric: the counter continues past them
    return tasks, float(body.get("spent_usd") or 0.0)


def load_or_quarantine(path: Path) -> tuple[list[Task], float]:
    """Like load(), but a missing file is empty and a damaged one is set aside, not fatal."""
    if not path.exists():
        return [], 0.0
    try:
        return load(path)
    except Exception as exc:  # any damage at all: keep the emulator starting
        aside = path.with_name(path.name + ".damaged")
        try:
            os.replace(path, aside)
        except OSError:
            aside = path
        log.warning(
            "emulator state %s unreadable (%s); kept as %s, starting empty", path, exc, aside
        )
        return [], 0.0


def render_args(task: Task, name: str) -> tuple[Any, ...] | None:
    """(prompt, seed, index, width, height, steps, scale, scheduler) for output ``name``."""
    match = _OUTPUT_NAME.match(name)
    if match is None:
        return None
    v = task.values
    try:
        return (
            str(v.get("prompt", "")),
            int(v.get("seed", 0)),
            int(match.group(1)),
            int(v["width"]),
            int(v["height"]),
            *look(v),
        )
    except (KeyError, TypeError, ValueError):
        return None
