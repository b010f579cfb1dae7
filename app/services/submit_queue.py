"""Studio's local submit queue: slots, Wiro's concurrency limit, pause/resume and Run retries."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.api.errors import (
    BadResponseError,
    ConcurrencyLimitError,
    InsufficientBalanceError,
    NetworkError,
    ServerError,
    WiroError,
)
from app.core.file_inputs import FileInputError, run_params
from app.core.schema import ToolSchema
from app.core.text import storable
from app.services.events import Phase
from app.services.follow import Follower
from app.services.ledger import Ledger
from app.services.recovery import Recovery
from app.services.spawn import Spawner
from app.services.stopping import Stopper
from app.services.tool_schemas import ToolSchemas
from app.services.uploads import UploadRefused, upload_inputs

if TYPE_CHECKING:  # handed in by open_studio: httpx loads when a connection opens
    from app.api.client import WiroClient

log = logging.getLogger(__name__)


class SubmitQueue:
    """Mixed into Studio: sends queued generations to Wiro as slots free up, and follows them."""

    schema: ToolSchema
    tools: ToolSchemas
    client: WiroClient
    ledger: Ledger
    spawner: Spawner
    follower: Follower
    stopper: Stopper
    recovery: Recovery
    slot_retry_seconds: float
    recovery_delay: float
    _queue: deque[int]
    _active: set[int]
    _stop_requested: set[int]
    _slot_limit: int | None
    _paused: bool
    _pause_note: str | None
    _wake: asyncio.Event
    _closed: bool

    @property
    def paused(self) -> bool:
        return self._paused

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
                self.spawner.spawn(
                    self._submit(gid), name=f"submit-{gid}", on_error=self._ended_by_error(gid)
                )

    def _release(self, gid: int) -> None:
        self._active.discard(gid)
        self._wake.set()

    async def _submit(self, gid: int) -> None:
        state = self.ledger.get(gid)
        if state is None:
            self._release(gid)
            return
        try:
            schema = await self.tools.schema(state.tool or self.schema.slug)
            params = await upload_inputs(self.ledger, self.client, schema, gid, state.params)
            sent = run_params(schema, params, {})
        except (UploadRefused, FileInputError, KeyError) as exc:
            self._release(gid)
            await self.ledger.persist(
                gid, phase=Phase.FAILED, error=str(exc), finished_at=self.ledger.clock()
            )
            return
        except WiroError as exc:  # File/Upload only: not billable, so it may be sent later
            if not _retriable_upload(exc):
                self._release(gid)
                await self.ledger.persist(
                    gid,
                    phase=Phase.FAILED,
                    error=f"Upload refused: {exc}",
                    finished_at=self.ledger.clock(),
                )
                return
            await self._requeue(gid, Phase.PENDING, error=f"Upload failed: {exc} Retrying…")
            self.spawner.spawn(self._wake_later(self.slot_retry_seconds), name="upload-retry")
            return
        except BaseException:
            self._release(gid)
            raise
        await self.ledger.persist(gid, phase=Phase.SUBMITTING, run_sent_at=self.ledger.clock())
        try:
            run = await self.client.run(schema.owner, schema.project, sent)
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
            self.spawner.spawn(self._recover_later(gid), name=f"recover-{gid}")
            return
        except WiroError as exc:
            if exc.http_status in (408, 429):  # refused before any work: safe to send later
                await self._requeue(gid, Phase.PENDING, error=f"{exc} Retrying…")
                self.spawner.spawn(self._wake_later(self.slot_retry_seconds), name="busy-retry")
                return
            self._release(gid)
            if _may_have_started(exc):
                await self._mark_unknown(gid, str(exc))
                self.spawner.spawn(self._recover_later(gid), name=f"recover-{gid}")
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
            self.spawner.spawn(self.stopper.request(gid), name=f"stop-{gid}")
        self._follow(gid)

    def _follow(self, gid: int) -> None:
        self._active.add(gid)

        async def follow() -> None:
            try:
                await self.follower.follow(gid)
            finally:
                self._release(gid)

        self.spawner.spawn(follow(), name=f"follow-{gid}", on_error=self._ended_by_error(gid))

    def _ended_by_error(self, gid: int) -> Callable[[BaseException, str], None]:
        """A background task of ``gid`` failed unexpectedly (e.g. a write): end it visibly."""

        def handler(exc: BaseException, name: str) -> None:
            log.error("%s failed", name, exc_info=exc)
            self._release(gid)
            state = self.ledger.get(gid)
            if state is None or state.is_final:
                return
            detail = storable(f"{type(exc).__name__}: {exc}")[:300]
            # Only the snapshot ends: the row stays unfinished, so the next start (or Retry)
            # checks the task again and nothing paid for is given up.
            error = (
                f"Wiro Studio could not record this generation ({detail}). "
                "Nothing was sent again; it is checked again at the next start."
            )
            self.ledger.update(
                gid, phase=Phase.FAILED, error=error, finished_at=self.ledger.clock()
            )

        return handler

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

    async def _recover_later(self, gid: int) -> None:
        """Wiro lists the task once it exists: look for it shortly after the answer was lost."""
        await asyncio.sleep(self.recovery_delay)
        await self.recovery.check([gid])

    async def _mark_unknown(self, gid: int, detail: str = "") -> None:
        text = "The request may have reached Wiro, but its answer was lost. "
        text += "It is not sent again automatically: check your Wiro dashboard, or use "
        text += "“Check Wiro for missing images” (also done on each start)."
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


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


def _may_have_started(exc: WiroError) -> bool:
    """A Run answered by a server error (a gateway timing out, 5xx) or an unreadable 2xx may
    still have started a billable task: it is marked unknown, never sent again."""
    return isinstance(exc, ServerError | BadResponseError)


def _retriable_upload(exc: WiroError) -> bool:
    return isinstance(exc, NetworkError | ServerError) or exc.http_status in (408, 429)
