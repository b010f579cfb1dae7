"""Demo images: exact size, deterministic, varied by every setting, served as public PNGs."""

from __future__ import annotations

import io
import statistics
import time

import httpx
import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from app.emulator.images import (
    DEMO_LABEL,
    SCHEDULER_PALETTES,
    detail_level,
    image_seed,
    look,
    motif,
    palette,
    render,
    render_png,
)
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


def test_palette_follows_the_scheduler_and_shifts_with_the_prompt() -> None:
    assert palette("misty harbour", 1)[0] != palette("desert sunset", 1)[0]
    assert len(set(palette("misty harbour", 1))) >= 5
    firsts = {palette("a fox", 1, name)[0] for name in SCHEDULER_PALETTES}
    assert len(firsts) == len(SCHEDULER_PALETTES), "one palette family per scheduler"
    assert palette("a fox", 1, "SomeNewScheduler") == palette("a fox", 1, "SomeNewScheduler")
    assert palette("a red fox", 1)[2] != palette("a blue fox", 1)[2], "colour words tint the light"


def _picture(image: Image.Image) -> Image.Image:
    """The image above the demo label."""
    return image.crop((0, 0, image.width, image.height * 3 // 4))


def _edges(image: Image.Image) -> float:
    return ImageStat.Stat(_picture(image).convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]


def _spread(image: Image.Image) -> float:
    return ImageStat.Stat(_picture(image).convert("L")).stddev[0]


@pytest.mark.parametrize(
    "change",
    [
        {"steps": 5},
        {"steps": 50},
        {"scale": 3.0},
        {"scale": 15.0},
        {"scheduler": "DDIMScheduler"},
        {"scheduler": "EulerAncestralDiscreteScheduler"},
        {"prompt": "a red fox in a forest"},
        {"prompt": "a fox in the city"},
        {"seed": 8},
        {"width": 320},
    ],
)
def test_every_setting_changes_the_picture(change: dict) -> None:
    base = {"prompt": "a fox", "seed": 7, "width": 256, "height": 256}
    settings = {"steps": 20, "scale": 7.5, "scheduler": "EulerDiscreteScheduler"}

    def picture(values: dict) -> bytes:
        merged = base | settings | values
        return (
            render(
                merged["prompt"],
                merged["seed"],
                0,
                merged["width"],
                merged["height"],
                merged["steps"],
                merged["scale"],
                merged["scheduler"],
            )
            .resize((64, 64))
            .tobytes()
        )

    assert picture({}) == picture({}), "deterministic"
    assert picture(change) != picture({})


def test_more_steps_more_detail_same_composition() -> None:
    assert detail_level(1) == 0.0 and detail_level(50) == 1.0 and detail_level(150) == 1.0
    assert detail_level(10) < detail_level(20) < detail_level(30)
    for prompt in ("a city at night", "mountains", "calm sea", "an old forest", "portrait"):
        final = render(prompt, 3, 0, 256, 256, 150)
        distance = [
            ImageStat.Stat(ImageChops.difference(render(prompt, 3, 0, 256, 256, s), final)).mean[0]
            for s in (1, 8, 20, 30, 50)
        ]
        assert distance == sorted(distance, reverse=True) and distance[-1] == 0, (prompt, distance)
    city = [_edges(render("a city at night", 3, 0, 256, 256, steps)) for steps in (1, 50)]
    assert city[0] * 2 < city[1], "lit windows and stars appear with steps"


def test_higher_guidance_more_contrast() -> None:
    spreads = [_spread(render("mountains", 3, 0, 256, 256, 20, cfg)) for cfg in (2, 7.5, 20)]
    assert spreads[0] < spreads[1] < spreads[2], spreads


def test_prompt_words_choose_the_motif() -> None:
    assert motif("a neon city street") == "city"
    assert motif("calm sea at dawn") == "sea"
    assert motif("an old forest") == "forest"
    assert motif("portrait of a cyborg") == "bokeh"
    assert motif("snowy mountains") == "landscape"
    assert motif("a fox") == motif("a fox"), "no keyword: the words still pick one, always the same"
    animals = ("fox", "owl", "hare", "lynx", "wolf", "bear", "crow", "deer", "seal", "moth")
    assert len({motif(f"a {animal}") for animal in animals}) >= 3


def test_look_reads_task_values_with_defaults() -> None:
    assert look({"steps": "30", "scale": "5.5", "scheduler": "DDIMScheduler"}) == (
        30,
        5.5,
        "DDIMScheduler",
    )
    assert look({}) == (20, 7.5, "EulerDiscreteScheduler")
    assert look({"steps": "x", "scale": "nan"}) == (20, 7.5, "EulerDiscreteScheduler")


def test_images_carry_a_visible_label() -> None:
    image = render("label check", 1, 0, 512, 512)
    corner = image.crop((0, 440, 300, 512)).convert("L")
    low, high = corner.getextrema()
    assert high - low > 120, "the demo label contrasts with the picture"
    assert "OFFLINE DEMO" in DEMO_LABEL


def test_512_renders_are_valid_pngs_and_report_their_time() -> None:
    """Prints the render time for information (speed is judged by make bench, not here)."""
    render_png("warm-up", 0, 0, 512, 512)
    timings, cpu = [], []
    prompts = ("a city at night", "a calm sea", "a forest", "portrait", "mountains")
    for i in range(15):
        began, began_cpu = time.perf_counter(), time.process_time()
        data = render_png(
            f"{prompts[i % 5]} {i}", 1000 + i, 0, 512, 512, (1, 20, 50)[i % 3], 4.0 + i
        )
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "PNG" and img.size == (512, 512)
    print(
        f"\n[bench] 512x512 demo PNG: median {statistics.median(timings):.1f} ms wall, "
        f"{statistics.median(cpu):.1f} ms CPU; max {max(timings):.1f} ms wall over "
        f"{len(timings)} renders (budget 50 ms)"
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


def test_served_outputs_follow_steps_scale_and_scheduler(wiro: Wiro) -> None:
    run = wiro.run(prompt="a quiet lake", seed="5", steps=8, scale=12, scheduler="DDIMScheduler")
    task = wiro.wait(run["taskid"])
    data = httpx.get(task["outputs"][0]["url"]).content
    assert data == render_png("a quiet lake", 5, 0, 128, 128, 8, 12.0, "DDIMScheduler")
    assert data != render_png("a quiet lake", 5, 0, 128, 128)


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
