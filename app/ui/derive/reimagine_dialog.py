"""The compact Re-imagine form (R): prefilled from the source image, a strength slider from
"subtle" to "strong", N variations, and the price before it runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.lineage import strength_words
from app.core.schema import FieldSpec, Option
from app.ui.form.file_field import FileField, shown_name
from app.ui.widgets import style
from app.ui.widgets.plain import set_plain_text

MAX_VARIATIONS = 4


def _plain(text: str = "", wrap: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


class ReimagineDialog(QDialog):
    """Edits what an image-to-image run takes from its source; emits nothing until Run."""

    changed = Signal()  # what the price depends on changed (variations)
    image_changed = Signal(str)  # another source image: a local path or a URL

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-imagine")
        self.setObjectName("reimagineDialog")
        self.setMinimumWidth(440)
        outer = QVBoxLayout(self)
        outer.setSpacing(8)
        self.source_label = _plain(wrap=True)
        self.notes = _plain(wrap=True)
        self.notes.setObjectName("reimagineNotes")
        self.notes.hide()
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(6)
        self.prompt = QPlainTextEdit()
        self.prompt.setFixedHeight(56)
        self.negative = QPlainTextEdit()
        self.negative.setFixedHeight(40)
        self.model = QComboBox()
        self.scheduler = QComboBox()
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("the source image's seed")
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(64, 2048)
            box.setSingleStep(8)
        size = QHBoxLayout()
        size.setSpacing(6)
        size.addWidget(self.width_box)
        size.addWidget(_plain("×"))
        size.addWidget(self.height_box)
        size.addStretch(1)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(5, 95)
        self.strength.setSingleStep(5)
        self.strength.setPageStep(10)
        self.strength.setToolTip("How far the result may move away from the source image")
        self.strength_value = _plain()
        self.strength_value.setMinimumWidth(90)
        strength_row = QHBoxLayout()
        strength_row.setSpacing(8)
        strength_row.addWidget(_plain("subtle"))
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(_plain("strong"))
        strength_row.addWidget(self.strength_value)
        self.count = QSpinBox()
        self.count.setRange(1, MAX_VARIATIONS)
        self.count.setSuffix(" variations")
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Strength", strength_row)
        form.addRow("Variations", self.count)
        form.addRow("Model", self.model)
        form.addRow("Seed", self.seed)
        form.addRow("Size", size)
        form.addRow("Scheduler", self.scheduler)
        self.price = _plain("Price: working it out…", wrap=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.run_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.run_button.setText("Re-imagine")
        style.make_primary(self.run_button)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.source_label)
        outer.addWidget(self.notes)
        outer.addLayout(form)
        outer.addWidget(self.price)
        outer.addWidget(self.buttons)
        self.strength.valueChanged.connect(self._show_strength)
        self.count.valueChanged.connect(lambda _v: self.changed.emit())
        self._model_id = "selectedModel"
        self.image: FileField | None = None  # the source image, replaceable (fill makes it)
        self._tool_words = ""
        self._show_strength(self.strength.value())

    # -- filling -----------------------------------------------------------------------

    def fill(
        self,
        values: Mapping[str, Any],
        *,
        models: Sequence[Option],
        schedulers: Sequence[Option],
        source: str,
        notes: str = "",
        model_id: str = "selectedModel",
        image_spec: FieldSpec | None = None,
        tool_words: str = "",
    ) -> None:
        """Shows the prefilled values (from :func:`app.services.derive.reimagine_values`);
        with ``image_spec`` the source image shows in a file field that takes another one."""
        self._model_id = model_id
        self._tool_words = tool_words
        if image_spec is not None and self.image is None:
            self.image = FileField(image_spec)
            self.image.setObjectName("reimagineImage")
            self.form.insertRow(0, "Image", self.image)
            self.image.set_value(values.get(image_spec.id))
            self.image.changed.connect(self._on_image_changed)
        set_plain_text(self.source_label, source)
        set_plain_text(self.notes, notes)
        self.notes.setVisible(bool(notes))
        self.prompt.setPlainText(str(values.get("prompt") or ""))
        self.negative.setPlainText(str(values.get("negativePrompt") or ""))
        self.seed.setText(str(values.get("seed") or ""))
        self.width_box.setValue(int(values.get("width") or 512))
        self.height_box.setValue(int(values.get("height") or 512))
        for combo, options, chosen in (
            (self.model, models, values.get(model_id)),
            (self.scheduler, schedulers, values.get("scheduler")),
        ):
            combo.clear()
            for option in options:
                combo.addItem(option.label, option.value)
            index = combo.findData(chosen) if chosen is not None else -1
            combo.setCurrentIndex(max(0, index) if options else -1)
            combo.setEnabled(bool(options))
        self.strength.setValue(round(float(values.get("strength") or 0.5) * 100))
        self.count.setValue(int(values.get("samples") or 1))

    def set_price(self, text: str) -> None:
        set_plain_text(self.price, text)

    # -- reading -----------------------------------------------------------------------

    def strength_value_float(self) -> float:
        return round(self.strength.value() / 100, 2)

    def variations(self) -> int:
        return self.count.value()

    def overrides(self) -> dict[str, Any]:
        """The edited values, as the tool's form takes them."""
        out: dict[str, Any] = {
            "prompt": self.prompt.toPlainText().strip(),
            "negativePrompt": self.negative.toPlainText().strip(),
            "width": self.width_box.value(),
            "height": self.height_box.value(),
            "strength": self.strength_value_float(),
            "samples": self.variations(),
        }
        seed = self.seed.text().strip()
        if seed:
            out["seed"] = seed
        for key, combo in ((self._model_id, self.model), ("scheduler", self.scheduler)):
            data = combo.currentData()
            if data:
                out[key] = str(data)
        if self.image is not None:
            out[self.image.spec.id] = self.image.value()
        return out

    def _on_image_changed(self) -> None:
        image = self.image
        value = image.value() if image is not None else ""
        self.run_button.setEnabled(bool(value))
        if value:
            set_plain_text(self.source_label, f"From {shown_name(value)}{self._tool_words}.")
            self.image_changed.emit(value)
        self.changed.emit()

    def set_size(self, width: int, height: int) -> None:
        self.width_box.setValue(width)
        self.height_box.setValue(height)

    def _show_strength(self, value: int) -> None:
        strength = value / 100
        set_plain_text(self.strength_value, f"{strength:.2f} · {strength_words(strength)}")
