"""Sweep plans: axes over the tool's schema expanded into grid-ordered, validated cells."""

from __future__ import annotations

import json
import random

import pytest

from app.core.sweep import (
    MAX_CELLS,
    PROMPT_ALTERNATIVES,
    PROMPT_SR,
    SIZE,
    AxisSpec,
    SweepSpec,
    build_plan,
    plan_from_definition,
    targets,
    vary_spec,
)


def _base(tool_schema, **values):
    return tool_schema.defaults() | {"prompt": "a red fox in the snow", "samples": 1} | values


def test_three_axes_expand_in_grid_order(tool_schema) -> None:
    spec = SweepSpec(
        (
            AxisSpec("scale", "4, 7.5, 11"),
            AxisSpec("scheduler", "Euler, DDIM"),
            AxisSpec("steps", "10, 20"),
        )
    )
    plan = build_plan(tool_schema, spec, _base(tool_schema, samples=2))
    assert plan.ok, plan.errors
    assert plan.shape == (3, 2, 2) and plan.tasks == 12 and plan.images == 24
    coords = [(c.x, c.y, c.z) for c in plan.cells]
    assert coords[:4] == [(0, 0, 0), (1, 0, 0), (2, 0, 0), (0, 1, 0)]
    assert coords[-1] == (2, 1, 1)
    assert [c.index for c in plan.cells] == list(range(12))
    cell = plan.cell_at(2, 1, 1)
    assert cell.labels == ("11", "DDIMScheduler", "20")
    assert cell.params["scale"] == 11.0 and cell.params["scheduler"] == "DDIMScheduler"
    assert cell.params["steps"] == 20 and cell.params["seed"] == "123456"
    assert cell.params["prompt"] == "a red fox in the snow", "untouched fields keep the form's"
    assert [a.name for a in plan.axes] == ["X", "Y", "Z"]
    assert plan.axes[0].title == "Guidance scale (CFG)"


def test_cells_carry_full_wire_ready_parameters(tool_schema) -> None:
    plan = build_plan(
        tool_schema, SweepSpec((AxisSpec("seed", "7, 8"),)), _base(tool_schema, steps="30")
    )
    assert plan.ok
    params = plan.cells[1].params
    assert params["seed"] == "8", "Wiro types the seed as text"
    assert params["steps"] == 30 and set(params) >= {"prompt", "width", "height", "scheduler"}


def test_random_seeds_are_recorded_so_the_plan_repeats(tool_schema) -> None:
    spec = SweepSpec((AxisSpec("seed", "random 4"), AxisSpec(SIZE, "512x512, 768x512")))
    plan = build_plan(tool_schema, spec, _base(tool_schema), rng=random.Random(3))
    assert plan.ok and plan.tasks == 8
    seeds = [v.label for v in plan.axes[0].values]
    assert plan.spec.axes[0].text == ", ".join(seeds)
    again = build_plan(tool_schema, plan.spec, _base(tool_schema))
    assert [c.params for c in again.cells] == [c.params for c in plan.cells]
    assert plan.cell_at(0, 1).params["width"] == 768 and plan.cell_at(0, 1).params["height"] == 512


def test_prompt_search_replace(tool_schema) -> None:
    base = _base(tool_schema, negativePrompt="red eyes")
    plan = build_plan(tool_schema, SweepSpec((AxisSpec(PROMPT_SR, "red, blue, gold"),)), base)
    assert plan.ok
    assert [c.params["prompt"] for c in plan.cells] == [
        "a red fox in the snow",
        "a blue fox in the snow",
        "a gold fox in the snow",
    ]
    assert plan.cells[2].params["negativePrompt"] == "gold eyes"
    missing = build_plan(tool_schema, SweepSpec((AxisSpec(PROMPT_SR, "cat, dog"),)), base)
    assert not missing.ok
    assert missing.errors == ("X (Prompt S/R): “cat” is not in the prompt or the negative prompt",)


def test_alternations_need_an_axis_and_expand_every_combination(tool_schema) -> None:
    base = _base(tool_schema, prompt="a {red|blue|green} fox, {day|night}")
    plan = build_plan(
        tool_schema,
        SweepSpec((AxisSpec(PROMPT_ALTERNATIVES), AxisSpec("steps", "10, 20"))),
        base,
    )
    assert plan.ok and plan.shape == (6, 2, 1)
    assert plan.cells[1].params["prompt"] == "a red fox, night"
    assert plan.axes[0].values[5].label == "green · night"
    forgotten = build_plan(tool_schema, SweepSpec((AxisSpec("steps", "10, 20"),)), base)
    assert not forgotten.ok and "put “Prompt alternatives” on an axis" in forgotten.errors[0]


def test_wildcards_on_an_axis_and_off_it(tool_schema) -> None:
    cards = {"animal": ["fox", "owl", "hare", "lynx"], "place": ["a wood", "a city", "a lake"]}
    base = _base(tool_schema, prompt="a __animal__ in __place__")
    spec = SweepSpec((AxisSpec("wildcard:animal", count=2),))
    plan = build_plan(tool_schema, spec, base, wildcards=cards, rng=random.Random(9))
    assert plan.ok and plan.tasks == 2
    assert plan.spec.axes[0].seed is not None and plan.spec.wildcard_seed is not None
    prompts = [c.params["prompt"] for c in plan.cells]
    assert all("__" not in p for p in prompts)
    assert {p.split()[1] for p in prompts} <= set(cards["animal"])
    again = build_plan(tool_schema, plan.spec, base, wildcards=cards)
    assert [c.params["prompt"] for c in again.cells] == prompts, "recorded seeds repeat it"
    everything = build_plan(
        tool_schema, SweepSpec((AxisSpec("wildcard:animal"),)), base, wildcards=cards
    )
    assert [v.label for v in everything.axes[0].values] == cards["animal"]
    assert everything.axes[0].title == "__animal__"
    unused = build_plan(
        tool_schema, SweepSpec((AxisSpec("wildcard:animal"),)), _base(tool_schema), wildcards=cards
    )
    assert unused.errors == ("X (animal): the prompt does not use __animal__",)
    unknown = build_plan(tool_schema, SweepSpec((AxisSpec("steps", "10"),)), base, wildcards={})
    assert "No wildcard file named “animal”." in unknown.errors


def test_errors_name_the_axis_and_block_the_plan(tool_schema) -> None:
    plan = build_plan(
        tool_schema,
        SweepSpec((AxisSpec("steps", "10, 500"), AxisSpec("scheduler", "Magic"))),
        _base(tool_schema),
    )
    assert not plan.ok and plan.tasks == 0
    assert plan.errors == (
        "X (Steps): 500: must be between 1 and 150",
        "Y (Scheduler): “Magic” is not one of the choices for Scheduler",
    )
    twice = build_plan(
        tool_schema,
        SweepSpec((AxisSpec("steps", "10"), AxisSpec("steps", "20"))),
        _base(tool_schema),
    )
    assert "Y: this setting is already on another axis" in twice.errors
    overlap = SweepSpec((AxisSpec("width", "512"), AxisSpec(SIZE, "512x512")))
    assert "Y: this setting is already on another axis" in (
        build_plan(tool_schema, overlap, _base(tool_schema)).errors
    )
    four = SweepSpec(tuple(AxisSpec(t, "10") for t in ("steps", "clipSkip", "samples", "seed")))
    assert (
        "at most three axes: X, Y and Z" in build_plan(tool_schema, four, _base(tool_schema)).errors
    )
    assert build_plan(tool_schema, SweepSpec(), _base(tool_schema)).errors == (
        "Choose at least one axis.",
    )
    unknown = build_plan(tool_schema, SweepSpec((AxisSpec("nope", "1"),)), _base(tool_schema))
    assert unknown.errors == ("X (nope): this tool has no field “nope”",)


def test_cell_parameters_are_what_the_form_validation_gives(tool_schema) -> None:
    from app.core.params import validate

    base = _base(tool_schema, prompt="a {red|blue} fox", negativePrompt="red")
    spec = SweepSpec(
        (
            AxisSpec(PROMPT_ALTERNATIVES),
            AxisSpec(SIZE, "512x512, 640x384"),
            AxisSpec(PROMPT_SR, "red, gold"),
        )
    )
    plan = build_plan(tool_schema, spec, base)
    assert plan.ok and plan.tasks == 8
    for cell in plan.cells:
        values = base | {
            "prompt": cell.params["prompt"],
            "negativePrompt": cell.params["negativePrompt"],
            "width": cell.params["width"],
            "height": cell.params["height"],
        }
        assert validate(tool_schema, values).params == cell.params


def test_cells_failing_the_form_rules_are_reported(tool_schema) -> None:
    plan = build_plan(
        tool_schema, SweepSpec((AxisSpec("steps", "10, 20"),)), _base(tool_schema, prompt="")
    )
    assert not plan.ok and plan.errors == ("Prompt is required.",)


def test_too_many_cells(tool_schema) -> None:
    spec = SweepSpec(
        (AxisSpec("steps", "1-50"), AxisSpec("seed", "1-50"), AxisSpec("clipSkip", "1-12"))
    )
    plan = build_plan(tool_schema, spec, _base(tool_schema))
    assert not plan.ok and plan.errors[-1] == f"30000 tasks; a sweep holds at most {MAX_CELLS}."


def test_definition_is_json_and_round_trips(tool_schema) -> None:
    spec = SweepSpec((AxisSpec("scale", "5, 9"), AxisSpec("scheduler", "DDIM, Euler a")))
    plan = build_plan(tool_schema, spec, _base(tool_schema))
    definition = json.loads(json.dumps(plan.definition()))
    assert definition["format"] == "wiro-studio-sweep" and definition["tool"] == plan.tool
    assert definition["axes"][1]["values"] == ["DDIMScheduler", "EulerAncestralDiscreteScheduler"]
    assert definition["tasks"] == 4 and definition["images"] == 4
    assert SweepSpec.from_json(definition["spec"]) == plan.spec
    again = plan_from_definition(tool_schema, definition)
    assert again.cells == plan.cells and again.axes == plan.axes
    with pytest.raises(ValueError, match="not a Wiro Studio sweep"):
        plan_from_definition(tool_schema, {"format": "other"})
    with pytest.raises(ValueError, match="for someone/else"):
        plan_from_definition(tool_schema, definition | {"tool": "someone/else"})


def test_vary_is_a_seed_sweep(tool_schema) -> None:
    plan = build_plan(tool_schema, vary_spec(4), _base(tool_schema), rng=random.Random(1))
    assert plan.ok and plan.tasks == 4 and plan.shape == (4, 1, 1)
    assert len({c.params["seed"] for c in plan.cells}) == 4
    assert {c.params["steps"] for c in plan.cells} == {20}


def test_targets_list_the_sweepable_settings(tool_schema) -> None:
    found = dict(targets(tool_schema))
    assert found["scheduler"] == "Scheduler" and found[SIZE] == "Size"
    assert PROMPT_SR in found and PROMPT_ALTERNATIVES in found and "prompt" not in found
