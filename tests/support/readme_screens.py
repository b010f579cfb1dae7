"""Takes the README's window screenshots: the whole window at 1024×700, the gallery at 1600×1000,
and the Inspiration panel beside the gallery at 1280×800.

Run as ``python -m tests.support.readme_screens OUT_DIR`` with a display (Xvfb in the suite):
the real demo app generates two batches, then the window is grabbed at both sizes.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

GENERATIONS = (
    {"width": 512, "height": 768, "samples": 4},
    {"width": 768, "height": 512, "samples": 2},
)


async def _settle(app: object, seconds: float = 0.6) -> None:
    """Lets layouts, paints and decoding happen: the qasync loop runs Qt's events meanwhile
    (``app.processEvents()`` inside a coroutine would re-enter other tasks and strand them)."""
    del app
    await asyncio.sleep(seconds)


def _save(window: object, path: Path) -> None:
    # Rendered rather than read off the display: the window may be larger than Xvfb's screen.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path), "PNG"):  # type: ignore[attr-defined]  # a QWidget
        raise OSError(f"could not write {path}")


async def _take(app: object, out: Path) -> None:
    from app.services.demo import DemoServer
    from app.services.events import Phase
    from app.storage.paths import AppPaths
    from app.ui.app_controller import AppController
    from app.ui.flows.smoke import thumbnails_shown

    root = Path(tempfile.mkdtemp(prefix="wiro-readme-"))
    controller = AppController(app, AppPaths.under(root), demo=True)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    controller.demo_server = await loop.run_in_executor(
        None, lambda: DemoServer.start(queue_seconds=0.05, run_seconds=0.3)
    )
    run = loop.create_task(controller.run())
    try:
        deadline = time.monotonic() + 60
        while controller.studio is None or controller.window.form is None:
            if run.done() or time.monotonic() > deadline:
                raise RuntimeError("the demo did not start")
            await asyncio.sleep(0.05)
        window, studio = controller.window, controller.studio
        window.move(0, 0)
        window.resize(1600, 1000)
        window.show()
        for values in GENERATIONS:
            window.form.set_values(values)
            window.generate_panel.request_generate()
            await asyncio.sleep(0.2)
        ids = [s.id for s in studio.ledger.all()]
        # every generation done, its images in the gallery, and no thumbnail still decoding
        # (tiles below the fold are decoded only when scrolled to)
        while not (
            all(
                studio.generation(i).phase is Phase.SUCCEEDED
                and len(window.gallery.image_ids(i)) == len(studio.generation(i).images)
                for i in ids
            )
            and any(thumbnails_shown(window.gallery, window.loader, i) for i in ids)
            and window.loader.pending_count() == 0
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the generations did not finish")
            await asyncio.sleep(0.05)
        await _settle(app)
        _save(window, out / "gallery-1600x1000.png")
        window.resize(1024, 700)
        await _settle(app)
        _save(window, out / "window-1024x700.png")
        window.resize(1280, 800)
        window.show_inspiration()
        await _settle(app, 1.2)  # the cards and their pictures (decoded off the GUI thread)
        _save(window, out / "inspiration.png")
    finally:
        await controller.shutdown()
        await asyncio.wait_for(run, 20)


def main(out: Path) -> int:
    import qasync
    from PySide6.QtWidgets import QApplication

    from app.ui.widgets.style import apply_style

    app = QApplication(sys.argv[:1])
    apply_style(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(_take(app, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
