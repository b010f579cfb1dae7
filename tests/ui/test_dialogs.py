"""WelcomeDialog and SettingsDialog: signals out, values round-trip, no blocking exec()."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from app.storage.settings import DEFAULT_API_BASE_URL, DEFAULT_SOCKET_URL
from app.ui.dialogs import SettingsDialog, WelcomeDialog, template_preview


@pytest.fixture
def welcome(qtbot, styled_app):
    dialog = WelcomeDialog(keychain_available=True)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def test_connect_emits_key_secret_and_remember(qtbot, welcome):
    assert not welcome.connect_button.isEnabled()
    qtbot.keyClicks(welcome.key_edit, "  key-abcdefghijkl  ")
    assert not welcome.connect_button.isEnabled()  # the secret is still missing
    qtbot.keyClicks(welcome.secret_edit, "s3cret")
    assert welcome.connect_button.isEnabled()
    assert welcome.remember_box.text() == "Remember on this computer (system keychain)"
    with qtbot.waitSignal(welcome.connect_requested) as blocker:
        qtbot.mouseClick(welcome.connect_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["key-abcdefghijkl", "s3cret", True]


def test_return_in_the_secret_field_connects(qtbot, welcome):
    qtbot.keyClicks(welcome.key_edit, "k")
    qtbot.keyClicks(welcome.secret_edit, "s")
    welcome.remember_box.setChecked(False)
    with qtbot.waitSignal(welcome.connect_requested) as blocker:
        qtbot.keyClick(welcome.secret_edit, Qt.Key.Key_Return)
    assert blocker.args == ["k", "s", False]


def test_key_only_hides_the_secret(qtbot, welcome):
    qtbot.keyClicks(welcome.key_edit, "key-only-key")
    welcome.key_only_box.setChecked(True)
    assert welcome.secret_edit.isHidden()
    assert welcome.secret_label.isHidden()
    assert welcome.connect_button.isEnabled()
    with qtbot.waitSignal(welcome.connect_requested) as blocker:
        welcome.connect_button.click()
    assert blocker.args == ["key-only-key", None, True]
    welcome.key_only_box.setChecked(False)
    assert not welcome.secret_edit.isHidden()


def test_secret_is_masked_with_a_reveal_toggle(welcome):
    assert welcome.secret_edit.echoMode() == QLineEdit.EchoMode.Password
    welcome.secret_edit.toggle_action.trigger()
    assert welcome.secret_edit.echoMode() == QLineEdit.EchoMode.Normal
    welcome.secret_edit.toggle_action.trigger()
    assert welcome.secret_edit.echoMode() == QLineEdit.EchoMode.Password


def test_without_a_keychain_it_says_session_only(qtbot, styled_app):
    dialog = WelcomeDialog(keychain_available=False)
    qtbot.addWidget(dialog)
    assert dialog.remember_box.text() == "This session only"
    assert not dialog.remember_box.isEnabled()
    assert dialog.keychain_note is not None
    assert "session only" in dialog.keychain_note.text()
    assert "keychain" in dialog.keychain_note.text()
    dialog.key_edit.setText("k")
    dialog.secret_edit.setText("s")
    with qtbot.waitSignal(dialog.connect_requested) as blocker:
        dialog.connect_button.click()
    assert blocker.args == ["k", "s", False]
    dialog.set_busy(False)
    assert not dialog.remember_box.isEnabled()


def test_busy_and_error_states(qtbot, welcome):
    welcome.key_edit.setText("k")
    welcome.secret_edit.setText("s")
    welcome.set_busy(True, "Checking your credentials…")
    assert not welcome.connect_button.isEnabled()
    assert not welcome.key_edit.isEnabled() and not welcome.demo_button.isEnabled()
    assert welcome.busy_label.text() == "Checking your credentials…"
    assert not welcome.busy_bar.isHidden()
    with qtbot.assertNotEmitted(welcome.connect_requested):
        welcome.connect_button.click()
    welcome.show_error("Wiro did not accept this key and secret.")
    assert welcome.error_label.text() == "Wiro did not accept this key and secret."
    assert not welcome.error_label.isHidden()
    assert welcome.busy_bar.isHidden()
    assert welcome.connect_button.isEnabled() and welcome.key_edit.isEnabled()
    qtbot.keyClicks(welcome.key_edit, "x")
    assert welcome.error_label.isHidden()  # typing again clears the old error


def test_demo_and_accept_clear_the_secret(qtbot, welcome):
    with qtbot.waitSignal(welcome.demo_requested):
        qtbot.mouseClick(welcome.demo_button, Qt.MouseButton.LeftButton)
    welcome.secret_edit.setText("s3cret")
    welcome.accept()
    assert welcome.secret_edit.text() == ""
    assert not welcome.isVisible()


SETTINGS = {
    "output_dir": "/tmp/wiro-out",
    "auto_save": False,
    "filename_template": "{date} {seed} {prompt:20}",
    "notify": True,
    "api_base_url": "http://127.0.0.1:8765/v1",
    "socket_url": "ws://127.0.0.1:8765/socket",
    "account_label": "abcd…wxyz (signature)",
    "last_mode": "account",
    "daily_cap_usd": 3.0,
    "wildcard_dir": "/tmp/wildcards",
}


@pytest.fixture
def settings(qtbot, styled_app):
    dialog = SettingsDialog(dict(SETTINGS))
    qtbot.addWidget(dialog)
    return dialog


def test_settings_round_trip(settings):
    assert settings.values() == SETTINGS
    assert settings.account_label.text() == "abcd…wxyz (signature)"
    assert settings.template_preview.text() == "Example: 2024-05-01 123456 portrait of a cyborg.png"


def test_settings_edits_come_back(settings):
    settings.output_edit.setText("  /home/artist/Pictures  ")
    settings.auto_save_box.setChecked(True)
    settings.notify_box.setChecked(False)
    settings.template_edit.setText("{task}_{index}")
    settings.restore_button.click()
    values = settings.values()
    assert values["output_dir"] == "/home/artist/Pictures"
    assert values["auto_save"] is True
    assert values["notify"] is False
    assert values["filename_template"] == "{task}_{index}"
    assert values["api_base_url"] == DEFAULT_API_BASE_URL
    assert values["socket_url"] == DEFAULT_SOCKET_URL
    assert values["last_mode"] == "account"  # keys the dialog does not show pass through


def test_bad_template_blocks_save(settings):
    save = settings.buttons.button(QDialogButtonBox.StandardButton.Save)
    settings.template_edit.setText("{nope}")
    assert not save.isEnabled()
    assert "Unknown placeholder {nope}" in settings.template_error.text()
    assert settings.template_edit.property("error") is True
    settings.template_edit.setText("{seed}")
    assert save.isEnabled()
    assert settings.template_error.isHidden()


def test_credential_buttons_emit(qtbot, settings):
    with qtbot.waitSignal(settings.change_credentials_requested):
        settings.change_button.click()
    assert settings.remove_button.isHidden()  # nothing stored: nothing to remove
    settings.set_has_credentials(True)
    assert not settings.remove_button.isHidden()
    with qtbot.waitSignal(settings.remove_credentials_requested):
        settings.remove_button.click()
    settings.set_account_label("")
    settings.set_has_credentials(False)
    assert settings.account_label.text() == "Not connected"
    assert settings.remove_button.isHidden()


def test_template_preview_sanitises():
    assert template_preview("{prompt:12}") == "portrait of.png"


@pytest.mark.parametrize("field", ["folder_edit", "template_edit", "quality_spin", "format_combo"])
def test_enter_in_the_export_dialog_exports(qtbot, styled_app, tmp_path, field):
    from app.ui.dialogs.export_dialog import ExportDialog

    dialog = ExportDialog(None, count=2, folder=tmp_path, template="{seed}")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    widget = getattr(dialog, field)
    widget.setFocus()
    chosen: list[object] = []
    dialog.export_requested.connect(chosen.append)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert len(chosen) == 1 and not dialog.isVisible()
