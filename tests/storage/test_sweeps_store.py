"""Sweeps in history: stored, linked to their cells' generations, searchable, upgraded in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.storage.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore
from app.storage.sweeps import (
    ENOUGH,
    RUNNING,
    GenerationLink,
    SweepStore,
    held_state,
)

TOOL = "Lykon/dreamshaper-8"


def definition(prompt: str, tasks: int = 4) -> dict:
    return {"format": "wiro-studio-sweep", "tool": TOOL, "base": {"prompt": prompt}, "tasks": tasks}


def add_cell(store: SweepStore, sweep_id: int, index: int, prompt: str) -> int:
    return store.create_generation(
        tool=TOOL,
        params={"prompt": prompt, "seed": str(index)},
        expected_images=1,
        created_at=100.0 + index,
        link=GenerationLink(sweep_id=sweep_id, cell_index=index),
    )


def test_a_sweep_keeps_its_definition_caps_state_and_cells(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite3")
    store = SweepStore(history)
    try:
        sid = store.create(
            tool=TOOL,
            definition=definition("a red fox"),
            title="CFG × Scheduler",
            created_at=50.0,
            caps={"sweep_usd": 0.5},
        )
        plain = history.create_generation(tool=TOOL, params={}, expected_images=1, created_at=1)
        gids = [add_cell(store, sid, i, f"a red fox {i}") for i in (0, 1, 3)]
        history.update_generation(gids[0], phase="succeeded", cost=0.002)
        store.set_state(sid, held_state("over the sweep cap"))
        record = store.load(sid)
        assert record is not None
        assert record.sweep.title == "CFG × Scheduler"
        assert record.sweep.caps == {"sweep_usd": 0.5}
        assert record.sweep.held and record.sweep.state == "held: over the sweep cap"
        assert record.sweep.definition["base"] == {"prompt": "a red fox"}
        assert sorted(record.cells) == [0, 1, 3]
        assert [record.cells[i].generation_id for i in (0, 1, 3)] == gids
        assert record.cells[0].phase == "succeeded" and record.cells[0].cost == 0.002
        assert store.link(plain) is None
        assert set(store.links([plain, *gids])) == set(gids)
        assert store.link(gids[2]) == GenerationLink(sid, 3, None, None)
        assert [r.id for r in store.in_states(RUNNING)] == []
        assert [r.id for r in store.unfinished()] == [sid], "held sweeps are unfinished"
        store.set_state(sid, ENOUGH)
        assert [r.id for r in store.in_states(ENOUGH)] == [sid]
        assert store.unfinished() == []
        # The linked generation is an ordinary generation for everything else.
        row = history.generation(gids[1])
        assert row is not None and row.params == {"prompt": "a red fox 1", "seed": "1"}
    finally:
        history.close()


def test_search_finds_a_sweep_by_title_base_prompt_or_a_cell_prompt(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite3")
    store = SweepStore(history)
    try:
        fox = store.create(
            tool=TOOL, definition=definition("a red fox in snow"), title="Steps", created_at=1
        )
        boat = store.create(
            tool=TOOL, definition=definition("a paper boat"), title="Café 100% grid", created_at=2
        )
        add_cell(store, boat, 0, "a paper boat, lighthouse behind")
        assert [s.id for s in store.search("fox")] == [fox]
        assert [s.id for s in store.search("café")] == [boat]
        assert [s.id for s in store.search("100%")] == [boat]
        assert [s.id for s in store.search("lighthouse")] == [boat], "a cell's prompt"
        assert [s.id for s in store.search("red fox")] == [fox]
        assert store.search("giraffe") == []
        assert [s.id for s in store.search("")] == [boat, fox]
        assert [s.id for s in store.list_sweeps()] == [boat, fox]
    finally:
        history.close()


def test_a_promotion_records_its_parent_image_and_operation(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite3")
    store = SweepStore(history)
    try:
        parent = history.create_generation(tool=TOOL, params={}, expected_images=1, created_at=1)
        image = history.add_image(
            generation_id=parent,
            index=0,
            seed=7,
            path=tmp_path / "a.png",
            sha256="0" * 64,
            size=1,
            width=64,
            height=64,
            created_at=1,
        )
        operation = {"kind": "promote", "steps": 40, "width": 768, "height": 768}
        child = store.create_generation(
            tool=TOOL,
            params={"seed": "7"},
            expected_images=1,
            created_at=2,
            link=GenerationLink(parent_image_id=image.id, operation=operation),
        )
        assert store.link(child) == GenerationLink(None, None, image.id, operation)
        assert store.children(image.id) == [child]
    finally:
        history.close()


def test_the_previous_schema_upgrades_with_null_links(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:-1]):
        db.executescript(script)
        db.execute(f"PRAGMA user_version = {number + 1}")
    db.execute(
        "INSERT INTO generations (tool, params, phase, created_at)"
        " VALUES (?, '{}', 'succeeded', 1)",
        (TOOL,),
    )
    db.commit()
    db.close()
    history = HistoryStore(path)
    try:
        assert history.version == SCHEMA_VERSION
        assert SweepStore(history).link(1) is None
        assert SweepStore(history).list_sweeps() == []
    finally:
        history.close()
