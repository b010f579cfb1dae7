"""Pieces of the window that need nothing of it: the demo banner, the splitter, the body, the
Tasks dock, the About box, and the watcher that knows when the first frame has been painted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.ui.widgets import style

log = logging.getLogger(__name__)


class FirstPaint(QObject):
    """Notes the watched widget's first paint, so loading can start behind a visible window."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._painted = asyncio.Event()
        self._done: Callable[[], None] | None = self._painted.set
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._done is not None:
            done, self._done = self._done, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, done)  # after this paint has been drawn
        return False

    async def wait(self, timeout: float) -> None:
        """Returns once the widget has painted (or after ``timeout``: a window never exposed)."""
        try:
            await asyncio.wait_for(self._painted.wait(), timeout)
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
    QMessageBox.about(
        parent,
        f"About {APP_NAME}",
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>A desktop studio for generating images with the Wiro API.</p>"
        "<p>Wiro Studio is an independent client: it is not made or endorsed by Wiro.</p>",
    )
