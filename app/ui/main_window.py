"""The main window: form on the left, gallery in the middle, tasks on the right."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.display import one_line
from app.core.schema import ToolSchema
from app.storage.settings import Settings
from app.ui.derive.flow import DeriveFlow
from app.ui.flows.image_actions import ImageActions
from app.ui.flows.library_flow import LibraryFlow
from app.ui.flows.readback_flow import ReadbackFlow
from app.ui.flows.smoke import SmokeView, run_smoke
from app.ui.flows.sweep_flow import SweepFlow
from app.ui.form.generate_panel import GeneratePanel
from app.ui.form.model import GenerationRequest, SeedPolicy
from app.ui.form.schema_form import SchemaForm
from app.ui.gallery.gallery import Gallery
from app.ui.inspiration.dock import InspirationDock
from app.ui.session import ModeSwitches, UiSession
from app.ui.tasks.panel import TasksPanel
from app.ui.viewer.viewer import CompareView, ImageViewer
from app.ui.widgets.commands import CommandRegistry, show_shortcut_list
from app.ui.widgets.notify import Notifier
from app.ui.widgets.thumbnails import ThumbnailLoader
from app.ui.widgets.window_layout import LayoutKeeper
from app.ui.window_binding import BindingView
from app.ui.window_menus import (
    CommandSources,
    WindowHandlers,
    declare_window_commands,
    make_window_menus,
)
from app.ui.window_parts import (
    FirstPaint,
    make_banner,
    make_body,
    make_splitter,
    make_tasks_dock,
    show_about_box,
)
from app.ui.window_requests import StudioRequests

if TYPE_CHECKING:  # the studio and the network stack load after the first paint
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio
    from app.ui.inspiration.panel import InspirationPanel


DOCK_WIDTH = 270  # the side dock's default width: room for the gallery at 1024 px


class WindowHost(ModeSwitches, Protocol):
    """What the window asks of its owner: the mode switches, and whether it may close now."""

    def confirm_close(self) -> bool: ...


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

        self.banner = make_banner(self.show_welcome)
        self.form_host = QWidget()
        self.form_layout = QVBoxLayout(self.form_host)
        self.form_layout.setContentsMargins(0, 0, 0, 0)
        self.form: SchemaForm | None = None
        self.generate_panel: GeneratePanel | None = None
        self.form_placeholder: QLabel | None = QLabel("Connecting…")
        self.form_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form_layout.addWidget(self.form_placeholder)
        self._first_paint = FirstPaint(self)

        self.loader = ThumbnailLoader(self, pool=session.decode_pool)
        self.gallery = Gallery(self.loader)
        self.viewer = ImageViewer(self.loader)
        self.compare = CompareView(self.loader)
        self.center = QStackedWidget()
        for page in (self.gallery, self.viewer, self.compare):
            self.center.addWidget(page)

        self.splitter = make_splitter(self.form_host, self.center)
        self.setCentralWidget(make_body(self.banner, self.splitter))

        self.tasks = TasksPanel()
        self.tasks_dock = make_tasks_dock(self, self.tasks)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tasks_dock)
        self.resizeDocks([self.tasks_dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

        self.mode_label = QLabel("Connecting…")
        self.statusBar().addPermanentWidget(self.mode_label)
        self.binding = BindingView(
            session,
            (self.mode_label, self.gallery, self.tasks, self.statusBar()),
            lambda: self.generate_panel,
            lambda: self.studio,
            self.notifier,
            self.isActiveWindow,
        )
        self.requests = StudioRequests(
            session, lambda: self.studio, lambda: self.form, lambda: self.generate_panel, self
        )
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

    def _declare_commands(self) -> None:
        handlers = WindowHandlers(
            open_image=self.readback_flow.open_dialog,
            save_selected=self._save_selected,
            settings=self.show_settings,
            check_missing=lambda: self.requests.check_missing(None),
            quit=self.close,
            inspiration_toggled=self._on_inspiration_toggled,
            inspiration_full=lambda: self.inspiration_dock.show_full(self.center),
            show_gallery=self.show_gallery,
            shortcuts=self.show_shortcuts,
            about=self.show_about,
            diagnostics=self._copy_diagnostics,
        )
        sources = CommandSources(
            self.library_flow,
            self.sweep_flow,
            self.derive_flow,
            self.gallery,
            self.viewer,
            self.tasks_dock,
            self.layout_keeper,
        )
        declare_window_commands(self.commands, handlers, sources)

    def _make_menus(self) -> None:
        menus = make_window_menus(self.commands, self.menuBar(), self.presets_menu)
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
        self.session.generation_changed.connect(self.binding.generation_changed)
        self.session.image_stored.connect(self.binding.image_stored)
        self.session.notice_posted.connect(self.show_notice)
        self.tasks.stop_requested.connect(self.requests.stop)
        self.tasks.resume_requested.connect(self.requests.resume)
        self.tasks.check_requested.connect(lambda gid: self.requests.check_missing([gid]))
        self.tasks.retry_requested.connect(self.requests.retry)
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
            self.binding.connecting()

    async def bind_async(self, studio: Studio, spec: ConnectionSpec) -> None:
        self.bind(studio, spec)
        if self.form is None or self.form.schema != studio.schema:
            self._build_form(studio.schema)  # a Tool/Detail answer unlike the cached one
        self.banner.setVisible(spec.demo)
        self.binding.connected(spec)
        self.library_flow.bind(studio, spec)  # the gallery loads from the database in pages
        self.requests.send_waiting(studio)
        history = await studio.history(limit=200)
        if self.studio is not studio:
            return  # switched again meanwhile
        self.inspiration_dock.bind_tool(studio.schema.inspire, history)
        self.binding.show_history(history)

    async def first_paint(self, timeout: float = 1.0) -> None:
        """Returns once the window has painted (or after ``timeout``: a window never exposed)."""
        await self._first_paint.wait(timeout)

    def show_not_connected(self, reason: str) -> None:
        """No studio could open: say so where the loading states were."""
        self.binding.not_connected(reason)

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

    def show_notice(self, text: str, level: str = "info") -> None:
        text = one_line(text, max_chars=500)
        self.statusBar().showMessage(text, 15000 if level != "info" else 6000)
        if level == "error":
            self.notifier.error_notice(text)

    # -- actions -----------------------------------------------------------------------

    def _on_generate_requested(self, request: GenerationRequest) -> None:
        box = self.requests.generate(request)
        if box is not None:
            self.duplicate_box = box  # the same images, billed twice: the user decides

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
        show_about_box(self)

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
