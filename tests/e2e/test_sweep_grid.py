"""The offline demo's headline sweep: 3×3 CFG × scheduler planned, priced, run, filled, exported.

Its screenshots of the planner and the filled grid go to a temporary folder, or to the folder
WIRO_SCREENSHOTS names; the README's come from
``WIRO_SCREENSHOTS=resources/screenshots tests/headless.sh .venv/bin/python -m pytest
tests/e2e/test_sweep_grid.py``.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QPlainTextEdit

from app.services.events import Phase
from app.storage.contact_sheet import read_sheet_metadata

SCREENSHOTS = os.environ.get("WIRO_SCREENSHOTS", "")


def _shoot(widget, name: str, tmp_path: Path) -> Path:
    """Grabs the widget as it is (grab() lays out and paints it; no processEvents here, which
    would re-enter the asyncio tasks this runs among)."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert widget.grab().save(str(path))
    return path


def test_demo_sweep_cfg_by_scheduler_fills_its_grid_and_exports_a_sheet(
    qloop, harness_factory, tmp_path
):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.resize(1600, 1000)
        window.show()
        window.form.set_values(
            {"prompt": "a lighthouse on a cliff at dusk", "width": 256, "height": 256, "samples": 1}
        )
        await harness.wait(lambda: controller.session.sweeps is not None, what="the runner")
        flow = window.sweep_flow
        editor = window.form.findChildren(QPlainTextEdit)[0]
        editor.setFocus()
        QTest.keyClick(editor, Qt.Key.Key_V)  # V is Vary, but typing in a text box wins
        assert editor.toPlainText().endswith("v")
        assert window.center.currentWidget() is not flow.grid
        window.form.set_values({"prompt": "a lighthouse on a cliff at dusk"})
        window.commands.action("sweep.explore").trigger()
        await harness.wait(lambda: flow.planner is not None, what="the planner")
        planner = flow.planner
        planner.set_axis(0, "scale", "4, 8-12 [2]")
        planner.set_axis(1, "scheduler", "Euler, DDIM, DPM++ 2M")
        assert planner.counts_label.text().startswith("9 tasks · 9 images")
        assert planner.rows[0].error_label.isHidden()
        await harness.wait(
            lambda: (
                "Estimated cost:" in planner.cost_label.text()
                and "working" not in planner.cost_label.text()
            ),
            what="the estimate",
        )
        assert "estimate" in planner.cost_label.text().lower()
        assert "Estimated time" in planner.time_label.text()
        _shoot(planner, "sweep-planner.png", tmp_path)

        planner.set_axis(0, "scale", "4, 99")  # out of the field's limits: an inline error
        assert not planner.rows[0].error_label.isHidden()
        assert not planner.run_button.isEnabled()
        planner.set_axis(0, "scale", "4, 8, 12")
        assert planner.run_button.isEnabled()
        planner.run_button.click()

        await harness.wait(lambda: flow.sweep_id is not None, what="the sweep")
        assert window.center.currentWidget() is flow.grid
        grid = flow.grid
        table = grid.tabs.widget(0)
        headers = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())]
        rows = [table.verticalHeaderItem(i).text() for i in range(table.rowCount())]
        assert headers == ["4", "8", "12"]
        assert len(rows) == 3 and rows[0].startswith("Euler")
        await harness.wait(lambda: grid.filled() == 9, timeout=60, what="nine thumbnails")
        runner = controller.session.sweeps
        await harness.wait(lambda: runner.sweep(flow.sweep_id).state == "done", what="done")
        await harness.wait(lambda: "Done · 9 of 9" in grid.status_label.text(), what="status")
        stored = [r for r in await runner.search("lighthouse") if r.id == flow.sweep_id]
        for _ in range(100):  # the state is written to history just after it is published
            if stored and stored[0].state == "done":
                break
            await asyncio.sleep(0.02)
            stored = [r for r in await runner.search("lighthouse") if r.id == flow.sweep_id]
        assert stored and stored[0].state == "done", "a finished sweep is done in history"
        assert not grid.stop_button.isEnabled()
        _shoot(window, "sweep-grid.png", tmp_path)
        window.resize(1024, 700)
        _shoot(window, "sweep-grid-1024.png", tmp_path)

        sheet = tmp_path / "sheet.png"
        paths = await flow.write_sheet(flow.sweep_id, sheet, 128)
        assert paths == [sheet]
        meta = read_sheet_metadata(sheet.read_bytes())
        assert meta is not None
        assert meta["axes"][0]["values"] == ["4", "8", "12"]
        assert meta["tasks"] == 9 and meta["axes"][1]["title"] == "Scheduler"

        first = next(iter(grid.tiles.values())).record
        assert first is not None
        flow.view(first.id)
        assert window.center.currentWidget() is window.viewer
        window.viewer.closed.emit()
        assert window.center.currentWidget() is grid
        states = [
            controller.studio.generation(g) for g in runner.sweep(flow.sweep_id).cells.values()
        ]
        assert all(s.phase is Phase.SUCCEEDED for s in states)
        first_sweep = flow.sweep_id

        # Promote a cell: same seed, twice the steps, linked to the image.
        before = {s.id for s in controller.studio.ledger.all()}
        flow.vary.promote(first.id)
        await harness.wait(
            lambda: len(controller.studio.ledger.all()) > len(before), what="promote"
        )
        promoted = next(s for s in controller.studio.ledger.all() if s.id not in before)
        assert promoted.params["steps"] == 40 and str(promoted.params["seed"]) == str(first.seed)

        # V on a tile selected in the gallery: N new seeds (N remembered) as a one-axis sweep.
        controller.session.settings.vary_count = 3
        window.show_gallery()
        await harness.wait(lambda: window.gallery.record(first.id) is not None, what="the tile")
        window.gallery.select_images([first.id])
        window.commands.action("image.vary").trigger()
        await harness.wait(lambda: flow.sweep_id not in (None, first_sweep), what="vary")
        assert window.center.currentWidget() is grid and len(grid.tiles) == 3
        await harness.wait(lambda: grid.filled() == 3, timeout=60, what="three varied images")
        seeds = {t.record.seed for t in grid.tiles.values()}
        assert len(seeds) == 3 and first.seed not in seeds

        vary_sweep = flow.sweep_id

        # Both sweeps are in history, searchable and reopenable.
        flow.show_history()
        history = flow.history
        await harness.wait(lambda: history.list.count() == 2, what="the sweeps list")
        history.search_edit.setText("no such sweep")
        await harness.wait(lambda: history.list.count() == 0, what="an empty search")
        assert history.empty_label.text() == "Nothing matches"
        history.search_edit.setText("Scheduler")
        await harness.wait(lambda: history.list.count() == 1, what="a search")
        history.open_button.click()
        await harness.wait(lambda: flow.sweep_id == first_sweep, what="reopened")
        await harness.wait(lambda: grid.filled() == 9, what="the reopened grid")

        # The gallery shows each sweep as one section, Vary's too, and opens its grid.
        gallery, model = window.gallery, window.gallery.model
        window.show_gallery()
        await harness.wait(
            lambda: (
                len(model.sweep_image_ids(first_sweep)) == 9
                and len(model.sweep_image_ids(vary_sweep)) == 3
                and runner.sweep(vary_sweep).state == "done"
            ),
            what="the sweeps' sections",
        )
        vary_title = model.index(model.sweep_header_row(vary_sweep)).data()
        assert vary_title.startswith("Vary · 3 seeds · $")
        sweep_row = model.sweep_header_row(first_sweep)
        sweep_title = model.index(sweep_row).data()
        assert sweep_title.startswith("Sweep · Guidance scale (CFG) × Scheduler · 9 cells · $")
        assert model.sweep_header_row(vary_sweep) < sweep_row, "newest first"
        assert gallery.image_ids()[:3] == model.sweep_image_ids(vary_sweep)
        for size, name in (((1600, 1000), "gallery-sweep-1600x1000.png"),
                           ((1024, 700), "gallery-sweep-1024x700.png")):  # fmt: skip
            window.resize(*size)
            await asyncio.sleep(0.2)
            gallery.view.scrollTo(
                model.index(sweep_row), QAbstractItemView.ScrollHint.PositionAtTop
            )
            await asyncio.sleep(0.2)
            await harness.wait(lambda: gallery.loader.pending_count() == 0, what="thumbnails")
            await asyncio.sleep(0.1)
            _shoot(window, name, tmp_path)
        gallery.sweep_open_requested.emit(vary_sweep)
        await harness.wait(lambda: flow.sweep_id == vary_sweep, what="the grid from the gallery")
        await harness.wait(lambda: grid.filled() == 3, what="its cells")
        assert window.center.currentWidget() is grid

        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
