"""The main window: form on the left, gallery in the middle, tasks on the right."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.display import one_line
from app.core.schema import ToolSchema
from app.storage.settings import Settings
from app.ui.form.generate_panel import GeneratePanel
from app.ui.form.model import GenerationRequest, SeedPolicy
from app.ui.form.schema_form import SchemaForm
from app.ui.widgets.window_layout import LayoutKeeper
from app.ui.window_parts import (
    SHELL_MENU_TITLES,
    WORKSPACE_MODULES,
    FirstPaint,
    loading_label,
    make_banner,
    make_body,
    make_splitter,
    place_side_docks,
    preload,
    replace_dock_widget,
    replace_loading_page,
    show_about_box,
)

if TYPE_CHECKING:  # the workspace, the studio and the network stack load after the first paint
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio
    from app.ui.derive.flow import DeriveFlow
    from app.ui.flows.image_actions import ImageActions
    from app.ui.flows.library_flow import LibraryFlow
    from app.ui.flows.readback_flow import ReadbackFlow
    from app.ui.flows.sweep_flow import SweepFlow
    from app.ui.gallery.gallery import Gallery
    from app.ui.inspiration.panel import InspirationPanel
    from app.ui.session import ModeSwitches, UiSession
    from app.ui.tasks.panel import TasksPanel
    from app.ui.viewer.viewer import CompareView, ImageViewer
    from app.ui.widgets.commands import CommandRegistry
    from app.ui.widgets.thumbnails import ThumbnailLoader
    from app.ui.window_binding import BindingView
    from app.ui.window_requests import StudioRequests

    class WindowHost(ModeSwitches, Protocol):
        """What the window asks of its owner: the mode switches, and whether it may close."""

        def confirm_close(self) -> bool: ...


class MainWindow(QMainWindow):
    """Lays out the widgets, builds the flows with the session, and renders the studio's state.

    Built in two steps so that it paints before most of the app has loaded: the constructor
    makes the first frame (the real layout, the form from the cached schema, "Loading…" where
    the gallery and the side panel go, the menu titles), light enough to show before the
    asyncio loop exists; ``attach`` then builds the workspace (gallery, viewer, Tasks, flows,
    commands and menus) with the session, behind the painted window."""

    def __init__(self, schema: ToolSchema | None = None, settings: Settings | None = None) -> None:
        """``schema``: the form to show at once (the cached Tool/Detail answer); without one
        the form waits for the first studio. ``settings``: the saved layout and last form."""
        super().__init__()
        self._settings = settings or Settings()
        self.session: UiSession | None = None
        self.host: WindowHost | None = None
        self.studio: Studio | None = None
        self.spec: ConnectionSpec | None = None
        self._closing_for_real = False
        self._early_requests: list[GenerationRequest] = []  # Generate before attach()
        self._welcome_waiting = False  # "Connect your Wiro account…" before attach()
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

        self.center = QStackedWidget()
        self.center.addWidget(loading_label())  # the gallery's place until attach()
        self.splitter = make_splitter(self.form_host, self.center)
        self.setCentralWidget(make_body(self.banner, self.splitter))

        self.tasks_dock, self.inspiration_dock = place_side_docks(self, loading_label())
        docks = [self.tasks_dock, self.inspiration_dock]
        self.layout_keeper = LayoutKeeper(self, self.splitter, docks)
        for title in SHELL_MENU_TITLES:  # the same titles attach() fills: the bar never moves
            self.menuBar().addMenu(title)
        self.mode_label = QLabel("Connecting…")
        self.mode_label.setTextFormat(Qt.TextFormat.PlainText)  # it shows the masked key
        self.statusBar().addPermanentWidget(self.mode_label)
        if schema is not None:
            self._build_form(schema)
            self.inspiration_dock.set_examples(schema.inspire)
        self.restore_state(self._settings)

    async def preload_workspace(self) -> None:
        """Loads what ``attach`` needs, a module per turn of the loop: the first frame keeps
        answering (typing, Generate) meanwhile."""
        await preload(WORKSPACE_MODULES)

    def attach(self, session: UiSession, host: WindowHost) -> None:
        """Builds the workspace behind the first frame: everything that needs the session."""
        from app.ui.derive.flow import DeriveFlow
        from app.ui.gallery.gallery import Gallery
        from app.ui.tasks.panel import TasksPanel
        from app.ui.viewer.viewer import CompareView, ImageViewer
        from app.ui.widgets.commands import CommandRegistry
        from app.ui.widgets.notify import Notifier
        from app.ui.widgets.thumbnails import ThumbnailLoader
        from app.ui.window_binding import BindingView
        from app.ui.window_requests import StudioRequests

        self.session, self.host = session, host
        self.notifier = Notifier(self)
        self.loader: ThumbnailLoader = ThumbnailLoader(self, pool=session.decode_pool)
        self.gallery: Gallery = Gallery(self.loader)
        self.viewer: ImageViewer = ImageViewer(self.loader)
        self.compare: CompareView = CompareView(self.loader)
        replace_loading_page(self.center, [self.gallery, self.viewer, self.compare])
        self.tasks: TasksPanel = TasksPanel()
        replace_dock_widget(self.tasks_dock, self.tasks)
        self.binding: BindingView = BindingView(
            session,
            (self.mode_label, self.gallery, self.tasks, self.statusBar()),
            lambda: self.generate_panel,
            lambda: self.studio,
            self.notifier,
            self.isActiveWindow,
        )
        self.requests: StudioRequests = StudioRequests(
            session, lambda: self.studio, lambda: self.form, lambda: self.generate_panel, self
        )
        self._connect_signals()
        self._make_library()  # history & library: filter bar, delete/undo, export, read-back
        self.inspiration_dock.attach(session, lambda: self.form, self)
        self.prompt_library = self.inspiration_dock.prompt_library
        self.presets_menu = self.inspiration_dock.presets_menu
        self.derive_flow: DeriveFlow = DeriveFlow(session, self._derive_source, self, self)
        self.commands: CommandRegistry = CommandRegistry(self)
        self._declare_commands()
        self._make_menus()
        self.gallery.set_loading(True)  # honest until the first library page has arrived
        self.tasks.set_loading(True)
        if self.generate_panel is not None:
            self.generate_panel.explore_requested.connect(self.sweep_flow.explore)
        early, self._early_requests = self._early_requests, []
        for request in early:  # pressed while the workspace was being built: waits as well
            self.requests.generate(request)
        if self._welcome_waiting:
            self._welcome_waiting = False
            self.show_welcome()

    def _declare_commands(self) -> None:
        from app.ui.window_menus import CommandSources, WindowHandlers, declare_window_commands

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
        from app.ui.window_menus import make_window_menus

        self.menuBar().clear()  # the first frame's titles, replaced by the same menus, filled
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

        assert self.session is not None
        copy_diagnostics(self.session)

    def _derive_source(self) -> int | None:
        """The image U and R work on: the viewer's, else the first selected tile's."""
        if self.center.currentWidget() is self.viewer:
            return self.viewer.current_id()
        return next(iter(self.gallery.selected_image_ids()), None)

    def _save_selected(self) -> None:
        self.image_actions.save(self.gallery.selected_image_ids())

    def _connect_signals(self) -> None:
        from app.ui.flows.image_actions import ImageActions
        from app.ui.flows.sweep_flow import SweepFlow

        assert self.session is not None
        self.session.generation_changed.connect(self.binding.generation_changed)
        self.session.image_stored.connect(self.binding.image_stored)
        self.session.notice_posted.connect(self.show_notice)
        self.requests.serve(self.tasks)
        self.tasks.selected.connect(self._on_tasks_selected)
        self.image_actions: ImageActions = ImageActions(
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
        self.sweep_flow: SweepFlow = SweepFlow(self.session, self.gallery, self.viewer, self.center,
                                    self.loader, form=lambda: self.form, parent=self)  # fmt: skip

    # -- inspiration, saved prompts and presets (inspiration.py, presets.py) -------------

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
        from app.ui.flows.library_flow import LibraryFlow
        from app.ui.flows.readback_flow import ReadbackFlow

        assert self.session is not None
        self.library_flow: LibraryFlow = LibraryFlow(
            self.session,
            self.gallery,
            self.viewer,
            self.compare,
            self.statusBar(),
            show_gallery=self.show_gallery,
            parent=self,
        )
        self.readback_flow: ReadbackFlow = ReadbackFlow(self.session, self, lambda: self.form, self)

    # -- binding to a studio -----------------------------------------------------------

    def bind(self, studio: Studio | None, spec: ConnectionSpec | None) -> None:
        """Unbinding (a change of mode) keeps the form: Generate waits for the next studio."""
        self.studio, self.spec = studio, spec
        if studio is None:
            self.library_flow.unbind()
            self.binding.connecting()

    async def bind_async(self, studio: Studio, spec: ConnectionSpec) -> None:
        self.bind(studio, spec)
        self._follow_schema(studio)
        self.banner.setVisible(spec.demo)
        self.binding.connected(spec)
        self.library_flow.bind(studio, spec)  # the gallery loads from the database in pages
        self.requests.send_waiting(studio)
        history = await studio.history(limit=200)
        if self.studio is not studio:
            return  # switched again meanwhile
        self.inspiration_dock.bind_tool(studio.schema.inspire, history)
        self.binding.show_history(history)

    def schema_refreshed(self, studio: Studio) -> None:
        """Tool/Detail answered unlike the cached schema the studio opened with."""
        if self.studio is studio and self._follow_schema(studio):
            self.inspiration_dock.set_examples(studio.schema.inspire)

    def _follow_schema(self, studio: Studio) -> bool:
        """Rebuilds the form (values kept) for a schema unlike the one it shows."""
        if self.form is not None and self.form.schema == studio.schema:
            return False
        self._build_form(studio.schema)
        return True

    async def first_paint(self, timeout: float = 1.0) -> None:
        """Returns once the window has painted (or after ``timeout``: a window never exposed)."""
        await self._first_paint.wait(timeout)

    def paint_before_the_loop(self, timeout: float = 1.0) -> None:
        """Shows the window and waits, in Qt's own loop, until it has painted."""
        self.show()
        self._first_paint.wait_before_the_loop(timeout)

    @property
    def attached(self) -> bool:
        """Whether ``attach`` has built the workspace (gallery, Tasks, flows, menus)."""
        return self.session is not None

    @property
    def first_painted_at(self) -> float | None:
        """``time.perf_counter()`` of the first paint (None before it)."""
        return self._first_paint.painted_at

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
        if self.session is not None:  # else attach() connects it
            self.generate_panel.explore_requested.connect(self.sweep_flow.explore)
        settings = self.session.settings if self.session is not None else self._settings
        saved, random = old_values or settings.last_params, settings.random_seed
        self.form.model.apply(saved, policy=SeedPolicy.RANDOM if random else SeedPolicy.FIXED)

    # -- studio events -----------------------------------------------------------------

    def show_notice(self, text: str, level: str = "info") -> None:
        text = one_line(text, max_chars=500)
        self.statusBar().showMessage(text, 15000 if level != "info" else 6000)
        if level == "error":
            self.notifier.error_notice(text)

    # -- actions -----------------------------------------------------------------------

    def _on_generate_requested(self, request: GenerationRequest) -> None:
        if self.session is None:  # the workspace is still being built: the request waits
            self._early_requests.append(request)
            if self.generate_panel is not None:
                self.generate_panel.button.setText("Connecting…")
            return
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

        if self.session is None or self.host is None:
            self._welcome_waiting = True  # the banner's button, pressed before attach()
            return
        open_welcome(self, self.session, self.host)

    def show_settings(self) -> None:
        from app.ui.flows.settings_flow import open_settings

        assert self.session is not None and self.host is not None
        open_settings(self, self.session, self.host, change_credentials=self.show_welcome)

    def show_shortcuts(self) -> None:
        from app.ui.widgets.commands import show_shortcut_list

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
        if self._closing_for_real or self.host is None or self.host.confirm_close():
            event.accept()
            return
        event.ignore()

    async def run_smoke(self, screenshot: Path | None) -> None:
        """``--smoke``: one demo generation through this window's form and gallery."""
        from app.ui.flows.smoke import SmokeView, run_smoke

        assert self.session is not None and self.host is not None
        view = SmokeView(self, self.gallery, self.loader, lambda: self.form)
        await run_smoke(self.session, self.host, view, screenshot)

    def close_for_real(self) -> None:
        """Closes without asking (the controller has shut down). No processEvents here: it
        runs inside a coroutine, and Qt's events would re-enter the asyncio loop's tasks."""
        self._closing_for_real = True
        self.close()
