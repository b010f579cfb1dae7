"""Form presets: save the whole form under a name, apply it from the Presets menu, manage them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.storage.prompts import FormPreset
from app.ui.form.model import SeedPolicy
from app.ui.inspiration.prompt_library import PromptLibrary
from app.ui.widgets import style
from app.ui.widgets.gallery_text import settings_summary
from app.ui.widgets.plain import plain_tooltip

if TYPE_CHECKING:
    from app.ui.form.schema_form import SchemaForm

FormGetter = Callable[[], "SchemaForm | None"]
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def preset_summary(preset: FormPreset) -> str:
    """What a preset sets, in one tooltip: settings, seed mode and the start of the prompt."""
    values: Mapping[str, Any] = dict(preset.values)
    if preset.random_seed:
        values = {k: v for k, v in values.items() if k != "seed"}
    lines = [settings_summary(values) + (" · random seed" if preset.random_seed else "")]
    prompt = " ".join(str(preset.values.get("prompt") or "").split())
    if prompt:
        lines.append(prompt[:100] + ("…" if len(prompt) > 100 else ""))
    return "\n".join(lines)


def apply_preset(form: SchemaForm, preset: FormPreset) -> None:
    policy = SeedPolicy.RANDOM if preset.random_seed else SeedPolicy.FIXED
    form.model.apply(preset.values, policy=policy)


class PresetsMenu(QMenu):
    """The Presets menu: save the form as a preset, manage presets, and one entry per preset."""

    notice_posted = Signal(str)

    def __init__(
        self,
        library: PromptLibrary,
        form: FormGetter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("&Presets", parent)
        self.library = library
        self._form = form
        self._dialog: QWidget | None = None
        self.setToolTipsVisible(True)
        self.save_action = self.addAction("&Save settings as preset…")
        self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.save_action.triggered.connect(self.ask_save)
        self.manage_action = self.addAction("&Manage presets…")
        self.manage_action.triggered.connect(self.open_manager)
        self.addSeparator()
        self._preset_actions: list[Any] = []
        library.changed.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        for action in self._preset_actions:
            self.removeAction(action)
            action.deleteLater()
        self._preset_actions = []
        presets = self.library.presets()
        if not presets:
            empty = self.addAction("No presets yet")
            empty.setEnabled(False)
            self._preset_actions.append(empty)
        for preset in presets:
            action = self.addAction(preset.name.replace("&", "&&"))
            action.setToolTip(plain_tooltip(preset_summary(preset)))
            action.triggered.connect(lambda _=False, pid=preset.id: self.apply(pid))
            self._preset_actions.append(action)
        self.manage_action.setEnabled(bool(presets))

    def preset_actions(self) -> list[Any]:
        return [a for a in self._preset_actions if a.isEnabled()]

    def apply(self, preset_id: str) -> bool:
        form, preset = self._form(), self.library.book.preset(preset_id)
        if form is None or preset is None:
            return False
        apply_preset(form, preset)
        self.notice_posted.emit(f"Preset “{preset.name}” applied")
        return True

    def save_current(self, name: str) -> FormPreset | None:
        form = self._form()
        if form is None or not name.strip():
            return None
        replaced = self.library.book.preset_named(name) is not None
        preset = self.library.save_preset(
            name, form.values(), form.random_seed_enabled(), form.schema.slug
        )
        verb = "updated" if replaced else "saved"
        self.notice_posted.emit(f"Preset “{preset.name}” {verb}")
        return preset

    def ask_save(self) -> None:
        if self._form() is None:
            self.notice_posted.emit("The form is not ready yet: connect first")
            return
        dialog = QInputDialog(self.parentWidget())
        dialog.setWindowTitle("Save preset")
        dialog.setLabelText("Save every setting of the form, prompts included, as:")
        dialog.setTextValue(f"Preset {len(self.library.book.presets) + 1}")
        dialog.setMinimumWidth(380)
        dialog.textValueSelected.connect(self.save_current)
        self._open(dialog)

    def open_manager(self) -> PresetsDialog:
        dialog = PresetsDialog(self.library, self.apply, self.parentWidget())
        self._open(dialog)
        return dialog

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.open()


class PresetsDialog(QDialog):
    """Apply, rename (F2 or double-click the name) and delete presets."""

    def __init__(
        self,
        library: PromptLibrary,
        apply: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Presets")
        self.setMinimumSize(420, 320)
        self.library = library
        self._apply = apply
        self._filling = False
        hint = QLabel("A preset holds every setting of the form. F2 renames the selected one.")
        hint.setWordWrap(True)
        style.set_role(hint, "muted")
        self.list = QListWidget(self)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.apply_button = QPushButton("Apply")
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete")
        for button in (self.apply_button, self.rename_button, self.delete_button):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        library.changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        current = self.current_id()
        self._filling = True
        try:
            self.list.clear()
            for preset in self.library.presets():
                item = QListWidgetItem(preset.name)
                item.setData(ID_ROLE, preset.id)
                item.setToolTip(plain_tooltip(preset_summary(preset)))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
                if preset.id == current:
                    self.list.setCurrentItem(item)
        finally:
            self._filling = False
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._on_list_current_row_changed(self.list.currentRow())

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(ID_ROLE)) if item is not None else None

    def _on_list_current_row_changed(self, row: int) -> None:
        for button in (self.apply_button, self.rename_button, self.delete_button):
            button.setEnabled(row >= 0)

    def _on_list_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        preset_id = str(item.data(ID_ROLE))
        if not self.library.rename_preset(preset_id, item.text()):
            self.fill()  # an empty name: put the old one back

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        self._apply(str(item.data(ID_ROLE)))

    def _on_apply_button_clicked(self) -> None:
        preset_id = self.current_id()
        if preset_id is not None:
            self._apply(preset_id)

    def _on_rename_button_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _on_delete_button_clicked(self) -> None:
        preset_id = self.current_id()
        if preset_id is not None:
            row = self.list.currentRow()
            self.library.delete_preset(preset_id)
            self.list.setCurrentRow(min(row, self.list.count() - 1))
