"""The cached Tool/Detail answer: what the first frame's form is built from."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.api.errors import NetworkError
from app.resources import tool_detail_payload
from app.services import schema_cache
from app.services.connection import load_schema
from app.services.schema_cache import bundled_schema, cached_schema, store_schema
from app.storage.paths import AppPaths


def _renamed(title: str) -> dict[str, Any]:
    payload = tool_detail_payload()
    payload["tool"][0]["title"] = title
    return payload


class _Client:
    """Answers Tool/Detail with ``answer``, or raises it."""

    def __init__(self, answer: dict[str, Any] | BaseException) -> None:
        self.answer = answer

    async def tool_detail_raw(self, owner: str, project: str) -> dict[str, Any]:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def test_without_a_cache_the_bundled_schema_is_used(tmp_path):
    assert cached_schema(AppPaths.under(tmp_path), demo=False) == bundled_schema()


def test_a_stored_answer_is_read_back_for_its_profile_only(tmp_path):
    paths = AppPaths.under(tmp_path)
    store_schema(paths, False, _renamed("From the account"))
    assert cached_schema(paths, demo=False).title == "From the account"
    assert cached_schema(paths, demo=True) == bundled_schema()


def test_a_damaged_foreign_or_oversized_cache_falls_back_to_the_bundled_schema(
    tmp_path, monkeypatch
):
    paths = AppPaths.under(tmp_path)
    cache = paths.tool_detail_cache(False)
    cache.parent.mkdir(parents=True)
    for text in ("{not json", json.dumps({"tool": "nope"}), json.dumps([1, 2])):
        cache.write_text(text, "utf-8")
        assert cached_schema(paths, demo=False) == bundled_schema()
    monkeypatch.setattr(schema_cache, "MAX_CACHED_SCHEMA", 100)
    cache.write_text(json.dumps(_renamed("Too big")), "utf-8")
    assert cached_schema(paths, demo=False) == bundled_schema()


def test_load_schema_caches_a_live_answer_and_falls_back_to_the_cache(tmp_path):
    paths = AppPaths.under(tmp_path)
    live = asyncio.run(load_schema(_Client(_renamed("Live")), cache=(paths, False)))
    assert live.title == "Live"
    assert json.loads(paths.tool_detail_cache(False).read_text("utf-8"))["tool"][0]["title"] == (
        "Live"
    )
    offline = asyncio.run(load_schema(_Client(NetworkError("offline")), cache=(paths, False)))
    assert offline.title == "Live"  # the last answer, not the bundled copy
    unreadable = asyncio.run(load_schema(_Client({"tool": 5}), cache=(paths, False)))
    assert unreadable.title == "Live"
    assert json.loads(paths.tool_detail_cache(False).read_text("utf-8"))["tool"][0]["title"] == (
        "Live"
    ), "an answer that does not parse is not cached"
