"""Validation and coercion of form values into Run parameters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.params import (
    CLIENT_LIMITS,
    SEED_MAX,
    describe_limits,
    image_seed,
    limits_for,
    random_seed,
    validate,
)


def test_defaults_are_valid_and_typed(tool_schema) -> None:
    result = validate(tool_schema, {})
    assert result.ok, result.errors
    p = result.params
    assert p["samples"] == 4 and isinstance(p["samples"], int)
    assert p["scale"] == 7.5 and isinstance(p["scale"], float)
    assert p["seed"] == "123456", "Wiro types the seed as text"
    assert p["scheduler"] == "EulerDiscreteScheduler"


def test_numeric_strings_are_coerced(tool_schema) -> None:
    result = validate(tool_schema, {"steps": "30", "scale": "6,5", "width": "768.0", "seed": 42})
    assert result.ok, result.errors
    assert (result.params["steps"], result.params["scale"], result.params["width"]) == (
        30,
        6.5,
        768,
    )
    assert result.params["seed"] == "42"


def test_errors_are_per_field_and_in_english(tool_schema) -> None:
    result = validate(
        tool_schema,
        {
            "prompt": "  ",
            "steps": "ten",
            "scale": "99",
            "width": "500",
            "height": "4096",
            "seed": "abc",
            "samples": "2.5",
            "clipSkip": 0,
            "scheduler": "MagicScheduler",
        },
    )
    assert result.errors == {
        "prompt": "Prompt is required.",
        "steps": "Steps must be a whole number.",
        "scale": "Guidance scale (CFG) must be between 1 and 30.",
        "width": "Width must be a multiple of 8.",
        "height": "Height must be between 64 and 2048.",
        "seed": "Seed must be a whole number.",
        "samples": "Number of images must be a whole number.",
        "clipSkip": "CLIP skip must be between 1 and 12.",
        "scheduler": "Scheduler is not one of the available choices.",
    }


def test_seed_bounds_and_empty(tool_schema) -> None:
    assert validate(tool_schema, {"seed": str(SEED_MAX)}).ok
    assert "seed" in validate(tool_schema, {"seed": str(SEED_MAX + 1)}).errors
    assert "seed" in validate(tool_schema, {"seed": "-1"}).errors
    assert validate(tool_schema, {"seed": ""}).errors["seed"] == "Seed is required."


def test_booleans_are_not_numbers(tool_schema) -> None:
    assert "steps" in validate(tool_schema, {"steps": True}).errors


def test_limits_live_in_one_place(tool_schema) -> None:
    width = tool_schema.field("width")
    assert limits_for(width) == CLIENT_LIMITS["width"]
    assert describe_limits(width) == "64-2048, multiple of 8"
    assert describe_limits(tool_schema.field("scale")) == "1-30"


def test_schema_limits_override_client_limits(tool_schema) -> None:
    from dataclasses import replace

    steps = replace(tool_schema.field("steps"), maximum=50.0)
    assert limits_for(steps).maximum == 50.0
    assert limits_for(steps).minimum == CLIENT_LIMITS["steps"].minimum


def test_random_seed_in_range() -> None:
    for _ in range(50):
        assert 0 <= random_seed() <= SEED_MAX


def test_image_seed_is_seed_plus_index_wrapping() -> None:
    assert image_seed("123456", 0) == 123456
    assert image_seed(123456, 3) == 123459
    assert image_seed(SEED_MAX, 1) == 0
    assert image_seed("random", 1) is None


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "prompt",
                "steps",
                "scale",
                "seed",
                "width",
                "samples",
                "scheduler",
                "clipSkip",
                "height",
                "negativePrompt",
            ]
        ),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    )
)
def test_validate_never_raises(tool_schema, values) -> None:
    result = validate(tool_schema, values)
    assert set(result.errors).isdisjoint(result.params)
    assert set(result.errors) | set(result.params) == {f.id for f in tool_schema.fields}


def test_huge_integers_are_errors_not_exceptions(tool_schema) -> None:
    huge = 10**5000  # str() of this raises ValueError past Python's 4,300-digit limit
    result = validate(tool_schema, {"seed": huge, "steps": huge, "prompt": huge, "scale": huge})
    assert set(result.errors) >= {"seed", "steps", "prompt", "scale"}
    assert result.errors["seed"] == "Seed is too long."
    digits = validate(tool_schema, {"seed": "9" * 5000, "width": "1" * 5000})
    assert digits.errors["seed"] == "Seed is too long to be a number."
    assert digits.errors["width"] == "Width is too long to be a number."


def test_text_fields_have_a_size_limit(tool_schema) -> None:
    from app.core.params import MAX_TEXT_CHARS

    assert validate(tool_schema, {"prompt": "a" * MAX_TEXT_CHARS}).ok
    result = validate(tool_schema, {"prompt": "a" * (20 * 1024 * 1024)})
    assert result.errors["prompt"] == (
        f"Prompt is too long (20,971,520 characters; at most {MAX_TEXT_CHARS:,})."
    )
    assert "negativePrompt" in validate(tool_schema, {"negativePrompt": "b" * 9000}).errors


def test_validate_is_total_for_values_that_cannot_be_read(tool_schema) -> None:
    class Hostile:
        def __str__(self) -> str:
            raise TypeError("no")

    result = validate(tool_schema, {"prompt": Hostile(), "steps": Hostile()})
    assert result.errors["prompt"] == "Prompt could not be read."
    assert result.errors["steps"] == "Steps could not be read."
