"""Axis texts → values: lists, ranges, counts, choices, seeds, sizes, and their limits."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.params import SEED_MAX
from app.core.sweep_prompt import (
    alternation_combinations,
    apply_alternation,
    search_replace,
    wildcard_names,
    wildcard_values,
)
from app.core.sweep_values import (
    MAX_AXIS_VALUES,
    AxisError,
    choice_values,
    number_values,
    seed_values,
    size_values,
    split_items,
    text_values,
)


def test_number_lists_and_ranges(tool_schema) -> None:
    steps, scale = tool_schema.field("steps"), tool_schema.field("scale")
    assert number_values(steps, "20, 28, 40") == [20, 28, 40]
    assert number_values(steps, "20-40 (+5)") == [20, 25, 30, 35, 40]
    assert number_values(steps, "4-12 [5]") == [4, 6, 8, 10, 12]
    assert number_values(steps, "1-5") == [1, 2, 3, 4, 5]
    assert number_values(steps, "40-20 (-10)") == [40, 30, 20]
    assert number_values(steps, "10, 20-30 (+10), 50") == [10, 20, 30, 50]
    assert number_values(scale, "4-12 [5]") == [4.0, 6.0, 8.0, 10.0, 12.0]
    assert number_values(scale, "5-6 (+0.25)") == [5.0, 5.25, 5.5, 5.75, 6.0]
    assert all(isinstance(v, int) for v in number_values(steps, "20, 30"))
    assert all(isinstance(v, float) for v in number_values(scale, "5, 7"))


def test_counts_snap_to_the_field_step(tool_schema) -> None:
    width, scale = tool_schema.field("width"), tool_schema.field("scale")
    assert number_values(width, "512-768 [4]") == [512, 600, 680, 768]
    assert number_values(scale, "5-9 [4]") == [5.0, 6.5, 7.5, 9.0]
    assert number_values(width, "512-768 [1]") == [512]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("steps", "200, 20", "200: must be between 1 and 150"),
        ("steps", "0-10", "0: must be between 1 and 150"),
        ("steps", "1.5", "1.5 is not a whole number"),
        ("steps", "ten", "“ten” is not a number"),
        ("steps", "20-10 (+5)", "never reaches the end"),
        ("steps", "20-30 (+0)", "never reaches the end"),
        ("steps", "20, 20", "20 appears twice"),
        ("steps", "4-12 [0]", "at least 1"),
        ("steps", "1-150", f"at most {MAX_AXIS_VALUES} per axis"),
        ("steps", "", "no numbers given"),
        ("scale", "4-12", "give an increment"),
        ("scale", "31", "must be between 1 and 30"),
        ("width", "500", "must be a multiple of 8"),
        ("clipSkip", "0, 4", "must be between 1 and 12"),
    ],
)
def test_number_limits_are_checked_with_clear_messages(
    tool_schema, field: str, text: str, message: str
) -> None:
    with pytest.raises(AxisError, match=message):
        number_values(tool_schema.field(field), text)


def test_a_step_stated_by_the_tool_is_enforced(tool_schema) -> None:
    from dataclasses import replace

    stepped = replace(tool_schema.field("steps"), minimum=10, step=5)
    assert number_values(stepped, "10, 25") == [10, 25]
    with pytest.raises(AxisError, match="goes in steps of 5"):
        number_values(stepped, "12")


def test_select_fields_take_several_choices(tool_schema) -> None:
    scheduler = tool_schema.field("scheduler")
    assert choice_values(scheduler, "DDIMScheduler, pndmscheduler") == [
        "DDIMScheduler",
        "PNDMScheduler",
    ]
    assert choice_values(scheduler, ["Euler a", "DPM++ 2M"]) == [
        "EulerAncestralDiscreteScheduler",
        "DPMSolverMultistepScheduler",
    ]
    everything = choice_values(scheduler, "*")
    assert len(everything) == 7 and everything[0] == "EulerDiscreteScheduler"
    with pytest.raises(AxisError, match="“Magic” is not one of the choices for Scheduler"):
        choice_values(scheduler, "DDIMScheduler, Magic")
    with pytest.raises(AxisError, match="appears twice"):
        choice_values(scheduler, "Euler, EulerDiscreteScheduler")


def test_seeds_random_list_and_range(tool_schema) -> None:
    seed = tool_schema.field("seed")
    drawn = seed_values(seed, "random 4", random.Random(5))
    assert len(set(drawn)) == 4 and all(0 <= s <= SEED_MAX for s in drawn)
    assert drawn == seed_values(seed, "4 random", random.Random(5)), "same rng, same seeds"
    assert seed_values(seed, "1, 2, 3", random.Random()) == [1, 2, 3]
    assert seed_values(seed, "100-103", random.Random()) == [100, 101, 102, 103]
    assert seed_values(seed, "0-3000 [4]", random.Random()) == [0, 1000, 2000, 3000]
    with pytest.raises(AxisError, match="between 1 and"):
        seed_values(seed, "random 0", random.Random())
    with pytest.raises(AxisError, match="must be between 0 and"):
        seed_values(seed, f"{SEED_MAX + 1}", random.Random())


def test_sizes(tool_schema) -> None:
    w, h = tool_schema.field("width"), tool_schema.field("height")
    assert size_values(w, h, "512x512, 768×512, 512 X 768") == [(512, 512), (768, 512), (512, 768)]
    with pytest.raises(AxisError, match="WIDTHxHEIGHT"):
        size_values(w, h, "512")
    with pytest.raises(AxisError, match="Height must be between 64 and 2048"):
        size_values(w, h, "512x4096")
    with pytest.raises(AxisError, match="Width must be a multiple of 8"):
        size_values(w, h, "500x512")


def test_items_may_be_quoted_to_keep_commas() -> None:
    assert split_items('fox, "red, wild fox" ,  cat ') == ["fox", "red, wild fox", "cat"]
    assert split_items("  ") == []


def test_text_and_checkbox_values(tool_schema) -> None:
    negative = tool_schema.field("negativePrompt")
    assert text_values(negative, "blurry, ugly") == ["blurry", "ugly"]


def test_alternations_expand_to_every_combination() -> None:
    prompt = "a {red|blue|green} fox {running|sleeping}, {plain braces}"
    combos = alternation_combinations(prompt)
    assert len(combos) == 6 and combos[0] == ("red", "running") and combos[-1][0] == "green"
    assert apply_alternation(prompt, combos[1]) == "a red fox sleeping, {plain braces}"
    assert alternation_combinations("no groups {here}") == []
    with pytest.raises(AxisError, match="combinations"):
        alternation_combinations("{a|b|c|d} {a|b|c|d} {a|b|c|d} {a|b|c|d}")


def test_wildcards_all_or_repeatable_random_picks() -> None:
    cards = {"colors": ["red", "blue", "green", "gold", "teal"], "empty": []}
    assert wildcard_names("a __colors__ fox and __animals/birds__ and __colors__") == [
        "colors",
        "animals/birds",
    ]
    assert wildcard_values("colors", cards, None, 0) == cards["colors"]
    picks = wildcard_values("colors", cards, 3, 42)
    assert len(picks) == 3 and set(picks) <= set(cards["colors"])
    assert picks == wildcard_values("colors", cards, 3, 42), "the recorded seed repeats the picks"
    assert wildcard_values("colors", cards, 9, 1) != [], "more picks than values: all of them"
    with pytest.raises(AxisError, match="no wildcard file named “animals”"):
        wildcard_values("animals", cards, None, 0)
    with pytest.raises(AxisError, match="has no values"):
        wildcard_values("empty", cards, None, 0)


def test_search_replace_touches_prompt_and_negative() -> None:
    assert search_replace("a red fox", "red eyes", "red", "blue") == ("a blue fox", "blue eyes")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(1, 150),
    end=st.integers(1, 150),
    count=st.integers(1, 20),
)
def test_counted_ranges_stay_inside_the_limits(tool_schema, start: int, end: int, count: int):
    steps = tool_schema.field("steps")
    try:
        values = number_values(steps, f"{start}-{end} [{count}]")
    except AxisError as exc:
        assert "appears twice" in str(exc), "only rounding collisions may fail"
        return
    assert len(values) == count and values[0] == start
    assert values[-1] == (end if count > 1 else start)
    assert all(1 <= v <= 150 and isinstance(v, int) for v in values)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(1, 150), end=st.integers(1, 150), step=st.integers(1, 40))
def test_stepped_ranges_never_pass_their_end(tool_schema, start: int, end: int, step: int):
    increment = step if end >= start else -step
    if abs(end - start) // step + 1 > MAX_AXIS_VALUES:
        with pytest.raises(AxisError, match="per axis"):
            number_values(tool_schema.field("steps"), f"{start}-{end} ({increment:+d})")
        return
    values = number_values(tool_schema.field("steps"), f"{start}-{end} ({increment:+d})")
    assert values[0] == start and all(min(start, end) <= v <= max(start, end) for v in values)
    assert len(values) == abs(end - start) // step + 1
