"""Fuzzing every response parser and the metadata reader (small in CI, long with `make fuzz`).

Wire answers go through the real client, downloader and watcher (MockTransport, fake socket);
image metadata goes through the reader chain (bytes → text chunks → form values → report).
The properties: only the documented error types escape, nothing hangs, and a refused download
leaves no file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import struct
import tempfile
import zlib
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from app.api.download import looks_like_image
from app.api.errors import WiroError
from app.api.events import FINAL_EVENTS
from app.api.watcher import TaskWatcher
from app.core.metadata import parse_parameters, parse_request_json
from app.core.readback import Readback, read_settings, report
from app.core.schema import ToolSchema
from app.storage.credentials import ENTRY, SERVICE, CredentialStore
from app.storage.imagemeta import read_text_chunks
from app.storage.library import ImageCheckError, inspect_image
from app.storage.settings import Settings, SettingsStore
from tests.api.fakes import FakeSocketHub, RecordingSleep, make_client
from tests.reliability.fuzzing import fuzz
from tests.support.memory_keyring import MemoryKeyring

STATUSES = [
    "task_queue",
    "task_accept",
    "task_assign",
    "task_preprocess_start",
    "task_preprocess_end",
    "task_start",
    "task_output",
    "task_end",
    "task_postprocess_start",
    "task_postprocess_end",
    "task_cancel",
    "task_error",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**18, max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=24)
    | st.sampled_from(["0", "1", "-1", "", "1e999", "NaN", "2221", "../../x.png", *STATUSES])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
urls = st.sampled_from(
    [
        "https://cdn.example.test/o/0.png",
        "http://cdn.example.test/o/0.png",
        "file:///etc/passwd",
        "https://127.0.0.1/0.png",
        "//cdn.example.test/0.png",
        "",
    ]
) | st.text(max_size=30)
outputs = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "name": st.sampled_from(["0.png", "../../evil.png", "/abs.png"]) | json_values,
            "contenttype": json_values,
            "size": st.sampled_from(["202472", str(2**40), "-1", "x"]) | json_values,
            "url": urls | json_values,
        },
    )
    | json_values,
    max_size=3,
)
tasks = st.fixed_dictionaries(
    {},
    optional={
        "id": st.just("2221") | json_values,
        "socketaccesstoken": st.just("tok-2221") | json_values,
        "status": st.sampled_from(STATUSES) | json_values,
        "pexit": st.sampled_from(["0", "1", ""]) | json_values,
        "outputs": outputs | json_values | outputs.map(json.dumps),
        "parameters": json_values | json_values.map(json.dumps),
        "debugerror": json_values,
        "totalcost": json_values,
        "elapsedseconds": json_values,
        "categories": json_values,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "result": st.sampled_from([True, False, "true", "0", None, [], {}]),
        "errors": st.lists(
            st.fixed_dictionaries({}, optional={"code": json_values, "message": json_values})
            | json_values,
            max_size=3,
        )
        | json_values,
        "taskid": st.just("2221") | json_values,
        "socketaccesstoken": st.just("tok") | json_values,
        "tasklist": st.lists(tasks | json_values, max_size=2) | json_values,
        "tool": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "parameters": json_values | json_values.map(json.dumps),
                    "cleanslugowner": json_values,
                    "cleanslugproject": json_values,
                    "inspire": json_values,
                },
            ),
            max_size=2,
        )
        | json_values,
    },
)
bodies = (
    envelopes.map(lambda v: json.dumps(v).encode())
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=120)
    | st.sampled_from([b"", b"[" * 4000, b"9" * 5000, b"<html>502</html>", b'{"result": tr'])
)
http_statuses = st.sampled_from(
    [200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 404, 408, 418, 429, 500, 503, 599]
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "content-length": st.sampled_from(["0", "5", "99999999999", "-1", "x", str(2**64)]),
        "content-encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "zstd"]),
        "content-type": st.sampled_from(["application/json", "text/html", "image/png", "x/y"]),
        "retry-after": st.sampled_from(["0", "1", "-5", "nan", "1e309", "Wed, 21 Oct 2015"]),
        "location": urls,
    },
)


def _png(width: int = 8, height: int = 6) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 40, 200)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


def _response(status: int, body: bytes, extra: dict[str, str]) -> httpx.Response:
    raw = {k: v.encode("utf-8", "surrogateescape") for k, v in extra.items()}
    return httpx.Response(status, headers=raw, content=body)


# -- wire answers through the real client ------------------------------------------------


async def _every_endpoint(status: int, body: bytes, extra: dict[str, str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _response(status, body, extra)

    async with make_client(handler, read_retries=1, sleep=RecordingSleep()) as client:
        calls = [
            lambda: client.run("Lykon", "dreamshaper-8", {"prompt": "x"}),
            lambda: client.task_detail(task_id="2221"),
            lambda: client.task_detail(token="tok"),
            lambda: client.cancel("2221"),
            lambda: client.kill(task_id="2221"),
            lambda: client.kill(token="tok"),
            client.probe,
        ]
        for call in calls:
            with contextlib.suppress(WiroError):
                await call()
        with contextlib.suppress(WiroError):
            assert isinstance(await client.tool_detail("Lykon", "dreamshaper-8"), ToolSchema)


@fuzz(100)
@given(status=http_statuses, body=bodies, extra=headers)
def test_wire_answers_only_raise_wiro_errors(
    status: int, body: bytes, extra: dict[str, str]
) -> None:
    asyncio.run(_every_endpoint(status, body, extra))


# -- downloads: refused means no file, accepted means the exact, checked bytes ------------


async def _download(
    status: int, body: bytes, extra: dict[str, str], expected: int | None, folder: Path
) -> tuple[Any, list[httpx.URL]]:
    seen: list[httpx.URL] = []
    origin = "https://cdn.example.test/o/0.png"

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if str(request.url) == origin:
            return _response(status, body, extra)
        return httpx.Response(200, content=PNG)

    async with make_client(handler, read_retries=1, sleep=RecordingSleep()) as client:
        try:
            return await client.download(origin, folder / "0.png", expected_size=expected), seen
        except WiroError as exc:
            return exc, seen


download_bodies = (
    st.binary(max_size=200)
    | st.binary(max_size=200).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)
    | st.just(PNG)
    | st.integers(min_value=1, max_value=len(PNG) - 1).map(lambda n: PNG[:n])
)


@fuzz(100)
@given(
    status=http_statuses,
    body=download_bodies,
    extra=headers,
    expected=st.none() | st.sampled_from([0, len(PNG), 2**40]) | st.integers(0, 500),
)
def test_downloads_are_exact_or_leave_nothing(
    status: int, body: bytes, extra: dict[str, str], expected: int | None
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        result, seen = asyncio.run(_download(status, body, extra, expected, folder))
        left = sorted(p.name for p in folder.iterdir())
        assert all(u.scheme == "https" and u.host == "cdn.example.test" for u in seen)
        if isinstance(result, WiroError):
            assert left == []
            return
        data = (folder / "0.png").read_bytes()
        assert left == ["0.png"]
        assert looks_like_image(data[:12]) and len(data) == result.size
        assert hashlib.sha256(data).hexdigest() == result.sha256
        assert expected is None or len(data) == expected


# -- the watcher over hostile frames and records -------------------------------------------


frames = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(STATUSES) | st.text(max_size=8)},
        optional={
            "id": st.sampled_from(["2221", "9"]) | json_values,
            "tasktoken": st.sampled_from(["tok-2221", "other"]) | json_values,
            "message": json_values | outputs | json_values.map(json.dumps),
        },
    ).map(json.dumps)
    | st.text(max_size=40)
    | st.just("{" * 5000),
    max_size=8,
)


async def _watch(sent: list[str], records: list[Any]) -> list[Any]:
    answers = [json.dumps({"result": True, "errors": [], "tasklist": [r]}) for r in records]
    final = {"id": "2221", "status": "task_cancel", "pexit": "", "outputs": []}
    answers.append(json.dumps({"result": True, "errors": [], "tasklist": [final]}))

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answers.pop(0) if len(answers) > 1 else answers[0])

    hub = FakeSocketHub()
    hub.on_subscribe = lambda ws, data: [ws.push(text) for text in sent]
    events: list[Any] = []
    async with make_client(handler, read_retries=0, sleep=RecordingSleep()) as client:
        watcher = TaskWatcher(
            client,
            connect=hub.connect,
            poll_interval=0.001,
            healthy_poll_interval=0.002,
            error_grace_seconds=0.01,
            max_read_errors=50,
            final_read_attempts=3,
            max_watch_seconds=10,
        )
        try:
            async with asyncio.timeout(15):
                async for event in watcher.watch("2221", "tok-2221"):
                    events.append(event)
        finally:
            await watcher.aclose()
    return events


@fuzz(60)
@given(sent=frames, records=st.lists(tasks | json_values, max_size=3))
def test_watcher_ends_exactly_once_whatever_arrives(sent: list[str], records: list[Any]) -> None:
    try:
        events = asyncio.run(_watch(sent, records))
    except WiroError:
        return
    finals = [e for e in events if isinstance(e, FINAL_EVENTS)]
    assert len(finals) == 1 and events[-1] is finals[0]


# -- the metadata reader: image bytes → text chunks → form values → report ----------------


def _chunk(kind: bytes, data: bytes, *, crc_ok: bool = True) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF if crc_ok else 0
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


a1111_text = st.builds(
    lambda prompt, negative, pairs: "\n".join(
        [
            prompt,
            *([f"Negative prompt: {negative}"] if negative else []),
            ", ".join(f"{k}: {v}" for k, v in pairs),
        ]
    ),
    st.text(max_size=60),
    st.text(max_size=30),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Steps",
                    "Sampler",
                    "CFG scale",
                    "Seed",
                    "Size",
                    "Model",
                    "Clip skip",
                    "Wiro prompt lines",
                    "Hires upscale",
                    "x",
                ]
            )
            | st.text(max_size=8),
            st.text(max_size=12) | st.integers().map(str) | st.just('"a, b: c"'),
        ),
        max_size=8,
    ),
)
chunk_texts = (
    a1111_text
    | json_values.map(json.dumps)
    | st.text(max_size=80)
    | st.sampled_from(['{"format": "wiro-studio", "params": {"seed": [1]}}', "{" * 3000])
)
keywords = st.sampled_from(
    [
        "parameters",
        "wiro-studio",
        "prompt",
        "workflow",
        "invokeai_metadata",
        "Comment",
        "sui_image_params",
        "fooocus_scheme",
        "XML:com.adobe.xmp",
        "Software",
    ]
) | st.text(max_size=10)


@st.composite
def png_chunks(draw: st.DrawFn) -> bytes:
    keyword = draw(keywords).encode("latin-1", "replace")
    text = draw(chunk_texts)
    kind = draw(st.sampled_from([b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"abCD"]))
    if kind == b"tEXt":
        data = keyword + b"\x00" + text.encode("latin-1", "replace")
    elif kind == b"zTXt":
        data = keyword + b"\x00\x00" + zlib.compress(text.encode("latin-1", "replace"))
    elif kind == b"iTXt":
        compressed = draw(st.booleans())
        body = text.encode()
        body = zlib.compress(body) if compressed else body
        data = keyword + b"\x00" + bytes([compressed, 0]) + b"en\x00\x00" + body
    else:
        data = draw(st.binary(max_size=80))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=8))
    return _chunk(kind, data, crc_ok=draw(st.booleans()))


@st.composite
def images_with_metadata(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["png", "jpeg", "webp"]))
    if kind == "png":
        body = PNG[8:]
        ihdr_end = 8 + 25
        head, rest = PNG[:ihdr_end], PNG[ihdr_end:]
        inserted = b"".join(draw(st.lists(png_chunks(), max_size=4)))
        data = head + inserted + rest if draw(st.booleans()) else PNG[:8] + inserted + body
    elif kind == "jpeg":
        segments = []
        for text in draw(st.lists(chunk_texts, max_size=3)):
            payload = (
                draw(st.sampled_from([b"Exif\x00\x00", b"http://ns.adobe.com/xap/1.0/\x00", b""]))
                + text.encode()
            )
            marker = draw(st.sampled_from([0xE1, 0xFE, 0xE0]))
            length = min(len(payload) + 2, 0xFFFF)
            segments.append(bytes([0xFF, marker]) + struct.pack(">H", length) + payload)
        data = b"\xff\xd8" + b"".join(segments) + b"\xff\xda" + draw(st.binary(max_size=20))
    else:
        chunks = b""
        for text in draw(st.lists(chunk_texts, max_size=3)):
            payload = text.encode()
            fourcc = draw(st.sampled_from([b"EXIF", b"XMP ", b"VP8 "]))
            size = draw(st.sampled_from([len(payload), 2**31, 0]))
            chunks += fourcc + struct.pack("<I", size) + payload + b"\x00" * (len(payload) & 1)
        data = b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WEBP" + chunks
    if draw(st.booleans()):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:at] + draw(st.binary(max_size=6)) + data[at + 3 :]
    return data


def _read_metadata(data: bytes) -> None:
    chunks = read_text_chunks(data)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in chunks.items())
    readback = read_settings(chunks)
    assert isinstance(readback, Readback)
    assert isinstance(report(readback), str)


@fuzz(150)
@given(data=images_with_metadata())
def test_metadata_reader_takes_any_image_bytes(data: bytes) -> None:
    _read_metadata(data)


@fuzz(150)
@given(texts=st.dictionaries(keywords, chunk_texts, max_size=4))
def test_metadata_texts_never_break_the_reader(texts: dict[str, str]) -> None:
    readback = read_settings(texts)
    assert isinstance(report(readback), str)
    for text in texts.values():
        parse_parameters(text)
        parse_request_json(text)


@fuzz(60)
@given(at=st.integers(0, 10_000), junk=st.binary(min_size=1, max_size=8))
def test_damaged_downloads_fail_only_the_image_check(at: int, junk: bytes) -> None:
    data = bytearray(_png(24, 16))
    at %= len(data)
    data[at : at + len(junk)] = junk
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "0.png"
        path.write_bytes(bytes(data))
        with contextlib.suppress(ImageCheckError):
            width, height = inspect_image(path)
            assert width * height > 0


# -- what the app reads back from its own files ------------------------------------------


@fuzz(60)
@given(raw=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_damaged_settings_file_gives_defaults(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "settings.json"
        path.write_bytes(raw)
        assert isinstance(SettingsStore(path).load(), Settings)


@fuzz(60)
@given(raw=st.text(max_size=60) | json_values.map(json.dumps))
def test_damaged_keychain_entry_is_ignored(raw: str) -> None:
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, ENTRY, raw)
    loaded = CredentialStore(keyring).load()
    assert loaded is None or loaded.api_key
