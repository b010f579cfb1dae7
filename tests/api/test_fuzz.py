"""Hostile or malformed answers only ever produce WiroError subclasses or parsed objects."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.errors import WiroError
from app.api.events import output_events, parse_frame, progress_from
from app.api.models import (
    parse_outputs,
    parse_run,
    parse_task,
    parse_task_list,
    raise_for_envelope,
)
from tests.api.fakes import RecordingSleep, make_client

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**60)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["0", "1", "97", "task_postprocess_end", "task_cancel", "1e999", "-1", ""])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)

TASK_KEYS = [
    "id", "uuid", "socketaccesstoken", "parameters", "debugoutput", "debugerror", "status",
    "pexit", "createtime", "starttime", "endtime", "elapsedseconds", "cps", "totalcost",
    "categories", "outputs",
]  # fmt: skip
OUTPUT_KEYS = ["id", "name", "contenttype", "size", "url", "addedtime", "accesskey"]

outputs = st.lists(
    st.dictionaries(st.sampled_from(OUTPUT_KEYS), json_values, max_size=7) | json_values,
    max_size=3,
)
tasks = st.dictionaries(
    st.sampled_from(TASK_KEYS), json_values | outputs | st.just("1"), max_size=len(TASK_KEYS)
)
errors = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "code": st.sampled_from([0, 1, 96, 97, 98, 99, "97", None, 10**40, -1, 2.5]),
            "message": json_values,
        },
    )
    | st.text(max_size=20)
    | json_values,
    max_size=3,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "result": st.sampled_from([True, False, "true", "false", 1, 0, None, [], {}]),
        "errors": errors | json_values,
        "taskid": json_values | st.just("2221"),
        "socketaccesstoken": json_values | st.just("tok"),
        "tasklist": st.lists(tasks | json_values, max_size=3) | json_values,
        "tool": st.lists(json_values, max_size=2) | json_values,
        "total": json_values,
    },
)
bodies = (
    envelopes.map(lambda v: json.dumps(v).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
    | st.sampled_from([b"", b"[" * 5000, b"9" * 6000, b"<html>502</html>", b'{"result": tru'])
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 301, 400, 401, 402, 404, 408, 418, 429, 500,
                            502, 503, 599])  # fmt: skip


async def _call_everything(body: bytes, status: int, headers: dict[str, str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    async with make_client(handler, read_retries=1, sleep=RecordingSleep()) as client:
        calls = [
            lambda: client.run("Lykon", "dreamshaper-8", {"prompt": "x"}),
            lambda: client.task_detail(task_id="2221"),
            lambda: client.task_detail(token="tok"),
            lambda: client.cancel("2221"),
            lambda: client.kill(task_id="2221"),
            lambda: client.kill(token="tok"),
            lambda: client.tool_detail("Lykon", "dreamshaper-8"),
            client.probe,
        ]
        for call in calls:
            with contextlib.suppress(WiroError):
                await call()
        with tempfile.TemporaryDirectory() as folder, contextlib.suppress(WiroError):
            await client.download(
                "https://cdn.example.test/0.png", Path(folder) / "0.png", expected_size=None
            )


@SETTINGS
@given(
    body=bodies,
    status=statuses,
    retry_after=st.none() | st.text(max_size=12) | st.sampled_from(["1", "-5", "nan", "1e309"]),
)
def test_client_survives_hostile_answers(body: bytes, status: int, retry_after: str | None) -> None:
    headers = {}
    if retry_after is not None and retry_after.isprintable() and retry_after.isascii():
        headers["retry-after"] = retry_after
    asyncio.run(_call_everything(body, status, headers))


@SETTINGS
@given(value=envelopes | json_values | tasks, status=statuses)
def test_parsers_only_raise_wiro_errors(value: Any, status: int) -> None:
    for parse in (parse_run, parse_task_list, parse_task, parse_outputs):
        with contextlib.suppress(WiroError):
            parse(value)
    with contextlib.suppress(WiroError):
        raise_for_envelope(value, status)


@SETTINGS
@given(
    message=json_values | st.builds(json.dumps, json_values),
    kind=st.sampled_from(["task_output", "task_error", "task_postprocess_end", "x"]),
)
def test_frames_never_raise(message: Any, kind: str) -> None:
    raw = json.dumps({"type": kind, "id": "1", "tasktoken": "t", "message": message})
    parsed = parse_frame(raw)
    assert parsed is not None
    progress_from("1", parsed.message)
    output_events("1", parsed.message)
