"""The history database: durable rows, idempotent images, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.storage.dbfaults import HistoryUnavailable
from app.storage.history import MIGRATIONS, SCHEMA_VERSION, HistoryStore


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "h.sqlite3")
    yield s
    s.close()


def test_wal_and_version(store: HistoryStore) -> None:
    mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.version == SCHEMA_VERSION == len(MIGRATIONS)


def test_generation_round_trip_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path)
    gid = store.create_generation(
        tool="Lykon/dreamshaper-8",
        params={"prompt": "ünïcode ☃", "samples": 4},
        expected_images=4,
        created_at=100.0,
    )
    store.update_generation(
        gid,
        phase="running",
        task_id="2221",
        task_token="tok",
        run_sent_at=101.0,
    )
    store.close()
    reopened = HistoryStore(path)
    row = reopened.generation(gid)
    assert row is not None
    assert row.params == {"prompt": "ünïcode ☃", "samples": 4}
    assert (row.phase, row.task_id, row.task_token, row.run_sent_at) == (
        "running",
        "2221",
        "tok",
        101.0,
    )
    assert [r.id for r in reopened.generations_in_phases(["running"])] == [gid]
    reopened.close()


def test_unknown_columns_are_refused(store: HistoryStore) -> None:
    gid = store.create_generation(tool="t", params={}, expected_images=1, created_at=1)
    with pytest.raises(ValueError):
        store.update_generation(gid, **{"phase = 'x'; --": 1})


def test_add_image_is_idempotent(store: HistoryStore, tmp_path: Path) -> None:
    gid = store.create_generation(tool="t", params={}, expected_images=2, created_at=1)
    kwargs = dict(
        generation_id=gid, index=0, seed=5, sha256="ab", size=3, width=8, height=8, created_at=2.0
    )
    first = store.add_image(path=tmp_path / "a.png", **kwargs)
    second = store.add_image(path=tmp_path / "b.png", **kwargs)
    assert first.id == second.id and second.path == tmp_path / "a.png"
    assert len(store.images_for(gid)) == 1
    store.set_starred(first.id, True)
    assert store.image(first.id).starred
    store.set_deleted([first.id], True)
    assert store.images_for(gid) == [] and store.count_images() == 0


def test_spend_since(store: HistoryStore) -> None:
    a = store.create_generation(tool="t", params={}, expected_images=1, created_at=10)
    b = store.create_generation(tool="t", params={}, expected_images=1, created_at=20)
    store.update_generation(a, cost=0.5)
    store.update_generation(b, cost=0.25)
    assert store.spend_since(15) == pytest.approx(0.25)
    assert store.spend_since(0) == pytest.approx(0.75)


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    import app.storage.history as history

    monkeypatch.setattr(history, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE x (a); SELEC broken"))
    with pytest.raises(HistoryUnavailable) as caught:
        history.HistoryStore(path)
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT name FROM sqlite_master WHERE name='x'").fetchone() is None
