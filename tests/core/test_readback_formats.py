"""Read-back of other generators' formats, from metadata dicts shaped as those tools write them."""

from __future__ import annotations

import json

import pytest

from app.core.metadata import match_sampler
from app.core.readback import read_settings, report

GRAPH_CUSTOM_ADVANCED = {
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "dreamshaper_8.safetensors"},
    },
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 512, "height": 768, "batch_size": 1},
    },
    "20": {"class_type": "CR Text", "inputs": {"text": "a lighthouse at dawn"}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["20", 0], "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
    "8": {"class_type": "CLIPTextEncode", "inputs": {"text": "an unused decoy", "clip": ["4", 1]}},
    "10": {"class_type": "RandomNoise", "inputs": {"noise_seed": 1234}},
    "11": {
        "class_type": "CFGGuider",
        "inputs": {"model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "cfg": 6.5},
    },
    "12": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "dpmpp_2m"}},
    "13": {
        "class_type": "BasicScheduler",
        "inputs": {"model": ["4", 0], "scheduler": "karras", "steps": 28, "denoise": 1.0},
    },
    "14": {
        "class_type": "SamplerCustomAdvanced",
        "inputs": {
            "noise": ["10", 0],
            "guider": ["11", 0],
            "sampler": ["12", 0],
            "sigmas": ["13", 0],
            "latent_image": ["5", 0],
        },
    },
    "15": {"class_type": "VAEDecode", "inputs": {"samples": ["14", 0], "vae": ["4", 2]}},
}


def _graph() -> dict:
    return json.loads(json.dumps(GRAPH_CUSTOM_ADVANCED))


def test_sampler_custom_advanced_with_guider_noise_sampler_and_sigmas() -> None:
    rb = read_settings({"prompt": json.dumps(_graph())})
    assert rb.source == "ComfyUI"
    assert rb.values == {
        "prompt": "a lighthouse at dawn",
        "negativePrompt": "blurry",
        "steps": 28,
        "scale": 6.5,
        "seed": "1234",
        "scheduler": "DPMSolverMultistepScheduler",
        "width": 512,
        "height": 768,
    }
    assert any("Karras" in note for note in rb.dropped)
    assert "decoy" not in json.dumps(rb.values)


def test_sampler_custom_with_karras_scheduler_node_and_split_sigmas() -> None:
    graph = _graph()
    graph["13"] = {"class_type": "KarrasScheduler", "inputs": {"steps": 15, "sigma_max": 14.6}}
    graph["16"] = {"class_type": "SplitSigmas", "inputs": {"sigmas": ["13", 0], "step": 10}}
    graph["14"] = {
        "class_type": "SamplerCustom",
        "inputs": {
            "add_noise": True,
            "noise_seed": 9,
            "cfg": 4,
            "positive": ["6", 0],
            "negative": ["7", 0],
            "sampler": ["17", 0],
            "sigmas": ["16", 0],
            "latent_image": ["5", 0],
        },
    }
    graph["17"] = {"class_type": "SamplerEulerAncestral", "inputs": {"eta": 1.0, "s_noise": 1.0}}
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["steps"] == 15 and rb.values["seed"] == "9" and rb.values["scale"] == 4
    assert rb.values["scheduler"] == "EulerAncestralDiscreteScheduler"
    assert any("karras" in n.lower() for n in rb.dropped)
    assert any("SplitSigmas" in n for n in rb.dropped)


def test_combined_prompts_are_joined_and_noted() -> None:
    graph = _graph()
    graph["21"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "golden light"}}
    graph["22"] = {
        "class_type": "ConditioningCombine",
        "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["21", 0]},
    }
    graph["11"]["inputs"]["positive"] = ["22", 0]
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["prompt"] == "a lighthouse at dawn, golden light"
    assert any("2 prompts combined by ConditioningCombine" in n for n in rb.adjusted)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (
            {
                "class_type": "Text Concatenate",
                "inputs": {"text_a": "red", "text_b": "fox", "delimiter": " "},
            },
            "red fox",
        ),
        (
            {
                "class_type": "JoinStrings",
                "inputs": {"string1": "red", "string2": "fox", "delimiter": "-"},
            },
            "red-fox",
        ),
        (
            {
                "class_type": "ImpactWildcardEncode",
                "inputs": {"wildcard_text": "__animal__", "populated_text": "a cat"},
            },
            "a cat",
        ),
        (
            {
                "class_type": "CLIPTextEncodeSDXL",
                "inputs": {"text_g": "castle", "text_l": "castle", "width": 1024},
            },
            "castle",
        ),
        ({"class_type": "ShowText|pysssss", "inputs": {"text": ["shown text"]}}, "shown text"),
        ({"class_type": "String Literal", "inputs": {"string": "literal"}}, "literal"),
    ],
)
def test_custom_text_nodes(node: dict, expected: str) -> None:
    graph = _graph()
    graph["20"] = node
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["prompt"] == expected


def test_basic_guider_and_flux_guidance_are_reported() -> None:
    graph = _graph()
    graph["23"] = {
        "class_type": "FluxGuidance",
        "inputs": {"conditioning": ["6", 0], "guidance": 3.5},
    }
    graph["11"] = {
        "class_type": "BasicGuider",
        "inputs": {"model": ["4", 0], "conditioning": ["23", 0]},
    }
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["prompt"] == "a lighthouse at dawn"
    assert "negativePrompt" not in rb.values and "scale" not in rb.values
    text = " | ".join(rb.dropped)
    assert "BasicGuider has no CFG" in text and "Flux guidance 3.5 dropped" in text


def test_efficient_loader_outputs_choose_positive_and_negative() -> None:
    graph = {
        "1": {
            "class_type": "Efficient Loader",
            "inputs": {
                "ckpt_name": "dreamshaper_8.safetensors",
                "positive": "a fox",
                "negative": "ugly",
                "empty_latent_width": 512,
                "empty_latent_height": 512,
            },
        },
        "2": {
            "class_type": "KSampler (Efficient)",
            "inputs": {
                "seed": 5,
                "steps": 20,
                "cfg": 7,
                "sampler_name": "euler",
                "scheduler": "normal",
                "positive": ["1", 1],
                "negative": ["1", 2],
                "latent_image": ["1", 3],
            },
        },
    }
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.values["prompt"] == "a fox" and rb.values["negativePrompt"] == "ugly"
    assert rb.values["scheduler"] == "EulerDiscreteScheduler"


def test_prompt_graph_wrappers_of_save_nodes() -> None:
    wrapped = json.dumps({"prompt": _graph(), "workflow": {"nodes": []}})
    for key in ("parameters", "prompt", "UserComment", "Comment"):
        rb = read_settings({key: wrapped})
        assert rb.source == "ComfyUI", key
        assert rb.values["prompt"] == "a lighthouse at dawn"
    as_string = json.dumps({"prompt": json.dumps(_graph())})
    assert read_settings({"parameters": as_string}).values["seed"] == "1234"


@pytest.mark.parametrize("length", [50, 3000])
def test_comfy_graph_diamonds_and_cycles_stay_linear(length: int) -> None:
    graph: dict = {"0": {"class_type": "CLIPTextEncode", "inputs": {"text": "base"}}}
    for i in range(1, length):  # each node refers twice to the one before: 2**length paths
        graph[str(i)] = {
            "class_type": "ConditioningConcat",
            "inputs": {"conditioning_to": [str(i - 1), 0], "conditioning_from": [str(i - 1), 0]},
        }
    graph["cycle"] = {"class_type": "X", "inputs": {"text": ["cycle", 0]}}
    graph["s"] = {
        "class_type": "KSampler",
        "inputs": {
            "positive": [str(length - 1), 0],
            "negative": ["cycle", 0],
            "latent_image": ["s", 0],
        },
    }
    rb = read_settings({"prompt": json.dumps(graph)})
    assert rb.source == "ComfyUI"
    assert rb.values.get("prompt") == ("base" if length < 64 else None)


NOVELAI_COMMENT = {
    "prompt": "1girl, from comment",
    "steps": 28,
    "height": 1216,
    "width": 832,
    "scale": 5.0,
    "uncond_scale": 1.0,
    "cfg_rescale": 0.2,
    "seed": 2024,
    "n_samples": 1,
    "noise_schedule": "karras",
    "sampler": "k_euler_ancestral",
    "sm": True,
    "sm_dyn": False,
    "uc": "lowres, bad anatomy",
    "v4_prompt": {
        "caption": {
            "base_caption": "1girl, v4 base",
            "char_captions": [
                {"char_caption": "girl, red hair", "centers": [{"x": 0.5, "y": 0.5}]}
            ],
        },
        "use_coords": False,
    },
}


def test_novelai_png_prompt_from_description_settings_from_comment() -> None:
    chunks = {
        "Title": "NovelAI generated image",
        "Description": "1girl, from description",
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V4 4BDE2A90",
        "Comment": json.dumps(NOVELAI_COMMENT),
    }
    rb = read_settings(chunks)
    assert rb.source == "NovelAI"
    assert rb.values["prompt"] == "1girl, from description"
    assert rb.values["negativePrompt"] == "lowres, bad anatomy"
    assert rb.values["seed"] == "2024" and rb.values["steps"] == 28 and rb.values["scale"] == 5
    assert (rb.values["width"], rb.values["height"]) == (832, 1216)
    assert rb.values["scheduler"] == "EulerAncestralDiscreteScheduler"
    text = " | ".join(rb.dropped)
    for note in (
        "NovelAI Diffusion V4",
        "1 NovelAI character prompt",
        "SMEA dropped",
        "CFG rescale",
    ):
        assert note in text, note
    assert "SMEA DYN" not in text


def test_novelai_webp_wrapper_in_user_comment() -> None:
    wrapper = {
        "Title": "NovelAI generated image",
        "Description": "1girl, webp",
        "Software": "NovelAI",
        "Source": "NovelAI Diffusion V4.5",
        "Generation time": "3.2",
        "Comment": json.dumps({k: v for k, v in NOVELAI_COMMENT.items() if k != "prompt"}),
    }
    rb = read_settings({"UserComment": json.dumps(wrapper), "ImageDescription": "1girl, webp"})
    assert rb.source == "NovelAI"
    assert rb.values["prompt"] == "1girl, webp" and rb.values["seed"] == "2024"


def test_novelai_v4_without_description_uses_base_caption() -> None:
    comment = {k: v for k, v in NOVELAI_COMMENT.items() if k not in ("prompt", "uc")}
    comment["v4_negative_prompt"] = {"caption": {"base_caption": "worst quality"}}
    rb = read_settings({"Comment": json.dumps(comment), "Software": "NovelAI"})
    assert rb.values["prompt"] == "1girl, v4 base"
    assert rb.values["negativePrompt"] == "worst quality"


def test_invokeai_2_sd_metadata() -> None:
    meta = {
        "model": "stable diffusion",
        "model_weights": "stable-diffusion-1.5",
        "app_id": "invoke-ai/InvokeAI",
        "app_version": "2.2.5",
        "image": {
            "prompt": [{"prompt": "a cat in a hat [blurry, ugly]", "weight": 1.0}],
            "steps": 50,
            "cfg_scale": 7.5,
            "threshold": 0,
            "perlin": 0,
            "height": 512,
            "width": 576,
            "seed": 42,
            "seamless": False,
            "hires_fix": True,
            "type": "txt2img",
            "postprocessing": None,
            "sampler": "k_lms",
            "variations": [],
        },
    }
    rb = read_settings({"sd-metadata": json.dumps(meta), "Dream": '"ignored" -s 1'})
    assert rb.source == "InvokeAI"
    assert rb.values["prompt"] == "a cat in a hat"
    assert rb.values["negativePrompt"] == "blurry, ugly"
    assert rb.values["steps"] == 50 and rb.values["seed"] == "42" and rb.values["width"] == 576
    assert rb.values["scheduler"] == "LMSDiscreteScheduler"
    text = " | ".join(rb.dropped)
    assert "stable-diffusion-1.5 is not" in text and "Hires fix dropped" in text


def test_invokeai_dream_line() -> None:
    dream = '"a red barn in snow [people]" -s 30 -S 777 -W 512 -H 640 -C 8.0 -A k_euler_a -G 0.5'
    rb = read_settings({"Dream": dream})
    assert rb.source == "InvokeAI"
    assert rb.values == {
        "prompt": "a red barn in snow",
        "negativePrompt": "people",
        "steps": 30,
        "seed": "777",
        "width": 512,
        "height": 640,
        "scale": 8.0,
        "scheduler": "EulerAncestralDiscreteScheduler",
    }
    assert any("-G" in n for n in rb.dropped)
    assert read_settings({"Dream": '"unclosed -s 5'}).source in ("InvokeAI", "")


def test_ruined_fooocus() -> None:
    data = {
        "Prompt": "a dog on a beach",
        "Negative": "ugly",
        "steps": 24,
        "cfg": 4.5,
        "width": 1152,
        "height": 896,
        "seed": 7,
        "sampler_name": "dpmpp_2m_sde_gpu",
        "scheduler": "karras",
        "base_model_name": "juggernaut.safetensors",
        "base_model_hash": "abc",
        "loras": [["BFA3", "1.0 - helios.safetensors"]],
        "start_step": 0,
        "denoise": None,
        "clip_skip": 1,
        "software": "RuinedFooocus",
    }
    rb = read_settings({"parameters": json.dumps(data)})
    assert rb.source == "RuinedFooocus"
    assert rb.values["prompt"] == "a dog on a beach" and rb.values["negativePrompt"] == "ugly"
    assert rb.values["steps"] == 24 and rb.values["scale"] == 4.5 and rb.values["seed"] == "7"
    assert (rb.values["width"], rb.values["height"]) == (1152, 896)
    assert rb.values["clipSkip"] == 1
    text = " | ".join(rb.dropped)
    assert "DPM++ 2M SDE" in text or "dpmpp_2m_sde" in text.lower()
    assert "juggernaut" in text and "LoRAs dropped" in text


def test_hugging_face_space_json() -> None:
    data = {
        "prompt": "1girl, cherry blossoms",
        "negative_prompt": "nsfw, lowres",
        "resolution": "832 x 1216",
        "guidance_scale": 7,
        "num_inference_steps": 28,
        "style_preset": "(None)",
        "seed": 99,
        "sampler": "Euler a",
        "Model": "Animagine XL 3.1",
        "Model hash": "e3c47aedb0",
        "use_upscaler": None,
    }
    rb = read_settings({"parameters": json.dumps(data)})
    assert rb.source == "Hugging Face Space"
    assert rb.values == {
        "prompt": "1girl, cherry blossoms",
        "negativePrompt": "nsfw, lowres",
        "steps": 28,
        "scale": 7,
        "seed": "99",
        "width": 832,
        "height": 1216,
        "scheduler": "EulerAncestralDiscreteScheduler",
    }
    assert any("Animagine" in n for n in rb.dropped)
    upscaled = dict(data, use_upscaler={"upscale_by": 1.5}, style_preset="Anim4gine")
    text = " | ".join(read_settings({"parameters": json.dumps(upscaled)}).dropped)
    assert "Upscaler settings dropped" in text and "Style preset dropped" in text


def test_comfy_image_saver_cfg_scale_spelling() -> None:
    text = (
        "a cabin\nNegative prompt: fog\n"
        "Steps: 25, Sampler: dpmpp_2m_karras, CFG Scale: 6.0, Seed: 11, Size: 512x512, "
        "Model hash: abc, Model: dreamshaper_8, Version: ComfyUI"
    )
    rb = read_settings({"parameters": text})
    assert rb.values["scale"] == 6.0 and rb.values["steps"] == 25 and rb.values["seed"] == "11"
    assert rb.values["scheduler"] == "DPMSolverMultistepScheduler"
    assert not any("CFG Scale" in n for n in rb.dropped)


@pytest.mark.parametrize(
    ("name", "scheduler"),
    [
        ("sample_dpmpp_2m", "DPMSolverMultistepScheduler"),
        ("sample_euler_ancestral", "EulerAncestralDiscreteScheduler"),
        ("sample_lms", "LMSDiscreteScheduler"),
        ("k_euler", "EulerDiscreteScheduler"),
        ("sample_heun", None),
    ],
)
def test_old_sampler_names(name: str, scheduler: str | None) -> None:
    assert match_sampler(name).scheduler == scheduler


@pytest.mark.timeout(60)  # a generous guard against the old quadratic path, not a timing check
def test_100000_pair_settings_line_has_a_bounded_report() -> None:
    pairs = ", ".join(f"Key{i}: v{i}" for i in range(100_000))
    text = f"a cat\nSteps: 20, Sampler: Euler, CFG scale: 7, {pairs}"
    rb = read_settings({"parameters": text})
    assert rb.values["steps"] == 20 and rb.values["prompt"] == "a cat"
    assert len(rb.dropped) == 10 and rb.more_dropped == 99_990
    summary = report(rb)
    assert summary.endswith("…and 99,990 more not applied.")
    assert len(summary) < 2_000


def test_easy_diffusion_is_not_taken_for_a_hugging_face_space() -> None:
    data = {
        "prompt": "a boat",
        "negative_prompt": "",
        "seed": 3,
        "use_stable_diffusion_model": "models/stable-diffusion/dreamshaper_8.safetensors",
        "sampler_name": "euler_a",
        "width": 512,
        "height": 512,
        "num_inference_steps": 25,
        "guidance_scale": 7.5,
    }
    rb = read_settings({"UserComment": json.dumps(data)})
    assert rb.source == "Easy Diffusion"
    assert rb.values["scheduler"] == "EulerAncestralDiscreteScheduler" and rb.values["steps"] == 25
    assert not rb.dropped
