"""Secret hygiene over a whole session: the API secret is found nowhere afterwards.

The real app (controller, window, studio, logging, excepthook) connects to the emulator with
a wrong and then the right secret, generates, walks the error paths (failed task, balance
pause and resume, lost Run answer, flaky Task/Detail), crashes twice (the excepthook and a
background task, both with the credentials in the exception text), copies the crash details
and the diagnostics, and quits. Then every file of the data, config, cache, log and output
folders (database, WAL, settings, log, images) — and the whole temporary HOME when the suite
runs under tests/headless.sh, keychain files included — plus the clipboard, the dialogs and
everything printed are searched for the secret (and the full API key): 0 hits. The emulator
checked every request and socket frame for the secret itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.credentials import Credentials
from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from app.services.events import Phase
from app.storage.credentials import CredentialStore
from app.storage.logs import LOG_FILE, setup_logging
from app.storage.paths import AppPaths
from app.storage.settings import Settings
from app.ui.app_controller import AppController
from app.ui.widgets.errors import install_excepthook
from tests.support.memory_keyring import MemoryKeyring

KEY = "hyg-key-" + secrets.token_hex(8)
SECRET = "hyg-secret-" + secrets.token_hex(12)
SMALL = {"width": 128, "height": 96, "samples": 2, "steps": 8}


def _temp_home() -> Path | None:
    home = Path(os.environ.get("HOME", "/"))
    tmp = os.environ.get("TMPDIR", "/tmp")
    return home if str(home).startswith(("/tmp/", tmp.rstrip("/") + "/")) else None


def _credential_store() -> tuple[CredentialStore, str]:
    """The real Secret Service under tests/headless.sh (its files are searched too)."""
    if _temp_home() is not None and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        store = CredentialStore()
        with contextlib.suppress(Exception):
            if store.keychain_available() and "SecretService" in store.backend_name:
                return store, "secret-service"
    return CredentialStore(MemoryKeyring()), "memory"


def hits(roots: list[Path], needles: list[str]) -> list[str]:
    """Every file under ``roots`` holding a needle (UTF-8 or UTF-16), as "path: needle"."""
    patterns = {n: (n.encode(), n.encode("utf-16-le")) for n in needles}
    found: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path in seen or not path.is_file() or path.is_symlink():
                continue
            seen.add(path)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            found += [
                f"{path}: {n}" for n, forms in patterns.items() if any(f in data for f in forms)
            ]
    return found


class Session:
    """The app on the qasync loop, with bounded waits."""

    def __init__(self, qapp, root: Path, store: CredentialStore) -> None:
        self.paths = AppPaths.under(root)
        self.controller = AppController(qapp, self.paths, credential_store=store)
        self.run_task: asyncio.Task[int] | None = None

    async def wait(self, predicate, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.run_task is not None and self.run_task.done():
                self.run_task.result()
                raise AssertionError(f"the app stopped while waiting for {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    def latest(self):
        states = self.controller.studio.ledger.all()
        return max(states, key=lambda s: s.id) if states else None

    async def generate(self, *phases: Phase, what: str):
        before = self.latest().id if self.latest() else 0
        self.controller.window.generate_panel.request_generate()
        await self.wait(lambda: self.latest() and self.latest().id > before, f"{what} to start")
        gid = self.latest().id
        studio = self.controller.studio
        await self.wait(lambda: studio.generation(gid).phase in phases, what)
        return studio.generation(gid)


def _error_boxes(window) -> list[QMessageBox]:
    return [
        b for b in window.findChildren(QMessageBox) if b.windowTitle() == "Something went wrong"
    ]


def _copy_details(box: QMessageBox) -> str:
    QApplication.clipboard().clear()
    button = next(b for b in box.buttons() if b.text() == "Copy details")
    button.click()
    return QApplication.clipboard().text()


def test_no_secret_anywhere_after_a_full_session(qloop, qapp, tmp_path, restore_logging, capfd):
    store, keychain = _credential_store()
    session = Session(qapp, tmp_path / "app", store)
    controller = session.controller
    output_dir = tmp_path / "app" / "Pictures" / "out"
    setup_logging(session.paths.log_dir)
    install_excepthook(controller.report_unexpected)
    shown: list[str] = []
    config = EmulatorConfig(api_key=KEY, api_secret=SECRET, queue_seconds=0.05, run_seconds=0.3)

    async def scenario(emu: Emulator) -> None:
        controller.settings_store.save(
            Settings(
                api_base_url=emu.base_url, socket_url=emu.socket_url, output_dir=str(output_dir)
            )
        )
        session.run_task = asyncio.get_running_loop().create_task(controller.run())
        from app.ui.dialogs.welcome_dialog import WelcomeDialog

        await session.wait(
            lambda: controller.window is not None and controller.window.findChildren(WelcomeDialog),
            "the welcome dialog",
        )
        dialog = controller.window.findChildren(WelcomeDialog)[0]
        dialog.key_edit.setText(KEY)
        dialog.secret_edit.setText(SECRET[:-3] + "bad")
        dialog.connect_button.click()
        await session.wait(lambda: dialog.error_label.text() != "", "the auth error")
        shown.append(dialog.error_label.text())
        dialog.secret_edit.setText(SECRET)
        dialog.connect_button.click()
        await session.wait(
            lambda: controller.studio is not None and not controller.spec.demo, "the account"
        )
        window = controller.window
        label = window.mode_label.text()
        assert Credentials(KEY, SECRET).masked_key in label and KEY not in label
        window.form.set_values(SMALL)

        done = await session.generate(Phase.SUCCEEDED, what="a generation")
        await session.wait(lambda: len(list(output_dir.glob("*.png"))) == 2, "the auto-save")
        await controller.studio.save_images(list(done.images), tmp_path / "app" / "saved")

        emu.configure(fail_rate=1.0)
        failed = await session.generate(Phase.FAILED, what="a failed task")
        assert failed.debug_error
        emu.configure(fail_rate=0.0, insufficient_balance=True)
        paused = await session.generate(Phase.PAUSED, what="a balance pause")
        emu.configure(insufficient_balance=False)
        window.tasks.row(paused.id).resume_button.click()
        await session.wait(
            lambda: controller.studio.generation(paused.id).phase is Phase.SUCCEEDED, "resume"
        )
        emu.configure(drop_rate=1.0, drop_endpoints=("Run",))
        await session.generate(Phase.UNKNOWN, what="a lost Run answer")
        emu.configure(drop_rate=0.0, http_error_rate=0.4, http_error_endpoints=("Task/Detail",))
        await session.generate(Phase.SUCCEEDED, what="a generation through 5xx")
        emu.configure(http_error_rate=0.0)
        window.form.set_values({"width": 500})
        window.generate_panel.request_generate()
        await asyncio.sleep(0.2)

        leaked = f"request failed: x-api-key: {KEY} api_secret={SECRET} ({store!r})"
        try:
            raise RuntimeError(leaked)
        except RuntimeError:
            sys.excepthook(*sys.exc_info())

        async def background_bug() -> None:
            raise ValueError(f"bad signature for {KEY}:{SECRET}")

        controller.spawn(background_bug(), name="bug")
        await session.wait(lambda: len(_error_boxes(window)) >= 2, "two crash dialogs")
        for box in _error_boxes(window):
            shown.extend(
                [box.text(), box.informativeText(), box.detailedText(), _copy_details(box)]
            )
            box.close()
        assert any("RuntimeError" in text for text in shown)

        QApplication.clipboard().clear()
        window.diagnostics_action.trigger()
        await session.wait(lambda: "--- last" in QApplication.clipboard().text(), "diagnostics")
        shown.append(QApplication.clipboard().text())
        shown.extend([window.statusBar().currentMessage(), window.windowTitle(), label])
        await controller.shutdown()
        assert await asyncio.wait_for(session.run_task, 15) == 0

    try:
        with Emulator(config) as emu:
            qloop.run_until_complete(scenario(emu))
            stats = emu.stats()
    finally:
        with contextlib.suppress(Exception):
            store.clear()
    assert stats["secret_violations"] == 0, stats["secret_violation_places"]
    assert stats["run_calls"] >= 5

    log_file = session.paths.log_dir / LOG_FILE
    log_text = log_file.read_text(encoding="utf-8")
    assert "RuntimeError" in log_text and "•••" in log_text, "the crash was logged, redacted"
    printed = capfd.readouterr()
    roots = [tmp_path / "app"]
    home = _temp_home()
    if home is not None:
        roots.append(home)
    needles = [SECRET, KEY]
    assert hits(roots, needles) == [], f"secret on disk ({keychain} keychain)"
    for text in [*shown, printed.out, printed.err]:
        assert SECRET not in text and KEY not in text, text[:300]
    searched = [p for p in (tmp_path / "app").rglob("*") if p.is_file()]
    names = {p.name for p in searched}
    assert {"history.sqlite3", "settings.json", LOG_FILE} <= names
    if keychain == "secret-service" and home is not None:
        assert list(home.rglob("*.keyring")), "the keychain's own file was searched as well"
