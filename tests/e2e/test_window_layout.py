"""The real window at laptop and desktop sizes: no clipped control, panels that hide and return."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QFileDialog

from app.ui.dialogs.welcome_dialog import WelcomeDialog
from tests.support.clipping import clipped_controls


async def _settle(qapp, rounds: int = 8) -> None:
    """Lets layouts and paints happen: the qasync loop runs Qt's events between the sleeps
    (a processEvents() inside a coroutine would re-enter other tasks and strand them)."""
    for _ in range(rounds):
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000), (1920, 1080), (900, 600)])
def test_no_control_is_clipped_horizontally(qloop, harness_factory, styled_app, size, tmp_path):
    qapp = styled_app  # the real theme: its paddings are what makes a control fit or not
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.resize(*size)
        window.show()
        # After a generation: tiles, a task card with its time, the gallery's headers.
        window.form.set_values({"width": 256, "height": 384, "samples": 2})
        window.generate_panel.request_generate()
        studio = controller.studio
        await harness.wait(
            lambda: studio.ledger.all() and all(s.is_final for s in studio.ledger.all()),
            what="the generation",
        )
        await _settle(qapp)
        assert window.width() == size[0]
        window.grab().save(str(tmp_path / "window.png"))  # kept for a look when it fails
        assert clipped_controls(window) == []
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_panels_hide_come_back_and_reset(qloop, harness_factory, qapp):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.resize(1600, 1000)
        window.show()
        await _settle(qapp)
        form_action = window.commands.action("view.form")
        side_action = window.commands.action("view.side")
        assert form_action.isChecked() and side_action.isChecked()
        assert window.commands.action("view.tasks").isChecked()
        form_action.trigger()
        side_action.trigger()
        await _settle(qapp)
        assert not window.form_host.isVisible() and not window.tasks_dock.isVisible()
        assert not form_action.isChecked() and not side_action.isChecked()
        assert not window.commands.action("view.tasks").isChecked()
        window.commands.action("view.reset_layout").trigger()
        await _settle(qapp)
        assert window.form_host.isVisible() and window.tasks_dock.isVisible()
        assert form_action.isChecked() and side_action.isChecked()
        # The docks' names are on their tabs only, not on a title bar as well:
        assert window.tasks_dock.titleBarWidget() is not None
        window.inspiration_dock.close()  # alone, Tasks gets its title bar (its name) back
        await _settle(qapp)
        assert window.tasks_dock.titleBarWidget() is None
        window.commands.action("view.inspiration").trigger()
        await _settle(qapp)
        assert window.tasks_dock.titleBarWidget() is not None
        # A narrow window gives the gallery the room; the side panel steps aside, then returns.
        window.resize(1024, 700)
        await _settle(qapp)
        assert not window.tasks_dock.isVisible() and not side_action.isChecked()
        window.resize(1600, 1000)
        await _settle(qapp)
        assert window.tasks_dock.isVisible() and side_action.isChecked()
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_a_saved_layout_that_does_not_fit_the_screen_is_not_restored(qloop, harness_factory, qapp):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        screen = window.screen().availableGeometry()
        window.setGeometry(QRect(screen.right() + 3000, 0, 1400, 900))  # a monitor now gone
        saved = bytes(window.saveGeometry().toBase64().data()).decode()
        assert not window.layout_keeper.restore(saved, "")
        # Placed on the screen there is, as large as the default allows (never below 900×600):
        assert window.frameGeometry().topLeft() == screen.topLeft()
        assert window.width() == max(900, min(1280, screen.width()))
        assert window.height() == max(600, min(800, screen.height()))
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_dismissing_the_welcome_dialog_starts_the_demo(qloop, harness_factory, qapp):
    harness = harness_factory(demo=False)

    async def scenario() -> None:
        controller = await harness.start()
        dialogs = lambda: [w for w in qapp.topLevelWidgets() if isinstance(w, WelcomeDialog)]  # noqa: E731
        await harness.wait(lambda: any(d.isVisible() for d in dialogs()), what="the welcome")
        assert controller.studio is None
        next(d for d in dialogs() if d.isVisible()).reject()  # Esc or the close button
        await harness.wait(lambda: controller.studio is not None, what="the demo")
        assert controller.spec is not None and controller.spec.demo
        await harness.wait(lambda: controller.window.form is not None, what="the form")
        assert controller.window.form_placeholder is None
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_the_first_save_opens_in_the_output_folder(qloop, harness_factory, qapp, tmp_path):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.form.set_values({"width": 256, "height": 256, "samples": 1})
        window.generate_panel.request_generate()
        await harness.wait(lambda: window.gallery.image_ids(), what="an image")
        folder = controller.session.output_dir()
        assert not folder.exists()  # a fresh profile: Pictures/Wiro Studio is not made yet
        window.image_actions.save(window.gallery.image_ids()[:1])
        dialogs = lambda: [w for w in qapp.topLevelWidgets() if isinstance(w, QFileDialog)]  # noqa: E731
        await harness.wait(lambda: any(d.isVisible() for d in dialogs()), what="Save As")
        dialog = next(d for d in dialogs() if d.isVisible())
        assert Path(dialog.directory().absolutePath()) == folder
        assert folder.is_dir() and Path.cwd() != folder
        dialog.reject()
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_inspiration_opens_as_a_full_view_in_columns_and_goes_back(
    qloop, harness_factory, styled_app
):
    qapp = styled_app
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        window.resize(1600, 1000)
        window.show()
        window.show_inspiration()
        await harness.wait(lambda: window.inspiration.examples.cards(), what="the examples")
        await _settle(qapp)
        dock_columns = window.inspiration.examples.columns()
        window.commands.action("view.inspiration_full").trigger()
        await _settle(qapp)
        assert window.center.currentWidget() is window.inspiration
        assert not window.inspiration_dock.isVisible()
        examples = window.inspiration.examples
        assert examples.columns() >= 3 > dock_columns
        first, second = examples.visible_cards()[:2]
        assert first.y() == second.y() and first.x() < second.x()  # side by side in a row
        assert clipped_controls(window) == []
        window.commands.action("view.gallery").trigger()
        await _settle(qapp)
        assert window.center.currentWidget() is window.gallery
        assert window.inspiration_dock.widget() is window.inspiration
        assert window.inspiration_dock.isVisible()
        assert examples.columns() == dock_columns
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
