"""Every answer and frame Wiro recorded (docs, WiroKit and MCP tests) read as Wiro's SDK reads it.

The fixtures are ``shared/wiro-official-fixtures/fixtures.json``; each entry is checked
against an expectation written here from Wiro's docs and SDK tests. Frames that carry neither
``id`` nor ``tasktoken`` are parsed but cannot be attributed on a shared socket: the watcher
ignores them, which this test states instead of asserting a task for them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api import errors as e
from app.api.events import (
    LogLine,
    Progress,
    full_log_text,
    log_lines,
    output_events,
    parse_frame,
    progress_from,
)
from app.api.models import parse_outputs, parse_run, parse_task_list, raise_for_envelope
from app.api.retry import parse_retry_after
from app.core.schema import FieldKind, parse_field, parse_tool
from app.core.status import Outcome, status_phase
from tests.api.fakes import make_client

# A copy in the repository (see wiro_fixtures/README.md); the team's shared folder, beside
# the checkout, holds the original.
FIXTURES = Path(__file__).resolve().parent / "wiro_fixtures/fixtures.json"
SHARED = Path(__file__).resolve().parents[3] / "shared/wiro-official-fixtures/fixtures.json"
ENTRIES: list[dict[str, Any]] = json.loads(FIXTURES.read_text(encoding="utf-8"))["fixtures"]
BY_ID = {entry["id"]: entry for entry in ENTRIES}

# error fixtures → the typed error (an auth failure is one whatever its HTTP status)
ERRORS: dict[str, type[e.WiroError]] = {
    "docs.error-reference.error.L9": e.InsufficientBalanceError,
    "docs.error-reference.table.key_unknown": e.AuthError,
    "docs.error-reference.table.signature_required": e.AuthError,
    "docs.error-reference.table.signature_invalid": e.AuthError,
    "docs.error-reference.table.ip_not_allowed": e.AuthError,
    "docs.error-reference.table.bearer_invalid": e.AuthError,
    "docs.error-reference.table.endpoint_not_found": e.NotFoundError,
    "docs.error-reference.table.concurrency": e.ConcurrencyLimitError,
    "docs.error-reference.table.sign_in_required": e.AuthError,
    "docs.error-reference.table.validation_number": e.ValidationError,
    "docs.error-reference.table.model_not_found": e.NotFoundError,
    "docs.error-reference.table.task_not_found": e.NotFoundError,
    "docs.error-reference.table.missing_identifier": e.ValidationError,
    "docs.error-reference.table.not_cancellable": e.NotStoppableError,
    "docs.introduction.http403.signature_mismatch": e.AuthError,
    "docs.error-reference.http200.key_unknown": e.AuthError,
    "wirokit.response-envelope.http401": e.AuthError,
    "wirokit.response-envelope.http403": e.AuthError,
    "wirokit.response-envelope.http400": e.ValidationError,
    "wirokit.response-envelope.http422": e.ValidationError,
    "wirokit.response-envelope.http500": e.ServerError,
    "wirokit.response-envelope.result_false_string_code": e.WiroError,
    "wirokit.response-envelope.http429_retry_after": e.ServerError,
}

# run fixtures → (task id, socket token)
RUNS = {
    "docs.run-a-model.run.L34": ("2221", "eDcCm5yyUfIvMFspTwww49OUfgXkQt"),
    "wirokit.task-api.run": ("1", "tok"),
    "wirokit.task-models.run_coerced": ("99", "token"),
}

# task_detail fixtures → expected facts (times in Unix seconds; WiroKit's are milliseconds)
TASKS: dict[str, dict[str, Any]] = {
    "docs.tasks.task_detail.L126": {
        "id": "534574",
        "status": "task_postprocess_end",
        "outcome": Outcome.SUCCEEDED,
        "urls": ["https://cdn1.wiro.ai/.../0.png"],
        "cost": 0.00351,
        "start": 1734513809,
        "end": 1734513813,
        "model": ("wiro", "flux-2-dev"),
    },
    "wirokit.task-models.full_task": {
        "id": "12345",
        "status": "task_postprocess_end",
        "outcome": Outcome.SUCCEEDED,
        "urls": ["https://cdn.example.com/result.json"],
        "cost": 0.125,
        "start": 1700000000,
        "end": 1700000001,
        "model": ("owner", "project"),
        "parameters": {"prompt": "hello"},
    },
    "wirokit.task-models.sparse_output_alias": {
        "id": "",
        "status": "task_start",
        "outcome": Outcome.RUNNING,
        "urls": ["", ""],
        "cost": None,
    },
    "wirokit.task-api.detail_minimal": {
        "id": "1",
        "status": "task_start",
        "outcome": Outcome.RUNNING,
        "urls": [],
        "cost": None,
    },
    "mcp.client.task_error_db_status": {
        "id": "123",
        "status": "task_error",
        "outcome": Outcome.RUNNING,  # task_error alone is not final (tasks.md)
        "urls": [],
        "cost": 0.0,
        "start": None,
        "debug_error": "Output folder creation failed",
    },
    "mcp.client.running": {
        "id": "123",
        "status": "task_start",
        "outcome": Outcome.RUNNING,
        "urls": [],
        "cost": 0.0,
    },
    "mcp.tools.completed": {
        "id": "123",
        "status": "task_postprocess_end",
        "outcome": Outcome.SUCCEEDED,
        "urls": ["https://cdn.example/result.png"],
        "cost": 0.02,
        "elapsed": 8.0,
        "model": ("owner", "model"),
    },
}

# frame fixtures → what the watcher reads: a status shown, progress, log lines, outputs, log
PROGRESS_60 = (6, 10, 60.0)
FRAMES: dict[str, dict[str, Any]] = {
    "docs.websocket.frame.task_accept.L52.1": {"status": "task_accept"},
    "docs.websocket.frame.task_assign.L68.1": {"status": "task_assign"},
    "docs.websocket.frame.task_output.L84.1": {"status": "task_output", "progress": PROGRESS_60},
    "docs.websocket.frame.task_output.L84.2": {
        "status": "task_output",
        "log": ["Processing complete."],
    },
    # An LLM's streamed answer: no step/percentage, nothing an image tool shows.
    "docs.websocket.frame.task_output.L116.1": {"status": "task_output"},
    "docs.websocket.frame.task_error.L140.1": {
        "stderr": ["UserWarning: Some weights were not initialized..."],
    },
    "docs.websocket.frame.task_output_full.L154.1": {"full": "0%|...| 0/10\n"},
    "docs.websocket.frame.task_output_full.L154.2": {"full": "<think>"},
    "docs.websocket.frame.task_error_full.L154.3": {"full": "UserWarning"},
    "docs.websocket.frame.task_postprocess_end.L195.1": {
        "status": "task_postprocess_end",
        "urls": ["https://cdn1.wiro.ai/.../0.png"],
    },
    # An LLM's raw content output: no file to download.
    "docs.websocket.frame.task_postprocess_end.L195.2": {
        "status": "task_postprocess_end",
        "urls": [],
    },
    # Realtime-only frames (tasks.md "Realtime Sessions"): not statuses of an image task.
    "docs.websocket.frame.task_stream_ready.L232.1": {},
    "docs.websocket.frame.task_stream_end.L232.2": {},
    "docs.websocket.frame.task_cost.L232.3": {},
    "docs.websocket.frame.task_queue.L640.1": {"status": "task_queue"},
    "docs.websocket.frame.task_start.L640.2": {"status": "task_start"},
    "docs.websocket.frame.task_output.L640.3": {"status": "task_output", "log": ["Step 1/10..."]},
    "docs.websocket.frame.task_postprocess_end.L640.4": {
        "status": "task_postprocess_end",
        "urls": ["https://cdn1.wiro.ai/.../0.png"],
    },
    "docs.websocket.frame.task_end.L640.5": {"status": "task_end"},
    "docs-new.websocket.frame.task_accept.1": {"status": "task_accept"},
    "docs-new.websocket.frame.task_assign.2": {"status": "task_assign"},
    "docs-new.websocket.frame.task_output.3": {"status": "task_output", "progress": PROGRESS_60},
    "docs-new.websocket.frame.task_output.4": {
        "status": "task_output",
        "log": ["Processing complete."],
    },
    "docs-new.websocket.frame.task_error.5": {
        "stderr": ["UserWarning: Some weights were not initialized..."],
    },
    "docs-new.websocket.frame.task_output_full.6": {"full": ""},
    "docs-new.websocket.frame.task_postprocess_end.7": {
        "status": "task_postprocess_end",
        "urls": ["https://cdn1.wiro.ai/.../0.png"],
    },
    "wirokit.socket-models.progress_on_task_start": {
        "status": "task_start",
        "progress": (2, 4, 42.5),
    },
    "wirokit.socket-models.stringified_progress": {
        "status": "task_output",
        "progress": (1, None, 10.0),
    },
    "wirokit.socket-models.json_looking_log": {
        "status": "task_output",
        "log": ['{"custom":"value"}'],
    },
    "wirokit.socket-models.final_outputs": {
        "status": "task_postprocess_end",
        "urls": ["https://cdn.wiro.ai/result.json"],
    },
    "wirokit.socket-models.future_status": {},
    "wirokit.socket-models.cancel_text": {"status": "task_cancel"},
    "wirokit.socket-tracking.start": {"status": "task_start"},
    "wirokit.socket-tracking.final_empty": {"status": "task_postprocess_end", "urls": []},
}

# tool_detail / tool_list fixtures → (owner, project, categories, {field: default})
TOOLS: dict[str, tuple[str, str, tuple[str, ...], dict[str, Any]]] = {
    "docs.models.tool_list.L26": ("wiro", "virtual-try-on", (), {}),
    "docs.models.tool_detail.L74": (
        "wiro",
        "virtual-try-on",
        ("tool", "image-to-image", "image-editing"),
        {},
    ),
    "docs.models.tool_list.L385": (
        "wiro",
        "virtual-try-on",
        ("tool", "image-to-image", "image-editing"),
        {},
    ),
    "docs.models.tool_detail.L410": (
        "wiro",
        "virtual-try-on",
        ("tool", "image-to-image", "image-editing"),
        {},
    ),
    "wirokit.discovery-models.schema": (
        "black-forest-labs",
        "flux-2-pro",
        (),
        {
            "prompt": "hello",
            "outputFormat": "png",
            "width": 1024,
            "inputImage": "",  # no default: empty, like every text-like field
            "magic": '{"x":1}',  # an object default stays JSON
        },
    ),
}

EXPECTED = {*ERRORS, *RUNS, *TASKS, *FRAMES, *TOOLS}
EXPECTED |= {"docs.index-html.schema_items", "mcp.client.cancel_answer_empty_tasklist"}


@pytest.mark.skipif(not SHARED.exists(), reason="the shared folder is not beside this checkout")
def test_the_copy_matches_the_shared_fixtures() -> None:
    assert json.loads(SHARED.read_text(encoding="utf-8")) == json.loads(
        FIXTURES.read_text(encoding="utf-8")
    )


def test_every_fixture_has_an_expectation() -> None:
    assert {entry["id"] for entry in ENTRIES} == EXPECTED


def _answer_with(entry: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            entry["http_status"], json=entry["body"], headers=entry.get("headers") or {}
        )

    return handler


@pytest.mark.parametrize("fixture_id", sorted(ERRORS))
def test_error_kind(fixture_id: str) -> None:
    entry = BY_ID[fixture_id]

    async def run() -> e.WiroError:
        async with make_client(_answer_with(entry), read_retries=0) as client:
            with pytest.raises(e.WiroError) as info:
                await client.run("Lykon", "dreamshaper-8", {"prompt": "x"})
        return info.value

    error = asyncio.run(run())
    assert type(error) is ERRORS[fixture_id], error
    assert error.http_status == entry["http_status"]
    messages = [m.get("message") for m in entry["body"].get("errors", [])] or [
        entry["body"].get("message")
    ]
    assert all(m in error.message for m in messages if m)
    if fixture_id.endswith("validation_number"):
        assert isinstance(error, e.ValidationError) and error.field == "steps"
    if fixture_id.endswith("http429_retry_after"):
        assert parse_retry_after(entry["headers"]["retry-after"]) == 7.5


def test_the_no_task_answer_means_no_such_task() -> None:
    entry = BY_ID["docs.error-reference.table.task_not_found"]

    async def run() -> object:
        async with make_client(_answer_with(entry), read_retries=0) as client:
            return await client.task_detail(task_id="2221")

    assert asyncio.run(run()) is None


@pytest.mark.parametrize("fixture_id", sorted(RUNS))
def test_run_answer(fixture_id: str) -> None:
    body = BY_ID[fixture_id]["body"]
    raise_for_envelope(body, 200)
    run = parse_run(body)
    assert (run.task_id, run.socket_token) == RUNS[fixture_id]


@pytest.mark.parametrize("fixture_id", sorted(TASKS))
def test_task_detail(fixture_id: str) -> None:
    body, want = BY_ID[fixture_id]["body"], TASKS[fixture_id]
    raise_for_envelope(body, 200)
    [task] = parse_task_list(body)
    assert task.id == want["id"] and task.status == want["status"]
    assert task.outcome is want["outcome"]
    assert [o.url for o in task.outputs] == want["urls"]
    if want["cost"] is None:
        assert task.total_cost is None
    else:
        assert task.total_cost == pytest.approx(want["cost"])
    if "start" in want:
        assert task.start_time == want["start"] and task.end_time == want.get("end")
    if "model" in want:
        assert (task.model_owner, task.model_project) == want["model"]
    if "parameters" in want:
        assert task.parameters == want["parameters"]
    if "elapsed" in want:
        assert task.elapsed_seconds == want["elapsed"]
    if "debug_error" in want:
        assert task.debug_error == want["debug_error"] and not task.is_terminal


def test_cancel_answer_with_an_empty_task_list() -> None:
    body = BY_ID["mcp.client.cancel_answer_empty_tasklist"]["body"]
    raise_for_envelope(body, 200)
    assert parse_task_list(body) == []


@pytest.mark.parametrize("fixture_id", sorted(FRAMES))
def test_frame(fixture_id: str) -> None:
    body, want = BY_ID[fixture_id]["body"], FRAMES[fixture_id]
    frame = parse_frame(json.dumps(body))
    assert frame is not None and frame.type == body["type"]
    attributable = bool(frame.task_id or frame.token)
    assert attributable == ("id" in body or "tasktoken" in body)
    full = frame.type in ("task_output_full", "task_error_full")
    shown = None if full or status_phase(frame.type) is None else frame.type
    assert shown == want.get("status")
    message = frame.message
    progress = (
        progress_from("t", message) if frame.type != "task_postprocess_end" and not full else None
    )
    expected_progress = want.get("progress")
    if expected_progress is None:
        assert progress is None
    else:
        assert isinstance(progress, Progress)
        assert (progress.step, progress.total, progress.percent) == expected_progress
    if frame.type == "task_output":
        lines = [x.text for x in output_events("t", message) if isinstance(x, LogLine)]
        assert lines == want.get("log", [])
    if frame.type == "task_error":
        assert log_lines(message) == want["stderr"]
    if frame.type == "task_postprocess_end":
        # the watcher announces only outputs with an address (an LLM's raw content has none)
        assert [o.url for o in parse_outputs(message) if o.url] == want["urls"]
    if full:
        assert full_log_text(message).startswith(want["full"])


@pytest.mark.parametrize("fixture_id", sorted(TOOLS))
def test_tool(fixture_id: str) -> None:
    owner, project, categories, defaults = TOOLS[fixture_id]
    schema = parse_tool(BY_ID[fixture_id]["body"])
    assert (schema.owner, schema.project) == (owner, project)
    if categories:
        assert schema.categories == categories
    assert {f.id: f.default for f in schema.fields} == defaults
    if fixture_id.startswith("wirokit"):
        width = schema.field("width")
        assert width is not None and (width.minimum, width.maximum, width.step) == (64, 2048, 16)


def test_schema_items() -> None:
    specs = [parse_field(item) for item in BY_ID["docs.index-html.schema_items"]["body"]]
    by_id = {s.id: s for s in specs if s is not None}
    assert by_id["prompt"].required and by_id["prompt"].kind is FieldKind.TEXTAREA
    assert by_id["inputImage"].kind is FieldKind.FILE
    width = by_id["width"]
    assert (width.default, width.minimum, width.maximum) == (1024.0, 256.0, 2048.0)
    assert by_id["outputType"].default == "json"  # no default: the first option
