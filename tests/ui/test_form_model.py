"""The form model alone: one apply rule, one seed rule, validation, no widgets."""

from __future__ import annotations

import pytest

from app.ui.form.model import FormModel, GenerationRequest, SeedPolicy, parse_seed


@pytest.fixture
def model(qapp, tool_schema) -> FormModel:
    return FormModel(tool_schema)


def test_starts_with_the_schema_defaults_and_a_random_seed(model, tool_schema):
    assert model.values() == tool_schema.defaults()
    assert model.seed_policy is SeedPolicy.RANDOM and model.last_seed is None


def test_apply_fixes_a_carried_seed_and_ignores_unknown_keys(model):
    shown: list[dict] = []
    model.applied.connect(shown.append)
    model.apply({"prompt": "a fox", "seed": 4242, "nonsense": 1})
    assert model.seed_policy is SeedPolicy.FIXED
    assert model.values()["seed"] == "4242" and model.values()["prompt"] == "a fox"
    assert shown == [{"prompt": "a fox", "seed": "4242"}]
    assert model.next_request() == GenerationRequest(model.values(), 4242)


def test_apply_without_a_seed_keeps_the_policy(model):
    model.apply({"prompt": "a fox"})
    assert model.seed_policy is SeedPolicy.RANDOM
    model.apply({"seed": "  "})  # an empty seed is no seed
    assert model.seed_policy is SeedPolicy.RANDOM


def test_a_seed_that_is_not_a_number_is_shown_but_not_fixed(model):
    model.apply({"seed": "abc"})
    assert model.values()["seed"] == "abc" and model.seed_policy is SeedPolicy.RANDOM
    assert model.validation().ok  # random each time: the typed seed is not used
    model.set_seed_policy(SeedPolicy.FIXED)
    assert "seed" in model.validation().errors


def test_an_explicit_policy_wins_over_a_carried_seed(model):
    model.apply({"prompt": "preset", "seed": "77"}, policy=SeedPolicy.RANDOM)
    assert model.seed_policy is SeedPolicy.RANDOM and model.values()["seed"] == "77"


def test_the_seed_rule_random_each_time_or_the_seed_shown(model, monkeypatch):
    monkeypatch.setattr("app.ui.form.model.random_seed", lambda: 99)
    seen: list[object] = []
    model.last_seed_changed.connect(seen.append)
    first = model.next_request()
    assert first.seed == 99 and first.values["seed"] == "99"
    assert model.values()["seed"] != "99"  # the typed seed is untouched
    assert model.reuse_last_seed() is True
    assert model.seed_policy is SeedPolicy.FIXED and model.next_request().seed == 99
    assert seen == [99, 99]


def test_reuse_last_seed_before_any_run_does_nothing(model):
    assert model.reuse_last_seed() is False
    assert model.seed_policy is SeedPolicy.RANDOM


def test_reset_brings_defaults_and_random(model, tool_schema):
    model.apply({"prompt": "x", "seed": 5})
    model.reset()
    assert model.values() == {**tool_schema.defaults(), "seed": model.values()["seed"]}
    assert model.seed_policy is SeedPolicy.RANDOM


@pytest.mark.parametrize(
    ("text", "seed"), [("12", 12), (" 7 ", 7), ("x", None), (True, None), ("", None)]
)
def test_parse_seed(text, seed):
    assert parse_seed(text) == seed
