"""The tool schema the first frame shows: the profile's last Tool/Detail answer, else the
bundled copy. Light on purpose (json, the schema parser, paths): it runs before the window."""

from __future__ import annotations

import json
import logging
from typing import Any

from app.core.schema import ToolSchema, parse_tool
from app.resources import tool_detail_payload
from app.storage.paths import AppPaths

log = logging.getLogger(__name__)

MAX_CACHED_SCHEMA = 4 * 2**20  # bytes; a Tool/Detail answer is a few kB
# What parse_tool may raise on a damaged or foreign answer (as WiroClient.tool_detail catches).
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError)


def bundled_schema() -> ToolSchema:
    return parse_tool(tool_detail_payload())


def cached_schema(paths: AppPaths, demo: bool) -> ToolSchema:
    """The profile's last Tool/Detail answer, else the bundled one: what the first frame shows.

    Blocking (one small file): call it off the GUI thread, or before the window exists."""
    path = paths.tool_detail_cache(demo)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CACHED_SCHEMA + 1)
        if len(data) > MAX_CACHED_SCHEMA:
            raise ValueError("cached tool description too large")
        return parse_tool(json.loads(data))
    except FileNotFoundError:
        return bundled_schema()
    except (OSError, *UNREADABLE) as exc:
        log.info("using the bundled tool schema, the cached one is unreadable (%s)", exc)
        return bundled_schema()


def store_schema(paths: AppPaths, demo: bool, payload: dict[str, Any]) -> None:
    """Keeps a Tool/Detail answer that parsed for the next start (blocking, atomic)."""
    from app.fsutil import atomic_write_text

    path, text = paths.tool_detail_cache(demo), json.dumps(payload)
    try:
        if path.is_file() and path.read_text("utf-8") == text:
            return  # the usual start: the same answer as last time, no write and no fsync
        atomic_write_text(path, text)
    except (OSError, UnicodeDecodeError) as exc:  # only the next start's first frame suffers
        log.info("the tool description was not cached: %s", exc)
