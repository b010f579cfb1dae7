"""Saved prompts and form presets: the JSON file round-trips, survives damage, keeps order."""

from __future__ import annotations

import json
from pathlib import Path

from app.storage.prompts import FILE_NAME, PromptBook, PromptStore, clean_name

UNICODE_PROMPT = "portrait of a fox 🦊, (café au lait:1.2), \\(literal\\)\nsecond line, 東京"


def test_missing_file_gives_an_empty_book(tmp_path: Path) -> None:
    book = PromptStore.in_folder(tmp_path).load()
    assert book.prompts == [] and book.presets == [] and book.starred_examples == []


def test_prompts_presets_and_stars_round_trip(tmp_path: Path) -> None:
    store = PromptStore.in_folder(tmp_path)
    book = PromptBook()
    fox = book.add_prompt(
        "  Fox   café ", UNICODE_PROMPT, "BadDream, (UnrealisticDream:1.3)", now=5
    )
    book.add_prompt("Second", "a lighthouse", now=9)
    book.set_prompt_starred(fox.id, True)
    book.set_example_starred("8k portrait of beautiful cyborg", True)
    values = {"prompt": UNICODE_PROMPT, "steps": 30, "scale": 7.5, "seed": "42", "width": 512}
    preset = book.add_preset("Portrait 30 steps", values, random_seed=False, tool="wiro/x", now=3)
    assert store.save(book)
    assert (tmp_path / FILE_NAME).exists()

    again = PromptStore.in_folder(tmp_path).load()
    assert [p.name for p in again.sorted_prompts()] == ["Fox café", "Second"]  # starred first
    loaded = again.prompt(fox.id)
    assert loaded is not None
    assert loaded.prompt == UNICODE_PROMPT
    assert loaded.negative_prompt == "BadDream, (UnrealisticDream:1.3)"
    assert loaded.starred and loaded.created_at == 5
    assert again.is_example_starred("8k portrait of beautiful cyborg")
    loaded_preset = again.preset(preset.id)
    assert loaded_preset is not None
    assert loaded_preset.values == values
    assert loaded_preset.random_seed is False and loaded_preset.tool == "wiro/x"
    assert "🦊" in (tmp_path / FILE_NAME).read_text(encoding="utf-8")  # UTF-8, not escapes


def test_rename_delete_and_overwrite(tmp_path: Path) -> None:
    book = PromptBook()
    first = book.add_prompt("One", "a")
    assert book.rename_prompt(first.id, "  Uno ")
    assert book.prompt(first.id).name == "Uno"
    assert not book.rename_prompt(first.id, "   ")  # an empty name is refused
    assert not book.rename_prompt("nope", "x")
    again = book.add_prompt("Uno", "b", "neg")  # same name: replaced, not duplicated
    assert again.id == first.id and len(book.prompts) == 1 and again.prompt == "b"
    assert book.delete_prompt(first.id) and not book.delete_prompt(first.id)

    preset = book.add_preset("P", {"steps": 20})
    book.add_preset("P", {"steps": 40}, random_seed=False)
    assert len(book.presets) == 1 and book.presets[0].values == {"steps": 40}
    assert book.rename_preset(preset.id, "Q") and book.preset_named("Q") is not None
    assert book.delete_preset(preset.id) and book.presets == []


def test_preset_values_are_copied(tmp_path: Path) -> None:
    values = {"prompt": "x", "tags": ["a"]}
    book = PromptBook()
    preset = book.add_preset("P", values)
    values["tags"].append("b")
    assert preset.values == {"prompt": "x", "tags": ["a"]}


def test_an_older_snapshot_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    store = PromptStore.in_folder(tmp_path)
    book = PromptBook()
    book.add_prompt("A", "first")
    old = book.snapshot()
    book.add_prompt("B", "second")
    new = book.snapshot()
    assert store.save(new)
    assert not store.save(old)  # a slow write of an earlier state arrives late
    assert [p.name for p in store.load().prompts] == ["A", "B"]


def test_damaged_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text("{not json", encoding="utf-8")
    book = PromptStore(path).load()
    assert book.prompts == []
    assert (tmp_path / "prompts.damaged.json").read_text(encoding="utf-8") == "{not json"


def test_entries_of_the_wrong_shape_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    data = {
        "prompts": [
            {"id": "a", "name": "Good", "prompt": "x", "starred": True},
            {"id": "b", "name": "", "prompt": "no name"},
            {"id": "c", "name": "No prompt"},
            "junk",
            {"id": "a", "name": "Duplicate id", "prompt": "y"},
            {"id": "d", "name": "Huge", "prompt": "z" * 9_000_000},  # no form would accept it
        ],
        "presets": [{"id": "p", "name": "Ok", "values": {"steps": 5}}, {"name": "x", "values": 3}],
        "starred_examples": ["s", 4],
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    book = PromptStore(path).load()
    assert [p.name for p in book.prompts] == ["Good"]
    assert [p.name for p in book.presets] == ["Ok"] and book.presets[0].random_seed is True
    assert book.starred_examples == ["s"]


def test_clean_name() -> None:
    assert clean_name("  a \n b\t c ") == "a b c"
    assert len(clean_name("x" * 500)) == 120
