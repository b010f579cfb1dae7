"""Everything one emulator instance remembers: tasks, stored outputs, account and randomness."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.emulator import persist
from app.emulator.config import EmulatorConfig
from app.emulator.faults import ConnectionRegistry
from app.emulator.images import render_png
from app.emulator.stats import Stats
from app.emulator.tasks import Task
from app.emulator.tool_set import GENERATE, load_tools, output_index, render_again, tool_of
from app.emulator.uploads import UploadStore
from app.resources import tool_detail_payload

PROJECT_ID = "699"
log = logging.getLogger("app.emulator")


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
        self.tools = load_tools(tool_detail_payload("dreamshaper-8"))
        uploads_dir = Path(f"{config.state_path}.uploads") if config.state_path else None
        self.uploads = UploadStore(uploads_dir)
        self.tasks: dict[str, Task] = {}
        self.by_token: dict[str, Task] = {}
        self.files: dict[str, dict[str, StoredFile]] = {}
        self.spent_usd = 0.0
        self._next_id = int(time.time() * 100) % 10**9
        self._seed_lock = threading.Lock()
        self.reseed(config.seed)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.executor: ThreadPoolExecutor | None = None
        self.origin: str | None = None  # "http://host:port" once the runner has bound
        self.loaded: list[Task] = []  # tasks read from config.state_path at start
        self.restored: dict[str, Task] = {}  # output folder -> loaded task (re-rendered)
        self._load()

    def _load(self) -> None:
        path = self.config.state_path
        if not path:
            return
        tasks, spent = persist.load_or_quarantine(Path(path))
        projects = self.config.projects
        for task in tasks:
            if task.project_key not in projects:  # e.g. the demo's keys change every start
                task.project_key, task.project_id = self.config.api_key, PROJECT_ID
            self.tasks[task.id] = task
            self.by_token[task.socketaccesstoken] = task
            self._remember_outputs(task)
            self._next_id = max(self._next_id, int(task.id))
        self.loaded = tasks
        self.spent_usd = spent

    def _remember_outputs(self, task: Task) -> None:
        for output in task.outputs:
            folder = str(output.get("url") or "").partition("/cdn/")[2].partition("/")[0]
            if folder:
                self.restored[folder] = task

    def save(self) -> None:
        """Persist every task now (when config.state_path is set); never raises."""
        path = self.config.state_path
        if not path:
            return
        try:
            persist.save(Path(path), list(self.tasks.values()), self.spent_usd)
        except (OSError, TypeError, ValueError) as exc:
            log.warning("could not save emulator state to %s: %s", path, exc)

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
        self.save()

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

    async def regenerate(self, folder: str, name: str) -> bytes | None:
        """A loaded task's output rendered again (deterministic), within its TTL."""
        task = self.restored.get(folder)
        entry = (
            next(
                (o for o in task.outputs if str(o.get("url", "")).endswith(f"/{folder}/{name}")),
                None,
            )
            if task
            else None
        )
        if task is None or entry is None:
            return None
        ttl = self.config.output_ttl_seconds
        if ttl is not None and time.time() - float(entry.get("addedtime") or 0) > ttl:
            return None
        tool = tool_of(self, task)
        index = output_index(name)
        if tool.kind != GENERATE:
            data = await render_again(self, tool, task, index) if index is not None else None
        else:
            args = persist.render_args(task, name)
            loop = asyncio.get_running_loop()
            data = await loop.run_in_executor(self.executor, render_png, *args) if args else None
        if data is not None:
            self.store_file(folder, name, data)
        return data

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
