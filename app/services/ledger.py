"""The services' shared record of generations: database writes, snapshots, and listeners."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from app.services.events import (
    GenerationChanged,
    GenerationState,
    ImageRecord,
    ImageStored,
    Notice,
    Phase,
    ServiceEvent,
)
from app.services.state import can_stop, describe, generation_state
from app.storage.history import HistoryStore

log = logging.getLogger(__name__)
T = TypeVar("T")
Listener = Callable[[ServiceEvent], None]

_ROW_ONLY = frozenset({"run_sent_at", "task_token", "outputs"})


class Ledger:
    """One place that changes a generation: the row first, then the snapshot, then listeners."""

    def __init__(self, history: HistoryStore, clock: Callable[[], float] = time.time) -> None:
        self.history = history
        self.clock = clock
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="wiro-db")
        self._states: dict[int, GenerationState] = {}
        self._listeners: list[Listener] = []

    # -- database -------------------------------------------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Runs a HistoryStore call on the database thread (never on the GUI thread)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))
        finally:
            for text in self.history.take_reports():  # a deleted folder noticed and rebuilt
                self.notice(text, "warning")

    async def check_storage(self) -> None:
        """Looks for a deleted profile or library folder (the window calls this on focus)."""
        await self.db(self.history.ensure_on_disk)

    async def close(self) -> None:
        await self.db(self.history.close)
        self._executor.shutdown(wait=True)

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: ServiceEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a listener failed on %s", type(event).__name__)

    def notice(self, text: str, level: str = "info") -> None:
        self.emit(Notice(text, level))

    # -- snapshots ------------------------------------------------------------------------

    def get(self, generation_id: int) -> GenerationState | None:
        return self._states.get(generation_id)

    def all(self) -> list[GenerationState]:
        return list(self._states.values())

    async def load(self, generation_id: int) -> GenerationState:
        row = await self.db(self.history.generation, generation_id)
        if row is None:
            raise KeyError(generation_id)
        images = await self.db(self.history.images_for, generation_id)
        state = generation_state(row, images)
        self._states[generation_id] = state
        return state

    def remember(self, state: GenerationState) -> None:
        self._states[state.id] = state

    def update(self, generation_id: int, **changes: Any) -> GenerationState:
        """Changes the in-memory snapshot only (progress ticks) and tells the listeners."""
        state = self._states[generation_id]
        state = dataclasses.replace(state, **changes)
        state = dataclasses.replace(
            state,
            status_text=describe(state.phase, state.status, state.stopping),
            can_stop=can_stop(state.phase, state.status),
        )
        self._states[generation_id] = state
        self.emit(GenerationChanged(state))
        return state

    async def persist(self, generation_id: int, **changes: Any) -> GenerationState:
        """Writes the row, then updates the snapshot: what the UI sees is already on disk."""
        row_values = {k: (v.value if isinstance(v, Phase) else v) for k, v in changes.items()}
        await self.db(self.history.update_generation, generation_id, **row_values)
        snapshot = {k: v for k, v in changes.items() if k not in _ROW_ONLY}
        if "phase" in snapshot:
            snapshot["phase"] = Phase(snapshot["phase"])
        return self.update(generation_id, **snapshot)

    def add_image(self, record: ImageRecord) -> None:
        state = self._states.get(record.generation_id)
        if state is not None and all(i.index != record.index for i in state.images):
            images = tuple(sorted((*state.images, record), key=lambda i: i.index))
            self._states[record.generation_id] = dataclasses.replace(state, images=images)
        self.emit(ImageStored(record))
        if state is not None:
            self.emit(GenerationChanged(self._states[record.generation_id]))

    async def image(self, image_id: int) -> ImageRecord | None:
        row = await self.db(self.history.image, image_id)
        return row
