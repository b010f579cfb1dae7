"""A history that cannot be opened gets a specific answer and a way out, not "Connecting…"."""

from __future__ import annotations

import sqlite3

from PySide6.QtWidgets import QApplication, QMessageBox

from app.storage.history import HistoryStore
from app.storage.library import library_path
from app.storage.paths import AppPaths
from app.ui.dialogs.history_problem_dialog import MOVE_ASIDE, RETRY
from tests.storage.test_reimport import png


def problem_box() -> QMessageBox | None:
    for widget in QApplication.topLevelWidgets():
        visible = isinstance(widget, QMessageBox) and widget.isVisible()
        if visible and widget.windowTitle() == "History unavailable":
            return widget
    return None


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def test_a_damaged_history_is_moved_aside_and_the_library_comes_back(
    qloop, harness_factory, tmp_path
):
    paths = AppPaths.under(tmp_path / "app")
    db_path = paths.database(True)
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database" * 100)
    image = library_path(
        paths.library_dir(True), generation_id=3, task_id="77", index=0, ext=".png"
    )
    image.parent.mkdir(parents=True)
    image.write_bytes(png())
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: problem_box() is not None, what="the history dialog")
        box = problem_box()
        assert "damaged" in box.text()
        assert controller.studio is None
        assert controller.window.mode_label.text() == "Not connected"
        button(box, MOVE_ASIDE).click()
        await harness.wait(lambda: controller.studio is not None, what="the new history")
        assert [p.name for p in db_path.parent.glob("history.sqlite3.damaged-*")]
        await harness.wait(lambda: controller.studio.ledger.get(3) is not None, what="re-import")
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_a_locked_history_offers_retry_which_works_once_the_lock_is_gone(
    qloop, harness_factory, tmp_path, monkeypatch
):
    paths = AppPaths.under(tmp_path / "app")
    HistoryStore(paths.database(True)).close()
    other = sqlite3.connect(paths.database(True), isolation_level=None)
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("COMMIT")
    harness = harness_factory(demo=True)

    def quick(path, **kw):  # the same open, with a short lock wait so the test is quick
        return HistoryStore(path, busy_timeout=0.05, open_lock_wait=0.2, **kw)

    monkeypatch.setattr("app.storage.profile.HistoryStore", quick)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: problem_box() is not None, what="the history dialog")
        box = problem_box()
        assert "Another program" in box.text()
        other.close()
        button(box, RETRY).click()
        await harness.wait(lambda: controller.studio is not None, what="the retried open")
        assert await harness.stop() == 0

    try:
        qloop.run_until_complete(scenario())
    finally:
        other.close()
