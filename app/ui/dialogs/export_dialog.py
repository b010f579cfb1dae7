"""Export: save the selected images into a folder under a file-name template, in a chosen format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.exportformat import DEFAULT_QUALITY, EXTENSIONS, ExportFormat
from app.core.filenames import (
    PLACEHOLDERS,
    PRIVATE_TEMPLATE,
    TemplateError,
    privacy_warning,
    template_for_export,
    validate_template,
)
from app.ui.dialogs.settings_dialog import template_preview
from app.ui.widgets import style
from app.ui.widgets.common import ErrorLabel

EXPORT_PLACEHOLDERS = (
    "{date}", "{time}", "{seed}", "{index}", "{task}", "{prompt:40}", "{scheduler}", "{steps}",
    "{scale}", "{width}x{height}",
)  # fmt: skip
STRIP_HELP = (
    "Removes the prompt, settings, EXIF, XMP and content credentials (C2PA) from the copies. "
    "The pixels stay exactly as downloaded."
)
FORMATS = (
    ("original", "As downloaded"),
    ("png", "PNG (lossless)"),
    ("jpeg", "JPEG"),
    ("webp", "WebP"),
)
FORMAT_HELP = (
    "Settings travel in every format: PNG text chunks, or EXIF UserComment + XMP in JPEG and "
    "WebP. A copy already in the chosen format is written as is; quality applies when "
    "converting."
)


@dataclass(frozen=True)
class ExportChoice:
    """What the artist chose: where, how files are named, and whether metadata goes."""

    folder: Path
    template: str
    strip_metadata: bool
    export_format: ExportFormat = field(default_factory=ExportFormat)


class ExportDialog(QDialog):
    """Collects an ExportChoice; emits ``export_requested`` on Export (open() it, never exec)."""

    export_requested = Signal(object)  # ExportChoice

    def __init__(
        self,
        parent: QWidget | None,
        *,
        count: int,
        folder: Path,
        template: str,
        strip_metadata: bool = False,
        preview: Callable[[str], str] | None = None,
        export_format: ExportFormat | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export images" if count != 1 else "Export image")
        self.setMinimumWidth(560)
        self._preview = preview or template_preview
        self._folder_dialog: QFileDialog | None = None

        heading = QLabel(f"Save {count:,} selected image{'s' if count != 1 else ''} into a folder.")
        style.set_role(heading, "heading")
        self.folder_edit = QLineEdit(str(folder))
        self.folder_edit.setAccessibleName("Folder")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)

        self.template_edit = QLineEdit(template)
        self.template_edit.setAccessibleName("File name template")
        self.insert_button = QToolButton()
        self.insert_button.setText("Insert")
        self.insert_button.setProperty("compact", True)
        self.insert_button.setProperty("dropdown", True)  # Qt draws the arrow
        self.insert_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.insert_button)
        for placeholder in EXPORT_PLACEHOLDERS:
            act = QAction(placeholder, menu)
            act.triggered.connect(lambda _=False, p=placeholder: self._insert(p))
            menu.addAction(act)
        self.insert_button.setMenu(menu)
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_edit, 1)
        template_row.addWidget(self.insert_button)
        self.template_error = ErrorLabel()
        self.preview_label = QLabel("")
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.preview_label.setWordWrap(True)
        style.set_role(self.preview_label, "muted")
        known = " ".join("{" + p + "}" for p in PLACEHOLDERS)
        self.template_edit.setToolTip(f"Placeholders: {known}; {{prompt:40}} cuts at 40 letters")

        fmt = export_format or ExportFormat()
        self.format_combo = QComboBox()
        self.format_combo.setAccessibleName("Format")
        for kind, label in FORMATS:
            self.format_combo.addItem(label, kind)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt.kind)))
        self.format_combo.setToolTip(FORMAT_HELP)
        self.quality_spin = QSpinBox()
        self.quality_spin.setRange(1, 100)
        self.quality_spin.setValue(fmt.quality or DEFAULT_QUALITY)
        self.quality_spin.setAccessibleName("Quality")
        self.quality_spin.setToolTip("JPEG and lossy WebP quality (1-100)")
        self.lossless_check = QCheckBox("Lossless")
        self.lossless_check.setChecked(fmt.lossless)
        self.lossless_check.setToolTip("WebP only: keeps every pixel exact")
        format_row = QHBoxLayout()
        format_row.addWidget(self.format_combo, 1)
        format_row.addWidget(QLabel("Quality"))
        format_row.addWidget(self.quality_spin)
        format_row.addWidget(self.lossless_check)

        self.strip_check = QCheckBox("Strip all metadata (privacy)")
        self.strip_check.setChecked(strip_metadata)
        self.strip_check.setToolTip(STRIP_HELP)
        strip_note = QLabel(STRIP_HELP)
        strip_note.setWordWrap(True)
        style.set_role(strip_note, "muted")
        self.privacy_label = QLabel("")
        self.privacy_label.setWordWrap(True)
        self.privacy_label.setTextFormat(Qt.TextFormat.PlainText)
        style.set_role(self.privacy_label, "warning")
        self.privacy_label.hide()
        self._template_before_strip: str | None = None

        form = QFormLayout()
        form.addRow("Folder", folder_row)
        form.addRow("File names", template_row)
        form.addRow("", self.template_error)
        form.addRow("", self.preview_label)
        form.addRow("Format", format_row)
        form.addRow("", self.strip_check)
        form.addRow("", strip_note)
        form.addRow("", self.privacy_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        style.make_primary(self.export_button)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        # Enter exports: made default once inside the dialog (before, Qt picked "Choose…").
        browse.setAutoDefault(False)
        self.export_button.setDefault(True)
        self.template_edit.textChanged.connect(self._refresh)
        self.folder_edit.textChanged.connect(self._refresh)
        self.format_combo.currentIndexChanged.connect(self._refresh)
        self.lossless_check.toggled.connect(self._refresh)
        self.strip_check.toggled.connect(self._on_strip_toggled)
        if strip_metadata:
            self._on_strip_toggled(True)
        self._refresh()

    def export_format(self) -> ExportFormat:
        kind = str(self.format_combo.currentData() or "original")
        lossless = kind == "webp" and self.lossless_check.isChecked()
        return ExportFormat(kind=kind, quality=self.quality_spin.value(), lossless=lossless)

    def choice(self) -> ExportChoice:
        return ExportChoice(
            folder=Path(self.folder_edit.text().strip()).expanduser(),
            template=self.template_edit.text(),
            strip_metadata=self.strip_check.isChecked(),
            export_format=self.export_format(),
        )

    def template_problem(self) -> str | None:
        try:
            validate_template(self.template_edit.text())
        except TemplateError as exc:
            return str(exc)
        return None

    def _on_strip_toggled(self, strip: bool) -> None:
        """A shipped default template turns private while stripping, and back after."""
        current = self.template_edit.text()
        if strip:
            private = template_for_export(current, strip=True)
            if private != current:
                self._template_before_strip = current
                self.template_edit.setText(private)
        elif self._template_before_strip is not None and current == PRIVATE_TEMPLATE:
            self.template_edit.setText(self._template_before_strip)
            self._template_before_strip = None
        self._refresh()

    def _example(self) -> str:
        name = self._preview(self.template_edit.text())
        ext = EXTENSIONS.get(self.export_format().kind)
        dot = name.rfind(".")
        return name[:dot] + ext if ext and dot > 0 else name

    def _refresh(self, *_args: object) -> None:
        kind = str(self.format_combo.currentData() or "original")
        self.lossless_check.setEnabled(kind == "webp")
        lossy = kind == "jpeg" or (kind == "webp" and not self.lossless_check.isChecked())
        self.quality_spin.setEnabled(lossy)
        warning = (
            privacy_warning(self.template_edit.text()) if self.strip_check.isChecked() else None
        )
        self.privacy_label.setText(warning or "")
        self.privacy_label.setAccessibleName(warning or "")
        self.privacy_label.setVisible(warning is not None)
        problem = self.template_problem()
        self.template_error.set_message(problem)
        style.set_error_state(self.template_edit, problem is not None)
        if problem is None:
            try:
                self.preview_label.setText(f"For example: {self._example()}")
            except (TemplateError, ValueError) as exc:
                problem = str(exc)
                self.template_error.set_message(problem)
        if problem is not None:
            self.preview_label.setText("")
        folder_ok = bool(self.folder_edit.text().strip())
        self.export_button.setEnabled(problem is None and folder_ok)

    def _insert(self, placeholder: str) -> None:
        self.template_edit.insert(placeholder)
        self.template_edit.setFocus()

    def _on_browse_clicked(self) -> None:
        dialog = QFileDialog(self, "Export into folder", self.folder_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.folder_edit.setText)
        self._folder_dialog = dialog
        dialog.open()

    def _on_buttons_accepted(self) -> None:
        if not self.export_button.isEnabled():
            return
        choice = self.choice()
        self.accept()
        self.export_requested.emit(choice)
