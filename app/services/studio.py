"""The studio: submit, queue, stop, resume and save generations; what the window talks to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.exportformat import ExportFormat
from app.core.params import validate
from app.core.schema import ToolSchema
from app.core.tools import SchemaChoice
from app.services.errors import InvalidParameters as InvalidParameters
from app.services.events import GenerationState, ImageRecord, Phase, ServiceEvent
from app.services.follow import Follower
from app.services.ledger import Ledger
from app.services.library import Library
from app.services.library_front import LibraryFront
from app.services.recovery import Recovery, RecoveryResult
from app.services.saving import ImageSaver
from app.services.spawn import Spawner
from app.services.state import generation_state
from app.services.stopping import Stopper
from app.services.submit_queue import SubmitQueue
from app.services.tool_schemas import ToolSchemas, UnknownTool
from app.storage.history import HistoryStore
from app.storage.sweeps import GenerationLink, SweepStore

if TYPE_CHECKING:  # handed in by open_studio: httpx loads when a connection opens
    from app.api.client import WiroClient
    from app.api.watcher import TaskWatcher

log = logging.getLogger(__name__)

_UNFINISHED = ("pending", "waiting_slot", "paused", "submitting", "running", "downloading")


class Studio(SubmitQueue, LibraryFront):
    """Orchestrates submit → watch → download → store, durably, for one connection."""

    def __init__(
        self,
        *,
        schema: ToolSchema,
        client: WiroClient,
        watcher: TaskWatcher,
        history: HistoryStore,
        library_dir: Path,
        spawner: Spawner | None = None,
        clock: Callable[[], float] = time.time,
        retry_delay: float = 2.0,
        slot_retry_seconds: float = 10.0,
        recovery_delay: float = 5.0,
        io_executor: Executor | None = None,
    ) -> None:
        self.schema = schema  # the generate tool's (DreamShaper 8): the form's schema
        self.tools = ToolSchemas(client, schema)
        self.client = client
        self.watcher = watcher
        self.ledger = Ledger(history, clock)
        self.spawner = spawner or Spawner()
        self._owns_io = io_executor is None  # the app passes its I/O pool in (main.py)
        self._io = io_executor or ThreadPoolExecutor(2, thread_name_prefix="wiro-io")
        self.follower = Follower(
            self.ledger,
            client,
            watcher,
            library_dir=library_dir,
            io_executor=self._io,
            on_image=lambda record: self.saver.auto_save(record, self.spawner),
            retry_delay=retry_delay,
        )
        self.library = Library(self.ledger, library_dir, self._io)  # gallery queries, trash
        self.slot_retry_seconds = slot_retry_seconds
        self.saver = ImageSaver(self.ledger, schema.slug, self._io)
        self._queue: deque[int] = deque()
        self._active: set[int] = set()
        self._stop_requested: set[int] = set()
        self._slot_limit: int | None = None
        self._paused = False
        self._pause_note: str | None = None
        self._wake = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._closed = False
        self.stopper = Stopper(self.ledger, client, self.spawner)
        self.recovery = Recovery(self.ledger, client, self._schema_or_none, self._follow)
        self.recovery_delay = recovery_delay

    def use_schema(self, schema: ToolSchema) -> None:
        """The generate tool's live Tool/Detail answer, after opening with the cached one."""
        self.schema = schema
        self.tools.set_primary(schema)

    # -- listeners and snapshots -------------------------------------------------------

    def subscribe(self, listener: Callable[[ServiceEvent], None]) -> Callable[[], None]:
        return self.ledger.subscribe(listener)

    def generation(self, generation_id: int) -> GenerationState | None:
        return self.ledger.get(generation_id)

    def in_flight(self) -> int:
        """Generations not yet ended (queued locally, running on Wiro, or downloading)."""
        return sum(1 for s in self.ledger.all() if not s.is_final)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> list[GenerationState]:
        """Re-attaches unfinished work from the last run and starts the submit queue."""
        await self._settle_trash()  # deletions left by a crash are final now
        rows = await self.ledger.db(self.ledger.history.generations_in_phases, _UNFINISHED)
        resumed = []
        for row in rows:
            state = await self.ledger.load(row.id)
            if row.phase == "submitting":
                if row.run_sent_at is not None:
                    await self._mark_unknown(row.id)
                else:
                    await self.ledger.persist(row.id, phase=Phase.PENDING)
                    self._queue.append(row.id)
            elif row.phase in ("pending", "waiting_slot", "paused"):
                await self.ledger.persist(row.id, phase=Phase.PENDING)
                self._queue.append(row.id)
            elif row.task_id:
                self._follow(row.id)
            resumed.append(self.ledger.get(state.id) or state)
        self._dispatcher = self.spawner.spawn(self._dispatch(), name="submit-queue")
        self._wake.set()
        self.spawner.spawn(self.recovery.check(), name="recover-unknown")
        return resumed

    async def check_missing(self, generation_ids: list[int] | None = None) -> list[RecoveryResult]:
        """ "Check Wiro for missing images": looks for the tasks of unknown generations."""
        return await self.recovery.check(generation_ids, report=True)

    async def aclose(self) -> None:
        """Stops watching (tasks keep running on Wiro and are re-attached on the next start)."""
        if self._closed:
            return
        self._closed = True
        await self.spawner.aclose(timeout=5.0)
        await self.follower.aclose()
        await self.watcher.aclose()
        await self.client.aclose()
        await self._settle_trash()  # deletions become final when the app closes
        await self.ledger.close()
        if self._owns_io:
            self._io.shutdown(wait=True)

    # -- submitting --------------------------------------------------------------------

    async def tool_schema(self, tool: str | None = None) -> SchemaChoice:
        """A tool's schema (live once per connection, else bundled) and the notes about it."""
        return await self.tools.choice(tool or self.schema.slug)

    async def _schema_or_none(self, tool: str) -> ToolSchema | None:
        try:
            return await self.tools.schema(tool)
        except UnknownTool:
            return None

    async def submit(
        self,
        values: dict[str, Any],
        *,
        tool: str | None = None,
        link: GenerationLink | None = None,
    ) -> GenerationState:
        """Validates, writes the generation to disk, and queues it; Run is sent by the queue.

        ``tool`` (owner/project, default the generate tool) selects the schema; ``link`` ties
        it to a sweep cell or a parent image, written in the same row."""
        schema = self.schema if tool is None else await self.tools.schema(tool)
        result = validate(schema, values)
        if not result.ok:
            raise InvalidParameters(result.errors)
        params = result.params
        create: Callable[..., int] = self.ledger.history.create_generation
        if link is not None:
            create = partial(SweepStore(self.ledger.history).create_generation, link=link)
        gid = await self.ledger.db(
            create,
            tool=schema.slug,
            params=params,
            expected_images=int(params.get("samples") or 1),
            created_at=self.ledger.clock(),
        )
        state = await self.ledger.load(gid)
        self.ledger.update(gid)
        self._queue.append(gid)
        if self._paused:
            state = await self.ledger.persist(gid, phase=Phase.PAUSED, error=self._pause_note)
        elif not self._slots_free():
            state = await self.ledger.persist(gid, phase=Phase.WAITING_SLOT)
        self._wake.set()
        return self.ledger.get(gid) or state

    # -- stopping ----------------------------------------------------------------------

    async def stop(self, generation_id: int) -> None:
        """Ends the generation whatever its state; a remote task is stopped until it ends.

        Local-only work is just dropped. On Wiro: Cancel while queued, otherwise Kill; a
        refusal tries the other, and when both refuse the request is kept and tried again at
        the next status change ("Stopping…" meanwhile). tasks.md documents Cancel for queued
        tasks and Kill after assign; the window in between is undocumented.
        """
        state = self.ledger.get(generation_id)
        if state is None or state.is_final:
            return
        if state.phase in (Phase.PENDING, Phase.WAITING_SLOT, Phase.PAUSED):
            self._stop_requested.add(generation_id)
            if generation_id in self._queue:
                self._queue.remove(generation_id)
            await self.ledger.persist(
                generation_id, phase=Phase.CANCELLED, finished_at=self.ledger.clock()
            )
            return
        if state.phase is Phase.DOWNLOADING:
            self.follower.stop_downloads(generation_id)
            return
        self._stop_requested.add(generation_id)
        self.ledger.update(generation_id, stopping=True)
        if state.phase is Phase.SUBMITTING or not state.task_id:
            return  # _submit stops it as soon as Run answers
        stopped = await self.stopper.request(generation_id)
        if stopped and state.phase is Phase.STALLED:  # nothing follows it: record the end here
            await self.ledger.persist(
                generation_id, phase=Phase.CANCELLED, error=None, finished_at=self.ledger.clock()
            )

    async def retry(self, generation_id: int) -> GenerationState | None:
        """Retry on a card: check a stalled task again, fetch images that did not arrive,
        or (when Wiro never delivered) submit the same settings again."""
        state = self.ledger.get(generation_id)
        row = await self.ledger.db(self.ledger.history.generation, generation_id)
        if state is None or row is None:
            return None
        delivered = row.outputs or []
        refetch = bool(delivered) and len(state.images) < len(delivered)
        unfinished = row.phase in _UNFINISHED and state.is_final  # ended in memory only
        if row.task_id and (state.phase is Phase.STALLED or refetch or unfinished):
            if generation_id in self._active:
                return state
            now = self.ledger.clock()
            await self.ledger.db(
                self.ledger.history.update_generation, generation_id, follow_started_at=now
            )
            phase = Phase.DOWNLOADING if refetch else Phase.RUNNING
            await self.ledger.persist(generation_id, phase=phase, error=None, finished_at=None)
            self._follow(generation_id)
            return self.ledger.get(generation_id)
        if not state.is_final:
            return state
        link = None
        if state.parent_image_id is not None or state.operation is not None:
            link = GenerationLink(parent_image_id=state.parent_image_id, operation=state.operation)
        return await self.submit(state.params, tool=state.tool or None, link=link)

    # -- images ------------------------------------------------------------------------

    async def history(self, limit: int = 200) -> list[GenerationState]:
        rows = await self.ledger.db(self.ledger.history.recent_generations, limit)
        out = []
        for row in rows:
            state = self.ledger.get(row.id)
            if state is None:
                images = await self.ledger.db(self.ledger.history.images_for, row.id)
                state = generation_state(row, images)
                self.ledger.remember(state)
            out.append(state)
        return out

    async def set_starred(self, image_id: int, starred: bool) -> None:
        await self.ledger.db(self.ledger.history.set_starred, image_id, starred)

    async def save_images(
        self,
        images: Sequence[ImageRecord],
        folder: Path,
        *,
        stem: Callable[[ImageRecord], str] | None = None,
        strip_metadata: bool = False,
        export_format: ExportFormat | None = None,
    ) -> list[Path]:
        return await self.saver.save_images(
            images, folder, stem=stem, strip=strip_metadata, fmt=export_format
        )

    async def save_image_as(self, record: ImageRecord, dest: Path) -> Path:
        return await self.saver.save_as(record, dest)

    def default_stem(self, record: ImageRecord, template: str | None = None) -> str:
        return self.saver.stem(record, template)

    async def image(self, image_id: int) -> ImageRecord | None:
        return await self.ledger.image(image_id)

    async def _settle_trash(self) -> None:
        try:
            await self.library.settle_trash()
        except Exception:
            log.exception("could not empty the library's trash")
