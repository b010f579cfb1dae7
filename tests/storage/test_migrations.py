"""Schema migrations: a database made by the first version upgrades in place, atomically."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.storage import history as history_module
from app.storage.dbfaults import HistoryUnavailable
from app.storage.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore
from app.storage.history_queries import ImageFilter, fts_query


def make_v1(path: Path) -> None:
    """A history database exactly as version 1 of the schema left it, with data in it."""
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    rows = [
        (1, json.dumps({"prompt": "A lighthouse at dusk, café au lait sky"}), 100.0, 0.0035),
        (2, "{this is not json", 200.0, None),
        (3, json.dumps({"negativePrompt": "blurry"}), 300.0, 0.01),
        (4, json.dumps({"prompt": "日本語の猫 sleeping on a keyboard"}), 400.0, 0.002),
    ]
    for gid, params, created, cost in rows:
        db.execute(
            "INSERT INTO generations (id, tool, params, phase, created_at, cost, task_id)"
            " VALUES (?, 'Lykon/dreamshaper-8', ?, 'succeeded', ?, ?, ?)",
            (gid, params, created, cost, str(2000 + gid)),
        )
        db.execute(
            "INSERT INTO images (generation_id, idx, seed, path, sha256, size, width, height,"
            " starred, deleted, created_at) VALUES (?, 0, 42, ?, ?, 10, 64, 64, ?, 0, ?)",
            (gid, f"/lib/g{gid}.png", f"{gid:064x}", int(gid == 4), created),
        )
    db.commit()
    db.close()


def test_first_version_upgrades_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    make_v1(path)
    store = HistoryStore(path)
    try:
        assert store.version == SCHEMA_VERSION >= 2
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert [g.id for g in store.recent_generations()] == [4, 3, 2, 1]
        assert store.generation(2).params == {}  # damaged JSON is survivable
        assert store.count_matching(ImageFilter()) == 4
        found = store.image_page(ImageFilter(text="lighthouse"))[0]
        assert [i.generation_id for i in found] == [1]
        assert [i.generation_id for i in store.image_page(ImageFilter(text="cafe"))[0]] == [1]
        assert [i.generation_id for i in store.image_page(ImageFilter(text="日本語の猫"))[0]] == [4]
        assert store.image_page(ImageFilter(text="blurry"))[0] == [], "negative prompts: no"
        assert [i.generation_id for i in store.image_page(ImageFilter(starred_only=True))[0]] == [4]
        assert store.spend_since(0) == pytest.approx(0.0155)
    finally:
        store.close()


def test_new_and_deleted_generations_stay_in_step_with_the_search_index(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    make_v1(path)
    store = HistoryStore(path)
    try:
        gid = store.create_generation(
            tool="t", params={"prompt": "Neon koi pond"}, expected_images=1, created_at=500.0
        )
        match = fts_query("koi")
        rows = store._db.execute(
            "SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?", (match,)
        ).fetchall()
        assert [r[0] for r in rows] == [gid]
        store._db.execute(
            "UPDATE generations SET params = ? WHERE id = ?", ('{"prompt": "x"}', gid)
        )
        assert not store._db.execute(
            "SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?", (match,)
        ).fetchall()
        store._db.execute("DELETE FROM images WHERE generation_id = 1")
        store._db.execute("DELETE FROM generations WHERE id = 1")
        assert not store._db.execute("SELECT rowid FROM generations_fts WHERE rowid = 1").fetchall()
    finally:
        store.close()


def test_reopening_an_up_to_date_database_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    store = HistoryStore(path)
    try:
        assert store.version == SCHEMA_VERSION
        tables = {r[0] for r in store._db.execute("SELECT name FROM sqlite_master")}
        assert {"generations", "images", "generations_fts"} <= tables
    finally:
        store.close()


def test_a_failing_migration_leaves_the_previous_version_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "history.sqlite3"
    make_v1(path)
    broken = "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(history_module, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(HistoryUnavailable) as caught:
        HistoryStore(path)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in names and "generations_fts" in names
        assert db.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 4
    finally:
        db.close()


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("", None),
        ('  "" ** :: ', None),
        ("Light house", 'prompt : ("Light"* "house"*)'),
        ('a "quoted" OR NEAR(x)', 'prompt : ("a"* "quoted"* "OR"* "NEAR"* "x"*)'),
        ("snake_case", 'prompt : ("snake"* "case"*)'),
    ],
)
def test_search_text_becomes_a_safe_fts_query(text: str, query: str | None) -> None:
    assert fts_query(text) == query


def test_v2_database_gains_the_follow_and_sweep_columns_and_keeps_outputs(tmp_path: Path) -> None:
    """v3 (follow began at) and v4 (sweeps, lineage) add columns; outputs stay: Retry reads
    them to fetch images that did not arrive without a new Run."""
    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.executescript(MIGRATIONS[1])
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO generations (tool, params, phase, created_at, outputs)"
        " VALUES ('t', '{\"prompt\": \"kept\"}', 'succeeded', 1.0, '[{\"url\": \"u\"}]')"
    )
    db.commit()
    db.close()
    store = HistoryStore(path)
    try:
        columns = {r[1] for r in store._db.execute("PRAGMA table_info(generations)")}
        assert {"outputs", "follow_started_at", "sweep_id", "parent_image_id"} <= columns
        row = store.recent_generations(10)[0]
        assert row.params == {"prompt": "kept"} and row.outputs == [{"url": "u"}]
        assert row.follow_started_at is None
    finally:
        store.close()
