"""README screenshots of the lightbox (info panel shown) and compare A/B, from the real window.

Run as ``python -m tests.e2e.viewer_shots OUT_DIR [WxH]`` (the Xvfb screenshot test does): the
app in its offline demo, styled as users see it, one 512×768 generation, then the shots (at
1600×1000 unless a size is given).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.viewer.overlay import CompareMode
from app.ui.widgets.style import apply_style
from tests.e2e.conftest import AppHarness
from tests.e2e.test_viewer_window import portrait_generation
from tests.support.memory_keyring import MemoryKeyring

SHOTS = ("lightbox.png", "compare-ab.png", "compare-wipe.png")
SIZE = (1600, 1000)


def save_screenshot(window: QWidget, path: Path) -> None:
    """The window as Qt renders it: a 1600×1000 window on a smaller Xvfb screen stays whole."""
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


async def take(harness: AppHarness, out: Path, size: tuple[int, int] = SIZE) -> None:
    try:
        controller = await harness.start()
        state = await portrait_generation(
            harness, controller, samples=2, negative="blurry, low quality, watermark"
        )
        window = controller.window
        window.resize(*size)
        window.show()
        first, second = (r.id for r in state.images)
        window.image_actions.view(first)
        window.viewer.set_info_visible(True)
        await harness.wait(lambda: window.viewer.canvas.pixmap() is not None, what="the image")
        await asyncio.sleep(0.5)
        save_screenshot(window, out / SHOTS[0])
        window.image_actions.compare(first, second)
        window.compare.flip()
        await asyncio.sleep(0.5)
        save_screenshot(window, out / SHOTS[1])
        window.compare.set_mode(CompareMode.WIPE)
        window.compare.overlay.set_wipe_position(0.45)
        await asyncio.sleep(0.3)
        save_screenshot(window, out / SHOTS[2])
    finally:
        await harness.stop_if_running()


def main(out: Path, size: tuple[int, int] = SIZE) -> int:
    app = QApplication(sys.argv[:1])
    apply_style(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with tempfile.TemporaryDirectory(prefix="wiro-shots-") as root:
            harness = AppHarness(app, Path(root) / "app", MemoryKeyring(), demo=True)
            loop.run_until_complete(take(harness, out, size))
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=5))
        loop.close()  # joins qasync's executor threads before Qt goes away
        asyncio.set_event_loop(None)
    return 0


if __name__ == "__main__":
    wanted = tuple(int(n) for n in sys.argv[2].split("x")) if len(sys.argv) > 2 else SIZE
    sys.exit(main(Path(sys.argv[1]), (wanted[0], wanted[1])))
