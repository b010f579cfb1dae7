import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.metadata import image_texts
from app.core.readback import Readback, read_settings, report

OUR_PARAMS = {
    "prompt": "a castle, dusk",
    "negativePrompt": "BadDream",
    "samples": 2,
    "steps": 25,
    "scale": 6.5,
    "seed": "1000",
    "clipSkip": 2,
    "width": 512,
    "height": 768,
    "scheduler": "DPMSolverMultistepScheduler",
}


def _ours(**overrides) -> dict[str, str]:
    return image_texts(
        {**OUR_PARAMS, **overrides},
        tool="Lykon/dreamshaper-8",
        task_id="2221",
        image_index=1,
        image_seed=1001,
        app_version="0.1.0",
    )


def test_our_json_chunk_wins_and_uses_the_image_seed() -> None:
    rb = read_settings(_ours())
    assert rb.source == "Wiro Studio"
    assert rb.values == {**OUR_PARAMS, "seed": "1001"}
    assert not rb.dropped
    assert any("own seed" in note for note in rb.adjusted)


def test_our_a1111_text_alone_maps_back_to_the_same_values() -> None:
    rb = read_settings({"parameters": _ours()["parameters"]})
    assert rb.source == "A1111 parameters"
    expected = {k: v for k, v in OUR_PARAMS.items() if k != "samples"}
    assert rb.values == {**expected, "seed": "1001"}
    assert rb.dropped == []


def test_our_json_from_another_tool_is_flagged() -> None:
    texts = _ours()
    record = json.loads(texts["wiro-studio"])
    record["tool"] = "someone/sdxl"
    record["params"]["strength"] = 0.5
    rb = read_settings({"wiro-studio": json.dumps(record)})
    assert any("someone/sdxl" in note for note in rb.dropped)
    assert any("strength" in note for note in rb.dropped)


A1111_TEXT = (
    "masterpiece, 1girl, <lora:add_detail:0.5>\n"
    "Negative prompt: (worst quality:1.4)\n"
    "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 2468, Size: 515x770, "
    "Model hash: 879db523c3, Model: juggernautXL_v9, Denoising strength: 0.4, Clip skip: 2, "
    "Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent, Version: v1.6.0"
)


def test_a1111_foreign_text_maps_and_explains_what_was_dropped() -> None:
    rb = read_settings({"parameters": A1111_TEXT})
    assert rb.values == {
        "prompt": "masterpiece, 1girl, <lora:add_detail:0.5>",
        "negativePrompt": "(worst quality:1.4)",
        "steps": 30,
        "scale": 7.0,
        "seed": "2468",
        "width": 512,
        "height": 768,
        "scheduler": "DPMSolverMultistepScheduler",
        "clipSkip": 2,
    }
    dropped = " | ".join(rb.dropped)
    assert "Karras" in dropped
    assert "Model juggernautXL_v9 is not DreamShaper 8" in dropped
    assert "Hires fix settings dropped" in dropped
    assert "Denoising strength" in dropped
    assert "LoRA" in dropped
    assert "hash" not in dropped and "Version" not in dropped
    adjusted = " | ".join(rb.adjusted)
    assert "Width 515 rounded to 512" in adjusted
    assert "Height 770 rounded to 768" in adjusted
    assert "Clip skip" in adjusted


def test_a1111_in_exif_user_comment() -> None:
    rb = read_settings({"UserComment": A1111_TEXT})
    assert rb.source == "A1111 text in UserComment"
    assert rb.values["steps"] == 30


def test_plain_exif_comment_is_not_taken_for_a_prompt() -> None:
    rb = read_settings({"UserComment": "OLYMPUS DIGITAL CAMERA"})
    assert rb.values == {}


def test_unavailable_sampler_and_out_of_range_values_are_dropped() -> None:
    text = "p\nSteps: 500, Sampler: DPM++ SDE, CFG scale: 0.5, Seed: -1, Size: 4096x512"
    rb = read_settings({"parameters": text})
    assert rb.values == {"prompt": "p", "height": 512}
    dropped = " | ".join(rb.dropped)
    assert "Sampler DPM++ SDE is not available on this model" in dropped
    assert "Steps 500 is outside 1-150" in dropped
    assert "CFG scale 0.5 is outside 1-30" in dropped
    assert "Seed -1 means a random seed" in dropped
    assert "Width 4096 is outside 64-2048" in dropped


COMFY_PROMPT = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 156680208700286,
            "steps": 20,
            "cfg": 8,
            "sampler_name": "euler_ancestral",
            "scheduler": "normal",
            "denoise": 1,
            "model": ["10", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "dreamshaper_8.safetensors"},
    },
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 512, "height": 512, "batch_size": 1},
    },
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "beautiful scenery", "clip": ["11", 0]},
    },
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["11", 0]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    "10": {
        "class_type": "LoraLoader",
        "inputs": {"lora_name": "add_detail.safetensors", "model": ["4", 0], "clip": ["4", 1]},
    },
    "11": {
        "class_type": "CLIPSetLastLayer",
        "inputs": {"stop_at_clip_layer": -2, "clip": ["10", 1]},
    },
}


def test_comfyui_api_prompt() -> None:
    rb = read_settings({"prompt": json.dumps(COMFY_PROMPT), "workflow": "{}"})
    assert rb.source == "ComfyUI"
    assert rb.values == {
        "prompt": "beautiful scenery",
        "negativePrompt": "text, watermark",
        "steps": 20,
        "scale": 8.0,
        "scheduler": "EulerAncestralDiscreteScheduler",
        "width": 512,
        "height": 512,
        "clipSkip": 2,
    }
    dropped = " | ".join(rb.dropped)
    assert "Seed 156680208700286 is outside" in dropped
    assert "LoRA add_detail.safetensors dropped" in dropped
    assert "Model" not in dropped


def test_comfyui_follows_controlnet_and_second_pass() -> None:
    graph = json.loads(json.dumps(COMFY_PROMPT))
    graph["12"] = {
        "class_type": "ControlNetApplyAdvanced",
        "inputs": {"positive": ["6", 0], "negative": ["7", 0], "strength": 1},
    }
    graph["3"]["inputs"].update(positive=["12", 0], negative=["12", 1], seed=["13", 0])
    graph["13"] = {"class_type": "PrimitiveInt", "inputs": {"value": 42}}
    graph["14"] = {
        "class_type": "KSamplerAdvanced",
        "inputs": {
            "noise_seed": 1,
            "steps": 10,
            "cfg": 5,
            "sampler_name": "dpmpp_2m_sde",
            "scheduler": "karras",
            "latent_image": ["3", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
        },
    }
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["prompt"] == "beautiful scenery"
    assert rb.values["negativePrompt"] == "text, watermark"
    assert rb.values["seed"] == "42"
    assert rb.values["steps"] == 20
    assert any("1 more sampler pass" in note for note in rb.dropped)


def test_comfyui_link_cycles_terminate() -> None:
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "latent_image": ["2", 0]}},
        "2": {"class_type": "X", "inputs": {k: ["2", 0] for k in ("text", "string", "samples")}},
    }
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.source == "ComfyUI"


def test_comfyui_workflow_only_is_explained() -> None:
    rb = read_settings({"workflow": json.dumps({"nodes": []})})
    assert rb.values == {} and "workflow" in rb.dropped[0]


INVOKE = {
    "generation_mode": "txt2img",
    "positive_prompt": "a red fox in snow",
    "negative_prompt": "blurry",
    "width": 512,
    "height": 640,
    "seed": 3141592,
    "rand_device": "cpu",
    "cfg_scale": 7.5,
    "steps": 30,
    "scheduler": "dpmpp_2m_k",
    "clip_skip": 1,
    "model": {"name": "DreamShaper 8", "base": "sd-1", "type": "main"},
    "loras": [{"model": {"name": "detail"}, "weight": 0.6}],
    "app_version": "4.2.0",
}


def test_invokeai_metadata() -> None:
    rb = read_settings({"invokeai_metadata": json.dumps(INVOKE)})
    assert rb.source == "InvokeAI"
    assert rb.values == {
        "prompt": "a red fox in snow",
        "negativePrompt": "blurry",
        "steps": 30,
        "scale": 7.5,
        "seed": "3141592",
        "width": 512,
        "height": 640,
        "scheduler": "DPMSolverMultistepScheduler",
        "clipSkip": 2,
    }
    assert any("Karras" in n for n in rb.dropped)
    assert any("LoRAs dropped" in n for n in rb.dropped)


@pytest.mark.parametrize(
    ("name", "scheduler"),
    [
        ("euler", "EulerDiscreteScheduler"),
        ("euler_a", "EulerAncestralDiscreteScheduler"),
        ("ddim", "DDIMScheduler"),
        ("lms", "LMSDiscreteScheduler"),
        ("pndm", "PNDMScheduler"),
        ("ddpm", "DDPMScheduler"),
        ("unipc", None),
    ],
)
def test_invokeai_scheduler_names(name: str, scheduler: str | None) -> None:
    rb = read_settings({"invokeai_metadata": json.dumps({**INVOKE, "scheduler": name})})
    assert rb.values.get("scheduler") == scheduler


FOOOCUS = {
    "prompt": "cinematic still of a lighthouse",
    "negative_prompt": "",
    "styles": "['Fooocus V2', 'Fooocus Enhance']",
    "performance": "Speed",
    "steps": 30,
    "resolution": "(1024, 1024)",
    "guidance_scale": 4,
    "sharpness": 2,
    "base_model": "juggernautXL_v8Rundiffusion.safetensors",
    "refiner_model": "None",
    "sampler": "dpmpp_2m_sde_gpu",
    "scheduler": "karras",
    "seed": "1234567",
    "version": "Fooocus v2.3.1",
    "metadata_scheme": "fooocus",
}


def test_fooocus_parameters_json() -> None:
    rb = read_settings({"parameters": json.dumps(FOOOCUS), "fooocus_scheme": "fooocus"})
    assert rb.source == "Fooocus"
    assert rb.values == {
        "prompt": "cinematic still of a lighthouse",
        "negativePrompt": "",
        "steps": 30,
        "scale": 4.0,
        "seed": "1234567",
        "width": 1024,
        "height": 1024,
    }
    dropped = " | ".join(rb.dropped)
    assert "Sampler dpmpp_2m_sde_gpu is not available" in dropped
    assert "juggernautXL" in dropped
    assert "Fooocus styles dropped" in dropped
    assert "Refiner" not in dropped


SWARM = {
    "sui_image_params": {
        "prompt": "a cozy cabin",
        "negativeprompt": "people",
        "model": "DreamShaper_8_pruned",
        "seed": 99,
        "steps": 24,
        "cfgscale": 6,
        "aspectratio": "Custom",
        "width": 768,
        "height": 512,
        "sampler": "euler",
        "scheduler": "karras",
        "clipstopatlayer": -2,
        "swarm_version": "0.9.2",
    },
    "sui_extra_data": {"date": "2024-05-01"},
}


def test_swarmui_parameters_json() -> None:
    rb = read_settings({"parameters": json.dumps(SWARM)})
    assert rb.source == "SwarmUI"
    assert rb.values == {
        "prompt": "a cozy cabin",
        "negativePrompt": "people",
        "steps": 24,
        "scale": 6.0,
        "seed": "99",
        "width": 768,
        "height": 512,
        "scheduler": "EulerDiscreteScheduler",
        "clipSkip": 2,
    }
    assert any("Karras" in n for n in rb.dropped)
    assert not any("Model" in n for n in rb.dropped)
    assert read_settings({"sui_image_params": json.dumps(SWARM)}).values == rb.values


def test_novelai_comment() -> None:
    comment = {
        "prompt": "1girl",
        "uc": "lowres",
        "steps": 28,
        "scale": 5,
        "seed": 7,
        "width": 832,
        "height": 1216,
        "sampler": "k_euler_ancestral",
        "noise_schedule": "native",
    }
    rb = read_settings({"Comment": json.dumps(comment), "Software": "NovelAI"})
    assert rb.source == "NovelAI"
    assert rb.values["scheduler"] == "EulerAncestralDiscreteScheduler"
    assert rb.values["negativePrompt"] == "lowres"
    assert any("NovelAI" in n for n in rb.dropped)


def test_xmp_user_comment() -> None:
    text = A1111_TEXT.replace("<", "&lt;").replace(">", "&gt;")
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description>'
        f'<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">{text}</rdf:li></rdf:Alt>'
        "</exif:UserComment></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    rb = read_settings({"XMP": xmp})
    assert rb.values["prompt"] == "masterpiece, 1girl, <lora:add_detail:0.5>"


def test_nothing_found() -> None:
    rb = read_settings({"Software": "GIMP"})
    assert rb == Readback(dropped=["No generation settings found in this image"])
    assert "No settings" in report(rb)


def test_report_is_short_english() -> None:
    text = report(read_settings({"parameters": A1111_TEXT}))
    lines = text.splitlines()
    assert lines[0].startswith("Read from A1111 parameters: Prompt, Negative prompt, Steps")
    assert lines[1].startswith("Adjusted: Width 515 rounded to 512")
    assert lines[2].startswith("Not applied: ")


KEYS = st.text(max_size=10) | st.sampled_from(
    [
        "parameters",
        "prompt",
        "workflow",
        "invokeai_metadata",
        "sui_image_params",
        "wiro-studio",
        "Comment",
        "UserComment",
        "XMP",
        "fooocus_scheme",
        "Software",
        "x",
    ]
)
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)
VALUES = st.one_of(
    st.text(max_size=200),
    JSONISH.map(json.dumps),
    st.just("{" * 3000),
    st.just('{"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0]}}}'),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_hostile_input_never_raises(chunks: dict[str, str]) -> None:
    rb = read_settings(chunks)
    assert isinstance(rb, Readback)
    assert set(rb.values) <= {
        "prompt",
        "negativePrompt",
        "samples",
        "steps",
        "scale",
        "seed",
        "width",
        "height",
        "scheduler",
        "clipSkip",
    }
    report(rb)


def test_hostile_xmp_and_lora_tags_stay_fast() -> None:
    read_settings({"XMP": "<exif:UserComment" * 100_000, "Comment": "<lora:" * 100_000})
    read_settings({"parameters": "<lora:" * 200_000 + "\nSteps: 1, Seed: 1, Size: 8x8"})
