"""The first frame (issue 17): the real layout and form, painted before the event loop, with
"Loading…" where the workspace goes; attach() then builds the workspace behind it, keeps the
menu bar's titles, and a Generate pressed in between waits for the studio like any other."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMenu

from app.services.schema_cache import bundled_schema
from app.storage.credentials import CredentialStore
from app.storage.paths import AppPaths
from app.storage.settings import Settings, SettingsStore
from app.ui.first_frame import load_first_frame, show_first_frame
from app.ui.main_window import MainWindow
from app.ui.session import UiSession
from app.ui.window_parts import SHELL_MENU_TITLES
from tests.e2e.conftest import qloop as qloop  # the fixture, shared
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.test_flows import FakeModes


class Host(FakeModes):
    def confirm_close(self) -> bool:
        return True


def _menu_titles(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]


def test_the_first_frame_paints_the_form_and_says_loading_for_the_rest(qtbot, tmp_path: Path):
    paths = AppPaths.under(tmp_path)
    settings = Settings()
    settings.last_params = {"prompt": "a lighthouse at dusk", "steps": 31}
    SettingsStore(paths.settings_file).save(settings)

    frame = show_first_frame(paths, demo=True)
    window = frame.window
    qtbot.addWidget(window)
    assert window.first_painted_at is not None and window.isVisible()
    assert not window.attached
    assert window.form is not None and window.form.isVisible()
    assert window.form.values()["prompt"] == "a lighthouse at dusk"  # the last form, restored
    assert window.generate_panel is not None and window.generate_panel.button.isEnabled()
    centre = window.center.currentWidget()
    assert isinstance(centre, QLabel) and centre.text() == "Loading…"
    tasks = window.tasks_dock.widget()
    assert isinstance(tasks, QLabel) and tasks.text() == "Loading…"
    assert _menu_titles(window) == list(SHELL_MENU_TITLES)
    assert frame.settings.last_params["steps"] == 31


def test_attach_builds_the_workspace_and_keeps_a_generate_pressed_before_it(qtbot, tmp_path):
    paths = AppPaths.under(tmp_path)
    settings, schema = load_first_frame(paths, demo=True)
    assert schema == bundled_schema()  # nothing cached yet
    window = MainWindow(schema, settings)
    qtbot.addWidget(window)
    window.show()
    panel = window.generate_panel
    assert window.form is not None and panel is not None
    window.form.set_values({"prompt": "pressed before the workspace existed"})
    assert panel.request_generate()
    assert panel.button.text() == "Connecting…"

    session = UiSession(paths, credentials=CredentialStore(MemoryKeyring()))
    session.settings = settings
    window.attach(session, Host())
    assert window.attached
    assert window.center.currentWidget() is window.gallery
    assert window.tasks_dock.widget() is window.tasks
    assert not any(isinstance(w, QLabel) for w in (window.center.widget(0),))
    assert _menu_titles(window) == list(SHELL_MENU_TITLES)  # the same bar, now filled
    assert all(a.menu().actions() for a in window.menuBar().actions() if a.menu())
    [waiting] = window.requests.waiting  # handed over: sent once a studio is bound
    assert waiting.values["prompt"] == "pressed before the workspace existed"
    assert panel.button.text() == "Connecting…"


def test_the_first_frame_is_never_awaited_with_a_nested_loop_inside_a_coroutine(qtbot, qloop):
    window = MainWindow()
    qtbot.addWidget(window)

    async def inside() -> None:
        window._first_paint.wait_before_the_loop(0.1)

    with pytest.raises(RuntimeError, match="running asyncio loop"):
        qloop.run_until_complete(inside())
