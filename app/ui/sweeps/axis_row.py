"""One axis of the sweep planner: a target picker, its values and the axis's own parse error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from app.core.schema import FieldKind, ToolSchema
from app.core.sweep import PROMPT_ALTERNATIVES, PROMPT_SR, SIZE, WILDCARD, AxisSpec
from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel

HINTS = {
    SIZE: "512x512, 768x512",
    PROMPT_SR: "text to find, replacement, another…",
    PROMPT_ALTERNATIVES: "uses the prompt's {a|b} groups",
    "seed": "random 4  ·  1, 2, 3  ·  100-110",
}


def _hint(schema: ToolSchema, target: str) -> str:
    if target in HINTS:
        return HINTS[target]
    if target.startswith(WILDCARD):
        return "all values, or a number of random picks (e.g. 5)"
    spec = schema.field(target)
    if spec is None:
        return ""
    if spec.kind is FieldKind.SELECT:
        return "choose…, or names separated by commas (* for all)"
    if spec.kind in (FieldKind.INTEGER, FieldKind.FLOAT):
        return "20, 28, 40  ·  20-40 (+5)  ·  4-12 [5]"
    return "values separated by commas"


class AxisRow(QWidget):
    """X, Y or Z: which setting it varies and the values typed for it."""

    changed = Signal()

    def __init__(
        self,
        name: str,
        schema: ToolSchema,
        targets: Sequence[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.schema = schema
        self.label = QLabel(name)
        style.set_role(self.label, "heading")
        self.target_combo = QComboBox()
        self.target_combo.setAccessibleName(f"{name} axis setting")
        self.target_combo.addItem("(none)", "")
        for target, title in targets:
            self.target_combo.addItem(title, target)
        self.values_edit = QLineEdit()
        self.values_edit.setAccessibleName(f"{name} axis values")
        self.choose_button = QToolButton()
        self.choose_button.setText("Choose…")
        self.choose_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.choose_button.setProperty("dropdown", True)  # room for the menu arrow
        self.choose_menu = QMenu(self.choose_button)
        self.choose_button.setMenu(self.choose_menu)
        self.error_label = ErrorLabel(self)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.label, 0, 0)
        grid.addWidget(self.target_combo, 0, 1)
        grid.addWidget(self.values_edit, 0, 2)
        grid.addWidget(self.choose_button, 0, 3)
        grid.addWidget(self.error_label, 1, 1, 1, 3)
        grid.setColumnStretch(2, 1)
        self.target_combo.currentIndexChanged.connect(self._on_target_combo_changed)
        self.values_edit.textChanged.connect(self.changed)
        self._on_target_combo_changed()

    def target(self) -> str:
        return str(self.target_combo.currentData() or "")

    def set_axis(self, target: str, text: str = "") -> None:
        index = self.target_combo.findData(target)
        self.target_combo.setCurrentIndex(max(0, index))
        self.values_edit.setText(text)

    def spec(self) -> AxisSpec | None:
        """What this row asks for, or None when no setting is chosen."""
        target = self.target()
        if not target:
            return None
        text = self.values_edit.text().strip()
        if target.startswith(WILDCARD):
            count = int(text) if text.isdigit() else None
            return AxisSpec(target, "", count=count)
        return AxisSpec(target, text)

    def set_error(self, text: str | None) -> None:
        self.error_label.set_message(text)
        style.set_error_state(self.values_edit, bool(text))

    def _choices(self) -> Mapping[str, str]:
        spec = self.schema.field(self.target())
        if spec is None or spec.kind is not FieldKind.SELECT:
            return {}
        return {o.value: o.label for o in spec.options}

    def _on_target_combo_changed(self, *_args: object) -> None:
        target = self.target()
        self.values_edit.setEnabled(bool(target) and target != PROMPT_ALTERNATIVES)
        self.values_edit.setPlaceholderText(_hint(self.schema, target) if target else "")
        self.choose_menu.clear()
        choices = self._choices()
        for value, label in choices.items():
            action = QAction(label, self.choose_menu)
            action.setData(value)
            action.setCheckable(True)
            action.toggled.connect(self._on_choice_toggled)
            self.choose_menu.addAction(action)
        self.choose_button.setVisible(bool(choices))
        self.changed.emit()

    def _on_choice_toggled(self, _checked: bool) -> None:
        picked = [str(a.data()) for a in self.choose_menu.actions() if a.isChecked()]
        self.values_edit.setText(", ".join(picked))
