"""Window actions around finished images, and quitting with work in flight."""

from __future__ import annotations

import logging

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.services.events import Phase
from app.ui.flows.smoke import thumbnails_shown


def _latest(controller):
    return max(controller.studio.ledger.all(), key=lambda s: s.id)


async def _one_generation(harness, controller, **values):
    await harness.wait(lambda: controller.studio is not None and controller.window.form)
    window = controller.window
    window.form.set_values({"width": 128, "height": 128, "samples": 2, **values})
    window.generate_panel.request_generate()
    await harness.wait(lambda: controller.studio.ledger.all(), what="a generation")
    gen = _latest(controller)
    await harness.wait(lambda: shown(window, gen.id) == 2, what="thumbnails")
    studio = controller.studio
    await harness.wait(lambda: studio.generation(gen.id).phase is Phase.SUCCEEDED, what="done")
    return studio.generation(gen.id)


def test_copy_reuse_and_background_notification(qloop, harness_factory):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        state = await _one_generation(harness, controller, steps=9)
        window = controller.window
        if not window.isActiveWindow():
            assert window.notifier.sent, "a finished generation in the background notifies"
        second = state.images[1]
        QGuiApplication.clipboard().clear()
        window.image_actions.copy(second.id)
        await harness.wait(lambda: not QGuiApplication.clipboard().image().isNull())
        assert QGuiApplication.clipboard().image().width() == 128

        window.form.set_values({"steps": 30})
        window.image_actions.reuse_settings(second.id)
        values = window.form.values()
        assert values["steps"] == 9 and str(values["seed"]) == str(state.params["seed"])
        assert not window.form.random_seed_enabled()
        window.image_actions.reuse_seed(second.id)
        assert str(window.form.values()["seed"]) == str(second.seed)
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_quit_with_tasks_in_flight_asks_then_shuts_down_cleanly(qloop, harness_factory, caplog):
    harness = harness_factory(demo=True)
    caplog.set_level(logging.ERROR, logger="asyncio")

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        controller.demo_server.runner.configure(step_mode=True)
        window = controller.window
        window.form.set_values({"width": 128, "height": 128, "samples": 1})
        window.generate_panel.request_generate()
        await harness.wait(lambda: controller.studio.ledger.all() and _latest(controller).task_id)
        assert controller.studio.in_flight() == 1

        window.close()
        await harness.wait(lambda: window.findChildren(QMessageBox), what="the question")
        box = window.findChildren(QMessageBox)[0]
        assert "still in progress" in box.text()
        assert window.isVisible(), "nothing closes before the artist answers"
        cancel = box.button(QMessageBox.StandardButton.Cancel)
        cancel.click()
        assert window.isVisible() and harness.run_task is not None
        assert not harness.run_task.done()

        window.close()
        await harness.wait(lambda: [b for b in window.findChildren(QMessageBox) if b.isVisible()])
        box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
        quit_button = next(b for b in box.buttons() if b.text() == "Quit")
        quit_button.click()
        assert await harness.wait_done() == 0
        assert not window.isVisible()
        assert controller.studio is None

    qloop.run_until_complete(scenario())
    qloop.run_until_complete(__import__("asyncio").sleep(0.1))
    pending = [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]
    assert pending == []


def test_gallery_shows_history_after_restart(qloop, harness_factory):
    first = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await first.start()
        state = await _one_generation(first, controller)
        assert state.phase is Phase.SUCCEEDED
        assert await first.stop() == 0

        again = harness_factory(demo=True)
        controller = await again.start()
        await again.wait(lambda: controller.studio is not None and controller.window.form)
        gallery = controller.window.gallery
        await again.wait(lambda: len(gallery.image_ids(state.id)) == 2, what="history")
        tasks = controller.window.tasks  # its rows come from a second, later history read
        await again.wait(lambda: tasks.state(state.id) is not None, what="the task row")
        assert tasks.state(state.id).phase is Phase.SUCCEEDED
        assert await again.stop() == 0

    qloop.run_until_complete(scenario())


def shown(window, generation_id: int) -> int:
    return thumbnails_shown(window.gallery, window.loader, generation_id)
