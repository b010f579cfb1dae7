"""Follows a Wiro task to its end: its events become history rows, its outputs are fetched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.api.errors import NotFoundError, WiroError
from app.api.events import (
    Cancelled,
    Failed,
    Finished,
    OutputsAnnounced,
    Progress,
    StatusChanged,
)
from app.api.models import Output
from app.core.status import TaskStatus
from app.services.events import ImageRecord, Phase
from app.services.fetcher import OutputFetcher, accepted_outputs
from app.services.ledger import Ledger
from app.services.outputs import output_to_json

if TYPE_CHECKING:  # handed in: httpx loads when a connection opens
    from app.api.client import WiroClient
    from app.api.watcher import TaskWatcher

log = logging.getLogger(__name__)

# Following one task ends after this long in total, across restarts (stored in the row).
MAX_FOLLOW_SECONDS = 6 * 3600.0


class Follower:
    """Watches one task at a time per call; the row is updated before the UI hears of it."""

    def __init__(
        self,
        ledger: Ledger,
        client: WiroClient,
        watcher: TaskWatcher,
        *,
        library_dir: Path,
        io_executor: Executor,
        on_image: Callable[[ImageRecord], None] = lambda record: None,
        retry_delay: float = 2.0,
        max_follow_seconds: float = MAX_FOLLOW_SECONDS,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.watcher = watcher
        self.retry_delay = retry_delay
        self.max_follow_seconds = max_follow_seconds
        self.fetcher = OutputFetcher(
            ledger,
            client,
            library_dir=library_dir,
            io_executor=io_executor,
            on_image=on_image,
            retry_delay=retry_delay,
        )
        self._bounds: dict[int, asyncio.Timeout] = {}

    async def follow(self, generation_id: int) -> None:
        """Until the task ends: events become rows and snapshots; outputs become files.

        Following is bounded in total, across restarts: past ``max_follow_seconds`` since it
        began (stored in the row), the generation is marked stalled and polling stops.
        """
        row = await self.ledger.db(self.ledger.history.generation, generation_id)
        if row is None or not row.task_id:
            return
        began = row.follow_started_at
        if began is None:
            began = self.ledger.clock()
            await self.ledger.db(
                self.ledger.history.update_generation, generation_id, follow_started_at=began
            )
        remaining: float | None = began + self.max_follow_seconds - self.ledger.clock()
        if row.phase == Phase.DOWNLOADING.value:
            remaining = None  # the task has ended on Wiro: only the downloads are left
        try:
            async with asyncio.timeout(None if remaining is None else max(0.0, remaining)) as bound:
                self._bounds[generation_id] = bound
                await self._watch(generation_id, row.task_id, row.task_token or "")
        except TimeoutError:
            if not bound.expired():
                raise
            await self._stall(generation_id)
        finally:
            self._bounds.pop(generation_id, None)

    async def _stall(self, gid: int) -> None:
        hours = self.max_follow_seconds / 3600
        await self.ledger.persist(
            gid,
            phase=Phase.STALLED,
            error=f"No end from Wiro after {hours:g} hours, so Wiro Studio stopped checking. "
            "Check again, or Stop the task.",
        )

    async def _watch(self, generation_id: int, task_id: str, token: str) -> None:
        attempt = 0
        while True:
            try:
                # Closed here, in this task, even when it is cancelled at shutdown: left to the
                # garbage collector, the generator's cleanup could not await its release.
                async with contextlib.aclosing(self.watcher.watch(task_id, token)) as events:
                    async for event in events:
                        await self._handle(generation_id, event)
                return
            except NotFoundError:
                await self.ledger.persist(
                    generation_id,
                    phase=Phase.FAILED,
                    error="Wiro no longer knows this task; its images cannot be fetched.",
                    finished_at=self.ledger.clock(),
                )
                return
            except WiroError as exc:
                attempt += 1
                delay = min(60.0, self.retry_delay * 2 ** min(attempt, 6))
                log.warning("following task %s: %s; retry in %.0fs", task_id, exc, delay)
                self.ledger.update(generation_id, error=f"{exc} Retrying…")
                await asyncio.sleep(delay)

    async def _handle(self, gid: int, event: object) -> None:
        state = self.ledger.get(gid)
        if state is None:
            return
        if isinstance(event, StatusChanged):
            changes: dict[str, Any] = {"status": event.status, "error": None}
            if event.status == TaskStatus.START and state.started_at is None:
                changes["started_at"] = self.ledger.clock()
            if event.status == TaskStatus.ERROR:
                changes.pop("error")
            await self.ledger.persist(gid, **changes)
        elif isinstance(event, Progress):
            self.ledger.update(gid, step=event.step, total_steps=event.total, percent=event.percent)
        elif isinstance(event, OutputsAnnounced):
            self._unbound(gid)
            outputs = accepted_outputs(self.ledger, gid, event.outputs)
            await self.ledger.persist(
                gid,
                phase=Phase.DOWNLOADING,
                status=TaskStatus.POSTPROCESS_END.value,
                outputs=[output_to_json(o) for o in outputs],
            )
            self.fetcher.start(gid, outputs)
        elif isinstance(event, Finished):
            self._unbound(gid)
            outputs = accepted_outputs(self.ledger, gid, event.task.outputs)
            await self._finish(gid, outputs, event.task)
        elif isinstance(event, Failed):
            task = event.task
            await self.ledger.persist(
                gid,
                phase=Phase.FAILED,
                status=task.status if task else state.status,
                error=event.reason,
                debug_error=event.debug_error,
                cost=task.total_cost if task else None,
                elapsed_seconds=task.elapsed_seconds if task else None,
                finished_at=self.ledger.clock(),
            )
        elif isinstance(event, Cancelled):
            await self._cancelled(gid, event.task)

    async def _cancelled(self, gid: int, task: Any) -> None:
        """Records what the final record says a cancelled/killed task cost, and keeps its
        outputs: tasks.md says cancelled tasks are not billed, but the tool page's Kill sample
        shows a cost and outputs, so the answer is trusted, not the assumption."""
        outputs = tuple(o for o in task.outputs if o.url) if task is not None else ()
        spent = {
            "cost": task.total_cost if task is not None else None,
            "elapsed_seconds": task.elapsed_seconds if task is not None else None,
        }
        if outputs:
            await self.ledger.persist(
                gid,
                phase=Phase.DOWNLOADING,
                status=TaskStatus.CANCEL.value,
                outputs=[output_to_json(o) for o in outputs],
                **spent,
            )
            await self.fetch_outputs(gid, outputs)
            state = self.ledger.get(gid)
            if state is None or state.phase is not Phase.SUCCEEDED:
                return  # still downloading (retried on the next start), or refused
        await self.ledger.persist(
            gid,
            phase=Phase.CANCELLED,
            status=TaskStatus.CANCEL.value,
            error=None,
            finished_at=self.ledger.clock(),
            **spent,
        )

    async def _finish(self, gid: int, outputs: tuple[Output, ...], task: Any) -> None:
        await self.ledger.persist(
            gid,
            phase=Phase.DOWNLOADING,
            status=task.status,
            cost=task.total_cost,
            elapsed_seconds=task.elapsed_seconds,
        )
        await self.fetch_outputs(gid, outputs)

    def _unbound(self, gid: int) -> None:
        """The task has ended on Wiro: the bound on following no longer applies."""
        bound = self._bounds.get(gid)
        if bound is not None:
            bound.reschedule(None)

    async def fetch_outputs(self, gid: int, outputs: tuple[Output, ...]) -> None:
        """Downloads whatever is missing, then the generation ends (see OutputFetcher.fetch)."""
        await self.fetcher.fetch(gid, outputs)

    def stop_downloads(self, gid: int) -> None:
        """Stops this generation's downloads; the generation then ends with what it has."""
        self.fetcher.stop(gid)

    async def aclose(self) -> None:
        await self.fetcher.aclose()
