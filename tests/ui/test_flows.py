"""Each flow built from a UI session plus only the widgets it drives: no MainWindow anywhere."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QStackedWidget, QWidget

from app.core.credentials import Credentials
from app.core.readback_formats import Readback
from app.storage.credentials import CredentialStore
from app.storage.paths import AppPaths
from app.ui.session import UiSession
from tests.e2e.conftest import qloop as qloop  # the fixture, shared
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.conftest import make_state


class FakeModes:
    """Records the mode switches a flow asks for (ModeSwitches, structurally)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def start_demo(self) -> None:
        self.calls.append(("start_demo", None))

    async def use_account(self, credentials: Credentials) -> None:
        self.calls.append(("use_account", credentials))

    async def connect_account(self, credentials: Credentials, remember: bool) -> None:
        self.calls.append(("connect_account", (credentials, remember)))

    async def remove_credentials(self) -> None:
        self.calls.append(("remove_credentials", None))

    async def keychain_available(self) -> bool:
        return True

    def apply_settings(self) -> None:
        self.calls.append(("apply_settings", None))

    async def save_settings(self) -> None:
        self.calls.append(("save_settings", None))

    async def shutdown(self, code: int = 0) -> None:
        self.calls.append(("shutdown", code))


@pytest.fixture
def session(qapp, tmp_path: Path) -> UiSession:
    made = UiSession(AppPaths.under(tmp_path), credentials=CredentialStore(MemoryKeyring()))
    made.notices: list[tuple[str, str]] = []  # type: ignore[misc]  # test-only recorder
    made.notice_posted.connect(lambda text, level: made.notices.append((text, level)))
    return made


def run_until(
    loop: asyncio.AbstractEventLoop, predicate, what: str, timeout: float = 10, first=None
) -> None:
    """Runs ``first()`` inside the loop (flows spawn tasks), then waits for ``predicate()``."""

    async def wait() -> None:
        if first is not None:
            first()
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    loop.run_until_complete(wait())


def record(image_id: int, path: Path):
    from app.services.events import ImageRecord

    return ImageRecord(image_id, 1, image_id, 100 + image_id, path, "0" * 64, 1, 64, 64)


def test_session_notify_and_output_dir(session, tmp_path):
    session.notify("hello", "error")
    assert session.notices == [("hello", "error")]
    assert session.output_dir() == session.paths.default_output_dir
    session.settings.output_dir = str(tmp_path / "out")
    assert session.output_dir() == tmp_path / "out"
    changes: list[Any] = []
    session.studio_changed.connect(lambda studio, spec: changes.append((studio, spec)))
    session.set_studio(None, None)
    assert changes == [(None, None)] and not session.demo


def test_image_actions_compare_and_step_the_viewer(qtbot, session, tmp_path):
    from app.ui.flows.image_actions import ImageActions
    from app.ui.gallery.gallery import Gallery
    from app.ui.viewer.viewer import CompareView, ImageViewer
    from app.ui.widgets.thumbnails import ThumbnailLoader

    loader = ThumbnailLoader(max_threads=1)
    gallery, viewer, compare = Gallery(loader), ImageViewer(loader), CompareView(loader)
    center = QStackedWidget()
    for page in (gallery, viewer, compare):
        center.addWidget(page)
    qtbot.addWidget(center)
    exported: list[list[int]] = []
    flow = ImageActions(
        session, gallery, viewer, compare, center, form=lambda: None, export=exported.append
    )
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"{i}.png")
        Image.new("RGB", (64, 64), (i * 90, 40, 40)).save(paths[-1])
    records = [record(1, paths[0]), record(2, paths[1])]
    gallery.add_images(records, [make_state(1, images=tuple(records))])
    try:
        flow.compare(1, 2)
        assert center.currentWidget() is compare
        flow.view(1)
        assert center.currentWidget() is viewer and viewer.current_id() == 1
        flow.step_viewer(1)
        assert viewer.current_id() == 2
        flow.step_viewer(1)  # past the end: stays
        assert viewer.current_id() == 2
        flow.reuse_seed(1)  # no form yet: nothing happens, nothing is said
        assert session.notices == []
        flow.save([1, 2])  # no studio: no export dialog either
        assert exported == []
    finally:
        loader.shutdown(5000)


def test_library_flow_puts_its_label_in_the_status_bar_and_waits_for_a_studio(qtbot, session):
    from app.ui.flows.library_flow import LibraryFlow
    from app.ui.gallery.gallery import Gallery
    from app.ui.viewer.viewer import CompareView, ImageViewer
    from app.ui.widgets.thumbnails import ThumbnailLoader

    loader = ThumbnailLoader(max_threads=1)
    host = QMainWindow()  # only a status bar to put the spend label in
    qtbot.addWidget(host)
    shown: list[bool] = []
    flow = LibraryFlow(
        session,
        Gallery(loader),
        ImageViewer(loader),
        CompareView(loader),
        host.statusBar(),
        show_gallery=lambda: shown.append(True),
    )
    try:
        assert host.statusBar().findChild(QWidget, "spendLabel") is flow.spend_label
        assert not flow.can_undo
        flow.export([1])  # no studio: nothing opens
        assert not hasattr(flow, "export_dialog")
        session.generation_changed.emit(make_state(3, cost=0.01, phase=make_state().phase))
        flow.reload()
        assert flow.loading is False and flow.gallery.image_ids() == []
    finally:
        loader.shutdown(5000)


def test_readback_flow_fills_a_form_and_reports(qtbot, session, tool_schema):
    from app.ui.flows.readback_flow import ReadbackFlow
    from app.ui.form.schema_form import SchemaForm

    target = QWidget()
    qtbot.addWidget(target)
    form: list[SchemaForm | None] = [None]
    flow = ReadbackFlow(session, target, lambda: form[0])
    assert target.acceptDrops()
    readback = Readback(values={"prompt": "a glass whale", "seed": 777}, source="test")
    flow.apply(readback, "whale.png")
    assert "not ready" in flow.report_box.informativeText() + flow.report_box.text()
    form[0] = SchemaForm(tool_schema)
    qtbot.addWidget(form[0])
    flow.apply(readback, "whale.png")
    values = form[0].values()
    assert values["prompt"] == "a glass whale" and values["seed"] == "777"
    assert not form[0].random_seed_enabled()
    assert session.notices and session.notices[-1][1] == "info"


def test_copy_diagnostics_with_a_session_only(qloop, session):
    from app.ui.flows.diagnostics_copy import COPIED, copy_diagnostics

    QApplication.clipboard().clear()
    run_until(
        qloop,
        lambda: (COPIED, "info") in session.notices,
        "the diagnostics notice",
        first=lambda: copy_diagnostics(session),
    )
    assert "Wiro Studio" in QApplication.clipboard().text()


def test_prompt_library_runs_its_io_on_the_session(qloop, session):
    from app.storage.prompts import PromptStore
    from app.ui.inspiration.prompt_library import PromptLibrary, session_runner

    library = PromptLibrary(PromptStore.in_folder(session.paths.data_dir), session_runner(session))

    run_until(qloop, lambda: library.loaded, "the library to load", first=library.load)
    store_file = PromptStore.in_folder(session.paths.data_dir).path
    run_until(
        qloop,
        store_file.exists,
        "the saved prompt on disk",
        first=lambda: library.save_prompt("fox", "a red fox"),
    )
    again = PromptLibrary(PromptStore.in_folder(session.paths.data_dir))
    again.load()
    assert [p.name for p in again.prompts()] == ["fox"]


def test_settings_flow_applies_through_the_mode_switches(qloop, qtbot, session):
    from app.ui.flows import settings_flow

    parent = QWidget()
    qtbot.addWidget(parent)
    modes = FakeModes()
    asked: list[bool] = []
    settings_flow.open_settings(parent, session, modes, change_credentials=lambda: asked.append(1))
    dialog = settings_flow._open[0]
    run_until(
        qloop,
        lambda: ("save_settings", None) in modes.calls,
        "settings saved",
        first=lambda: dialog.done(QDialog.DialogCode.Accepted),
    )
    assert modes.calls[0] == ("apply_settings", None)
    settings_flow.open_settings(parent, session, modes, change_credentials=lambda: asked.append(1))
    settings_flow._open[0].change_credentials_requested.emit()
    assert asked == [1] and settings_flow._open == []


def test_welcome_flow_starts_the_demo_through_the_mode_switches(qloop, qtbot, session):
    from app.ui.flows import welcome

    parent = QWidget()
    qtbot.addWidget(parent)
    modes = FakeModes()
    run_until(
        qloop,
        lambda: bool(welcome._open),
        "the welcome dialog",
        first=lambda: welcome.open_welcome(parent, session, modes),
    )
    dialog = welcome._open[0]
    try:
        run_until(
            qloop,
            lambda: ("start_demo", None) in modes.calls,
            "the demo",
            first=dialog.demo_requested.emit,
        )
    finally:
        dialog.close()
        welcome._open.clear()


def test_smoke_reports_a_studio_that_never_started(qloop, qtbot, session, capsys):
    from app.ui.flows.smoke import SmokeView, run_smoke
    from app.ui.gallery.gallery import Gallery
    from app.ui.widgets.thumbnails import ThumbnailLoader

    loader = ThumbnailLoader(max_threads=1)
    gallery = Gallery(loader)
    qtbot.addWidget(gallery)
    modes = FakeModes()
    try:
        view = SmokeView(gallery, gallery, loader, lambda: None)
        qloop.run_until_complete(run_smoke(session, modes, view))
    finally:
        loader.shutdown(5000)
    assert modes.calls == [("start_demo", None), ("shutdown", 1)]
    assert "smoke failed: RuntimeError: the demo studio did not start" in capsys.readouterr().err
