"""Builds a working Studio for one connection: the real Wiro API or the offline demo."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.core.credentials import Credentials
from app.core.schema import SchemaError, ToolSchema, parse_tool
from app.services.schema_cache import UNREADABLE, bundled_schema, cached_schema, store_schema
from app.storage.paths import AppPaths

if TYPE_CHECKING:  # the network stack, the history and the studio load when a studio opens
    from app.api.client import ApiConfig, WiroClient
    from app.services.spawn import Spawner
    from app.services.studio import Studio

log = logging.getLogger(__name__)

TOOL_OWNER, TOOL_PROJECT = "Lykon", "dreamshaper-8"
# Plain http is allowed only for the emulator on this machine (demo, tests, local servers).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ConnectionSpec:
    """Where to connect and as whom; ``demo`` selects the demo profile and its library."""

    base_url: str
    socket_url: str
    credentials: Credentials
    demo: bool = False

    def api_config(self) -> ApiConfig:
        from app.api.client import ApiConfig  # httpx loads when a connection opens

        insecure: frozenset[str] = frozenset()
        parts = urlsplit(self.base_url)
        if self.demo or parts.hostname in LOOPBACK_HOSTS:
            insecure = frozenset({f"{parts.hostname}:{parts.port}"})
        return ApiConfig(
            base_url=self.base_url, socket_url=self.socket_url, insecure_hosts=insecure
        )


async def verify_credentials(spec: ConnectionSpec) -> None:
    """One cheap authenticated call; AuthError when refused, CredentialCheckError when the
    answer is not one it recognises as "valid" (nothing is stored in either case)."""
    from app.api.client import WiroClient

    async with WiroClient(spec.api_config(), spec.credentials) as client:
        await client.probe()


async def load_schema(
    client: WiroClient,
    timeout: float = 8.0,
    *,
    cache: tuple[AppPaths, bool] | None = None,
) -> ToolSchema:
    """The tool's live schema from Tool/Detail, else the cached or bundled copy (offline,
    or refused). With ``cache`` (paths, demo) a live answer that parses is kept for the next
    start's first frame."""
    from app.api.errors import WiroError

    try:
        payload = await asyncio.wait_for(client.tool_detail_raw(TOOL_OWNER, TOOL_PROJECT), timeout)
        schema = parse_tool(payload)
    except (WiroError, SchemaError, TimeoutError, *UNREADABLE) as exc:
        log.info("using the stored tool schema (%s)", type(exc).__name__)
        loop = asyncio.get_running_loop()
        if cache is None:
            return bundled_schema()
        return await loop.run_in_executor(None, cached_schema, *cache)
    if cache is not None:  # written behind the studio's start, which does not wait for it
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, store_schema, cache[0], cache[1], payload)
    return schema


async def open_studio(
    spec: ConnectionSpec,
    paths: AppPaths,
    *,
    spawner: Spawner | None = None,
    watcher_options: dict[str, Any] | None = None,
    **options: Any,
) -> Studio:
    """Client, watcher, history and studio for ``spec``; unfinished work is re-attached.

    ``watcher_options`` go to the TaskWatcher (poll intervals, ``connect``: tests, benchmarks).
    """
    from app.api.client import WiroClient
    from app.api.watcher import TaskWatcher
    from app.services.studio import Studio
    from app.storage.profile import open_history

    client = WiroClient(spec.api_config(), spec.credentials)
    loop = asyncio.get_running_loop()
    # The studio opens with the last Tool/Detail answer (the first frame's form): the library
    # is local and does not wait for the network. refresh_schema() asks Wiro behind it.
    history_opening = loop.run_in_executor(None, open_history, paths, spec.demo)
    try:
        schema = await loop.run_in_executor(None, cached_schema, paths, spec.demo)
        history = await history_opening
    except BaseException:
        await client.aclose()
        if not history_opening.done():
            history_opening.add_done_callback(_close_history)
        elif not history_opening.cancelled() and history_opening.exception() is None:
            history_opening.result().close()
        raise
    studio = Studio(
        schema=schema,
        client=client,
        watcher=TaskWatcher(client, **(watcher_options or {})),
        history=history,
        library_dir=paths.library_dir(spec.demo),
        spawner=spawner,
        **options,
    )
    await studio.start()
    return studio


async def refresh_schema(studio: Studio, paths: AppPaths, demo: bool) -> bool:
    """Asks Tool/Detail behind an opened studio; True when the live answer differs from the
    schema it opened with (the studio then uses it, and the form should follow)."""
    schema = await load_schema(studio.client, cache=(paths, demo))
    if schema == studio.schema:
        return False
    studio.use_schema(schema)
    return True


def _close_history(future: asyncio.Future[Any]) -> None:
    """A history opened for a studio that failed to open meanwhile."""
    if not future.cancelled() and future.exception() is None:
        future.result().close()
