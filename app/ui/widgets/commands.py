"""Commands declared once (id, text, shortcut, enabled-when, handler); menus are built from them.

Like Qt's own action registry or napari's app-model: the window declares each command in one
place, menus name commands by id, and Help → Keyboard shortcuts is generated from the same
declarations, so no code hunts for a menu or inserts by position.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QWidget

Shortcut = QKeySequence | QKeySequence.StandardKey | str
SEPARATOR = "-"
MenuEntry = str | QMenu  # a command id, SEPARATOR, or a submenu built elsewhere (Presets)


@dataclass(frozen=True)
class Command:
    """One thing the user can do from a menu or a key."""

    id: str
    text: str
    handler: Callable[[], object] | None = None
    shortcut: Shortcut | None = None
    enabled_when: Callable[[], bool] | None = None
    status_tip: str = ""
    checkable: bool = False
    toggled: Callable[[bool], object] | None = None  # checkable commands: handler(checked)


@dataclass(frozen=True)
class Menu:
    """A top-level menu: its title and entries in order."""

    title: str
    entries: Sequence[MenuEntry]
    name: str = ""  # the window keeps it as ``<name>_menu`` for tests and tools


class CommandRegistry(QObject):
    """Holds each command's QAction; builds menus; lists shortcuts; refreshes enabled states."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actions: dict[str, QAction] = {}
        self._commands: dict[str, Command] = {}

    def declare(self, command: Command) -> QAction:
        if command.id in self._actions:
            raise ValueError(f"command {command.id!r} declared twice")
        action = QAction(command.text, self)
        if command.shortcut is not None:
            action.setShortcut(QKeySequence(command.shortcut))
        if command.status_tip:
            action.setStatusTip(command.status_tip)
        if command.checkable:
            action.setCheckable(True)
        if command.toggled is not None:
            toggled = command.toggled
            action.triggered.connect(lambda checked: toggled(bool(checked)))
        elif command.handler is not None:
            handler = command.handler
            action.triggered.connect(lambda _checked=False: handler())
        self._actions[command.id] = action
        self._commands[command.id] = command
        self._refresh_one(command)
        return action

    def adopt(self, command_id: str, action: QAction) -> QAction:
        """A command whose action a widget owns (its context menu shares it): menus name it too."""
        if command_id in self._actions:
            raise ValueError(f"command {command_id!r} declared twice")
        self._actions[command_id] = action
        return action

    def action(self, command_id: str) -> QAction:
        return self._actions[command_id]

    def ids(self) -> list[str]:
        return list(self._actions)

    def refresh(self) -> None:
        """Re-evaluates every enabled-when (after a change of studio, selection or undo)."""
        for command in self._commands.values():
            self._refresh_one(command)

    def _refresh_one(self, command: Command) -> None:
        if command.enabled_when is not None:
            self._actions[command.id].setEnabled(bool(command.enabled_when()))

    def build_menus(self, bar: QMenuBar, menus: Sequence[Menu | QMenu]) -> dict[str, QMenu]:
        """Fills the menu bar in order; a ready QMenu (Presets) is added as it is."""
        built: dict[str, QMenu] = {}
        for spec in menus:
            if isinstance(spec, QMenu):
                bar.addMenu(spec)
                continue
            menu = bar.addMenu(spec.title)
            for entry in spec.entries:
                if isinstance(entry, QMenu):
                    menu.addMenu(entry)
                elif entry == SEPARATOR:
                    menu.addSeparator()
                else:
                    menu.addAction(self._actions[entry])
            built[spec.name or spec.title.replace("&", "").lower()] = menu
        return built

    def shortcuts(self) -> list[tuple[str, str]]:
        """(what, keys) for every command with a key, in declaration order, as shown on screen."""
        rows = []
        for action in self._actions.values():
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…"), keys))
        return rows

    def shortcut_groups(self) -> dict[str, list[tuple[str, str]]]:
        """The shortcuts under a heading per command family ("file.save" → "File")."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for command_id, action in self._actions.items():
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                family = command_id.split(".", 1)[0].replace("_", " ").capitalize()
                groups.setdefault(family, []).append(
                    (action.text().replace("&", "").rstrip("…"), keys)
                )
        return groups


def show_shortcut_list(parent: QWidget, registry: CommandRegistry) -> QMessageBox:
    """Help → Keyboard shortcuts, generated from the declared commands (a non-modal box)."""
    groups = {"Form": [("Generate", "Ctrl+Enter")], **registry.shortcut_groups()}
    cells = ""
    for family, rows in groups.items():
        cells += f"<tr><td colspan=2 style='padding-top:8px'><b>{html.escape(family)}</b></td></tr>"
        cells += "".join(
            f"<tr><td>{html.escape(what)}</td><td>&nbsp;&nbsp;<b>{html.escape(keys)}</b></td></tr>"
            for what, keys in rows
        )
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table>{cells}</table>")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box
