"""The main window: form on the left, gallery in the middle, tasks on the right."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.core.display import one_line
from app.core.schema import ToolSchema
from app.services.events import GenerationState, ImageRecord, Phase
from app.storage.settings import Settings
from app.ui.derive.commands import DERIVE_COMMAND_IDS, declare_derive_commands
from app.ui.derive.flow import DeriveFlow
from app.ui.flows import actions
from app.ui.flows.image_actions import ImageActions
from app.ui.flows.library_flow import LibraryFlow
from app.ui.flows.readback_flow import ReadbackFlow
from app.ui.flows.smoke import SmokeView, run_smoke
from app.ui.flows.sweep_flow import SWEEP_MENU, SweepFlow, declare_sweep_commands
from app.ui.form.generate_panel import GeneratePanel
from app.ui.form.model import GenerationRequest, SeedPolicy
from app.ui.form.schema_form import SchemaForm
from app.ui.gallery.commands import EDIT_IDS as GALLERY_EDIT_IDS
from app.ui.gallery.commands import VIEW_IDS as GALLERY_VIEW_IDS
from app.ui.gallery.commands import declare_gallery_commands
from app.ui.gallery.gallery import Gallery
from app.ui.inspiration.dock import InspirationDock
from app.ui.session import ModeSwitches, UiSession
from app.ui.tasks.panel import TasksPanel
from app.ui.viewer.actions import adopt_viewer_commands
from app.ui.viewer.viewer import CompareView, ImageViewer
from app.ui.widgets import style
from app.ui.widgets.commands import SEPARATOR, Command, CommandRegistry, Menu, show_shortcut_list
from app.ui.widgets.duplicate_guard import confirm_duplicate, identical_running
from app.ui.widgets.notify import Notifier
from app.ui.widgets.thumbnails import ThumbnailLoader
from app.ui.widgets.window_layout import LayoutKeeper

if TYPE_CHECKING:  # the studio and the network stack load after the first paint
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio
    from app.ui.inspiration.panel import InspirationPanel

log = logging.getLogger(__name__)

TASK_ROWS_AT_START = 20  # finished generations listed in the Tasks panel when the app starts
DOCK_WIDTH = 270  # the side dock's default width: room for the gallery at 1024 px


class WindowHost(ModeSwitches, Protocol):
    """What the window asks of its owner: the mode switches, and whether it may close now."""

    def confirm_close(self) -> bool: ...


class _FirstPaint(QObject):
    """Calls ``done`` once, just after the watched widget's first paint."""

    def __init__(self, widget: QWidget, done: Callable[[], None]) -> None:
        super().__init__(widget)
        self._done: Callable[[], None] | None = done
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._done is not None:
            done, self._done = self._done, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, done)  # after this paint has been drawn
        return False


class MainWindow(QMainWindow):
    """Lays out the widgets, builds the flows with the session, and renders the studio's state."""

    def __init__(
        self, session: UiSession, host: WindowHost, schema: ToolSchema | None = None
    ) -> None:
        """``schema``: the form to show at once (the cached Tool/Detail answer); without one
        the form waits for the first studio."""
        super().__init__()
        self.session = session
        self.host = host
        self.studio: Studio | None = None
        self.spec: ConnectionSpec | None = None
        self.notifier = Notifier(self)
        self._closing_for_real = False
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.setMinimumSize(900, 600)

        self.banner = self._make_banner()
        self.form_host = QWidget()
        self.form_layout = QVBoxLayout(self.form_host)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form: SchemaForm | None = None
        self.generate_panel: GeneratePanel | None = None
        self.form_placeholder: QLabel | None = QLabel("Connecting…")
        self.form_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form_layout.addWidget(self.form_placeholder)
        self._waiting: list[GenerationRequest] = []  # Generate pressed before a studio was bound
        self._painted = asyncio.Event()
        self._first_paint = _FirstPaint(self, self._painted.set)

        self.loader = ThumbnailLoader(self, pool=session.decode_pool)
        self.gallery = Gallery(self.loader)
        self.viewer = ImageViewer(self.loader)
        self.compare = CompareView(self.loader)
        self.center = QStackedWidget()
        for page in (self.gallery, self.viewer, self.compare):
            self.center.addWidget(page)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.form_host)
        splitter.addWidget(self.center)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 900])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(body)

        self.tasks = TasksPanel()
        self.tasks_dock = QDockWidget("Tasks", self)
        self.tasks_dock.setObjectName("tasks-dock")
        self.tasks_dock.setWidget(self.tasks)
        self.tasks_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tasks_dock)
        self.resizeDocks([self.tasks_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

        self.mode_label = QLabel("Connecting…")
        self.statusBar().addPermanentWidget(self.mode_label)
        self._connect_signals()
        self._make_library()  # history & library: filter bar, delete/undo, export, read-back
        self._make_inspiration()
        docks = [self.tasks_dock, self.inspiration_dock]
        self.layout_keeper = LayoutKeeper(self, self.splitter, docks)
        self.derive_flow = DeriveFlow(session, self._derive_source, self, self)
        self.commands = CommandRegistry(self)
        self._declare_commands()
        self._make_menus()
        self.gallery.set_loading(True)  # honest until the first library page has arrived
        self.tasks.set_loading(True)
        if schema is not None:
            self._build_form(schema)
            self.inspiration_dock.set_examples(schema.inspire)

    # -- construction ------------------------------------------------------------------

    def _make_banner(self) -> QWidget:
        banner = QWidget()
        banner.setObjectName("demoBanner")
        style.set_role(banner, "banner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(14, 6, 10, 6)
        text = QLabel("<b>Offline demo</b> — images are placeholders made on this computer.")
        text.setObjectName("demoBannerText")
        connect = QPushButton("Connect your Wiro account…")
        connect.clicked.connect(self.show_welcome)
        row.addWidget(text, 1)
        row.addWidget(connect)
        banner.hide()
        return banner

    def _declare_commands(self) -> None:
        """Every window command, declared once; the menus below name them by id."""
        std, flows, insp = QKeySequence.StandardKey, self.library_flow, self._on_inspiration_toggled
        for command in [
            Command("file.open_image", "&Open image…", self.readback_flow.open_dialog, std.Open,
                    status_tip="Read the settings stored in a PNG, JPEG or WebP"),
            Command("file.save", "&Save selected…", self._save_selected, std.Save),
            Command("file.export", "&Export selected…", flows.export_selected, "Ctrl+Shift+E"),
            Command("file.settings", "Se&ttings…", self.show_settings, "Ctrl+,"),
            Command("file.check_missing", "Check Wiro for &missing images",
                    lambda: self._on_check_missing(None),
                    status_tip="Look in your Wiro task history for images whose answer was lost"),
            Command("file.quit", "&Quit", self.close, std.Quit),
            Command("edit.undo_delete", "&Undo delete", flows.undo_delete, std.Undo,
                    enabled_when=lambda: flows.can_undo),
            Command("view.inspiration", "&Inspiration", None, "Ctrl+I", checkable=True,
                    toggled=insp),
            Command("view.inspiration_full", "Inspiration as a &full view",
                    lambda: self.inspiration_dock.show_full(self.center), "Ctrl+Shift+I",
                    status_tip="Browse the prompts in the middle of the window, in columns"),
            Command("view.gallery", "Back to &gallery", self.show_gallery, QKeySequence("Esc")),
            Command("help.shortcuts", "&Keyboard shortcuts", self.show_shortcuts),
            Command("help.about", f"&About {APP_NAME}", self.show_about),
            Command("help.diagnostics", "Copy &diagnostics",
                    self._copy_diagnostics),
        ]:  # fmt: skip
            self.commands.declare(command)
        declare_sweep_commands(self.commands, self.sweep_flow)
        declare_derive_commands(self.commands, self.derive_flow)
        # Actions the widgets own (their context menus and key contexts share them):
        self.commands.adopt("edit.delete", self.gallery.delete_action)
        self.commands.adopt("edit.find", flows.filter_bar.find_action)
        self.commands.adopt("view.tasks", self.tasks_dock.toggleViewAction())
        declare_gallery_commands(self.commands, self.gallery)
        adopt_viewer_commands(self.commands, self.viewer.actions_)
        self.layout_keeper.declare_commands(self.commands)
        flows.undo_changed.connect(self.commands.refresh)

    def _make_menus(self) -> None:
        layout: list[Menu | QMenu] = [
            Menu("&File", ["file.open_image", SEPARATOR, "file.save", "file.export",
                           "file.settings", "file.check_missing", SEPARATOR, "file.quit"]),
            Menu("&Edit", ["edit.undo_delete", SEPARATOR, "edit.delete", "edit.find", SEPARATOR,
                           *GALLERY_EDIT_IDS]),
            Menu("&View", ["view.form", "view.side", "view.tasks", "view.inspiration",
                           "view.inspiration_full", SEPARATOR, *GALLERY_VIEW_IDS, SEPARATOR,
                           "view.reset_layout", SEPARATOR, "view.gallery"]),
            Menu("E&xplore", SWEEP_MENU),
            Menu("&Image", list(DERIVE_COMMAND_IDS)),
            self.presets_menu,
            Menu("&Help", ["help.shortcuts", "help.about", "help.diagnostics"]),
        ]  # fmt: skip
        menus = self.commands.build_menus(self.menuBar(), layout)
        self.file_menu, self.edit_menu = menus["file"], menus["edit"]
        self.view_menu, self.help_menu = menus["view"], menus["help"]
        self.save_action = self.commands.action("file.save")
        self.open_image_action = self.commands.action("file.open_image")
        self.inspiration_action = self.commands.action("view.inspiration")
        self.diagnostics_action = self.commands.action("help.diagnostics")
        self.inspiration_dock.toggleViewAction().toggled.connect(self.inspiration_action.setChecked)

    def _copy_diagnostics(self) -> None:
        from app.ui.flows.diagnostics_copy import copy_diagnostics

        copy_diagnostics(self.session)

    def _derive_source(self) -> int | None:
        """The image U and R work on: the viewer's, else the first selected tile's."""
        if self.center.currentWidget() is self.viewer:
            return self.viewer.current_id()
        return next(iter(self.gallery.selected_image_ids()), None)

    def _save_selected(self) -> None:
        self.image_actions.save(self.gallery.selected_image_ids())

    def _connect_signals(self) -> None:
        self.session.generation_changed.connect(self._on_session_generation_changed)
        self.session.image_stored.connect(self._on_session_image_stored)
        self.session.notice_posted.connect(self.show_notice)
        self.tasks.stop_requested.connect(self._on_tasks_stop_requested)
        self.tasks.resume_requested.connect(self._on_tasks_resume_requested)
        self.tasks.check_requested.connect(lambda gid: self._on_check_missing([gid]))
        self.tasks.retry_requested.connect(self._on_tasks_retry_requested)
        self.tasks.selected.connect(self._on_tasks_selected)
        self.image_actions = ImageActions(
            self.session,
            self.gallery,
            self.viewer,
            self.compare,
            self.center,
            form=lambda: self.form,
            export=lambda ids: self.library_flow.export(ids),
            delete=lambda ids: self.library_flow.request_delete(ids),
            panels=lambda: [
                self.banner,
                self.form_host,
                self.statusBar(),
                *self.findChildren(QDockWidget),
            ],
            parent=self,
        )
        self.viewer.closed.connect(self.show_gallery)
        self.sweep_flow = SweepFlow(self.session, self.gallery, self.viewer, self.center,
                                    self.loader, form=lambda: self.form, parent=self)  # fmt: skip

    # -- inspiration, saved prompts and presets (inspiration.py, presets.py) -------------

    def _make_inspiration(self) -> None:
        """The Inspiration dock, a tab beside Tasks; it brings the Presets menu."""
        dock = InspirationDock(self.session, lambda: self.form, self)
        dock.setFeatures(
            self.tasks_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
        self.tabifyDockWidget(self.tasks_dock, dock)
        self.tasks_dock.raise_()
        self.inspiration_dock = dock
        self.prompt_library, self.presets_menu = dock.prompt_library, dock.presets_menu

    @property
    def inspiration(self) -> InspirationPanel:
        """The Inspiration panel (built when first shown or asked for)."""
        return self.inspiration_dock.panel

    def show_inspiration(self) -> None:
        self.inspiration_dock.show_panel()

    def _on_inspiration_toggled(self, checked: bool) -> None:
        if checked:
            self.show_inspiration()
        else:
            self.inspiration_dock.close()

    # -- history and library: filter bar, spend, delete/undo, export, read-back --------

    def _make_library(self) -> None:

        self.library_flow = LibraryFlow(
            self.session,
            self.gallery,
            self.viewer,
            self.compare,
            self.statusBar(),
            show_gallery=self.show_gallery,
            parent=self,
        )
        self.readback_flow = ReadbackFlow(self.session, self, lambda: self.form, self)

    # -- binding to a studio -----------------------------------------------------------

    def bind(self, studio: Studio | None, spec: ConnectionSpec | None) -> None:
        """Unbinding (a change of mode) keeps the form: Generate waits for the next studio."""
        self.studio, self.spec = studio, spec
        if studio is None:
            self.library_flow.unbind()
            self.mode_label.setText("Connecting…")
            self.gallery.set_loading(True)
            self.tasks.set_loading(True)
            if self.generate_panel is not None:  # a request made now waits for the studio
                self.generate_panel.set_blocked(None)

    async def bind_async(self, studio: Studio, spec: ConnectionSpec) -> None:
        self.bind(studio, spec)
        if self.form is None or self.form.schema != studio.schema:
            self._build_form(studio.schema)  # a Tool/Detail answer unlike the cached one
        self.banner.setVisible(spec.demo)
        self.mode_label.setText(
            "Offline demo" if spec.demo else f"Wiro account {spec.credentials.masked_key}"
        )
        self.tasks.clear()
        self.library_flow.bind(studio, spec)  # the gallery loads from the database in pages
        self._send_waiting(studio)
        history = await studio.history(limit=200)
        if self.studio is not studio:
            return  # switched again meanwhile
        self.inspiration_dock.bind_tool(studio.schema.inspire, history)
        # Finished work beyond the latest few stays in the gallery and history, not as task rows:
        # each row is a dozen widgets (~1.8 ms), so 200 of them cost a third of a second at start.
        recent = [s for i, s in enumerate(history) if i < TASK_ROWS_AT_START or not s.is_final]
        for state in reversed(recent):
            self.tasks.update_generation(state)
        self.tasks.set_loading(False)
        self.statusBar().showMessage("Ready", 3000)

    async def first_paint(self, timeout: float = 1.0) -> None:
        """Returns once the window has painted (or after ``timeout``: a window never exposed)."""
        try:
            await asyncio.wait_for(self._painted.wait(), timeout)
        except TimeoutError:
            log.info("no first paint within %.1f s; loading behind the window anyway", timeout)

    def show_not_connected(self, reason: str) -> None:
        """No studio could open: say so where the loading states were."""
        self.mode_label.setText("Not connected")
        self.gallery.set_loading(False)
        self.tasks.set_loading(False)
        if self.generate_panel is not None:  # nothing is connecting: Generate says why
            self.generate_panel.button.setText("Generate")
            self.generate_panel.set_blocked(f"Not connected. {reason}".strip())

    def _build_form(self, schema: ToolSchema) -> None:
        old_values = self.form.values() if self.form is not None else None
        for widget in (self.form_placeholder, self.form, self.generate_panel):
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.form_placeholder = None
        self.form = SchemaForm(schema)
        self.generate_panel = GeneratePanel(self.form)
        self.form_layout.addWidget(self.form, 1)
        self.form_layout.addWidget(self.generate_panel)
        self.generate_panel.generate_requested.connect(self._on_generate_requested)
        self.generate_panel.explore_requested.connect(self.sweep_flow.explore)
        saved = old_values or self.session.settings.last_params
        random = self.session.settings.random_seed
        self.form.model.apply(saved, policy=SeedPolicy.RANDOM if random else SeedPolicy.FIXED)

    # -- studio events -----------------------------------------------------------------

    def _on_session_generation_changed(self, state: GenerationState) -> None:
        self.tasks.update_generation(state)
        if state.phase in (Phase.PENDING, Phase.SUBMITTING) and not state.images:
            self.gallery.add_generation_placeholder(state)
        else:
            self.gallery.update_generation(state)
        if state.phase is Phase.SUCCEEDED and not self.isActiveWindow():
            self.notifier.generation_finished(state, self.session.settings.notify)

    def _on_session_image_stored(self, record: ImageRecord) -> None:
        state = self.studio.generation(record.generation_id) if self.studio else None
        self.gallery.add_image(record, state)

    def show_notice(self, text: str, level: str = "info") -> None:
        text = one_line(text, max_chars=500)
        self.statusBar().showMessage(text, 15000 if level != "info" else 6000)
        if level == "error":
            self.notifier.error_notice(text)

    # -- actions -----------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self.session.spawn(coro, name=name)

    def _on_generate_requested(self, request: GenerationRequest) -> None:
        if self.form is None:
            return
        self.session.settings.last_params = self.form.values()
        if self.studio is None:  # not connected yet: the request waits for the studio
            self._waiting.append(request)
            if self.generate_panel is not None:
                self.generate_panel.button.setText("Connecting…")
            return
        form, studio = self.form, self.studio

        def submit() -> None:
            self._spawn(actions.generate(studio, request.values, form.show_errors), "generate")

        fixed = form.model.seed_policy is SeedPolicy.FIXED
        if fixed and identical_running(studio.running(), request.values) is not None:
            self.duplicate_box = confirm_duplicate(self, submit)  # the same images, billed twice
            return
        submit()

    def _send_waiting(self, studio: Studio) -> None:
        """Requests made before the connection was ready, sent in the order they were made."""
        waiting, self._waiting = self._waiting, []
        if self.generate_panel is not None:
            self.generate_panel.button.setText("Generate")
            self.generate_panel.set_blocked(None)
        for request in waiting:
            show_errors = self.form.show_errors if self.form is not None else lambda _e: None
            self._spawn(actions.generate(studio, request.values, show_errors), "generate")

    def _on_tasks_stop_requested(self, generation_id: int) -> None:
        if self.studio is not None:
            self._spawn(self.studio.stop(generation_id), f"stop-{generation_id}")

    def _on_check_missing(self, generation_ids: list[int] | None) -> None:
        if self.studio is not None:
            self._spawn(self.studio.check_missing(generation_ids), "check-missing")

    def _on_tasks_retry_requested(self, generation_id: int) -> None:
        if self.studio is not None:
            self._spawn(self.studio.retry(generation_id), f"retry-{generation_id}")

    def _on_tasks_resume_requested(self) -> None:
        if self.studio is not None:
            self._spawn(self.studio.resume(), "resume")

    def _on_tasks_selected(self, generation_id: int) -> None:
        self.show_gallery()
        self.gallery.select_generation(generation_id)

    def show_gallery(self) -> None:
        self.center.setCurrentWidget(self.gallery)

    # -- dialogs -----------------------------------------------------------------------

    def show_welcome(self) -> None:
        from app.ui.flows.welcome import open_welcome

        open_welcome(self, self.session, self.host)

    def show_settings(self) -> None:
        from app.ui.flows.settings_flow import open_settings

        open_settings(self, self.session, self.host, change_credentials=self.show_welcome)

    def show_shortcuts(self) -> None:
        self.shortcuts_box = show_shortcut_list(self, self.commands)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>A desktop studio for generating images with the Wiro API.</p>"
            "<p>Wiro Studio is an independent client: it is not made or endorsed by Wiro.</p>",
        )

    def show_unexpected_error(self, summary: str, details: str) -> None:
        from app.ui.dialogs.error_dialog import show_error_dialog

        show_error_dialog(self, summary, details)

    # -- state and closing -------------------------------------------------------------

    def restore_state(self, settings: Settings) -> None:
        self.layout_keeper.restore(settings.window_geometry, settings.window_state)

    def store_state(self, settings: Settings) -> None:
        settings.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        settings.window_state = bytes(self.saveState().toBase64().data()).decode()
        if self.form is not None:
            settings.last_params = self.form.values()
            settings.random_seed = self.form.random_seed_enabled()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing_for_real or self.host.confirm_close():
            event.accept()
            return
        event.ignore()

    async def run_smoke(self, screenshot: Path | None) -> None:
        """``--smoke``: one demo generation through this window's form and gallery."""
        view = SmokeView(self, self.gallery, self.loader, lambda: self.form)
        await run_smoke(self.session, self.host, view, screenshot)

    def close_for_real(self) -> None:
        self._closing_for_real = True
        self.close()
        QApplication.processEvents()
