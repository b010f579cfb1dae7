"""ImageViewer and CompareView: fit, 100 %, zoom around the cursor, pan, crisp pixels, sync."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.services.events import ImageRecord
from app.ui.viewer.canvas import ImageCanvas, ViewState
from app.ui.viewer.viewer import CompareView, ImageViewer
from app.ui.widgets import thumbnails


def checker_png(path: Path, size=(512, 512), cell=8, colors=((0, 0, 0), (255, 255, 255))):
    image = Image.new("RGB", size)
    pixels = image.load()
    for y in range(size[1]):
        for x in range(size[0]):
            pixels[x, y] = colors[((x // cell) + (y // cell)) % 2]
    image.save(path)
    return path


def rec(image_id: int, path: Path, size=(512, 512)) -> ImageRecord:
    return ImageRecord(image_id, 1, image_id, 100 + image_id, path, "", 1, *size)


@pytest.fixture
def image(tmp_path) -> Path:
    return checker_png(tmp_path / "checker.png")


@pytest.fixture
def viewer(qtbot, loader):
    widget = ImageViewer(loader)
    qtbot.addWidget(widget)
    widget.show()
    widget.canvas.setFixedSize(300, 300)
    qtbot.waitExposed(widget)
    return widget


def wait_full(qtbot, canvas: ImageCanvas, width: int = 512) -> None:
    qtbot.waitUntil(
        lambda: canvas.pixmap() is not None and canvas.pixmap().width() == width, timeout=5000
    )


def test_full_image_loads_off_thread(qtbot, viewer, image, monkeypatch):
    threads: list[int] = []
    real = thumbnails.decode_image

    def spy(path, side):
        threads.append(threading.get_ident())
        return real(path, side)

    monkeypatch.setattr(thumbnails, "decode_image", spy)
    viewer.show_image(rec(1, image), "seed 101")
    wait_full(qtbot, viewer.canvas)
    assert threads and threading.get_ident() not in threads
    assert viewer.current_id() == 1
    assert viewer.bar.caption.text() == "seed 101"


def test_fit_actual_size_and_zoom_steps(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    assert viewer.is_fit()
    assert viewer.zoom() == pytest.approx(300 / 512)
    assert viewer.canvas.image_rect_in_view().width() == pytest.approx(300)
    viewer.set_actual_size()
    assert viewer.zoom() == pytest.approx(1.0) and not viewer.is_fit()
    assert viewer.bar.zoom_label.text() == "100 %"
    viewer.zoom_by(2.0)
    assert viewer.zoom() == pytest.approx(2.0)
    viewer.zoom_by(0.5)
    viewer.zoom_by(0.5)
    assert viewer.zoom() == pytest.approx(0.5)
    viewer.zoom_by(1000)
    assert viewer.zoom() == pytest.approx(32.0)  # clamped
    viewer.set_fit()
    assert viewer.zoom() == pytest.approx(300 / 512)
    assert viewer.bar.fit_button.isChecked()


def test_zoom_keeps_the_point_under_the_cursor(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    canvas = viewer.canvas
    cursor = QPointF(220, 90)
    before = canvas.map_to_image(cursor)
    canvas.zoom_at(3.0, cursor)
    assert canvas.zoom() == pytest.approx(3 * 300 / 512)
    after = canvas.map_to_image(cursor)
    assert after.x() == pytest.approx(before.x(), abs=0.01)
    assert after.y() == pytest.approx(before.y(), abs=0.01)


def test_wheel_zooms_around_the_cursor(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    canvas = viewer.canvas
    pos = QPointF(100, 200)
    before = canvas.map_to_image(pos)
    event = QWheelEvent(
        pos, canvas.viewport().mapToGlobal(pos), QPoint(), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(canvas.viewport(), event)
    assert canvas.zoom() == pytest.approx(1.25 * 300 / 512)
    assert canvas.map_to_image(pos).x() == pytest.approx(before.x(), abs=0.01)


def test_pan_by_dragging_and_scrollbars_follow(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    canvas = viewer.canvas
    viewer.set_actual_size()
    center = canvas.map_to_image(QPointF(150, 150))
    viewport = canvas.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(150, 150))
    QTest.mouseMove(viewport, QPoint(110, 130))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(110, 130))
    moved = canvas.map_to_image(QPointF(150, 150))
    assert moved.x() == pytest.approx(center.x() + 40) and moved.y() == pytest.approx(
        center.y() + 20
    )
    bar = canvas.horizontalScrollBar()
    assert bar.maximum() > 0
    value = bar.value()
    bar.setValue(value - 30)
    assert canvas.map_to_image(QPointF(150, 150)).x() == pytest.approx(moved.x() - 30)


def test_pan_stops_at_the_image_edges(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    viewer.set_actual_size()
    viewer.canvas.pan_by(10_000, 10_000)
    rect = viewer.canvas.image_rect_in_view()
    assert rect.left() == pytest.approx(0) and rect.top() == pytest.approx(0)


def test_double_click_toggles_fit_and_actual_size(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    viewport = viewer.canvas.viewport()
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    assert viewer.is_fit()


def distinct_colors(image, rect) -> set:
    return {image.pixel(x, y) for x in range(rect[0], rect[2]) for y in range(rect[1], rect[3])}


def test_crisp_pixels_from_200_percent_and_smooth_when_shrunk(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    viewer.set_actual_size()
    viewer.zoom_by(4.0)
    shot = viewer.canvas.viewport().grab().toImage()
    assert distinct_colors(shot, (20, 20, 280, 280)) <= {0xFF000000, 0xFFFFFFFF}
    viewer.set_actual_size()
    viewer.zoom_by(0.3)
    shot = viewer.canvas.viewport().grab().toImage()
    rect = viewer.canvas.image_rect_in_view().toRect().adjusted(2, 2, -2, -2)
    colors = distinct_colors(shot, (rect.left(), rect.top(), rect.right(), rect.bottom()))
    assert len(colors) > 2  # averaged greys, not a shimmering black/white pattern


def test_keys_navigate_zoom_and_close(qtbot, viewer, image):
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    viewer.canvas.setFocus()
    with qtbot.waitSignal(viewer.next_requested, timeout=1000):
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Right)
    with qtbot.waitSignal(viewer.previous_requested, timeout=1000):
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Left)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_1)
    assert viewer.zoom() == pytest.approx(1.0)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Plus)
    assert viewer.zoom() > 1.0
    QTest.keyClick(viewer.canvas, Qt.Key.Key_0)
    assert viewer.is_fit()
    with qtbot.waitSignal(viewer.action_requested, timeout=1000) as esc:
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Escape)
    assert esc.args == ["back", 1]  # the flow steps back: full screen, panels, then gallery


def test_next_image_of_the_same_size_keeps_the_zoom(qtbot, viewer, image, tmp_path):
    other = checker_png(tmp_path / "other.png", colors=((255, 0, 0), (0, 0, 255)))
    tall = checker_png(tmp_path / "tall.png", size=(512, 768))
    viewer.show_image(rec(1, image))
    wait_full(qtbot, viewer.canvas)
    viewer.zoom_by(3.0)
    zoom = viewer.zoom()
    viewer.show_image(rec(2, other))
    assert viewer.zoom() == pytest.approx(zoom)
    viewer.show_image(rec(3, tall, (512, 768)))
    assert viewer.is_fit()


def test_thumbnail_is_shown_while_the_full_image_loads(qtbot, viewer, image, loader):
    loader.request(image, 128)
    qtbot.waitUntil(lambda: loader.cached(image, 128) is not None, timeout=5000)
    viewer.show_image(rec(1, image))
    assert viewer.canvas.pixmap() is not None
    assert viewer.canvas.image_size() == QSize(512, 512)  # laid out at full size already
    wait_full(qtbot, viewer.canvas)


def test_unreadable_image_shows_a_message(qtbot, viewer, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"garbage")
    viewer.show_image(rec(1, broken))
    qtbot.waitUntil(lambda: "Can't read" in viewer.canvas._message, timeout=5000)


@pytest.fixture
def compare(qtbot, loader, image, tmp_path):
    widget = CompareView(loader)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    other = checker_png(tmp_path / "other.png", colors=((255, 0, 0), (0, 0, 255)))
    widget.show_images(rec(1, image), rec(2, other), "seed 101", "seed 102 (assumed)")
    wait_full(qtbot, widget.left)
    wait_full(qtbot, widget.right)
    return widget


def assert_same_view(a: ImageCanvas, b: ImageCanvas) -> None:
    """Same zoom, and the same image point at the same place relative to each view's centre."""
    assert a.zoom() == pytest.approx(b.zoom())
    for offset in (QPointF(0, 0), QPointF(-120, 80)):
        pa = a.map_to_image(QRectF(a.viewport().rect()).center() + offset)
        pb = b.map_to_image(QRectF(b.viewport().rect()).center() + offset)
        assert pa.x() == pytest.approx(pb.x()) and pa.y() == pytest.approx(pb.y())


def test_compare_keeps_both_sides_in_step(qtbot, compare):
    left, right = compare.left, compare.right
    assert abs(left.viewport().width() - right.viewport().width()) <= 1
    assert left.state is right.state
    assert_same_view(left, right)
    left.zoom_at(4.0, QPointF(50, 60))
    assert_same_view(left, right)
    right.pan_by(-35, 22)
    assert_same_view(left, right)
    QTest.mousePress(left.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    QTest.mouseMove(left.viewport(), QPoint(60, 70))
    QTest.mouseRelease(left.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(60, 70))
    assert_same_view(left, right)
    compare.set_actual_size()
    assert compare.zoom() == pytest.approx(1.0) and right.zoom() == pytest.approx(1.0)
    compare.set_fit()
    assert compare.is_fit() and right.zoom() == pytest.approx(left.zoom())
    assert compare.left_caption.text() == "A · seed 101"
    assert compare.right_caption.text() == "B · seed 102 (assumed)"


def test_view_state_clamps_zoom():
    state = ViewState()
    state.set_view(1000, QPointF())
    assert state.zoom == 32.0 and not state.fit
    state.set_fit()
    assert state.fit
