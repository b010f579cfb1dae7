"""Field widgets for schema-driven forms, and the registry that picks one per field kind."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.display import visible_text
from app.core.metadata import SAMPLER_BY_SCHEDULER
from app.core.params import describe_limits, limits_for
from app.core.schema import FieldKind, FieldSpec, Option
from app.ui.form.field_editors import (
    SHORT_LABEL_ROLE,
    ChoiceCombo,
    FloatSpinBox,
    IntSpinBox,
    PromptEdit,
)
from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel
from app.ui.widgets.plain import plain_tooltip


def limits_display(spec: FieldSpec) -> str:
    """describe_limits() with a typographic dash for ranges ("64–2048, multiple of 8")."""
    return re.sub(r"(\d)-(\d)", "\\1–\\2", describe_limits(spec))


def field_tooltip(spec: FieldSpec) -> str:
    parts = [spec.help] if spec.help else []
    if spec.kind in (FieldKind.INTEGER, FieldKind.FLOAT) or spec.id == "seed":
        limits = limits_display(spec)
        if limits:
            parts.append(f"Allowed: {limits}.")
    return "\n".join(parts)


class FieldWidget(QWidget):
    """One form field: an editor plus its inline error; the common face of every kind."""

    changed = Signal()
    inline_label = False  # True when the editor shows the label itself (check boxes)

    def __init__(self, spec: FieldSpec, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editor = editor
        self._error: str | None = None
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.row.addWidget(editor, 1)
        self.error_label = ErrorLabel(self)
        layout = QVBoxLayout(self)
        self.column = layout  # the editor's row, then its error; subclasses add below
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(self.row)
        layout.addWidget(self.error_label)
        self.setFocusProxy(editor)
        tip = field_tooltip(spec)
        editor.setToolTip(plain_tooltip(tip))
        editor.setAccessibleName(visible_text(spec.label))
        editor.setAccessibleDescription(visible_text(tip))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def error(self) -> str | None:
        return self._error

    def focus_chain(self) -> list[QWidget]:
        """The widgets Tab visits inside this field, in order."""
        return [self.editor]

    def set_error(self, text: str | None) -> None:
        text = text or None
        if text == self._error:
            return
        self._error = text
        self.error_label.set_message(text)
        style.set_error_state(self.editor, text is not None)
        self.editor.setAccessibleDescription(text or field_tooltip(self.spec))

    def _emit_changed(self, *_args: object) -> None:
        self.changed.emit()


class TextAreaField(FieldWidget):
    """Multi-line text (prompts)."""

    editor: PromptEdit

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        big = spec.id.lower() == "prompt" or spec.required
        editor = PromptEdit(5 if big else 3, 12 if big else 8)
        super().__init__(spec, editor, parent)
        editor.setPlaceholderText(spec.placeholder or f"{spec.label}…")
        self.set_value(spec.default)
        editor.textChanged.connect(self._emit_changed)

    def value(self) -> str:
        return self.editor.toPlainText()

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if text != self.editor.toPlainText():
            self.editor.setPlainText(text)


class TextField(FieldWidget):
    """One line of text; also the fallback for kinds without a dedicated widget."""

    editor: QLineEdit

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        editor = QLineEdit()
        super().__init__(spec, editor, parent)
        editor.setPlaceholderText(spec.placeholder)
        self.set_value(spec.default)
        editor.textChanged.connect(self._emit_changed)

    def value(self) -> str:
        return self.editor.text()

    def set_value(self, value: Any) -> None:
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        text = "" if value is None else str(value)
        if text != self.editor.text():
            self.editor.setText(text)


class _NumberField(FieldWidget):
    editor: IntSpinBox | FloatSpinBox

    def __init__(
        self, spec: FieldSpec, editor: IntSpinBox | FloatSpinBox, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, editor, parent)
        editor.setKeyboardTracking(True)  # live validation while typing; errors are debounced
        editor.valueChanged.connect(self._emit_changed)
        editor.lineEdit().textEdited.connect(self._emit_changed)
        self.set_value(spec.default)

    def _text(self) -> str:
        return self.editor.cleanText().strip()

    def set_value(self, value: Any) -> None:
        if value is None or value == "":
            return
        try:
            self.editor.setValue(float(value) if isinstance(self, FloatField) else int(value))
        except (TypeError, ValueError):
            return


class IntegerField(_NumberField):
    """Whole numbers (QSpinBox); empty text reads as None so validation can say "required"."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, IntSpinBox(limits_for(spec)), parent)

    def value(self) -> int | None:
        return self.editor.value() if self._text() not in ("", "-", "+") else None


class FloatField(_NumberField):
    """Decimal numbers (QDoubleSpinBox) with as many decimals as the step needs."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, FloatSpinBox(limits_for(spec)), parent)

    def value(self) -> float | None:
        return self.editor.value() if self._text() not in ("", "-", "+") else None


def option_label(spec: FieldSpec, option: Option) -> str:
    """The text an option shows: known scheduler names read "Euler (EulerDiscreteScheduler)"."""
    friendly = SAMPLER_BY_SCHEDULER.get(option.value)
    if friendly and option.label == option.value:
        return f"{friendly} ({option.value})"
    return option.label


class SelectField(FieldWidget):
    """A choice among the schema's options; the label is shown, the wire value is kept."""

    editor: ChoiceCombo

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        editor = ChoiceCombo()
        editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        editor.setMinimumContentsLength(8)
        super().__init__(spec, editor, parent)
        for index, option in enumerate(spec.options):
            editor.addItem(option_label(spec, option), option.value)
            editor.setItemData(index, plain_tooltip(option.value), Qt.ItemDataRole.ToolTipRole)
            editor.setItemData(index, SAMPLER_BY_SCHEDULER.get(option.value), SHORT_LABEL_ROLE)
        editor.view().setMinimumWidth(editor.view().sizeHintForColumn(0) + 24)
        self._foreign = -1  # index of an item added for a value the schema does not offer
        self.set_value(spec.default)
        editor.currentIndexChanged.connect(self._on_editor_index_changed)

    def value(self) -> str:
        data = self.editor.currentData()
        return "" if data is None else str(data)

    def set_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        index = self.editor.findData(text)
        if index < 0 and text:
            self._drop_foreign()
            self.editor.addItem(f"{text} (not available)", text)
            index = self._foreign = self.editor.count() - 1
        if index >= 0:
            self.editor.setCurrentIndex(index)

    def _drop_foreign(self) -> None:
        if self._foreign >= 0:
            self.editor.removeItem(self._foreign)
            self._foreign = -1

    def _on_editor_index_changed(self, index: int) -> None:
        if self._foreign >= 0 and index != self._foreign:
            blocked = self.editor.blockSignals(True)
            self._drop_foreign()
            self.editor.blockSignals(blocked)
        self.changed.emit()


class CheckboxField(FieldWidget):
    """An on/off switch; the check box carries the label itself."""

    editor: QCheckBox

    inline_label = True

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        editor = QCheckBox(spec.label)
        super().__init__(spec, editor, parent)
        self.set_value(spec.default)
        editor.toggled.connect(self._emit_changed)

    def value(self) -> bool:
        return self.editor.isChecked()

    def set_value(self, value: Any) -> None:
        if isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "on")
        self.editor.setChecked(bool(value))


FieldFactory = Callable[[FieldSpec, QWidget | None], FieldWidget]


_BY_KIND: dict[FieldKind | str, FieldFactory] = {
    FieldKind.TEXTAREA: TextAreaField,
    FieldKind.INTEGER: IntegerField,
    FieldKind.FLOAT: FloatField,
    FieldKind.TEXT: TextField,
    FieldKind.SELECT: SelectField,
    FieldKind.CHECKBOX: CheckboxField,
}
_BY_ID: dict[str, FieldFactory] = {}


def register_field(kind: FieldKind | str, factory: FieldFactory) -> None:
    """Makes ``factory(spec, parent)`` build the widget for every field of ``kind``."""
    _BY_KIND[kind] = factory


def register_field_id(field_id: str, factory: FieldFactory) -> None:
    """Overrides the widget for one field id (the seed gets its dice and random toggle)."""
    _BY_ID[field_id] = factory


def create_field(spec: FieldSpec, parent: QWidget | None = None) -> FieldWidget:
    """The registered widget for a spec; unknown kinds get a text box."""
    factory = _BY_ID.get(spec.id) or _BY_KIND.get(spec.kind) or TextField
    return factory(spec, parent)
