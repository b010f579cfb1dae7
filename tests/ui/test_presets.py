"""Form presets: save the whole form, apply, rename and delete, and the file round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QInputDialog, QWidget

from app.storage.prompts import PromptStore
from app.ui.form.schema_form import SchemaForm
from app.ui.inspiration.presets import PresetsDialog, PresetsMenu, preset_summary
from app.ui.inspiration.prompt_library import PromptLibrary

CHANGED = {
    "prompt": "a (foggy:1.2) harbour",
    "negativePrompt": "BadDream",
    "samples": 2,
    "steps": 32,
    "scale": 6.5,
    "width": 512,
    "height": 768,
    "seed": "2024",
}


@pytest.fixture
def setup(qtbot, styled_app, tool_schema, tmp_path: Path):
    host = QWidget()
    form = SchemaForm(tool_schema, host)
    library = PromptLibrary(PromptStore.in_folder(tmp_path))
    library.load()
    menu = PresetsMenu(library, lambda: form, host)
    qtbot.addWidget(host)
    notices: list[str] = []
    menu.notice_posted.connect(notices.append)
    yield form, library, menu, notices, host


def test_save_apply_round_trip(setup, tmp_path):
    form, _library, menu, notices, _ = setup
    form.set_values(CHANGED)
    form.set_random_seed(False)
    preset = menu.save_current("Harbour portrait")
    assert preset is not None and "saved" in notices[-1]
    form.reset_to_defaults()
    assert form.values()["steps"] == 20 and form.random_seed_enabled()

    reloaded = PromptLibrary(PromptStore.in_folder(tmp_path))
    reloaded.load()
    assert [p.name for p in reloaded.presets()] == ["Harbour portrait"]
    other_menu = PresetsMenu(reloaded, lambda: form)
    action = next(a for a in other_menu.preset_actions() if a.text() == "Harbour portrait")
    action.trigger()
    values = form.values()
    for key, value in CHANGED.items():
        assert values[key] == value, key
    assert not form.random_seed_enabled()
    assert values["scheduler"] == "EulerDiscreteScheduler"  # every field is in a preset


def test_saving_under_an_existing_name_updates_it(setup):
    form, library, menu, notices, _ = setup
    menu.save_current("Mine")
    form.set_values({"steps": 45})
    menu.save_current("Mine")
    assert len(library.presets()) == 1 and library.presets()[0].values["steps"] == 45
    assert "updated" in notices[-1]


def test_menu_lists_presets_by_name(setup):
    _, library, menu, _, _ = setup
    assert [a.text() for a in menu.actions() if not a.isSeparator()][-1] == "No presets yet"
    assert not menu.manage_action.isEnabled()
    library.save_preset("b & c", {"steps": 1}, True)
    library.save_preset("A", {"steps": 2}, True)
    assert [a.text() for a in menu.preset_actions()] == ["A", "b && c"]
    assert menu.manage_action.isEnabled()


def test_save_asks_for_a_name(setup):
    _form, library, menu, _, _ = setup
    menu.ask_save()
    dialog = menu._dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue("From the dialog")
    dialog.accept()
    assert [p.name for p in library.presets()] == ["From the dialog"]


def test_manager_renames_applies_and_deletes(setup):
    form, library, menu, _, _ = setup
    library.save_preset("First", {"steps": 11}, False)
    library.save_preset("Second", {"steps": 22}, True)
    dialog = menu.open_manager()
    assert isinstance(dialog, PresetsDialog)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["First", "Second"]
    dialog.list.setCurrentRow(1)
    dialog.list.currentItem().setText("Renamed")  # what editing the name in place does
    assert [p.name for p in library.presets()] == ["First", "Renamed"]
    dialog.list.setCurrentRow(0)
    dialog.apply_button.click()
    assert form.values()["steps"] == 11 and not form.random_seed_enabled()
    dialog.delete_button.click()
    assert [p.name for p in library.presets()] == ["Renamed"]
    assert dialog.list.count() == 1 and dialog.list.currentRow() == 0
    dialog.list.currentItem().setText("   ")  # an empty name is refused
    assert [p.name for p in library.presets()] == ["Renamed"]
    assert dialog.list.item(0).text() == "Renamed"


def test_summary_mentions_settings_and_prompt(setup):
    _, library, _, _, _ = setup
    preset = library.save_preset("P", dict(CHANGED), random_seed=True)
    text = preset_summary(preset)
    assert "32 steps" in text and "512×768" in text and "random seed" in text
    assert "seed 2024" not in text and "foggy" in text
