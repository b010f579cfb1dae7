"""What the inspiration browser does beyond Use: the card menu, save, rename and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from app.ui.inspiration.data import NEGATIVE, PROMPT, Entry, Source
from app.ui.inspiration.prompt_library import PromptLibrary

NAME_WORDS = 6


def suggested_name(prompt: str) -> str:
    """A first guess at a name: the prompt's first few words, without weights and brackets."""
    words = "".join(c if c.isalnum() or c in " -'" else " " for c in prompt).split()
    return " ".join(words[:NAME_WORDS])[:60] or "My prompt"


if TYPE_CHECKING:  # mixed into a QWidget (the panel): dialogs are parented to it
    _PanelBase = QWidget
else:
    _PanelBase = object


class PromptActions(_PanelBase):
    """Mixed into InspirationPanel: dialogs are opened with open(), never exec()."""

    _dialog: QWidget | None = None
    # provided by InspirationPanel
    library: PromptLibrary
    notice_posted: Any
    saved: Any
    search: Any
    _form: Callable[[], Any]
    use_entry: Callable[[Entry, bool], bool]
    show_source: Callable[[Source], None]
    _on_card_star_toggled: Callable[[Entry, bool], None]

    def entry_menu(self, entry: Entry) -> QMenu:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Use\tEnter", lambda: self.use_entry(entry, False))
        use_all = menu.addAction("Use all\tShift+Enter", lambda: self.use_entry(entry, True))
        use_all.setEnabled(bool(entry.extra))
        menu.addSeparator()
        if entry.source is not Source.RECENT:
            star = "Unstar" if entry.starred else "Star"
            menu.addAction(star, lambda: self._on_card_star_toggled(entry, not entry.starred))
        if entry.source is Source.SAVED:
            menu.addAction("Rename…", lambda: self.ask_rename(entry))
            menu.addAction("Delete…", lambda: self.ask_delete(entry))
        else:
            menu.addAction(
                "Save as my prompt…", lambda: self.ask_save(entry.prompt, entry.negative)
            )
        menu.addSeparator()
        menu.addAction("Copy prompt", lambda: QGuiApplication.clipboard().setText(entry.prompt))
        if entry.negative:
            menu.addAction(
                "Copy negative prompt",
                lambda: QGuiApplication.clipboard().setText(entry.negative),
            )
        return menu

    # -- saving, renaming, deleting ---------------------------------------------------------

    def save_current_prompt(self) -> None:
        form = self._form()
        if form is None:
            self.notice_posted.emit("The form is not ready yet: connect first")
            return
        values = form.values()
        prompt = str(values.get(PROMPT) or "")
        if not prompt.strip():
            self.notice_posted.emit("The prompt is empty: nothing to save")
            return
        self.ask_save(prompt, str(values.get(NEGATIVE) or ""))

    def ask_save(self, prompt: str, negative: str) -> None:
        self._ask_text(
            "Save prompt",
            "Name:",
            suggested_name(prompt),
            lambda name: self.save_prompt(name, prompt, negative),
        )

    def save_prompt(self, name: str, prompt: str, negative: str) -> None:
        if not name.strip():
            return
        item = self.library.save_prompt(name, prompt, negative)
        self.search.clear()
        self.show_source(Source.SAVED)
        card = next((c for c in self.saved.cards() if c.entry.key == item.id), None)
        if card is not None:
            self.saved.focus_card(card)
        self.notice_posted.emit(f"Prompt saved as “{item.name}”")

    def ask_rename(self, entry: Entry) -> None:
        self._ask_text(
            "Rename prompt",
            "Name:",
            entry.title,
            lambda name: self.library.rename_prompt(entry.key, name),
        )

    def ask_delete(self, entry: Entry) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete prompt",
            f"Delete the saved prompt “{entry.title}”?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda _r: box.clickedButton() is delete and self.library.delete_prompt(entry.key)
        )
        self._open(box)

    def _ask_text(self, title: str, label: str, text: str, then: Callable[[str], Any]) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.setMinimumWidth(360)
        dialog.textValueSelected.connect(then)
        self._open(dialog)

    def _open(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def open_dialog(self) -> QWidget | None:
        """The name or confirmation dialog last opened, while it is open (for tests)."""
        dialog = self._dialog
        try:
            return dialog if dialog is not None and dialog.isVisible() else None
        except RuntimeError:  # already deleted
            return None
