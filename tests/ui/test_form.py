"""SchemaForm and GeneratePanel built from the real DreamShaper 8 schema."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.schema import FieldKind, parse_tool
from app.ui.form import fields as fields_module
from app.ui.form.fields import TextField, register_field
from app.ui.form.generate_panel import GeneratePanel
from app.ui.form.schema_form import SchemaForm
from app.ui.widgets.plain import plain_tooltip

DEFAULT_PROMPT_START = "8k portrait of beautiful cyborg with brown hair"


@pytest.fixture
def window(qtbot, styled_app, tool_schema):
    """A shown window holding the form and its Generate panel, as the main window does."""
    host = QWidget()
    layout = QVBoxLayout(host)
    form = SchemaForm(tool_schema)
    panel = GeneratePanel(form)
    layout.addWidget(form)
    layout.addWidget(panel)
    qtbot.addWidget(host)
    host.resize(400, 900)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    return host, form, panel


def editor(form: SchemaForm, field_id: str):
    return form.widget_for(field_id).editor


def retype(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(widget, text)


def test_all_ten_fields_with_their_defaults(window):
    _, form, panel = window
    values = form.values()
    assert len(values) == 10
    assert values["prompt"].startswith(DEFAULT_PROMPT_START)
    assert values["negativePrompt"] == "BadDream, FastNegativeV2"
    assert values["samples"] == 4
    assert values["steps"] == 20
    assert values["scale"] == 7.5
    assert values["seed"] == "123456"  # kept underneath while random each time is on
    assert values["clipSkip"] == 4
    assert values["width"] == 512
    assert values["height"] == 512
    assert values["scheduler"] == "EulerDiscreteScheduler"
    assert form.random_seed_enabled()
    form.set_random_seed(False)
    assert editor(form, "seed").text() == "123456"
    assert form.is_valid() and panel.button.isEnabled()


def test_widgets_come_from_the_registry(window):
    _, form, _ = window
    assert isinstance(editor(form, "prompt"), QPlainTextEdit)
    assert editor(form, "prompt").tabChangesFocus()
    assert isinstance(editor(form, "samples"), QSpinBox)
    assert isinstance(editor(form, "scale"), QDoubleSpinBox)
    assert editor(form, "scale").decimals() == 1
    assert editor(form, "scale").singleStep() == 0.5
    assert isinstance(editor(form, "seed"), QLineEdit)
    assert isinstance(editor(form, "scheduler"), QComboBox)
    assert editor(form, "width").singleStep() == 8
    assert "64–2048, multiple of 8" in editor(form, "width").toolTip()
    assert form.advanced_section is not None
    assert form.advanced_section.body.isAncestorOf(form.widget_for("clipSkip"))


def test_scheduler_has_seven_unique_options_keeping_wire_values(window):
    _, form, _ = window
    combo = editor(form, "scheduler")
    values = [combo.itemData(i) for i in range(combo.count())]
    assert len(values) == 7
    assert values.count("EulerDiscreteScheduler") == 1
    assert combo.itemText(0) == "Euler (EulerDiscreteScheduler)"
    form.set_values({"scheduler": "DPMSolverMultistepScheduler"})
    assert combo.currentText() == "DPM++ 2M (DPMSolverMultistepScheduler)"
    assert form.values()["scheduler"] == "DPMSolverMultistepScheduler"


def test_bad_input_shows_inline_errors_and_blocks_generate(qtbot, window):
    _, form, panel = window
    retype(qtbot, editor(form, "prompt"), "")
    retype(qtbot, editor(form, "width"), "500")
    form.set_random_seed(False)
    retype(qtbot, editor(form, "seed"), "abc")
    qtbot.waitUntil(lambda: form.widget_for("width").error() is not None, timeout=3000)
    qtbot.waitUntil(lambda: form.widget_for("seed").error() is not None, timeout=3000)
    assert form.widget_for("prompt").error() == "Prompt is required."
    assert form.widget_for("width").error() == "Width must be a multiple of 8."
    assert form.widget_for("seed").error() == "Seed must be a whole number."
    assert form.widget_for("width").error_label.isVisible()
    assert editor(form, "width").property("error") is True
    assert not panel.button.isEnabled()
    assert panel.reason_label.text().startswith("Prompt is required.")
    assert panel.button.toolTip() == plain_tooltip("Prompt is required.")

    retype(qtbot, editor(form, "prompt"), "a quiet harbour at dawn")
    retype(qtbot, editor(form, "width"), "504")
    retype(qtbot, editor(form, "seed"), "42")
    assert all(form.widget_for(f).error() is None for f in ("prompt", "width", "seed"))
    assert not form.widget_for("width").error_label.isVisible()
    assert panel.button.isEnabled()
    assert panel.reason_label.isHidden()


def test_typed_out_of_range_value_is_not_clamped_silently(qtbot, window):
    _, form, panel = window
    retype(qtbot, editor(form, "width"), "3000")
    editor(form, "width").clearFocus()
    assert form.values()["width"] == 3000
    qtbot.waitUntil(lambda: form.widget_for("width").error() is not None, timeout=3000)
    assert form.widget_for("width").error() == "Width must be between 64 and 2048."
    assert not panel.button.isEnabled()


def test_arrows_snap_to_multiples_of_eight_and_respect_limits(window):
    _, form, _ = window
    width = editor(form, "width")
    form.set_values({"width": 500})
    width.stepBy(1)
    assert width.value() == 504
    form.set_values({"width": 500})
    width.stepBy(-1)
    assert width.value() == 496
    form.set_values({"width": 2048})
    width.stepBy(1)
    assert width.value() == 2048
    form.set_values({"width": 3000})
    width.stepBy(-1)
    assert width.value() == 2048


def test_validity_changed_reports_the_first_error_in_words(qtbot, window):
    _, form, _ = window
    with qtbot.waitSignal(form.validity_changed) as blocker:
        form.set_values({"width": 500})
    assert blocker.args == [False, "Width must be a multiple of 8."]
    with qtbot.waitSignal(form.validity_changed) as blocker:
        form.set_values({"width": 512})
    assert blocker.args == [True, ""]


def test_ctrl_enter_in_the_prompt_emits_values_with_a_fresh_seed(qtbot, window, monkeypatch):
    _, form, panel = window
    monkeypatch.setattr("app.ui.form.model.random_seed", lambda: 987654321)
    prompt = editor(form, "prompt")
    prompt.setFocus()
    with qtbot.waitSignal(panel.generate_requested, timeout=2000) as blocker:
        qtbot.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    values = blocker.args[0].values
    assert values["seed"] == "987654321"
    assert values["prompt"].startswith(DEFAULT_PROMPT_START)
    assert "\n" not in prompt.toPlainText()  # the shortcut did not type a newline
    assert form.last_seed == 987654321
    assert form.widget_for("seed").reuse.isEnabled()
    assert form.values()["seed"] == "123456"  # the typed seed is untouched


def test_generate_button_click_and_keypad_enter(qtbot, window):
    _, form, panel = window
    with qtbot.waitSignal(panel.generate_requested, timeout=2000):
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    spin = editor(form, "steps")
    spin.setFocus()
    with qtbot.waitSignal(panel.generate_requested, timeout=2000):
        qtbot.keyClick(
            spin,
            Qt.Key.Key_Enter,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier,
        )


def test_invalid_form_does_not_generate(qtbot, window):
    _, form, panel = window
    form.set_values({"prompt": ""})
    with qtbot.assertNotEmitted(panel.generate_requested):
        qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
        assert panel.request_generate() is False


def test_fix_seed_turns_random_off_and_is_used(window):
    _, form, _ = window
    form.fix_seed(777)
    assert not form.random_seed_enabled()
    assert editor(form, "seed").isEnabled()
    assert editor(form, "seed").text() == "777"
    assert form.values_for_run()["seed"] == "777"
    assert form.last_seed == 777


def test_random_each_time_disables_the_seed_box(window):
    _, form, _ = window
    seed = editor(form, "seed")
    assert not seed.isEnabled()
    assert seed.text() == ""
    assert seed.placeholderText() == "random"
    form.widget_for("seed").set_value("abc")
    assert form.is_valid()  # the typed seed is not used while random each time is on


def test_dice_and_reuse_last(qtbot, window, monkeypatch):
    _, form, _ = window
    monkeypatch.setattr("app.ui.form.seed_field.random_seed", lambda: 31337)
    monkeypatch.setattr("app.ui.form.model.random_seed", lambda: 4242)
    field = form.widget_for("seed")
    qtbot.mouseClick(field.dice, Qt.MouseButton.LeftButton)
    assert not form.random_seed_enabled()
    assert field.editor.text() == "31337"
    form.set_random_seed(True)
    form.values_for_run()
    qtbot.mouseClick(field.reuse, Qt.MouseButton.LeftButton)
    assert field.editor.text() == "4242"
    assert not form.random_seed_enabled()


def test_reset_to_defaults(window, tool_schema):
    _, form, _ = window
    form.set_values({"prompt": "x", "steps": 50, "scheduler": "DDIMScheduler", "width": 768})
    form.fix_seed(5)
    form.reset_to_defaults()
    assert form.values() == tool_schema.defaults()
    assert form.random_seed_enabled()
    assert form.is_valid()


def test_set_values_is_partial_and_ignores_unknown_keys(window):
    _, form, _ = window
    before = form.values()
    form.set_values({"prompt": "a red fox", "steps": 30, "nonsense": 1, "scale": "6.5"})
    after = form.values()
    assert after["prompt"] == "a red fox"
    assert after["steps"] == 30
    assert after["scale"] == 6.5
    assert "nonsense" not in after
    assert {k: v for k, v in after.items() if k not in ("prompt", "steps", "scale")} == {
        k: v for k, v in before.items() if k not in ("prompt", "steps", "scale")
    }


def test_unavailable_choice_is_shown_and_reported(window):
    _, form, panel = window
    form.set_values({"scheduler": "KarrasMagicScheduler"})
    combo = editor(form, "scheduler")
    assert combo.currentText() == "KarrasMagicScheduler (not available)"
    assert form.widget_for("scheduler").error() == "Scheduler is not one of the available choices."
    assert not panel.button.isEnabled()
    combo.setCurrentIndex(0)
    assert combo.count() == 7
    assert form.is_valid()


def test_show_errors_from_the_caller(window):
    _, form, _ = window
    form.show_errors({"steps": "Steps was refused by Wiro."})
    assert form.widget_for("steps").error() == "Steps was refused by Wiro."
    form.set_values({"steps": 25})
    assert form.widget_for("steps").error() is None


def _odd_schema():
    items = [
        {"id": "prompt", "type": "textarea", "label": "prompt", "defaultvalue": "hi"},
        {
            "id": "mystery",
            "type": "weirdtype",
            "label": "mystery",
            "default": "x",
            "min": 1,
            "max": 5,
            "step": 1,
        },
        {
            "id": "legacy",
            "type": "weirdtype",
            "label": "legacy",
            "defaultvalue": "y",
            "minvalue": "1",
            "maxvalue": "5",
            "incrementby": "1",
        },
        {
            "id": "count",
            "type": "number",
            "label": "count",
            "default": 3,
            "min": 1,
            "max": 9,
            "step": 2,
        },
        {
            "id": "ratio",
            "type": "float",
            "label": "ratio",
            "defaultvalue": "0.25",
            "minvalue": "0",
            "maxvalue": "1",
            "incrementby": "0.25",
        },
        {"id": "hires", "type": "checkbox", "label": "hires", "default": "true"},
        {"id": "inputs", "type": "fileinput", "label": "inputImage"},
    ]
    payload = {
        "tool": [
            {
                "slugowner": "me",
                "slugproject": "odd",
                "title": "Odd",
                "parameters": [{"title": "all", "items": items}],
            }
        ]
    }
    return parse_tool(payload)


def test_unknown_kinds_fall_back_to_a_line_edit(qtbot, styled_app):
    schema = _odd_schema()
    assert schema.field("mystery").kind is FieldKind.TEXT  # parse_tool: unknown → text
    form = SchemaForm(schema)
    qtbot.addWidget(form)
    for field_id, default in (("mystery", "x"), ("legacy", "y")):
        assert isinstance(editor(form, field_id), QLineEdit)
        assert form.values()[field_id] == default
    assert type(form.widget_for("inputs")).__name__ == "FileField"  # a drop target and picker
    count = editor(form, "count")
    assert isinstance(count, QSpinBox) and count.singleStep() == 2 and count.value() == 3
    ratio = editor(form, "ratio")
    assert isinstance(ratio, QDoubleSpinBox) and ratio.decimals() == 2 and ratio.value() == 0.25
    assert isinstance(editor(form, "hires"), QCheckBox) and form.values()["hires"] is True
    form.set_values({"count": 12})
    assert form.validation().errors == {"count": "Count must be between 1 and 9."}


def test_register_field_replaces_a_kind(qtbot, styled_app, monkeypatch):
    monkeypatch.setattr(fields_module, "_BY_KIND", dict(fields_module._BY_KIND))
    made = []

    class Special(TextField):
        def __init__(self, spec, parent=None):
            super().__init__(spec, parent)
            made.append(spec.id)

    register_field(FieldKind.CHECKBOX, Special)
    form = SchemaForm(_odd_schema())
    qtbot.addWidget(form)
    assert made == ["hires"]
    assert isinstance(form.widget_for("hires"), Special)


def test_cost_hint_and_external_block(window):
    _, _, panel = window
    panel.set_cost_hint("≈ $0.0035 per image")
    assert panel.cost_label.text() == "≈ $0.0035 per image"
    assert not panel.cost_label.isHidden()
    panel.set_blocked("Connecting to Wiro…")
    assert not panel.button.isEnabled()
    assert panel.reason_label.text() == "Connecting to Wiro…"
    panel.set_blocked(None)
    assert panel.button.isEnabled()


def test_tab_moves_through_the_fields_in_visual_order(qtbot, window):
    host, form, _ = window
    qtbot.waitUntil(host.isActiveWindow, timeout=2000)
    prompt = editor(form, "prompt")
    prompt.setFocus()
    order = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[0] is editor(form, "negativePrompt")
    assert order[1] is editor(form, "samples")
    assert order[2] is editor(form, "steps")
    assert "\t" not in prompt.toPlainText()
