"""The first frame: the window with its real layout and the form from the cached schema,
painted before the asyncio loop, the network stack, the keychain and the library load.

``load_first_frame`` reads the two small files the frame is laid out from, before Qt is even
imported; ``show_first_frame`` builds the window and paints it in Qt's own loop. Only what
that frame needs is imported on the way; the workspace is built afterwards by
``MainWindow.attach``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.core.schema import ToolSchema
from app.services.schema_cache import cached_schema
from app.storage.paths import AppPaths
from app.storage.settings import Settings, SettingsStore

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

# What the event loop and the controller import (``app.main`` after the first paint), leaves
# first as ``python -X importtime`` reports them done; loaded one per turn of Qt's loop so that
# the painted window answers input meanwhile. A module missing here still loads, inside its
# importer's turn; platform-specific ones (asyncio.unix_events, fcntl, …) are left to that.
_BEHIND_THE_FRAME = """
    concurrent.futures locale signal subprocess ssl contextvars asyncio
    concurrent.futures.thread qasync datetime sqlite3 app.api app.core.text app.api.errors
    app.core.credentials app.services.connection app.services.spawn app.storage.credentials
    app.storage.dbfaults app.storage.diskguard unicodedata app.storage.history_queries
    app.storage.history_rows app.storage.history app.services.events app.services.demo
    app.ui.session app.ui.flows app.ui.flows.history_problem_flow app.ui.app_controller
    app.ui.widgets.errors app.ui.widgets.thumbnails
"""
LOOP_MODULES = tuple(_BEHIND_THE_FRAME.split())


@dataclass
class FirstFrame:
    """The painted window and the settings it was laid out from (the controller keeps both)."""

    window: MainWindow
    settings: Settings


def likely_demo(settings: Settings, demo: bool) -> bool:
    """Whether the start will most likely open the demo (asked for, or where the user was)."""
    return demo or settings.last_mode == "demo"


def load_first_frame(paths: AppPaths, demo: bool) -> tuple[Settings, ToolSchema]:
    """Settings and the tool schema of the profile about to open (two small files, blocking;
    pure Python, so that it can run before Qt's import)."""
    settings = SettingsStore(paths.settings_file).load()
    return settings, cached_schema(paths, likely_demo(settings, demo))


def load_behind_the_frame(
    frame: FirstFrame,
    modules: tuple[str, ...] = LOOP_MODULES,
    load: Callable[[str], object] = importlib.import_module,
) -> bool:
    """Imports ``modules`` one per turn of Qt's own loop, behind the painted window: typing and
    Generate (which waits) work meanwhile. False when the window was closed on the way.

    Only before the asyncio loop exists (a nested Qt loop inside a coroutine would re-enter
    its tasks); ``MainWindow.preload_workspace`` does the same inside the asyncio loop."""
    from PySide6.QtCore import QEventLoop, QTimer

    from app.ui.window_parts import refuse_inside_asyncio

    window = frame.window
    pending = [name for name in modules if name not in sys.modules]
    loop = QEventLoop()

    def step() -> None:
        if not window.isVisible():
            loop.quit()
            return
        if pending:
            load(pending.pop(0))
        if pending:
            QTimer.singleShot(0, step)
        else:
            loop.quit()

    refuse_inside_asyncio("load_behind_the_frame()")
    QTimer.singleShot(0, step)
    loop.exec()
    return window.isVisible()


def show_first_frame(settings: Settings, schema: ToolSchema, *, demo: bool = False) -> FirstFrame:
    """Builds the window's first frame, shows it and returns once it has painted. The demo
    banner is there from the first frame when the demo is the likely mode (no jump later)."""
    from app.ui.main_window import MainWindow

    window = MainWindow(schema, settings)
    window.banner.setVisible(likely_demo(settings, demo))
    window.paint_before_the_loop()
    return FirstFrame(window, settings)
