"""First start: connect a Wiro account or try the offline demo. The caller checks credentials."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel, icon
from app.ui.widgets.plain import set_plain_text

WIRO_PROJECTS_URL = "https://wiro.ai/"


class SecretEdit(QLineEdit):
    """A password field with a show/hide eye at its end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.toggle_action = QAction(icon("eye"), "Show secret", self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.toggled.connect(self._on_toggle_action_toggled)
        self.addAction(self.toggle_action, QLineEdit.ActionPosition.TrailingPosition)

    def is_revealed(self) -> bool:
        return self.echoMode() == QLineEdit.EchoMode.Normal

    def _on_toggle_action_toggled(self, shown: bool) -> None:
        self.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle_action.setIcon(icon("eye-off" if shown else "eye"))
        self.toggle_action.setText("Hide secret" if shown else "Show secret")


def _card() -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setProperty("card", True)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(18, 16, 18, 16)
    layout.setSpacing(10)
    return card, layout


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    style.set_role(label, "muted")
    return label


class WelcomeDialog(QDialog):
    """The two ways in: your own Wiro account, or the offline demo. Open with ``open()``."""

    connect_requested = Signal(str, object, bool)  # api_key, api_secret or None, remember
    demo_requested = Signal()
    cancel_requested = Signal()  # Cancel, Esc or close while the credentials are checked

    def __init__(self, parent: QWidget | None = None, keychain_available: bool = True) -> None:
        super().__init__(parent)
        self.keychain_available = keychain_available
        self.setWindowTitle("Welcome to Wiro Studio")
        self.setModal(True)
        title = QLabel("Welcome to Wiro Studio")
        style.set_role(title, "title")
        intro = _muted(
            "Generate images with DreamShaper 8 on Wiro. Wiro Studio is an independent "
            "client, not made by Wiro."
        )
        cards = QHBoxLayout()
        cards.setSpacing(14)
        cards.addWidget(self._connect_card(), 3)
        cards.addWidget(self._demo_card(), 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 20)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(8)
        layout.addLayout(cards)
        self.key_edit.textChanged.connect(self._on_inputs_changed)
        self.secret_edit.textChanged.connect(self._on_inputs_changed)
        self.key_only_box.toggled.connect(self._on_key_only_box_toggled)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.demo_button.clicked.connect(self._on_demo_button_clicked)
        self.key_edit.returnPressed.connect(self._on_connect_button_clicked)
        self.secret_edit.returnPressed.connect(self._on_connect_button_clicked)
        self._busy = False
        self._on_inputs_changed()
        self.setMinimumWidth(680)

    def _connect_card(self) -> QFrame:
        card, layout = _card()
        layout.addWidget(_heading("Connect your Wiro account"))
        layout.addWidget(
            _muted("Use the API key of one of your Wiro projects. Runs are billed to that project.")
        )
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText("API key")
        self.key_edit.setAccessibleName("API key")
        self.secret_edit = SecretEdit()
        self.secret_edit.setPlaceholderText("API secret")
        self.secret_edit.setAccessibleName("API secret")
        self.secret_label = QLabel("API secret")
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        form.addRow("API key", self.key_edit)
        form.addRow(self.secret_label, self.secret_edit)
        layout.addLayout(form)
        self.key_only_box = QCheckBox("My project uses API key only (no secret)")
        layout.addWidget(self.key_only_box)
        if self.keychain_available:
            self.remember_box = QCheckBox("Remember on this computer (system keychain)")
            self.remember_box.setChecked(True)
            self.keychain_note = None
        else:
            self.remember_box = QCheckBox("This session only")
            self.remember_box.setChecked(True)
            self.remember_box.setEnabled(False)
            self.keychain_note = _muted(
                "No system keychain was found on this computer, so your key is kept for this "
                "session only: you will enter it again next time. Nothing is written to a file."
            )
        layout.addWidget(self.remember_box)
        if self.keychain_note is not None:
            layout.addWidget(self.keychain_note)
        where = QLabel(
            f'Where do I find my key? <a href="{WIRO_PROJECTS_URL}">wiro.ai</a> → Projects → '
            "your project → API keys."
        )
        where.setWordWrap(True)
        where.setOpenExternalLinks(True)
        style.set_role(where, "muted")
        layout.addWidget(where)
        layout.addStretch(1)
        self.error_label = ErrorLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.busy_label = _muted("")
        self.busy_label.hide()
        self.connect_button = QPushButton("Connect")
        style.make_primary(self.connect_button)
        self.connect_button.setMinimumHeight(34)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Stop checking; nothing is stored")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.hide()
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy_bar, 1)
        busy_row.addWidget(self.cancel_button)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_label)
        layout.addLayout(busy_row)
        layout.addWidget(self.connect_button)
        return card

    def _demo_card(self) -> QFrame:
        card, layout = _card()
        layout.addWidget(_heading("Try the offline demo"))
        layout.addWidget(
            _muted(
                "No account needed. Everything runs on this computer, and the images are "
                "placeholders drawn locally, not DreamShaper results."
            )
        )
        layout.addWidget(
            _muted(
                "You can try the whole flow — prompts, live progress, the gallery, saving — and "
                "connect an account later from Settings."
            )
        )
        layout.addStretch(1)
        self.demo_button = QPushButton("Start the demo")
        self.demo_button.setMinimumHeight(34)
        layout.addWidget(self.demo_button)
        return card

    # -- API for the caller ------------------------------------------------------------------

    def remember(self) -> bool:
        return self.keychain_available and self.remember_box.isChecked()

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Shows that the caller is checking the credentials; inputs wait meanwhile."""
        self._busy = busy
        for widget in (self.key_edit, self.secret_edit, self.key_only_box, self.demo_button):
            widget.setEnabled(not busy)
        self.remember_box.setEnabled(not busy and self.keychain_available)
        set_plain_text(self.busy_label, text)  # may carry an error's text
        self.busy_label.setVisible(busy and bool(text))
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        if busy:
            self.error_label.set_message(None)
        self._on_inputs_changed()
        self._fit_height()

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error_label.set_message(text)
        self.key_edit.setFocus()
        self._fit_height()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grows the window to what its wrapped texts need at the current width."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > 0:
            self.setMinimumHeight(needed)
            if self.height() < needed:
                self.resize(self.width(), needed)

    def done(self, result: int) -> None:
        self.secret_edit.clear()  # the secret does not linger in a hidden widget
        super().done(result)

    def reject(self) -> None:
        if self._busy:  # Esc while checking stops the check; the dialog stays
            self.cancel_requested.emit()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            self.cancel_requested.emit()
            return
        super().closeEvent(event)

    # -- slots -------------------------------------------------------------------------------

    def _credentials_complete(self) -> bool:
        if not self.key_edit.text().strip():
            return False
        return self.key_only_box.isChecked() or bool(self.secret_edit.text().strip())

    def _on_inputs_changed(self, *_args: object) -> None:
        ready = self._credentials_complete() and not self._busy
        self.connect_button.setEnabled(ready)
        missing = "Enter your API key" if not self.key_edit.text().strip() else "Enter the secret"
        self.connect_button.setToolTip("" if ready else missing)
        if not self.error_label.isHidden() and not self._busy:
            self.error_label.set_message(None)

    def _on_key_only_box_toggled(self, key_only: bool) -> None:
        self.secret_edit.setVisible(not key_only)
        self.secret_label.setVisible(not key_only)
        self._on_inputs_changed()

    def _on_connect_button_clicked(self) -> None:
        if not self._credentials_complete() or self._busy:
            return
        secret = None if self.key_only_box.isChecked() else self.secret_edit.text().strip()
        self.connect_requested.emit(self.key_edit.text().strip(), secret, self.remember())

    def _on_demo_button_clicked(self) -> None:
        self.demo_requested.emit()
