"""The emulator answers in the shapes Wiro documents (models.md, tasks.md, websocket.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.emulator_support import LIFECYCLE, Wiro, collect_frames

# models.md, POST /Tool/Detail response: the documented tool keys, no more, no less.
TOOL_KEYS = {
    "id", "title", "slugowner", "slugproject", "cleanslugowner", "cleanslugproject",
    "description", "image", "computingtime", "readme", "categories", "parameters", "inspire",
    "samples", "tags", "marketplace", "onlymembers", "dynamicprice", "averagepoint",
    "commentcount", "ratedusercount", "taskstat", "seotitle", "seodescription",
}  # fmt: skip
TEN_DEFAULTS = {
    "prompt", "negativePrompt", "samples", "steps", "scale", "seed", "clipSkip", "width",
    "height", "scheduler",
}  # fmt: skip


def sdk_defaults(tool: dict[str, Any]) -> dict[str, Any]:
    """Reads a schema the way WiroKit's discovery models do: default/min/max/step only."""
    found: dict[str, Any] = {}
    for group in tool["parameters"]:
        for item in group["items"]:
            if "default" in item:
                found[item["id"]] = {k: item.get(k) for k in ("default", "min", "max", "step")}
    return found


def test_tool_detail_documented_shape_with_both_name_families(wiro: Wiro) -> None:
    answer = wiro.post("Tool/Detail", {"slugowner": "Lykon", "slugproject": "dreamshaper-8"})
    body = answer.json()
    assert answer.status_code == 200 and body["result"] is True and body["errors"] == []
    tool = body["tool"][0]
    assert set(tool) == TOOL_KEYS
    assert isinstance(tool["categories"], list) and "text-to-image" in tool["categories"]
    assert isinstance(tool["samples"], list) and isinstance(tool["tags"], list)
    assert set(tool["taskstat"]) == {"runcount", "successcount", "errorcount", "lastruntime"}
    defaults = sdk_defaults(tool)
    assert set(defaults) == TEN_DEFAULTS
    assert defaults["steps"]["default"] == "20" and defaults["scale"]["default"] == "7.5"
    assert defaults["scheduler"]["default"] == "EulerDiscreteScheduler"
    for group in tool["parameters"]:
        for item in group["items"]:
            for long, short in (
                ("defaultvalue", "default"),
                ("minvalue", "min"),
                ("maxvalue", "max"),
                ("incrementby", "step"),
            ):
                assert item[long] == item[short], (item["id"], long)


@pytest.mark.emulator(step_mode=True)
def test_task_detail_names_the_model(wiro: Wiro) -> None:
    task = wiro.detail(wiro.run()["taskid"])
    assert task["modelslugowner"] == "Lykon" and task["modelslugproject"] == "dreamshaper-8"
    assert task["modeldescription"].startswith("DreamShaper")


@pytest.mark.asyncio
async def test_frames_carry_the_newer_fields_and_documented_full_logs(wiro: Wiro) -> None:
    answer = wiro.run(steps=4)
    frames = await collect_frames(wiro.emulator.socket_url, [answer["socketaccesstoken"]])
    kinds = [f["type"] for f in frames]
    assert [k for k in dict.fromkeys(kinds) if k in LIFECYCLE] == list(LIFECYCLE)
    assert kinds.index("task_output_full") < kinds.index("task_end")
    for frame in frames:
        assert {"success", "terminal", "exitCode"} <= set(frame)
        if frame["type"] != "task_postprocess_end":
            assert frame["terminal"] is False and frame["success"] is None
            assert frame["exitCode"] is None
    final = frames[-1]
    assert final["terminal"] is True and final["success"] is True and final["exitCode"] == 0
    full = next(f for f in frames if f["type"] == "task_output_full")
    assert isinstance(full["message"], dict) and isinstance(full["message"]["raw"], str)
    progress = [f["message"] for f in frames if f["type"] == "task_output"]
    assert any(isinstance(m, dict) and m.get("stepTotal") == "4" for m in progress)
    assert not any(isinstance(m, str) and m.startswith("{") for m in progress)


@pytest.mark.emulator(step_mode=True)
def test_task_list_as_wiro_mcp_calls_it(wiro: Wiro) -> None:
    ids = [wiro.run(seed=str(n))["taskid"] for n in range(3)]
    body = {"type": "model", "sort": "id", "order": "DESC", "start": "0", "limit": "2"}
    answer = wiro.post("Task/List", body).json()
    assert answer["result"] is True and answer["errors"] == [] and answer["total"] == "3"
    assert [t["id"] for t in answer["tasklist"]] == ids[::-1][:2]
    more = wiro.post("Task/List", {**body, "start": "2"}).json()
    assert [t["id"] for t in more["tasklist"]] == ids[:1]
    assert more["tasklist"][0]["parameters"]["seed"] == "0"
    named = wiro.post("Task/List", {**body, "modelName": "nobody/nothing"}).json()
    assert named["tasklist"] == [] and named["total"] == "0"
