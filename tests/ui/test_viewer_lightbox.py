"""The lightbox: Fit at 100 %, every action on its key, the menu and the toolbar, the info panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow, QMenu

from app.ui.viewer.actions import MENU_LAYOUT, VIEWER_ACTIONS
from app.ui.viewer.info_panel import ImageInfo
from app.ui.viewer.viewer import ImageViewer
from tests.ui.test_viewer import checker_png, rec, wait_full


@pytest.fixture
def portrait(tmp_path) -> Path:
    return checker_png(tmp_path / "portrait.png", size=(512, 768), cell=32)


@pytest.fixture
def viewer(qtbot, loader, portrait):
    widget = ImageViewer(loader)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_image(rec(7, portrait, (512, 768)), "seed 107")
    wait_full(qtbot, widget.canvas)
    widget.canvas.setFocus()
    return widget


def test_fit_shows_100_percent_when_the_image_fits(qtbot, viewer):
    viewer.canvas.setFixedSize(1300, 880)  # what a 1600×1000 window gives the lightbox
    qtbot.waitUntil(lambda: viewer.canvas.viewport().height() >= 768)
    assert viewer.is_fit() and viewer.zoom() == pytest.approx(1.0)
    assert viewer.bar.zoom_label.text() == "100 %"
    rect = viewer.canvas.image_rect_in_view()
    assert (rect.width(), rect.height()) == (512, 768)  # not stretched past its pixels


def test_fit_shrinks_an_image_that_does_not_fit(qtbot, viewer):
    viewer.canvas.setFixedSize(400, 384)
    qtbot.waitUntil(lambda: viewer.canvas.viewport().height() == 384)
    assert viewer.is_fit() and viewer.zoom() == pytest.approx(0.5)


KEYS = [
    ("star", Qt.Key.Key_S, Qt.KeyboardModifier.NoModifier),
    ("reject", Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier),
    ("delete", Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier),
    ("reuse_settings", Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier),
    ("reuse_seed", Qt.Key.Key_R,
     Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    ("copy_image", Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier),
    ("copy_prompt", Qt.Key.Key_C,
     Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    ("copy_parameters", Qt.Key.Key_C,
     Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier),
    ("save", Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier),
    ("compare", Qt.Key.Key_C, Qt.KeyboardModifier.NoModifier),
    ("open_folder", Qt.Key.Key_O,
     Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
    ("panels", Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier),
    ("panels", Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier),
    ("full_screen", Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
    ("back", Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
]  # fmt: skip


@pytest.mark.parametrize(("action_id", "key", "modifiers"), KEYS)
def test_each_key_asks_for_its_action_on_the_current_image(
    qtbot, viewer, action_id, key, modifiers
):
    with qtbot.waitSignal(viewer.action_requested, timeout=1000) as asked:
        QTest.keyClick(viewer.canvas, key, modifiers)
    assert asked.args == [action_id, 7]
    assert viewer.canvas.hasFocus()  # Tab did not move the focus away


def test_the_lightbox_keys_win_over_the_windows_shortcuts(qtbot, loader, portrait):
    window = QMainWindow()
    qtbot.addWidget(window)
    fired: list[str] = []
    for keys in ("Esc", "Ctrl+S", "Del"):
        action = QAction(keys, window)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _c=False, k=keys: fired.append(k))
        window.addAction(action)
    viewer = ImageViewer(loader)
    window.setCentralWidget(viewer)
    window.show()
    qtbot.waitExposed(window)
    viewer.show_image(rec(3, portrait, (512, 768)))
    viewer.canvas.setFocus()
    asked: list[str] = []
    viewer.action_requested.connect(lambda action_id, _i: asked.append(action_id))
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Escape)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Delete)
    assert asked == ["back", "save", "delete"] and fired == []


def test_ctrl_z_undoes_a_reject_only_when_there_is_one(qtbot, viewer):
    asked: list[str] = []
    viewer.action_requested.connect(lambda action_id, _i: asked.append(action_id))
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert asked == []  # left to the window's Undo delete
    viewer.can_undo_reject = True
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["undo_reject"]


def test_i_toggles_the_info_panel(qtbot, viewer):
    assert not viewer.info_visible()
    QTest.keyClick(viewer.canvas, Qt.Key.Key_I)
    assert viewer.info_visible() and viewer.actions_.action("info").isChecked()
    QTest.keyClick(viewer.canvas, Qt.Key.Key_I)
    assert not viewer.info_visible() and not viewer.actions_.action("info").isChecked()


def test_right_click_menu_and_toolbar_offer_the_actions(qtbot, viewer):
    menu = viewer.actions_.menu(viewer)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == [viewer.actions_.action(i).text() for i in MENU_LAYOUT if i is not None]
    assert {a.id for a in VIEWER_ACTIONS} == {i for i in MENU_LAYOUT if i is not None}
    shown = [a.iconText() for a in viewer.toolbar.actions()]
    assert shown[:3] == ["★ Star", "⊘ Reject", "Delete"] and "Info" in shown
    with qtbot.waitSignal(viewer.action_requested, timeout=1000) as asked:
        viewer.actions_.action("reuse_seed").trigger()
    assert asked.args == ["reuse_seed", 7]
    viewer.canvas.customContextMenuRequested.emit(QPoint(20, 20))
    assert isinstance(viewer.context_menu, QMenu) and viewer.context_menu.isVisible()
    viewer.context_menu.close()


def test_marks_show_on_the_toolbar_and_caption(qtbot, viewer, portrait):
    from dataclasses import replace

    record = viewer.current_record()
    viewer.update_record(replace(record, starred=True, rejected=True))
    assert viewer.actions_.action("star").isChecked()
    assert viewer.actions_.action("reject").isChecked()
    assert viewer.bar.caption.text() == "★ Rejected · seed 107"
    viewer.update_record(replace(record, starred=False, rejected=False))
    assert viewer.bar.caption.text() == "seed 107"


def test_info_panel_shows_text_plainly_and_copies_each_part(qtbot, viewer):
    info = ImageInfo(
        prompt="<b>bold?</b> a <img src='/dev/zero'> cat",
        negative_prompt="blurry",
        settings=(("Steps", "20"), ("Seed", "107")),
        parameters="<b>bold?</b> a cat\nNegative prompt: blurry\nSteps: 20, Seed: 107",
    )
    viewer.info_panel.set_info(info)
    viewer.set_info_visible(True)
    panel = viewer.info_panel
    assert panel.prompt.textFormat() == Qt.TextFormat.PlainText
    assert "<img" in panel.prompt.text()
    clipboard = QGuiApplication.clipboard()
    for button, expected in (
        (panel.copy_prompt, info.prompt),
        (panel.copy_negative, "blurry"),
        (panel.copy_settings, "Steps: 20\nSeed: 107"),
        (panel.copy_all, info.parameters),
    ):
        clipboard.clear()
        button.click()
        assert clipboard.text() == expected
    panel.set_info(ImageInfo())
    assert not panel.copy_prompt.isEnabled() and panel.prompt.text() == "(none)"


def test_lightbox_hides_panels_and_esc_steps_back_in_order(qtbot, loader, portrait):
    from PySide6.QtWidgets import QDockWidget, QLabel, QSplitter

    from app.ui.flows.lightbox import Lightbox

    window = QMainWindow()
    qtbot.addWidget(window)
    form = QLabel("form")
    viewer = ImageViewer(loader)
    body = QSplitter()
    body.addWidget(form)
    body.addWidget(viewer)
    window.setCentralWidget(body)
    tasks, inspiration = QDockWidget("Tasks", window), QDockWidget("Inspiration", window)
    for dock in (tasks, inspiration):
        dock.setObjectName(dock.windowTitle())
        dock.setWidget(QLabel(dock.windowTitle()))
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    inspiration.close()  # closed by the user: it must stay closed
    window.statusBar().showMessage("ready")  # made before show, as the main window does
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    lightbox = Lightbox(viewer, lambda: [form, window.statusBar(), tasks, inspiration])

    lightbox.set_panels_hidden(True)
    assert form.isHidden() and window.statusBar().isHidden()
    assert not tasks.isVisible() and not inspiration.isVisible()
    lightbox.set_full_screen(True)
    assert window.isFullScreen()
    assert lightbox.step_back() and not window.isFullScreen()  # Esc: full screen first
    assert form.isHidden()
    assert lightbox.step_back()  # then the panels, as they were
    assert not form.isHidden(), "form"
    assert not window.statusBar().isHidden(), "status"
    qtbot.waitUntil(lambda: tasks.isVisible())
    assert not inspiration.isVisible()
    assert not lightbox.step_back()  # nothing left: the caller closes the viewer
