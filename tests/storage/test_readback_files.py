"""Other tools' files, written with Pillow the way those tools write them, read back end to end."""

from __future__ import annotations

import io
import json
import zlib

import pytest
from PIL import Image, PngImagePlugin

from app.core.readback import read_settings
from app.storage.imagemeta import read_text_chunks
from tests.core.test_readback_formats import GRAPH_CUSTOM_ADVANCED, NOVELAI_COMMENT

WORKFLOW = {"last_node_id": 15, "nodes": [{"id": 14, "type": "SamplerCustomAdvanced"}]}


def _saved(kind: str, **save: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 30, 200)).save(buf, kind, **save)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["WEBP", "JPEG"])
def test_comfyui_webp_and_jpeg_saves_in_exif_make_and_model(kind: str) -> None:
    exif = Image.Exif()  # as ComfyUI's SaveAnimatedWEBP: Model = prompt, Make = workflow
    exif[0x0110] = "prompt:" + json.dumps(GRAPH_CUSTOM_ADVANCED)
    exif[0x010F] = "workflow:" + json.dumps(WORKFLOW)
    chunks = read_text_chunks(_saved(kind, exif=exif.tobytes()))
    assert json.loads(chunks["workflow"]) == WORKFLOW
    rb = read_settings(chunks)
    assert rb.source == "ComfyUI"
    assert rb.values["prompt"] == "a lighthouse at dawn" and rb.values["seed"] == "1234"


def test_comfyui_save_image_extended_wrapper_in_png() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", json.dumps({"prompt": GRAPH_CUSTOM_ADVANCED, "workflow": WORKFLOW}))
    rb = read_settings(read_text_chunks(_saved("PNG", pnginfo=info)))
    assert rb.source == "ComfyUI" and rb.values["steps"] == 28


def test_novelai_png_text_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "NovelAI generated image")
    info.add_text("Description", "1girl, from description")
    info.add_text("Software", "NovelAI")
    info.add_text("Source", "NovelAI Diffusion V4 4BDE2A90")
    info.add_text("Comment", json.dumps(NOVELAI_COMMENT))
    rb = read_settings(read_text_chunks(_saved("PNG", pnginfo=info)))
    assert rb.source == "NovelAI"
    assert rb.values["prompt"] == "1girl, from description" and rb.values["seed"] == "2024"


@pytest.mark.parametrize("prefix", [b"UNICODE\x00", b"ASCII\x00\x00\x00"])
def test_novelai_webp_user_comment_wrapper(prefix: bytes) -> None:
    wrapper = {
        "Title": "NovelAI generated image",
        "Description": "1girl, webp",
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V4.5 4BDE2A90",
        "Comment": json.dumps(NOVELAI_COMMENT),
    }
    text = json.dumps(wrapper)
    body = text.encode("utf-16-le" if prefix.startswith(b"UNI") else "ascii")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = prefix + body
    exif[0x010E] = "1girl, webp"
    rb = read_settings(read_text_chunks(_saved("WEBP", exif=exif.tobytes())))
    assert rb.source == "NovelAI"
    assert rb.values["prompt"] == "1girl, webp" and rb.values["steps"] == 28


def _text_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")


def _with_raw_chunk(kind: bytes, body: bytes) -> bytes:
    png = _saved("PNG")
    at = png.index(b"IDAT") - 4
    return png[:at] + _text_chunk(kind, body) + png[at:]


def test_utf8_in_text_chunks_is_not_garbled() -> None:
    prompt = "夜の東京、ネオン, cinematic"
    text = f"{prompt}\nNegative prompt: ぼやけ\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 3"
    for kind, body in (
        (b"tEXt", b"parameters\x00" + text.encode("utf-8")),
        (b"zTXt", b"parameters\x00\x00" + zlib.compress(text.encode("utf-8"))),
    ):
        rb = read_settings(read_text_chunks(_with_raw_chunk(kind, body)))
        assert rb.values["prompt"] == prompt, kind
        assert rb.values["negativePrompt"] == "ぼやけ"


def test_latin1_text_chunks_still_read_as_latin1() -> None:
    text = "café crème\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 3"
    data = _with_raw_chunk(b"tEXt", b"parameters\x00" + text.encode("latin-1"))
    assert read_settings(read_text_chunks(data)).values["prompt"] == "café crème"


def test_invokeai_legacy_png_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    meta = {
        "model_weights": "dreamshaper-8",
        "image": {
            "prompt": "a fox [blur]",
            "steps": 30,
            "cfg_scale": 7,
            "seed": 5,
            "width": 512,
            "height": 512,
            "sampler": "k_euler_a",
        },
    }
    info.add_text("sd-metadata", json.dumps(meta))
    info.add_text("Dream", '"a fox [blur]" -s 30 -S 5 -W 512 -H 512 -C 7 -A k_euler_a')
    rb = read_settings(read_text_chunks(_saved("PNG", pnginfo=info)))
    assert rb.source == "InvokeAI" and rb.values["negativePrompt"] == "blur"
    assert not any("Model" in n for n in rb.dropped)


def test_ruined_fooocus_png() -> None:
    info = PngImagePlugin.PngInfo()
    data = {
        "Prompt": "a dog",
        "Negative": "",
        "steps": 20,
        "cfg": 7,
        "width": 512,
        "height": 512,
        "seed": 1,
        "sampler_name": "euler_ancestral",
        "scheduler": "normal",
        "base_model_name": "dreamshaper_8.safetensors",
        "software": "RuinedFooocus",
    }
    info.add_text("parameters", json.dumps(data))
    rb = read_settings(read_text_chunks(_saved("PNG", pnginfo=info)))
    assert rb.source == "RuinedFooocus"
    assert rb.values["scheduler"] == "EulerAncestralDiscreteScheduler" and not rb.dropped
