"""A sweep's cells sit under one gallery section: named, in grid order, with grey slots for
cells still running, and its grid one double-click, Enter or menu item away."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.services.events import GenerationState, ImageRecord, Phase
from app.services.library import ImageFilter
from app.storage.sweep_summary import SweepSummary
from app.ui.flows.library_flow import live_filter
from app.ui.gallery.gallery import Gallery
from app.ui.gallery.model import DETAIL_ROLE, SWEEP_ID_ROLE, RowKind
from app.ui.gallery.sweep_text import money
from app.ui.widgets.thumbnails import ThumbnailLoader

SCHEDULERS = ("DDIMScheduler", "EulerDiscreteScheduler", "PNDMScheduler")


def summary(sweep_id: int = 5, *, done: int = 7, spent: float = 0.032, **kw) -> SweepSummary:
    labels = {
        x + 3 * y: (str(cfg), SCHEDULERS[y]) for y in range(3) for x, cfg in enumerate((4, 7, 10))
    }
    fields = dict(
        id=sweep_id, title="Guidance scale (CFG) × Scheduler: a red fox", tasks=9,
        axes=("Guidance scale (CFG)", "Scheduler"), targets=("scale", "scheduler"),
        created_at=2000.0, state="running", done=done, spent=spent,
        base={"prompt": "a red fox", "steps": 20, "width": 512, "height": 512, "seed": "1"},
        labels=labels,
    )  # fmt: skip
    fields.update(kw)
    return SweepSummary(**fields)  # type: ignore[arg-type]


def cell_state(gid: int, cell: int, *, sweep_id: int = 5, phase=Phase.SUCCEEDED, images=()):
    params = {"prompt": "a red fox", "steps": 20, "scale": (4, 7, 10)[cell % 3],
              "scheduler": SCHEDULERS[cell // 3], "width": 512, "height": 512}  # fmt: skip
    params["seed"] = "1"
    return GenerationState(
        gid, params, phase, created_at=2000.0 + gid, expected_images=1,
        images=tuple(images), sweep_id=sweep_id, cell_index=cell, cost=0.0035,
    )  # fmt: skip


def record(image_id: int, gid: int, path: Path, index: int = 0) -> ImageRecord:
    return ImageRecord(
        image_id, gid, index, 1, path, "0" * 64, 1, 512, 512, created_at=2000.0 + gid
    )


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "cell.png"
    Image.new("RGB", (64, 64), (200, 90, 40)).save(path)
    return path


@pytest.fixture
def gallery(qtbot):
    loader = ThumbnailLoader(max_threads=1)
    widget = Gallery(loader)
    qtbot.addWidget(widget)
    widget.set_tile_size(150)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    loader.shutdown(5000)


def plain(gid: int, created: float) -> GenerationState:
    return GenerationState(gid, {"prompt": "a castle"}, Phase.SUCCEEDED, created_at=created)


def kinds(gallery: Gallery) -> list[RowKind | None]:
    return [gallery.model.kind(r) for r in range(gallery.model.rowCount())]


def test_a_sweeps_cells_sit_under_one_named_section_in_grid_order(gallery, png):
    gallery.model.set_sweeps([summary()])
    # Pages arrive newest generation first: cells come in reverse, one plain generation between.
    cells = {cell: 100 + cell for cell in range(7)}
    states = [cell_state(gid, cell) for cell, gid in cells.items()]
    records = [record(1000 + gid, gid, png) for gid in cells.values()]
    gallery.add_images(records[::-1][:3], states)
    gallery.add_images([record(1, 1, png)], [plain(1, 2003.5)])
    gallery.add_images(records[::-1][3:], states)
    running = [cell_state(107, 7, phase=Phase.RUNNING), cell_state(108, 8, phase=Phase.PENDING)]
    for state in running:
        gallery.add_generation_placeholder(state)
    model = gallery.model
    header = model.sweep_header_row(5)
    assert header == 2, "the castle (newer than the sweep's start) first, then the sweep"
    title = model.index(header).data()
    assert title == f"Sweep · Guidance scale (CFG) × Scheduler · 9 cells · 7 done · {money(0.032)}"
    assert title.endswith("$0.032")
    assert "running" in model.index(header).data(DETAIL_ROLE)
    rows = range(header + 1, header + 10)
    assert [model.kind(r) for r in rows] == [RowKind.IMAGE] * 7 + [RowKind.PLACEHOLDER] * 2
    assert [model.locate(r)[1].cell for r in rows] == list(range(9))
    assert model.index(header + 2).data() == "7 · DDIM"
    assert model.index(header + 9).data() == "10 · PLMS"
    assert all(model.sweep_at(r) == 5 for r in (header, *rows))
    assert model.index(header).data(SWEEP_ID_ROLE) == 5 and model.sweep_at(1) is None
    assert gallery.image_ids()[1:] == [1000 + gid for gid in cells.values()]
    assert model.generation_ids()[1:] == [*cells.values(), 107, 108]

    # The last cells land: the grey slots fill in place, the header counts them.
    done = [replace(s, phase=Phase.SUCCEEDED) for s in running]
    for state in done:
        gallery.add_image(record(1000 + state.id, state.id, png), state)
    gallery.model.set_sweeps([summary(done=9, spent=0.0315, state="done")])
    assert [model.kind(r) for r in rows] == [RowKind.IMAGE] * 9
    assert (
        model.index(header).data() == "Sweep · Guidance scale (CFG) × Scheduler · 9 cells · $0.0315"
    )


def test_vary_is_one_section_named_by_its_seeds(gallery, png):
    vary = summary(9, done=4, spent=0.014, tasks=4, axes=("Seed",), targets=("seed",), labels={})
    gallery.model.set_sweeps([vary])
    states = [cell_state(200 + c, c, sweep_id=9) for c in range(4)]
    gallery.add_images([record(300 + c, 200 + c, png) for c in range(4)], states)
    model = gallery.model
    assert kinds(gallery) == [RowKind.HEADER] + [RowKind.IMAGE] * 4
    assert model.index(0).data() == "Vary · 4 seeds · $0.014"
    assert model.index(1).data() == "seed 1"


def test_delete_undo_order_and_a_summary_arriving_late(gallery, png):
    states = [cell_state(100 + c, c) for c in range(3)]
    records = [record(500 + c, 100 + c, png) for c in range(3)]
    gallery.add_images(records, states)  # no summary yet: the sweep still gets one section
    gallery.add_images([record(1, 1, png)], [plain(1, 5000.0)])
    model = gallery.model
    assert model.index(model.sweep_header_row(5)).data() == "Sweep 5"
    assert model.sweep_header_row(5) == 2, "placed by its first cell until its start is known"
    gallery.model.set_sweeps([summary(created_at=9000.0)])
    assert model.sweep_header_row(5) == 0, "moved once its start is known"
    assert model.index(0).data().startswith("Sweep · ")

    gallery.remove_images([500, 502])
    assert gallery.image_ids() == [501, 1]
    gallery.add_images([records[0], records[2]], states)  # undo delete
    assert gallery.image_ids() == [500, 501, 502, 1]
    gallery.set_newest_first(False)
    assert gallery.image_ids() == [1, 500, 501, 502]
    gallery.remove_images([500, 501, 502])
    assert model.sweep_header_row(5) == -1 and kinds(gallery) == [RowKind.HEADER, RowKind.IMAGE]


def test_selection_and_culling_keys_work_on_sweep_cells(qtbot, gallery, png):
    gallery.model.set_sweeps([summary()])
    states = [cell_state(100 + c, c) for c in range(3)]
    gallery.add_images([record(500 + c, 100 + c, png) for c in range(3)], states)
    starred: list[tuple[int, bool]] = []
    gallery.star_toggled.connect(lambda i, on: starred.append((i, on)))
    gallery.select_images([501])
    gallery.view.setFocus()
    QTest.keyClick(gallery.view, Qt.Key.Key_S)
    assert starred == [(501, True)]
    gallery.view.selectAll()
    assert gallery.selected_image_ids() == [500, 501, 502], "headers are never selected"


def test_the_header_opens_the_grid_by_double_click_enter_button_and_menu(qtbot, gallery, png):
    gallery.model.set_sweeps([summary()])
    states = [cell_state(100 + c, c) for c in range(2)]
    gallery.add_images([record(500 + c, 100 + c, png) for c in range(2)], states)
    opened: list[int] = []
    gallery.sweep_open_requested.connect(opened.append)
    view, model = gallery.view, gallery.model
    view.executeDelayedItemsLayout()
    header = view.visualRect(model.index(0))
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=header.center())
    assert opened == [5]

    gallery.select_images([500])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Up)  # the arrow keys reach the sweep's header
    assert view.currentIndex().row() == 0 and gallery.selected_image_ids() == []
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert opened == [5, 5]

    button = view.delegate.grid_button_rect(header)
    assert header.contains(button) and button.width() > 40
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=button.center())
    assert opened == [5, 5, 5]

    gallery.select_images([501])
    menu = gallery.context_menu()
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Open", "Open the sweep's grid"]
    gallery.open_sweep_action.trigger()
    assert opened == [5, 5, 5, 5]
    gallery.view.customContextMenuRequested.emit(QPoint(header.center()))
    assert gallery._menu_sweep == 5


def test_a_search_matching_a_sweeps_title_lets_its_new_cells_in(png):
    titles = {5: "Guidance scale (CFG) × Scheduler: a red fox"}
    accepts = live_filter(ImageFilter(text="scheduler"), lambda s: titles.get(s, ""))
    assert accepts is not None
    cell = cell_state(100, 0)
    assert accepts(cell, None) and accepts(cell, record(1, 100, png))
    assert not accepts(replace(cell, sweep_id=6), None)
    assert not accepts(plain(1, 0.0), None)


def test_a_generation_learned_late_to_be_a_cell_moves_under_its_sweep(gallery, png):
    gallery.model.set_sweeps([summary()])
    gallery.add_images([record(500, 100, png)], [cell_state(100, 0)])
    lone = replace(cell_state(101, 1, phase=Phase.RUNNING), sweep_id=None, cell_index=None)
    gallery.add_generation_placeholder(replace(lone, expected_images=2))
    gallery.add_image(record(501, 101, png), lone)
    model = gallery.model
    assert model.sweep_header_row(5) >= 0 and model.header_row(101) != model.sweep_header_row(5)
    gallery.update_generation(cell_state(101, 1, phase=Phase.RUNNING))  # now it knows
    assert model.header_row(101) == model.sweep_header_row(5) == 0
    assert kinds(gallery) == [RowKind.HEADER, RowKind.IMAGE, RowKind.IMAGE]
    assert gallery.image_ids() == [500, 501] and model.record(501) is not None
