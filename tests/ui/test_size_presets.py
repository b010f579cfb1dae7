"""Width × Height tools: SD 1.5 presets, swap, aspect lock and the gentle size note."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.form.schema_form import SchemaForm
from app.ui.form.size_presets import SIZE_PRESETS, SizeTools, preset_for, size_note, snap


@pytest.fixture
def form(qtbot, styled_app, tool_schema):
    widget = SchemaForm(tool_schema)
    qtbot.addWidget(widget)
    widget.resize(400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tools(form: SchemaForm) -> SizeTools:
    assert form.size_tools is not None
    return form.size_tools


def size(form: SchemaForm) -> tuple[int, int]:
    values = form.values()
    return values["width"], values["height"]


def user_sets(form: SchemaForm, field_id: str, value: int) -> None:
    """A value changed the way the artist changes it (typing, arrows, wheel)."""
    form.widget_for(field_id).editor.setValue(value)


def test_presets_suit_sd15():
    shapes = {p.shape for p in SIZE_PRESETS}
    assert shapes == {"Square", "Portrait", "Landscape"}
    for preset in SIZE_PRESETS:
        assert preset.width % 8 == 0 and preset.height % 8 == 0
        assert min(preset.width, preset.height) >= 384 and max(preset.width, preset.height) <= 768
        assert size_note(preset.width, preset.height) == ""
        if preset.shape == "Portrait":
            assert preset.height > preset.width
        if preset.shape == "Landscape":
            assert preset.width > preset.height
    assert preset_for(512, 512) is not None and preset_for(513, 512) is None


@pytest.mark.parametrize(
    ("width", "height", "word"),
    [
        (512, 512, ""),
        (768, 768, ""),
        (1024, 1024, "Larger"),
        (2048, 512, "Larger"),
        (256, 256, "Small"),
        (384, 1000, "Very long"),
        (None, 512, ""),
    ],
)
def test_size_note(width, height, word):
    note = size_note(width, height)
    assert (word in note) if word else note == ""


def test_snap_rounds_to_multiples_of_8_within_limits():
    assert snap(511.0) == 512 and snap(341.33) == 344
    assert snap(10) == 64 and snap(5000) == 2048


def test_choosing_a_preset_sets_both_sides(form):
    t = tools(form)
    portrait = next(p for p in SIZE_PRESETS if (p.width, p.height) == (512, 768))
    action = next(a for a in t.menu.actions() if a.data() == (512, 768))
    action.trigger()
    assert size(form) == (512, 768)
    assert t.preset_button.text() == portrait.name
    assert action.isChecked()


def test_swap_exchanges_width_and_height(form):
    t = tools(form)
    form.set_values({"width": 512, "height": 768})
    t.swap_button.click()
    assert size(form) == (768, 512)
    assert t.preset_button.text() == "Landscape 3:2"


def test_aspect_lock_keeps_the_ratio(form):
    t = tools(form)
    form.set_values({"width": 512, "height": 768})
    t.lock_button.click()
    assert t.is_locked()
    user_sets(form, "width", 640)
    assert size(form) == (640, 960)
    user_sets(form, "height", 768)
    assert size(form) == (512, 768)  # the ratio does not drift through rounding
    t.swap()
    assert size(form) == (768, 512)
    user_sets(form, "width", 600)
    assert size(form) == (600, 400)


def test_settings_applied_as_a_whole_are_kept_and_set_the_new_ratio(form):
    t = tools(form)
    t.set_locked(True)  # at 512 × 512
    form.set_values({"width": 768, "height": 512})  # Use all, a preset, Reuse settings
    assert size(form) == (768, 512)
    user_sets(form, "height", 384)
    assert size(form) == (576, 384)


def test_unlocked_sides_are_independent(form):
    user_sets(form, "width", 640)
    assert size(form) == (640, 512)
    assert tools(form).preset_button.text() == "Landscape 5:4"


def test_the_note_appears_for_sizes_far_from_training(form):
    t = tools(form)
    assert t.note() == ""
    user_sets(form, "width", 1536)
    assert "Larger" in t.note() and not t.note_label.isHidden()
    assert t.note_label.toolTip()
    user_sets(form, "width", 512)
    assert t.note() == "" and t.note_label.isHidden()
    assert form.is_valid()  # a note, never an error


def test_tab_order_reaches_the_size_tools_and_skips_the_disabled_seed(qtbot, form):
    form.activateWindow()
    scale = form.widget_for("scale").editor
    scale.setFocus()
    qtbot.waitUntil(scale.hasFocus)
    seed = form.widget_for("seed")
    t = tools(form)
    expected = [
        seed.dice,  # the seed box itself is disabled while "Random each time" is on
        seed.random_box,  # "use the last seed" is disabled before any generation
        form.widget_for("width").editor,
        form.widget_for("height").editor,
        t.preset_button,
        t.swap_button,
        t.lock_button,
        form.widget_for("scheduler").editor,
    ]
    for widget in expected:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget
    for widget in reversed(expected[:-1]):
        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier
        )
        assert QApplication.focusWidget() is widget
