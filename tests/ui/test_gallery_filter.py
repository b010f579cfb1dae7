"""The gallery's filter bar, live filtering and order, and the library flow in the window:
search, starred, newest/oldest, delete with confirmation and undo, the spend figure."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from app.services.events import GenerationState, ImageRecord, Phase
from app.services.library import ImageFilter
from app.ui.flows.library_flow import live_filter, money, spend_text
from app.ui.gallery.filter_bar import SEARCH_DELAY_MS, GalleryFilterBar, count_text
from app.ui.gallery.gallery import Gallery
from app.ui.widgets.thumbnails import ThumbnailLoader
from tests.ui.library_support import generate, harness_factory, qloop, started  # noqa: F401


def _state(gid: int, prompt: str, *, phase=Phase.SUCCEEDED, images=(), expected=0):
    return GenerationState(
        gid, {"prompt": prompt}, phase, created_at=1000.0 + gid, images=tuple(images),
        expected_images=expected,
    )  # fmt: skip


def _record(image_id: int, gid: int, index: int, *, starred: bool = False) -> ImageRecord:
    return ImageRecord(
        image_id, gid, index, 1, Path(f"/nonexistent/{image_id}.png"), "0" * 64, 1, 8, 8,
        starred=starred, created_at=1000.0 + gid,
    )  # fmt: skip


def test_typing_is_debounced_into_one_filter(qtbot) -> None:
    bar = GalleryFilterBar()
    qtbot.addWidget(bar)
    seen: list[ImageFilter] = []
    bar.filter_changed.connect(seen.append)
    for char in "fox":
        bar.search.insert(char)
    assert seen == []
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=SEARCH_DELAY_MS * 10)
    assert seen == [ImageFilter(text="fox")]
    bar.starred.click()
    bar.sort.setCurrentIndex(1)
    assert seen[1:] == [
        ImageFilter(text="fox", starred_only=True),
        ImageFilter(text="fox", starred_only=True, newest_first=False),
    ]
    bar.set_query(ImageFilter())
    assert bar.query() == ImageFilter() and len(seen) == 3
    bar.search.setText("a")
    bar.search.clear()  # back to the last announced filter: nothing to say
    qtbot.wait(SEARCH_DELAY_MS * 2)
    assert len(seen) == 3


def test_count_text() -> None:
    assert count_text(0) == "0 images"
    assert count_text(1) == "1 image"
    assert count_text(500, 10_000, True) == "500 of 10,000 images · loading…"
    assert count_text(10_000, 10_000) == "10,000 images"
    assert money(0.0035) == "$0.0035" and money(12.5) == "$12.50"
    assert "not billed" in spend_text(type("S", (), {"today": 0.0, "month": 1.0})(), True)


def test_live_filter_keeps_arrivals_in_line(qtbot) -> None:
    gallery = Gallery(ThumbnailLoader(max_threads=1))
    qtbot.addWidget(gallery)
    fox = _state(1, "a red fox in the snow", images=[_record(1, 1, 0), _record(2, 1, 1)])
    gallery.set_live_filter(live_filter(ImageFilter(text="FOX sno")))
    gallery.add_generation_placeholder(_state(2, "a lighthouse", phase=Phase.RUNNING, expected=2))
    assert gallery.model.generation_ids() == []
    gallery.add_generation_placeholder(_state(3, "Fox cubs", phase=Phase.RUNNING, expected=2))
    assert gallery.model.generation_ids() == []  # "sno" is missing
    gallery.update_generation(fox)
    assert gallery.image_ids() == [1, 2]

    gallery.set_images([])
    gallery.set_live_filter(live_filter(ImageFilter(starred_only=True)))
    gallery.add_image(_record(3, 1, 0, starred=True), fox)
    gallery.add_image(_record(4, 1, 1), fox)
    gallery.update_generation(
        _state(1, "x", images=[_record(3, 1, 0, starred=True), _record(4, 1, 1)])
    )
    assert gallery.image_ids() == [3], "unstarred arrivals stay out"
    assert live_filter(ImageFilter()) is None


def test_oldest_first_reverses_the_generations(qtbot) -> None:
    gallery = Gallery(ThumbnailLoader(max_threads=1))
    qtbot.addWidget(gallery)
    for gid in (1, 2, 3):
        gallery.add_images([_record(gid * 10, gid, 0)], [_state(gid, f"p{gid}")])
    assert gallery.model.generation_ids() == [3, 2, 1]
    gallery.set_newest_first(False)
    assert gallery.model.generation_ids() == [1, 2, 3]
    gallery.add_images([_record(40, 4, 0)], [_state(4, "p4")])
    gallery.add_images([_record(5, 0, 0)], [_state(0, "p0")])
    assert gallery.model.generation_ids() == [0, 1, 2, 3, 4]
    assert gallery.image_ids()[-1] == 40


def test_search_starred_sort_delete_undo_in_the_window(qloop, harness_factory) -> None:  # noqa: F811
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await started(harness)
        window, studio = controller.window, controller.studio
        flow, gallery, bar = window.library_flow, window.gallery, window.library_flow.filter_bar
        fox = await generate(harness, controller, "a red fox in the snow")
        house = await generate(harness, controller, "a lighthouse at dusk")
        cafe = await generate(harness, controller, "a café terrace at night", samples=1)
        await harness.wait(lambda: "Today $" in flow.spend_label.text(), what="spend")
        await studio.set_starred(house.images[1].id, True)

        bar.search.setText("light")
        bar._emit()
        await harness.wait(lambda: gallery.image_ids() == [i.id for i in house.images])
        bar.search.setText("cafe")
        bar._emit()
        await harness.wait(lambda: gallery.image_ids() == [cafe.images[0].id])
        bar.search.clear()
        bar.starred.click()
        await harness.wait(lambda: gallery.image_ids() == [house.images[1].id])
        await harness.wait(lambda: bar.count.text() == "1 image", what="the count")  # once loaded
        bar.starred.click()
        await harness.wait(lambda: len(gallery.image_ids()) == 5)
        bar.sort.setCurrentIndex(1)
        assert gallery.model.generation_ids() == [fox.id, house.id, cafe.id]
        bar.sort.setCurrentIndex(0)

        doomed = [fox.images[0].id, house.images[1].id]
        paths = [fox.images[0].path, house.images[1].path]
        gallery.delete_requested.emit(doomed)
        box = flow.delete_box
        assert box.isVisible() and box.defaultButton() is box.button(
            QMessageBox.StandardButton.Cancel
        )
        delete = next(b for b in box.buttons() if b.text() == "Delete")
        delete.click()
        await harness.wait(lambda: not any(p.exists() for p in paths), what="files gone")
        await harness.wait(lambda: not set(doomed) & set(gallery.image_ids()))
        undo = window.commands.action("edit.undo_delete")
        assert undo.isEnabled() and window.edit_menu.actions()[0] is undo
        undo.trigger()
        await harness.wait(lambda: set(doomed) <= set(gallery.image_ids()), what="undo")
        assert all(p.exists() for p in paths) and not undo.isEnabled()
        assert sorted(gallery.selected_image_ids()) == sorted(doomed)

        gallery.delete_requested.emit([cafe.images[0].id])
        next(b for b in flow.delete_box.buttons() if b.text() == "Delete").click()
        await harness.wait(lambda: not cafe.images[0].path.exists())
        assert await harness.stop() == 0
        assert not cafe.images[0].path.exists() and all(p.exists() for p in paths)
        trash = cafe.images[0].path.parent.parent / ".trash"
        assert not trash.exists(), "closing empties the trash"

    qloop.run_until_complete(scenario())
