"""Diagnostics: the rotating log, the last-resort hook and dialog, Copy diagnostics, the flag."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import keyring
import platformdirs
import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import __version__
from app.services.diagnostics import as_json, as_text, collect, recent_log
from app.storage.credentials import CredentialStore
from app.storage.logs import LOG_FILE, REDACTOR, setup_logging
from app.storage.paths import APP_DIR_NAME, AppPaths
from app.ui.dialogs.error_dialog import show_error_dialog
from app.ui.widgets.errors import install_excepthook
from tests.support.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]
SECRET = "diag-secret-8c1f0e2d9b"
KEY = "diag-key-47aa90c3e1f2"


def _write_log(paths: AppPaths, lines: list[str]) -> None:
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    (paths.log_dir / LOG_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- the log file ---------------------------------------------------------------------------


def test_log_lives_in_the_user_log_dir_rotates_and_holds_no_secret(tmp_path, restore_logging):
    assert AppPaths.default().log_dir == Path(
        platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)
    )
    REDACTOR.add_secret(SECRET)
    path = setup_logging(tmp_path / "log")
    assert path == tmp_path / "log" / LOG_FILE
    log = logging.getLogger("app.test.rotation")
    filler = "x" * 900
    for index in range(2600):  # ~2.5 MB: more than two rotations of 1 MB
        log.info("line %d secret=%s key %s %s", index, SECRET, f"x-api-key: {KEY}", filler)
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = sorted(p.name for p in (tmp_path / "log").iterdir())
    assert files[:3] == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"] and len(files) <= 4
    for name in files:
        data = (tmp_path / "log" / name).read_text(encoding="utf-8")
        assert SECRET not in data and KEY not in data
        assert "secret=•••" in data
    assert (tmp_path / "log" / LOG_FILE).stat().st_size <= 1_000_000


# -- one hook, one dialog, Copy details -------------------------------------------------------


def test_unexpected_exceptions_reach_one_dialog_with_copy_details(qtbot, restore_logging):
    parent = QWidget()
    qtbot.addWidget(parent)
    reports: list[tuple[str, str]] = []

    def report(summary: str, details: str) -> None:
        reports.append((summary, details))
        show_error_dialog(parent, summary, details)

    install_excepthook(report)
    try:
        raise LookupError("the gallery lost image 42")
    except LookupError:
        sys.excepthook(*sys.exc_info())
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())  # Ctrl+C is not an error to report
    assert len(reports) == 1
    summary, details = reports[0]
    assert summary == "LookupError: the gallery lost image 42"
    assert "Traceback" in details and "test_diagnostics.py" in details
    boxes = parent.findChildren(QMessageBox)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.isVisible()  # opened with open(), never exec()
    assert box.windowTitle() == "Something went wrong"
    assert "Your images and history are safe" in box.text()
    assert box.informativeText() == summary and box.detailedText() == details
    copy = next(b for b in box.buttons() if b.text() == "Copy details")
    QApplication.clipboard().clear()
    copy.click()
    assert QApplication.clipboard().text() == f"{summary}\n\n{details}"
    box.close()


# -- the diagnostics report -------------------------------------------------------------------


def test_collect_reports_versions_paths_keychain_and_a_redacted_log(tmp_path):
    paths = AppPaths.under(tmp_path)
    REDACTOR.add_secret(SECRET)
    _write_log(
        paths,
        [f"2026-01-01 INFO app.x: line {i}" for i in range(300)]
        + [f"WARNING app.api: x-signature: abc123 api_secret={SECRET}", f"key {KEY} ok"],
    )
    REDACTOR.add_secret(KEY)
    store = CredentialStore(MemoryKeyring())
    info = collect(paths, qt={"pyside6": "6.x", "qt_runtime": "6.y"}, credential_store=store)
    assert info["keyring_backend"] == "tests.support.memory_keyring.MemoryKeyring"
    assert info["keychain_available"] is True
    assert info["version"] == __version__ and info["python"] and info["platform"]
    assert info["qt"] == {"pyside6": "6.x", "qt_runtime": "6.y"}
    assert info["libraries"]["httpx"] and info["libraries"]["keyring"]
    assert info["paths"]["log_file"] == str(paths.log_dir / LOG_FILE)
    assert info["paths"]["database"] == str(paths.database(False))
    assert len(info["log"]) == 200 and info["log"][-1] == "key ••• ok"
    assert "x-signature: •••" in info["log"][-2]
    text = as_text(info)
    line = as_json(info)
    for rendered in (text, line):
        assert SECRET not in rendered and KEY not in rendered and "abc123" not in rendered
    assert "\n" not in line and json.loads(line)["keyring_backend"]
    assert text.startswith(f"Wiro Studio {__version__}\n")
    assert "Keychain: tests.support.memory_keyring.MemoryKeyring" in text
    assert str(paths.settings_file) in text and "--- last 200 log lines ---" in text


def test_collect_survives_no_log_and_a_broken_keychain(tmp_path):
    class Broken:  # not a KeyringBackend subclass: those join keyring's own backend list
        @property
        def priority(self) -> float:
            raise RuntimeError("D-Bus went away")

    info = collect(AppPaths.under(tmp_path), credential_store=CredentialStore(Broken()))  # type: ignore[arg-type]
    assert info["log"] == [] and recent_log(tmp_path / "nowhere") == []
    assert info["keychain_available"] is False
    assert info["qt"]["pyside6"]  # from the installed distribution, without importing Qt


def test_diagnostics_flag_prints_one_json_line_and_exits_0(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    data_dir = tmp_path / "data"
    help_text = subprocess.run(
        [sys.executable, "-m", "app", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    ).stdout
    assert "--diagnostics" in help_text
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--diagnostics", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    expected = keyring.get_keyring()
    assert info["keyring_backend"] == f"{type(expected).__module__}.{type(expected).__name__}"
    assert re.fullmatch(r"[\w.]+\.\w+", info["keyring_backend"])
    assert isinstance(info["keychain_available"], bool) and info["frozen"] is False
    assert Path(info["resources"]) == ROOT / "resources"
    assert info["qt"]["pyside6"] and info["qt"]["qt_runtime"]
    assert info["paths"]["data"] == str(data_dir.resolve() / "data")
    assert not data_dir.exists(), "--diagnostics writes nothing"


# -- Help → Copy diagnostics ------------------------------------------------------------------


def test_help_menu_copies_diagnostics(qloop, qapp, tmp_path):
    from app.ui.app_controller import AppController
    from app.ui.main_window import MainWindow

    paths = AppPaths.under(tmp_path)
    _write_log(paths, ["INFO app: started", f"ERROR app: api_secret={SECRET}"])
    REDACTOR.add_secret(SECRET)
    controller = AppController(qapp, paths, credential_store=CredentialStore(MemoryKeyring()))
    window = MainWindow()
    window.attach(controller.session, controller)
    controller.window = window
    texts = [a.text() for a in window.help_menu.actions()]
    assert texts.index("Copy &diagnostics") == texts.index("&About Wiro Studio") + 1

    async def scenario() -> str:
        QApplication.clipboard().clear()
        window.diagnostics_action.trigger()
        deadline = time.monotonic() + 15
        while "--- last" not in QApplication.clipboard().text():
            if time.monotonic() > deadline:
                raise AssertionError("the diagnostics never reached the clipboard")
            await asyncio.sleep(0.02)
        return QApplication.clipboard().text()

    try:
        text = qloop.run_until_complete(scenario())
    finally:
        window.close_for_real()
    assert text.startswith(f"Wiro Studio {__version__}")
    assert "Keychain: tests.support.memory_keyring.MemoryKeyring" in text
    assert str(paths.log_dir / LOG_FILE) in text and "INFO app: started" in text
    assert SECRET not in text and "api_secret=•••" in text
    assert "Diagnostics copied" in window.statusBar().currentMessage()


@pytest.mark.parametrize("lines", [0, 5])
def test_recent_log_is_bounded(tmp_path, lines):
    paths = AppPaths.under(tmp_path)
    _write_log(paths, ["y" * 5000] * 10)
    tail = recent_log(paths.log_dir, lines)
    assert len(tail) == lines and all(len(line) <= 2000 for line in tail)
