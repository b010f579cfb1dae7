"""The first-start flow: the welcome dialog, checking credentials, or the offline demo."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

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

    checking: list[asyncio.Task[Any]] = []

    def on_connect(key: str, secret: str | None, remember: bool) -> None:
        dialog.set_busy(True, "Checking your credentials with Wiro…")
        creds = Credentials(key.strip(), (secret or "").strip() or None)
        session.spawn(_connect(dialog, session, modes, creds, remember, checking), name="connect")

    def on_cancel() -> None:
        for task in checking:
            task.cancel()
        dialog.show_error("Stopped checking. Nothing was stored.")

    def on_demo() -> None:
        if dialog.isVisible():
            dialog.accept()
        session.spawn(modes.start_demo(), name="start-demo")

    def on_dismissed() -> None:
        # Esc or close on a fresh start must not leave the window at "Connecting…".
        if session.studio is None and parent.isVisible():  # not while the app is quitting
            session.notify("Started the offline demo. Connect your Wiro account from the banner.")
            session.spawn(modes.start_demo(), name="start-demo")

    dialog.connect_requested.connect(on_connect)
    dialog.demo_requested.connect(on_demo)
    dialog.rejected.connect(on_dismissed)
    dialog.cancel_requested.connect(on_cancel)
    dialog.open()


async def _connect(
    dialog: WelcomeDialog,
    session: UiSession,
    modes: ModeSwitches,
    creds: Credentials,
    remember: bool,
    checking: list[asyncio.Task[Any]],
) -> None:
    task = asyncio.current_task()
    if task is not None:
        checking.append(task)
    try:
        await modes.connect_account(creds, remember)
    except asyncio.CancelledError:
        raise  # the artist pressed Cancel; the dialog already says so
    except AuthError:
        dialog.show_error(
            "Wiro did not accept this key and secret. Check them in your Wiro project "
            "(a key-only project needs the “API key only” box ticked)."
        )
        return
    except NetworkError as exc:
        text = str(exc) or NetworkError.default_message
        plain = text.lower().startswith(("could not", "wiro"))
        dialog.show_error(text if plain else f"Could not reach Wiro: {text}")
        return
    except WiroError as exc:
        dialog.show_error(str(exc))
        return
    except Exception as exc:
        log.exception("connecting failed")
        dialog.show_error(f"Connecting failed: {type(exc).__name__}")
        return
    finally:
        if task in checking:
            checking.remove(task)
    dialog.set_busy(False)
    dialog.accept()
    session.notify(f"Connected to Wiro as {creds.masked_key}.")
