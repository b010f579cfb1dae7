"""Follows a Wiro task to its end and brings every output home into the library."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from app.api.client import WiroClient
from app.api.errors import (
    DownloadError,
    NotFoundError,
    RefusedImageError,
    UnsafeUrlError,
    WiroError,
)
from app.api.events import (
    Cancelled,
    Failed,
    Finished,
    OutputsAnnounced,
    Progress,
    StatusChanged,
)
from app.api.models import Output
from app.api.watcher import TaskWatcher
from app.core.status import TaskStatus
from app.services.events import ImageRecord, Phase
from app.services.ledger import Ledger
from app.services.state import seed_for
from app.storage.library import ImageCheckError, extension_for, inspect_image, library_path

log = logging.getLogger(__name__)

DOWNLOAD_ROUNDS = 3
# Failures another attempt cannot change: an unsafe address, or content that is not an image.
_REFUSALS = (UnsafeUrlError, RefusedImageError, ImageCheckError)
_INDEX_RE = re.compile(r"^(\d{1,4})\.[A-Za-z0-9]{1,5}$")


def output_indices(outputs: Iterable[Output]) -> list[tuple[int, Output]]:
    """Our index for each output: "3.png" → 3 when sane and unique, else its position."""
    outputs = list(outputs)
    named = [_INDEX_RE.match(o.name or "") for o in outputs]
    numbers = [int(m.group(1)) if m else None for m in named]
    if None not in numbers and len(set(numbers)) == len(numbers):
        return list(zip(numbers, outputs, strict=True))  # type: ignore[arg-type]
    return list(enumerate(outputs))


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
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.watcher = watcher
        self.library_dir = library_dir
        self.io = io_executor
        self.on_image = on_image
        self.retry_delay = retry_delay
        self._downloads: dict[tuple[int, int], asyncio.Task[ImageRecord | None]] = {}

    async def follow(self, generation_id: int) -> None:
        """Until the task ends: events become rows and snapshots; outputs become files."""
        row = await self.ledger.db(self.ledger.history.generation, generation_id)
        if row is None or not row.task_id:
            return
        attempt = 0
        while True:
            try:
                async for event in self.watcher.watch(row.task_id, row.task_token or ""):
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
                log.warning("following task %s: %s; retry in %.0fs", row.task_id, exc, delay)
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
            await self.ledger.persist(
                gid,
                phase=Phase.DOWNLOADING,
                status=TaskStatus.POSTPROCESS_END.value,
            )
            self._start_downloads(gid, event.outputs)
        elif isinstance(event, Finished):
            await self._finish(gid, event.task.outputs, event.task)
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
            await self.ledger.persist(
                gid,
                phase=Phase.CANCELLED,
                status=TaskStatus.CANCEL.value,
                error=None,
                finished_at=self.ledger.clock(),
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

    async def fetch_outputs(self, gid: int, outputs: tuple[Output, ...]) -> None:
        """Downloads whatever is still missing, in rounds; the generation ends when all are in.

        An output refused for what it is (unsafe address, not an image, too big) is not
        tried again: when only refusals remain, the generation ends with the reason.
        """
        missing = 0
        refused: list[BaseException] = []
        for round_number in range(DOWNLOAD_ROUNDS):
            tasks = self._start_downloads(gid, outputs)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for result in results:
                if isinstance(result, asyncio.CancelledError):
                    raise result
            missing = sum(1 for r in results if not isinstance(r, ImageRecord))
            refused = [r for r in results if isinstance(r, _REFUSALS)]
            if missing == len(refused):
                break
            await asyncio.sleep(self.retry_delay * (round_number + 1))
        if refused and missing == len(refused):
            await self._refuse(gid, len(outputs), refused)
            return
        if missing:
            await self.ledger.persist(
                gid,
                error=f"{missing} of {len(outputs)} images could not be downloaded yet; "
                "Wiro Studio will try again on the next start.",
            )
            return
        await self.ledger.persist(
            gid, phase=Phase.SUCCEEDED, error=None, finished_at=self.ledger.clock()
        )

    async def _refuse(self, gid: int, total: int, refused: list[BaseException]) -> None:
        state = self.ledger.get(gid)
        stored = len(state.images) if state else 0
        reason = str(refused[0])
        if stored == 0:
            phase, error = Phase.FAILED, f"The image from Wiro was refused: {reason}"
        else:
            phase = Phase.SUCCEEDED
            error = f"{len(refused)} of {total} images from Wiro were refused: {reason}"
            self.ledger.notice(error, "warning")
        await self.ledger.persist(gid, phase=phase, error=error, finished_at=self.ledger.clock())

    def _start_downloads(
        self, gid: int, outputs: Iterable[Output]
    ) -> list[asyncio.Task[ImageRecord | None]]:
        state = self.ledger.get(gid)
        have = {i.index for i in state.images} if state else set()
        tasks = []
        for index, output in output_indices(outputs):
            key = (gid, index)
            existing = self._downloads.get(key)
            if existing is not None and _alive_or_ok(existing):
                tasks.append(existing)
                continue
            if index in have:
                continue
            task = asyncio.get_running_loop().create_task(self._download(gid, index, output))
            self._downloads[key] = task
            tasks.append(task)
        return tasks

    async def _download(self, gid: int, index: int, output: Output) -> ImageRecord | None:
        state = self.ledger.get(gid)
        if state is None:
            return None
        dest = library_path(
            self.library_dir,
            generation_id=gid,
            task_id=state.task_id,
            index=index,
            ext=extension_for(output.content_type),
            when=state.created_at,
        )
        try:
            result = await self.client.download(output.url, dest, expected_size=output.size)
            loop = asyncio.get_running_loop()
            width, height = await loop.run_in_executor(self.io, inspect_image, dest)
        except (DownloadError, ImageCheckError, WiroError) as exc:
            log.warning("image %s of generation %s: %s", index, gid, exc)
            await asyncio.get_running_loop().run_in_executor(self.io, _remove, dest)
            raise
        row = await self.ledger.db(
            self.ledger.history.add_image,
            generation_id=gid,
            index=index,
            seed=seed_for(state.params, index),
            path=dest,
            sha256=result.sha256,
            size=result.size,
            width=width,
            height=height,
            created_at=self.ledger.clock(),
        )
        record = row
        self.ledger.add_image(record)
        try:
            self.on_image(record)
        except Exception:
            log.exception("image hook failed")
        return record

    async def aclose(self) -> None:
        tasks = [t for t in self._downloads.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        self._downloads.clear()


def _alive_or_ok(task: asyncio.Task[Any]) -> bool:
    if not task.done():
        return True
    return not task.cancelled() and task.exception() is None and task.result() is not None


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
