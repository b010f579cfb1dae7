"""The main window: form on the left, gallery in the middle, tasks on the right."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.services.connection import ConnectionSpec
from app.services.events import GenerationState, ImageRecord, Phase
from app.services.studio import Studio
from app.storage.prompts import PromptStore
from app.storage.settings import Settings
from app.ui import actions, style
from app.ui.form import SchemaForm
from app.ui.form_model import GenerationRequest, SeedPolicy
from app.ui.gallery import Gallery
from app.ui.generate_panel import GeneratePanel
from app.ui.image_actions import ImageActions
from app.ui.inspiration import InspirationPanel
from app.ui.notify import Notifier
from app.ui.presets import PresetsMenu
from app.ui.prompt_library import PromptLibrary, session_runner
from app.ui.session import ModeSwitches, UiSession
from app.ui.smoke import SmokeView, run_smoke
from app.ui.tasks_panel import TasksPanel
from app.ui.thumbnails import ThumbnailLoader
from app.ui.viewer import CompareView, ImageViewer

log = logging.getLogger(__name__)

TASK_ROWS_AT_START = 20  # finished generations listed in the Tasks panel when the app starts


class WindowHost(ModeSwitches, Protocol):
    """What the window asks of its owner: the mode switches, and whether it may close now."""

    def confirm_close(self) -> bool: ...


class MainWindow(QMainWindow):
    """Lays out the widgets, builds the flows with the session, and renders the studio's state."""

    def __init__(self, session: UiSession, host: WindowHost) -> None:
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
        self.form_placeholder = QLabel("Connecting…")
        self.form_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form_layout.addWidget(self.form_placeholder)

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
        self.resizeDocks([self.tasks_dock], [300], Qt.Orientation.Horizontal)

        self.mode_label = QLabel()
        self.statusBar().addPermanentWidget(self.mode_label)
        self._make_menus()
        self._connect_signals()
        self._make_library()  # history & library: filter bar, delete/undo, export, read-back
        self._make_inspiration()

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

    def _make_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.save_action = QAction("&Save selected…", self, shortcut=QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(
            lambda: self.image_actions.save(self.gallery.selected_image_ids())
        )
        file_menu.addAction(self.save_action)
        settings = QAction("Se&ttings…", self, shortcut=QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.show_settings)
        file_menu.addAction(settings)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu("&View")
        view.addAction(self.tasks_dock.toggleViewAction())
        back = QAction("Back to &gallery", self, shortcut=QKeySequence(Qt.Key.Key_Escape))
        back.triggered.connect(self.show_gallery)
        view.addAction(back)
        self.view_menu = view

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        from app.ui.diagnostics_copy import copy_diagnostics

        self.diagnostics_action = QAction("Copy &diagnostics", self)
        self.diagnostics_action.triggered.connect(lambda: copy_diagnostics(self.session))
        help_menu.addAction(self.diagnostics_action)
        self.help_menu = help_menu

    def _connect_signals(self) -> None:
        self.session.generation_changed.connect(self._on_session_generation_changed)
        self.session.image_stored.connect(self._on_session_image_stored)
        self.session.notice_posted.connect(self.show_notice)
        self.tasks.stop_requested.connect(self._on_tasks_stop_requested)
        self.tasks.resume_requested.connect(self._on_tasks_resume_requested)
        self.tasks.selected.connect(self._on_tasks_selected)
        self.image_actions = ImageActions(
            self.session,
            self.gallery,
            self.viewer,
            self.compare,
            self.center,
            form=lambda: self.form,
            export=lambda ids: self.library_flow.export(ids),
            parent=self,
        )
        self.viewer.closed.connect(self.show_gallery)

    # -- inspiration, saved prompts and presets (inspiration.py, presets.py) -------------

    def _make_inspiration(self) -> None:
        """The Inspiration dock (a tab beside Tasks), its View action and the Presets menu."""
        store = PromptStore.in_folder(self.session.paths.data_dir)
        self.prompt_library = PromptLibrary(store, session_runner(self.session), self)
        self.inspiration = InspirationPanel(self.prompt_library, lambda: self.form)
        dock = QDockWidget("Inspiration", self)
        dock.setObjectName("inspiration-dock")
        dock.setWidget(self.inspiration)
        dock.setFeatures(
            self.tasks_dock.features() | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.North)
        self.tabifyDockWidget(self.tasks_dock, dock)
        self.tasks_dock.raise_()
        self.inspiration_dock = dock
        self.inspiration_action = QAction("&Inspiration", self, shortcut=QKeySequence("Ctrl+I"))
        self.inspiration_action.setCheckable(True)
        self.inspiration_action.triggered.connect(self._on_inspiration_action_triggered)
        dock.visibilityChanged.connect(self.inspiration_action.setChecked)
        self.view_menu.insertAction(self.view_menu.actions()[1], self.inspiration_action)
        self.presets_menu = PresetsMenu(self.prompt_library, lambda: self.form, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), self.presets_menu)
        self.inspiration.notice_posted.connect(self.show_notice)
        self.presets_menu.notice_posted.connect(self.show_notice)
        self.session.generation_changed.connect(self.inspiration.note_generation)
        self.prompt_library.load()

    def show_inspiration(self) -> None:
        self.inspiration_dock.show()
        self.inspiration_dock.raise_()
        self.inspiration.focus_search()

    def _on_inspiration_action_triggered(self, checked: bool) -> None:
        if checked:
            self.show_inspiration()
        else:
            self.inspiration_dock.close()

    # -- history and library: filter bar, spend, delete/undo, export, read-back --------

    def _make_library(self) -> None:
        from PySide6.QtWidgets import QMenu

        from app.ui.library_flow import LibraryFlow
        from app.ui.readback_flow import ReadbackFlow

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
        self.open_image_action = QAction(
            "&Open image…", self, shortcut=QKeySequence.StandardKey.Open
        )
        self.open_image_action.setStatusTip("Read the settings stored in a PNG, JPEG or WebP")
        self.open_image_action.triggered.connect(self.readback_flow.open_dialog)
        menus = self.menuBar().findChildren(QMenu)
        file_menu = next(m for m in menus if self.save_action in m.actions())
        file_menu.insertAction(self.save_action, self.open_image_action)
        file_menu.insertSeparator(self.save_action)
        after_save = file_menu.actions()[file_menu.actions().index(self.save_action) + 1]
        file_menu.insertAction(after_save, self.library_flow.export_action)
        edit = QMenu("&Edit", self)
        edit.addAction(self.library_flow.undo_action)
        edit.addSeparator()
        edit.addAction(self.gallery.delete_action)
        edit.addAction(self.library_flow.filter_bar.find_action)
        self.menuBar().insertMenu(self.view_menu.menuAction(), edit)
        self.edit_menu = edit

    # -- binding to a studio -----------------------------------------------------------

    def bind(self, studio: Studio | None, spec: ConnectionSpec | None) -> None:
        self.studio, self.spec = studio, spec
        if studio is None:
            self.library_flow.unbind()
            self.mode_label.setText("Not connected")
            if self.generate_panel is not None:
                self.generate_panel.setEnabled(False)

    async def bind_async(self, studio: Studio, spec: ConnectionSpec) -> None:
        self.bind(studio, spec)
        self._build_form(studio)
        self.banner.setVisible(spec.demo)
        self.mode_label.setText(
            "Offline demo" if spec.demo else f"Wiro account {spec.credentials.masked_key}"
        )
        self.gallery.set_images([])
        self.tasks.clear()
        self.library_flow.bind(studio, spec)  # the gallery loads from the database in pages
        history = await studio.history(limit=200)
        self.inspiration.bind_tool(studio.schema.inspire, history)
        # Finished work beyond the latest few stays in the gallery and history, not as task rows:
        # each row is a dozen widgets (~1.8 ms), so 200 of them cost a third of a second at start.
        recent = [s for i, s in enumerate(history) if i < TASK_ROWS_AT_START or not s.is_final]
        for state in reversed(recent):
            self.tasks.update_generation(state)
        self.statusBar().showMessage("Ready", 3000)

    def _build_form(self, studio: Studio) -> None:
        old_values = self.form.values() if self.form is not None else None
        for widget in (self.form_placeholder, self.form, self.generate_panel):
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.form_placeholder = None  # type: ignore[assignment]
        self.form = SchemaForm(studio.schema)
        self.generate_panel = GeneratePanel(self.form)
        self.form_layout.addWidget(self.form, 1)
        self.form_layout.addWidget(self.generate_panel)
        self.generate_panel.generate_requested.connect(self._on_generate_requested)
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
        self.statusBar().showMessage(text, 15000 if level != "info" else 6000)
        if level == "error":
            self.notifier.error_notice(text)

    # -- actions -----------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self.session.spawn(coro, name=name)

    def _on_generate_requested(self, request: GenerationRequest) -> None:
        if self.studio is None or self.form is None:
            return
        self.session.settings.last_params = self.form.values()
        form = self.form
        self._spawn(actions.generate(self.studio, request.values, form.show_errors), "generate")

    def _on_tasks_stop_requested(self, generation_id: int) -> None:
        if self.studio is not None:
            self._spawn(self.studio.stop(generation_id), f"stop-{generation_id}")

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
        from app.ui.welcome import open_welcome

        open_welcome(self, self.session, self.host)

    def show_settings(self) -> None:
        from app.ui.settings_flow import open_settings

        open_settings(self, self.session, self.host, change_credentials=self.show_welcome)

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>A desktop studio for generating images with the Wiro API.</p>"
            "<p>Wiro Studio is an independent client: it is not made or endorsed by Wiro.</p>",
        )

    def show_unexpected_error(self, summary: str, details: str) -> None:
        from app.ui.error_dialog import show_error_dialog

        show_error_dialog(self, summary, details)

    # -- state and closing -------------------------------------------------------------

    def restore_state(self, settings: Settings) -> None:
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        if settings.window_state:
            self.restoreState(QByteArray.fromBase64(settings.window_state.encode()))

    def store_state(self, settings: Settings) -> None:
        settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        settings.window_state = bytes(self.saveState().toBase64()).decode()
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
