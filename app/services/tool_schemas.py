"""Each known tool's schema for one connection: live from Tool/Detail once, else bundled."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from app.api.errors import WiroError
from app.core.schema import SchemaError, ToolSchema, parse_tool
from app.core.tools import SchemaChoice, choose_schema, find_tool
from app.resources import tool_detail_payload

if TYPE_CHECKING:
    from app.api.client import WiroClient

log = logging.getLogger(__name__)


class UnknownTool(KeyError):
    """A generation names a tool the app does not know."""


def bundled_tool_schema(slug: str) -> ToolSchema:
    """The offline copy in resources/tools ("as documented, unverified" for the new tools)."""
    info = find_tool(slug)
    if info is None:
        raise UnknownTool(slug)
    return parse_tool(tool_detail_payload(info.resource))


class ToolSchemas:
    """The schema cache of one Studio: each tool is asked for (Tool/Detail) once."""

    def __init__(self, client: WiroClient, primary: ToolSchema, timeout: float = 8.0) -> None:
        self.client = client
        self.timeout = timeout
        self._choices: dict[str, SchemaChoice] = {primary.slug.lower(): SchemaChoice(primary, True)}
        self._lock = asyncio.Lock()

    def set_primary(self, schema: ToolSchema) -> None:
        """The generate tool's schema, as Tool/Detail answered it behind the studio's start."""
        self._choices[schema.slug.lower()] = SchemaChoice(schema, True)

    def cached(self, slug: str) -> ToolSchema | None:
        choice = self._choices.get(slug.lower())
        return choice.schema if choice is not None else None

    async def choice(self, slug: str) -> SchemaChoice:
        """The tool's schema and what the user should be told about it (UnknownTool if the
        app does not know the tool)."""
        key = slug.lower()
        if key in self._choices:
            return self._choices[key]
        info = find_tool(slug)
        if info is None:
            raise UnknownTool(slug)
        async with self._lock:
            if key in self._choices:
                return self._choices[key]
            offline = bundled_tool_schema(slug)
            live: ToolSchema | None
            try:
                live = await asyncio.wait_for(
                    self.client.tool_detail(info.owner, info.project), self.timeout
                )
            except (WiroError, SchemaError, TimeoutError) as exc:
                log.info("using the bundled schema of %s (%s)", info.slug, type(exc).__name__)
                live = None
            choice = choose_schema(info, offline, live)
            self._choices[key] = choice
            self._choices[info.slug.lower()] = choice
            return choice

    async def schema(self, slug: str) -> ToolSchema:
        return (await self.choice(slug)).schema
