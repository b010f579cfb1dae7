"""The Generate bar under the form: the big button, Ctrl+Enter, and why it is disabled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel
from app.ui.widgets.plain import plain_tooltip

if TYPE_CHECKING:
    from app.ui.form.schema_form import SchemaForm


class GeneratePanel(QWidget):
    """The big Generate button (Ctrl+Enter anywhere in the window) and why it is disabled."""

    generate_requested = Signal(object)  # GenerationRequest
    explore_requested = Signal()  # the sweep planner (Ctrl+Shift+Enter is a window command)

    def __init__(self, form: SchemaForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generatePanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.form = form
        self._blocked: str | None = None
        self.button = QPushButton("Generate")
        style.make_primary(self.button)
        self.button.setMinimumHeight(40)
        font = self.button.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.button.setFont(font)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.clicked.connect(self._on_button_clicked)
        self.reason_label = ErrorLabel(self)
        self.cost_label = QLabel()
        self.cost_label.setWordWrap(True)
        style.set_role(self.cost_label, "muted")
        self.cost_label.hide()
        keys = QLabel("Ctrl+Enter")
        style.set_role(keys, "muted")
        notes = QHBoxLayout()
        keys.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        notes.addWidget(self.cost_label, 3)
        notes.addWidget(keys, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        self.explore_button = QPushButton("Explore…")
        self.explore_button.setMinimumHeight(40)
        self.explore_button.setToolTip(
            "Plan a sweep of variations, priced first (Ctrl+Shift+Enter)"
        )
        self.explore_button.clicked.connect(self.explore_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.button, 1)
        buttons.addWidget(self.explore_button)
        layout.addLayout(buttons)
        layout.addWidget(self.reason_label)
        layout.addLayout(notes)
        self.shortcuts = []
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self._on_shortcut_activated)
            self.shortcuts.append(shortcut)
        form.validity_changed.connect(self._on_form_validity_changed)
        self._refresh()

    def set_cost_hint(self, text: str) -> None:
        self.cost_label.setText(text)
        self.cost_label.setVisible(bool(text))

    def set_blocked(self, reason: str | None) -> None:
        """Disables Generate for a reason outside the form (e.g. "Connecting to Wiro…")."""
        self._blocked = reason or None
        self._refresh()

    def request_generate(self) -> bool:
        """Emits generate_requested when the form allows it; True if it did."""
        if not self.button.isEnabled():
            return False
        self.generate_requested.emit(self.form.next_request())
        return True

    def _refresh(self) -> None:
        reason = self._blocked or ("" if self.form.is_valid() else self.form.first_error())
        more = 0 if self._blocked else self.form.error_count() - 1
        shown = f"{reason} (+{more} more)" if reason and more > 0 else reason
        self.button.setEnabled(not reason)
        self.button.setToolTip(plain_tooltip(reason or "Generate images (Ctrl+Enter)"))
        self.reason_label.set_message(shown or None)

    def _on_form_validity_changed(self, _valid: bool, _reason: str) -> None:
        self._refresh()

    def _on_button_clicked(self) -> None:
        self.request_generate()

    def _on_shortcut_activated(self) -> None:
        self.request_generate()
