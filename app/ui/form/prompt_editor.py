"""The prompt editor: A1111 syntax highlighting, bracket warnings, Ctrl+Up/Down weights, completion.

All prompt logic lives in app.core.prompt and app.core.prompt_weights; this module only maps
between Qt's UTF-16 positions and Python string offsets and paints.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QSyntaxHighlighter, QTextCursor, QTextDocument
from PySide6.QtWidgets import QCompleter, QLabel, QWidget

from app.core.prompt import (
    EMBEDDINGS,
    Problem,
    Span,
    bracket_problems,
    complete_embedding,
    from_utf16,
    to_utf16,
    word_at,
)
from app.core.prompt_weights import WEIGHT_STEP, adjust_weight
from app.core.schema import FieldSpec
from app.ui.form.field_editors import PromptEdit
from app.ui.form.fields import FieldWidget, TextAreaField, register_field_id
from app.ui.form.prompt_style import qt_spans, span_format
from app.ui.widgets import style

if TYPE_CHECKING:
    from PySide6.QtWidgets import QAbstractItemView

PROMPT_FIELD_IDS = ("prompt", "negativePrompt")
WARNING_DELAY_MS = 800  # a new bracket warning waits this long while the artist is typing


class PromptHighlighter(QSyntaxHighlighter):
    """Colours A1111 syntax; spans come from the whole prompt, so brackets pair across lines."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._text: str | None = None
        self._spans: list[Span] = []
        self._full_pass_text: str | None = None
        document.contentsChanged.connect(self._on_document_contents_changed)

    def spans(self) -> list[Span]:
        """The document's syntax spans in UTF-16 positions (what the editor shows)."""
        text = self.document().toPlainText()
        if text != self._text:
            self._text, self._spans = text, qt_spans(text)
        return self._spans

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock()
        start = block.position()
        end = start + len(text.encode("utf-16-le")) // 2
        for span in self.spans():
            if span.end <= start or span.start >= end:
                continue
            first, last = max(span.start, start), min(span.end, end)
            self.setFormat(first - start, last - first, span_format(span))

    def _on_document_contents_changed(self) -> None:
        # Qt re-highlights only the edited block; a bracket typed on one line can change how
        # the others pair, so a prompt of several lines is redone as a whole (it is short).
        doc = self.document()
        if doc.blockCount() > 1 and doc.toPlainText() != self._full_pass_text:
            QTimer.singleShot(0, self, self._full_pass)

    def _full_pass(self) -> None:
        text = self.document().toPlainText()
        if text != self._full_pass_text:
            self._full_pass_text = text
            self.rehighlight()


class PromptEditor(PromptEdit):
    """PromptEdit plus highlighting, attention nudging and embedding-name completion."""

    def __init__(self, min_lines: int = 5, max_lines: int = 12, parent=None) -> None:
        super().__init__(min_lines, max_lines, parent)
        self.highlighter = PromptHighlighter(self.document())
        self._completion_start = -1  # UTF-16 position where the word being completed starts
        self._completer: QCompleter | None = (
            None  # made when first offered (not in the first frame)
        )

    @property
    def completer(self) -> QCompleter:
        """The embedding-name completer and its popup list, made on first use."""
        if self._completer is None:
            completer = QCompleter(self)
            completer.setWidget(self)
            completer.setModel(QStringListModel(completer))
            completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setMaxVisibleItems(6)
            # PySide picks the str overload at run time; its stubs do not model the index.
            completer.activated[str].connect(self._on_completer_activated)  # type: ignore[index]
            self._completer = completer
            self._popup().setObjectName("embeddingCompletions")
        return self._completer

    def _popup(self) -> QAbstractItemView:
        return cast("QAbstractItemView", self.completer.popup())  # QCompleter always has one

    # -- attention weights ------------------------------------------------------------------

    def nudge_weight(self, delta: float) -> bool:
        """Ctrl+Up/Down: re-weights the selection or the word at the cursor; True if it did."""
        text = self.toPlainText()
        cursor = self.textCursor()
        start = from_utf16(text, cursor.selectionStart())
        end = from_utf16(text, cursor.selectionEnd())
        edit = adjust_weight(text, start, end, delta)
        if edit.text == text and (edit.sel_start, edit.sel_end) == (start, end):
            return False
        if edit.text != text:
            self._replace_changed_part(text, edit.text)
        cursor = self.textCursor()
        cursor.setPosition(to_utf16(edit.text, edit.sel_start))
        cursor.setPosition(to_utf16(edit.text, edit.sel_end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        return True

    def _replace_changed_part(self, old: str, new: str) -> None:
        """One undo step that rewrites only the part that differs (scroll position survives)."""
        head = 0
        limit = min(len(old), len(new))
        while head < limit and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.setPosition(to_utf16(old, head))
        cursor.setPosition(to_utf16(old, len(old) - tail), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(new[head : len(new) - tail])
        cursor.endEditBlock()

    # -- embedding completion ---------------------------------------------------------------

    def completion_popup_visible(self) -> bool:
        return self._completer is not None and self._popup().isVisible()

    def update_completion(self, forced: bool = False) -> None:
        """Offers embedding names for the word before the cursor (Ctrl+Space: any prefix)."""
        text = self.toPlainText()
        cursor = self.textCursor()
        if cursor.hasSelection():
            self._hide_completion()
            return
        pos = from_utf16(text, cursor.position())
        start = word_at(text, pos)[0]
        prefix = text[start:pos]
        names = complete_embedding(prefix)
        if forced and not names and ":" not in prefix:
            names = [n for n in EMBEDDINGS if n.lower().startswith(prefix.lower())]
        if not names or (not forced and names == [prefix]):
            self._hide_completion()
            return
        self._completion_start = to_utf16(text, start)
        model = self.completer.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(names)
        popup = self._popup()
        word_start = QTextCursor(self.document())
        word_start.setPosition(self._completion_start)
        rect = self.cursorRect(word_start).translated(self.viewport().pos())
        rect.adjust(-4, 0, 0, 2)  # the popup's text lines up with the word being typed
        rect.setWidth(popup.sizeHintForColumn(0) + popup.verticalScrollBar().sizeHint().width())
        self.completer.complete(rect)
        popup.setCurrentIndex(self.completer.completionModel().index(0, 0))

    def insert_completion(self, name: str) -> None:
        if self._completion_start < 0:
            return
        cursor = self.textCursor()
        cursor.setPosition(self._completion_start)
        cursor.setPosition(self.textCursor().position(), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(name)
        self.setTextCursor(cursor)
        self._completion_start = -1

    def _hide_completion(self) -> None:
        self._completion_start = -1
        if self._completer is not None:
            self._popup().hide()

    def _on_completer_activated(self, name: str) -> None:
        self.insert_completion(name)

    # -- keys -------------------------------------------------------------------------------

    def event(self, event: Any) -> bool:
        # Tab normally moves focus (tabChangesFocus); with names on offer it takes the first.
        if (
            event.type() == event.Type.KeyPress
            and event.key() == Qt.Key.Key_Tab
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            and self.completion_popup_visible()
        ):
            index = self._popup().currentIndex()
            name = index.data() if index.isValid() else None
            self._popup().hide()
            if name:
                self.insert_completion(str(name))
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        popup_keys = (Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Backtab)
        if self.completion_popup_visible() and key in popup_keys:
            event.ignore()  # the completer takes these
            return
        ctrl = Qt.KeyboardModifier.ControlModifier
        ctrl_only = mods & ~Qt.KeyboardModifier.KeypadModifier == ctrl
        if ctrl_only and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._hide_completion()
            self.nudge_weight(WEIGHT_STEP if key == Qt.Key.Key_Up else -WEIGHT_STEP)
            event.accept()
            return
        if ctrl_only and key == Qt.Key.Key_Space:
            self.update_completion(forced=True)
            event.accept()
            return
        super().keyPressEvent(event)
        typed = event.text()
        typing = bool(typed) and typed.isprintable() and not mods & ctrl
        erasing = key == Qt.Key.Key_Backspace and self.completion_popup_visible()
        if typing or erasing:
            self.update_completion()
        elif self.completion_popup_visible() and key != Qt.Key.Key_Shift:
            self._hide_completion()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        if not self.completion_popup_visible():
            self._completion_start = -1


def describe_problem(text: str, problem: Problem) -> str:
    """A bracket problem in words an artist reads at a glance."""
    char = text[problem.position] if 0 <= problem.position < len(text) else "?"
    group = "emphasis" if char in "()" else "de-emphasis"
    if problem.message.startswith("Unclosed"):
        return f"“{char}” is never closed: its {group} runs to the end of the prompt."
    if problem.message.startswith("Unmatched"):
        return f"“{char}” closes nothing: it stays in the prompt as a plain character."
    return f"Brackets overlap at “{char}”: close the inner group first."


class PromptField(TextAreaField):
    """The prompt and negative prompt fields: a PromptEditor and a bracket warning under it."""

    editor: PromptEditor

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        big = spec.id.lower() == "prompt" or spec.required
        editor = PromptEditor(5 if big else 3, 12 if big else 8)
        FieldWidget.__init__(self, spec, editor, parent)
        editor.setPlaceholderText(spec.placeholder or f"{spec.label}…")
        self._problems: list[Problem] = []
        self.warning_label = QLabel(self)
        self.warning_label.setWordWrap(True)
        self.warning_label.setTextFormat(Qt.TextFormat.RichText)
        self.warning_label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.warning_label.linkActivated.connect(self._on_warning_label_link_activated)
        style.set_role(self.warning_label, "warning")
        self.warning_label.hide()
        self.column.addWidget(self.warning_label)
        self._warning_timer = QTimer(self)
        self._warning_timer.setSingleShot(True)
        self._warning_timer.setInterval(WARNING_DELAY_MS)
        self._warning_timer.timeout.connect(self.refresh_warning)
        editor.setPlainText("" if spec.default is None else str(spec.default))
        self.refresh_warning()
        editor.textChanged.connect(self._emit_changed)
        editor.textChanged.connect(self._on_editor_text_changed)

    def set_value(self, value: Any) -> None:
        """Replaces the text as one undoable edit, so Ctrl+Z brings the previous prompt back."""
        text = "" if value is None else str(value)
        if text == self.editor.toPlainText():
            return
        cursor = QTextCursor(self.editor.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def warning(self) -> str | None:
        words = self.warning_label.property("plain")
        return str(words) if self._problems and words else None

    def refresh_warning(self) -> None:
        self._warning_timer.stop()
        text = self.editor.toPlainText()
        self._problems = bracket_problems(text)
        if not self._problems:
            self.warning_label.hide()
            self.warning_label.setProperty("plain", "")
            self.warning_label.setAccessibleName("")
            return
        first = self._problems[0]
        words = describe_problem(text, first)
        more = len(self._problems) - 1
        if more:
            words += f" (+{more} more)"
        link = style.WARNING
        self.warning_label.setText(
            f"⚠ {html.escape(words)} <a href='show' style='color:{link}'>Show</a>"
        )
        self.warning_label.setProperty("plain", words)
        self.warning_label.setToolTip(
            "Unbalanced brackets change the weights of everything after them.\n"
            + "\n".join(p.message for p in self._problems)
        )
        self.warning_label.setAccessibleName(words)
        self.warning_label.show()

    def show_problem(self, index: int = 0) -> None:
        """Selects the bracket of a problem in the editor and focuses it."""
        if not 0 <= index < len(self._problems):
            return
        text = self.editor.toPlainText()
        pos = self._problems[index].position
        cursor = self.editor.textCursor()
        cursor.setPosition(to_utf16(text, pos))
        cursor.setPosition(to_utf16(text, pos + 1), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_editor_text_changed(self) -> None:
        worse = len(bracket_problems(self.editor.toPlainText())) > len(self._problems)
        if worse and self.editor.hasFocus():
            self._warning_timer.start()
        else:
            self.refresh_warning()

    def _on_warning_label_link_activated(self, _link: str) -> None:
        self.show_problem(0)


for _field_id in PROMPT_FIELD_IDS:
    register_field_id(_field_id, PromptField)
