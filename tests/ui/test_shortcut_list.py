"""Help → Keyboard shortcuts: every command with a key, under a heading per family."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow

from app.ui.widgets.commands import Command, CommandRegistry, show_shortcut_list


def test_the_list_groups_every_shortcut_under_its_family(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    registry = CommandRegistry(window)
    registry.declare(Command("file.save", "&Save selected…", lambda: None, "Ctrl+S"))
    registry.declare(Command("view.form", "&Form panel", None, "Ctrl+1", checkable=True))
    registry.declare(Command("view.reset_layout", "&Reset layout", lambda: None))
    assert registry.shortcut_groups() == {
        "File": [("Save selected", "Ctrl+S")],
        "View": [("Form panel", "Ctrl+1")],
    }
    box = show_shortcut_list(window, registry)
    text = box.text()
    for piece in ("<b>Form</b>", "Generate", "<b>File</b>", "Save selected", "<b>View</b>"):
        assert piece in text
    assert "Reset layout" not in text  # no key, nothing to list
    assert text.index("<b>File</b>") < text.index("Save selected") < text.index("<b>View</b>")
    box.close()
