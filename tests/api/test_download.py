"""Output downloads: URL policy, redirects, size checks, image magic, retries, atomic writes."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from app.api.download import check_url, looks_like_image
from app.api.errors import DownloadError, NetworkError, ServerError, UnsafeUrlError
from tests.api.fakes import RecordingSleep, make_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 60
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x02" * 40
URL = "https://cdn1.example.test/abc/0.png"

Handler = Callable[[httpx.Request], httpx.Response]


class Cdn:
    """A scripted image server that records requests."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.asyncio
@pytest.mark.parametrize("data", [PNG, JPEG, WEBP])
async def test_download_ok(tmp_path: Path, data: bytes) -> None:
    cdn = Cdn(httpx.Response(200, content=data))
    dest = tmp_path / "out" / "0.png"
    async with make_client(cdn) as client:
        result = await client.download(URL, dest, expected_size=len(data))
    assert result.path == dest and result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert dest.read_bytes() == data
    assert leftovers(dest.parent) == ["0.png"]
    request = cdn.requests[0]
    assert request.method == "GET"
    assert "x-api-key" not in request.headers and "x-signature" not in request.headers
    assert request.headers["accept-encoding"] == "identity"
    assert client.stats["download"] == 1


@pytest.mark.asyncio
async def test_download_without_expected_size(tmp_path: Path) -> None:
    async with make_client(Cdn(httpx.Response(200, content=PNG))) as client:
        result = await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert result.size == len(PNG)


@pytest.mark.asyncio
async def test_size_mismatch_short_is_retried_then_fails(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        async def body() -> AsyncIterator[bytes]:
            yield PNG

        return httpx.Response(200, content=body())

    cdn = Cdn(handler)
    sleep = RecordingSleep()
    async with make_client(cdn, sleep=sleep, read_retries=2) as client:
        with pytest.raises(DownloadError, match="incomplete"):
            await client.download(URL, tmp_path / "a.png", expected_size=len(PNG) + 10)
    assert len(cdn.requests) == 3
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("expected", [10, len(PNG) + 10])
async def test_announced_size_mismatch_is_refused_at_once(tmp_path: Path, expected: int) -> None:
    cdn = Cdn(httpx.Response(200, content=PNG))
    async with make_client(cdn) as client:
        with pytest.raises(DownloadError, match="wrong size"):
            await client.download(URL, tmp_path / "a.png", expected_size=expected)
    assert len(cdn.requests) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_streamed_bytes_beyond_expected_abort(tmp_path: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield PNG
        for _ in range(100):
            yield b"\x00" * 1000

    cdn = Cdn(lambda r: httpx.Response(200, content=body()))
    async with make_client(cdn) as client:
        with pytest.raises(DownloadError, match="larger than announced"):
            await client.download(URL, tmp_path / "a.png", expected_size=len(PNG) + 10)
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_too_big_by_content_length(tmp_path: Path) -> None:
    cdn = Cdn(httpx.Response(200, content=PNG + b"\x00" * 2000))
    async with make_client(cdn, max_download_bytes=1000) as client:
        with pytest.raises(DownloadError, match="too big"):
            await client.download(URL, tmp_path / "a.png", expected_size=None)
        with pytest.raises(DownloadError, match="too big"):
            await client.download(URL, tmp_path / "a.png", expected_size=5000)
    assert len(cdn.requests) == 1


@pytest.mark.asyncio
async def test_too_big_while_streaming(tmp_path: Path) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield PNG
        for _ in range(1000):
            yield b"\x00" * 1000

    cdn = Cdn(lambda r: httpx.Response(200, content=body()))
    async with make_client(cdn, max_download_bytes=5000) as client:
        with pytest.raises(DownloadError, match="too big"):
            await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("data", [b"<html>expired</html>" * 5, b"GIF89a" + b"\x00" * 50, b"\x89P"])
async def test_not_an_image(tmp_path: Path, data: bytes) -> None:
    cdn = Cdn(httpx.Response(200, content=data))
    async with make_client(cdn) as client:
        with pytest.raises(DownloadError, match="not a PNG"):
            await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert len(cdn.requests) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "http://cdn1.example.test/0.png",
        "file:///etc/passwd",
        "ftp://cdn1.example.test/0.png",
        "data:image/png;base64,AAAA",
        "https://user:pw@cdn1.example.test/0.png",
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.1/0.png",
        "https://[::1]/0.png",
        "https:///nohost",
        "",
        "not a url",
        "http://127.0.0.1:9/0.png",
    ],
)
async def test_unsafe_urls_are_refused_before_any_request(tmp_path: Path, url: str) -> None:
    cdn = Cdn(httpx.Response(200, content=PNG))
    async with make_client(cdn) as client:
        with pytest.raises(UnsafeUrlError):
            await client.download(url, tmp_path / "a.png", expected_size=None)
    assert cdn.requests == []


@pytest.mark.asyncio
async def test_http_allowed_for_listed_loopback_emulator(tmp_path: Path) -> None:
    cdn = Cdn(httpx.Response(200, content=PNG))
    async with make_client(
        cdn,
        base_url="http://127.0.0.1:8123/v1",
        insecure_hosts=frozenset({"127.0.0.1:8123"}),
    ) as client:
        await client.download(
            "http://127.0.0.1:8123/files/0.png", tmp_path / "a.png", expected_size=None
        )
        with pytest.raises(UnsafeUrlError):
            await client.download(
                "http://127.0.0.1:8124/files/0.png", tmp_path / "b.png", expected_size=None
            )


@pytest.mark.asyncio
async def test_redirect_to_same_host_is_followed(tmp_path: Path) -> None:
    cdn = Cdn(
        httpx.Response(302, headers={"location": "/moved/0.png"}),
        httpx.Response(200, content=PNG),
    )
    async with make_client(cdn) as client:
        await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert [r.url.path for r in cdn.requests] == ["/abc/0.png", "/moved/0.png"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.test/0.png",
        "http://cdn1.example.test/0.png",
        "file:///etc/passwd",
        "https://cdn1.example.test:8443/0.png",
    ],
)
async def test_redirect_elsewhere_is_refused(tmp_path: Path, location: str) -> None:
    cdn = Cdn(httpx.Response(301, headers={"location": location}), httpx.Response(200, content=PNG))
    async with make_client(cdn) as client:
        with pytest.raises(UnsafeUrlError):
            await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert len(cdn.requests) == 1


@pytest.mark.asyncio
async def test_redirect_loop_is_bounded(tmp_path: Path) -> None:
    cdn = Cdn(httpx.Response(302, headers={"location": "/again"}))
    async with make_client(cdn) as client:
        with pytest.raises(DownloadError, match="redirected too many"):
            await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert len(cdn.requests) == 4


@pytest.mark.asyncio
async def test_truncated_stream_is_retried_then_succeeds(tmp_path: Path) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:

            async def body() -> AsyncIterator[bytes]:
                yield PNG[:20]
                raise httpx.RemoteProtocolError("peer closed connection", request=request)

            return httpx.Response(200, content=body())
        return httpx.Response(200, content=PNG)

    async with make_client(handler) as client:
        result = await client.download(URL, tmp_path / "a.png", expected_size=len(PNG))
    assert calls == 2 and result.size == len(PNG)
    assert leftovers(tmp_path) == ["a.png"]


@pytest.mark.asyncio
async def test_truncated_stream_retried_then_fails(tmp_path: Path) -> None:
    requests = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1

        async def body() -> AsyncIterator[bytes]:
            yield PNG[:20]
            raise httpx.ReadError("reset", request=request)

        return httpx.Response(200, content=body())

    sleep = RecordingSleep()
    async with make_client(handler, sleep=sleep, read_retries=3) as client:
        with pytest.raises(NetworkError):
            await client.download(URL, tmp_path / "a.png", expected_size=len(PNG))
    assert requests == 4 and len(sleep.delays) == 3
    assert leftovers(tmp_path) == []


@pytest.mark.asyncio
async def test_short_body_against_content_length_is_truncation(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        async def body() -> AsyncIterator[bytes]:
            yield PNG[:50]

        return httpx.Response(200, content=body(), headers={"content-length": str(len(PNG))})

    async with make_client(handler, read_retries=1) as client:
        with pytest.raises(NetworkError, match="cut short"):
            await client.download(URL, tmp_path / "a.png", expected_size=None)


@pytest.mark.asyncio
async def test_server_errors_retried_and_expired_links_not(tmp_path: Path) -> None:
    cdn = Cdn(httpx.Response(503), httpx.Response(200, content=PNG))
    async with make_client(cdn) as client:
        await client.download(URL, tmp_path / "a.png", expected_size=None)
    assert len(cdn.requests) == 2

    for status in (403, 404, 410):
        cdn = Cdn(httpx.Response(status))
        async with make_client(cdn) as client:
            with pytest.raises(DownloadError, match="expired") as info:
                await client.download(URL, tmp_path / "b.png", expected_size=None)
        assert info.value.http_status == status and len(cdn.requests) == 1

    cdn = Cdn(httpx.Response(502))
    async with make_client(cdn, read_retries=2) as client:
        with pytest.raises(ServerError):
            await client.download(URL, tmp_path / "c.png", expected_size=None)
    assert len(cdn.requests) == 3


@pytest.mark.asyncio
async def test_existing_file_replaced_only_on_success(tmp_path: Path) -> None:
    dest = tmp_path / "a.png"
    dest.write_bytes(b"old")
    async with make_client(Cdn(httpx.Response(200, content=b"junk" * 10))) as client:
        with pytest.raises(DownloadError):
            await client.download(URL, dest, expected_size=None)
    assert dest.read_bytes() == b"old"
    async with make_client(Cdn(httpx.Response(200, content=PNG))) as client:
        await client.download(URL, dest, expected_size=None)
    assert dest.read_bytes() == PNG


def test_check_url_and_magic() -> None:
    assert check_url(URL, frozenset()).host == "cdn1.example.test"
    assert looks_like_image(PNG) and looks_like_image(JPEG) and looks_like_image(WEBP)
    assert not looks_like_image(b"RIFF\x00\x00\x00\x00WAVE")


@pytest.mark.asyncio
async def test_downloaded_files_honour_the_umask(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a library image is readable as the user's other files are."""
    previous = os.umask(0o022)
    try:
        async with make_client(Cdn(httpx.Response(200, content=PNG))) as client:
            await client.download(URL, tmp_path / "a.png", expected_size=None)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.png").stat().st_mode) == 0o644
