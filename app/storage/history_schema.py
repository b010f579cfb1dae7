"""The history database's schema: its versioned migrations and how a connection is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.storage.dbfaults import PatientConnection


def _json_text(column: str, key: str) -> str:
    """SQL for one string field of a JSON column; '' when the JSON is damaged or lacks it."""
    return (
        f"CASE WHEN json_valid({column}) THEN "
        f"CAST(COALESCE(json_extract({column}, '$.{key}'), '') AS TEXT) ELSE '' END"
    )


MIGRATIONS: tuple[str, ...] = (
    # v1
    """
    CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        tool TEXT NOT NULL,
        params TEXT NOT NULL,
        phase TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT '',
        task_id TEXT,
        task_token TEXT,
        created_at REAL NOT NULL,
        run_sent_at REAL,
        started_at REAL,
        finished_at REAL,
        elapsed_seconds REAL,
        cost REAL,
        error TEXT,
        debug_error TEXT NOT NULL DEFAULT '',
        expected_images INTEGER NOT NULL DEFAULT 0,
        outputs TEXT
    );
    CREATE INDEX generations_phase ON generations(phase);
    CREATE INDEX generations_created ON generations(created_at);
    CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        generation_id INTEGER NOT NULL REFERENCES generations(id),
        idx INTEGER NOT NULL,
        seed INTEGER,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        starred INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        UNIQUE (generation_id, idx)
    );
    CREATE INDEX images_generation ON images(generation_id);
    """,
    # v2: full-text search over prompts (FTS5, kept in step by triggers), gallery filters.
    f"""
    CREATE VIRTUAL TABLE generations_fts USING fts5(
        prompt, negative_prompt, tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO generations_fts (rowid, prompt, negative_prompt)
        SELECT id, {_json_text("params", "prompt")}, {_json_text("params", "negativePrompt")}
        FROM generations;
    CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
        INSERT INTO generations_fts (rowid, prompt, negative_prompt) VALUES (
            new.id, {_json_text("new.params", "prompt")},
            {_json_text("new.params", "negativePrompt")});
    END;
    CREATE TRIGGER generations_fts_update AFTER UPDATE OF params ON generations BEGIN
        DELETE FROM generations_fts WHERE rowid = old.id;
        INSERT INTO generations_fts (rowid, prompt, negative_prompt) VALUES (
            new.id, {_json_text("new.params", "prompt")},
            {_json_text("new.params", "negativePrompt")});
    END;
    CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
        DELETE FROM generations_fts WHERE rowid = old.id;
    END;
    CREATE INDEX images_visible ON images(deleted, starred);
    """,
    # v3: when following the task began, so the bound on following survives restarts.
    """
    ALTER TABLE generations ADD COLUMN follow_started_at REAL;
    """,
    # v4, sweeps (issue 15): a sweep and its cells ↔ generations; a generation's parent and the
    # operation that made it from that parent (promote, also used by lineage).
    """
    CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        tool TEXT NOT NULL,
        definition TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'running',
        caps TEXT
    );
    CREATE INDEX sweeps_created ON sweeps(created_at);
    ALTER TABLE generations ADD COLUMN sweep_id INTEGER;
    ALTER TABLE generations ADD COLUMN cell_index INTEGER;
    ALTER TABLE generations ADD COLUMN parent_image_id INTEGER;
    ALTER TABLE generations ADD COLUMN operation TEXT;
    CREATE INDEX generations_sweep ON generations(sweep_id, cell_index);
    CREATE INDEX generations_parent ON generations(parent_image_id);
    """,
    # v5, culling (issue 14): an image marked as a reject (X); dimmed, filterable, deletable.
    """
    ALTER TABLE images ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def open_connection(path: Path | None, busy_timeout: float, lock_wait: float) -> PatientConnection:
    """A connection in WAL mode with full sync and foreign keys; rows read as sqlite3.Row."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(
        str(path or ":memory:"),
        check_same_thread=False,
        isolation_level=None,
        timeout=busy_timeout,
        factory=PatientConnection,
    )
    db.lock_wait = lock_wait
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        db.close()
        raise
    return db
