"""Lenient parsing of Wiro answers, starting from the tool page's exact samples."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.api.errors import (
    AuthError,
    BadResponseError,
    ConcurrencyLimitError,
    InsufficientBalanceError,
    NotFoundError,
    ServerError,
    ValidationError,
    WiroError,
)
from app.api.models import (
    Output,
    loads,
    parse_outputs,
    parse_run,
    parse_task,
    parse_task_list,
    raise_for_envelope,
)
from app.core.status import Outcome
from tests.api.samples import (
    CANCEL_RESPONSE,
    KILL_RESPONSE,
    RUN_RESPONSE,
    TASK_DETAIL_RESPONSE,
    wire_form,
)

CDN_URL = (
    "https://cdn1.wiro.ai/6a6af820-c5050aee-40bd7b83-a2e186c6-7f61f7da-3894e49c-fc0eeb66-"
    "9b500fe2/0.png"
)


def test_run_sample() -> None:
    payload = loads(RUN_RESPONSE)
    raise_for_envelope(payload, 200)
    run = parse_run(payload)
    assert run.task_id == "2221"
    assert run.socket_token == "eDcCm5yyUfIvMFspTwww49OUfgXkQt"


def test_task_detail_sample() -> None:
    payload = loads(TASK_DETAIL_RESPONSE)
    raise_for_envelope(payload, 200)
    [task] = parse_task_list(payload)
    assert task.id == "2221"
    assert task.uuid == "15bce51f-442f-4f44-a71d-13c6374a62bd"
    assert task.token == "eDcCm5yyUfIvMFspTwww49OUfgXkQt"
    assert task.status == "task_postprocess_end"
    assert task.is_terminal
    assert task.pexit == ""  # the sample has no pexit at all
    assert task.outcome is Outcome.FAILED  # so the success rule cannot be met
    assert task.elapsed_seconds == 6.0
    assert task.create_time == 1734513807
    assert task.start_time == 1734513809
    assert task.end_time == 1734513813
    assert task.total_cost is None and task.cps is None
    assert task.parameters == {}
    assert task.raw["postprocessendtime"] == "1734513814"
    assert task.outputs == (
        Output(
            id="6bc392c93856dfce3a7d1b4261e15af3",
            name="0.png",
            content_type="image/png",
            size=202472,
            url=CDN_URL,
            added_time=1734513812,
            access_key="dFKlMApaSgMeHKsJyaDeKrefcHahUK",
        ),
    )


@pytest.mark.parametrize(
    ("sample", "task_id"), [(KILL_RESPONSE, "534574"), (CANCEL_RESPONSE, "634574")]
)
def test_kill_and_cancel_samples(sample: str, task_id: str) -> None:
    payload = loads(wire_form(sample))
    raise_for_envelope(payload, 200)
    [task] = parse_task_list(payload)
    assert task.id == task_id
    assert task.token == "ZpYote30on42O4jjHXNiKmrWAZqbRE"
    assert task.status == "task_cancel"
    assert task.outcome is Outcome.CANCELLED
    assert task.pexit == "0"
    assert task.cps == pytest.approx(0.000585)
    assert task.total_cost == pytest.approx(0.00351)
    assert task.categories == ("tool", "image-to-image", "quick-showcase", "compare-landscape")
    assert task.parameters["inputImage"].endswith("inputImage-6060136.png")
    assert task.outputs[0].size == 202472


def test_page_text_of_kill_sample_is_not_json() -> None:
    with pytest.raises(BadResponseError):
        loads(KILL_RESPONSE)


@pytest.mark.parametrize(
    "value",
    [
        '["tool","image-to-image"]',
        "[tool,image-to-image]",
        '["tool","image-to-image"',
        ["tool", "image-to-image", 3, None],
    ],
)
def test_categories_lenient(value: Any) -> None:
    task = parse_task({"id": "1", "categories": value})
    assert task.categories[:2] == ("tool", "image-to-image")


def test_categories_junk_is_empty() -> None:
    assert parse_task({"id": "1", "categories": {"a": 1}}).categories == ()
    assert parse_task({"id": "1", "categories": None}).categories == ()


def test_numbers_as_strings_and_numbers() -> None:
    task = parse_task(
        {
            "id": 42,
            "pexit": 0,
            "status": "task_postprocess_end",
            "elapsedseconds": 3,
            "totalcost": "0.5",
            "cps": "abc",
            "createtime": "0",
            "outputs": [{"id": 1, "size": 10, "url": "https://x.test/0.png"}],
        }
    )
    assert task.id == "42"
    assert task.pexit == "0"
    assert task.elapsed_seconds == 3.0
    assert task.total_cost == 0.5
    assert task.cps is None
    assert task.create_time is None
    assert task.outputs[0].size == 10
    assert task.outcome is Outcome.SUCCEEDED


def test_parameters_as_json_string() -> None:
    task = parse_task({"id": "1", "parameters": '{"prompt": "a cat", "steps": "20"}'})
    assert task.parameters == {"prompt": "a cat", "steps": "20"}
    assert parse_task({"id": "1", "parameters": "not json"}).parameters == {}


def test_outputs_as_json_string_or_missing() -> None:
    outputs = json.dumps([{"url": "https://x.test/0.png", "size": "5"}])
    assert parse_outputs(outputs)[0].size == 5
    assert parse_outputs(None) == ()
    assert parse_outputs("") == ()


def test_missing_fields_default() -> None:
    task = parse_task({"id": "7"})
    assert task.status == "" and task.pexit == "" and task.outputs == ()
    assert task.outcome is Outcome.RUNNING
    assert not task.is_terminal


def test_huge_and_odd_numbers_are_dropped() -> None:
    task = parse_task(
        {
            "id": "1",
            "elapsedseconds": "1e999",
            "totalcost": 10**400,
            "cps": float("nan"),
            "outputs": [{"size": "-5", "url": "https://x.test/a.png"}],
        }
    )
    assert task.elapsed_seconds is None and task.total_cost is None and task.cps is None
    assert task.outputs[0].size is None


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        "task",
        {"id": "x" * 1000},
        {"id": "1", "outputs": {"url": "x"}},
        {"id": "1", "outputs": ["not an object"]},
        {"id": ["1"]},
    ],
)
def test_malformed_task_raises_bad_response(obj: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_task(obj)


@pytest.mark.parametrize("obj", [{"status": "task_queue"}, {"id": None}, {"id": True}])
def test_task_without_id_is_read_with_an_empty_id(obj: Any) -> None:
    # WiroKit's task model reads sparse records (its "sparse defaults" test has no id).
    assert parse_task(obj).id == ""


@pytest.mark.parametrize(
    "payload",
    [None, [], {"taskid": "1"}, {"socketaccesstoken": "x"}, {"taskid": {}, "socketaccesstoken": 1}],
)
def test_malformed_run_raises_bad_response(payload: Any) -> None:
    with pytest.raises(BadResponseError):
        parse_run(payload)


def test_task_list_shapes() -> None:
    assert parse_task_list({"tasklist": []}) == []
    assert parse_task_list({"result": True}) == []
    assert parse_task_list({"tasklist": {"id": "3"}})[0].id == "3"
    with pytest.raises(BadResponseError):
        parse_task_list({"tasklist": 5})
    with pytest.raises(BadResponseError):
        parse_task_list("nope")


def _refusal(errors: Any, status: int = 200) -> WiroError:
    with pytest.raises(WiroError) as info:
        raise_for_envelope({"result": False, "errors": errors}, status)
    return info.value


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (0, ValidationError),
        (1, NotFoundError),
        (96, ConcurrencyLimitError),
        (97, InsufficientBalanceError),
        (98, AuthError),
        (99, AuthError),
    ],
)
def test_error_codes(code: int, kind: type[WiroError]) -> None:
    error = _refusal([{"code": code, "message": "Something", "time": 1773486903}])
    assert type(error) is kind
    assert error.code == code
    assert error.http_status == 200
    assert error.message == "Something"


def test_codes_as_strings_and_plain_string_errors() -> None:
    assert isinstance(_refusal([{"code": "97", "message": "Insufficient balance"}]), Exception)
    assert type(_refusal([{"code": "97", "message": "x"}])) is InsufficientBalanceError
    error = _refusal(["Request parameter [width] must be between 64 and 2048"])
    assert type(error) is WiroError
    assert error.message == "Request parameter [width] must be between 64 and 2048"


def test_validation_field_is_parsed() -> None:
    error = _refusal([{"code": 0, "message": "Request parameter [steps] must be integer or float"}])
    assert isinstance(error, ValidationError)
    assert error.field == "steps"
    assert _refusal([{"code": 0, "message": "Something else"}]).field is None  # type: ignore[attr-defined]


def test_http_statuses_without_codes() -> None:
    assert isinstance(_refusal([], 401), AuthError)
    assert isinstance(_refusal(["Error parsing url."], 404), NotFoundError)
    assert isinstance(_refusal([], 503), ServerError)


def test_result_true_passes_and_missing_result_with_no_errors_passes() -> None:
    raise_for_envelope({"result": True, "errors": []}, 200)
    raise_for_envelope({"result": "true"}, 200)
    raise_for_envelope({"tasklist": []}, 200)


def test_empty_error_list_with_result_false() -> None:
    error = _refusal([])
    assert type(error) is WiroError and error.message


def test_non_object_answer() -> None:
    with pytest.raises(BadResponseError):
        raise_for_envelope([1, 2], 200)
    with pytest.raises(ServerError):
        raise_for_envelope("oops", 502)


def test_error_message_is_sanitised() -> None:
    error = _refusal([{"code": 0, "message": "bad\x00\x1b[31m" + "x" * 5000}])
    assert "\x00" not in error.message and "\x1b" not in error.message
    assert len(error.message) <= 500


def test_deep_nesting_is_bad_response() -> None:
    with pytest.raises(BadResponseError):
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(BadResponseError):
        loads("1" * 10_000)
