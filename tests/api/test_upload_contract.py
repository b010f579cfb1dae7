"""Contract tests: File/Upload and both image tools end to end, real client on loopback."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from app.api.client import ApiConfig, WiroClient
from app.api.errors import ServerError, ValidationError
from app.api.events import TaskEvent
from app.api.models import RunResult
from app.api.signing import Credentials
from app.api.watcher import Finished, StatusChanged, TaskWatcher
from app.core.file_inputs import local_files, run_params
from app.core.params import validate
from app.core.schema import parse_tool
from app.core.tools import IMAGE_TO_IMAGE_SD, REAL_ESRGAN, ToolInfo, compare_schema
from app.resources import tool_detail_payload
from tests.api.fakes import RecordingSleep

runner = pytest.importorskip("app.emulator.runner")
emulator_config = pytest.importorskip("app.emulator.config")

FAST = {"queue_seconds": 0.05, "run_seconds": 0.3}
WATCH_TIMEOUT = 20.0


@pytest.fixture
def emu() -> Iterator[Any]:
    with runner.Emulator(emulator_config.EmulatorConfig(**FAST)) as emulator:
        yield emulator


def client_for(emu: Any, **config: Any) -> WiroClient:
    api = ApiConfig(
        base_url=emu.base_url,
        socket_url=emu.socket_url,
        insecure_hosts=frozenset({f"127.0.0.1:{emu.port}"}),
        **config,
    )
    return WiroClient(api, Credentials(emu.api_key, emu.api_secret), sleep=RecordingSleep())


def source_png(path: Path, size: tuple[int, int] = (64, 48)) -> Path:
    image = Image.new("RGB", size, (30, 90, 160))
    ImageDraw.Draw(image).ellipse([8, 8, size[0] - 8, size[1] - 8], fill=(240, 200, 40))
    image.save(path, "PNG")
    return path


async def run_tool(
    client: WiroClient, info: ToolInfo, values: dict[str, Any], tmp_path: Path
) -> list[Image.Image]:
    """The app's path for a tool: live schema, validation, uploads, Run, watch, download."""
    schema = await client.tool_detail(info.owner, info.project)
    result = validate(schema, values)
    assert result.ok, result.errors
    uploaded = {
        p: (await client.upload_file(Path(p))).url for p in local_files(schema, result.params)
    }
    run = await client.run(
        schema.owner, schema.project, run_params(schema, result.params, uploaded)
    )
    events = await follow(client, run)
    finished = events[-1]
    assert isinstance(finished, Finished), events[-1]
    statuses = [e.status for e in events if isinstance(e, StatusChanged)]
    assert statuses[-1] == "task_postprocess_end"
    images = []
    for output in finished.task.outputs:
        dest = tmp_path / f"{run.task_id}-{output.name}"
        await client.download(output.url, dest, expected_size=output.size)
        images.append(Image.open(io.BytesIO(dest.read_bytes())).convert("RGB"))
    return images


async def follow(client: WiroClient, run: RunResult) -> list[TaskEvent]:
    watcher = TaskWatcher(client, poll_interval=0.1, healthy_poll_interval=30.0)

    async def collect() -> list[TaskEvent]:
        return [event async for event in watcher.watch(run.task_id, run.socket_token)]

    try:
        return await asyncio.wait_for(collect(), WATCH_TIMEOUT)
    finally:
        await watcher.aclose()


@pytest.mark.asyncio
async def test_upload_answer_and_file_round_trip(emu: Any, tmp_path: Path) -> None:
    source = source_png(tmp_path / "keeper.png")
    async with client_for(emu) as client:
        uploaded = await client.upload_file(source)
        assert uploaded.name == "keeper.png" and uploaded.size == source.stat().st_size
        assert uploaded.id and uploaded.content_type == "image/png"
        assert uploaded.url.startswith(f"{emu.origin}/files/")
        back = await client.download(uploaded.url, tmp_path / "back.png")
        assert back.path.read_bytes() == source.read_bytes()
    stats = emu.stats()
    assert stats["secret_violations"] == 0


@pytest.mark.asyncio
@pytest.mark.parametrize("scale", [2, 4])
async def test_upscale_end_to_end_is_exactly_the_requested_size(
    emu: Any, tmp_path: Path, scale: int
) -> None:
    source = source_png(tmp_path / "keeper.png", (64, 48))
    values = {"inputImage": str(source), "outscale": scale, "modelName": "RealESRGAN_x4plus"}
    async with client_for(emu) as client:
        [image] = await run_tool(client, REAL_ESRGAN, values, tmp_path)
    assert image.size == (64 * scale, 48 * scale)


@pytest.mark.asyncio
async def test_reimagine_end_to_end_depends_on_strength_and_seed(emu: Any, tmp_path: Path) -> None:
    source = source_png(tmp_path / "keeper.png", (128, 96))
    base = {"inputImage": str(source), "prompt": "a fox", "width": 128, "height": 96}
    original = Image.open(source).convert("RGB")

    def distance(a: Image.Image, b: Image.Image) -> float:
        return float(ImageStat.Stat(ImageChops.difference(a, b).convert("L")).sum[0])

    async with client_for(emu) as client:
        live = await client.tool_detail(IMAGE_TO_IMAGE_SD.owner, IMAGE_TO_IMAGE_SD.project)
        bundled = parse_tool(tool_detail_payload(IMAGE_TO_IMAGE_SD.resource))
        assert compare_schema(IMAGE_TO_IMAGE_SD, live, bundled) == []
        [subtle] = await run_tool(client, IMAGE_TO_IMAGE_SD, {**base, "strength": 0.2}, tmp_path)
        [strong] = await run_tool(client, IMAGE_TO_IMAGE_SD, {**base, "strength": 0.9}, tmp_path)
        [reseeded] = await run_tool(
            client, IMAGE_TO_IMAGE_SD, {**base, "strength": 0.9, "seed": "99"}, tmp_path
        )
        four = await run_tool(client, IMAGE_TO_IMAGE_SD, {**base, "samples": 4}, tmp_path)
    assert 0 < distance(subtle, original) < distance(strong, original)
    assert distance(strong, reseeded) > 0
    assert len(four) == 4 and len({i.tobytes() for i in four}) == 4


@pytest.mark.asyncio
async def test_upload_is_retried_and_run_is_not_against_the_emulator(
    emu: Any, tmp_path: Path
) -> None:
    source = source_png(tmp_path / "keeper.png")
    emu.configure(http_error_rate=1.0, http_error_endpoints=("File/Upload", "Run"))
    async with client_for(emu, read_retries=2) as client:
        with pytest.raises(ServerError):
            await client.upload_file(source)
        assert client.stats["file_upload"] == 3
        with pytest.raises(ServerError):
            await client.run("xinntao", "Real-ESRGAN", {"inputImageUrl": "https://x.test/a.png"})
        assert client.stats["run"] == 1
        emu.configure(http_error_rate=0.0)
        uploaded = await client.upload_file(source)
        assert uploaded.url


@pytest.mark.asyncio
async def test_emulator_limits_reach_the_client_as_typed_errors(emu: Any, tmp_path: Path) -> None:
    emu.configure(upload_limit_bytes=100)
    async with client_for(emu) as client:
        with pytest.raises(ValidationError, match="100 MB"):
            await client.upload_file(b"\0" * 101, "big.png")
        with pytest.raises(ValidationError, match="inputImageUrl"):
            await client.run("xinntao", "Real-ESRGAN", {"modelName": "RealESRGAN_x2plus"})
