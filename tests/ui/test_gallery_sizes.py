"""The real window's gallery: tile sizes at 1280×800 and 1600×1000 (true-shaped, growing with
the window), the size slider remembered in settings, and honest empty states. Set
GALLERY_SHOTS=<folder> to also save screens at 1024×700 and 1600×1000 (to look at). Also: rejects
stored, filtered and deleted together, search by seed or task id, Ctrl+F."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.services.events import Phase
from app.ui.gallery.delegate import CELL_PAD, DEFAULT_TILE, MAT
from app.ui.gallery.view import EMPTY_TEXT
from tests.ui.library_support import harness_factory, qloop, started  # noqa: F401


async def _generate(harness, controller, prompt: str, width: int, height: int) -> list[int]:
    values = {"prompt": prompt, "samples": 2, "width": width, "height": height, "steps": 4}
    state = await controller.studio.submit(values)
    gallery = controller.window.gallery
    await harness.wait(
        lambda: (
            controller.studio.generation(state.id).phase is Phase.SUCCEEDED
            and len(gallery.image_ids(state.id)) == 2
        ),
        what=prompt,
    )
    return gallery.image_ids(state.id)


async def _settled_sizes(gallery, square: int, portrait: int):
    """The tile sizes once the relayout after a resize has settled (two equal reads)."""
    last = None
    for _ in range(60):  # bounded: 3 s at most
        await asyncio.sleep(0.05)
        now = (gallery.picture_size(square), gallery.picture_size(portrait))
        if now == last:
            return now
        last = now
    return last


def test_tiles_are_big_true_shaped_and_grow_with_the_window(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
) -> None:
    harness = harness_factory(demo=True)
    shots = os.environ.get("GALLERY_SHOTS")

    async def scenario() -> None:
        controller = await started(harness)
        window, gallery = controller.window, controller.window.gallery
        flow = window.library_flow
        await harness.wait(lambda: not flow.loading, what="the empty library")
        assert gallery.view.empty_text() == EMPTY_TEXT
        square = await _generate(harness, controller, "a koi pond, ink wash", 512, 512)
        portrait = await _generate(harness, controller, "a lighthouse in a storm", 512, 768)
        gallery.set_tile_size(DEFAULT_TILE)  # the default, whatever an earlier test chose
        gallery.culling.set_rejected([portrait[1]], True)
        gallery.culling.toggle_star([gallery.record(portrait[0])])
        window.show()
        sizes, wanted = {}, {}
        for w, h in ((1280, 800), (1600, 1000), (1024, 700)):
            window.resize(w, h)
            await harness.wait(lambda w=w: window.width() == w, what="the resize")
            sq, pt = await _settled_sizes(gallery, square[0], portrait[0])
            sizes[w] = (sq, pt)
            wanted[w] = gallery.view._delegate.target_side()
            # never smaller than the size chosen (the picture sits inside its padding and mat)
            assert sq.width() >= wanted[w] - 2 * (CELL_PAD + MAT + 2)
            print(
                f"{w}x{h}: square {sq.width()}x{sq.height()}, portrait {pt.width()}x{pt.height()}"
            )
            if shots and w != 1280:
                await harness.wait(lambda: gallery.loader.pending_count() == 0, what="thumbs")
                await asyncio.sleep(0.1)
                window.grab().save(str(Path(shots) / f"gallery-{w}x{h}.png"))
        if shots:
            window.resize(1600, 1000)
            gallery.group_action.setChecked(False)
            await asyncio.sleep(0.1)
            window.grab().save(str(Path(shots) / "gallery-flat-1600x1000.png"))
            gallery.group_action.setChecked(True)
            window.resize(1280, 800)
        sq, pt = sizes[1280]
        assert min(sq.width(), sq.height()) >= 240  # a square tile: ≥ 240 on each side
        assert pt.height() > pt.width() * 1.4  # a portrait stays a portrait
        assert wanted[1600] > wanted[1280]  # the wanted size grows with the window

        before = gallery.tile_size()
        gallery.view.setFocus()
        QTest.keyClick(gallery.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
        smaller = gallery.tile_size()
        assert smaller < before and flow.filter_bar.size_slider.value() == smaller
        assert controller.settings.gallery_tile_size == smaller
        QTest.keyClick(gallery.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
        assert gallery.tile_size() > smaller
        flow.filter_bar.size_slider.setValue(200)
        assert gallery.tile_size() == 200 and controller.settings.gallery_tile_size == 200

        flow.filter_bar.search.setText("zebra")
        flow.filter_bar._emit()
        await harness.wait(lambda: not flow.loading and not gallery.image_ids(), what="search")
        assert gallery.view.empty_text() == "Nothing matches 'zebra'."
        if shots:
            flow.filter_bar.starred.setChecked(True)
            await asyncio.sleep(0.05)
            window.grab().save(str(Path(shots) / "gallery-nomatch-1024x700.png"))
        await harness.stop()

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize("search", ["seed", "task"])
def test_search_finds_a_seed_or_a_task_id(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    search: str,
) -> None:
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await started(harness)
        flow, gallery = controller.window.library_flow, controller.window.gallery
        ids = await _generate(harness, controller, "a paper boat", 64, 64)
        await _generate(harness, controller, "a red fox", 64, 64)
        record = gallery.record(ids[1])
        state = controller.studio.generation(record.generation_id)
        text = str(record.seed) if search == "seed" else str(state.task_id)
        flow.filter_bar.search.setText(text)
        flow.filter_bar._emit()
        await harness.wait(lambda: not flow.loading, what="the search")
        shown = [gallery.record(i) for i in gallery.image_ids()]
        assert ids[1] in [r.id for r in shown]
        if search == "seed":
            assert all(r.seed == record.seed for r in shown)
        else:
            assert all(r.generation_id == record.generation_id for r in shown)
        await harness.stop()

    qloop.run_until_complete(scenario())


def test_rejects_are_stored_filtered_and_deleted_together_undoably(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
) -> None:
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await started(harness)
        window, gallery = controller.window, controller.window.gallery
        flow, bar = window.library_flow, window.library_flow.filter_bar
        flow.reload()
        assert gallery.view.empty_text() == "Loading…"  # never the first-run text meanwhile
        await harness.wait(lambda: not flow.loading, what="the library")
        ids = await _generate(harness, controller, "a koi pond", 64, 64)
        kept = await _generate(harness, controller, "a red fox", 64, 64)
        gallery.select_images(ids)
        gallery.view.setFocus()
        QTest.keyClick(gallery.view, Qt.Key.Key_X)
        studio = controller.studio
        rejected: list[int] = []
        for _ in range(200):  # the mark is stored off the GUI thread
            rejected = await studio.rejected_ids()
            if sorted(rejected) == sorted(ids):
                break
            await asyncio.sleep(0.01)
        assert sorted(rejected) == sorted(ids)

        bar.rejects.setCurrentIndex(1)  # hide rejected
        await harness.wait(lambda: not flow.loading and sorted(gallery.image_ids()) == sorted(kept))
        bar.rejects.setCurrentIndex(2)  # rejected only: read back from the database
        await harness.wait(lambda: not flow.loading and sorted(gallery.image_ids()) == sorted(ids))
        assert all(gallery.record(i).rejected for i in ids)

        bar.rejects.setCurrentIndex(0)
        await harness.wait(lambda: not flow.loading and len(gallery.image_ids()) == 4)
        gallery.delete_rejected_action.trigger()
        await harness.wait(lambda: getattr(flow, "delete_box", None) is not None, what="asked")
        assert "Delete 2 images" in flow.delete_box.text()
        next(b for b in flow.delete_box.buttons() if b.text() == "Delete").click()
        await harness.wait(lambda: sorted(gallery.image_ids()) == sorted(kept), what="deleted")
        window.commands.action("edit.undo_delete").trigger()
        await harness.wait(lambda: len(gallery.image_ids()) == 4, what="undo")

        window.show()
        window.activateWindow()
        await harness.wait(lambda: QApplication.activeWindow() is window, what="active")
        gallery.view.setFocus()
        QTest.keyClick(gallery.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert bar.search.hasFocus()  # Ctrl+F in the gallery finds in the gallery
        await harness.stop()

    qloop.run_until_complete(scenario())
