"""Everything one emulator instance remembers: tasks, stored outputs, account and randomness."""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from app.emulator.config import EmulatorConfig
from app.emulator.faults import ConnectionRegistry
from app.emulator.stats import Stats
from app.emulator.tasks import Task
from app.emulator.validation import Input, read_inputs
from app.resources import tool_detail_payload

TOOL_SLUG = ("lykon", "dreamshaper-8")
PROJECT_ID = "699"


@dataclass
class StoredFile:
    """One output file held for the emulator's CDN."""

    data: bytes
    created: float


class EmulatorState:
    """Shared by the HTTP routes, the socket endpoint and the task lifecycles."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.stats = Stats()
        self.connections = ConnectionRegistry(self.stats)
        self.tool_payload = tool_detail_payload("dreamshaper-8")
        self.tool: dict[str, Any] = self.tool_payload["tool"][0]
        self.inputs: list[Input] = read_inputs(self.tool)
        self.price = _run_price(self.tool.get("dynamicprice"))
        self.categories = _compact_json(self.tool.get("categories"))
        self.tasks: dict[str, Task] = {}
        self.by_token: dict[str, Task] = {}
        self.files: dict[str, dict[str, StoredFile]] = {}
        self.spent_usd = 0.0
        self._next_id = int(time.time() * 100) % 10**9
        self._seed_lock = threading.Lock()
        self.reseed(config.seed)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.executor: ThreadPoolExecutor | None = None

    def reseed(self, seed: int) -> None:
        with self._seed_lock:
            self.fault_rng = random.Random(f"faults:{seed}")
            self.content_rng = random.Random(f"content:{seed}")
            self._seed = seed

    def fault_roll(self, rate: float) -> bool:
        if self.config.seed != self._seed:
            self.reseed(self.config.seed)
        if rate <= 0.0:
            return False
        with self._seed_lock:
            return self.fault_rng.random() < rate

    def content_roll(self, rate: float) -> bool:
        if self.config.seed != self._seed:
            self.reseed(self.config.seed)
        if rate <= 0.0:
            return False
        with self._seed_lock:
            return self.content_rng.random() < rate

    def new_task_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def add(self, task: Task) -> None:
        self.tasks[task.id] = task
        self.by_token[task.socketaccesstoken] = task
        self.stats.count("tasks_created")

    def find(self, params: dict[str, Any]) -> Task | None:
        """Look a task up by taskid, tasktoken or socketaccesstoken."""
        task_id = str(params.get("taskid") or "").strip()
        if task_id:
            return self.tasks.get(task_id)
        for name in ("tasktoken", "socketaccesstoken"):
            value = str(params.get(name) or "").strip()
            if value:
                return self.by_token.get(value)
        return None

    def active_tasks(self, project_key: str) -> int:
        return sum(
            1 for t in self.tasks.values() if t.project_key == project_key and not t.terminal
        )

    def balance(self) -> float | None:
        if self.config.balance_usd is None:
            return None
        return self.config.balance_usd - self.spent_usd

    def concurrency_limit(self) -> int | None:
        if self.config.concurrency_limit is not None:
            return self.config.concurrency_limit
        balance = self.balance()
        if balance is None or balance > 250:
            return None
        return max(1, math.floor(balance * 0.10))

    def store_file(self, folder: str, name: str, data: bytes) -> None:
        self.files.setdefault(folder, {})[name] = StoredFile(data, time.monotonic())

    def get_file(self, folder: str, name: str) -> bytes | None:
        self.expire_files()
        stored = self.files.get(folder, {}).get(name)
        return stored.data if stored else None

    def expire_files(self) -> None:
        ttl = self.config.output_ttl_seconds
        if ttl is None:
            return
        limit = time.monotonic() - ttl
        for folder in [f for f, files in self.files.items() if _oldest(files) < limit]:
            del self.files[folder]

    def public_secrets(self) -> list[str]:
        return [s for s in self.config.projects.values() if s]


def _oldest(files: dict[str, StoredFile]) -> float:
    return min((f.created for f in files.values()), default=0.0)


def _run_price(raw: Any) -> float:
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
        return float(entries[0]["price"])
    except (TypeError, ValueError, KeyError, IndexError):
        return 0.00351


def _compact_json(raw: Any) -> str:
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    return json.dumps(value, separators=(",", ":"))
