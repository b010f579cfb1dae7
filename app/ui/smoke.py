"""`wiro-studio --smoke`: one demo generation end to end, offscreen, then a JSON line."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.events import Phase

if TYPE_CHECKING:
    from app.ui.app_controller import AppController

SMOKE_TIMEOUT = 90.0


async def run_smoke(controller: AppController) -> None:
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(_smoke(controller, started), SMOKE_TIMEOUT)
    except TimeoutError:
        print(f"smoke failed: no result within {SMOKE_TIMEOUT:.0f} s", file=sys.stderr, flush=True)
        await _end(controller, 1)
        return
    except Exception as exc:  # the smoke run reports every failure and exits non-zero
        print(f"smoke failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        await _end(controller, 1)
        return
    print(json.dumps(result), flush=True)
    await _end(controller, 0)


async def _smoke(controller: AppController, started: float) -> dict:
    await controller.start_demo()
    window = controller.window
    studio = controller.studio
    assert studio is not None and window.form is not None
    values = window.form.values_for_run()
    state = await studio.submit(values)
    expected = int(state.params.get("samples", 4))
    while True:
        current = studio.generation(state.id)
        if current is not None and current.phase in (Phase.FAILED, Phase.CANCELLED, Phase.UNKNOWN):
            raise RuntimeError(f"generation ended {current.phase.value}: {current.error}")
        shown = thumbnails_shown(window, state.id)
        if current is not None and current.phase is Phase.SUCCEEDED and shown >= expected:
            break
        await asyncio.sleep(0.05)
    if controller.screenshot:
        await asyncio.sleep(0.3)  # let the last tiles paint
        save_screenshot(window, controller.screenshot)
    folder = Path(tempfile.mkdtemp(prefix="wiro-smoke-saved-"))
    saved = await studio.save_images(list(current.images), folder)
    return {
        "images": len(current.images),
        "saved": [str(p) for p in saved],
        "seconds": round(time.monotonic() - started, 2),
    }


def thumbnails_shown(window, generation_id: int) -> int:  # type: ignore[no-untyped-def]
    """Tiles of this generation whose thumbnail has been decoded for painting."""
    gallery, loader = window.gallery, window.loader
    shown = 0
    for image_id in gallery.image_ids(generation_id):
        record = gallery.record(image_id)
        if record is not None and loader.best_cached(str(record.path)) is not None:
            shown += 1
    return shown


def save_screenshot(window, path: Path) -> None:  # type: ignore[no-untyped-def]
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


async def _end(controller: AppController, code: int) -> None:
    await controller.shutdown(code)
