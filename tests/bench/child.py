"""Subprocess side of the start and memory benchmarks: one process start per run.

``python -m tests.bench.child bare`` shows a bare PySide6 QMainWindow (1280×800, as the app's
default) and reports when its first paint is done and the event loop is idle again; ``form``
does the same for a window of ten stock Qt fields with the app's style (a floor reference).

``python -m tests.bench.child chrome --data-dir D`` starts the real app but builds no form:
the main window's layout, docks, menus, banner and the app's imports (the form's modules
included), painted and reported, then the process ends — what the window costs around the
form, a second reference for the first paint.

``python -m tests.bench.child app --data-dir D [--images N] [--scroll]`` runs the real app
(``app.main.main(["--demo", "--data-dir", D])``) and reports four moments: the main window's
first paint (``window_painted``, the window's own stamp: app.main paints it before the asyncio
loop starts); ``interactive``, the first poll after that paint that finds the form shown with
Generate enabled — the probe's timer is made with the window, so it fires as soon as the
window's Qt loop answers, which it does from the first paint on (app.main loads the rest one
module per turn of that loop);
``thumbs_painted`` (with a library), every image tile of the gallery's first screen painted
with its decoded thumbnail (the ``gallery_delegate.PAINT_PROBE`` hook); and ``ready``: the
demo start has finished (studio bound, form built), the gallery holds its first page (or the
library query came back empty), the gallery has painted that, and the event loop is idle
again. With ``--scroll`` it then waits for every page of the library, scrolls the gallery
from top to bottom one viewport height per step (each step painted, at least 16 ms apart,
like a fast flick), waits for the thumbnail loader to drain, and reports the peak RSS.

The only hooks are wrappers around ``MainWindow.__init__`` (the probe starts polling),
``AppController.run`` and ``start_demo``, and the paint probe, installed when the app itself
imports those modules (importing them here first would add their cost to the first paint):
the app's own start path is measured unchanged. The last stdout line is ``RESULT {json}``
with ``time.perf_counter()`` stamps; the parent subtracts its own stamp taken just before
spawning (perf_counter is CLOCK_MONOTONIC on Linux, shared by processes).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

WATCHDOG_SECONDS = 240


def _emit(result: dict) -> None:
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


def _watchdog(seconds: float) -> None:
    def expire() -> None:
        time.sleep(seconds)
        sys.stderr.write(f"bench child: watchdog expired after {seconds:.0f} s\n")
        sys.stderr.flush()
        os._exit(3)

    threading.Thread(target=expire, daemon=True).start()


def bare() -> int:
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1280, 800)
    return _paint_and_report(app, window)


def stock_form() -> int:
    """A reference for the first paint's floor: the app's style and a form of ten stock Qt
    fields (DreamShaper's, with their labels) beside a "Loading…" label, in a QMainWindow —
    none of the app's own widgets, schema, settings or imports beyond its style sheet."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QApplication,
        QComboBox,
        QDoubleSpinBox,
        QFormLayout,
        QLabel,
        QLineEdit,
        QMainWindow,
        QPlainTextEdit,
        QPushButton,
        QSpinBox,
        QSplitter,
        QWidget,
    )

    from app.ui.widgets.style import apply_style

    app = QApplication(sys.argv[:1])
    apply_style(app)
    window = QMainWindow()
    window.resize(1280, 800)
    form = QWidget()
    rows = QFormLayout(form)
    rows.addRow("Prompt", QPlainTextEdit())
    rows.addRow("Negative prompt", QPlainTextEdit())
    for label in ("Number of images", "Steps", "Width", "Height"):
        rows.addRow(label, QSpinBox())
    for label in ("Guidance scale (CFG)", "Strength"):
        rows.addRow(label, QDoubleSpinBox())
    scheduler = QComboBox()
    scheduler.addItems(["Euler", "Euler a", "DPM++ 2M Karras"])
    rows.addRow("Scheduler", scheduler)
    rows.addRow("Seed", QLineEdit())
    rows.addRow(QPushButton("Generate"))
    loading = QLabel("Loading…")
    loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
    splitter = QSplitter()
    splitter.addWidget(form)
    splitter.addWidget(loading)
    window.setCentralWidget(splitter)
    return _paint_and_report(app, window)


def _paint_and_report(app, window) -> int:  # type: ignore[no-untyped-def]
    """Shows ``window``; reports its first paint and when the loop is idle after it."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    stamps: dict[str, float] = {}

    def idle() -> None:
        stamps["ready"] = time.perf_counter()
        app.quit()

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "painted" not in stamps:
                stamps["painted"] = time.perf_counter()
                QTimer.singleShot(0, idle)
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    app.exec()
    _emit({"ready": stamps["ready"], "window_painted": stamps["painted"]})
    return 0


FIRST_SCREEN_ROWS = 400  # rows scanned for the tiles of the first screen (top of the gallery)


def _interactive(window) -> bool:  # type: ignore[no-untyped-def]
    """The form is on screen and Generate can be pressed."""
    panel = window.generate_panel
    return (
        window.isVisible()
        and window.form is not None
        and window.form.isVisible()
        and panel is not None
        and panel.isEnabled()
        and panel.button.isEnabled()
    )


def _first_screen_ids(window) -> set[int]:  # type: ignore[no-untyped-def]
    """Ids of the image tiles visible in the gallery's viewport right now."""
    view, model = window.gallery.view, window.gallery.model
    area = view.viewport().rect()
    ids: set[int] = set()
    for row in range(min(model.rowCount(), FIRST_SCREEN_ROWS)):
        index = model.index(row, 0)
        rect = view.visualRect(index)
        if rect.top() > area.bottom():
            break
        record = model.record_at(row)
        if record is not None and rect.intersects(area):
            ids.add(record.id)
    return ids


class _Probe:
    """Polls the running app (2 ms timer) for first paint, interactivity, the first screen
    of thumbnails and readiness (then times the next gallery paint)."""

    def __init__(self, window, expect_images: int, scroll: bool) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.window = window  # made before the event loop: the probe polls from Qt's own loop
        self.controller = None  # set when AppController.run starts
        self.expect_images = expect_images
        self.scroll = scroll
        self.stamps: dict[str, float] = {}
        self.info: dict[str, object] = {}
        self._armed = False
        self._paints = 0
        probe = self

        class Paints(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    probe._on_paint(obj)
                return False

        self._filter = Paints()
        self._tiles: set[int] = set()  # image ids painted with pixels (PAINT_PROBE)
        self._tiles_checked = -1
        self._finishing = False
        if expect_images:
            from app.ui.gallery import delegate as gallery_delegate

            gallery_delegate.PAINT_PROBE = self._tiles.add
        self._timer = QTimer()
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._poll)
        self._timer.start()
        self._hooked = False
        self.started = False  # set when AppController.start_demo() has returned

    def _window(self):  # type: ignore[no-untyped-def]
        return self.window

    def _poll(self) -> None:
        window = self._window()
        if window is None:
            return
        if "window_painted" not in self.stamps and window.first_painted_at is not None:
            self.stamps["window_painted"] = window.first_painted_at  # app.main painted it
        painted = window.first_painted_at is not None
        if "interactive" not in self.stamps and painted and _interactive(window):
            self.stamps["interactive"] = time.perf_counter()  # this poll ran: the loop answers
        if not window.attached:
            return
        if not self._hooked:
            window.gallery.view.viewport().installEventFilter(self._filter)
            self._hooked = True
        if self.expect_images and "thumbs_painted" not in self.stamps:
            self._check_first_screen(window)
        self._maybe_finish()
        if self._armed or not self.started or window.form is None:
            return
        flow = getattr(window, "library_flow", None)
        if self.expect_images:
            if window.gallery.model.rowCount() == 0:
                return
        elif flow is not None and flow.loading:
            return
        self._armed = True
        self.stamps["bound"] = time.perf_counter()
        window.gallery.view.viewport().update()

    def _check_first_screen(self, window) -> None:  # type: ignore[no-untyped-def]
        if len(self._tiles) == self._tiles_checked:
            return  # nothing new painted since the last look
        self._tiles_checked = len(self._tiles)
        visible = _first_screen_ids(window)
        if visible and visible <= self._tiles:
            self.stamps["thumbs_painted"] = time.perf_counter()
            self.info["first_screen_tiles"] = len(visible)

    def _done_measuring(self) -> bool:
        wanted = ["ready", "interactive"] + (["thumbs_painted"] if self.expect_images else [])
        if all(k in self.stamps for k in wanted):
            return True
        late = "ready" in self.stamps and time.perf_counter() - self.stamps["ready"] > 30
        if late:  # reported without the missing stamps; the parent says which
            self.info["missing_after_30s"] = [k for k in wanted if k not in self.stamps]
        return late

    def _maybe_finish(self) -> None:
        if self._finishing or not self._done_measuring():
            return
        self._finishing = True
        self._timer.stop()
        if self.expect_images and not self.scroll:
            from app.ui.gallery import delegate as gallery_delegate

            gallery_delegate.PAINT_PROBE = None
        if self.scroll:
            self.controller.spawn(self._scroll_then_quit(), name="bench-scroll")
        else:
            self._quit()

    def _on_paint(self, obj) -> None:  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QTimer

        self._paints += 1
        if self._armed and "gallery_painted" not in self.stamps:
            self.stamps["gallery_painted"] = time.perf_counter()
            QTimer.singleShot(0, self._ready)

    def _ready(self) -> None:
        self.stamps["ready"] = time.perf_counter()
        window = self._window()
        viewport = window.gallery.view.viewport()
        self.info["rows_at_ready"] = window.gallery.model.rowCount()
        self.info["window_size"] = [window.width(), window.height()]
        self.info["gallery_viewport"] = [viewport.width(), viewport.height()]
        self.info["rss_at_ready_mb"] = _rss_now_mb()
        self._maybe_finish()  # or later, from the poll, when the thumbnails are still coming

    def _quit(self) -> None:
        _emit({**self.stamps, **self.info})
        self.controller.spawn(self.controller.shutdown(), name="bench-exit")

    async def _scroll_then_quit(self) -> None:
        import asyncio

        from app.ui.gallery import delegate as gallery_delegate

        window = self._window()
        gallery, loader = window.gallery, window.loader
        flow = getattr(window, "library_flow", None)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # every page of the library in the model
            shown = len(gallery.image_ids())
            if shown >= self.expect_images and (flow is None or not flow.loading):
                break
            await asyncio.sleep(0.05)
        self.stamps["all_loaded"] = time.perf_counter()
        self.info["images_in_gallery"] = len(gallery.image_ids())
        self.info["rss_loaded_mb"] = _rss_peak_mb()
        decoded: set[int] = set()
        gallery_delegate.PAINT_PROBE = decoded.add
        bar = gallery.view.verticalScrollBar()
        step, steps, value = max(1, gallery.view.viewport().height()), 0, 0
        began = time.perf_counter()
        while True:
            bar.setValue(value)
            painted = self._paints
            shown_at = time.perf_counter()
            while self._paints == painted or time.perf_counter() - shown_at < 0.016:
                await asyncio.sleep(0.004)
                if time.perf_counter() - shown_at > 2:
                    break
            steps += 1
            if value >= bar.maximum():
                break
            value = min(bar.maximum(), value + step)
        self.info["scroll_seconds"] = round(time.perf_counter() - began, 2)
        drain = time.monotonic() + 60
        while time.monotonic() < drain:  # the loader has no "idle" signal to wait for
            if not loader.pending_count():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        gallery_delegate.PAINT_PROBE = None
        self.info.update(
            scroll_steps=steps,
            tiles_painted=len(decoded),
            pixmap_cache_mb=round(loader.cache_bytes / 2**20, 1),
            rss_peak_mb=_rss_peak_mb(),
            rss_now_mb=_rss_now_mb(),
        )
        self._quit()


def _rss_peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _rss_now_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _when_imported(name: str, then) -> None:  # type: ignore[no-untyped-def]
    """Calls ``then(module)`` right after the app itself first imports ``name``.

    The hooks must not import the controller early: the app imports it only after its first
    frame is painted, and importing it before ``main`` would add its ~0.1 s to that paint."""
    import importlib.machinery

    class Finder:  # a meta path finder by protocol: importlib.abc would cost ~18 ms to import
        def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            loader = spec.loader if spec is not None else None
            if loader is None:
                return spec
            execute = loader.exec_module

            def exec_module(module) -> None:  # type: ignore[no-untyped-def]
                execute(module)
                then(module)

            loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Finder())


def app(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="child app")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--images", type=int, default=0, help="images in the library")
    parser.add_argument("--scroll", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_API", "pyside6")

    probes: list[_Probe] = []

    def watch(MainWindow) -> None:  # type: ignore[no-untyped-def]
        original_init = MainWindow.__init__

        def init(window, *a, **k) -> None:  # type: ignore[no-untyped-def]
            original_init(window, *a, **k)
            if not probes:  # polls from the first frame on, before the asyncio loop exists
                probes.append(_Probe(window, args.images, args.scroll))

        MainWindow.__init__ = init

    def install(AppController) -> None:  # type: ignore[no-untyped-def]
        original_run, original_start_demo = AppController.run, AppController.start_demo

        async def run(controller) -> int:  # type: ignore[no-untyped-def]
            probes[0].controller = controller
            controller._bench_probe = probes[0]
            return await original_run(controller)

        async def start_demo(controller) -> None:  # type: ignore[no-untyped-def]
            await original_start_demo(controller)
            controller._bench_probe.started = True

        AppController.run = run
        AppController.start_demo = start_demo

    _when_imported("app.ui.main_window", lambda module: watch(module.MainWindow))
    _when_imported("app.ui.app_controller", lambda module: install(module.AppController))
    from app.main import main

    return main(["--demo", "--data-dir", args.data_dir])


def chrome(argv: list[str]) -> int:
    """The real start with ``MainWindow._build_form`` left out; reports the first paint."""

    def strip(MainWindow) -> None:  # type: ignore[no-untyped-def]
        paint = MainWindow.paint_before_the_loop

        def paint_and_report(window, *a, **k) -> None:  # type: ignore[no-untyped-def]
            paint(window, *a, **k)
            _emit({"window_painted": window.first_painted_at})
            os._exit(0)  # the rest of the start needs the form

        MainWindow._build_form = lambda window, schema: None
        MainWindow.paint_before_the_loop = paint_and_report

    _when_imported("app.ui.main_window", lambda module: strip(module.MainWindow))
    from app.main import main

    main(["--demo", "--data-dir", argv[argv.index("--data-dir") + 1]])
    raise SystemExit("chrome: the window never painted")


def main() -> int:
    _watchdog(WATCHDOG_SECONDS)
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "bare":
        return bare()
    if mode == "form":
        return stock_form()
    if mode == "chrome":
        return chrome(rest)
    if mode == "app":
        return app(rest)
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    raise SystemExit(main())
