"""The wildcard folder: name.txt files (and sub-folders) read as value lists."""

from __future__ import annotations

from pathlib import Path

from app.storage.wildcards import load_wildcards


def test_folder_files_become_named_value_lists(tmp_path: Path) -> None:
    (tmp_path / "animals").mkdir()
    (tmp_path / "colors.txt").write_text(
        "\ufeffred\n# a comment\n\n  blue  \nred\nöchre\n", "utf-8"
    )
    (tmp_path / "animals" / "birds.txt").write_text("owl\nwren\n", "utf-8")
    (tmp_path / "notes.md").write_text("ignored", "utf-8")
    cards = load_wildcards(tmp_path)
    assert cards == {"animals/birds": ["owl", "wren"], "colors": ["red", "blue", "öchre"]}


def test_missing_folder_is_empty(tmp_path: Path) -> None:
    assert load_wildcards(tmp_path / "nope") == {}
