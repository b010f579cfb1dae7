"""Sweeps in the history database: the sweep, its cells ↔ generations, and linked generations.

A sweep's rows live beside the generations in the same SQLite file; this module shares
:class:`HistoryStore`'s connection and lock so that every write stays serialised and a
generation is created together with its link in one statement (crash-safe: a cell either
has its generation on disk or was never submitted).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.estimate import PastRun
from app.core.sweep_model import Axis, AxisValue, Cell, SweepPlan, SweepSpec
from app.storage.history import HistoryStore
from app.storage.history_queries import fts_query, search_words

RUNNING = "running"
DONE = "done"
STOPPED = "stopped"
ENOUGH = "enough"
HELD_PREFIX = "held: "


@dataclass(frozen=True)
class GenerationLink:
    """What ties a new generation to a sweep cell and/or to the image it was made from."""

    sweep_id: int | None = None
    cell_index: int | None = None
    parent_image_id: int | None = None
    operation: dict[str, Any] | None = None  # {"kind": "promote"|"upscale"|"reimagine", ...}


@dataclass(frozen=True)
class CellGeneration:
    """One cell's generation as the sweep needs it (its full row lives in ``generations``)."""

    cell_index: int
    generation_id: int
    phase: str
    cost: float | None
    status: str = ""


@dataclass(frozen=True)
class SweepRow:
    """A sweeps row as Python values; ``definition`` is :meth:`SweepPlan.definition`."""

    id: int
    tool: str
    definition: dict[str, Any]
    title: str
    created_at: float
    state: str
    caps: dict[str, Any] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return self.state.startswith(HELD_PREFIX)

    @property
    def tasks(self) -> int:
        return int(self.definition.get("tasks") or 0)

    @property
    def cells(self) -> tuple[Cell, ...]:
        """The cells as they were planned (stored, so wildcard files may change later)."""
        return tuple(_cell(c) for c in self.definition.get("cells") or () if isinstance(c, dict))

    def plan(self) -> SweepPlan:
        """The plan as stored: axes with their labels and the cells, with no wildcard file
        or schema needed (for the grid and the contact sheet)."""
        d = self.definition
        axes = tuple(
            Axis(
                str(a.get("name") or ""),
                str(a.get("target") or ""),
                str(a.get("title") or ""),
                tuple(AxisValue(str(v)) for v in a.get("values") or ()),
            )
            for a in d.get("axes") or ()
            if isinstance(a, dict)
        )
        spec = d.get("spec")
        base = d.get("base")
        return SweepPlan(
            self.tool,
            SweepSpec.from_json(spec if isinstance(spec, dict) else {}),
            axes,
            self.cells,
            (),
            dict(base) if isinstance(base, dict) else {},
        )


@dataclass(frozen=True)
class SweepRecord:
    """A sweep with its cells' generations, by cell index."""

    sweep: SweepRow
    cells: dict[int, CellGeneration]


def held_state(message: str) -> str:
    """The state of a sweep held for ``message`` (a cap check's "Held: …" sentence)."""
    return HELD_PREFIX + message.removeprefix("Held: ")


class SweepStore:
    """Reads and writes sweeps; every method blocks on disk (run it on the database thread)."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history

    def _execute(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        return self.history._db.execute(sql, args)  # one connection, serialised by its lock

    def _write(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        """A write, after the same disk check as HistoryStore's own writes (call under lock)."""
        self.history.ensure_on_disk()
        return self._execute(sql, args)

    # -- sweeps ---------------------------------------------------------------------------

    def create(
        self,
        *,
        tool: str,
        definition: dict[str, Any],
        title: str,
        created_at: float,
        caps: dict[str, Any] | None = None,
        state: str = RUNNING,
    ) -> int:
        with self.history._lock:
            cur = self._write(
                "INSERT INTO sweeps (tool, definition, title, created_at, state, caps)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (tool, _dumps(definition), title, created_at, state, _dumps(caps or {})),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]  # set after an INSERT

    def sweep(self, sweep_id: int) -> SweepRow | None:
        with self.history._lock:
            row = self._execute("SELECT * FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
        return _sweep(row) if row else None

    def set_state(self, sweep_id: int, state: str) -> None:
        with self.history._lock:
            self._write("UPDATE sweeps SET state = ? WHERE id = ?", (state, sweep_id))

    def set_caps(self, sweep_id: int, caps: dict[str, Any]) -> None:
        with self.history._lock:
            self._write("UPDATE sweeps SET caps = ? WHERE id = ?", (_dumps(caps), sweep_id))

    def list_sweeps(self, limit: int = 200, offset: int = 0) -> list[SweepRow]:
        """Newest first."""
        with self.history._lock:
            rows = self._execute(
                "SELECT * FROM sweeps ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [_sweep(r) for r in rows]

    def rows(self, sweep_ids: list[int]) -> list[SweepRow]:
        """These sweeps (those that exist), by id."""
        out = self._in_chunks("SELECT * FROM sweeps WHERE id IN ({marks}) ORDER BY id", sweep_ids)
        return [_sweep(r) for r in out]

    def progress(self, sweep_ids: list[int], final: Iterable[str]) -> dict[int, tuple[int, float]]:
        """(cells ended in one of the ``final`` phases, recorded cost) of each sweep."""
        phases = ",".join(f"'{p}'" for p in final if p.isalpha())
        rows = self._in_chunks(
            f"SELECT sweep_id, COUNT(DISTINCT CASE WHEN phase IN ({phases}) THEN cell_index END)"
            " AS done, COALESCE(SUM(cost), 0) AS spent FROM generations"
            " WHERE sweep_id IN ({marks}) GROUP BY sweep_id",
            sweep_ids,
        )
        return {int(r["sweep_id"]): (int(r["done"]), float(r["spent"])) for r in rows}

    def _in_chunks(self, sql: str, ids: list[int]) -> list[sqlite3.Row]:
        out: list[sqlite3.Row] = []
        with self.history._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                out += self._execute(sql.replace("{marks}", marks), chunk).fetchall()
        return out

    def in_states(self, *states: str) -> list[SweepRow]:
        marks = ",".join("?" for _ in states)
        with self.history._lock:
            rows = self._execute(
                f"SELECT * FROM sweeps WHERE state IN ({marks}) ORDER BY id", states
            ).fetchall()
        return [_sweep(r) for r in rows]

    def unfinished(self) -> list[SweepRow]:
        """Sweeps left running or held, oldest first (what a restart re-attaches)."""
        with self.history._lock:
            rows = self._execute(
                "SELECT * FROM sweeps WHERE state = ? OR substr(state, 1, ?) = ? ORDER BY id",
                (RUNNING, len(HELD_PREFIX), HELD_PREFIX),
            ).fetchall()
        return [_sweep(r) for r in rows]

    def search(self, text: str, limit: int = 200) -> list[SweepRow]:
        """Sweeps whose title, base prompt or any cell's prompt has every word of ``text``."""
        words = search_words(text)
        if not words:
            return self.list_sweeps(limit)
        clauses: list[str] = []
        args: list[Any] = []
        for word in words:
            like = f"%{_escape_like(word)}%"
            clauses.append(
                "(title LIKE ? ESCAPE '\\' OR (json_valid(definition) AND "
                "json_extract(definition, '$.base.prompt') LIKE ? ESCAPE '\\'))"
            )
            args += [like, like]
        sql = "SELECT * FROM sweeps WHERE (" + " AND ".join(clauses) + ")"
        match = fts_query(text)
        if match is not None:
            sql += (
                " OR id IN (SELECT g.sweep_id FROM generations g JOIN generations_fts f"
                " ON f.rowid = g.id WHERE g.sweep_id IS NOT NULL AND generations_fts MATCH ?)"
            )
            args.append(match)
        with self.history._lock:
            rows = self._execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
        return [_sweep(r) for r in rows]

    # -- cells ----------------------------------------------------------------------------

    def cells(self, sweep_id: int) -> dict[int, CellGeneration]:
        """Each submitted cell's generation (the first, should a cell have two)."""
        with self.history._lock:
            rows = self._execute(
                "SELECT id, cell_index, phase, cost, status FROM generations"
                " WHERE sweep_id = ? ORDER BY cell_index, id",
                (sweep_id,),
            ).fetchall()
        out: dict[int, CellGeneration] = {}
        for r in rows:
            if r["cell_index"] is not None and r["cell_index"] not in out:
                out[r["cell_index"]] = CellGeneration(
                    r["cell_index"], r["id"], r["phase"], r["cost"], r["status"]
                )
        return out

    def load(self, sweep_id: int) -> SweepRecord | None:
        row = self.sweep(sweep_id)
        return None if row is None else SweepRecord(row, self.cells(sweep_id))

    def create_generation(
        self,
        *,
        tool: str,
        params: dict[str, Any],
        expected_images: int,
        created_at: float,
        link: GenerationLink,
        phase: str = "pending",
    ) -> int:
        """:meth:`HistoryStore.create_generation` with its link written in the same row."""
        with self.history._lock:
            cur = self._write(
                "INSERT INTO generations (tool, params, phase, created_at, expected_images,"
                " sweep_id, cell_index, parent_image_id, operation)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tool,
                    _dumps(params),
                    phase,
                    created_at,
                    expected_images,
                    link.sweep_id,
                    link.cell_index,
                    link.parent_image_id,
                    None if link.operation is None else _dumps(link.operation),
                ),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]  # set after an INSERT

    def link(self, generation_id: int) -> GenerationLink | None:
        """The sweep cell and parent of a generation, or None when it has neither."""
        return self.links([generation_id]).get(generation_id)

    def links(self, generation_ids: Iterable[int]) -> dict[int, GenerationLink]:
        """The links of those generations that have one (to group a gallery page by sweep)."""
        ids = list(dict.fromkeys(int(g) for g in generation_ids))
        out: dict[int, GenerationLink] = {}
        with self.history._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" for _ in chunk)
                rows = self._execute(
                    "SELECT id, sweep_id, cell_index, parent_image_id, operation FROM generations"
                    f" WHERE id IN ({marks}) AND (sweep_id IS NOT NULL"
                    " OR parent_image_id IS NOT NULL OR operation IS NOT NULL)",
                    chunk,
                ).fetchall()
                for r in rows:
                    operation = _loads(r["operation"], None)
                    out[int(r["id"])] = GenerationLink(
                        r["sweep_id"],
                        r["cell_index"],
                        r["parent_image_id"],
                        operation if isinstance(operation, dict) else None,
                    )
        return out

    def children(self, image_id: int) -> list[int]:
        """Generations made from this image (promotions and other operations), oldest first."""
        with self.history._lock:
            rows = self._execute(
                "SELECT id FROM generations WHERE parent_image_id = ? ORDER BY id", (image_id,)
            ).fetchall()
        return [int(r["id"]) for r in rows]


def cell_json(cell: Cell) -> dict[str, Any]:
    """A cell for the stored definition's ``cells`` list."""
    return {
        "index": cell.index,
        "x": cell.x,
        "y": cell.y,
        "z": cell.z,
        "params": cell.params,
        "labels": list(cell.labels),
    }


def _cell(data: dict[str, Any]) -> Cell:
    return Cell(
        int(data["index"]),
        int(data.get("x") or 0),
        int(data.get("y") or 0),
        int(data.get("z") or 0),
        dict(data.get("params") or {}),
        tuple(str(label) for label in data.get("labels") or ()),
    )


def past_runs(history: HistoryStore, limit: int = 500) -> list[PastRun]:
    """The latest ended generations for estimates. A run's time is the wall time from Run
    to its end (what a sweep waits for), Wiro's ``elapsed_seconds`` when that is unknown."""
    out = []
    for row in history.recent_generations(limit):
        if row.phase not in ("succeeded", "failed"):
            continue
        seconds = row.elapsed_seconds
        if row.finished_at is not None and row.run_sent_at is not None:
            seconds = max(0.0, row.finished_at - row.run_sent_at)
        out.append(
            PastRun.from_params(
                row.tool,
                row.params,
                images=row.expected_images,
                cost=row.cost,
                seconds=seconds,
                succeeded=row.phase == "succeeded",
            )
        )
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str | None, fallback: Any) -> Any:
    if not text:
        return fallback
    try:
        return json.loads(text)
    except ValueError:
        return fallback


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sweep(row: sqlite3.Row) -> SweepRow:
    definition = _loads(row["definition"], {})
    caps = _loads(row["caps"], {})
    return SweepRow(
        id=row["id"],
        tool=row["tool"],
        definition=definition if isinstance(definition, dict) else {},
        title=row["title"],
        created_at=row["created_at"],
        state=row["state"],
        caps=caps if isinstance(caps, dict) else {},
    )
