"""Builds a working Studio for one connection: the real Wiro API or the offline demo."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.api.errors import WiroError
from app.core.credentials import Credentials
from app.core.schema import SchemaError, ToolSchema, parse_tool
from app.resources import tool_detail_payload
from app.services.spawn import Spawner
from app.services.studio import Studio
from app.storage.paths import AppPaths
from app.storage.profile import open_history

if TYPE_CHECKING:
    from app.api.client import ApiConfig, WiroClient

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


def bundled_schema() -> ToolSchema:
    return parse_tool(tool_detail_payload())


async def verify_credentials(spec: ConnectionSpec) -> None:
    """One cheap authenticated call; AuthError when refused, CredentialCheckError when the
    answer is not one it recognises as "valid" (nothing is stored in either case)."""
    from app.api.client import WiroClient

    async with WiroClient(spec.api_config(), spec.credentials) as client:
        await client.probe()


async def load_schema(client: WiroClient, timeout: float = 8.0) -> ToolSchema:
    """The tool's live schema from Tool/Detail, else the bundled copy (offline, or refused)."""
    try:
        return await asyncio.wait_for(client.tool_detail(TOOL_OWNER, TOOL_PROJECT), timeout)
    except (WiroError, SchemaError, TimeoutError) as exc:
        log.info("using the bundled tool schema (%s)", type(exc).__name__)
        return bundled_schema()


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

    client = WiroClient(spec.api_config(), spec.credentials)
    try:
        schema = await load_schema(client)
        loop = asyncio.get_running_loop()
        history = await loop.run_in_executor(None, open_history, paths, spec.demo)
    except BaseException:
        await client.aclose()
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
