"""The settings flow: open the dialog with current values, apply what the artist saves."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QWidget

from app.storage.settings import DEFAULT_API_BASE_URL, DEFAULT_SOCKET_URL
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.session import ModeSwitches, UiSession

_open: list[SettingsDialog] = []


def open_settings(
    parent: QWidget,
    session: UiSession,
    modes: ModeSwitches,
    *,
    change_credentials: Callable[[], None],
) -> None:
    if _open:
        _open[0].raise_()
        return
    s = session.settings
    spec = session.spec
    if spec is None:
        account = "Not connected"
    elif spec.demo:
        account = "Offline demo (no account)"
    else:
        mode = "signature" if spec.credentials.signed else "API key only"
        account = f"{spec.credentials.masked_key} ({mode})"
    demo = spec is not None and spec.demo
    dialog = SettingsDialog(
        {
            "output_dir": s.output_dir or str(session.paths.default_output_dir),
            "auto_save": s.auto_save_demo if demo else s.auto_save,
            "demo": demo,
            "has_credentials": spec is not None and not spec.demo,
            "filename_template": s.filename_template,
            "notify": s.notify,
            "api_base_url": s.api_base_url,
            "socket_url": s.socket_url,
            "account_label": account,
            "daily_cap_usd": s.daily_cap_usd,
            "wildcard_dir": s.wildcard_dir or str(session.paths.data_dir / "wildcards"),
        },
        parent,
    )
    _open.append(dialog)

    def on_finished(result: int) -> None:
        _open.remove(dialog)
        if result != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        endpoints_changed = (values["api_base_url"], values["socket_url"]) != (
            s.api_base_url,
            s.socket_url,
        )
        s.output_dir = values["output_dir"]
        if demo:
            s.auto_save_demo = bool(values["auto_save"])
        else:
            s.auto_save = bool(values["auto_save"])
        s.filename_template = values["filename_template"]
        s.notify = bool(values["notify"])
        s.daily_cap_usd = max(0.0, float(values["daily_cap_usd"]))
        s.wildcard_dir = values["wildcard_dir"]
        s.api_base_url = values["api_base_url"] or DEFAULT_API_BASE_URL
        s.socket_url = values["socket_url"] or DEFAULT_SOCKET_URL
        modes.apply_settings()
        session.spawn(modes.save_settings(), name="save-settings")
        if endpoints_changed and session.spec is not None and not session.spec.demo:
            creds = session.spec.credentials
            session.spawn(modes.use_account(creds), name="reconnect")

    def on_change_credentials() -> None:
        dialog.reject()
        change_credentials()

    def on_remove_credentials() -> None:
        dialog.reject()
        session.spawn(modes.remove_credentials(), name="remove-credentials")

    dialog.finished.connect(on_finished)
    dialog.change_credentials_requested.connect(on_change_credentials)
    dialog.remove_credentials_requested.connect(on_remove_credentials)
    dialog.open()
    QTimer.singleShot(
        0, dialog, lambda: session.spawn(_show_stored(session, dialog), name="settings-keychain")
    )


async def _show_stored(session: UiSession, dialog: SettingsDialog) -> None:
    stored = await session.io(session.credentials.load) is not None
    if dialog in _open:
        dialog.set_has_credentials(stored)
