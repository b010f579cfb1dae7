"""Pieces of the window that need nothing of it: the demo banner, the splitter, the body, the
side docks, the "Loading…" stand-ins of the first frame and their replacement, the About box,
and the watcher that knows when the first frame has been painted."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.ui.inspiration.dock import InspirationDock
from app.ui.widgets import style

log = logging.getLogger(__name__)
# What MainWindow.attach imports, leaves first (the order -X importtime reports them done):
# imported one per turn of the event loop before attach, so the window answers input while
# the workspace loads. A module missing here still loads, inside its importer's turn.
_WORKSPACE = """
    app.ui.derive app.core.tools app.services.errors app.core.lineage
    app.ui.derive.reimagine_dialog app.core.estimate app.ui.derive.texts
    app.ui.derive.upscale_popover app.ui.derive.flow app.ui.gallery app.ui.widgets.gallery_text
    app.ui.gallery.rows app.ui.gallery.section_rows app.ui.gallery.model
    app.ui.gallery.tile_paint app.ui.gallery.delegate app.ui.gallery.view
    app.ui.gallery.culling app.ui.gallery.gallery app.ui.tasks app.core.status app.ui.tasks.row
    app.ui.tasks.panel app.ui.viewer app.ui.viewer.actions app.ui.viewer.canvas
    app.ui.viewer.base app.ui.viewer.overlay app.ui.viewer.compare app.ui.viewer.info_panel
    app.ui.viewer.viewer app.ui.widgets.notify app.ui.window_binding app.ui.flows
    app.ui.flows.actions app.ui.widgets.duplicate_guard app.ui.window_requests
    app.ui.flows.lightbox app.ui.flows.image_actions app.core.sweep_model app.core.sweep_values
    app.core.sweep_prompt app.core.sweep app.storage.wildcards app.ui.flows.vary_flow
    app.ui.sweeps app.ui.sweeps.cell_tile app.ui.sweeps.grid app.storage.sweeps
    app.ui.sweeps.history app.ui.sweeps.axis_row app.ui.sweeps.planner app.ui.flows.sweep_flow
    app.services.state app.services.ledger app.services.library app.ui.gallery.filter_bar
    app.ui.flows.culling_flow app.ui.flows.export_flow app.ui.flows.spend_flow
    app.ui.flows.library_flow app.core.readback_model app.core.readback_comfy
    app.core.readback_formats app.core.readback
    app.ui.flows.readback_flow app.storage.prompts app.ui.inspiration.prompt_library
    app.ui.inspiration.presets app.ui.derive.commands app.ui.gallery.commands
    app.ui.window_menus
"""
WORKSPACE_MODULES = tuple(_WORKSPACE.split())
DOCK_WIDTH = 270  # the side dock's default width: room for the gallery at 1024 px
# The menu bar's titles in the first frame, before the commands exist; the built menus
# (window_menus.make_window_menus) carry the same titles in the same order.
SHELL_MENU_TITLES = ("&File", "&Edit", "&View", "E&xplore", "&Image", "&Presets", "&Help")


def refuse_inside_asyncio(what: str) -> None:
    """A nested Qt loop is for the start, before the asyncio loop: inside a coroutine it would
    re-enter the loop's tasks (and strand one)."""
    running = sys.modules.get("asyncio")  # not imported yet on the normal start
    if running is not None and running.events._get_running_loop() is not None:
        raise RuntimeError(f"{what} inside a running asyncio loop")


class FirstPaint(QObject):
    """Notes the watched widget's first paint (and when), so loading can start behind a
    visible window. Plain Qt: it runs before the asyncio loop exists."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted_at: float | None = None  # time.perf_counter() when the first paint began
        self.painted = False  # and once it has been drawn
        self._callbacks: list[Callable[[], None]] = []
        widget.installEventFilter(self)

    def when_painted(self, callback: Callable[[], None]) -> None:
        """Calls ``callback`` after the first paint has been drawn (at once if it has)."""
        if self.painted:
            callback()
        else:
            self._callbacks.append(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._done)  # after this paint has been drawn
        return False

    def _done(self) -> None:
        if self.painted:
            return
        self.painted = True
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def wait_before_the_loop(self, timeout: float) -> None:
        """Runs Qt's own loop until the first paint (or ``timeout``: a window never exposed).

        Only before the asyncio loop exists: inside a coroutine a nested exec() would re-enter
        the loop's tasks (use ``wait``)."""
        refuse_inside_asyncio("wait_before_the_loop()")
        if self.painted:
            return
        loop = QEventLoop()
        self.when_painted(loop.quit)
        QTimer.singleShot(round(timeout * 1000), loop.quit)
        loop.exec()
        if not self.painted:
            log.info("no first paint within %.1f s; loading behind the window anyway", timeout)

    async def wait(self, timeout: float) -> None:
        """Returns once the widget has painted (or after ``timeout``)."""
        import asyncio

        if self.painted:
            return
        painted = asyncio.Event()
        self.when_painted(painted.set)
        try:
            await asyncio.wait_for(painted.wait(), timeout)
        except TimeoutError:
            log.info("no first paint within %.1f s; loading behind the window anyway", timeout)


def make_banner(on_connect: Callable[[], None]) -> QWidget:
    """The demo banner (hidden until a demo studio is bound), with its Connect button."""
    banner = QWidget()
    banner.setObjectName("demoBanner")
    style.set_role(banner, "banner")
    row = QHBoxLayout(banner)
    row.setContentsMargins(14, 6, 10, 6)
    text = QLabel("<b>Offline demo</b> — images are placeholders made on this computer.")
    text.setObjectName("demoBannerText")
    connect = QPushButton("Connect your Wiro account…")
    connect.clicked.connect(on_connect)
    row.addWidget(text, 1)
    row.addWidget(connect)
    banner.hide()
    return banner


def make_splitter(left: QWidget, center: QWidget) -> QSplitter:
    """The form on the left, the gallery/viewer in the middle; only the middle stretches."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(center)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setSizes([380, 900])
    splitter.setChildrenCollapsible(False)
    return splitter


def make_tasks_dock(parent: QWidget, tasks: QWidget) -> QDockWidget:
    """The Tasks dock: movable and floatable, never closed (View → Tasks hides it)."""
    dock = QDockWidget("Tasks", parent)
    dock.setObjectName("tasks-dock")
    dock.setWidget(tasks)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    return dock


async def preload(modules: tuple[str, ...]) -> None:
    """Imports ``modules`` one per turn of the event loop (input and paints go between)."""
    import asyncio
    import importlib

    for name in modules:
        importlib.import_module(name)
        await asyncio.sleep(0)


def place_side_docks(window: QMainWindow, tasks: QWidget) -> tuple[QDockWidget, InspirationDock]:
    """Tasks and Inspiration, tabbed on the right (Tasks in front), at their default width."""
    tasks_dock = make_tasks_dock(window, tasks)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, tasks_dock)
    window.resizeDocks([tasks_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    inspiration = InspirationDock(window)
    inspiration.setFeatures(
        tasks_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    window.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
    window.tabifyDockWidget(tasks_dock, inspiration)
    tasks_dock.raise_()
    return tasks_dock, inspiration


def loading_label() -> QLabel:
    """Where a part of the workspace goes until it is built: an honest "Loading…"."""
    label = QLabel("Loading…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    style.set_role(label, "muted")
    return label


def replace_loading_page(stack: QStackedWidget, pages: list[QWidget]) -> None:
    """The built pages take the loading page's place; the first one is shown."""
    loading = stack.widget(0)
    for page in pages:
        stack.addWidget(page)
    stack.setCurrentWidget(pages[0])
    if loading is not None:
        stack.removeWidget(loading)
        loading.deleteLater()


def replace_dock_widget(dock: QDockWidget, widget: QWidget) -> None:
    loading = dock.widget()
    dock.setWidget(widget)
    if loading is not None:
        loading.deleteLater()


def make_body(banner: QWidget, splitter: QSplitter) -> QWidget:
    """The central widget: the banner above the splitter."""
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(banner)
    layout.addWidget(splitter, 1)
    return body


def show_about_box(parent: QWidget) -> None:
    from PySide6.QtWidgets import QMessageBox  # not needed by the first frame

    QMessageBox.about(
        parent,
        f"About {APP_NAME}",
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>A desktop studio for generating images with the Wiro API.</p>"
        "<p>Wiro Studio is an independent client: it is not made or endorsed by Wiro.</p>",
    )
