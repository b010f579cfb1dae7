"""Settings show what happens in the current mode: auto-save per mode, Remove only when stored."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.core.credentials import Credentials
from app.services.connection import ConnectionSpec
from app.ui.flows import settings_flow
from tests.e2e.conftest import qloop  # noqa: F401  # the fixture
from tests.ui.test_flows import FakeModes, run_until, session  # noqa: F401  # the fixture


def _spec(demo: bool) -> ConnectionSpec:
    return ConnectionSpec(
        base_url="http://127.0.0.1:9/v1",
        socket_url="ws://127.0.0.1:9/socket",
        credentials=Credentials("key-abcdefghijkl", "secret"),
        demo=demo,
    )


_parents: list[QWidget] = []  # the dialog's parent lives as long as the test module


def _open(qtbot, session) -> tuple[QDialog, FakeModes]:  # noqa: F811
    parent = QWidget()
    _parents.append(parent)
    modes = FakeModes()
    settings_flow.open_settings(parent, session, modes, change_credentials=lambda: None)
    return settings_flow._open[-1], modes


def test_in_the_demo_the_box_is_the_demo_auto_save(qloop, qtbot, session):  # noqa: F811
    session.settings.auto_save, session.settings.auto_save_demo = True, False
    session.set_studio(None, _spec(demo=True))
    dialog, modes = _open(qtbot, session)
    assert "demo" in dialog.auto_save_box.text()
    assert not dialog.auto_save_box.isChecked()  # what the demo really does: no auto-save
    dialog.auto_save_box.setChecked(True)
    run_until(
        qloop,
        lambda: ("save_settings", None) in modes.calls,
        "settings saved",
        first=lambda: dialog.done(QDialog.DialogCode.Accepted),
    )
    assert session.settings.auto_save_demo is True and session.settings.auto_save is True


def test_remove_credentials_shows_only_when_some_are_stored(qloop, qtbot, session):  # noqa: F811
    session.set_studio(None, _spec(demo=True))
    dialog, _modes = _open(qtbot, session)
    checked: list[bool] = []
    dialog.set_has_credentials = checked.append  # type: ignore[method-assign]  # observe the check
    run_until(qloop, lambda: checked == [False], "the keychain check")
    assert dialog.remove_button.isHidden()
    dialog.reject()
    session.credentials.save(Credentials("key-abcdefghijkl", "secret"), session_only=False)
    session.set_studio(None, _spec(demo=False))
    dialog, _modes = _open(qtbot, session)
    assert "finished image" in dialog.auto_save_box.text()
    run_until(qloop, lambda: not dialog.remove_button.isHidden(), "Remove credentials")
    dialog.reject()
