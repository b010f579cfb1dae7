"""WiroClient over httpx.MockTransport: requests, typed errors, retry policy per endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from app import USER_AGENT
from app.api.client import ApiConfig, WiroClient
from app.api.errors import (
    AuthError,
    BadResponseError,
    ConcurrencyLimitError,
    CredentialCheckError,
    InsufficientBalanceError,
    NetworkError,
    NotFoundError,
    ServerError,
    ValidationError,
    WiroError,
)
from app.api.signing import Credentials, sign
from app.resources import tool_detail_payload
from tests.api.fakes import (
    KEY,
    SECRET,
    RecordingSleep,
    body_of,
    detail_answer,
    envelope_error,
    make_client,
    task_record,
)
from tests.api.samples import RUN_RESPONSE, TASK_DETAIL_RESPONSE

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and keeps every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            if isinstance(answer, httpx.RequestError):
                answer.request = request
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def ok_run() -> httpx.Response:
    return httpx.Response(200, text=RUN_RESPONSE, headers={"content-type": "application/json"})


# --- request shape ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_run_request_is_signed_json_post() -> None:
    recorder = Recorder(ok_run())
    async with make_client(recorder) as client:
        run = await client.run("Lykon", "dreamshaper-8", {"prompt": "a cat", "steps": 20})
    assert (run.task_id, run.socket_token) == ("2221", "eDcCm5yyUfIvMFspTwww49OUfgXkQt")
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.wiro.ai/v1/Run/Lykon/dreamshaper-8"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["x-api-key"] == KEY
    nonce = request.headers["x-nonce"]
    assert request.headers["x-signature"] == sign(KEY, SECRET, nonce)
    assert body_of(request) == {"prompt": "a cat", "steps": 20}
    assert SECRET.encode() not in request.content
    assert all(SECRET not in value for value in request.headers.values())


@pytest.mark.asyncio
async def test_key_only_project_sends_only_the_key() -> None:
    recorder = Recorder(ok_run())
    async with make_client(recorder, credentials=Credentials(KEY, None)) as client:
        await client.run("Lykon", "dreamshaper-8", {})
    headers = recorder.requests[0].headers
    assert headers["x-api-key"] == KEY
    assert "x-nonce" not in headers and "x-signature" not in headers


@pytest.mark.asyncio
async def test_nonce_is_fresh_per_attempt() -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json=detail_answer(task_record())))
    async with make_client(recorder) as client:
        await client.task_detail(task_id="2221")
    nonces = [int(r.headers["x-nonce"]) for r in recorder.requests]
    assert len(nonces) == 2 and nonces[1] > nonces[0]


@pytest.mark.asyncio
async def test_endpoint_bodies() -> None:
    record = task_record("2221", "task_cancel")
    recorder = Recorder(lambda r: httpx.Response(200, json=detail_answer(record)))
    async with make_client(recorder) as client:
        await client.task_detail(task_id="2221")
        await client.task_detail(token="tok-2221")
        await client.cancel("2221")
        await client.kill(task_id="2221")
        await client.kill(token="tok-2221")
    paths = [(r.url.path, body_of(r)) for r in recorder.requests]
    assert paths == [
        ("/v1/Task/Detail", {"taskid": "2221"}),
        ("/v1/Task/Detail", {"tasktoken": "tok-2221"}),
        ("/v1/Task/Cancel", {"taskid": "2221"}),
        ("/v1/Task/Kill", {"taskid": "2221"}),
        ("/v1/Task/Kill", {"socketaccesstoken": "tok-2221"}),
    ]


@pytest.mark.asyncio
async def test_task_detail_sample_parses() -> None:
    recorder = Recorder(httpx.Response(200, text=TASK_DETAIL_RESPONSE))
    async with make_client(recorder) as client:
        task = await client.task_detail(task_id="2221")
    assert task is not None and task.outputs[0].size == 202472


@pytest.mark.asyncio
async def test_tool_detail() -> None:
    recorder = Recorder(httpx.Response(200, json=tool_detail_payload()))
    async with make_client(recorder) as client:
        schema = await client.tool_detail("Lykon", "dreamshaper-8")
        raw = await client.tool_detail_raw("Lykon", "dreamshaper-8")
    assert schema.slug == "Lykon/dreamshaper-8"
    assert schema.field("steps") is not None
    assert raw["tool"]
    assert body_of(recorder.requests[0]) == {"slugowner": "Lykon", "slugproject": "dreamshaper-8"}


@pytest.mark.asyncio
async def test_tool_detail_garbage_is_bad_response() -> None:
    recorder = Recorder(httpx.Response(200, json={"result": True, "tool": [{"parameters": 5}]}))
    async with make_client(recorder) as client:
        with pytest.raises(BadResponseError):
            await client.tool_detail("Lykon", "dreamshaper-8")


@pytest.mark.asyncio
async def test_stats_count_requests() -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json=detail_answer(task_record())))
    async with make_client(recorder) as client:
        await client.task_detail(task_id="2221")
    assert client.stats["requests"] == 2
    assert client.stats["task_detail"] == 2


# --- typed errors -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("response", "kind", "code"),
    [
        (
            envelope_error(0, "Request parameter [steps] must be integer or float"),
            ValidationError,
            0,
        ),
        (envelope_error(1, "Task not cancellable"), NotFoundError, 1),
        (envelope_error(96, "Concurrency limit reached"), ConcurrencyLimitError, 96),
        (envelope_error(97, "Insufficient balance"), InsufficientBalanceError, 97),
        (envelope_error(98, "Sign in required"), AuthError, 98),
        (envelope_error(99, "Bearer token invalid"), AuthError, 99),
        (envelope_error(97, "Insufficient balance", 402), InsufficientBalanceError, 97),
    ],
)
async def test_run_error_codes(response: httpx.Response, kind: type[WiroError], code: int) -> None:
    recorder = Recorder(response)
    async with make_client(recorder) as client:
        with pytest.raises(kind) as info:
            await client.run("Lykon", "dreamshaper-8", {"steps": "x"})
    assert info.value.code == code
    assert len(recorder.requests) == 1
    if kind is ValidationError:
        assert info.value.field == "steps"  # type: ignore[attr-defined]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "message",
    [
        "Project requires signature authentication. x-signature and x-nonce headers are required.",
        "Project authorization is not founded.",
        "Project authorization is not valid.",
    ],
)
async def test_401_messages(message: str) -> None:
    recorder = Recorder(httpx.Response(401, json={"result": False, "errors": [message]}))
    async with make_client(recorder) as client:
        with pytest.raises(AuthError) as info:
            await client.task_detail(task_id="1")
    assert info.value.http_status == 401
    assert info.value.message == message
    assert len(recorder.requests) == 1  # auth failures are not retried


@pytest.mark.asyncio
async def test_unknown_endpoint_404() -> None:
    recorder = Recorder(
        httpx.Response(
            404, json={"result": False, "errors": [{"code": 0, "message": "Error parsing url."}]}
        )
    )
    async with make_client(recorder) as client:
        with pytest.raises(NotFoundError) as info:
            await client.task_detail(task_id="1")
        assert info.value.message == "Error parsing url."
        with pytest.raises(CredentialCheckError, match="Error parsing url"):
            await client.probe()


@pytest.mark.asyncio
async def test_404_plain_text() -> None:
    recorder = Recorder(httpx.Response(404, text="Error parsing url."))
    async with make_client(recorder) as client:
        with pytest.raises(NotFoundError) as info:
            await client.run("x", "y", {})
    assert info.value.message == "Error parsing url."


@pytest.mark.asyncio
async def test_http_200_result_false_with_string_errors() -> None:
    recorder = Recorder(httpx.Response(200, json={"result": False, "errors": ["Something broke"]}))
    async with make_client(recorder) as client:
        with pytest.raises(WiroError) as info:
            await client.run("Lykon", "dreamshaper-8", {})
    assert info.value.message == "Something broke"
    assert info.value.http_status == 200


@pytest.mark.asyncio
async def test_task_detail_none_when_no_such_task() -> None:
    recorder = Recorder(
        envelope_error(1, "There is no task yet."),
        httpx.Response(200, json=detail_answer()),
        httpx.Response(200, json={"result": True, "errors": [], "tasklist": []}),
    )
    async with make_client(recorder) as client:
        assert await client.task_detail(task_id="404") is None
        assert await client.task_detail(task_id="404") is None
        assert await client.task_detail(task_id="404") is None


@pytest.mark.asyncio
async def test_task_detail_other_refusals_surface_their_message() -> None:
    recorder = Recorder(
        envelope_error(1, "slug-owner-project-not-exist"),
        httpx.Response(200, json={"result": False, "errors": [{"code": "E1", "message": "nope"}]}),
        httpx.Response(200, json={"result": False, "errors": []}),
    )
    async with make_client(recorder) as client:
        with pytest.raises(NotFoundError, match="slug-owner-project-not-exist"):
            await client.task_detail(task_id="1")
        with pytest.raises(WiroError, match="nope"):
            await client.task_detail(task_id="1")
        with pytest.raises(WiroError):
            await client.task_detail(task_id="1")


@pytest.mark.asyncio
async def test_task_detail_about_another_task_is_bad_response() -> None:
    recorder = Recorder(httpx.Response(200, json=detail_answer(task_record("999"))))
    async with make_client(recorder) as client:
        with pytest.raises(BadResponseError):
            await client.task_detail(task_id="2221")


@pytest.mark.asyncio
async def test_probe() -> None:
    async with make_client(Recorder(envelope_error(1, "There is no task yet."))) as client:
        await client.probe()
    async with make_client(Recorder(httpx.Response(200, json=detail_answer()))) as client:
        await client.probe()
    bad = Recorder(httpx.Response(401, json={"result": False, "errors": ["not valid"]}))
    async with make_client(bad) as client:
        with pytest.raises(AuthError):
            await client.probe()
    assert body_of(bad.requests[0]) == {"tasktoken": "probe"}


@pytest.mark.asyncio
async def test_secrets_never_appear_in_errors() -> None:
    echo = f"Key {KEY} with secret {SECRET} is not valid"
    recorder = Recorder(httpx.Response(401, json={"result": False, "errors": [echo]}))
    async with make_client(recorder) as client:
        with pytest.raises(AuthError) as info:
            await client.probe()
    for text in (str(info.value), repr(info.value), info.value.message):
        assert KEY not in text and SECRET not in text


@pytest.mark.asyncio
async def test_not_json_200_is_bad_response() -> None:
    recorder = Recorder(httpx.Response(200, text="<html>WAF challenge</html>"))
    async with make_client(recorder) as client:
        with pytest.raises(BadResponseError):
            await client.task_detail(task_id="1")
    assert len(recorder.requests) == 1


@pytest.mark.asyncio
async def test_huge_response_refused() -> None:
    big = b'{"result": true, "pad": "' + b"x" * 3000 + b'"}'
    recorder = Recorder(httpx.Response(200, content=big))
    async with make_client(recorder, max_response_bytes=1000) as client:
        with pytest.raises(BadResponseError):
            await client.task_detail(task_id="1")

    async def stream() -> object:
        for _ in range(100):
            yield b" " * 100

    chunked = Recorder(lambda r: httpx.Response(200, content=stream()))
    async with make_client(chunked, max_response_bytes=1000) as client:
        with pytest.raises(BadResponseError):
            await client.task_detail(task_id="1")


# --- retry policy -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_reads_retry_on_transient_statuses(status: int) -> None:
    sleep = RecordingSleep()
    recorder = Recorder(
        httpx.Response(status), httpx.Response(200, json=detail_answer(task_record()))
    )
    async with make_client(recorder, sleep=sleep) as client:
        task = await client.task_detail(task_id="2221")
    assert task is not None
    assert len(recorder.requests) == 2
    assert len(sleep.delays) == 1


@pytest.mark.asyncio
async def test_reads_give_up_after_bounded_attempts_with_growing_backoff() -> None:
    sleep = RecordingSleep()
    recorder = Recorder(httpx.Response(503, text="busy"))
    async with make_client(recorder, sleep=sleep, read_retries=4) as client:
        with pytest.raises(ServerError) as info:
            await client.tool_detail("Lykon", "dreamshaper-8")
    assert info.value.http_status == 503
    assert len(recorder.requests) == 5
    assert len(sleep.delays) == 4
    ceilings = [0.5, 1.0, 2.0, 4.0]
    assert all(0 <= d <= c for d, c in zip(sleep.delays, ceilings, strict=True))


@pytest.mark.asyncio
async def test_retry_after_is_honoured_and_capped() -> None:
    sleep = RecordingSleep()
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(503, headers={"Retry-After": "99999"}),
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        httpx.Response(200, json=detail_answer(task_record())),
    )
    async with make_client(recorder, sleep=sleep, retry_after_cap=30.0) as client:
        await client.task_detail(task_id="2221")
    assert sleep.delays[0] == 3.0
    assert sleep.delays[1] == 30.0
    assert 0 <= sleep.delays[2] <= 2.0  # an HTTP date falls back to backoff


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ReadError("reset"),
    ],
)
async def test_reads_retry_on_network_errors(exc: Exception) -> None:
    recorder = Recorder(exc, httpx.Response(200, json=detail_answer(task_record())))
    async with make_client(recorder) as client:
        assert await client.task_detail(task_id="2221") is not None
    assert len(recorder.requests) == 2


@pytest.mark.asyncio
async def test_reads_network_error_after_retries() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    async with make_client(recorder, read_retries=2) as client:
        with pytest.raises(NetworkError) as info:
            await client.task_detail(task_id="2221")
    assert info.value.request_sent is False
    assert len(recorder.requests) == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500),
        httpx.Response(503, headers={"Retry-After": "1"}),
        httpx.Response(429),
        httpx.Response(408),
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.WriteError("broken pipe"),
    ],
)
async def test_run_is_never_retried(answer: httpx.Response | Exception) -> None:
    sleep = RecordingSleep()
    recorder = Recorder(answer, ok_run())
    async with make_client(recorder, sleep=sleep) as client:
        with pytest.raises(WiroError) as info:
            await client.run("Lykon", "dreamshaper-8", {"prompt": "x"})
    assert len(recorder.requests) == 1
    assert sleep.delays == []
    if isinstance(answer, (httpx.ConnectError, httpx.ConnectTimeout)):
        assert isinstance(info.value, NetworkError) and info.value.request_sent is False
    elif isinstance(answer, Exception):
        assert isinstance(info.value, NetworkError) and info.value.request_sent is True
        assert "may have started" in info.value.message
    else:
        assert isinstance(info.value, ServerError)


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["cancel", "kill"])
async def test_cancel_and_kill_retry_on_connect_errors_only(method: str) -> None:
    record = task_record("2221", "task_cancel")
    recorder = Recorder(
        httpx.ConnectError("refused"), httpx.Response(200, json=detail_answer(record))
    )
    async with make_client(recorder) as client:
        call = client.cancel("2221") if method == "cancel" else client.kill(task_id="2221")
        task = await call
    assert task is not None and task.status == "task_cancel"
    assert len(recorder.requests) == 2

    for answer in (httpx.Response(503), httpx.ReadTimeout("slow")):
        recorder = Recorder(answer, httpx.Response(200, json=detail_answer(record)))
        async with make_client(recorder) as client:
            call = client.cancel("2221") if method == "cancel" else client.kill(task_id="2221")
            with pytest.raises(WiroError):
                await call
        assert len(recorder.requests) == 1


@pytest.mark.asyncio
async def test_cancel_not_cancellable_raises_not_found() -> None:
    recorder = Recorder(envelope_error(1, "Task is not cancellable"))
    async with make_client(recorder) as client:
        with pytest.raises(NotFoundError):
            await client.cancel("2221")


# --- configuration and lifecycle ----------------------------------------------------------


def test_config_refuses_plain_http_to_remote_hosts() -> None:
    with pytest.raises(ValueError):
        ApiConfig(base_url="http://api.wiro.ai/v1")
    with pytest.raises(ValueError):
        ApiConfig(socket_url="ws://socket.wiro.ai/v1")
    with pytest.raises(ValueError):
        ApiConfig(insecure_hosts=frozenset({"example.com"}))
    config = ApiConfig(
        base_url="http://127.0.0.1:8123/v1",
        socket_url="ws://127.0.0.1:8123/socket/v1",
        insecure_hosts=frozenset({"127.0.0.1:8123"}),
    )
    assert config.base_url.startswith("http://")
    with pytest.raises(ValueError):
        ApiConfig(base_url="http://127.0.0.1:9999/v1", insecure_hosts=frozenset({"127.0.0.1:8123"}))


@pytest.mark.asyncio
async def test_client_is_lazy_and_closes() -> None:
    recorder = Recorder(httpx.Response(200, json=detail_answer(task_record())))
    client = make_client(recorder)
    assert client._http is None
    await client.task_detail(task_id="2221")
    assert client._http is not None
    await client.aclose()
    with pytest.raises(WiroError):
        await client.task_detail(task_id="2221")


@pytest.mark.asyncio
async def test_unencodable_params_are_a_validation_error() -> None:
    recorder = Recorder(ok_run())
    async with make_client(recorder) as client:
        with pytest.raises(ValidationError):
            await client.run("Lykon", "dreamshaper-8", {"scale": float("nan")})
    assert recorder.requests == []


def test_credentials_repr_in_client_errors_is_masked() -> None:
    client = WiroClient(ApiConfig(), Credentials(KEY, SECRET))
    assert SECRET not in repr(client.credentials)
    assert json.dumps(dict(client.stats)) == "{}"
