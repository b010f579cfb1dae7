import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.metadata import (
    OUR_JSON_KEY,
    PARAMETERS_KEY,
    PROMPT_LINES_KEY,
    SAMPLER_BY_SCHEDULER,
    build_request_json,
    format_parameters,
    image_texts,
    match_sampler,
    parse_parameters,
    parse_request_json,
    scheduler_for_sampler,
)

PARAMS = {
    "prompt": "8k portrait of a cyborg, (masterpiece:1.2)",
    "negativePrompt": "BadDream, FastNegativeV2",
    "samples": 4,
    "steps": 20,
    "scale": 7.5,
    "seed": "123456",
    "clipSkip": 4,
    "width": 512,
    "height": 512,
    "scheduler": "EulerDiscreteScheduler",
}


def test_format_matches_the_design_layout_exactly() -> None:
    text = format_parameters(PARAMS, task_id="2221")
    assert text == (
        "8k portrait of a cyborg, (masterpiece:1.2)\n"
        "Negative prompt: BadDream, FastNegativeV2\n"
        "Steps: 20, Sampler: Euler, CFG scale: 7.5, Seed: 123456, Size: 512x512, "
        "Model: DreamShaper 8, Wiro scheduler: EulerDiscreteScheduler, Wiro clipSkip: 4, "
        "Wiro task: 2221"
    )
    assert "Clip skip:" not in text


def test_negative_line_only_when_non_empty_and_no_task_pair_without_task() -> None:
    text = format_parameters({**PARAMS, "negativePrompt": ""}, task_id=None)
    assert "Negative prompt" not in text
    assert "Wiro task" not in text
    assert text.splitlines()[0] == PARAMS["prompt"]


@pytest.mark.parametrize(("scheduler", "sampler"), sorted(SAMPLER_BY_SCHEDULER.items()))
def test_every_scheduler_has_its_a1111_sampler(scheduler: str, sampler: str) -> None:
    text = format_parameters({**PARAMS, "scheduler": scheduler}, task_id="1")
    assert f"Sampler: {sampler}," in text
    assert scheduler_for_sampler(sampler) == scheduler


def test_unknown_scheduler_writes_no_sampler_but_keeps_the_raw_name() -> None:
    text = format_parameters({**PARAMS, "scheduler": "UniPCMultistepScheduler"}, task_id="1")
    settings_line = parse_parameters(text).settings
    assert "Sampler" not in settings_line
    assert settings_line["Wiro scheduler"] == "UniPCMultistepScheduler"


def test_values_with_separators_are_json_quoted() -> None:
    text = format_parameters(PARAMS, task_id='a, b: "c"\nd')
    last = text.splitlines()[-1]
    assert last.endswith('Wiro task: "a, b: \\"c\\"\\nd"')
    assert parse_parameters(text).settings["Wiro task"] == 'a, b: "c"\nd'


def test_whole_float_scale_is_written_without_decimal() -> None:
    assert "CFG scale: 7," in format_parameters({**PARAMS, "scale": 7.0}, task_id=None)


def test_parses_a_real_a1111_text() -> None:
    text = (
        "masterpiece, 1girl, <lora:detail:0.5>\n"
        "Negative prompt: (worst quality:1.4), lowres\n"
        "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 2468, Size: 512x768, "
        'Model hash: 879db523c3, Model: dreamshaper_8, Lora hashes: "detail: 9e2c1e1e1c", '
        "Version: v1.6.0"
    )
    parsed = parse_parameters(text)
    assert parsed.prompt == "masterpiece, 1girl, <lora:detail:0.5>"
    assert parsed.negative_prompt == "(worst quality:1.4), lowres"
    assert parsed.settings["Sampler"] == "DPM++ 2M Karras"
    assert parsed.settings["Lora hashes"] == "detail: 9e2c1e1e1c"
    assert parsed.settings["Size"] == "512x768"


def test_text_without_settings_line_is_all_prompt() -> None:
    parsed = parse_parameters("just a prompt\nNegative prompt: ugly")
    assert parsed == type(parsed)("just a prompt", "ugly", {})


def test_prompt_that_looks_like_a_negative_line_round_trips() -> None:
    params = {**PARAMS, "prompt": "a\nNegative prompt: trick", "negativePrompt": ""}
    text = format_parameters(params, task_id="1")
    assert f"{PROMPT_LINES_KEY}: 2" in text
    parsed = parse_parameters(text)
    assert (parsed.prompt, parsed.negative_prompt) == ("a\nNegative prompt: trick", "")


pieces = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
    st.sampled_from(["\n", "Negative prompt:", " ", ",", ":", '"', "\r", "Steps: 1, ", "\\"]),
)
prompts = st.lists(pieces, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(prompt=prompts, negative=prompts, task=st.one_of(st.none(), st.text(max_size=12)))
def test_parse_inverts_format_for_any_prompt(prompt: str, negative: str, task: str | None) -> None:
    params = {**PARAMS, "prompt": prompt, "negativePrompt": negative}
    text = format_parameters(params, task_id=task)
    parsed = parse_parameters(text)
    assert parsed.prompt == prompt
    assert parsed.negative_prompt == negative
    assert parsed.settings["Seed"] == "123456"
    assert parsed.settings["Model"] == "DreamShaper 8"
    if task is not None and task.strip():
        assert parsed.settings["Wiro task"] == task.strip()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_parse_never_raises(text: str) -> None:
    parse_parameters(text)


@pytest.mark.parametrize(
    ("name", "scheduler"),
    [
        ("Euler a", "EulerAncestralDiscreteScheduler"),
        ("k_euler_ancestral", "EulerAncestralDiscreteScheduler"),
        ("euler_ancestral", "EulerAncestralDiscreteScheduler"),
        ("k_euler", "EulerDiscreteScheduler"),
        ("DPM++ 2M Karras", "DPMSolverMultistepScheduler"),
        ("dpmpp_2m", "DPMSolverMultistepScheduler"),
        ("dpmpp_2m_k", "DPMSolverMultistepScheduler"),
        ("k_lms", "LMSDiscreteScheduler"),
        ("PLMS", "PNDMScheduler"),
        ("pndm", "PNDMScheduler"),
        ("ddim", "DDIMScheduler"),
        ("DDPM", "DDPMScheduler"),
        ("eulerdiscretescheduler", "EulerDiscreteScheduler"),
        ("DPM++ SDE", None),
        ("DPM++ 2M SDE Karras", None),
        ("dpmpp_2m_sde_gpu", None),
        ("UniPC", None),
        ("", None),
    ],
)
def test_scheduler_for_sampler_accepts_aliases(name: str, scheduler: str | None) -> None:
    assert scheduler_for_sampler(name) == scheduler


def test_karras_is_noted_as_dropped() -> None:
    match = match_sampler("DPM++ 2M Karras")
    assert match.scheduler == "DPMSolverMultistepScheduler"
    assert match.note and "Karras" in match.note
    assert match_sampler("DPM++ 2M").note is None
    assert "not available" in (match_sampler("Heun").note or "")


def test_request_json_round_trips() -> None:
    text = build_request_json(
        {**PARAMS, "prompt": "ünïcode ✓"},
        tool="Lykon/dreamshaper-8",
        task_id="2221",
        image_index=2,
        image_seed=123458,
        app_version="0.1.0",
    )
    assert "ünïcode ✓" in text
    record = parse_request_json(text)
    assert record is not None
    assert record.tool == "Lykon/dreamshaper-8"
    assert record.params["prompt"] == "ünïcode ✓"
    assert (record.task_id, record.image_index, record.image_seed) == ("2221", 2, "123458")
    assert record.app_version == "0.1.0"


@pytest.mark.parametrize("text", ["", "[]", "{}", '{"format": "other"}', "{" * 5000, "nan"])
def test_parse_request_json_rejects_foreign_text(text: str) -> None:
    assert parse_request_json(text) is None


def test_image_texts_writes_the_image_seed_in_parameters_and_base_seed_in_json() -> None:
    texts = image_texts(
        PARAMS,
        tool="Lykon/dreamshaper-8",
        task_id="7",
        image_index=1,
        image_seed=123457,
        app_version="0.1.0",
    )
    assert parse_parameters(texts[PARAMETERS_KEY]).settings["Seed"] == "123457"
    assert json.loads(texts[OUR_JSON_KEY])["params"]["seed"] == "123456"


@pytest.mark.parametrize(
    "line",
    [
        " " * 200_000,
        "a" * 200_000,
        "a:" * 100_000,
        'a:"' * 70_000,
        "ab " * 70_000 + ":",
        "a: b, " * 40_000,
    ],
)
def test_hostile_settings_lines_parse_in_linear_time(line: str) -> None:
    parse_parameters("prompt\n" + line)
