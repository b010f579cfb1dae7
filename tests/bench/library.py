"""A big demo library for the start and memory benchmarks: N images in 4-image generations.

Honest where it matters for the client, cheap where it does not:

- every image row has its own file path in the library's usual layout (month folders,
  ``g000123-t…-02.png``), so per-path caches (pixmaps, the gallery's path index) see N
  distinct images; the files are hard links to a pool of real 512×512 PNGs made by the
  emulator's renderer, so each tile is still decoded from a real file (and 10,000 images do
  not need a gigabyte of disk);
- every row has its own sha256 (derived from its content's digest and its id), so the disk
  thumbnail cache, keyed by sha256, makes one thumbnail per row as it would for a real
  library; the digest is therefore not the file's (nothing in the gallery checks it);
- rows are written by the app's own HistoryStore schema (migrated by HistoryStore), in one
  transaction; params are the tool's defaults through the same validation the form uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

SOURCES = 24
PER_GENERATION = 4
SIDE = 512
WORDS = [
    "lighthouse", "cliff", "dusk", "forest", "river", "castle", "portrait", "cyborg",
    "dragon", "meadow", "city", "night", "neon", "mountain", "lake", "fox", "owl", "garden",
    "desert", "ruins", "ship", "storm", "aurora", "temple",
]  # fmt: skip


def _sources(folder: Path) -> list[tuple[Path, str, int]]:
    from app.emulator.images import render_png

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(SOURCES):
        path = folder / f"source-{i:02d}.png"
        if not path.exists():
            path.write_bytes(render_png(f"library {WORDS[i % len(WORDS)]}", 77, i, SIDE, SIDE))
        data = path.read_bytes()
        out.append((path, hashlib.sha256(data).hexdigest(), len(data)))
    return out


def _link(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def build_library(root: Path, images: int) -> dict[str, Any]:
    """Writes a demo-profile library of ``images`` images under ``AppPaths.under(root)``."""
    from app.core.params import validate
    from app.services.schema_cache import bundled_schema
    from app.storage.history import HistoryStore
    from app.storage.library import library_path
    from app.storage.paths import AppPaths

    began = time.perf_counter()
    paths = AppPaths.under(root)
    db_path, library_dir = paths.database(True), paths.library_dir(True)
    HistoryStore(db_path).close()  # creates and migrates the schema the app expects
    schema = bundled_schema()
    defaults = validate(schema, {"prompt": "x"}).params
    pool = _sources(root / "sources")
    generations = (images + PER_GENERATION - 1) // PER_GENERATION
    now = time.time()
    db = sqlite3.connect(db_path, isolation_level=None)
    try:
        db.execute("BEGIN")
        for g in range(generations):
            created = now - (generations - g) * 900.0
            words = " ".join(WORDS[(g * 7 + k) % len(WORDS)] for k in range(6))
            params = dict(defaults, prompt=f"{words}, detailed, volumetric light", seed=str(g))
            count = min(PER_GENERATION, images - g * PER_GENERATION)
            task_id = str(900_000_000 + g)
            cur = db.execute(
                "INSERT INTO generations (tool, params, phase, status, task_id, task_token,"
                " created_at, run_sent_at, started_at, finished_at, elapsed_seconds, cost,"
                " expected_images) VALUES (?, ?, 'succeeded', 'task_postprocess_end',"
                " ?, ?, ?, ?, ?, ?, 9.5, 0.0042, ?)",
                (
                    schema.slug,
                    json.dumps(params),
                    task_id,
                    f"token{g:025d}",
                    created,
                    created + 0.2,
                    created + 1.0,
                    created + 11.0,
                    count,
                ),
            )
            gid = int(cur.lastrowid or 0)
            for i in range(count):
                source, digest, size = pool[(g + i) % SOURCES]
                dest = library_path(
                    library_dir, generation_id=gid, task_id=task_id, index=i, ext=".png",
                    when=created,
                )  # fmt: skip
                _link(source, dest)
                row_sha = hashlib.sha256(f"{digest}:{gid}:{i}".encode()).hexdigest()
                db.execute(
                    "INSERT INTO images (generation_id, idx, seed, path, sha256, size, width,"
                    " height, starred, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (gid, i, g + i, str(dest), row_sha, size, SIDE, SIDE, int(g % 23 == 0),
                     created + 11.0),
                )  # fmt: skip
        db.execute("COMMIT")
    finally:
        db.close()
    return {
        "images": images,
        "generations": generations,
        "source_files": SOURCES,
        "seconds": round(time.perf_counter() - began, 2),
    }
