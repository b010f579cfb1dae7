"""The prompt editor: highlighting, bracket warnings, Ctrl+Up/Down weights and completion."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from app.core.prompt import SpanKind
from app.ui.form import prompt_style
from app.ui.form.prompt_editor import PromptEditor, PromptField
from app.ui.form.schema_form import SchemaForm
from app.ui.widgets import style

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def editor(qtbot, styled_app):
    host = QWidget()
    layout = QVBoxLayout(host)
    edit = PromptEditor()
    layout.addWidget(edit)
    layout.addWidget(QLineEdit())  # somewhere for Tab to go
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    edit.setFocus()
    yield edit  # the fixture frame keeps the host (and so the editor) alive


@pytest.fixture
def form(qtbot, styled_app, tool_schema):
    widget = SchemaForm(tool_schema)
    qtbot.addWidget(widget)
    widget.resize(400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def colour_at(edit: PromptEditor, text: str, needle: str, offset: int = 0) -> str | None:
    """The foreground colour the highlighter gave the character at ``needle`` + ``offset``."""
    pos = text.index(needle) + offset
    pos = len(text[:pos].encode("utf-16-le")) // 2
    block = edit.document().findBlock(pos)
    relative = pos - block.position()
    for fr in block.layout().formats():
        if fr.start <= relative < fr.start + fr.length and fr.format.hasProperty(
            fr.format.Property.ForegroundBrush
        ):
            return fr.format.foreground().color().name()
    return None


def put(edit: PromptEditor, text: str, cursor: int | None = None, anchor: int | None = None):
    edit.setPlainText(text)
    c = edit.textCursor()
    c.setPosition(len(text) if anchor is None else anchor)
    if cursor is not None:
        c.setPosition(cursor, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(c)


# -- highlighting --------------------------------------------------------------------------


def test_weights_brackets_by_depth_and_embeddings(editor):
    text = "(masterpiece:1.2), ((best quality)), [blurry], BadDream, baddream, embedding:Foo"
    editor.setPlainText(text)
    depth0, depth1 = prompt_style.bracket_colour(0), prompt_style.bracket_colour(1)
    assert depth0 != depth1
    assert colour_at(editor, text, "(masterpiece") == depth0
    assert colour_at(editor, text, ":1.2") == prompt_style.WEIGHT_COLOUR
    assert colour_at(editor, text, ":1.2", 3) == prompt_style.WEIGHT_COLOUR
    assert colour_at(editor, text, "((best") == depth0
    assert colour_at(editor, text, "((best", 1) == depth1
    assert colour_at(editor, text, "))", 0) == depth1
    assert colour_at(editor, text, "))", 1) == depth0
    assert colour_at(editor, text, "best") is None  # plain text keeps the editor's colour
    assert colour_at(editor, text, "[blurry") == depth0
    for name in ("BadDream", "baddream", "embedding:Foo"):
        assert colour_at(editor, text, name) == prompt_style.EMBEDDING_COLOUR
        assert colour_at(editor, text, name, len(name) - 1) == prompt_style.EMBEDDING_COLOUR


def test_all_three_negative_embeddings_stand_out(editor):
    text = "BadDream, (UnrealisticDream:1.3), FastNegativeV2, BadDreamer"
    editor.setPlainText(text)
    for name in ("BadDream", "UnrealisticDream", "FastNegativeV2"):
        assert colour_at(editor, text, name) == prompt_style.EMBEDDING_COLOUR
    assert colour_at(editor, text, "BadDreamer") is None  # not a whole word


def test_escaped_brackets_are_not_brackets(editor):
    text = r"a \(cat\) and \[dog\] (real)"
    editor.setPlainText(text)
    assert colour_at(editor, text, r"\(") == prompt_style.ESCAPE_COLOUR
    assert colour_at(editor, text, r"\(", 1) == prompt_style.ESCAPE_COLOUR
    assert colour_at(editor, text, r"\]") == prompt_style.ESCAPE_COLOUR
    assert colour_at(editor, text, "(real") == prompt_style.bracket_colour(0)
    kinds = {s.kind for s in editor.highlighter.spans()}
    assert SpanKind.UNBALANCED not in kinds


def test_unbalanced_brackets_get_the_error_colour(editor):
    text = "(open, fine) extra) [never closed"
    editor.setPlainText(text)
    assert colour_at(editor, text, "(open") == prompt_style.bracket_colour(0)
    assert colour_at(editor, text, "extra)", 5) == style.ERROR
    assert colour_at(editor, text, "[never") == style.ERROR


def test_positions_count_utf16_units_after_emoji(editor):
    text = "🦊🦊 fox (tail:1.3) BadDream"
    editor.setPlainText(text)
    assert colour_at(editor, text, "(tail") == prompt_style.bracket_colour(0)
    assert colour_at(editor, text, ":1.3") == prompt_style.WEIGHT_COLOUR
    assert colour_at(editor, text, "tail") is None
    assert colour_at(editor, text, "BadDream") == prompt_style.EMBEDDING_COLOUR


def test_brackets_pair_across_lines_and_other_lines_update(qtbot, editor):
    text = "(first line\nsecond line)"
    editor.setPlainText(text)
    qtbot.waitUntil(lambda: colour_at(editor, text, "(first") == prompt_style.bracket_colour(0))
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    cursor.deletePreviousChar()  # the ")" on line 2 goes: the "(" on line 1 is now unclosed
    editor.setTextCursor(cursor)
    qtbot.waitUntil(lambda: colour_at(editor, text, "(first") == style.ERROR, timeout=3000)


# -- bracket warning -----------------------------------------------------------------------


def test_bracket_warning_shows_and_goes_away(form):
    field = form.widget_for("prompt")
    assert isinstance(field, PromptField)
    assert field.warning() is None and field.warning_label.isHidden()
    field.set_value("(masterpiece, best quality")
    assert "never closed" in (field.warning() or "")
    assert not field.warning_label.isHidden()
    field.set_value("masterpiece) and [more")
    assert "(+1 more)" in (field.warning() or "")
    field.set_value("(masterpiece), best quality")
    assert field.warning() is None and field.warning_label.isHidden()
    assert form.is_valid()  # a warning never blocks Generate


def test_show_selects_the_offending_bracket(form):
    field = form.widget_for("negativePrompt")
    assert isinstance(field, PromptField)
    field.set_value("BadDream, [ugly")
    field.show_problem(0)
    assert field.editor.textCursor().selectedText() == "["


def test_both_prompt_fields_use_the_editor(form):
    for field_id in ("prompt", "negativePrompt"):
        field = form.widget_for(field_id)
        assert isinstance(field, PromptField)
        assert isinstance(field.editor, PromptEditor)
        assert field.editor.tabChangesFocus()


def test_filling_the_form_can_be_undone(form):
    field = form.widget_for("prompt")
    before = field.value()
    form.set_values({"prompt": "a brand new prompt"})
    assert field.value() == "a brand new prompt"
    field.editor.undo()
    assert field.value() == before


# -- weights -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cursor", "anchor", "key", "expected", "selected"),
    [
        ("a cat", None, None, Qt.Key.Key_Up, "a (cat:1.1)", "cat"),
        ("a cat", None, None, Qt.Key.Key_Down, "a (cat:0.9)", "cat"),
        ("a (cat:1.1)", 5, 5, Qt.Key.Key_Down, "a cat", "cat"),  # unwrapped at 1.0
        ("a (cat:1.1)", 5, 5, Qt.Key.Key_Up, "a (cat:1.2)", "cat"),
        ("red fox, tail", 7, 0, Qt.Key.Key_Up, "(red fox:1.1), tail", "red fox"),
        ("((cat))", 3, 3, Qt.Key.Key_Up, "(((cat:1.1)))", "cat"),
        (r"a \(cat\)", None, None, Qt.Key.Key_Up, r"a (\(cat\):1.1)", r"\(cat\)"),
        ("🦊 fox", None, None, Qt.Key.Key_Up, "🦊 (fox:1.1)", "fox"),
    ],
)
def test_ctrl_up_down_change_the_weight(
    qtbot, editor, text, cursor, anchor, key, expected, selected
):
    if cursor is not None:
        cursor = len(text[:cursor].encode("utf-16-le")) // 2
        anchor = len(text[:anchor].encode("utf-16-le")) // 2
    else:
        anchor = len(text.encode("utf-16-le")) // 2
    put(editor, text, cursor, anchor)
    qtbot.keyClick(editor, key, CTRL)
    assert editor.toPlainText() == expected
    assert editor.textCursor().selectedText() == selected


def test_weight_steps_repeat_and_undo_in_one_step(qtbot, editor):
    put(editor, "a cat")
    for _ in range(3):
        qtbot.keyClick(editor, Qt.Key.Key_Up, CTRL)
    assert editor.toPlainText() == "a (cat:1.3)"
    for _ in range(3):
        qtbot.keyClick(editor, Qt.Key.Key_Down, CTRL)
    assert editor.toPlainText() == "a cat"
    editor.undo()
    assert editor.toPlainText() == "a (cat:1.1)"


def test_nothing_to_weight_leaves_the_text_alone(qtbot, editor):
    put(editor, "a cat, ")
    qtbot.keyClick(editor, Qt.Key.Key_Up, CTRL)
    assert editor.toPlainText() == "a cat, "


# -- completion ----------------------------------------------------------------------------


def test_embedding_names_complete_with_enter(qtbot, editor):
    put(editor, "")
    qtbot.keyClicks(editor, "ugly, Bad")
    qtbot.waitUntil(editor.completion_popup_visible)
    assert editor.completer.model().stringList() == ["BadDream"]
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Return)
    assert editor.toPlainText() == "ugly, BadDream"
    assert not editor.completion_popup_visible()


def test_tab_takes_the_completion_instead_of_moving_focus(qtbot, editor):
    put(editor, "(")
    qtbot.keyClicks(editor, "fastn")
    qtbot.waitUntil(editor.completion_popup_visible)
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Tab)
    assert editor.toPlainText() == "(FastNegativeV2"
    assert editor.hasFocus()


def test_no_popup_for_one_letter_or_other_words(qtbot, editor):
    put(editor, "")
    qtbot.keyClicks(editor, "a U")
    assert not editor.completion_popup_visible()
    qtbot.keyClicks(editor, "x")
    assert not editor.completion_popup_visible()


def test_ctrl_space_offers_names_for_a_short_prefix(qtbot, editor):
    put(editor, "U")
    qtbot.keyClick(editor, Qt.Key.Key_Space, CTRL)
    qtbot.waitUntil(editor.completion_popup_visible)
    assert editor.completer.model().stringList() == ["UnrealisticDream"]
    qtbot.keyClick(editor.completer.popup(), Qt.Key.Key_Escape)
    assert editor.toPlainText() == "U"
