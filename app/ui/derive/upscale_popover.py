"""The small popover behind U: ×2 or ×4, the model, the price before it runs."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets import style
from app.ui.widgets.plain import set_plain_text

SCALES = (2, 4)


def _label(text: str = "", wrap: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


class UpscalePopover(QFrame):
    """Chooses scale and model for one image; says the price and the resulting size."""

    accepted = Signal(int, str)  # scale, model
    scale_changed = Signal(int)
    model_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("upscalePopover")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        self.title = _label("Upscale")
        self.title.setObjectName("upscaleTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.size_label = _label()
        self.group = QButtonGroup(self)
        row = QHBoxLayout()
        self.scale_buttons: dict[int, QRadioButton] = {}
        for scale in SCALES:
            button = QRadioButton(f"×{scale}")
            self.group.addButton(button, scale)
            self.scale_buttons[scale] = button
            row.addWidget(button)
        row.addStretch(1)
        self.model = QComboBox()
        self.model.setToolTip("The Real-ESRGAN model Wiro runs")
        self.price = _label("Price: working it out…", wrap=True)
        self.notes = _label(wrap=True)
        self.notes.hide()
        self.run_button = QPushButton("Upscale")
        style.make_primary(self.run_button)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self._accept)
        for widget in (self.title, self.size_label):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(_label("Model"))
        layout.addWidget(self.model)
        layout.addWidget(self.price)
        layout.addWidget(self.notes)
        layout.addWidget(self.run_button)
        self._source = (0, 0)
        self.group.idToggled.connect(self._on_scale_toggled)
        self.model.currentIndexChanged.connect(
            lambda _i: self.model_changed.emit(self.chosen_model())
        )

    # -- state -------------------------------------------------------------------------

    def set_source(self, width: int | None, height: int | None) -> None:
        self._source = (width or 0, height or 0)
        self._show_size()

    def set_scale(self, scale: int) -> None:
        button = self.scale_buttons.get(scale) or self.scale_buttons[SCALES[-1]]
        button.setChecked(True)
        self._show_size()

    def scale(self) -> int:
        checked = self.group.checkedId()
        return checked if checked in SCALES else SCALES[-1]

    def set_models(self, models: Sequence[str], chosen: str) -> None:
        self.model.blockSignals(True)
        self.model.clear()
        for name in models:
            self.model.addItem(name, name)
        index = self.model.findData(chosen)
        self.model.setCurrentIndex(max(0, index))
        self.model.setEnabled(bool(models))
        self.model.blockSignals(False)

    def chosen_model(self) -> str:
        data = self.model.currentData()
        return str(data) if data else ""

    def set_price(self, text: str) -> None:
        set_plain_text(self.price, text)

    def set_notes(self, text: str) -> None:
        set_plain_text(self.notes, text)
        self.notes.setVisible(bool(text))

    def popup_at(self, point: QPoint) -> None:
        self.adjustSize()
        self.move(point)
        self.show()
        self.run_button.setFocus()

    # -- events ------------------------------------------------------------------------

    def _show_size(self) -> None:
        width, height = self._source
        if width and height:
            scale = self.scale()
            text = f"{width}×{height} → {width * scale}×{height * scale}"
        else:
            text = "Source size unknown"
        set_plain_text(self.size_label, text)

    def _on_scale_toggled(self, scale: int, checked: bool) -> None:
        if checked:
            self._show_size()
            self.scale_changed.emit(scale)

    def _accept(self) -> None:
        self.accepted.emit(self.scale(), self.chosen_model())
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_2, Qt.Key.Key_4):
            self.set_scale(2 if key == Qt.Key.Key_2 else 4)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_U):
            self._accept()
            return
        super().keyPressEvent(event)
