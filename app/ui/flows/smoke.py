"""`wiro-studio --smoke`: one demo generation end to end, offscreen, then a JSON line."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.services.events import Phase
from app.ui.session import ModeSwitches, UiSession

if TYPE_CHECKING:
    from app.ui.form.schema_form import SchemaForm
    from app.ui.gallery.gallery import Gallery
    from app.ui.widgets.thumbnails import ThumbnailLoader

SMOKE_TIMEOUT = 90.0


@dataclass(frozen=True)
class SmokeView:
    """The widgets the smoke run watches: the gallery's tiles and the form, and what to grab."""

    window: QWidget
    gallery: Gallery
    loader: ThumbnailLoader
    form: Callable[[], SchemaForm | None]


async def run_smoke(
    session: UiSession, modes: ModeSwitches, view: SmokeView, screenshot: Path | None = None
) -> None:
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(
            _smoke(session, modes, view, screenshot, started), SMOKE_TIMEOUT
        )
    except TimeoutError:
        print(f"smoke failed: no result within {SMOKE_TIMEOUT:.0f} s", file=sys.stderr, flush=True)
        await modes.shutdown(1)
        return
    except Exception as exc:  # the smoke run reports every failure and exits non-zero
        print(f"smoke failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        await modes.shutdown(1)
        return
    print(json.dumps(result), flush=True)
    await modes.shutdown(0)


async def _smoke(
    session: UiSession,
    modes: ModeSwitches,
    view: SmokeView,
    screenshot: Path | None,
    started: float,
) -> dict[str, Any]:
    await modes.start_demo()
    studio, form = session.studio, view.form()
    if studio is None or form is None:
        raise RuntimeError("the demo studio did not start")
    values = form.values_for_run()
    state = await studio.submit(values)
    expected = int(state.params.get("samples", 4))
    while True:
        current = studio.generation(state.id)
        if current is not None and current.phase in (Phase.FAILED, Phase.CANCELLED, Phase.UNKNOWN):
            raise RuntimeError(f"generation ended {current.phase.value}: {current.error}")
        shown = thumbnails_shown(view.gallery, view.loader, state.id)
        if current is not None and current.phase is Phase.SUCCEEDED and shown >= expected:
            break
        await asyncio.sleep(0.05)
    if screenshot:
        await asyncio.sleep(0.3)  # let the last tiles paint
        save_screenshot(view.window, screenshot)
    folder = Path(tempfile.mkdtemp(prefix="wiro-smoke-saved-"))
    saved = await studio.save_images(list(current.images), folder)
    return {
        "images": len(current.images),
        "saved": [str(p) for p in saved],
        "seconds": round(time.monotonic() - started, 2),
    }


def thumbnails_shown(gallery: Gallery, loader: ThumbnailLoader, generation_id: int) -> int:
    """Tiles of this generation whose thumbnail has been decoded for painting."""
    shown = 0
    for image_id in gallery.image_ids(generation_id):
        record = gallery.record(image_id)
        if record is not None and loader.best_cached(str(record.path)) is not None:
            shown += 1
    return shown


def save_screenshot(window: QWidget, path: Path) -> None:
    """The window as the display shows it (a real X window under Xvfb), else as rendered."""
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    pixmap = None
    if QGuiApplication.platformName() == "xcb" and screen is not None:
        pixmap = screen.grabWindow(window.winId())
    if pixmap is None or pixmap.isNull():
        pixmap = window.grab()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"could not write the screenshot to {path}")
