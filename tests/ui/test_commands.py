"""Commands declared once: menus built from them, enabled-when, and the shortcut list."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from app.ui.widgets.commands import SEPARATOR, Command, CommandRegistry, Menu, show_shortcut_list


def test_menus_are_built_from_declared_commands_in_order(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    registry = CommandRegistry(window)
    ran: list[str] = []
    allowed = [False]
    registry.declare(Command("a.open", "&Open…", lambda: ran.append("open"), "Ctrl+O"))
    registry.declare(Command("a.undo", "&Undo", lambda: ran.append("undo"), "Ctrl+Z",
                             enabled_when=lambda: allowed[0]))  # fmt: skip
    registry.adopt("a.owned", QAction("Owned", window))
    extra = QMenu("&Extra", window)
    menus = registry.build_menus(
        window.menuBar(), [Menu("&File", ["a.open", SEPARATOR, "a.undo", "a.owned"]), extra]
    )
    texts = [a.text() for a in window.menuBar().actions()]
    assert texts == ["&File", "&Extra"]
    entries = menus["file"].actions()
    assert [a.text() for a in entries] == ["&Open…", "", "&Undo", "Owned"]
    assert entries[1].isSeparator()
    assert not registry.action("a.undo").isEnabled()
    allowed[0] = True
    registry.refresh()
    assert registry.action("a.undo").isEnabled()
    registry.action("a.open").trigger()
    registry.action("a.undo").trigger()
    assert ran == ["open", "undo"]
    assert registry.shortcuts() == [
        ("Open", QKeySequence("Ctrl+O").toString(QKeySequence.SequenceFormat.NativeText)),
        ("Undo", QKeySequence("Ctrl+Z").toString(QKeySequence.SequenceFormat.NativeText)),
    ]
    box = show_shortcut_list(window, registry)
    assert "Open" in box.text() and "Generate" in box.text()
    box.close()


def test_a_command_id_is_declared_once(qtbot):
    registry = CommandRegistry()
    registry.declare(Command("x", "X", lambda: None))
    with pytest.raises(ValueError, match="declared twice"):
        registry.declare(Command("x", "Again", lambda: None))
    with pytest.raises(ValueError, match="declared twice"):
        registry.adopt("x", QAction("X"))


def test_checkable_commands_hand_their_state_to_the_handler(qtbot):
    registry = CommandRegistry()
    seen: list[bool] = []
    action = registry.declare(Command("v", "&View", checkable=True, toggled=seen.append))
    action.trigger()
    action.trigger()
    assert seen == [True, False]
