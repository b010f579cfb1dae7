"""Brings a task's outputs home: spaced download rounds, renewed links, each image stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.api.errors import (
    DownloadError,
    ExpiredLinkError,
    RefusedImageError,
    StorageFullError,
    StorageWriteError,
    UnsafeUrlError,
    WiroError,
)
from app.api.models import Output
from app.services.events import ImageRecord, Phase
from app.services.ledger import Ledger
from app.services.outputs import output_indices, output_to_json
from app.services.state import seed_for
from app.storage.library import ImageCheckError, extension_for, inspect_image, library_path

if TYPE_CHECKING:  # handed in: httpx loads when a connection opens
    from app.api.client import WiroClient

log = logging.getLogger(__name__)

DOWNLOAD_ROUNDS = 3
# Failures another attempt cannot change: an unsafe address, or content that is not an image.
_REFUSALS = (UnsafeUrlError, RefusedImageError, ImageCheckError)
# ...nor another attempt right now: the disk is full or the folder cannot be written.
_PERMANENT = (*_REFUSALS, StorageFullError, StorageWriteError)


def accepted_outputs(ledger: Ledger, gid: int, outputs: tuple[Output, ...]) -> tuple[Output, ...]:
    """At most the number of images asked for (the first ones); the rest is noted."""
    state = ledger.get(gid)
    wanted = state.expected_images if state else 0
    if wanted <= 0 or len(outputs) <= wanted:
        return outputs
    log.warning("task of generation %s sent %s outputs for %s", gid, len(outputs), wanted)
    ledger.notice(
        f"Wiro sent {len(outputs)} images where {wanted} were asked for; "
        f"only the first {wanted} were kept.",
        "warning",
    )
    return outputs[:wanted]


class OutputFetcher:
    """Downloads one generation's outputs into the library; one download per (generation, index)."""

    def __init__(
        self,
        ledger: Ledger,
        client: WiroClient,
        *,
        library_dir: Path,
        io_executor: Executor,
        on_image: Callable[[ImageRecord], None],
        retry_delay: float,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.library_dir = library_dir
        self.io = io_executor
        self.on_image = on_image
        self.retry_delay = retry_delay
        self._stopping: set[int] = set()
        self._downloads: dict[tuple[int, int], asyncio.Task[ImageRecord | None]] = {}

    async def fetch(self, gid: int, outputs: tuple[Output, ...]) -> None:
        """Downloads whatever is missing in a few spaced rounds, then the generation ends.

        A failure another try cannot fix now (refused content, full or unwritable disk) ends
        the rounds early; expired links are renewed once from Task/Detail. Whatever is still
        missing at the end is named on the card, and Retry fetches it again.
        """
        failures: list[BaseException] = []
        renewed = False
        for round_number in range(DOWNLOAD_ROUNDS):
            # The first round counts the downloads the announcement already started, failed
            # ones included: a failure is not fetched twice in a row without a pause.
            tasks = self.start(gid, outputs, reuse_failed=round_number == 0)
            results = await asyncio.gather(*tasks, return_exceptions=True)
            stopped = any(isinstance(r, asyncio.CancelledError) for r in results)
            if stopped and gid not in self._stopping:
                raise asyncio.CancelledError
            if gid in self._stopping:
                failures = [DownloadError("Stopped while downloading.")]
                break
            failures = [r for r in results if isinstance(r, BaseException)]
            if not failures:
                break
            if not renewed and any(isinstance(f, ExpiredLinkError) for f in failures):
                renewed = True
                fresh = await self._fresh_outputs(gid)
                if fresh:
                    outputs = fresh
                    continue
            if all(isinstance(f, _PERMANENT) for f in failures):
                break
            await asyncio.sleep(self.retry_delay * (round_number + 1))
        self._stopping.discard(gid)
        await self._end_downloads(gid, len(outputs), failures)

    async def _fresh_outputs(self, gid: int) -> tuple[Output, ...]:
        """The task's outputs read again (their links are signed and expire), or nothing."""
        state = self.ledger.get(gid)
        if state is None or not state.task_id:
            return ()
        try:
            task = await self.client.task_detail(task_id=state.task_id)
        except WiroError as exc:
            log.warning("renewing the links of generation %s: %s", gid, exc)
            return ()
        if task is None or not task.outputs:
            return ()
        outputs = accepted_outputs(self.ledger, gid, task.outputs)
        await self.ledger.persist(gid, outputs=[output_to_json(o) for o in outputs])
        return outputs

    async def _end_downloads(self, gid: int, total: int, failures: list[BaseException]) -> None:
        if not failures:
            await self.ledger.persist(
                gid, phase=Phase.SUCCEEDED, error=None, finished_at=self.ledger.clock()
            )
            return
        state = self.ledger.get(gid)
        stored = len(state.images) if state else 0
        first = failures[0]
        reason = str(first) if isinstance(first, WiroError) else f"{type(first).__name__}: {first}"
        refused = isinstance(first, _REFUSALS)
        if stored == 0:
            phase = Phase.FAILED
            error = f"The image from Wiro was refused: {reason}" if refused else reason
        else:
            phase = Phase.SUCCEEDED
            what = "images from Wiro were refused" if refused else "images are missing"
            error = f"{len(failures)} of {total} {what}: {reason}"
            self.ledger.notice(error, "warning")
        if not refused:
            error += " Press Retry to fetch the images again."
        await self.ledger.persist(gid, phase=phase, error=error, finished_at=self.ledger.clock())

    def stop(self, gid: int) -> None:
        """Stops this generation's downloads; the generation then ends with what it has."""
        self._stopping.add(gid)
        for (owner, _), task in self._downloads.items():
            if owner == gid and not task.done():
                task.cancel()

    def start(
        self, gid: int, outputs: Iterable[Output], *, reuse_failed: bool = False
    ) -> list[asyncio.Task[ImageRecord | None]]:
        state = self.ledger.get(gid)
        have = {i.index for i in state.images} if state else set()
        tasks: list[asyncio.Task[ImageRecord | None]] = []
        if gid in self._stopping:
            return tasks
        for index, output in output_indices(outputs):
            key = (gid, index)
            existing = self._downloads.get(key)
            reuse = reuse_failed and existing is not None and _failed(existing)
            if existing is not None and (_alive_or_ok(existing) or reuse):
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


def _failed(task: asyncio.Task[Any]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _alive_or_ok(task: asyncio.Task[Any]) -> bool:
    if not task.done():
        return True
    return not task.cancelled() and task.exception() is None and task.result() is not None


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
