"""The app's lifecycle: choose demo or account, (re)build the studio, shut down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThreadPool
from PySide6.QtWidgets import QApplication

from app.api.errors import NetworkError, WiroError
from app.core.credentials import Credentials
from app.core.schema import ToolSchema
from app.services.connection import TOOL_OWNER, TOOL_PROJECT, ConnectionSpec
from app.services.demo import DemoServerSlot
from app.services.spawn import Spawner
from app.storage.credentials import CredentialStore, KeychainUnavailable
from app.storage.dbfaults import HistoryUnavailable
from app.storage.logs import REDACTOR
from app.storage.paths import AppPaths
from app.storage.settings import Settings, SettingsStore, daily_cap
from app.ui.flows.history_problem_flow import HistoryProblems
from app.ui.session import UiSession

if TYPE_CHECKING:  # the studio, the network stack and the emulator load behind the first frame
    from app.services.demo import DemoServer
    from app.services.studio import Studio
    from app.ui.first_frame import FirstFrame

log = logging.getLogger(__name__)
# What opening a studio imports (the network stack, the history, the studio, thumbnails):
# loaded on the I/O pool while the demo server starts or the keychain answers.
BEHIND_FIRST_PAINT = (
    "app.api.client",
    "app.api.watcher",
    "app.storage.profile",
    "app.services.studio",
    "app.storage.thumbcache",
)
T = TypeVar("T")
TOOL_SLUG = f"{TOOL_OWNER}/{TOOL_PROJECT}"
CONNECT_CHECK_SECONDS = 10  # the welcome dialog says plainly when Wiro does not answer


class AppController(QObject):
    """Owns the window, the current Studio and the demo server; the only place modes change.

    It satisfies ``app.ui.session.ModeSwitches``: flows ask it for mode changes through that
    Protocol and never see the controller itself.
    """

    def __init__(
        self,
        app: QApplication,
        paths: AppPaths,
        *,
        demo: bool = False,
        smoke: bool = False,
        credential_store: CredentialStore | None = None,
        io_executor: Executor | None = None,
        decode_pool: QThreadPool | None = None,
        first_frame: FirstFrame | None = None,
    ) -> None:
        """``first_frame``: the window already painted by ``app.main`` (else ``run`` makes it)."""
        super().__init__()
        self.app = app
        app.setQuitOnLastWindowClosed(False)  # the loop ends only after a clean shutdown
        self.paths = paths
        self.start_in_demo = demo
        self.smoke = smoke
        self.settings_store = SettingsStore(paths.settings_file)
        self.credentials = credential_store or CredentialStore()
        self.spawner = Spawner(on_error=self._on_background_error)
        self.session = UiSession(
            paths,
            credentials=self.credentials,
            spawner=self.spawner,
            io_executor=io_executor,
            decode_pool=decode_pool,
        )
        self.studio: Studio | None = None
        self.spec: ConnectionSpec | None = None
        self.demo = DemoServerSlot(
            self.io, lambda: self.paths.profile_dir(True) / "emulator-state.json"
        )
        self._imports: asyncio.Task[None] | None = None  # the network stack, the studio
        self._credentials: asyncio.Future[Credentials | None] | None = None  # read early
        self.window: Any = first_frame.window if first_frame is not None else None
        if first_frame is not None:
            self.session.settings = first_frame.settings
        self.screenshot: Path | None = None
        self.studio_options: dict[str, Any] = {}  # extra open_studio() options (benchmarks)
        self._finished: asyncio.Future[int] | None = None
        self._closing = False
        self.history_problems = HistoryProblems(
            self.session,
            lambda: self.window,
            lambda reason: self.window.show_not_connected(reason),
            self._switch,
            TOOL_SLUG,
            smoke_exit=self._smoke_exit if smoke else None,
        )

    # -- helpers -------------------------------------------------------------------------

    @property
    def demo_server(self) -> DemoServer | None:
        """The running demo server, if any (tests may hand one in before ``run``)."""
        return self.demo.server

    @demo_server.setter
    def demo_server(self, server: DemoServer | None) -> None:
        self.demo.server = server

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.session.settings = value

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """Blocking work (files, keychain) off the GUI thread."""
        return await self.session.io(fn, *args)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> None:
        self.spawner.spawn(coro, name=name)

    def _on_background_error(self, exc: BaseException, name: str) -> None:
        log.error("background task %s failed", name, exc_info=exc)
        if isinstance(exc, WiroError):
            self.notify(str(exc), "error")
        else:
            self.report_unexpected(f"{type(exc).__name__}: {exc}", "")

    def notify(self, text: str, level: str = "info") -> None:
        self.session.notify(text, level)

    def report_unexpected(self, summary: str, details: str) -> None:
        summary, details = REDACTOR.redact(summary), REDACTOR.redact(details)
        if self.smoke:
            print(f"unexpected error: {summary}\n{details}", flush=True)
            self.finish(1)
            return
        if self.window is not None:
            self.window.show_unexpected_error(summary, details)

    # -- run -----------------------------------------------------------------------------

    async def run(self) -> int:
        self._finished = asyncio.get_running_loop().create_future()
        self.app.applicationStateChanged.connect(self._on_app_state_changed)
        try:
            return await self._run()
        finally:
            with contextlib.suppress(RuntimeError, TypeError):
                self.app.applicationStateChanged.disconnect(self._on_app_state_changed)

    async def _run(self) -> int:
        assert self._finished is not None
        # Paint first: the window and its form (from the cached schema) before the network
        # stack, the emulator, the keychain and the library are touched; they load behind it.
        # app.main paints it before the loop exists; otherwise (tests) it is painted here.
        if self.window is None:
            from app.ui.main_window import MainWindow

            self.settings, schema = await self.io(self._first_frame)
            self.window = MainWindow(schema, self.settings)
            self.window.show()
            await self.window.first_paint()
        self.window.host = self  # closing the window now asks this controller
        self._prepare_mode()
        if not self._closing:
            await self.window.preload_workspace()
        if not self._closing:  # else it was shut down while the first frame was appearing
            self._start_behind_the_window()
        code = await self._finished
        await self.spawner.aclose(timeout=2)
        return code

    def _start_behind_the_window(self) -> None:
        """The workspace, then the mode: the demo, the stored account, or the welcome."""
        self.window.attach(self.session, self)
        if self.smoke:
            self.spawn(self.window.run_smoke(self.screenshot), name="smoke")
        elif self.start_in_demo:
            self.spawn(self.start_demo(), name="start-demo")
        else:
            self.spawn(self._start_from_settings(), name="start")

    def _first_frame(self) -> tuple[Settings, ToolSchema]:
        """Settings and the tool schema of the profile about to open (two small files)."""
        from app.ui.first_frame import load_first_frame

        return load_first_frame(self.paths, self.start_in_demo)

    def _prepare_mode(self) -> None:
        """Starts, in the I/O thread while the workspace loads, what the mode will need and the
        window does not: the studio's modules, the demo server when the demo is the likely
        mode, and the stored credentials (the keychain can take a while to answer)."""
        from app.ui.first_frame import likely_demo

        imports = self.io(_import_behind_first_paint)
        self._imports = self.spawner.spawn(imports, name="imports")

        demo = likely_demo(self.settings, self.smoke or self.start_in_demo)
        if demo:
            self.demo.start_soon()
        if not (self.smoke or self.start_in_demo):
            self._credentials = asyncio.ensure_future(self.io(self.credentials.load))

    async def _start_from_settings(self) -> None:
        early, self._credentials = self._credentials, None  # read while the workspace loaded
        credentials = await (early or self.io(self.credentials.load))
        if credentials is not None:
            await self.demo.settled()  # use_account() stops it once it has started
            await self.use_account(credentials)
        elif self.settings.last_mode == "demo":
            await self.start_demo()
        else:  # a first start: nothing is loading until the user chooses
            self.window.show_not_connected("Choose the offline demo or your Wiro account.")
            self.window.show_welcome()

    def _smoke_exit(self, message: str) -> None:
        print(message, flush=True)
        self.finish(1)

    def finish(self, code: int = 0) -> None:
        if self._finished is not None and not self._finished.done():
            self._finished.set_result(code)

    # -- modes ---------------------------------------------------------------------------

    async def start_demo(self) -> None:
        server = await self.demo.get()
        spec = ConnectionSpec(
            base_url=server.base_url,
            socket_url=server.socket_url,
            credentials=server.credentials,
            demo=True,
        )
        await self._switch(spec)
        self.settings.last_mode = "demo"
        await self.save_settings()

    def account_spec(self, credentials: Credentials) -> ConnectionSpec:
        return ConnectionSpec(
            base_url=self.settings.api_base_url,
            socket_url=self.settings.socket_url,
            credentials=credentials,
        )

    async def use_account(self, credentials: Credentials) -> None:
        REDACTOR.add_secret(credentials.api_key)
        REDACTOR.add_secret(credentials.api_secret)
        await self._switch(self.account_spec(credentials))
        self.settings.last_mode = "account"
        await self.save_settings()
        await self.demo.stop()

    async def connect_account(self, credentials: Credentials, remember: bool) -> None:
        """Checks the credentials with Wiro, stores them, and switches to the account.

        Raises AuthError/WiroError for the dialog to show; KeychainUnavailable is handled by
        keeping them for this session only (the dialog offered that when no keychain exists).
        """
        from app.services.connection import verify_credentials

        REDACTOR.add_secret(credentials.api_key)
        REDACTOR.add_secret(credentials.api_secret)
        try:
            async with asyncio.timeout(CONNECT_CHECK_SECONDS):
                await verify_credentials(self.account_spec(credentials))
        except TimeoutError:
            raise NetworkError(
                f"Wiro did not answer within {CONNECT_CHECK_SECONDS} seconds. "
                "Check the internet connection and try again."
            ) from None
        # Checked: from here a Cancel no longer stops it (half a switch would leave no studio).
        await asyncio.shield(self._remember_and_use(credentials, remember))

    async def _remember_and_use(self, credentials: Credentials, remember: bool) -> None:
        try:
            await self.io(partial(self.credentials.save, credentials, session_only=not remember))
        except KeychainUnavailable:
            await self.io(partial(self.credentials.save, credentials, session_only=True))
            self.notify("No system keychain: the credentials are kept for this session only.")
        await self.use_account(credentials)

    async def remove_credentials(self) -> None:
        await self.io(self.credentials.clear)
        self.settings.last_mode = ""
        await self.save_settings()
        await self.start_demo()
        self.notify("Credentials removed from this computer. Now in the offline demo.")

    async def keychain_available(self) -> bool:
        return await self.io(self.credentials.keychain_available)

    async def _switch(self, spec: ConnectionSpec) -> None:
        old, self.studio = self.studio, None
        old_sweeps = self.session.sweeps
        self.session.set_studio(None, None)
        self.window.bind(None, None)
        if old_sweeps is not None:
            await old_sweeps.aclose()
        if old is not None:
            await old.aclose()
        from app.services.connection import open_studio

        if self._imports is not None:  # imported off the GUI thread: here it would block it
            await asyncio.wait([self._imports])
        options = {"io_executor": self.session.io_executor, **self.studio_options}
        try:
            studio = await open_studio(spec, self.paths, **options)
        except HistoryUnavailable as exc:
            self.history_problems.unavailable(spec, exc)
            return
        if self._closing:  # shut down while it was opening: nothing may keep running
            await studio.aclose()
            return
        self.studio, self.spec = studio, spec
        self.apply_settings_to_studio()
        from app.services.sweeps import SweepRunner

        sweeps = SweepRunner(studio, daily_cap=lambda: daily_cap(self.settings))
        self.session.set_studio(studio, spec, sweeps)
        await self.window.bind_async(studio, spec)
        if self.studio is studio:  # not closed meanwhile by a shutdown or another switch
            await sweeps.start()  # re-attaches unfinished sweeps (and says so)
            self.spawn(self._refresh_schema(studio, spec), name="tool-detail")

    async def _refresh_schema(self, studio: Studio, spec: ConnectionSpec) -> None:
        """Tool/Detail behind the bound studio (it opened with the last answer): the form
        follows a live answer unlike that one."""
        from app.services.connection import refresh_schema

        try:
            changed = await refresh_schema(studio, self.paths, spec.demo)
        except Exception:
            if self.studio is not studio:
                return  # closed meanwhile (a switch or a shutdown): nothing to refresh
            raise
        if changed and self.studio is studio:
            self.window.schema_refreshed(studio)

    def _on_app_state_changed(self, state: Qt.ApplicationState) -> None:
        """Back to the window: check that the profile and library folders still exist."""
        if state != Qt.ApplicationState.ApplicationActive or self.studio is None or self._closing:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not inside this app's loop (it has ended)
        finished = self._finished
        if finished is not None and finished.get_loop() is loop and not finished.done():
            self.spawn(self.studio.check_storage(), name="check-storage")

    def apply_settings(self) -> None:
        self.apply_settings_to_studio()

    def apply_settings_to_studio(self) -> None:
        if self.studio is None or self.spec is None:
            return
        wanted = self.settings.auto_save_demo if self.spec.demo else self.settings.auto_save
        folder = self.output_dir()
        auto_save = folder if wanted and not self.smoke else None
        self.studio.configure_saving(auto_save, self.settings.filename_template)

    def output_dir(self) -> Path:
        return self.session.output_dir()

    async def save_settings(self) -> None:
        await self.io(self.settings_store.save, self.settings)

    # -- quitting ------------------------------------------------------------------------

    def confirm_close(self) -> bool:
        """True when the window may close now; otherwise a question is opened and False returned."""
        if self._closing:
            return True
        running = self.studio.in_flight() if self.studio else 0
        if running == 0:
            self.spawn(self.shutdown(), name="shutdown")
            return False
        from app.ui.dialogs.quit_dialog import ask_to_quit

        ask_to_quit(self.window, running, lambda: self.spawn(self.shutdown(), name="shutdown"))
        return False

    async def shutdown(self, code: int = 0) -> None:
        if self._closing:
            return
        self._closing = True
        try:
            sweeps = self.session.sweeps
            if self.window is not None:
                self.window.store_state(self.settings)
            if self.window is not None and self.window.attached:
                self.session.set_studio(None, None)
                self.window.bind(None, None)
            await self.save_settings()
            if sweeps is not None:
                await asyncio.wait_for(sweeps.aclose(), 10)
            if self.studio is not None:
                studio, self.studio = self.studio, None
                await asyncio.wait_for(studio.aclose(), 10)
            if self._credentials is not None:  # read early, never used: a first frame closed
                self._credentials.cancel()
            await self.demo.stop(timeout=10)
        except Exception:
            log.exception("shutdown was not clean")
        finally:
            if self.window is not None:
                self.window.close_for_real()
            self.finish(code)


def _import_behind_first_paint() -> None:
    import importlib

    for name in BEHIND_FIRST_PAINT:
        importlib.import_module(name)
