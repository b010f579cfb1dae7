"""The emulator plays Real-ESRGAN and image-to-image: Tool/Detail, File/Upload, real pixels."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from app.emulator import Emulator, EmulatorConfig
from app.emulator.uploads import UploadStore
from tests.emulator.emulator_support import FAST, KEY, LIFECYCLE, SECRET, Wiro, collect_frames

UPSCALER = "Run/xinntao/Real-ESRGAN"
IMG2IMG = "Run/wiro/image-to-image-sd"
NAME_FAMILIES = (("defaultvalue", "default"), ("minvalue", "min"), ("maxvalue", "max"))


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 40, 90)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    ImageDraw.Draw(image).rectangle([4, 4, width // 2, height // 2], fill=(20, 160, 220))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def upload(wiro: Wiro, data: bytes, name: str = "keeper.png") -> dict[str, Any]:
    answer = wiro.post("File/Upload", files={"file": (name, data, "image/png")}).json()
    assert answer["result"] is True, answer
    entry: dict[str, Any] = answer["list"][0]
    return entry


def run(wiro: Wiro, endpoint: str, **params: Any) -> dict[str, Any]:
    if endpoint == UPSCALER:
        params.setdefault("modelName", "RealESRGAN_x4plus")
    answer: dict[str, Any] = wiro.post(endpoint, params).json()
    assert answer["result"] is True, answer
    return answer


def output_image(wiro: Wiro, task: dict[str, Any], index: int = 0) -> Image.Image:
    response = wiro.client.get(task["outputs"][index]["url"])
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def reimagine(wiro: Wiro, url: str, **params: Any) -> Image.Image:
    params = {"inputImageUrl": url, "prompt": "a red fox", "samples": 1, **params}
    params.setdefault("width", 96)
    params.setdefault("height", 64)
    task = wiro.wait(run(wiro, IMG2IMG, **params)["taskid"])
    assert task["pexit"] == "0", task["debugerror"]
    return output_image(wiro, task)


# --- Tool/Detail -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "project", "title"),
    [
        ("xinntao", "Real-ESRGAN", "Real-ESRGAN"),
        ("xinntao", "real-esrgan", "Real-ESRGAN"),
        ("wiro", "image-to-image-sd", "Image To Image SD"),
    ],
)
def test_tool_detail_answers_in_the_documented_shape(
    wiro: Wiro, owner: str, project: str, title: str
) -> None:
    answer = wiro.post("Tool/Detail", {"slugowner": owner, "slugproject": project}).json()
    assert answer["result"] is True and answer["errors"] == []
    assert "provenance" not in answer
    tool = answer["tool"][0]
    assert tool["title"] == title and tool["id"]
    assert json.loads(tool["dynamicprice"])[0]["price"] > 0
    items = [i for group in tool["parameters"] for i in group["items"]]
    assert any(i["type"] == "fileinput" and i["id"] == "inputImage" for i in items)
    for item in items:
        for old, new in NAME_FAMILIES:
            assert item[old] == item[new]
        assert item["incrementby"] == item["step"]


def test_dreamshaper_detail_is_still_the_bundled_answer(wiro: Wiro) -> None:
    answer = wiro.post("Tool/Detail", {"slugowner": "Lykon", "slugproject": "dreamshaper-8"})
    tool = answer.json()["tool"][0]
    assert tool["id"] == "598" and tool["title"] == "DreamShaper 8"


# --- File/Upload -----------------------------------------------------------------------------


def test_upload_answers_like_wiro_and_serves_the_file_back(wiro: Wiro) -> None:
    data = png()
    entry = upload(wiro, data, "../../etc/my keeper.png")
    assert set(entry) == {
        "id",
        "name",
        "contenttype",
        "size",
        "parentid",
        "url",
        "addedtime",
        "accesskey",
    }
    assert all(isinstance(v, str) for v in entry.values())
    assert entry["name"] == "my keeper.png" and entry["size"] == str(len(data))
    assert entry["contenttype"] == "image/png"
    assert entry["url"].startswith(f"{wiro.emulator.origin}/files/")
    served = wiro.client.get(entry["url"])
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == "image/png"
    assert wiro.client.get(entry["url"] + "x").status_code == 404


@pytest.mark.emulator(upload_limit_bytes=1000)
def test_upload_refusals(wiro: Wiro) -> None:
    too_big = wiro.post("File/Upload", files={"file": ("big.png", b"\0" * 1001, "image/png")})
    assert too_big.json()["result"] is False
    assert "100 MB" in too_big.json()["errors"][0]["message"]
    exactly = wiro.post("File/Upload", files={"file": ("ok.png", b"\0" * 1000, "image/png")})
    assert exactly.json()["result"] is True
    no_file = wiro.post("File/Upload", files={"other": ("a.png", b"x", "image/png")}).json()
    assert no_file["result"] is False and no_file["errors"][0]["message"] == "file is required"
    as_json = wiro.post("File/Upload", {"file": "x"}).json()
    assert as_json["result"] is False
    exe = wiro.post("File/Upload", files={"file": ("tool.exe", b"MZ", "application/x")}).json()
    assert exe["result"] is False
    anonymous = httpx.post(
        f"{wiro.emulator.base_url}/File/Upload", files={"file": ("a.png", b"x", "image/png")}
    ).json()
    assert anonymous["result"] is False


def test_upload_limit_is_wiros_100_mb_by_default() -> None:
    assert EmulatorConfig().upload_limit_bytes == 100 * 1024 * 1024


@pytest.mark.emulator(http_error_rate=1.0, http_error_endpoints=("File/Upload",))
def test_upload_takes_the_fault_switches(wiro: Wiro) -> None:
    answer = wiro.post("File/Upload", files={"file": ("a.png", png(), "image/png")})
    assert answer.status_code == 503
    assert wiro.post("Tool/Detail", {"slugowner": "wiro", "slugproject": "image-to-image-sd"})


# --- the upscaler ----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [2, 4])
def test_upscaler_resamples_to_exactly_the_requested_scale(wiro: Wiro, scale: int) -> None:
    source = png(64, 48)
    entry = upload(wiro, source)
    started = run(wiro, UPSCALER, inputImageUrl=entry["url"], outscale=scale)
    task = wiro.wait(started["taskid"])
    assert task["pexit"] == "0" and len(task["outputs"]) == 1
    assert task["parameters"]["inputImageUrl"] == entry["url"]
    image = output_image(wiro, task)
    assert image.size == (64 * scale, 48 * scale)
    centre = image.getpixel((image.width * 3 // 4, image.height // 8))
    assert centre == (200, 40, 90)  # the source's colour, resampled, away from the demo mark
    assert float(task["totalcost"]) == pytest.approx(0.0014)
    assert "Real-ESRGAN" in task["debugoutput"]


@pytest.mark.emulator(step_mode=True)
def test_upscaler_walks_every_status_and_takes_an_output_url(wiro: Wiro) -> None:
    emulator = wiro.emulator
    generated = wiro.run(width=64, height=64)
    emulator.run_to(generated["taskid"], "task_postprocess_end")
    source_url = wiro.detail(generated["taskid"])["outputs"][0]["url"]
    taskid = run(wiro, UPSCALER, inputImageUrl=source_url, outscale=2)["taskid"]
    for status in LIFECYCLE:
        emulator.run_to(taskid, status)
        assert wiro.detail(taskid)["status"] == status
    assert output_image(wiro, wiro.detail(taskid)).size == (128, 128)


def test_run_refuses_missing_unknown_or_unreadable_inputs(wiro: Wiro) -> None:
    missing = wiro.post(UPSCALER, {"outscale": 2, "modelName": "RealESRGAN_x2plus"}).json()
    assert missing["result"] is False
    assert missing["errors"][0]["message"] == "Request parameter [inputImageUrl] required"
    model = {"modelName": "RealESRGAN_x4plus"}
    outside = wiro.post(UPSCALER, {"inputImageUrl": "https://example.com/cat.png", **model})
    assert "could not be downloaded" in outside.json()["errors"][0]["message"]
    text = upload(wiro, b"not an image", "notes.txt")
    unreadable = wiro.post(UPSCALER, {"inputImageUrl": text["url"], **model}).json()
    assert "cannot be read" in unreadable["errors"][0]["message"]
    entry = upload(wiro, png())
    too_far = wiro.post(UPSCALER, {"inputImageUrl": entry["url"], "outscale": 9, **model})
    too_far = too_far.json()
    assert too_far["errors"][0]["message"] == (
        "Request parameter [outscale] must be between 1 and 8"
    )
    bad_model = wiro.post(UPSCALER, {"inputImageUrl": entry["url"], "modelName": "x"}).json()
    assert bad_model["result"] is False
    unknown = wiro.post("Run/xinntao/nothing", {"inputImageUrl": entry["url"]}).json()
    assert unknown["errors"][0]["code"] == 1


def test_an_input_passed_directly_in_the_file_parameter_works(wiro: Wiro) -> None:
    entry = upload(wiro, png(32, 32))
    task = wiro.wait(run(wiro, UPSCALER, inputImage=entry["url"], outscale=2)["taskid"])
    assert output_image(wiro, task).size == (64, 64)


# --- image to image --------------------------------------------------------------------------


def test_reimagine_mixes_by_strength_and_seed_deterministically(wiro: Wiro) -> None:
    source = Image.open(io.BytesIO(png(96, 64))).convert("RGB")
    url = upload(wiro, png(96, 64))["url"]
    subtle = reimagine(wiro, url, strength=0.2, seed="7")
    strong = reimagine(wiro, url, strength=0.9, seed="7")
    other_seed = reimagine(wiro, url, strength=0.9, seed="8")
    again = reimagine(wiro, url, strength=0.9, seed="7")
    assert subtle.size == strong.size == (96, 64)

    def distance(a: Image.Image, b: Image.Image) -> float:
        return float(ImageStat.Stat(ImageChops.difference(a, b).convert("L")).sum[0])

    assert distance(subtle, source) > 0
    assert distance(strong, source) > distance(subtle, source)
    assert distance(strong, other_seed) > 0
    assert distance(strong, again) == 0


def test_reimagine_makes_one_output_per_sample_at_the_requested_size(wiro: Wiro) -> None:
    url = upload(wiro, png(64, 64))["url"]
    params = {"inputImageUrl": url, "prompt": "fox", "samples": 3, "width": 96, "height": 64}
    task = wiro.wait(run(wiro, IMG2IMG, **params)["taskid"])
    assert [o["name"] for o in task["outputs"]] == ["0.png", "1.png", "2.png"]
    images = [output_image(wiro, task, i) for i in range(3)]
    assert {i.size for i in images} == {(96, 64)}
    assert images[0].tobytes() != images[1].tobytes()
    assert task["parameters"]["selectedModel"] == "Lykon/dreamshaper-8"
    assert json.loads(task["categories"])[1] == "image-to-image"


def test_reimagine_refuses_strength_out_of_range_and_a_missing_prompt(wiro: Wiro) -> None:
    url = upload(wiro, png())["url"]
    high = wiro.post(IMG2IMG, {"inputImageUrl": url, "prompt": "x", "strength": 1.5}).json()
    assert high["errors"][0]["message"] == "Request parameter [strength] must be between 0 and 1"
    no_prompt = wiro.post(IMG2IMG, {"inputImageUrl": url}).json()
    assert no_prompt["errors"][0]["message"] == "Request parameter [prompt] required"


# --- cancel, kill and faults -----------------------------------------------------------------


@pytest.mark.emulator(step_mode=True)
def test_tool_tasks_cancel_and_kill_like_dreamshaper(wiro: Wiro) -> None:
    url = upload(wiro, png())["url"]
    queued = run(wiro, UPSCALER, inputImageUrl=url)["taskid"]
    cancelled = wiro.post("Task/Cancel", {"taskid": queued}).json()
    assert cancelled["tasklist"][0]["status"] == "task_cancel"
    running = run(wiro, IMG2IMG, inputImageUrl=url, prompt="fox")["taskid"]
    wiro.emulator.run_to(running, "task_output")
    killed = wiro.post("Task/Kill", {"taskid": running}).json()
    task = killed["tasklist"][0]
    assert task["status"] == "task_cancel" and task["outputs"] == []
    assert task["totalcost"] == "0"


@pytest.mark.emulator(fail_rate=1.0)
def test_a_failing_tool_task_has_no_outputs(wiro: Wiro) -> None:
    url = upload(wiro, png())["url"]
    task = wiro.wait(run(wiro, UPSCALER, inputImageUrl=url, outscale=2)["taskid"])
    assert task["pexit"] == "1" and task["outputs"] == [] and task["debugerror"]


@pytest.mark.asyncio
@pytest.mark.emulator(task_error_rate=1.0, task_error_hold_seconds=0.05)
async def test_a_tool_task_error_reaches_the_socket(emulator: Emulator) -> None:
    with httpx.Client() as client:
        wiro = Wiro(emulator, client, emulator.api_key, emulator.api_secret)
        url = upload(wiro, png())["url"]
        started = run(wiro, IMG2IMG, inputImageUrl=url, prompt="fox")
    frames = await collect_frames(emulator.socket_url, [started["socketaccesstoken"]])
    assert "task_error" in [f["type"] for f in frames]
    assert frames[-1]["type"] == "task_postprocess_end" and frames[-1]["message"] == []


# --- persistence -----------------------------------------------------------------------------


def test_uploads_and_tool_outputs_survive_a_restart(tmp_path: Any) -> None:
    settings = {**FAST, "api_key": KEY, "api_secret": SECRET}
    settings["state_path"] = str(tmp_path / "state.json")
    with Emulator(EmulatorConfig(**settings)) as emulator, httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        entry = upload(wiro, png(40, 30))
        task = wiro.wait(run(wiro, UPSCALER, inputImageUrl=entry["url"], outscale=2)["taskid"])
        first = output_image(wiro, task).tobytes()
    with Emulator(EmulatorConfig(**settings)) as emulator, httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        again = wiro.detail(task["id"])
        assert again["outputs"][0]["url"].startswith(emulator.origin)
        assert output_image(wiro, again).tobytes() == first
        moved = entry["url"].replace(entry["url"].split("/files/")[0], emulator.origin)
        assert client.get(moved).status_code == 200


def test_an_upscale_stopped_mid_flight_finishes_after_a_restart(tmp_path: Any) -> None:
    settings = {"api_key": KEY, "api_secret": SECRET, "queue_seconds": 0.05, "run_seconds": 1.0}
    settings["state_path"] = str(tmp_path / "state.json")
    with Emulator(EmulatorConfig(**settings)) as emulator, httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        entry = upload(wiro, png(50, 40))
        started = run(wiro, UPSCALER, inputImageUrl=entry["url"], outscale=4)
        wiro.wait(started["taskid"], "task_start", "task_output")
    with Emulator(EmulatorConfig(**settings)) as emulator, httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        frames = asyncio.run(collect_frames(emulator.socket_url, [started["socketaccesstoken"]]))
        assert frames[-1]["type"] == "task_postprocess_end" and frames[-1]["success"] is True
        task = wiro.detail(started["taskid"])
        assert output_image(wiro, task).size == (200, 160)


def test_uploads_beyond_the_memory_budget_are_read_back_from_disk(tmp_path: Any) -> None:
    store = UploadStore(tmp_path, memory_bytes=10)
    first = store.add("a.png", b"0123456789", "http://127.0.0.1:1")
    second = store.add("b.png", b"abcdefghij", "http://127.0.0.1:1")
    assert store.by_url(first.record["url"]) == b"0123456789"
    assert store.by_url(second.record["url"]) == b"abcdefghij"
    memory_only = UploadStore(None, memory_bytes=10)
    gone = memory_only.add("a.png", b"0123456789", "http://h")
    memory_only.add("b.png", b"abcdefghij", "http://h")
    assert memory_only.by_url(gone.record["url"]) is None
    assert memory_only.by_url("http://h/cdn/x/0.png") is None
