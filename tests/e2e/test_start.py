"""Start-up: the window and its form come first, Generate works before the connection is ready,
and every part says "Loading…" (never an empty state or "Not connected") until it is."""

from __future__ import annotations

import asyncio
import json

from PySide6.QtWidgets import QTabBar

from app.resources import tool_detail_payload
from app.services.demo import DemoServer, DemoServerSlot
from app.services.events import Phase
from app.ui.gallery.view import EMPTY_TEXT, LOADING_TEXT
from app.ui.tasks.panel import EMPTY_TEXT as TASKS_EMPTY_TEXT


def _hold_demo_start(monkeypatch) -> asyncio.Event:
    """The demo is handed its server only when the returned event is set."""
    release = asyncio.Event()
    original = DemoServerSlot.get

    async def held(slot: DemoServerSlot) -> DemoServer:
        await release.wait()
        return await original(slot)

    monkeypatch.setattr(DemoServerSlot, "get", held)
    return release


def test_generate_before_the_studio_exists_runs_once_the_demo_is_up(
    qloop, harness_factory, monkeypatch
):
    release = _hold_demo_start(monkeypatch)
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.window is not None, what="the window")
        window = controller.window
        await window.first_paint()
        panel = window.generate_panel
        assert window.form is not None and panel is not None, "the form comes with the window"
        await harness.wait(lambda: window.attached, what="the workspace behind the first frame")
        assert controller.studio is None
        assert window.isVisible() and panel.button.isEnabled()
        assert window.mode_label.text() == "Connecting…"
        assert window.gallery.view.empty_text() == LOADING_TEXT
        assert window.tasks.empty_label.text() == LOADING_TEXT
        assert not window.inspiration_dock.panel_built, "no cards before the dock is shown"
        tabs = next(
            bar
            for bar in window.findChildren(QTabBar)
            if "Inspiration" in [bar.tabText(i) for i in range(bar.count())]
        )
        tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Inspiration"))
        await harness.wait(lambda: window.inspiration_dock.panel_built, what="the panel")
        examples = window.inspiration.examples.cards()  # from the cached schema
        assert len(examples) == len(tool_detail_payload()["tool"][0]["inspire"])

        window.form.set_values({"prompt": "a lighthouse before the connection", "steps": 10})
        wanted = window.form.values()
        assert panel.request_generate()
        assert panel.button.text() == "Connecting…"
        assert panel.button.isEnabled()
        await asyncio.sleep(0.2)
        assert controller.studio is None  # still waiting, and the request with it

        release.set()
        await harness.wait(lambda: controller.studio is not None, what="the studio")
        studio = controller.studio
        await harness.wait(lambda: studio.ledger.all(), what="the waiting generation")
        [state] = studio.ledger.all()
        assert state.params["prompt"] == wanted["prompt"] and state.params["steps"] == 10
        assert panel.button.text() == "Generate"
        await harness.wait(
            lambda: studio.generation(state.id).phase is Phase.SUCCEEDED, what="success"
        )
        assert len(studio.ledger.all()) == 1  # sent once, not lost and not doubled
        assert window.gallery.view.empty_text() == EMPTY_TEXT
        assert window.tasks.empty_label.text() == TASKS_EMPTY_TEXT
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_the_tool_detail_answer_is_cached_and_paints_the_next_start(
    qloop, harness_factory, monkeypatch
):
    harness = harness_factory(demo=True)
    paths = harness.controller.paths

    async def first_start() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None, what="the studio")
        cache = paths.tool_detail_cache(True)  # written when Tool/Detail answers, behind it
        await harness.wait(cache.exists, what="the cached Tool/Detail answer")
        assert await harness.stop() == 0

    qloop.run_until_complete(first_start())
    cache = paths.tool_detail_cache(True)
    cached = json.loads(cache.read_text("utf-8"))
    assert cached["tool"][0]["slugproject"] == "dreamshaper-8"

    # The next start shows whatever the last answer said, before any connection.
    for item in cached["tool"][0]["parameters"]:
        for field in item["items"]:
            if field["id"] == "prompt":
                field["label"] = "Cached prompt label"
    cache.write_text(json.dumps(cached), "utf-8")
    release = _hold_demo_start(monkeypatch)
    again = harness_factory(demo=True)

    async def second_start() -> None:
        controller = await again.start()
        await again.wait(lambda: controller.window is not None, what="the window")
        form = controller.window.form
        assert controller.studio is None
        assert form is not None
        assert form.schema.field("prompt").label == "Cached prompt label"
        release.set()
        await again.wait(lambda: controller.studio is not None, what="the studio")
        # The live answer (the emulator's) differs from the cache: the form follows it.
        await again.wait(lambda: controller.window.form is not form, what="a rebuilt form")
        assert controller.window.form.schema == controller.studio.schema
        assert await again.stop() == 0

    qloop.run_until_complete(second_start())
