"""WiroClient.upload_file and parse_upload over httpx.MockTransport: body, retries, limits."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.api import uploads as upload_module
from app.api.errors import BadResponseError, ServerError, ValidationError
from app.api.models import UploadedFile, parse_upload
from tests.api.fakes import KEY, RecordingSleep, make_client

ANSWER = {
    "result": True,
    "errors": [],
    "list": [
        {
            "id": "file-id",
            "name": "keeper.png",
            "contenttype": "image/png",
            "size": "1048576",
            "parentid": "folder-id",
            "url": "https://cdn1.wiro.ai/uploads/keeper.png",
            "addedtime": "1716276727",
            "accesskey": "abc",
        }
    ],
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _file_part(request: httpx.Request) -> tuple[str, bytes]:
    """The filename and bytes of the multipart field ``file`` (parsed by hand, spec-style)."""
    ctype = request.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    boundary = ctype.split("boundary=", 1)[1].encode()
    body = request.content
    parts = [p for p in body.split(b"--" + boundary) if p.strip(b"-\r\n")]
    assert len(parts) == 1
    head, _, data = parts[0].partition(b"\r\n\r\n")
    assert b'name="file"' in head
    name = head.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
    return name, data.removesuffix(b"\r\n")


@pytest.mark.asyncio
async def test_upload_sends_one_multipart_file_field_with_auth() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    async with make_client(handler) as client:
        uploaded = await client.upload_file(PNG, "C:\\Users\\me\\keeper.png")
    assert uploaded == UploadedFile(
        id="file-id",
        name="keeper.png",
        url="https://cdn1.wiro.ai/uploads/keeper.png",
        content_type="image/png",
        size=1048576,
        folder_id="folder-id",
        added_time=1716276727,
        access_key="abc",
    )
    [request] = seen
    assert request.method == "POST" and request.url.path.endswith("/File/Upload")
    assert request.headers["x-api-key"] == KEY and request.headers["x-signature"]
    assert _file_part(request) == ("keeper.png", PNG)
    assert client.stats["file_upload"] == 1


@pytest.mark.asyncio
async def test_upload_reads_a_path_and_names_the_file_after_it(tmp_path: Path) -> None:
    source = tmp_path / "my keeper.png"
    source.write_bytes(PNG)
    seen: list[tuple[str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_file_part(request))
        return httpx.Response(200, json=ANSWER)

    async with make_client(handler) as client:
        await client.upload_file(source)
        await client.upload_file(str(source), "renamed.png")
    assert seen == [("my keeper.png", PNG), ("renamed.png", PNG)]


@pytest.mark.asyncio
async def test_upload_is_retried_like_a_read_but_run_is_not() -> None:
    answers = [
        httpx.Response(503, text="busy"),
        httpx.ReadError("dropped"),
        httpx.Response(200, json=ANSWER),
    ]
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/File/Upload"):
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                answer.request = request
                raise answer
            return answer
        return httpx.Response(503, text="busy")

    sleep = RecordingSleep()
    async with make_client(handler, sleep=sleep) as client:
        uploaded = await client.upload_file(PNG, "a.png")
        assert uploaded.url.startswith("https://")
        with pytest.raises(ServerError):
            await client.run("xinntao", "Real-ESRGAN", {"inputImageUrl": uploaded.url})
    assert [c.rsplit("/", 1)[-1] for c in calls] == [
        "Upload",
        "Upload",
        "Upload",
        "Real-ESRGAN",
    ]
    assert len(sleep.delays) == 2


@pytest.mark.asyncio
async def test_upload_gives_up_after_the_read_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    async with make_client(handler, sleep=RecordingSleep(), read_retries=2) as client:
        with pytest.raises(ServerError):
            await client.upload_file(PNG, "a.png")
        assert client.stats["file_upload"] == 3


@pytest.mark.asyncio
async def test_upload_limit_is_checked_before_sending(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(upload_module, "MAX_UPLOAD_BYTES", 16)
    big = tmp_path / "big.png"
    big.write_bytes(b"\0" * 17)

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    async with make_client(handler) as client:
        with pytest.raises(ValidationError, match="100 MB"):
            await client.upload_file(b"\0" * 17, "big.png")
        with pytest.raises(ValidationError, match="100 MB"):
            await client.upload_file(big)
        with pytest.raises(ValidationError, match="cannot be read"):
            await client.upload_file(tmp_path / "missing.png")
        assert client.stats["requests"] == 0


def test_the_client_limit_is_wiros_100_mb() -> None:
    assert upload_module.MAX_UPLOAD_BYTES == 100 * 1024 * 1024


@pytest.mark.asyncio
async def test_upload_refuses_an_answer_address_that_is_not_https() -> None:
    answer = json.loads(json.dumps(ANSWER))
    answer["list"][0]["url"] = "http://cdn.example/keeper.png"

    async with make_client(lambda r: httpx.Response(200, json=answer)) as client:
        with pytest.raises(BadResponseError, match="unusable address"):
            await client.upload_file(PNG, "a.png")


@pytest.mark.asyncio
async def test_upload_refusal_is_a_typed_error() -> None:
    refusal = {"result": False, "errors": [{"code": 0, "message": "File type not allowed"}]}
    async with make_client(lambda r: httpx.Response(200, json=refusal)) as client:
        with pytest.raises(ValidationError, match="File type not allowed"):
            await client.upload_file(PNG, "a.png")


def test_parse_upload_is_lenient_about_shapes() -> None:
    entry = {"id": 42, "name": "a.png", "url": " https://x.test/a.png ", "size": 10}
    assert parse_upload({"list": json.dumps([entry])}).id == "42"
    single = parse_upload({"result": "true", "list": entry})
    assert single.url == "https://x.test/a.png" and single.size == 10
    assert single.content_type == "" and single.added_time is None
    first = parse_upload({"list": [entry, {**entry, "id": "2"}]})
    assert first.id == "42"


@pytest.mark.parametrize(
    "payload",
    [[], {"list": []}, {"list": None}, {"list": ["x"]}, {"list": [{"id": "1", "url": ""}]}],
)
def test_parse_upload_refuses_answers_without_a_file(payload: object) -> None:
    with pytest.raises(BadResponseError):
        parse_upload(payload)
