"""The seed field: a number you can type, roll with a die, reuse, or leave random each time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from app.core.params import random_seed
from app.core.schema import FieldSpec
from app.ui.form.fields import FieldWidget, register_field_id
from app.ui.widgets.common import tool_button


class SeedField(FieldWidget):
    """Seed editor; while "Random each time" is on, the typed seed is kept but not used."""

    editor: QLineEdit

    random_changed = Signal(bool)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        editor = QLineEdit()
        super().__init__(spec, editor, parent)
        self._text = "" if spec.default is None else str(spec.default)
        self._last_seed: int | None = None
        self.dice = tool_button("dice", "Pick a random seed now", self)
        self.reuse = tool_button("reuse", "Use the last seed", self)
        self.reuse.setEnabled(False)
        self.row.addWidget(self.dice)
        self.row.addWidget(self.reuse)
        self.random_box = QCheckBox("Random each time", self)
        self.random_box.setToolTip(
            "Pick a new random seed for every generation; the seed used is kept with each image."
        )
        self.column.addWidget(self.random_box)
        editor.textChanged.connect(self._on_editor_text_changed)
        self.dice.clicked.connect(self._on_dice_clicked)
        self.reuse.clicked.connect(self._on_reuse_clicked)
        self.random_box.toggled.connect(self._on_random_box_toggled)
        self.random_box.setChecked(True)

    def value(self) -> str:
        return self._text

    def set_value(self, value: Any) -> None:
        self._text = "" if value is None else str(value).strip()
        if not self.is_random():
            self.editor.setText(self._text)
        self.changed.emit()

    def focus_chain(self) -> list[QWidget]:
        return [self.editor, self.dice, self.reuse, self.random_box]

    def is_random(self) -> bool:
        return self.random_box.isChecked()

    def set_random(self, enabled: bool) -> None:
        self.random_box.setChecked(enabled)

    def fix(self, seed: int | str) -> None:
        """Turns "Random each time" off and shows ``seed``."""
        self.set_random(False)
        self.set_value(seed)

    def last_seed(self) -> int | None:
        return self._last_seed

    def set_last_seed(self, seed: int | None) -> None:
        self._last_seed = seed
        self.reuse.setEnabled(seed is not None)
        tip = "Use the last seed" if seed is None else f"Use the last seed ({seed})"
        self.reuse.setToolTip(tip)
        self.reuse.setAccessibleName(tip)

    def _on_editor_text_changed(self, text: str) -> None:
        if not self.is_random() and text != self._text:
            self._text = text.strip()
            self.changed.emit()

    def _on_dice_clicked(self) -> None:
        self.fix(random_seed())

    def _on_reuse_clicked(self) -> None:
        if self._last_seed is not None:
            self.fix(self._last_seed)

    def _on_random_box_toggled(self, enabled: bool) -> None:
        blocked = self.editor.blockSignals(True)
        self.editor.setEnabled(not enabled)
        self.editor.setText("" if enabled else self._text)
        self.editor.setPlaceholderText("random" if enabled else "")
        self.editor.blockSignals(blocked)
        if enabled:
            self.set_error(None)
        self.random_changed.emit(enabled)
        self.changed.emit()


register_field_id("seed", SeedField)
