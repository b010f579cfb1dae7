"""The window's commands, declared once, and the menu bar that names them by id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar

from app import APP_NAME
from app.ui.derive.commands import (
    DERIVE_FILE_COMMAND_IDS,
    REIMAGINE,
    UPSCALE,
    declare_derive_commands,
)
from app.ui.derive.flow import DeriveFlow
from app.ui.flows.library_flow import LibraryFlow
from app.ui.flows.sweep_flow import SWEEP_MENU, SweepFlow, declare_sweep_commands
from app.ui.gallery.commands import EDIT_IDS as GALLERY_EDIT_IDS
from app.ui.gallery.commands import VIEW_IDS as GALLERY_VIEW_IDS
from app.ui.gallery.commands import declare_gallery_commands
from app.ui.gallery.gallery import Gallery
from app.ui.viewer.actions import adopt_viewer_commands
from app.ui.viewer.viewer import ImageViewer
from app.ui.widgets.commands import SEPARATOR, Command, CommandRegistry, Menu
from app.ui.widgets.window_layout import LayoutKeeper


@dataclass(frozen=True)
class WindowHandlers:
    """What the window's own commands call: handlers only, so the menus never hold the window."""

    open_image: Callable[[], None]
    save_selected: Callable[[], None]
    settings: Callable[[], None]
    check_missing: Callable[[], None]
    quit: Callable[[], object]
    inspiration_toggled: Callable[[bool], None]
    inspiration_full: Callable[[], None]
    show_gallery: Callable[[], None]
    shortcuts: Callable[[], None]
    about: Callable[[], None]
    diagnostics: Callable[[], None]


@dataclass(frozen=True)
class CommandSources:
    """The flows and widgets whose own commands and actions the window's menus name."""

    library_flow: LibraryFlow
    sweep_flow: SweepFlow
    derive_flow: DeriveFlow
    gallery: Gallery
    viewer: ImageViewer
    tasks_dock: QDockWidget
    layout_keeper: LayoutKeeper


def declare_window_commands(
    registry: CommandRegistry, handlers: WindowHandlers, sources: CommandSources
) -> None:
    """Every window command, declared once; ``make_window_menus`` names them by id."""
    std, flows, h = QKeySequence.StandardKey, sources.library_flow, handlers
    for command in [
        Command("file.open_image", "&Open image…", h.open_image, std.Open,
                status_tip="Read the settings stored in a PNG, JPEG or WebP"),
        Command("file.save", "&Save selected…", h.save_selected, std.Save),
        Command("file.export", "&Export selected…", flows.export_selected, "Ctrl+Shift+E"),
        Command("file.settings", "Se&ttings…", h.settings, "Ctrl+,"),
        Command("file.check_missing", "Check Wiro for &missing images", h.check_missing,
                status_tip="Look in your Wiro task history for images whose answer was lost"),
        Command("file.quit", "&Quit", h.quit, std.Quit),
        Command("edit.undo_delete", "&Undo delete", flows.undo_delete, std.Undo,
                enabled_when=lambda: flows.can_undo),
        Command("view.inspiration", "&Inspiration", None, "Ctrl+I", checkable=True,
                toggled=h.inspiration_toggled),
        Command("view.inspiration_full", "Inspiration as a &full view", h.inspiration_full,
                "Ctrl+Shift+I",
                status_tip="Browse the prompts in the middle of the window, in columns"),
        Command("view.gallery", "Back to &gallery", h.show_gallery, QKeySequence("Esc")),
        Command("help.shortcuts", "&Keyboard shortcuts", h.shortcuts),
        Command("help.about", f"&About {APP_NAME}", h.about),
        Command("help.diagnostics", "Copy &diagnostics", h.diagnostics),
    ]:  # fmt: skip
        registry.declare(command)
    declare_sweep_commands(registry, sources.sweep_flow)
    declare_derive_commands(registry, sources.derive_flow)
    sources.gallery.set_derive_actions([registry.action(UPSCALE), registry.action(REIMAGINE)])
    # Actions the widgets own (their context menus and key contexts share them):
    registry.adopt("edit.delete", sources.gallery.delete_action)
    registry.adopt("edit.find", flows.filter_bar.find_action)
    registry.adopt("view.tasks", sources.tasks_dock.toggleViewAction())
    declare_gallery_commands(registry, sources.gallery)
    adopt_viewer_commands(registry, sources.viewer.actions_)
    sources.layout_keeper.declare_commands(registry)
    flows.undo_changed.connect(registry.refresh)


def make_window_menus(
    registry: CommandRegistry, menu_bar: QMenuBar, presets_menu: QMenu
) -> dict[str, QMenu]:
    """Fills the menu bar; returns its menus by key (``file``, ``edit``, ``view``, ``help``…)."""
    layout: list[Menu | QMenu] = [
        Menu("&File", ["file.open_image", *DERIVE_FILE_COMMAND_IDS, SEPARATOR, "file.save",
                       "file.export", "file.settings", "file.check_missing", SEPARATOR,
                       "file.quit"]),
        Menu("&Edit", ["edit.undo_delete", SEPARATOR, "edit.delete", "edit.find", SEPARATOR,
                       *GALLERY_EDIT_IDS]),
        Menu("&View", ["view.form", "view.side", "view.tasks", "view.inspiration",
                       "view.inspiration_full", SEPARATOR, *GALLERY_VIEW_IDS, SEPARATOR,
                       "view.reset_layout", SEPARATOR, "view.gallery"]),
        Menu("E&xplore", SWEEP_MENU),
        Menu("&Image", [UPSCALE, REIMAGINE]),
        presets_menu,
        Menu("&Help", ["help.shortcuts", "help.about", "help.diagnostics"]),
    ]  # fmt: skip
    return registry.build_menus(menu_bar, layout)
