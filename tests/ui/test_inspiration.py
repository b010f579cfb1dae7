"""The inspiration browser: the 17 examples verbatim, search, Use / Use all, keys, saved, recent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QInputDialog, QMessageBox, QWidget

from app.resources import resource_path
from app.storage.prompts import FILE_NAME, PromptStore
from app.ui.form.schema_form import SchemaForm
from app.ui.inspiration.data import Entry, Source, recent_entries
from app.ui.inspiration.panel import InspirationPanel, suggested_name
from app.ui.inspiration.prompt_library import PromptLibrary
from tests.ui.conftest import make_state


def raw_examples() -> list[dict]:
    """The examples exactly as the bundled Tool/Detail answer has them."""
    data = json.loads(resource_path("tools", "dreamshaper-8.json").read_text(encoding="utf-8"))
    tool = data["tool"][0] if "tool" in data else data
    inspire = tool["inspire"]
    return json.loads(inspire) if isinstance(inspire, str) else inspire


@pytest.fixture
def store(tmp_path: Path) -> PromptStore:
    return PromptStore.in_folder(tmp_path)


@pytest.fixture
def ui(qtbot, styled_app, tool_schema, store):
    """A window with the form and the inspiration panel side by side, as the app shows them."""
    host = QWidget()
    row = QHBoxLayout(host)
    form = SchemaForm(tool_schema)
    library = PromptLibrary(store)
    library.load()
    panel = InspirationPanel(library, lambda: form)
    panel.set_examples(tool_schema.inspire)
    row.addWidget(form)
    row.addWidget(panel)
    qtbot.addWidget(host)
    host.resize(760, 800)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    notices: list[str] = []
    panel.notice_posted.connect(notices.append)
    yield form, panel, notices  # the fixture frame keeps the host window alive


def history_state(generation_id: int, prompt: str, created_at: float, **params):
    full = {"prompt": prompt, "negativePrompt": "BadDream", "steps": 20, **params}
    return make_state(generation_id, params=full, created_at=created_at)


def visible_prompts(cards) -> list[str]:
    return [e.prompt for e in cards.visible_entries()]


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


# -- the examples --------------------------------------------------------------------------


def test_all_17_examples_are_present_verbatim(ui, tool_schema):
    _, panel, _ = ui
    raw = raw_examples()
    assert len(raw) == 17 and len(tool_schema.inspire) == 17
    entries = panel.examples.entries()
    assert [e.prompt for e in entries] == [r["prompt"] for r in raw]
    assert [e.negative for e in entries] == [r["negativePrompt"] for r in raw]
    assert [e.title for e in entries] == [f"Example {n}" for n in range(1, 18)]
    assert panel.tabs.tabText(0) == "Examples  17"


def test_cards_show_prompt_and_negative_with_the_full_text_in_the_tooltip(ui):
    _, panel, _ = ui
    card = panel.examples.cards()[1]
    entry = card.entry
    assert card.prompt_view.text() == entry.prompt
    assert card.negative_view.text() == "Negative: " + entry.negative
    assert entry.prompt in card.prompt_view.toolTip()
    assert entry.negative in card.prompt_view.toolTip()
    assert 0 < card.prompt_view.height() <= 4 * card.prompt_view.fontMetrics().lineSpacing() + 2


# -- search --------------------------------------------------------------------------------


def test_search_filters_instantly_over_both_fields(ui):
    _, panel, _ = ui
    panel.search.setText("cyborg")
    assert len(panel.examples.visible_cards()) == 1
    assert panel.tabs.tabText(0) == "Examples  1/17"
    panel.search.setText("UNREALISTICDREAM")  # only in negative prompts, any case
    shown = panel.examples.visible_entries()
    assert shown and all("unrealisticdream" in e.negative.lower() for e in shown)
    assert len(shown) < 17


def test_search_words_are_anded(ui):
    _, panel, _ = ui
    panel.search.setText("masterpiece")
    some = len(panel.examples.visible_cards())
    panel.search.setText("masterpiece armor")
    both = panel.examples.visible_entries()
    assert 0 < len(both) < some
    assert all("armor" in e.prompt.lower() and "masterpiece" in e.prompt.lower() for e in both)


def test_no_match_says_so_and_clearing_shows_all_again(ui):
    _, panel, _ = ui
    panel.search.setText("zebra submarine")
    assert panel.examples.visible_cards() == []
    assert not panel.examples.empty_label.isHidden()
    assert "zebra submarine" in panel.examples.empty_label.text()
    panel.search.clear()
    assert len(panel.examples.visible_cards()) == 17
    assert panel.examples.empty_label.isHidden()


# -- use -----------------------------------------------------------------------------------


def test_use_fills_both_prompts_and_keeps_other_settings(ui):
    form, panel, notices = ui
    form.set_values({"steps": 33, "width": 640, "height": 448})
    form.fix_seed(777)
    entry = panel.examples.entries()[3]
    assert panel.use_entry(entry)
    values = form.values()
    assert values["prompt"] == entry.prompt
    assert values["negativePrompt"] == entry.negative
    assert (values["steps"], values["width"], values["height"], values["seed"]) == (
        33,
        640,
        448,
        "777",
    )
    assert not form.random_seed_enabled()
    assert "Example 4" in notices[-1]


def test_use_all_applies_every_parameter_an_entry_carries(ui):
    form, panel, _ = ui
    entry = Entry(
        Source.EXAMPLE,
        "k",
        "a red fox",
        "BadDream",
        "Fox",
        {"steps": 35, "scale": 6.5, "width": 512, "height": 768, "seed": "4242"},
    )
    panel.use_entry(entry, use_all=True)
    values = form.values()
    assert values["prompt"] == "a red fox" and values["negativePrompt"] == "BadDream"
    assert (values["steps"], values["scale"], values["width"], values["height"]) == (
        35,
        6.5,
        512,
        768,
    )
    assert values["seed"] == "4242" and not form.random_seed_enabled()


def test_use_all_on_an_example_without_extras_is_use(ui):
    form, panel, _ = ui
    form.set_values({"steps": 31})
    entry = panel.examples.entries()[0]
    assert not entry.extra
    card = panel.examples.cards()[0]
    assert not card.use_all_button.isEnabled()
    panel.use_entry(entry, use_all=True)
    assert form.values()["steps"] == 31


def test_use_without_a_form_only_says_why(qtbot, styled_app, store):
    panel = InspirationPanel(PromptLibrary(store), lambda: None)
    qtbot.addWidget(panel)
    notices = []
    panel.notice_posted.connect(notices.append)
    assert not panel.use_entry(Entry(Source.EXAMPLE, "k", "x"))
    assert "not ready" in notices[-1]


# -- keyboard ------------------------------------------------------------------------------


def test_keyboard_moves_between_cards_and_enter_uses(qtbot, ui):
    form, panel, _ = ui
    panel.focus_search()
    qtbot.waitUntil(panel.search.hasFocus)
    qtbot.keyClicks(panel.search, "masterpiece")
    shown = panel.examples.visible_cards()
    press(qtbot, Qt.Key.Key_Down)
    assert shown[0].hasFocus()
    assert shown[0].property("selected")
    press(qtbot, Qt.Key.Key_Down)
    assert shown[1].hasFocus()
    press(qtbot, Qt.Key.Key_End)
    assert shown[-1].hasFocus()
    press(qtbot, Qt.Key.Key_Home)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    assert form.values()["prompt"] == shown[1].entry.prompt
    press(qtbot, Qt.Key.Key_Up)
    press(qtbot, Qt.Key.Key_Up)  # above the first card: back to the search box
    assert panel.search.hasFocus()


def test_shift_enter_uses_all_and_typing_on_a_card_searches(qtbot, ui):
    form, panel, _ = ui
    panel.set_history(
        [history_state(1, "a castle on a hill", 100.0, width=768, height=512, seed="99")]
    )
    panel.show_source(Source.RECENT)
    assert panel.recent.focus_first()
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    values = form.values()
    assert values["prompt"] == "a castle on a hill"
    assert (values["width"], values["height"], values["seed"]) == (768, 512, "99")
    press(qtbot, Qt.Key.Key_C)
    assert panel.search.hasFocus() and panel.search.text() == "c"


# -- stars, saved prompts ------------------------------------------------------------------


def test_a_starred_example_comes_first_and_is_remembered(ui, store):
    _, panel, _ = ui
    ninth = panel.examples.entries()[8]
    panel.examples.cards()[8].star.click()
    assert panel.examples.entries()[0].prompt == ninth.prompt
    assert panel.examples.entries()[0].starred
    assert store.load().is_example_starred(ninth.prompt)


def test_save_the_current_prompt_with_a_name(qtbot, ui, store):
    form, panel, notices = ui
    form.set_values({"prompt": "(misty forest:1.2), dawn", "negativePrompt": "BadDream"})
    panel.save_current_prompt()
    dialog = panel.open_dialog()
    assert isinstance(dialog, QInputDialog)
    assert dialog.textValue() == "misty forest 1 2 dawn"
    dialog.setTextValue("Forest at dawn")
    dialog.accept()
    saved = panel.saved.entries()
    assert [(e.title, e.prompt, e.negative) for e in saved] == [
        ("Forest at dawn", "(misty forest:1.2), dawn", "BadDream")
    ]
    assert panel.tabs.currentIndex() == 1 and panel.tabs.tabText(1) == "Saved  1"
    assert store.load().prompts[0].name == "Forest at dawn"
    assert "Forest at dawn" in notices[-1]


def test_rename_and_delete_a_saved_prompt(qtbot, ui, store):
    _, panel, _ = ui
    panel.save_prompt("Old name", "a prompt", "")
    entry = panel.saved.entries()[0]
    panel.ask_rename(entry)
    dialog = panel.open_dialog()
    dialog.setTextValue("New name")
    dialog.accept()
    assert [e.title for e in panel.saved.entries()] == ["New name"]
    panel.ask_delete(panel.saved.entries()[0])
    box = panel.open_dialog()
    assert isinstance(box, QMessageBox)
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    delete.click()
    assert panel.saved.entries() == []
    assert store.load().prompts == []
    assert not panel.saved.empty_label.isHidden()


def test_starred_saved_prompts_come_first(ui):
    _, panel, _ = ui
    library = panel.library
    library.save_prompt("A", "first")
    b = library.save_prompt("B", "second")
    library.set_prompt_starred(b.id, True)
    assert [e.title for e in panel.saved.entries()] == ["B", "A"]


def test_saved_prompts_survive_a_restart(qtbot, styled_app, store):
    first = PromptLibrary(store)
    first.load()
    first.save_prompt("Keep me", "🦊 fox, (snow:1.1)", "BadDream")
    again = PromptLibrary(PromptStore(store.path))
    again.load()
    panel = InspirationPanel(again, lambda: None)
    qtbot.addWidget(panel)
    assert [(e.title, e.prompt) for e in panel.saved.entries()] == [
        ("Keep me", "🦊 fox, (snow:1.1)")
    ]


def test_library_edits_before_the_file_is_read_are_kept(store):
    PromptLibrary(store).save_prompt("On disk", "x")
    pending = []
    library = PromptLibrary(
        PromptStore(store.path), run_io=lambda job, done: pending.append((job, done))
    )
    library.load()
    library.save_prompt("Typed meanwhile", "y")
    for job, done in pending:
        result = job()
        if done is not None:
            done(result)
    assert {p.name for p in library.prompts()} == {"On disk", "Typed meanwhile"}


def test_the_file_lives_in_the_data_folder(tmp_path):
    assert PromptStore.in_folder(tmp_path).path == tmp_path / FILE_NAME


def test_suggested_name():
    assert suggested_name("(masterpiece:1.2), a cat, [blurry]") == "masterpiece 1 2 a cat blurry"
    assert suggested_name("((()))") == "My prompt"


# -- recent --------------------------------------------------------------------------------


def test_recent_prompts_come_from_history_deduplicated(ui):
    _, panel, _ = ui
    panel.set_history(
        [
            history_state(3, "a lighthouse", 300.0, steps=30),
            history_state(2, "  a lighthouse ", 200.0, steps=25),  # the same, spaces aside
            history_state(1, "a castle", 100.0),
            history_state(4, "", 400.0),  # no prompt: skipped
        ]
    )
    entries = panel.recent.entries()
    assert [e.prompt for e in entries] == ["a lighthouse", "a castle"]
    assert entries[0].extra["steps"] == 30  # the newest run's settings
    assert panel.tabs.tabText(2) == "Recent  2"


def test_a_new_generation_joins_recent_once(ui):
    _, panel, _ = ui
    panel.set_history([history_state(1, "a castle", 100.0)])
    state = history_state(2, "a dragon", 200.0)
    panel.note_generation(state)
    panel.note_generation(state)  # progress updates of the same generation
    assert visible_prompts(panel.recent) == ["a dragon", "a castle"]


def test_recent_entries_limit_and_order():
    runs = [({"prompt": f"p{i}"}, float(i)) for i in range(60)]
    entries = recent_entries(runs, limit=5)
    assert [e.prompt for e in entries] == ["p59", "p58", "p57", "p56", "p55"]


def test_ctrl_f_and_escape_beat_window_shortcuts_inside_the_panel(qtbot, ui):
    from PySide6.QtGui import QAction, QKeySequence

    _, panel, _ = ui
    fired = []
    host = panel.window()
    for key in (QKeySequence.StandardKey.Find, QKeySequence("Escape")):
        action = QAction(host)  # like the gallery's Find and the window's Back to gallery
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _=False, k=key: fired.append(k))
        host.addAction(action)
    assert panel.examples.focus_first()
    press(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "armor")
    press(qtbot, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and fired == []
    press(qtbot, Qt.Key.Key_Escape)  # nothing left to clear: the window's shortcut runs
    assert len(fired) == 1


def _image(image_id: int, path: Path, *, starred: bool = False, created_at: float = 0.0):
    from PIL import Image

    from app.storage.history_rows import ImageRecord

    Image.new("RGB", (64, 96), (200, 40 * image_id % 255, 30)).save(path)
    return ImageRecord(image_id, image_id, 0, 1, path, "x", 1, 64, 96, starred, created_at)


def test_best_image_is_starred_first_then_newest(tmp_path):
    from app.ui.inspiration.data import best_images

    old_star = _image(1, tmp_path / "1.png", starred=True, created_at=10)
    newest = _image(2, tmp_path / "2.png", created_at=30)
    other = _image(3, tmp_path / "3.png", created_at=40)
    states = [
        make_state(1, params={"prompt": " a fox "}, images=(old_star, newest)),
        make_state(2, params={"prompt": "an owl"}, images=(other,)),
    ]
    best = best_images(states)
    assert best["a fox"] is old_star and best["an owl"] is other
    assert best_images([make_state(1, params={"prompt": "a fox"}, images=(newest,))]) == {
        "a fox": newest
    }


def test_cards_show_the_best_image_made_from_their_prompt(
    qtbot, styled_app, tool_schema, store, tmp_path
):
    from app.ui.inspiration.cards import PICTURE_SIDE
    from app.ui.inspiration.pictures import CardPictures
    from app.ui.widgets.thumbnails import ThumbnailLoader

    library = PromptLibrary(store)
    library.load()
    loader = ThumbnailLoader()
    panel = InspirationPanel(library, lambda: None, pictures=CardPictures(loader))
    qtbot.addWidget(panel)
    panel.set_examples(tool_schema.inspire)
    example = panel.examples.cards()[0].entry.prompt
    made = _image(7, tmp_path / "made.png", created_at=50)
    panel.set_history([make_state(7, params={"prompt": example}, images=(made,))])
    panel.show()
    card = panel.examples.cards()[0]
    qtbot.waitUntil(lambda: not card.picture.isHidden(), timeout=5000)
    pixmap = card.picture.pixmap()
    assert max(pixmap.width(), pixmap.height()) == PICTURE_SIDE
    assert pixmap.height() > pixmap.width()  # a portrait stays a portrait
    assert panel.examples.cards()[1].picture.isHidden()  # no image made from that one
    recent = panel.recent.cards()[0]
    qtbot.waitUntil(lambda: not recent.picture.isHidden(), timeout=5000)
