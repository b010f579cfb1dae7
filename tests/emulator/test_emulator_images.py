"""Demo images: exact size, deterministic, served as public PNGs; a benchmark-style timing print."""

from __future__ import annotations

import io
import statistics
import time

import httpx
import pytest
from PIL import Image

from app.emulator.images import DEMO_LABEL, image_seed, palette, render, render_png
from tests.emulator.emulator_support import Wiro


@pytest.mark.parametrize("size", [(512, 512), (768, 512), (64, 64), (64, 2048), (1000, 72)])
def test_exact_size_and_png(size: tuple[int, int]) -> None:
    data = render_png("a red fox", 7, 0, *size)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == size and image.mode == "RGB"


def test_deterministic_and_varied() -> None:
    first = render_png("a red fox", 123456, 1, 256, 256)
    assert first == render_png("a red fox", 123456, 1, 256, 256)
    assert first == render_png("a red fox", 123457, 0, 256, 256), "per-image seed is seed + index"
    assert first != render_png("a red fox", 123456, 2, 256, 256)
    assert first != render_png("a blue fox", 123456, 1, 256, 256)
    assert image_seed(2**32 - 1, 1) == 0


def test_palette_follows_the_prompt() -> None:
    assert palette("misty harbour", 1)[0] != palette("desert sunset", 1)[0]
    assert len(set(palette("misty harbour", 1))) >= 5


def test_images_carry_a_visible_label() -> None:
    image = render("label check", 1, 0, 512, 512)
    corner = image.crop((0, 440, 300, 512)).convert("L")
    low, high = corner.getextrema()
    assert high - low > 120, "the demo label contrasts with the picture"
    assert "OFFLINE DEMO" in DEMO_LABEL


def test_512_renders_are_valid_pngs_and_report_their_time() -> None:
    """Prints the render time for information (speed is judged by make bench, not here)."""
    render_png("warm-up", 0, 0, 512, 512)
    timings = []
    for i in range(15):
        began = time.perf_counter()
        data = render_png(f"benchmark prompt {i}", 1000 + i, 0, 512, 512)
        timings.append((time.perf_counter() - began) * 1000)
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "PNG" and img.size == (512, 512)
    print(
        f"\n[bench] 512x512 demo PNG: median {statistics.median(timings):.1f} ms, "
        f"max {max(timings):.1f} ms over {len(timings)} renders (budget 50 ms)"
    )


def test_outputs_download_as_public_pngs_of_the_requested_size(wiro: Wiro) -> None:
    run = wiro.run(prompt="a quiet lake", samples=3, width=320, height=192, seed="99")
    task = wiro.wait(run["taskid"])
    assert task["pexit"] == "0" and len(task["outputs"]) == 3
    for index, output in enumerate(task["outputs"]):
        assert output["url"].startswith(wiro.emulator.origin + "/cdn/")
        response = httpx.get(output["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert int(response.headers["content-length"]) == len(response.content)
        assert output["size"] == str(len(response.content))
        assert response.content == render_png("a quiet lake", 99, index, 320, 192)
        head = httpx.head(output["url"])
        assert head.status_code == 200 and head.headers["content-length"] == output["size"]
    assert httpx.get(wiro.emulator.origin + "/cdn/nope/0.png").status_code == 404


def test_same_inputs_same_pixels_across_tasks(wiro: Wiro) -> None:
    urls = []
    for _ in range(2):
        task = wiro.wait(wiro.run(prompt="twin", seed="5", width=128, height=96)["taskid"])
        urls.append(task["outputs"][0]["url"])
    assert urls[0] != urls[1]
    assert httpx.get(urls[0]).content == httpx.get(urls[1]).content


def test_outputs_expire(wiro: Wiro) -> None:
    task = wiro.wait(wiro.run()["taskid"])
    wiro.emulator.configure(output_ttl_seconds=0.0)
    assert httpx.get(task["outputs"][0]["url"]).status_code == 404
