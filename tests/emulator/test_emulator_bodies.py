"""Request encodings, numeric coercion and Wiro's validation messages on Run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.core.params import CLIENT_LIMITS
from tests.emulator.emulator_support import Wiro

RUN = "Run/Lykon/dreamshaper-8"


def _messages(answer: dict[str, Any]) -> list[str]:
    assert answer["result"] is False, answer
    assert all(e["code"] == 0 for e in answer["errors"])
    return [e["message"] for e in answer["errors"]]


def _parameters(wiro: Wiro, answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["result"] is True, answer
    return wiro.detail(answer["taskid"])["parameters"]


def test_json_body(wiro: Wiro) -> None:
    answer = wiro.post(RUN, {"prompt": "json", "samples": 2, "width": 256, "height": 128}).json()
    params = _parameters(wiro, answer)
    assert (params["prompt"], params["samples"], params["width"]) == ("json", "2", "256")


def test_multipart_form(wiro: Wiro) -> None:
    fields = {"prompt": "multipart", "samples": "1", "width": "192", "height": "128"}
    files = {name: (None, value) for name, value in fields.items()}
    answer = wiro.post(RUN, files=files).json()
    assert _parameters(wiro, answer)["width"] == "192"
    assert wiro.emulator.stats()["content_types"]["multipart/form-data"] == 1


def test_url_encoded_form(wiro: Wiro) -> None:
    answer = wiro.post(RUN, data={"prompt": "form", "scale": "6.5", "width": "128"}).json()
    params = _parameters(wiro, answer)
    assert (params["prompt"], params["scale"]) == ("form", "6.5")
    assert "application/x-www-form-urlencoded" in wiro.emulator.stats()["content_types"]


def test_tool_page_curl_json_labelled_multipart(wiro: Wiro) -> None:
    """The tool page's curl sends JSON with `Content-Type: multipart/form-data`."""
    body = json.dumps({"prompt": "mislabelled", "samples": 1, "width": 128, "height": 128})
    headers = {"Content-Type": "multipart/form-data"}
    answer = wiro.post(RUN, content=body, headers=headers).json()
    assert _parameters(wiro, answer)["prompt"] == "mislabelled"
    detail = wiro.post(
        "Task/Detail", content=json.dumps({"taskid": answer["taskid"]}), headers=headers
    )
    assert detail.json()["result"] is True


def test_numeric_strings_are_coerced(wiro: Wiro) -> None:
    body = {"prompt": "p", "samples": "2", "steps": " 12 ", "scale": "7.5", "clipSkip": "2"}
    params = _parameters(wiro, wiro.post(RUN, {**body, "width": "128.0", "height": 128}).json())
    assert params["samples"] == "2" and params["steps"] == "12" and params["scale"] == "7.5"
    assert params["width"] == "128" and params["clipSkip"] == "2"


def test_missing_optional_fields_take_schema_defaults(wiro: Wiro) -> None:
    params = _parameters(wiro, wiro.post(RUN, {"prompt": "only a prompt"}).json())
    assert params == {
        "prompt": "only a prompt",
        "negativePrompt": "BadDream, FastNegativeV2",
        "samples": "4",
        "steps": "20",
        "scale": "7.5",
        "seed": "123456",
        "clipSkip": "4",
        "width": "512",
        "height": "512",
        "scheduler": "EulerDiscreteScheduler",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"steps": "twenty"}, "Request parameter [steps] must be integer or float"),
        ({"scale": "high"}, "Request parameter [scale] must be integer or float"),
        ({"samples": True}, "Request parameter [samples] must be integer or float"),
        ({"steps": [20]}, "Request parameter [steps] must be integer or float"),
        ({"width": 4096}, "Request parameter [width] must be between 64 and 2048"),
        ({"height": "32"}, "Request parameter [height] must be between 64 and 2048"),
        ({"samples": 0}, "Request parameter [samples] must be between 1 and 10"),
        ({"steps": 500}, "Request parameter [steps] must be between 1 and 150"),
        ({"scale": 31}, "Request parameter [scale] must be between 0 and 30"),
        ({"clipSkip": 13}, "Request parameter [clipSkip] must be between 1 and 12"),
        ({"samples": 2.5}, "Request parameter [samples] must be integer"),
        ({"seed": "lucky"}, "Request parameter [seed] must be integer or float"),
        ({"seed": "-1"}, "Request parameter [seed] must be between 0 and 4294967295"),
        ({"prompt": ""}, "Request parameter [prompt] required"),
        ({"prompt": None}, "Request parameter [prompt] required"),
    ],
)
def test_validation_messages(wiro: Wiro, body: dict[str, Any], message: str) -> None:
    answer = wiro.post(RUN, {"prompt": "p", **body})
    assert answer.status_code == 200
    assert _messages(answer.json()) == [message]
    assert wiro.emulator.stats()["tasks_created"] == 0


def test_missing_prompt_is_required(wiro: Wiro) -> None:
    assert _messages(wiro.post(RUN, {"samples": 1}).json()) == [
        "Request parameter [prompt] required"
    ]


def test_several_errors_at_once(wiro: Wiro) -> None:
    messages = _messages(wiro.post(RUN, {"prompt": "p", "width": 1, "steps": "x"}).json())
    assert set(messages) == {
        "Request parameter [width] must be between 64 and 2048",
        "Request parameter [steps] must be integer or float",
    }


def test_unknown_scheduler(wiro: Wiro) -> None:
    (message,) = _messages(wiro.post(RUN, {"prompt": "p", "scheduler": "Karras"}).json())
    assert message.startswith("Request parameter [scheduler] must be one of EulerDiscreteScheduler")


def test_unparseable_body(wiro: Wiro) -> None:
    answer = wiro.post(RUN, content=b"{not json", headers={"Content-Type": "application/json"})
    assert _messages(answer.json()) == ["Request parameters are invalid."]
    answer = wiro.post(RUN, content=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert _messages(answer.json()) == ["Request parameters are invalid."]


def test_callback_url_is_kept_and_unknown_fields_ignored(wiro: Wiro) -> None:
    body = {"prompt": "p", "width": 128, "height": 128, "samples": 1}
    answer = wiro.post(RUN, {**body, "callbackUrl": "http://127.0.0.1:9/cb", "extra": 1}).json()
    task = wiro.detail(answer["taskid"])
    assert task["callbackurl"] == "http://127.0.0.1:9/cb"
    assert "extra" not in task["parameters"]


@pytest.mark.parametrize("field", sorted(CLIENT_LIMITS))
def test_server_accepts_whatever_the_client_limits_allow(wiro: Wiro, field: str) -> None:
    limits = CLIENT_LIMITS[field]
    for edge in (limits.minimum, limits.maximum):
        value: Any = int(edge) if float(edge).is_integer() else edge
        if field == "seed":
            value = str(value)
        body = {"prompt": "edge", "samples": 1, "steps": 1, "width": 64, "height": 64, field: value}
        answer = wiro.post(RUN, body).json()
        assert answer["result"] is True, (field, value, answer)
        wiro.post("Task/Cancel", {"taskid": answer["taskid"]})


def test_unknown_tool_on_run(wiro: Wiro) -> None:
    answer = wiro.post("Run/Lykon/dreamshaper-9", {"prompt": "p"}).json()
    assert answer["result"] is False
    assert answer["errors"][0]["code"] == 1
