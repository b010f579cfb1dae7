"""The first-start flow: the welcome dialog, checking credentials, or the offline demo."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QWidget

from app.api.errors import AuthError, NetworkError, WiroError
from app.core.credentials import Credentials
from app.ui.dialogs.welcome_dialog import WelcomeDialog
from app.ui.session import ModeSwitches, UiSession

log = logging.getLogger(__name__)
_open: list[WelcomeDialog] = []


def open_welcome(parent: QWidget, session: UiSession, modes: ModeSwitches) -> None:
    if _open:
        _open[0].raise_()
        _open[0].activateWindow()
        return
    session.spawn(_show(parent, session, modes), name="welcome")


async def _show(parent: QWidget, session: UiSession, modes: ModeSwitches) -> None:
    available = await modes.keychain_available()
    dialog = WelcomeDialog(parent, keychain_available=available)
    _open.append(dialog)
    dialog.finished.connect(lambda _: _open.remove(dialog) if dialog in _open else None)

    def on_connect(key: str, secret: str | None, remember: bool) -> None:
        dialog.set_busy(True, "Checking your credentials with Wiro…")
        creds = Credentials(key.strip(), (secret or "").strip() or None)
        session.spawn(_connect(dialog, session, modes, creds, remember), name="connect")

    def on_demo() -> None:
        if dialog.isVisible():
            dialog.accept()
        session.spawn(modes.start_demo(), name="start-demo")

    def on_dismissed() -> None:
        # Esc or close on a fresh start must not leave the window at "Connecting…".
        if session.studio is None:
            session.notify("Started the offline demo. Connect your Wiro account from the banner.")
            session.spawn(modes.start_demo(), name="start-demo")

    dialog.connect_requested.connect(on_connect)
    dialog.demo_requested.connect(on_demo)
    dialog.rejected.connect(on_dismissed)
    dialog.open()


async def _connect(
    dialog: WelcomeDialog,
    session: UiSession,
    modes: ModeSwitches,
    creds: Credentials,
    remember: bool,
) -> None:
    try:
        await modes.connect_account(creds, remember)
    except AuthError:
        dialog.show_error(
            "Wiro did not accept this key and secret. Check them in your Wiro project "
            "(a key-only project needs the “API key only” box ticked)."
        )
        return
    except NetworkError as exc:
        dialog.show_error(f"Could not reach Wiro: {exc}")
        return
    except WiroError as exc:
        dialog.show_error(str(exc))
        return
    except Exception as exc:
        log.exception("connecting failed")
        dialog.show_error(f"Connecting failed: {type(exc).__name__}")
        return
    dialog.set_busy(False)
    dialog.accept()
    session.notify(f"Connected to Wiro as {creds.masked_key}.")
