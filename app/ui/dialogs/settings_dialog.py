"""Settings: account, where images go, notifications and (for testing) the API addresses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.filenames import (
    PLACEHOLDERS,
    TemplateError,
    render_template,
    sanitize_filename,
    template_context,
    validate_template,
)
from app.storage.settings import DEFAULT_API_BASE_URL, DEFAULT_SOCKET_URL
from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel

KEYS = (
    "output_dir",
    "auto_save",
    "filename_template",
    "notify",
    "api_base_url",
    "socket_url",
    "account_label",
)
_SAMPLE_PARAMS = {
    "prompt": "portrait of a cyborg with brown hair",
    "scheduler": "Euler",
    "steps": 20,
    "scale": 7.5,
    "width": 512,
    "height": 512,
}


def template_preview(template: str) -> str:
    """An example file name for a template; raises TemplateError when it cannot be used."""
    validate_template(template)
    ctx = template_context(
        _SAMPLE_PARAMS,
        when=datetime(2024, 5, 1, 14, 22, 33),
        task_id="2221",
        index=0,
        seed=123456,
    )
    return sanitize_filename(render_template(template, ctx) + ".png")


def _page() -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 16, 16, 16)
    layout.setSpacing(10)
    return page, layout


def _note(text: str, role: str = "muted") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    style.set_role(label, role)
    return label


class SettingsDialog(QDialog):
    """Edits a settings dict (see KEYS); credential changes are left to the caller."""

    change_credentials_requested = Signal()
    remove_credentials_requested = Signal()

    def __init__(self, values: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = dict(values)
        self.setWindowTitle("Settings")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._account_page(), "Account")
        self.tabs.addTab(self._output_page(), "Output")
        self.tabs.addTab(self._notifications_page(), "Notifications")
        self.tabs.addTab(self._explore_page(), "Explore")
        self.tabs.addTab(self._advanced_page(), "Advanced")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        style.make_primary(save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(12)
        layout.addWidget(self.tabs)
        layout.addWidget(self.buttons)
        self.template_edit.textChanged.connect(self._on_template_edit_text_changed)
        self._on_template_edit_text_changed(self.template_edit.text())
        self.setMinimumSize(580, 400)

    # -- pages -------------------------------------------------------------------------------

    def _account_page(self) -> QWidget:
        page, layout = _page()
        label = str(self._values.get("account_label") or "")
        self.account_label = QLabel(label or "Not connected")
        self.account_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        style.set_role(self.account_label, "heading")
        form = QFormLayout()
        form.addRow("Connected as", self.account_label)
        layout.addLayout(form)
        layout.addWidget(
            _note(
                "Your key and secret stay in the system keychain (or in memory for this session "
                "only); they are never written to the settings file."
            )
        )
        self.change_button = QPushButton("Change credentials…")
        self.remove_button = QPushButton("Remove credentials")
        self.remove_button.setVisible(bool(self._values.get("has_credentials", False)))
        self.remove_button.setToolTip("Forget the stored key and secret; the demo stays available")
        self.change_button.clicked.connect(self.change_credentials_requested)
        self.remove_button.clicked.connect(self.remove_credentials_requested)
        row = QHBoxLayout()
        row.addWidget(self.change_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _output_page(self) -> QWidget:
        page, layout = _page()
        self.output_edit = QLineEdit(str(self._values.get("output_dir") or ""))
        self.output_edit.setPlaceholderText("Choose a folder…")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        folder = QHBoxLayout()
        folder.setSpacing(6)
        folder.addWidget(self.output_edit, 1)
        folder.addWidget(self.browse_button)
        # The box shows the mode it applies to: the demo and the account keep separate choices.
        demo = bool(self._values.get("demo", False))
        self.auto_save_box = QCheckBox(
            "Save every demo image to this folder automatically"
            if demo
            else "Save every finished image to this folder automatically"
        )
        self.auto_save_box.setToolTip(
            "Applies to the offline demo; your Wiro account keeps its own choice"
            if demo
            else "Applies to your Wiro account; the offline demo keeps its own choice"
        )
        self.auto_save_box.setChecked(bool(self._values.get("auto_save", True)))
        self.template_edit = QLineEdit(str(self._values.get("filename_template") or ""))
        self.template_edit.setAccessibleName("File name template")
        self.template_preview = _note("")
        self.template_preview.setTextFormat(Qt.TextFormat.PlainText)
        self.template_error = ErrorLabel()
        known = " ".join("{" + p + "}" for p in PLACEHOLDERS)
        help_text = _note(f"Placeholders: {known}. {{prompt:40}} keeps the first 40 characters.")
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow("Output folder", folder)
        form.addRow("", self.auto_save_box)
        form.addRow("File names", self.template_edit)
        form.addRow("", self.template_error)
        form.addRow("", self.template_preview)
        form.addRow("", help_text)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _notifications_page(self) -> QWidget:
        page, layout = _page()
        self.notify_box = QCheckBox("Notify me when a generation finishes in the background")
        self.notify_box.setChecked(bool(self._values.get("notify", True)))
        layout.addWidget(self.notify_box)
        layout.addWidget(
            _note(
                "A desktop notification appears when Wiro Studio is not the active window, so you "
                "can work elsewhere while images are made."
            )
        )
        layout.addStretch(1)
        return page

    def _explore_page(self) -> QWidget:
        page, layout = _page()
        self.daily_cap_spin = QDoubleSpinBox()
        self.daily_cap_spin.setRange(0.0, 100000.0)
        self.daily_cap_spin.setDecimals(2)
        self.daily_cap_spin.setPrefix("$ ")
        self.daily_cap_spin.setSpecialValueText("No cap")
        self.daily_cap_spin.setValue(float(self._values.get("daily_cap_usd") or 0.0))
        self.wildcard_edit = QLineEdit(str(self._values.get("wildcard_dir") or ""))
        self.wildcard_edit.setAccessibleName("Wildcard folder")
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow("Daily spending cap", self.daily_cap_spin)
        form.addRow("", _note("Sweeps stop submitting once today's spending would pass it."))
        form.addRow("Wildcard folder", self.wildcard_edit)
        form.addRow("", _note("Each name.txt in it (one value a line) is a __name__ wildcard."))
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _advanced_page(self) -> QWidget:
        page, layout = _page()
        layout.addWidget(
            _note(
                "For testing against a Wiro-compatible server only. Wrong addresses stop "
                "generations from working.",
                "warning",
            )
        )
        self.api_edit = QLineEdit(str(self._values.get("api_base_url") or DEFAULT_API_BASE_URL))
        self.socket_edit = QLineEdit(str(self._values.get("socket_url") or DEFAULT_SOCKET_URL))
        self.restore_button = QPushButton("Restore defaults")
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow("API base URL", self.api_edit)
        form.addRow("Live updates URL", self.socket_edit)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    # -- values ------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The edited settings; keys this dialog does not show are passed through unchanged."""
        result = dict(self._values)
        result.update(
            output_dir=self.output_edit.text().strip(),
            auto_save=self.auto_save_box.isChecked(),
            filename_template=self.template_edit.text(),
            notify=self.notify_box.isChecked(),
            api_base_url=self.api_edit.text().strip() or DEFAULT_API_BASE_URL,
            socket_url=self.socket_edit.text().strip() or DEFAULT_SOCKET_URL,
            account_label=str(self._values.get("account_label") or ""),
            daily_cap_usd=float(self.daily_cap_spin.value()),
            wildcard_dir=self.wildcard_edit.text().strip(),
        )
        return result

    def set_account_label(self, label: str) -> None:
        """Refreshes the account line after the caller changed or removed credentials."""
        self._values["account_label"] = label
        self.account_label.setText(label or "Not connected")

    def set_has_credentials(self, stored: bool) -> None:
        """ "Remove credentials" is offered only while some are stored."""
        self._values["has_credentials"] = stored
        self.remove_button.setVisible(stored)

    # -- slots -------------------------------------------------------------------------------

    def _on_template_edit_text_changed(self, text: str) -> None:
        try:
            example = template_preview(text)
        except TemplateError as exc:
            self.template_error.set_message(str(exc))
            self.template_preview.setText("")
            style.set_error_state(self.template_edit, True)
            ok = False
        else:
            self.template_error.set_message(None)
            self.template_preview.setText(f"Example: {example}")
            style.set_error_state(self.template_edit, False)
            ok = True
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(ok)
        save.setToolTip("" if ok else "Fix the file name template first")

    def _on_browse_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Choose the output folder", self.output_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_folder_dialog_file_selected)
        dialog.open()

    def _on_folder_dialog_file_selected(self, path: str) -> None:
        if path:
            self.output_edit.setText(path)

    def _on_restore_button_clicked(self) -> None:
        self.api_edit.setText(DEFAULT_API_BASE_URL)
        self.socket_edit.setText(DEFAULT_SOCKET_URL)
