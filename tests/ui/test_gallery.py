"""Gallery: grouping, lazy off-thread thumbnails, selection, actions, stars and drag-out."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.services.events import GenerationState, ImageRecord, Phase
from app.ui.gallery.delegate import GalleryDelegate
from app.ui.gallery.gallery import Gallery
from app.ui.gallery.model import (
    DETAIL_ROLE,
    STARRED_ROLE,
    URI_LIST,
    GalleryModel,
    RowKind,
    file_mime_data,
)
from app.ui.widgets import thumbnails
from app.ui.widgets.thumbnails import ThumbnailLoader

COLORS = [(210, 60, 60), (60, 180, 90), (60, 90, 210), (230, 200, 60)]


def params(prompt: str = "a red fox in the snow", seed: int = 123456) -> dict:
    return {"prompt": prompt, "steps": 20, "scale": 7.5, "seed": str(seed),
            "scheduler": "EulerDiscreteScheduler", "width": 512, "height": 512}  # fmt: skip


def state(gen_id: int, *, phase=Phase.SUCCEEDED, expected=0, created=0.0, images=(), **kw):
    return GenerationState(
        gen_id, params(**kw), phase, created_at=created or 1000.0 + gen_id,
        expected_images=expected, images=tuple(images),
    )  # fmt: skip


def record(image_id: int, gen_id: int, index: int, path: Path, *, seed=None, starred=False):
    seed = 123456 + index if seed is None else seed
    return ImageRecord(
        image_id, gen_id, index, seed, path, "0" * 64, 1, 512, 512,
        starred=starred, created_at=1000.0 + gen_id,
    )  # fmt: skip


@pytest.fixture
def pngs(tmp_path: Path) -> list[Path]:
    paths = []
    for i, color in enumerate(COLORS):
        path = tmp_path / f"image-{i}.png"
        Image.new("RGB", (512, 512), color).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def decodes(monkeypatch) -> list[tuple[int, str]]:
    calls: list[tuple[int, str]] = []
    real = thumbnails.decode_image

    def spy(path: str, max_side: int):
        calls.append((threading.get_ident(), path))
        return real(path, max_side)

    monkeypatch.setattr(thumbnails, "decode_image", spy)
    return calls


@pytest.fixture
def gallery(qtbot):
    loader = ThumbnailLoader(max_threads=2)
    widget = Gallery(loader)
    qtbot.addWidget(widget)
    widget.set_tile_size(150)  # several columns in this small window
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    loader.shutdown(5000)


def two_generations(pngs):
    older = [record(1, 1, 0, pngs[0]), record(2, 1, 1, pngs[1])]
    newer = [record(3, 2, 0, pngs[2]), record(4, 2, 1, pngs[3]), record(5, 2, 2, pngs[0])]
    return older, newer


def test_add_image_shows_it_and_the_thumbnail_arrives_off_thread(qtbot, gallery, pngs, decodes):
    gallery.add_image(record(1, 7, 0, pngs[0]), state(7))
    model = gallery.model
    assert model.rowCount() == 2
    assert model.kind(0) == RowKind.HEADER and model.kind(1) == RowKind.IMAGE
    side = gallery.view.thumbnail_side()
    qtbot.waitUntil(lambda: gallery.loader.cached(pngs[0], side) is not None, timeout=5000)
    assert decodes and all(thread != threading.get_ident() for thread, _ in decodes)
    shot = gallery.view.viewport().grab().toImage()
    center = gallery.view.visualRect(model.index(1)).center()
    assert QImage(shot).pixelColor(center).getRgb()[:3] == COLORS[0]


def test_images_are_grouped_under_generation_headers_newest_first(gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2, prompt="castle at night")])
    model = gallery.model
    kinds = [model.kind(r) for r in range(model.rowCount())]
    head, tile = RowKind.HEADER, RowKind.IMAGE
    assert kinds == [head, tile, tile, tile, head, tile, tile]
    assert model.index(0).data() == "castle at night"
    assert "20 steps" in model.index(0).data(DETAIL_ROLE)
    assert "3 images" in model.index(0).data(DETAIL_ROLE)
    assert gallery.image_ids() == [3, 4, 5, 1, 2]
    assert gallery.image_ids(1) == [1, 2]


def test_headers_span_the_row_and_tiles_wrap_below(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    view, model = gallery.view, gallery.model
    view.executeDelayedItemsLayout()
    header, first, second = (view.visualRect(model.index(r)) for r in (0, 1, 2))
    assert header.width() > 3 * first.width()
    assert first.top() >= header.bottom() and first.top() == second.top()
    assert second.left() == first.right() + 1
    next_header = view.visualRect(model.index(4))
    assert next_header.left() == header.left() and next_header.top() > first.bottom()


def test_seed_labels_mark_derived_seeds_as_assumed(gallery, pngs):
    older, _ = two_generations(pngs)
    gallery.set_images(older, [state(1)])
    assert gallery.model.index(1).data() == "seed 123456"
    assert gallery.model.index(2).data() == "seed 123457 (assumed)"
    assert "assume" in gallery.model.index(2).data(Qt.ItemDataRole.ToolTipRole)


def test_placeholders_fill_in_as_images_land_and_go_when_finished(gallery, pngs):
    running = state(3, phase=Phase.RUNNING, expected=3)
    running = replace(running, step=5, total_steps=20)
    gallery.add_generation_placeholder(running)
    model = gallery.model
    assert [model.kind(r) for r in range(4)] == [RowKind.HEADER] + [RowKind.PLACEHOLDER] * 3
    assert model.index(1).data(DETAIL_ROLE) == "generating 5/20"
    assert model.index(3).data() == "seed 123458 (assumed)"
    gallery.add_image(record(10, 3, 1, pngs[1]), running)
    assert model.rowCount() == 4 and model.kind(2) == RowKind.IMAGE
    done = replace(running, phase=Phase.SUCCEEDED, images=(record(10, 3, 1, pngs[1]),))
    gallery.update_generation(done)
    assert model.rowCount() == 2 and model.kind(1) == RowKind.IMAGE


def test_failed_generation_without_images_disappears(gallery):
    gallery.add_generation_placeholder(state(4, phase=Phase.RUNNING, expected=2))
    assert gallery.model.rowCount() == 3
    gallery.update_generation(state(4, phase=Phase.FAILED))
    assert gallery.model.rowCount() == 0


def test_update_and_remove_images(gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.update_image(replace(older[0], starred=True))
    assert gallery.model.index(gallery.model.row_of_image(1)).data(STARRED_ROLE) is True
    gallery.remove_images([3, 4, 5])
    assert gallery.image_ids() == [1, 2]
    assert gallery.model.generation_ids() == [1]  # the emptied generation went too
    gallery.remove_images([99])  # unknown ids are ignored


def test_multi_select_with_ctrl_and_shift(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    view, model = gallery.view, gallery.model
    view.executeDelayedItemsLayout()

    def click(image_id, modifier=Qt.KeyboardModifier.NoModifier):
        rect = view.visualRect(model.index(model.row_of_image(image_id)))
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())

    click(3)
    assert gallery.selected_image_ids() == [3]
    click(5, Qt.KeyboardModifier.ControlModifier)
    assert gallery.selected_image_ids() == [3, 5]
    click(3)
    assert gallery.selected_image_ids() == [3]
    click(1, Qt.KeyboardModifier.ShiftModifier)  # a range across the generation header
    assert gallery.selected_image_ids() == [3, 4, 5, 1]
    click(4, Qt.KeyboardModifier.ControlModifier)
    assert gallery.selected_image_ids() == [3, 5, 1]


def test_context_menu_actions_emit_requests(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.select_images([4])
    menu = gallery.context_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Open", "Save…", "Save all 3 images of this generation…", "Copy image",
                     "Open containing folder", "Reuse settings", "Reuse seed", "Star", "Reject",
                     "Compare", "Delete…", "Delete rejected…",
                     "Go to the next image after S or X", "Group by generation"]  # fmt: skip
    cases = [
        (gallery.open_action, gallery.image_activated, [4]),
        (gallery.save_action, gallery.save_requested, [[4]]),
        (gallery.save_all_action, gallery.save_all_requested, [2]),
        (gallery.copy_action, gallery.copy_requested, [4]),
        (gallery.open_folder_action, gallery.open_folder_requested, [4]),
        (gallery.reuse_settings_action, gallery.reuse_settings_requested, [4]),
        (gallery.reuse_seed_action, gallery.reuse_seed_requested, [4]),
        (gallery.delete_action, gallery.delete_requested, [[4]]),
    ]
    for action, signal, args in cases:
        assert action.isEnabled(), action.text()
        with qtbot.waitSignal(signal, timeout=1000) as blocker:
            action.trigger()
        assert blocker.args == args, action.text()
    assert not gallery.compare_action.isEnabled()


def test_compare_needs_exactly_two(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.select_images([5, 1])
    assert gallery.compare_action.isEnabled()
    with qtbot.waitSignal(gallery.compare_requested, timeout=1000) as blocker:
        gallery.compare_action.trigger()
    assert blocker.args == [5, 1]
    gallery.select_images([3, 4, 5])
    assert not gallery.compare_action.isEnabled()
    assert gallery.save_action.text() == "Save 3 images…"


def test_star_action_toggles_and_renders(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.select_images([3, 4])
    toggled: list[tuple[int, bool]] = []
    gallery.star_toggled.connect(lambda i, on: toggled.append((i, on)))
    gallery.star_action.trigger()
    assert toggled == [(3, True), (4, True)]
    assert gallery.record(3).starred and gallery.record(4).starred
    assert gallery.star_action.text() == "Unstar"
    gallery.star_action.trigger()
    assert toggled[2:] == [(3, False), (4, False)]
    assert gallery.star_action.text() == "Star"


def test_clicking_the_star_marker_toggles_without_selecting(qtbot, gallery, pngs):
    older, _ = two_generations(pngs)
    gallery.set_images(older, [state(1)])
    view, model = gallery.view, gallery.model
    view.executeDelayedItemsLayout()
    cell = view.visualRect(model.index(model.row_of_image(2)))
    star = GalleryDelegate.star_rect(cell).center()
    with qtbot.waitSignal(gallery.star_toggled, timeout=1000) as blocker:
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), star)
    assert blocker.args == [2, True]
    assert gallery.selected_image_ids() == []
    gold = view.viewport().grab().toImage().pixelColor(star)
    assert gold.red() > 200 and gold.green() > 150 and gold.blue() < 100


def test_keyboard_shortcuts(qtbot, gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.activateWindow()
    gallery.view.setFocus()
    qtbot.waitUntil(gallery.view.hasFocus, timeout=2000)
    gallery.select_images([4])
    view = gallery.view
    with qtbot.waitSignal(gallery.star_toggled, timeout=1000) as star:
        QTest.keyClick(view, Qt.Key.Key_S)
    assert star.args == [4, True]
    with qtbot.waitSignal(gallery.save_requested, timeout=1000) as save:
        QTest.keyClick(view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert save.args == [[4]]
    with qtbot.waitSignal(gallery.copy_requested, timeout=1000):
        QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(gallery.image_activated, timeout=1000) as opened:
        QTest.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [4]
    with qtbot.waitSignal(gallery.delete_requested, timeout=1000) as deleted:
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert deleted.args == [[4]]


def double_click(widget, pos: QPoint) -> None:
    """press, release, double-click, release: what a real double click sends (QTest's differs)."""
    point = QPointF(pos)
    left = Qt.MouseButton.LeftButton
    for kind, buttons in (
        (QEvent.Type.MouseButtonPress, left),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
        (QEvent.Type.MouseButtonDblClick, left),
        (QEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(kind, point, widget.mapToGlobal(point), left, buttons,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
        QApplication.sendEvent(widget, event)


def test_shortcuts_stay_unambiguous_inside_a_window_with_the_same_keys(qtbot, pngs):
    """A window-level File > Save (Ctrl+S) must not silence the gallery, nor the reverse."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMainWindow

    window = QMainWindow()
    qtbot.addWidget(window)
    gallery = Gallery(ThumbnailLoader(max_threads=1))
    window.setCentralWidget(gallery)
    saved_by_window: list[bool] = []
    save = QAction("Save selected", window, shortcut=QKeySequence(QKeySequence.StandardKey.Save))
    save.triggered.connect(lambda: saved_by_window.append(True))
    window.addAction(save)
    window.show()
    qtbot.waitExposed(window)
    gallery.set_images(two_generations(pngs)[0], [state(1)])
    gallery.select_images([2])
    window.activateWindow()
    gallery.view.setFocus()
    qtbot.waitUntil(gallery.view.hasFocus, timeout=2000)
    from_gallery: list[list[int]] = []
    gallery.save_requested.connect(from_gallery.append)
    QTest.keyClick(gallery.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(saved_by_window) + len(from_gallery) == 1
    with qtbot.waitSignal(gallery.star_toggled, timeout=1000):
        QTest.keyClick(gallery.view, Qt.Key.Key_S)
    gallery.loader.shutdown()


def test_double_click_opens_the_image(qtbot, gallery, pngs):
    older, _ = two_generations(pngs)
    gallery.set_images(older, [state(1)])
    gallery.view.executeDelayedItemsLayout()
    rect = gallery.view.visualRect(gallery.model.index(2))
    with qtbot.waitSignal(gallery.image_activated, timeout=1000) as blocker:
        double_click(gallery.view.viewport(), rect.center())
    assert blocker.args == [2]


def test_drag_out_mime_data_names_the_png_files(gallery, pngs):
    mime = file_mime_data([pngs[0], pngs[1]])
    assert mime.hasUrls() and URI_LIST in mime.formats()
    assert [u.toLocalFile() for u in mime.urls()] == [str(pngs[0]), str(pngs[1])]
    assert all(u.scheme() == "file" for u in mime.urls())
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    model = gallery.model
    from_model = model.mimeData([model.index(model.row_of_image(i)) for i in (4, 3)])
    assert from_model.urls() == [QUrl.fromLocalFile(str(pngs[2])), QUrl.fromLocalFile(str(pngs[3]))]
    assert model.supportedDragActions() == Qt.DropAction.CopyAction
    preview = gallery.view.drag_preview([older[0], older[1]])
    assert not preview.isNull()


def test_select_generation_scrolls_to_it_and_selects_its_images(qtbot, gallery, pngs):
    records, states = [], []
    for gen in range(1, 31):
        records += [record(gen * 10 + i, gen, i, pngs[i]) for i in range(4)]
        states.append(state(gen))
    gallery.set_images(records, states)
    assert gallery.select_generation(15)
    assert gallery.selected_image_ids() == [150, 151, 152, 153]
    header = gallery.view.visualRect(gallery.model.index(gallery.model.header_row(15)))
    assert header.top() == 0 and gallery.view.verticalScrollBar().value() > 0
    assert not gallery.select_generation(999)


def test_new_generation_above_does_not_push_the_view(qtbot, gallery, pngs):
    records = [record(gen * 10 + i, gen, i, pngs[i]) for gen in range(1, 21) for i in range(4)]
    gallery.set_images(records, [state(g) for g in range(1, 21)])
    view = gallery.view
    view.executeDelayedItemsLayout()
    view.verticalScrollBar().setValue(900)
    top = QPersistentModelIndex(view.indexAt(QPoint(8, 8)))
    before = view.visualRect(top).top()
    gallery.add_generation_placeholder(state(50, phase=Phase.RUNNING, expected=4))
    gallery.add_image(record(500, 50, 0, pngs[0]), state(50, phase=Phase.RUNNING, expected=4))
    assert view.visualRect(top).top() == before
    assert view.indexAt(QPoint(8, 8)) == QModelIndex(top)


def test_neighbour_image_walks_in_display_order(gallery, pngs):
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    assert gallery.neighbour_image(5, 1).id == 1
    assert gallery.neighbour_image(3, -1) is None


def test_ten_thousand_items_load_lazily(qtbot, gallery, pngs, decodes, tmp_path):
    count = 0
    for batch in range(100):
        gen = batch + 1
        batch_records = [
            record(
                count + i, gen, i, pngs[i % 4] if batch == 99 else tmp_path / f"m{count + i}.png"
            )
            for i in range(100)
        ]
        count += 100
        gallery.add_images(batch_records, [state(gen)])
    model = gallery.model
    assert len(gallery.image_ids()) == 10_000
    assert model.rowCount() == 10_000 + 100
    qtbot.wait(50)
    qtbot.waitUntil(lambda: gallery.loader.pending_count() == 0, timeout=10_000)
    view = gallery.view
    visible = {model.index(r) for r in range(model.rowCount())
               if view.visualRect(model.index(r)).intersects(view.viewport().rect())}  # fmt: skip
    assert 0 < len(decodes) <= len(visible)
    assert all(thread != threading.get_ident() for thread, _ in decodes)
    gallery.view.verticalScrollBar().setValue(gallery.view.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: gallery.loader.pending_count() == 0, timeout=10_000)
    assert len(decodes) <= 2 * len(visible) + 10


def test_model_alone_handles_many_rows_in_batches():
    model = GalleryModel()
    path = Path("/nonexistent/x.png")
    for gen in range(1, 2501):
        model.add_images([record(gen * 4 + i, gen, i, path) for i in range(4)], [state(gen)])
    assert model.rowCount() == 2500 * 5
    assert model.kind(0) == RowKind.HEADER
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "a red fox in the snow"
    assert model.generation_ids()[:2] == [2500, 2499]


def test_a_tile_whose_file_was_deleted_says_so(qtbot, gallery, pngs, monkeypatch) -> None:
    from PySide6.QtGui import QPainter

    from app.ui.widgets.thumbnails import FILE_MISSING

    pngs[0].unlink()
    gallery.loader.set_source_resolver(lambda path, side: str(pngs[1]))  # a stale cached thumb
    gallery.add_image(record(1, 7, 0, pngs[0]), state(7))
    side = gallery.view.thumbnail_side()
    qtbot.waitUntil(lambda: gallery.loader.error(pngs[0], side) is not None, timeout=5000)
    assert gallery.loader.error(pngs[0], side) == FILE_MISSING
    drawn: list[str] = []
    real = QPainter.drawText

    def spy(self, *args):
        drawn.extend(a for a in args if isinstance(a, str))
        return real(self, *args)

    monkeypatch.setattr(QPainter, "drawText", spy)
    gallery.view.viewport().grab()
    assert "File missing\n(deleted from disk)" in drawn


def test_header_and_tile_tooltips_show_server_text_literally(gallery, pngs) -> None:
    from PySide6.QtGui import QTextDocument

    hostile = '<img src="/dev/zero">'
    failed = state(7, phase=Phase.FAILED, prompt=f"{hostile} fox\x1b")
    failed = dataclasses.replace(failed, error=f"refused {hostile}")
    gallery.add_image(record(1, 7, 0, pngs[0]), failed)
    header, tile = gallery.model.index(0), gallery.model.index(1)
    doc = QTextDocument()
    doc.setHtml(header.data(Qt.ItemDataRole.ToolTipRole))
    assert f"{hostile} fox␛" in doc.toPlainText() and f"refused {hostile}" in doc.toPlainText()
    assert header.data(Qt.ItemDataRole.DisplayRole) == f"{hostile} fox␛"
    doc.setHtml(tile.data(Qt.ItemDataRole.ToolTipRole))
    assert doc.toPlainText().startswith("Image 1: seed")


def test_context_menu_offers_the_windows_upscale_and_reimagine_commands(gallery, pngs):
    from types import SimpleNamespace

    from app.ui.derive.commands import REIMAGINE, UPSCALE, declare_derive_commands
    from app.ui.widgets.commands import CommandRegistry

    calls: list[tuple[str, list[int]]] = []
    flow = SimpleNamespace(
        upscale_selected=lambda: calls.append(("upscale", gallery.selected_image_ids())),
        reimagine_selected=lambda: calls.append(("reimagine", gallery.selected_image_ids())),
        upscale_file=lambda: None,
        reimagine_file=lambda: None,
    )
    registry = CommandRegistry(gallery)
    declare_derive_commands(registry, flow)  # type: ignore[arg-type]  # a stand-in flow
    gallery.set_derive_actions([registry.action(UPSCALE), registry.action(REIMAGINE)])
    older, newer = two_generations(pngs)
    gallery.set_images(older + newer, [state(1), state(2)])
    gallery.select_images([4])
    actions = [a for a in gallery.context_menu().actions() if not a.isSeparator()]
    texts = [a.text() for a in actions]
    assert texts[texts.index("Open containing folder") + 1 :][:2] == ["&Upscale…", "&Re-imagine…"]
    upscale = actions[texts.index("&Upscale…")]
    assert upscale is registry.action(UPSCALE), "the window's command, not a copy"
    assert upscale.shortcut().toString() == "U"
    upscale.trigger()
    actions[texts.index("&Re-imagine…")].trigger()
    assert calls == [("upscale", [4]), ("reimagine", [4])]
