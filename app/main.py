"""Composition root: builds the Qt application, the asyncio loop, storage and the window."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app import APP_ID, APP_NAME, __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.storage.paths import AppPaths
    from app.ui.first_frame import FirstFrame


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="wiro-studio", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--demo", action="store_true", help="start in the offline demo")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="offscreen self-test: one demo generation, save it, print a JSON line, exit",
    )
    parser.add_argument("--data-dir", type=Path, help="keep all app files below this folder")
    parser.add_argument("--screenshot", type=Path, help="with --smoke: save the window as PNG")
    parser.add_argument(
        "--diagnostics",
        action="store_true",
        help="print versions, paths and the keychain backend as one JSON line, then exit",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def print_diagnostics(data_dir: Path | None) -> int:
    """``--diagnostics``: one JSON line on stdout; no window, no display, nothing written."""
    import PySide6
    from PySide6 import QtCore

    from app.services.diagnostics import as_json, collect
    from app.storage.paths import AppPaths

    paths = AppPaths.under(data_dir.expanduser().resolve()) if data_dir else AppPaths.default()
    qt = {"pyside6": PySide6.__version__, "qt_runtime": QtCore.qVersion()}
    print(as_json(collect(paths, qt=qt)), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    if args.diagnostics:
        return print_diagnostics(args.data_dir)
    os.environ.setdefault("QT_API", "pyside6")
    if args.smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Nothing to free while the first frame is built: Python's collector waits for it (it
    # would walk every new module's objects several times); the GUI-thread collector below
    # takes over once the window has painted, and what the start built (modules, classes,
    # the window) is frozen out of every later collection (gc.freeze: a first collection of
    # it would take ~10 ms on the GUI thread, and every full one ~8 ms more, to free nothing).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, started)
    finally:
        if collecting:
            gc.enable()


def _run(args: argparse.Namespace, started: float) -> int:
    from app.storage.paths import AppPaths
    from app.ui.first_frame import load_behind_the_frame, load_first_frame, show_first_frame

    if args.smoke:
        import tempfile

        paths = AppPaths.under(Path(tempfile.mkdtemp(prefix="wiro-smoke-")))
    elif args.data_dir:
        paths = AppPaths.under(args.data_dir.expanduser().resolve())
    else:
        paths = AppPaths.default()
    demo = args.demo or args.smoke
    # Paint first (issue 17): the two small files the first frame is laid out from, then Qt
    # and the window with its form, before asyncio, the network stack, the keychain and the
    # library load; everything below runs behind the painted window.
    settings, schema = load_first_frame(paths, demo)

    from PySide6.QtWidgets import QApplication  # PySide6 before qasync picks a binding

    from app.ui.widgets.style import apply_style

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_ID)
    apply_style(app)
    first_frame = show_first_frame(settings, schema, demo=demo)

    from app.storage.logs import setup_logging
    from app.ui.widgets.gc_guard import GuiThreadCollector

    setup_logging(paths.log_dir, verbose=bool(os.environ.get("WIRO_DEBUG")))
    painted = first_frame.window.first_painted_at
    if painted is not None:
        logging.getLogger(__name__).info(
            "first frame painted %.0f ms after start", (painted - started) * 1000
        )
    gc.freeze()
    collector = GuiThreadCollector(app)  # cycles are freed on the GUI thread, never in a worker
    try:
        # The event loop and the controller load behind the painted window, a module per
        # turn of Qt's loop: it answers typing and Generate (which waits) meanwhile.
        if not load_behind_the_frame(first_frame):
            return 0  # closed while it was appearing
        _set_window_icon(app)
        gc.freeze()  # the loop's and the controller's modules, too
        return _run_loop(app, args, paths, first_frame)
    finally:
        collector.stop()
        logging.shutdown()


def _set_window_icon(app: QApplication) -> None:
    """The icon (an SVG: Qt's icon engine plugin loads for it) is set behind the first frame."""
    from PySide6.QtGui import QIcon

    from app.resources import resource_path

    icon = resource_path("icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg")
    app.setWindowIcon(QIcon(str(icon)))


def _run_loop(
    app: QApplication, args: argparse.Namespace, paths: AppPaths, first_frame: FirstFrame
) -> int:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import qasync

    from app.ui.app_controller import AppController
    from app.ui.widgets.errors import install_excepthook
    from app.ui.widgets.thumbnails import make_decode_pool

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # The app's two pools, made once here: blocking file/keychain work (the UI's and the
    # studio's), and image decoding. The history database keeps its own single thread.
    io_pool = ThreadPoolExecutor(3, thread_name_prefix="wiro-io")
    decode_pool = make_decode_pool(parent=app)
    controller = AppController(
        app,
        paths,
        demo=args.demo or args.smoke,
        smoke=args.smoke,
        io_executor=io_pool,
        decode_pool=decode_pool,
        first_frame=first_frame,
    )
    controller.screenshot = args.screenshot
    install_excepthook(controller.report_unexpected)
    try:
        with loop:
            return loop.run_until_complete(controller.run())
    except KeyboardInterrupt:
        return 130
    finally:
        io_pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main())
