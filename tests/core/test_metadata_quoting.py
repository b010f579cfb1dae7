"""Each character that forces JSON quoting in the A1111 settings line, one example each.

A value holding a separator must be written quoted, or other tools (and our reader) cut it:
``Wiro task: 12,34`` reads back as ``12``. The combined example in test_metadata.py cannot
tell which character triggered the quoting; these can.
"""

from __future__ import annotations

import json

import pytest

from app.core.metadata import format_parameters, parse_parameters

PARAMS = {
    "prompt": "a lighthouse at dusk",
    "steps": 20,
    "scale": 7,
    "seed": "42",
    "width": 512,
    "height": 512,
    "scheduler": "EulerDiscreteScheduler",
}


def settings_line(text: str) -> str:
    return text.rsplit("\n", 1)[1]


@pytest.mark.parametrize(
    ("task_id", "why"),
    [
        ("12,34", "a comma ends the pair"),
        ("12:34", "a colon starts another key"),
        ("12\n34", "a newline ends the settings line"),
        ("12\r34", "a carriage return ends the line for other readers"),
        ('"12"', "a leading quote would be read as a quoted value"),
    ],
)
def test_task_id_with_a_separator_is_quoted_and_reads_back(task_id: str, why: str) -> None:
    text = format_parameters(PARAMS, task_id=task_id)
    assert settings_line(text).endswith(f"Wiro task: {json.dumps(task_id)}"), why
    assert parse_parameters(text).settings["Wiro task"] == task_id, why


def test_comma_in_task_id_is_not_cut_at_the_comma() -> None:
    text = format_parameters(PARAMS, task_id="12,34")
    assert parse_parameters(text).settings["Wiro task"] != "12"
    assert "Wiro task: 12,34" not in text


@pytest.mark.parametrize("model", [" DreamShaper", "DreamShaper ", "Dream, Shaper", "v8: final"])
def test_model_name_with_edge_spaces_or_separators_round_trips(model: str) -> None:
    text = format_parameters(PARAMS, task_id="1", model=model)
    assert f"Model: {json.dumps(model)}," in settings_line(text)
    assert parse_parameters(text).settings["Model"] == model


@pytest.mark.parametrize("plain", ["1234", "abc-def", 'in"side', "DreamShaper 8"])
def test_plain_values_stay_unquoted(plain: str) -> None:
    text = format_parameters(PARAMS, task_id=plain)
    assert settings_line(text).endswith(f"Wiro task: {plain}")
    assert parse_parameters(text).settings["Wiro task"] == plain
