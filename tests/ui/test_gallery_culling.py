"""Culling from the keyboard on the gallery: S stars, X rejects (X again or Ctrl+Z undoes),
rejects dim, advance-after-mark walks a 100-image session without the mouse, and the filter
bar's reject and starred filters."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.services.events import GenerationState, ImageRecord, Phase
from app.services.library import ImageFilter
from app.ui.gallery.filter_bar import GalleryFilterBar
from app.ui.gallery.gallery import Gallery
from app.ui.widgets.thumbnails import ThumbnailLoader

PER_GENERATION = 4


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "p.png"
    Image.new("RGB", (64, 96), (200, 90, 60)).save(path)
    return path


def session(png: Path, count: int) -> tuple[list[ImageRecord], list[GenerationState]]:
    records, states = [], []
    for n in range(count // PER_GENERATION):
        gid = n + 1
        params = {"prompt": f"study {gid}", "width": 512, "height": 768, "seed": "1"}
        states.append(GenerationState(gid, params, Phase.SUCCEEDED, created_at=1000.0 + gid))
        for i in range(PER_GENERATION):
            image_id = n * PER_GENERATION + i + 1
            records.append(
                ImageRecord(
                    image_id, gid, i, 1 + i, png, "0" * 64, 1, 512, 768, created_at=1000.0 + gid
                )
            )
    return records, states


@pytest.fixture
def gallery(qtbot):
    loader = ThumbnailLoader(max_threads=1)
    widget = Gallery(loader)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    loader.shutdown(5000)


def press(gallery: Gallery, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(gallery.view, key, modifiers)


def test_x_rejects_x_again_takes_it_back_and_ctrl_z_undoes(qtbot, gallery, png) -> None:
    records, states = session(png, 8)
    gallery.set_images(records, states)
    marks: list[tuple[list[int], bool]] = []
    gallery.reject_toggled.connect(lambda ids, on: marks.append((list(ids), on)))
    gallery.select_images([5])
    gallery.view.setFocus()
    press(gallery, Qt.Key.Key_X)
    assert gallery.record(5).rejected and marks == [([5], True)]
    press(gallery, Qt.Key.Key_X)
    assert not gallery.record(5).rejected and marks[-1] == ([5], False)
    press(gallery, Qt.Key.Key_X)
    press(gallery, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not gallery.record(5).rejected and marks[-1] == ([5], False)
    press(gallery, Qt.Key.Key_S)
    assert gallery.record(5).starred
    press(gallery, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not gallery.record(5).starred
    gallery.context_menu()  # refreshes the texts
    assert gallery.reject_action.text() == "Reject"


def test_ctrl_z_is_left_to_undo_delete_when_no_mark_is_pending(qtbot, gallery, png) -> None:
    records, states = session(png, 4)
    gallery.set_images(records, states)
    event = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_Z,
                      Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    event.ignore()
    QApplication.sendEvent(gallery.view, event)
    assert not event.isAccepted()  # Edit → Undo delete gets the key
    gallery.select_images([1])
    press(gallery, Qt.Key.Key_X)
    event.ignore()
    QApplication.sendEvent(gallery.view, event)
    assert event.isAccepted()  # now Ctrl+Z takes the reject back first
    gallery.set_images(records, states)  # a reload forgets marks made on old records
    assert not gallery.culling.can_undo


def test_a_hundred_images_culled_from_the_keyboard(qtbot, gallery, png) -> None:
    records, states = session(png, 100)
    gallery.set_images(records, states)
    gallery.advance_action.setChecked(True)
    starred, rejected = [], []
    gallery.star_toggled.connect(lambda image_id, on: starred.append(image_id))
    gallery.reject_toggled.connect(lambda ids, on: rejected.extend(ids))
    order = gallery.image_ids()
    gallery.select_images([order[0]])
    gallery.view.setFocus()
    for n in range(100):
        press(gallery, Qt.Key.Key_S if n % 10 == 0 else Qt.Key.Key_X)
    assert len(starred) == 10 and len(rejected) == 90
    assert starred == [order[n] for n in range(0, 100, 10)]
    assert sorted(starred + rejected) == sorted(order)
    assert gallery.selected_image_ids() == [order[-1]]  # stays on the last one


def test_rejected_tiles_paint_dimmed(qtbot, gallery, png) -> None:
    records, states = session(png, 4)
    gallery.set_images(records, states)
    gallery.view.viewport().repaint()  # asks the loader for the thumbnail
    qtbot.waitUntil(lambda: gallery.loader.best_cached(png) is not None)
    rect = gallery.view.visualRect(gallery.model.index(gallery.model.row_of_image(2)))
    before = gallery.view.viewport().grab(rect).toImage()
    gallery.culling.set_rejected([2], True)
    after = gallery.view.viewport().grab(rect).toImage()
    centre = rect.center() - rect.topLeft()
    lit, dim = before.pixelColor(centre), after.pixelColor(centre)
    base = gallery.view.palette().color(QPalette.ColorRole.Base)

    def distance(a, b) -> int:
        return sum(abs(x - y) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))

    assert distance(dim, base) < distance(lit, base) - 60  # it fades towards the background


def test_filter_bar_reject_filters_and_a_clearly_different_starred_state(qtbot) -> None:
    bar = GalleryFilterBar()
    qtbot.addWidget(bar)
    seen: list[ImageFilter] = []
    bar.filter_changed.connect(seen.append)
    texts = [bar.rejects.itemText(i) for i in range(bar.rejects.count())]
    assert texts == ["All images", "Hide rejected", "Rejected only"]
    bar.rejects.setCurrentIndex(1)
    bar.rejects.setCurrentIndex(2)
    assert [q.rejected for q in seen] == [False, True]
    off = bar.starred.text()
    bar.starred.click()
    assert seen[-1].starred_only and bar.starred.text() != off and "★" in bar.starred.text()
    bar.set_query(ImageFilter(rejected=False))
    assert bar.rejects.currentIndex() == 1 and bar.starred.text() == off


def test_flat_grid_drops_the_headers_and_packs_generations_together(qtbot, gallery, png) -> None:
    records, states = session(png, 8)
    gallery.set_images(records, states)
    gallery.set_tile_size(120)  # five columns: one generation's 4 images and the next's first
    view, model = gallery.view, gallery.model
    view.executeDelayedItemsLayout()
    header = view.visualRect(model.index(model.header_row(1)))
    assert header.height() > 0
    gallery.group_action.setChecked(False)
    view.executeDelayedItemsLayout()
    header = view.visualRect(model.index(model.header_row(1)))
    first, later = (view.visualRect(model.index(model.row_of_image(i))) for i in (5, 1))
    assert header.height() == 0
    assert later.top() == first.top()  # generation 1 continues generation 2's row
    gallery.group_action.setChecked(True)
    view.executeDelayedItemsLayout()
    assert view.visualRect(model.index(model.header_row(1))).height() > 0


def test_a_mark_that_leaves_the_filter_hides_the_tile_and_moves_on(qtbot, gallery, png) -> None:
    records, states = session(png, 8)
    gallery.set_images(records, states)
    hide_rejects = ImageFilter(rejected=False)

    def accepts(_state, record) -> bool:
        return record is None or record.rejected == hide_rejects.rejected

    gallery.set_live_filter(accepts)
    order = gallery.image_ids()
    gallery.select_images([order[0]])
    gallery.view.setFocus()
    press(gallery, Qt.Key.Key_X)
    row = gallery.model.row_of_image(order[0])
    assert gallery.view.isRowHidden(row)
    assert gallery.selected_image_ids() == [order[1]]  # the next one, without advance on
    press(gallery, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not gallery.view.isRowHidden(row) and not gallery.record(order[0]).rejected


def test_the_viewer_marks_through_the_same_culling_and_undo(qtbot, gallery, png) -> None:
    records, states = session(png, 4)
    gallery.set_images(records, states)
    stars, rejects = [], []
    gallery.star_toggled.connect(lambda image_id, on: stars.append((image_id, on)))
    gallery.reject_toggled.connect(lambda ids, on: rejects.append((list(ids), on)))
    gallery.culling.set_starred([2], True)
    gallery.culling.set_rejected([3], True)
    assert gallery.record(2).starred and gallery.record(3).rejected
    assert stars == [(2, True)] and rejects == [([3], True)]
    assert "Rejected" in gallery.model.data(
        gallery.model.index(gallery.model.row_of_image(3)), Qt.ItemDataRole.ToolTipRole
    )
    gallery.culling.undo()
    gallery.culling.undo()
    assert not gallery.record(2).starred and not gallery.record(3).rejected
