"""A library of 10,000 images in ten sweeps of 250 cells: pages split sweeps, and the cells a
later page brings join their section in one insert per run, even with the view scrolled (an
insert above the top tile relayouts the view). Numbers are printed (-s), never asserted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.storage.history import HistoryStore
from app.storage.paths import AppPaths
from tests.support.heartbeat import Heartbeat
from tests.ui.library_support import harness_factory, qloop  # noqa: F401
from tests.ui.test_gallery_10k import GENERATIONS, PER_GENERATION, build_library

CELLS = 250  # generations per sweep: ten sweeps
pytestmark = pytest.mark.slow


def make_sweeps(root: Path) -> None:
    store = HistoryStore(AppPaths.under(root).database(demo=True))
    db = store._db
    db.execute("BEGIN")
    for n in range(GENERATIONS // CELLS):
        definition = {"axes": [{"title": "Steps", "target": "steps"}], "tasks": CELLS}
        db.execute(
            "INSERT INTO sweeps (id, tool, definition, title, created_at, state)"
            " VALUES (?, 't', ?, ?, ?, 'done')",
            (n + 1, json.dumps(definition), f"Steps: sweep {n}", 1_600_000_000.0 + n * CELLS * 60),
        )
    db.execute(f"UPDATE generations SET sweep_id = (id - 1) / {CELLS} + 1,"
               f" cell_index = (id - 1) % {CELLS}")  # fmt: skip
    db.execute("COMMIT")
    store.close()


def test_ten_sweeps_of_a_thousand_images_load_in_pages_with_the_view_scrolled(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    tmp_path: Path,
) -> None:
    harness = harness_factory(demo=True)
    build_library(tmp_path / "app", tmp_path / "pics")
    make_sweeps(tmp_path / "app")
    heartbeat = Heartbeat()
    gaps = heartbeat.gaps

    async def scenario() -> None:
        start = time.monotonic()
        heartbeat.start()
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.resize(1280, 800)
        flow, gallery = window.library_flow, window.gallery
        model = gallery.model
        inserts: list[int] = []
        model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
        await harness.wait(lambda: len(gallery.image_ids()) > 0, what="the first page")
        gallery.view.verticalScrollBar().setValue(3000)  # the artist scrolls while it loads
        await harness.wait(lambda: not flow.loading, timeout=60, what="all pages")
        loaded = time.monotonic() - start
        heartbeat.stop()
        assert len(gallery.image_ids()) == GENERATIONS * PER_GENERATION
        assert model.rowCount() == GENERATIONS * PER_GENERATION + GENERATIONS // CELLS
        newest = model.sweep_header_row(10)
        assert newest == 0 and model.index(0).data() == "Sweep · Steps · 250 cells · $0.875"
        cells = [model.locate(r)[1].cell for r in range(1, 1 + CELLS * PER_GENERATION)]
        assert cells == sorted(cells) and cells[0] == 0, "grid order across pages"
        assert len(inserts) < 40, f"{len(inserts)} inserts: the cells joined one by one"
        print(
            f"\n10 sweeps × 1,000 images: loaded {loaded:.2f}s in {len(inserts)} inserts; "
            f"event-loop gaps max {max(gaps) * 1000:.0f} ms over {len(gaps)} beats"
        )
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
