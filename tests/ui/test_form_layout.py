"""The form panel's layout: as wide as its rows need, and "Advanced" scrolls into view."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox, QVBoxLayout, QWidget

from app.ui.form.schema_form import SchemaForm


def _form(qtbot, tool_schema, height: int) -> tuple[QWidget, SchemaForm]:
    host = QWidget()
    form = SchemaForm(tool_schema)
    QVBoxLayout(host).addWidget(form)
    qtbot.addWidget(host)
    host.resize(form.minimumWidth(), height)
    host.show()
    qtbot.waitExposed(host)
    return host, form


def test_at_its_narrowest_the_form_clips_no_spin_box(qtbot, styled_app, tool_schema):
    _host, form = _form(qtbot, tool_schema, 900)
    spins = [s for s in form.findChildren(QAbstractSpinBox) if s.isVisible()]
    assert spins
    narrow = [s for s in spins if s.width() < s.sizeHint().width()]
    assert narrow == []


def test_expanding_advanced_scrolls_it_into_view(qtbot, styled_app, tool_schema):
    _host, form = _form(qtbot, tool_schema, 420)
    section = form.advanced_section
    assert section is not None and form.scroll_area.verticalScrollBar().value() == 0
    section.set_expanded(True)
    viewport = form.scroll_area.viewport()
    top = section.toggle.mapTo(viewport, section.toggle.rect().topLeft()).y()
    assert 0 <= top < viewport.height()
    assert form.scroll_area.verticalScrollBar().value() > 0  # it moved to show the section
    body = section.body
    body_top = body.mapTo(viewport, body.rect().topLeft()).y()
    assert body_top < viewport.height()  # the opened settings are in view, not below the fold


def test_size_notes_suggest_only_what_the_app_does():
    from app.ui.form.size_presets import NOTE_HELP, size_note

    notes = [size_note(w, h) for w in (64, 256, 512, 1024, 2048) for h in (64, 512, 2048)]
    assert any(notes)
    for text in [*notes, NOTE_HELP]:
        assert "upscal" not in text.lower() and "hires" not in text.lower()
