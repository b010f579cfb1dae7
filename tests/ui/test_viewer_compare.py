"""Compare as artists do: side by side, A/B flip in place (Space), a wipe; all by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.ui.viewer.compare import CompareView
from app.ui.viewer.overlay import CompareMode
from tests.ui.test_viewer import checker_png, rec

RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture
def compare(qtbot, loader, tmp_path):
    a = checker_png(tmp_path / "a.png", size=(256, 256), colors=(RED, RED))
    b = checker_png(tmp_path / "b.png", size=(256, 256), colors=(BLUE, BLUE))
    view = CompareView(loader)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    view.show_images(rec(1, a, (256, 256)), rec(2, b, (256, 256)), "seed 101", "seed 102")
    qtbot.waitUntil(
        lambda: view.overlay.pixmap() is not None and view.overlay.second() is not None,
        timeout=5000,
    )
    view.setFocus()
    return view


def colour_at(view: CompareView, x: int, y: int) -> tuple[int, int, int]:
    image = view.overlay.viewport().grab().toImage()
    pixel = image.pixelColor(x, y)
    return pixel.red(), pixel.green(), pixel.blue()


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(c - e) <= 12 for c, e in zip(colour, expected, strict=True))


def test_space_flips_between_a_and_b_in_place(qtbot, compare):
    assert compare.mode() is CompareMode.SIDE
    QTest.keyClick(compare.focusWidget(), Qt.Key.Key_Space)
    assert compare.mode() is CompareMode.FLIP and compare.shown_side() == "B"
    centre = compare.overlay.viewport().rect().center()
    assert compare.focusWidget() is compare.overlay
    assert near(colour_at(compare, centre.x(), centre.y()), BLUE)
    QTest.keyClick(compare.overlay, Qt.Key.Key_Space)
    assert compare.shown_side() == "A"
    assert near(colour_at(compare, centre.x(), centre.y()), RED)
    assert compare.overlay_caption.text() == "A · seed 101"


def test_wipe_shows_a_left_of_the_line_and_b_right_and_the_keys_move_it(qtbot, compare):
    QTest.keyClick(compare.focusWidget(), Qt.Key.Key_W)
    assert compare.mode() is CompareMode.WIPE and compare.wipe_slider.isVisible()
    x = round(compare.overlay.wipe_x())
    y = compare.overlay.viewport().height() // 2 + 40
    assert near(colour_at(compare, x - 30, y), RED)
    assert near(colour_at(compare, x + 30, y), BLUE)
    before = compare.overlay.wipe_position()
    QTest.keyClick(compare.overlay, Qt.Key.Key_Right)
    assert compare.overlay.wipe_position() == pytest.approx(before + 0.05)
    assert compare.wipe_slider.value() == round(compare.overlay.wipe_position() * 1000)
    QTest.keyClick(compare.overlay, Qt.Key.Key_Left)
    QTest.keyClick(compare.overlay, Qt.Key.Key_Left)
    assert compare.overlay.wipe_position() == pytest.approx(before - 0.05)
    compare.wipe_slider.setValue(250)
    assert compare.overlay.wipe_position() == pytest.approx(0.25)


def test_dragging_the_wipe_line_moves_it_not_the_picture(qtbot, compare):
    compare.set_mode(CompareMode.WIPE)
    viewport = compare.overlay.viewport()
    x, y = round(compare.overlay.wipe_x()), viewport.height() // 2
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    QTest.mouseMove(viewport, QPoint(x + 70, y))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(x + 70, y))
    assert compare.overlay.wipe_x() == pytest.approx(x + 70, abs=1)
    assert compare.is_fit()


def test_modes_share_one_zoom_and_pan(qtbot, compare):
    compare.set_actual_size()
    compare.zoom_by(2.0)
    zoom = compare.zoom()
    QTest.keyClick(compare.focusWidget(), Qt.Key.Key_Space)
    assert compare.overlay.zoom() == pytest.approx(zoom) and compare.zoom() == pytest.approx(zoom)
    QTest.keyClick(compare.overlay, Qt.Key.Key_D)
    assert compare.mode() is CompareMode.SIDE and compare.left.zoom() == pytest.approx(zoom)
    assert compare.right.zoom() == pytest.approx(zoom)


def test_mode_buttons_switch_and_show_the_mode(qtbot, compare):
    compare.mode_buttons[CompareMode.WIPE].click()
    assert compare.mode() is CompareMode.WIPE
    compare.mode_buttons[CompareMode.FLIP].click()
    assert compare.mode() is CompareMode.FLIP and not compare.wipe_slider.isVisible()
    assert compare.mode_buttons[CompareMode.FLIP].isChecked()
    compare.mode_buttons[CompareMode.SIDE].click()
    assert compare.pages.currentIndex() == 0
    with qtbot.waitSignal(compare.closed, timeout=1000):
        QTest.keyClick(compare.focusWidget(), Qt.Key.Key_Escape)
