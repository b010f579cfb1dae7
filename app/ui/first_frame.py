"""The first frame: the window with its real layout and the form from the cached schema,
painted before the asyncio loop, the network stack, the keychain and the library load.

Only what that frame needs is imported here (Qt widgets, the form, the settings file and the
schema cache); the workspace is built afterwards by ``MainWindow.attach``."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.core.schema import ToolSchema
from app.services.schema_cache import cached_schema
from app.storage.paths import AppPaths
from app.storage.settings import Settings, SettingsStore
from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)


@dataclass
class FirstFrame:
    """The painted window and the settings it was laid out from (the controller keeps both)."""

    window: MainWindow
    settings: Settings


def load_first_frame(paths: AppPaths, demo: bool) -> tuple[Settings, ToolSchema]:
    """Settings and the tool schema of the profile about to open (two small files, blocking)."""
    settings = SettingsStore(paths.settings_file).load()
    return settings, cached_schema(paths, demo or settings.last_mode == "demo")


def show_first_frame(paths: AppPaths, *, demo: bool, started: float | None = None) -> FirstFrame:
    """Builds the window's first frame, shows it and returns once it has painted.

    ``started``: ``time.perf_counter()`` at process start, for the log's start-up line."""
    settings, schema = load_first_frame(paths, demo)
    window = MainWindow(schema, settings)
    window.paint_before_the_loop()
    painted = window.first_painted_at
    if started is not None and painted is not None:
        log.info("first frame painted %.0f ms after start", (painted - started) * 1000)
    return FirstFrame(window, settings)
