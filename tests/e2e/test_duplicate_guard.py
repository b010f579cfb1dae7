"""Generate with a fixed seed while the identical request runs: the app asks before paying twice."""

from __future__ import annotations

import asyncio

from app.services.demo import DemoServer
from app.ui.widgets.duplicate_guard import identical_running
from tests.ui.conftest import make_state


def test_identical_means_every_submitted_value():
    running = make_state(1, params={"prompt": "fox", "seed": "42", "scale": 7.5, "steps": 20})
    assert identical_running([running], {"prompt": "fox", "seed": 42, "scale": "7.5"}) is running
    assert identical_running([running], {"prompt": "fox", "seed": 43}) is None
    done = make_state(2, params={"prompt": "fox", "seed": "42"}, phase=running.phase.SUCCEEDED)
    assert identical_running([done], {"prompt": "fox", "seed": 42}) is None


def test_a_fixed_seed_duplicate_asks_first(qloop, harness_factory, qapp):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        harness.controller.demo_server = await loop.run_in_executor(
            None, lambda: DemoServer.start(queue_seconds=0.05, run_seconds=2.0)
        )
        controller = await harness.start(fast_demo=False)
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        window.form.set_values({"width": 256, "height": 256})
        window.form.fix_seed(4242)
        window.generate_panel.request_generate()
        await harness.wait(lambda: len(studio.running()) == 1, what="the first run")
        window.generate_panel.request_generate()
        await harness.wait(lambda: getattr(window, "duplicate_box", None) is not None)
        box = window.duplicate_box
        assert box.isVisible() and "fixed seed" in box.text()
        await asyncio.sleep(0.2)
        assert len(studio.ledger.all()) == 1  # nothing sent while it asks
        again = next(b for b in box.buttons() if b.text() == "Generate again")
        again.click()
        await harness.wait(lambda: len(studio.ledger.all()) == 2, what="the second run")
        window.form.set_random_seed(True)  # random seeds differ: no question
        window.duplicate_box = None
        window.generate_panel.request_generate()
        await harness.wait(lambda: len(studio.ledger.all()) == 3, what="a random-seed run")
        assert window.duplicate_box is None
        # Let the runs end before quitting (a watcher cut off mid-run is not this test's subject).
        await harness.wait(lambda: not studio.running(), timeout=40, what="the runs to end")
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
