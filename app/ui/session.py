"""What every flow and widget may depend on: the UI session, instead of the window or controller.

It imports nothing else from ``app.ui``: flows are built with a session plus the widgets they
drive, so each of them can be built (and tested) without a MainWindow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QThreadPool, Signal

from app.core.credentials import Credentials
from app.services.connection import ConnectionSpec
from app.services.events import GenerationChanged, ImageStored, Notice, ServiceEvent, SweepChanged
from app.services.spawn import Spawner
from app.storage.credentials import CredentialStore
from app.storage.paths import AppPaths
from app.storage.settings import Settings

if TYPE_CHECKING:  # the studio's modules load with the first studio, after the first paint
    from app.services.studio import Studio
    from app.services.sweeps import SweepRunner

T = TypeVar("T")


class ModeSwitches(Protocol):
    """The mode changes only the controller may make; flows ask for them through this."""

    async def start_demo(self) -> None: ...

    async def use_account(self, credentials: Credentials) -> None: ...

    async def connect_account(self, credentials: Credentials, remember: bool) -> None: ...

    async def remove_credentials(self) -> None: ...

    async def keychain_available(self) -> bool: ...

    def apply_settings(self) -> None: ...

    async def save_settings(self) -> None: ...

    async def shutdown(self, code: int = 0) -> None: ...


class UiSession(QObject):
    """Paths, settings, the current studio, spawn/io and the studio's events as Qt signals."""

    studio_changed = Signal(object, object)  # Studio | None, ConnectionSpec | None
    generation_changed = Signal(object)  # GenerationState
    image_stored = Signal(object)  # ImageRecord
    notice_posted = Signal(str, str)  # text, level
    sweep_changed = Signal(object)  # SweepState

    def __init__(
        self,
        paths: AppPaths,
        *,
        settings: Settings | None = None,
        credentials: CredentialStore | None = None,
        spawner: Spawner | None = None,
        io_executor: Executor | None = None,
        decode_pool: QThreadPool | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.paths = paths
        self.settings = settings if settings is not None else Settings()
        self.credentials = credentials if credentials is not None else CredentialStore()
        self.spawner = spawner if spawner is not None else Spawner()
        self.io_executor = io_executor
        self.decode_pool = decode_pool  # thumbnails and the viewer decode here
        self.studio: Studio | None = None
        self.spec: ConnectionSpec | None = None
        self.sweeps: SweepRunner | None = None  # the studio's sweep runner (made with it)
        self._unsubscribe: Callable[[], None] | None = None

    # -- background work ---------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> None:
        self.spawner.spawn(coro, name=name)

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """Blocking work (files, keychain) off the GUI thread, on the app's I/O pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.io_executor, partial(fn, *args))

    def notify(self, text: str, level: str = "info") -> None:
        self.notice_posted.emit(text, level)

    # -- the current studio ------------------------------------------------------------------

    def set_studio(
        self,
        studio: Studio | None,
        spec: ConnectionSpec | None,
        sweeps: SweepRunner | None = None,
    ) -> None:
        """Re-subscribes to the new studio's events and tells every listener."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.studio, self.spec = studio, spec
        self.sweeps = sweeps if studio is not None else None
        if studio is not None:
            self._unsubscribe = studio.subscribe(self._on_studio_event)
        self.studio_changed.emit(studio, spec)

    def _on_studio_event(self, event: ServiceEvent) -> None:
        if isinstance(event, GenerationChanged):
            self.generation_changed.emit(event.generation)
        elif isinstance(event, ImageStored):
            self.image_stored.emit(event.image)
        elif isinstance(event, Notice):
            self.notice_posted.emit(event.text, event.level)
        elif isinstance(event, SweepChanged):
            self.sweep_changed.emit(event.sweep)

    @property
    def demo(self) -> bool:
        return self.spec is not None and self.spec.demo

    def output_dir(self) -> Path:
        """Where saved and auto-saved images go: the chosen folder or Pictures/Wiro Studio."""
        folder = self.settings.output_dir
        return Path(folder) if folder else self.paths.default_output_dir
