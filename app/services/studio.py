"""The studio: submit, queue, stop, resume and save generations; what the window talks to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from app.api.client import WiroClient
from app.api.errors import (
    BadResponseError,
    ConcurrencyLimitError,
    InsufficientBalanceError,
    NetworkError,
    NotFoundError,
    ServerError,
    WiroError,
)
from app.api.watcher import TaskWatcher
from app.core.params import validate
from app.core.schema import ToolSchema
from app.core.status import StopAction, stop_action
from app.services.events import GenerationState, ImageRecord, Phase, ServiceEvent
from app.services.follow import Follower
from app.services.ledger import Ledger
from app.services.library import Library
from app.services.library_front import LibraryFront
from app.services.saving import ImageSaver
from app.services.spawn import Spawner
from app.services.state import generation_state
from app.storage.history import HistoryStore

log = logging.getLogger(__name__)

_UNFINISHED = ("pending", "waiting_slot", "paused", "submitting", "running", "downloading")


class InvalidParameters(ValueError):
    """The form values failed validation; ``errors`` maps field ids to English messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values()), "invalid parameters"))
        self.errors = errors


class Studio(LibraryFront):
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
        io_executor: Executor | None = None,
    ) -> None:
        self.schema = schema
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

    # -- listeners and snapshots -------------------------------------------------------

    def subscribe(self, listener: Callable[[ServiceEvent], None]) -> Callable[[], None]:
        return self.ledger.subscribe(listener)

    def generation(self, generation_id: int) -> GenerationState | None:
        return self.ledger.get(generation_id)

    def in_flight(self) -> int:
        """Generations not yet ended (queued locally, running on Wiro, or downloading)."""
        return sum(1 for s in self.ledger.all() if not s.is_final)

    @property
    def paused(self) -> bool:
        return self._paused

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
        return resumed

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

    async def submit(self, values: dict[str, Any]) -> GenerationState:
        """Validates, writes the generation to disk, and queues it; Run is sent by the queue."""
        result = validate(self.schema, values)
        if not result.ok:
            raise InvalidParameters(result.errors)
        params = result.params
        gid = await self.ledger.db(
            self.ledger.history.create_generation,
            tool=self.schema.slug,
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

    def _slots_free(self) -> bool:
        return self._slot_limit is None or len(self._active) < self._slot_limit

    async def _dispatch(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and not self._paused and self._slots_free():
                gid = self._queue.popleft()
                if gid in self._stop_requested:
                    continue
                self._active.add(gid)
                self.spawner.spawn(self._submit(gid), name=f"submit-{gid}")

    def _release(self, gid: int) -> None:
        self._active.discard(gid)
        self._wake.set()

    async def _submit(self, gid: int) -> None:
        state = self.ledger.get(gid)
        if state is None:
            self._release(gid)
            return
        await self.ledger.persist(gid, phase=Phase.SUBMITTING, run_sent_at=self.ledger.clock())
        try:
            run = await self.client.run(self.schema.owner, self.schema.project, state.params)
        except ConcurrencyLimitError:
            await self._requeue(gid, Phase.WAITING_SLOT)
            self._slot_limit = max(1, len(self._active))
            await self._mark_queued(Phase.WAITING_SLOT)
            self.ledger.notice("Wiro's concurrency limit is reached: waiting for a free slot.")
            self.spawner.spawn(self._wake_later(self.slot_retry_seconds), name="slot-retry")
            return
        except InsufficientBalanceError as exc:
            self._paused = True
            self._pause_note = (
                f"{_sentence(str(exc))} The queue is paused: top up your Wiro balance, "
                "then press Resume."
            )
            await self._requeue(gid, Phase.PAUSED, error=self._pause_note)
            await self._mark_queued(Phase.PAUSED, self._pause_note)
            self.ledger.notice(self._pause_note, "error")
            return
        except NetworkError as exc:
            if exc.request_sent is False:
                await self._requeue(gid, Phase.PENDING, error=f"{exc} Retrying…")
                self.spawner.spawn(self._wake_later(self.slot_retry_seconds), name="net-retry")
                return
            self._release(gid)
            await self._mark_unknown(gid, str(exc))
            return
        except WiroError as exc:
            if exc.http_status in (408, 429):  # refused before any work: safe to send later
                await self._requeue(gid, Phase.PENDING, error=f"{exc} Retrying…")
                self.spawner.spawn(self._wake_later(self.slot_retry_seconds), name="busy-retry")
                return
            self._release(gid)
            if _may_have_started(exc):
                await self._mark_unknown(gid, str(exc))
                return
            field = getattr(exc, "field", None)
            error = f"{exc}" + (f" (field: {field})" if field else "")
            await self.ledger.persist(
                gid, phase=Phase.FAILED, error=error, finished_at=self.ledger.clock()
            )
            return
        except BaseException:
            self._release(gid)
            raise
        await self.ledger.persist(
            gid,
            phase=Phase.RUNNING,
            status="task_queue",
            task_id=run.task_id,
            task_token=run.socket_token,
            error=None,
        )
        if gid in self._stop_requested:
            self.spawner.spawn(self.stop(gid), name=f"stop-{gid}")
        self._follow(gid)

    def _follow(self, gid: int) -> None:
        self._active.add(gid)

        async def follow() -> None:
            try:
                await self.follower.follow(gid)
            finally:
                self._release(gid)

        self.spawner.spawn(follow(), name=f"follow-{gid}")

    async def _requeue(self, gid: int, phase: Phase, error: str | None = None) -> None:
        self._active.discard(gid)
        await self.ledger.persist(gid, phase=phase, run_sent_at=None, error=error)
        self._queue.appendleft(gid)

    async def _mark_queued(self, phase: Phase, error: str | None = None) -> None:
        """Says why the local queue waits; whatever left the queue meanwhile is not touched."""
        for gid in list(self._queue):
            state = self.ledger.get(gid)
            waiting = (Phase.PENDING, Phase.WAITING_SLOT, Phase.PAUSED)
            if gid in self._queue and state is not None and state.phase in waiting:
                await self.ledger.persist(gid, phase=phase, error=error)

    async def _wake_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self._slot_limit = None if not self._active else self._slot_limit
        self._wake.set()

    async def _mark_unknown(self, gid: int, detail: str = "") -> None:
        text = "The request may have reached Wiro, but its answer was lost. "
        text += "It is not sent again automatically: check your Wiro dashboard."
        await self.ledger.persist(
            gid,
            phase=Phase.UNKNOWN,
            error=text + (f" ({detail})" if detail else ""),
            finished_at=self.ledger.clock(),
        )

    async def resume(self) -> None:
        """Resumes a queue paused for insufficient balance."""
        self._pause_note = None
        await self._mark_queued(Phase.PENDING)  # still paused meanwhile: nothing is sent yet
        self._paused = False
        self._wake.set()

    # -- stopping ----------------------------------------------------------------------

    async def stop(self, generation_id: int) -> None:
        """Cancel while queued on Wiro, Kill once it runs; local-only work is just dropped."""
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
        if state.phase is Phase.SUBMITTING or not state.task_id:
            self._stop_requested.add(generation_id)
            self.ledger.update(generation_id, error="Stopping as soon as Wiro answers…")
            return
        action = stop_action(state.status)
        try:
            if action is StopAction.CANCEL:
                try:
                    await self.client.cancel(state.task_id)
                except NotFoundError:
                    await self.client.kill(task_id=state.task_id)
            elif action is StopAction.KILL:
                await self.client.kill(task_id=state.task_id)
        except WiroError as exc:
            self.ledger.notice(f"Could not stop the task: {exc}", "error")

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
    ) -> list[Path]:
        return await self.saver.save_images(images, folder, stem=stem, strip=strip_metadata)

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


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _may_have_started(exc: WiroError) -> bool:
    """A Run answered by a server error (a gateway timing out, 5xx) or an unreadable 2xx may
    still have started a billable task: it is marked unknown, never sent again."""
    return isinstance(exc, ServerError | BadResponseError)
