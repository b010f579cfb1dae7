"""The first frame (issue 17): the real layout and form, painted before the event loop, with
"Loading…" where the workspace goes; attach() then builds the workspace behind it, keeps the
menu bar's titles, and a Generate pressed in between waits for the studio like any other."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMenu, QPushButton

from app.services.schema_cache import bundled_schema
from app.storage.credentials import CredentialStore
from app.storage.paths import AppPaths
from app.storage.settings import Settings, SettingsStore
from app.ui.first_frame import (
    LOOP_MODULES,
    load_behind_the_frame,
    load_first_frame,
    show_first_frame,
)
from app.ui.flows import welcome
from app.ui.main_window import MainWindow
from app.ui.session import UiSession
from app.ui.window_parts import SHELL_MENU_TITLES, WORKSPACE_MODULES
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

    frame = show_first_frame(*load_first_frame(paths, demo=True))
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
    assert window.mode_label.textFormat() == Qt.TextFormat.PlainText  # shows the masked key


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


def _painted_frame(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    frame = show_first_frame(*load_first_frame(AppPaths.under(tmp_path), demo=True))
    qtbot.addWidget(frame.window)
    return frame


def test_the_loop_loads_behind_the_frame_while_it_answers(qtbot, tmp_path: Path):
    frame = _painted_frame(qtbot, tmp_path)
    panel = frame.window.generate_panel
    assert frame.window.form is not None and panel is not None
    frame.window.form.set_values({"prompt": "clicked while the loop was loading"})
    imported: list[str] = []
    seen_by_the_click: list[list[str]] = []

    def click() -> None:  # a user's click, between two imports
        seen_by_the_click.append(list(imported))
        assert panel.request_generate()

    QTimer.singleShot(0, click)
    assert load_behind_the_frame(frame, ("one", "two", "three"), imported.append)
    assert imported == ["one", "two", "three"]
    assert seen_by_the_click and len(seen_by_the_click[0]) < 3  # answered before the end
    assert [r.values["prompt"] for r in frame.window._early_requests] == [
        "clicked while the loop was loading"
    ]
    assert panel.button.text() == "Connecting…"  # waits for the studio, not a dead button


def test_closing_the_window_while_the_loop_loads_stops_the_start(qtbot, tmp_path):
    frame = _painted_frame(qtbot, tmp_path)
    imported: list[str] = []

    def load(name: str) -> None:
        imported.append(name)
        frame.window.close()  # no host yet: the window closes at once

    assert not load_behind_the_frame(frame, ("one", "two", "three"), load)
    assert imported == ["one"]


@pytest.mark.parametrize("modules", [LOOP_MODULES, WORKSPACE_MODULES])
def test_every_module_loaded_behind_the_frame_exists(modules: tuple[str, ...]) -> None:
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    assert missing == []  # a typo would stop the start with an ImportError


def test_the_demo_banner_is_in_the_first_frame_and_its_button_waits_for_the_workspace(
    qtbot, tmp_path: Path, monkeypatch
):
    paths = AppPaths.under(tmp_path)
    frame = show_first_frame(*load_first_frame(paths, demo=True), demo=True)
    window = frame.window
    qtbot.addWidget(window)
    assert window.banner.isVisible()  # there from the first frame: nothing jumps when bound
    opened: list[object] = []
    monkeypatch.setattr(welcome, "open_welcome", lambda parent, *_: opened.append(parent))
    connect = window.banner.findChild(QPushButton)
    assert connect is not None and connect.isEnabled()
    connect.click()
    assert opened == []  # nothing to connect with yet: remembered
    session = UiSession(paths, credentials=CredentialStore(MemoryKeyring()))
    session.settings = frame.settings
    window.attach(session, Host())
    assert opened == [window]


def test_an_account_start_has_no_demo_banner(qtbot, tmp_path: Path):
    settings, schema = load_first_frame(AppPaths.under(tmp_path), demo=False)
    frame = show_first_frame(settings, schema, demo=False)
    qtbot.addWidget(frame.window)
    assert not frame.window.banner.isVisible()
