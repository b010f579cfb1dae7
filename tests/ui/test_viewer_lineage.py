"""The viewer along lineage: Alt+Up to the source, Alt+Down to derived images (a small menu
when several), the info panel's links, and keys that clash with nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from app.services.events import GenerationState, ImageRecord, Phase
from app.ui.viewer.actions import VIEWER_ACTIONS
from app.ui.viewer.info_panel import ImageInfo
from app.ui.viewer.lineage import Derived, LineageLinks, lineage_links, source_text
from app.ui.viewer.viewer import ImageViewer
from tests.ui.test_viewer import checker_png, rec

# The workspace keymap (round 2) plus the viewer's own keys: Alt+Up/Down must be new.
WORKSPACE_KEYS = ("Return", "Esc", "F", "Tab", "F11", "I", "S", "X", "V", "U", "R", "C",
                  "Space", "Ctrl+=", "Ctrl+-", "Ctrl+Shift+Return", "Ctrl+1", "Ctrl+2",
                  "Left", "Right", "Up", "Down")  # fmt: skip


@pytest.fixture
def viewer(qtbot, loader, tmp_path):
    widget = ImageViewer(loader)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.canvas.setFocus()
    return widget


@pytest.fixture
def png(tmp_path) -> Path:
    return checker_png(tmp_path / "image.png", size=(256, 256), cell=32)


def _show(viewer: ImageViewer, png: Path, links: LineageLinks) -> None:
    viewer.show_image(rec(7, png, (256, 256)), "x", ImageInfo(prompt="p", lineage=links))
    viewer.canvas.setFocus()


def test_the_new_keys_clash_with_nothing() -> None:
    ours = {QKeySequence("Alt+Up"), QKeySequence("Alt+Down")}
    taken = [QKeySequence(k) for k in WORKSPACE_KEYS]
    others = [QKeySequence(k) for a in VIEWER_ACTIONS if not a.id.startswith("go_")
              for k in a.keys]  # fmt: skip
    assert not ours & set(taken) and not ours & set(others)
    ids = {a.id: a.keys for a in VIEWER_ACTIONS}
    assert ids["go_source"] == ("Alt+Up",) and ids["go_derived"] == ("Alt+Down",)


def test_alt_up_opens_the_source_and_the_link_says_what_was_done(qtbot, viewer, png) -> None:
    _show(viewer, png, LineageLinks(123, "×4 from #123"))
    viewer.set_info_visible(True)
    panel = viewer.info_panel
    assert panel.source_link.text() == "×4 from #123" and panel.source_link.isVisible()
    assert panel.derived_link.isHidden()
    assert viewer.actions_.action("go_source").isEnabled()
    assert not viewer.actions_.action("go_derived").isEnabled()
    opened: list[int] = []
    viewer.open_requested.connect(opened.append)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    panel.source_link.click()
    assert opened == [123, 123]


def test_alt_down_opens_the_one_derived_image(qtbot, viewer, png) -> None:
    _show(viewer, png, LineageLinks(derived=(Derived(130, "×4"),)))
    assert viewer.info_panel.derived_link.text() == "1 derived image"
    opened: list[int] = []
    viewer.open_requested.connect(opened.append)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert opened == [130]


def test_several_derived_images_offer_a_small_menu(qtbot, viewer, png) -> None:
    derived = (Derived(130, "×4"), Derived(131, "re-imagined"), Derived(132, "re-imagined"))
    _show(viewer, png, LineageLinks(derived=derived))
    viewer.set_info_visible(True)
    assert viewer.info_panel.derived_link.text() == "3 derived images"
    viewer.info_panel.derived_link.click()
    menu = viewer.derived_menu
    assert menu is not None and menu.isVisible()
    texts = [a.text() for a in menu.actions()]
    assert texts == ["#130 · ×4", "#131 · re-imagined", "#132 · re-imagined"]
    opened: list[int] = []
    viewer.open_requested.connect(opened.append)
    menu.actions()[1].trigger()
    menu.close()
    assert opened == [131]


def test_no_lineage_hides_the_links_and_disables_the_keys(qtbot, viewer, png) -> None:
    _show(viewer, png, LineageLinks())
    viewer.set_info_visible(True)
    assert viewer.info_panel.lineage.isHidden()
    assert not viewer.actions_.action("go_source").isEnabled()
    opened: list[int] = []
    viewer.open_requested.connect(opened.append)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert opened == []


def test_a_file_source_is_named_but_not_a_link(qtbot, viewer, png) -> None:
    text = source_text(None, {"kind": "upscale", "scale": 2, "source_file": "a&b <i>.png"})
    assert text == "×2 from a&b <i>.png"
    _show(viewer, png, LineageLinks(None, text))
    viewer.set_info_visible(True)
    link = viewer.info_panel.source_link
    assert link.isVisible() and not link.isEnabled() and link.text() == "×2 from a&&b <i>.png"


class _Contents:
    """A gallery's contents: source image 10 (generation 1), two generations derived from it."""

    def __init__(self, tmp: Path) -> None:
        def image(image_id: int, gen: int) -> ImageRecord:
            return replace(rec(image_id, tmp / f"{image_id}.png", (64, 64)), generation_id=gen)

        self.states = {
            1: GenerationState(1, {"prompt": "p"}, Phase.SUCCEEDED),
            2: GenerationState(2, {}, Phase.SUCCEEDED, parent_image_id=10,
                               operation={"kind": "upscale", "scale": 4}),
            3: GenerationState(3, {"prompt": "p"}, Phase.SUCCEEDED, parent_image_id=10,
                               operation={"kind": "reimagine", "strength": 0.5}),
        }  # fmt: skip
        self.images = {1: [image(10, 1)], 2: [image(20, 2)], 3: [image(30, 3), image(31, 3)]}

    def generation(self, generation_id: int) -> GenerationState | None:
        return self.states.get(generation_id)

    def generation_ids(self) -> list[int]:
        return list(self.states)

    def image_ids(self, generation_id: int | None = None) -> list[int]:
        return [r.id for r in self.images.get(generation_id or 0, [])]

    def record(self, image_id: int) -> ImageRecord | None:
        found = [r for rs in self.images.values() for r in rs if r.id == image_id]
        return found[0] if found else None


def test_lineage_links_from_the_gallerys_contents(tmp_path) -> None:
    contents = _Contents(tmp_path)
    source = contents.record(10)
    assert source is not None
    links = lineage_links(source, contents.states[1], contents)
    assert links.source_id is None and links.source_text == ""
    assert [(d.image_id, d.what) for d in links.derived] == [
        (20, "×4"), (30, "re-imagined"), (31, "re-imagined")
    ]  # fmt: skip
    child = contents.record(20)
    assert child is not None
    up = lineage_links(child, contents.states[2], contents)
    assert (up.source_id, up.source_text, up.derived) == (10, "×4 from #10", ())
    del contents.images[1]  # the source filtered out of the gallery
    gone = lineage_links(child, contents.states[2], contents)
    assert gone.source_id is None and gone.source_text == "×4 from #10 (not in the gallery now)"
