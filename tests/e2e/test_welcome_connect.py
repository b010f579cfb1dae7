"""Connecting from the welcome dialog to a Wiro that does not answer: said plainly, cancellable."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from app.ui import app_controller
from app.ui.dialogs.welcome_dialog import WelcomeDialog


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers (Wiro unreachable)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


async def _dialog(harness, silent_url: str) -> WelcomeDialog:
    controller = harness.controller
    controller.settings_store.save(
        controller.settings.__class__(
            api_base_url=silent_url,
            socket_url=silent_url.replace("http", "ws").replace("/v1", "/socket"),
        )
    )
    await harness.start()
    await harness.wait(
        lambda: controller.window is not None and controller.window.findChildren(WelcomeDialog),
        what="the welcome dialog",
    )
    dialog = controller.window.findChildren(WelcomeDialog)[0]
    dialog.key_edit.setText("acct-key-0123456789")
    dialog.secret_edit.setText("acct-secret-0123456789")
    return dialog


def test_an_unreachable_wiro_is_said_plainly(qloop, harness_factory, silent_server, monkeypatch):
    monkeypatch.setattr(app_controller, "CONNECT_CHECK_SECONDS", 0.5)
    harness = harness_factory(demo=False)

    async def scenario() -> None:
        dialog = await _dialog(harness, silent_server)
        dialog.connect_button.click()
        await harness.wait(lambda: dialog.error_label.text() != "", what="the error")
        assert "did not answer within 0.5 seconds" in dialog.error_label.text()
        assert dialog.isVisible() and dialog.connect_button.isEnabled()
        assert harness.keyring.store == {} and harness.controller.studio is None
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_checking_can_be_cancelled_with_esc(qloop, harness_factory, silent_server):
    harness = harness_factory(demo=False)

    async def scenario() -> None:
        dialog = await _dialog(harness, silent_server)
        dialog.connect_button.click()
        await harness.wait(lambda: dialog.cancel_button.isVisible(), what="checking")
        dialog.reject()  # what Esc does
        await harness.wait(lambda: "Stopped checking" in dialog.error_label.text())
        assert dialog.isVisible() and not dialog.cancel_button.isVisible()
        assert dialog.connect_button.isEnabled()
        assert harness.keyring.store == {} and harness.controller.studio is None
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
