"""The lightbox's actions, declared once: their keys, the right-click menu and the toolbar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton, QWidget

from app.ui.widgets.commands import CommandRegistry


@dataclass(frozen=True)
class ViewerAction:
    """One thing the lightbox can do to its image (or to how it is shown)."""

    id: str
    text: str
    keys: tuple[str, ...] = ()
    toolbar: str = ""  # the toolbar's short label; "" keeps it off the toolbar
    checkable: bool = False
    tip: str = ""


# The window-wide map (round 2): S star · X reject · C compare · I info · F/Tab hide panels ·
# F11 full screen · Esc back · ←/→ next/previous · Alt+↑/Alt+↓ source/derived images.
VIEWER_ACTIONS: tuple[ViewerAction, ...] = (
    ViewerAction("star", "Star", ("S",), "★ Star", True, "Star this image (S)"),
    ViewerAction("reject", "Reject", ("X",), "⊘ Reject", True,
                 "Reject this image (X; X again or Ctrl+Z undoes)"),
    ViewerAction("delete", "Delete…", ("Del",), "Delete", tip="Delete this image (Del)"),
    ViewerAction("reuse_settings", "Reuse settings", ("Ctrl+R",), "Reuse",
                 tip="Load this image's settings into the form, its seed fixed (Ctrl+R)"),
    ViewerAction("reuse_seed", "Reuse seed", ("Ctrl+Shift+R",),
                 tip="Fix the form's seed to this image's (Ctrl+Shift+R)"),
    ViewerAction("copy_image", "Copy image", ("Ctrl+C",), "Copy", tip="Copy the image (Ctrl+C)"),
    ViewerAction("copy_prompt", "Copy prompt", ("Ctrl+Shift+C",)),
    ViewerAction("copy_parameters", "Copy all parameters", ("Ctrl+Alt+C",)),
    ViewerAction("save", "Save…", ("Ctrl+S",), "Save…",
                 tip="Save a copy with its settings (Ctrl+S)"),
    ViewerAction("compare", "Compare with next", ("C",), "Compare",
                 tip="Compare with the other selected image, or the next one (C)"),
    ViewerAction("go_source", "Go to source", ("Alt+Up",),
                 tip="Show the image this one was upscaled or re-imagined from (Alt+Up)"),
    ViewerAction("go_derived", "Go to derived images", ("Alt+Down",),
                 tip="Show what was upscaled or re-imagined from this image (Alt+Down)"),
    ViewerAction("open_folder", "Open containing folder", ("Ctrl+Shift+O",)),
    ViewerAction("info", "Info panel", ("I",), "Info", True,
                 "Show the prompt and settings (I)"),
    ViewerAction("panels", "Hide panels", ("F", "Tab"), "Focus", True,
                 "Hide every panel: the image fills the window (F or Tab; Esc brings them back)"),
    ViewerAction("full_screen", "Full screen", ("F11",), "Full screen", True,
                 "Full screen (F11; Esc)"),
)  # fmt: skip

MENU_LAYOUT = ("star", "reject", None, "copy_image", "copy_prompt", "copy_parameters", "save",
               "open_folder", None, "reuse_settings", "reuse_seed", "compare", None, "go_source",
               "go_derived", None, "info",
               "panels", "full_screen", None, "delete")  # fmt: skip


class ViewerActions(QObject):
    """QActions for the lightbox; the viewer routes its keys here (no window shortcut clashes)."""

    triggered = Signal(str)  # a ViewerAction id

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._actions: dict[str, QAction] = {}
        self._keys: dict[QKeySequence, str] = {}
        for spec in VIEWER_ACTIONS:
            action = QAction(spec.text, self)
            sequences = [QKeySequence(k) for k in spec.keys]
            action.setShortcuts(sequences)  # shown in menus; the viewer dispatches the keys
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.setCheckable(spec.checkable)
            action.setToolTip(spec.tip or spec.text)
            if spec.toolbar:
                action.setIconText(spec.toolbar)  # the toolbar's label; menus show the text
            action.triggered.connect(lambda _checked=False, i=spec.id: self.triggered.emit(i))
            self._actions[spec.id] = action
            for sequence in sequences:
                self._keys[sequence] = spec.id

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def ids(self) -> list[str]:
        return list(self._actions)

    def set_checked(self, action_id: str, checked: bool) -> None:
        action = self._actions[action_id]
        if action.isChecked() != checked:
            action.blockSignals(True)
            action.setChecked(checked)
            action.blockSignals(False)

    def id_for_key(self, event: QKeyEvent) -> str | None:
        """The action a key press means here, if any (Tab counts as F)."""
        sequence = QKeySequence(event.keyCombination())
        return self._keys.get(sequence)

    def trigger(self, action_id: str) -> None:
        action = self._actions[action_id]
        if not action.isEnabled():
            return
        self.triggered.emit(action_id)  # checkable ones: the handler sets the check it shows

    def menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        for entry in MENU_LAYOUT:
            if entry is None:
                menu.addSeparator()
            else:
                menu.addAction(self._actions[entry])
        return menu

    def toolbar(self, parent: QWidget) -> QToolBar:
        """A slim row of the frequent actions; what does not fit goes behind a » button."""
        bar = QToolBar(parent)
        bar.setObjectName("viewerToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for spec in VIEWER_ACTIONS:
            if not spec.toolbar:
                continue
            action = self._actions[spec.id]
            bar.addAction(action)
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return bar


def adopt_viewer_commands(commands: CommandRegistry, actions: ViewerActions) -> None:
    """Lists the lightbox's keys in Help → Keyboard shortcuts (the viewer dispatches them)."""
    for action_id in actions.ids():
        commands.adopt(f"viewer.{action_id}", actions.action(action_id))
