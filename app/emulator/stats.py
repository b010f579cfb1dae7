"""Counters the emulator keeps about what clients did, for tests to assert on."""

from __future__ import annotations

import copy
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any


class Stats:
    """Thread-safe counters; ``snapshot()`` returns plain JSON-ready data."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.run_calls = 0
            self.tasks_created = 0
            self.task_detail_calls: Counter[str] = Counter()
            self.tcp_connections = 0
            self.http_peers: set[tuple[str, int]] = set()
            self.websocket_connections = 0
            self.websocket_subscriptions = 0
            self.secret_violations = 0
            self.secret_violation_places: list[str] = []
            self.auth_failures: Counter[str] = Counter()
            self.nonce_reuses = 0
            self.faults: Counter[str] = Counter()
            self.user_agents: Counter[str] = Counter()
            self.content_types: Counter[str] = Counter()
            self.downloads = 0
            self.download_bytes = 0
            self.postprocess_end_at: dict[str, float] = {}
            self.opened_by: dict[tuple[str, int], str] = {}  # peer -> its first endpoint

    def count(self, attribute: str, key: str | None = None, amount: int = 1) -> None:
        with self._lock:
            if key is None:
                setattr(self, attribute, getattr(self, attribute) + amount)
            else:
                getattr(self, attribute)[key] += amount

    def request(
        self, endpoint: str, peer: tuple[str, int] | None, user_agent: str, content_type: str
    ) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            if endpoint == "Run":
                self.run_calls += 1
            if peer is not None and endpoint != "socket":
                self.http_peers.add(peer)
            if peer is not None:
                self.opened_by.setdefault(peer, endpoint)
            self.user_agents[user_agent] += 1
            if content_type:
                self.content_types[content_type.split(";")[0].strip().lower()] += 1

    def postprocess_ended(self, task_id: str) -> None:
        """Notes when a task reached task_postprocess_end (``time.perf_counter``), so a
        benchmark in the same process can time what a client does after that moment."""
        with self._lock:
            self.postprocess_end_at[task_id] = time.perf_counter()

    def violation(self, place: str) -> None:
        with self._lock:
            self.secret_violations += 1
            self.secret_violation_places.append(place)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "run_calls": self.run_calls,
                "tasks_created": self.tasks_created,
                "task_detail_calls": dict(self.task_detail_calls),
                "tcp_connections": self.tcp_connections,
                "http_connections": len(self.http_peers),
                "websocket_connections": self.websocket_connections,
                "websocket_subscriptions": self.websocket_subscriptions,
                "secret_violations": self.secret_violations,
                "secret_violation_places": copy.copy(self.secret_violation_places),
                "auth_failures": dict(self.auth_failures),
                "nonce_reuses": self.nonce_reuses,
                "faults": dict(self.faults),
                "user_agents": dict(self.user_agents),
                "content_types": dict(self.content_types),
                "downloads": self.downloads,
                "download_bytes": self.download_bytes,
                "postprocess_end_at": dict(self.postprocess_end_at),
                "connections_opened_by": _use_counts(self.opened_by.values()),
            }


def _use_counts(first_endpoints: Iterable[str]) -> dict[str, int]:
    """Client connections by what their first request was: the API, the CDN or the socket."""
    counts = {"api": 0, "cdn": 0, "socket": 0}
    for endpoint in first_endpoints:
        counts[endpoint if endpoint in ("cdn", "socket") else "api"] += 1
    return counts
