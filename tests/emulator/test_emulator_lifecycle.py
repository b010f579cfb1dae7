"""The task lifecycle over Task/Detail and the WebSocket; Cancel and Kill; the other endpoints."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.emulator import Emulator
from tests.emulator.emulator_support import LIFECYCLE, TERMINAL, Wiro, collect_frames

TASK_FIELDS = {
    "id", "uuid", "name", "socketaccesstoken", "parameters", "debugoutput", "debugerror",
    "starttime", "endtime", "elapsedseconds", "status", "cps", "totalcost", "guestid",
    "projectid", "modelid", "description", "basemodelid", "runtype", "modelfolderid",
    "modelfileid", "callbackurl", "marketplaceid", "createtime", "canceltime", "assigntime",
    "accepttime", "preprocessstarttime", "preprocessendtime", "postprocessstarttime",
    "postprocessendtime", "pexit", "categories", "outputs", "size", "modeldescription",
    "modelslugowner", "modelslugproject",
}  # fmt: skip
OUTPUT_FIELDS = {
    "id", "name", "contenttype", "parentid", "uuid", "size", "addedtime", "modifiedtime",
    "accesskey", "foldercount", "filecount", "ispublic", "expiretime", "url",
}  # fmt: skip
PROGRESS_FIELDS = {
    "type", "task", "percentage", "stepCurrent", "stepTotal", "speed", "speedType",
    "elapsedTime", "remainingTime",
}  # fmt: skip
NULLABLE = {"guestid", "marketplaceid", "parameters", "outputs"}


def _strings_only(task: dict[str, Any]) -> None:
    for name, value in task.items():
        if name not in NULLABLE:
            assert isinstance(value, str), (name, value)


def _progress(message: Any) -> dict[str, Any] | None:
    if isinstance(message, str) and message.startswith("{"):
        message = json.loads(message)
    return message if isinstance(message, dict) else None


@pytest.mark.emulator(step_mode=True)
def test_every_status_in_order_via_task_detail(wiro: Wiro) -> None:
    emulator = wiro.emulator
    taskid = wiro.run(samples=2, width=96, height=64)["taskid"]
    seen = []
    for status in LIFECYCLE:
        task = emulator.run_to(taskid, status)
        detail = wiro.detail(taskid)
        assert detail["status"] == status
        seen.append(status)
        _strings_only(detail)
        assert set(detail) == TASK_FIELDS
        if status != "task_postprocess_end":
            assert detail["outputs"] == [] and detail["pexit"] in ("", "0")
            assert detail["postprocessendtime"] == "0"
        if status in ("task_queue", "task_accept"):
            assert detail["starttime"] == "0" and detail["pexit"] == ""
        del task
    assert seen == list(LIFECYCLE)
    final = wiro.detail(taskid)
    assert final["pexit"] == "0" and final["canceltime"] == "0"
    assert [o["name"] for o in final["outputs"]] == ["0.png", "1.png"]
    assert all(set(o) == OUTPUT_FIELDS for o in final["outputs"])
    assert final["size"] == str(sum(int(o["size"]) for o in final["outputs"]))
    assert float(final["totalcost"]) > 0 and float(final["cps"]) > 0
    assert (
        final["elapsedseconds"].count(".") == 1 and len(final["elapsedseconds"].split(".")[1]) == 4
    )
    assert json.loads(final["categories"])[:2] == ["model", "sd"]
    times = [int(final[k]) for k in ("createtime", "accepttime", "starttime", "endtime")]
    assert times == sorted(times) and times[0] > 1_600_000_000


@pytest.mark.asyncio
async def test_every_status_in_order_via_socket(emulator: Emulator) -> None:
    with httpx.Client() as client:
        answer = Wiro(emulator, client, emulator.api_key, emulator.api_secret).run(steps=8)
    frames = await collect_frames(emulator.socket_url, [answer["socketaccesstoken"]])
    lifecycle = [f["type"] for f in frames if f["type"] in LIFECYCLE]
    assert list(dict.fromkeys(lifecycle)) == list(LIFECYCLE)
    for frame in frames:
        assert frame["id"] == answer["taskid"]
        assert frame["tasktoken"] == answer["socketaccesstoken"]
        assert frame["result"] is True
        if frame["type"] in (*LIFECYCLE[:6], "task_end", "task_postprocess_start"):
            assert frame["message"] is None
    progress = [p for f in frames if f["type"] == "task_output" if (p := _progress(f["message"]))]
    assert [p["stepCurrent"] for p in progress] == [str(i) for i in range(1, 9)]
    assert all(set(p) == PROGRESS_FIELDS for p in progress)
    assert all(isinstance(v, str) for p in progress for v in p.values())
    assert progress[-1]["percentage"] == "100" and progress[0]["stepTotal"] == "8"
    logs = [
        f["message"] for f in frames if f["type"] == "task_output" and not _progress(f["message"])
    ]
    assert logs and all(isinstance(line, str) for line in logs)
    final = frames[-1]
    assert final["type"] == "task_postprocess_end"
    assert [o["name"] for o in final["message"]] == ["0.png"]
    assert final["success"] is True and final["terminal"] is True and final["exitCode"] == 0
    before_end = [f["message"] for f in frames[: frames.index(final)] if f["type"] != "task_output"]
    assert not any(isinstance(m, list) and m for m in before_end), "outputs only at the end"
    stderr = [f for f in frames if f["type"] == "task_error"]
    assert stderr and all(isinstance(f["message"], str) for f in stderr)


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["object", "string"])
async def test_progress_encoding_switch(emulator: Emulator, encoding: str) -> None:
    emulator.configure(progress_encoding=encoding, log_lines=False, stderr_lines=False)
    with httpx.Client() as client:
        answer = Wiro(emulator, client, emulator.api_key, emulator.api_secret).run(steps=5)
    frames = await collect_frames(emulator.socket_url, [answer["socketaccesstoken"]])
    messages = [f["message"] for f in frames if f["type"] == "task_output"]
    assert len(messages) == 5
    kind = dict if encoding == "object" else str
    assert all(isinstance(m, kind) for m in messages)
    assert all(_progress(m)["type"] == "progressGenerate" for m in messages)


@pytest.mark.asyncio
async def test_mixed_encoding_sends_both_shapes(emulator: Emulator) -> None:
    emulator.configure(progress_encoding="mixed")
    with httpx.Client() as client:
        answer = Wiro(emulator, client, emulator.api_key, emulator.api_secret).run(steps=30)
    frames = await collect_frames(emulator.socket_url, [answer["socketaccesstoken"]])
    shapes = {type(f["message"]) for f in frames if _progress(f["message"])}
    assert shapes == {dict, str}


@pytest.mark.asyncio
@pytest.mark.emulator(step_mode=True)
async def test_late_subscriber_gets_current_status_and_two_tasks_share_a_socket(
    emulator: Emulator,
) -> None:
    with httpx.Client() as client:
        wiro = Wiro(emulator, client, emulator.api_key, emulator.api_secret)
        first, second = wiro.run(), wiro.run()
    emulator.run_to(first["taskid"], "task_preprocess_end")
    frames = await collect_frames(
        emulator.socket_url, [first["socketaccesstoken"], second["socketaccesstoken"]], until=2
    )
    assert {(f["id"], f["type"]) for f in frames} == {
        (first["taskid"], "task_preprocess_end"),
        (second["taskid"], "task_queue"),
    }
    emulator.configure(step_mode=False)
    frames = await collect_frames(
        emulator.socket_url, [first["socketaccesstoken"], second["socketaccesstoken"]]
    )
    ends = [f["id"] for f in frames if f["type"] in TERMINAL]
    assert sorted(ends) == sorted([first["taskid"], second["taskid"]])


@pytest.mark.emulator(step_mode=True)
def test_cancel_while_queued(wiro: Wiro) -> None:
    taskid = wiro.run()["taskid"]
    answer = wiro.post("Task/Cancel", {"taskid": taskid}).json()
    assert answer["result"] is True and answer["errors"] == []
    task = answer["tasklist"][0]
    assert task["status"] == "task_cancel" and task["canceltime"] != "0"
    assert task["outputs"] == [] and task["totalcost"] == "0"
    assert wiro.detail(taskid)["status"] == "task_cancel"
    wiro.emulator.advance(taskid, 20)
    assert wiro.detail(taskid)["status"] == "task_cancel"


@pytest.mark.emulator(step_mode=True)
def test_cancel_after_queue_is_refused(wiro: Wiro) -> None:
    taskid = wiro.run()["taskid"]
    wiro.emulator.run_to(taskid, "task_accept")
    answer = wiro.post("Task/Cancel", {"taskid": taskid}).json()
    assert answer["result"] is False
    assert answer["errors"][0]["code"] == 1
    assert answer["errors"][0]["message"] == "Task is not in a cancellable state."
    assert wiro.detail(taskid)["status"] == "task_accept"


@pytest.mark.emulator(step_mode=True)
def test_kill_refused_while_queued(wiro: Wiro) -> None:
    taskid = wiro.run()["taskid"]
    answer = wiro.post("Task/Kill", {"taskid": taskid}).json()
    assert answer["result"] is False and answer["errors"][0]["code"] == 1
    assert answer["errors"][0]["message"].startswith("Task could not be killed")


@pytest.mark.asyncio
@pytest.mark.emulator(step_mode=True)
@pytest.mark.parametrize("by", ["taskid", "socketaccesstoken"])
async def test_kill_running_task(emulator: Emulator, by: str) -> None:
    with httpx.Client() as client:
        wiro = Wiro(emulator, client, emulator.api_key, emulator.api_secret)
        run = wiro.run()
        emulator.run_to(run["taskid"], "task_output")
        key = "taskid" if by == "taskid" else "socketaccesstoken"
        value = run["taskid"] if by == "taskid" else run["socketaccesstoken"]
        answer = wiro.post("Task/Kill", {key: value}).json()
        assert answer["result"] is True
        assert answer["tasklist"][0]["status"] == "task_cancel"
        assert wiro.detail(run["taskid"])["outputs"] == []
        again = wiro.post("Task/Kill", {"taskid": run["taskid"]}).json()
        assert again["result"] is False and again["errors"][0]["code"] == 1
    frames = await collect_frames(emulator.socket_url, [run["socketaccesstoken"]])
    assert [f["type"] for f in frames] == ["task_cancel"]
    assert frames[0]["message"] is None


def test_detail_by_tasktoken_and_errors(wiro: Wiro) -> None:
    run = wiro.run()
    by_token = wiro.post("Task/Detail", {"tasktoken": run["socketaccesstoken"]}).json()
    assert by_token["total"] == "1" and by_token["tasklist"][0]["id"] == run["taskid"]
    missing = wiro.post("Task/Detail", {}).json()
    assert missing["result"] is False and missing["errors"][0]["code"] == 0
    unknown = wiro.post("Task/Detail", {"taskid": "1"}).json()
    assert unknown["errors"][0] == {**unknown["errors"][0], "code": 1}
    stats = wiro.emulator.stats()["task_detail_calls"]
    assert stats[run["taskid"]] == 1 and stats["1"] == 1


def test_tool_detail(wiro: Wiro) -> None:
    answer = wiro.post("Tool/Detail", {"slugowner": "Lykon", "slugproject": "dreamshaper-8"})
    tool = answer.json()
    assert tool["result"] is True and tool["errors"] == []
    assert tool["tool"][0]["cleanslugproject"] == "dreamshaper-8"
    assert [g["title"] for g in tool["tool"][0]["parameters"]] == ["prompt", "settings"]
    other = wiro.post("Tool/Detail", {"slugowner": "Lykon", "slugproject": "nope"}).json()
    assert other["result"] is False and other["errors"][0]["code"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/Task/Lists"), ("POST", "/v1/Nope"), ("GET", "/v1/Task/Detail"), ("POST", "/x")],
)
def test_unknown_endpoint(wiro: Wiro, method: str, path: str) -> None:
    answer = httpx.request(method, wiro.emulator.origin + path, headers=wiro.headers())
    assert answer.status_code == 404
    body = answer.json()
    assert body["result"] is False
    assert body["errors"][0]["code"] == 0 and body["errors"][0]["message"] == "Error parsing url."


def test_parameters_as_json_string_switch(wiro: Wiro) -> None:
    wiro.emulator.configure(parameters_as_string=True)
    task = wiro.detail(wiro.run(prompt="stringly")["taskid"])
    assert json.loads(task["parameters"])["prompt"] == "stringly"
