"""The tool schema: the bundled DreamShaper 8 resource, both field-name families, odd input."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.schema import FieldKind, SchemaError, parse_field, parse_tool
from app.resources import tool_detail_payload
from tests.conftest import SHARED

EXPECTED_DEFAULTS = {
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


def test_dreamshaper_has_all_ten_fields_with_defaults(tool_schema) -> None:
    ids = [f.id for f in tool_schema.fields]
    assert ids == [
        "prompt",
        "negativePrompt",
        "samples",
        "steps",
        "scale",
        "seed",
        "clipSkip",
        "width",
        "height",
        "scheduler",
    ]
    defaults = tool_schema.defaults()
    for key, value in EXPECTED_DEFAULTS.items():
        assert defaults[key] == value, key
    assert defaults["prompt"].startswith("8k portrait of beautiful cyborg with brown hair")
    assert tool_schema.slug == "Lykon/dreamshaper-8"


def test_field_kinds_follow_wire_types(tool_schema) -> None:
    kinds = {f.id: f.kind for f in tool_schema.fields}
    assert kinds["prompt"] is FieldKind.TEXTAREA
    assert kinds["samples"] is FieldKind.INTEGER
    assert kinds["scale"] is FieldKind.FLOAT
    assert kinds["seed"] is FieldKind.TEXT
    assert kinds["scheduler"] is FieldKind.SELECT


def test_scheduler_options_deduplicated(tool_schema) -> None:
    values = [o.value for o in tool_schema.field("scheduler").options]
    assert values.count("EulerDiscreteScheduler") == 1
    assert len(values) == 7
    raw = tool_detail_payload()["tool"][0]["parameters"][1]["items"][-1]["options"]
    assert len(raw) == 8, "the resource keeps the tool page's duplicate; the parser drops it"


def test_translation_keys_become_english(tool_schema) -> None:
    labels = {f.id: f.label for f in tool_schema.fields}
    assert labels["samples"] == "Number of images"
    assert labels["steps"] == "Steps"
    assert labels["clipSkip"] == "CLIP skip"
    for spec in tool_schema.fields:
        assert not spec.help.endswith("-help"), spec.help
        assert spec.help, f"{spec.id} has no help text"


def test_sdk_field_name_family() -> None:
    spec = parse_field(
        {
            "id": "strength",
            "type": "float",
            "label": "strength",
            "default": "0.8",
            "min": "0",
            "max": "1",
            "step": "0.05",
        }
    )
    assert (spec.default, spec.minimum, spec.maximum, spec.step) == (0.8, 0.0, 1.0, 0.05)
    assert spec.label == "Strength"


def test_wire_field_name_family_wins_and_value_is_last_resort() -> None:
    spec = parse_field(
        {"id": "n", "type": "number", "defaultvalue": "3", "default": "9", "minvalue": "1"}
    )
    assert spec.default == 3 and spec.minimum == 1
    assert parse_field({"id": "n", "type": "number", "value": "5"}).default == 5


def test_options_with_text_or_bare_values() -> None:
    spec = parse_field(
        {"id": "s", "type": "select", "options": [{"value": "a", "text": "Alpha"}, "b", "b"]}
    )
    assert [(o.value, o.label) for o in spec.options] == [("a", "Alpha"), ("b", "b")]
    assert spec.default == "a"


def test_unknown_type_falls_back_to_text() -> None:
    spec = parse_field({"id": "x", "type": "hologram", "label": "x"})
    assert spec.kind is FieldKind.TEXT and spec.wire_type == "hologram"


def test_parameters_may_be_null_or_json_string() -> None:
    base = {"cleanslugowner": "A", "cleanslugproject": "b"}
    assert parse_tool({"tool": [{**base, "parameters": None}]}).fields == ()
    groups = [{"title": "g", "items": [{"id": "p", "type": "text"}]}]
    parsed = parse_tool({"tool": [{**base, "parameters": json.dumps(groups)}]})
    assert [f.id for f in parsed.fields] == ["p"]


def test_missing_tool_is_a_schema_error() -> None:
    with pytest.raises(SchemaError):
        parse_tool({"result": True, "tool": []})
    with pytest.raises(SchemaError):
        parse_tool({"tool": [{"parameters": []}]})


def test_seventeen_inspire_prompts_verbatim(tool_schema) -> None:
    assert len(tool_schema.inspire) == 17
    for example in tool_schema.inspire:
        assert example["prompt"] and example["negativePrompt"]
    page = SHARED / "spec" / "dreamshaper-8-tool-page.txt"
    if not page.exists():
        pytest.skip("shared/spec is not beside this checkout")
    text = page.read_text(encoding="utf-8")
    for example in tool_schema.inspire:
        assert f"- prompt: {example['prompt']} - negativePrompt: {example['negativePrompt']}" in (
            text
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "type",
                "label",
                "note",
                "defaultvalue",
                "default",
                "minvalue",
                "max",
                "options",
                "required",
                "advanced",
            ]
        ),
        json_values,
    )
)
def test_parse_field_never_crashes(item) -> None:
    spec = parse_field(item)
    assert spec is None or spec.id


@given(json_values)
def test_parse_tool_raises_only_schema_error(payload) -> None:
    with contextlib.suppress(SchemaError):
        parse_tool({"tool": [payload]} if isinstance(payload, dict) else payload)
