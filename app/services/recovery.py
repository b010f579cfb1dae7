"""Finds the Wiro task of a generation whose Run answer was lost, through Task/List."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.api.errors import WiroError
from app.api.models import Task
from app.core.file_inputs import FileInputError, run_params
from app.core.schema import ToolSchema
from app.services.events import Phase
from app.services.ledger import Ledger
from app.storage.history import GenerationRow

if TYPE_CHECKING:  # handed in: httpx loads when a connection opens
    from app.api.client import WiroClient

log = logging.getLogger(__name__)

RECOVERED = "Recovered from your Wiro task history."
PAGE_SIZE = 20
MAX_PAGES = 10
WINDOW_SLACK_SECONDS = 180.0  # clock differences between this computer and Wiro
KNOWN_TASKS_SCAN = 5000


@dataclass(frozen=True)
class RecoveryResult:
    """What one check found for one generation."""

    generation_id: int
    task_id: str | None = None  # attached when exactly one task matched
    candidates: tuple[str, ...] = ()  # several matched: none attached


def _same_value(ours: Any, theirs: Any) -> bool:
    """Wiro stores every parameter as a string ("7.5", "20"): compare by meaning."""
    if theirs is None:
        return False
    a, b = str(ours).strip(), str(theirs).strip()
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isfinite(x) and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def same_parameters(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> bool:
    """Every parameter we sent is in the task with the same value (Wiro may add its own)."""
    return bool(ours) and all(_same_value(v, theirs.get(k)) for k, v in ours.items())


class Recovery:
    """Looks up Task/List for generations left "submitted, result unknown".

    A task matches when it is of this tool, was created inside the generation's submission
    window (Run sent … marked unknown, with slack for clock differences), carries the same
    parameters, and is not already another generation's task. Exactly one match is attached
    and followed; several are listed and none is attached (never a guess).
    """

    def __init__(
        self,
        ledger: Ledger,
        client: WiroClient,
        schema_for: Callable[[str], Awaitable[ToolSchema | None]],
        follow: Callable[[int], None],
        *,
        slack_seconds: float = WINDOW_SLACK_SECONDS,
    ) -> None:
        self.ledger = ledger
        self.client = client
        self.schema_for = schema_for  # a generation is compared against its own tool
        self.follow = follow
        self.slack = slack_seconds

    async def check(
        self, generation_ids: Iterable[int] | None = None, *, report: bool = False
    ) -> list[RecoveryResult]:
        """Checks the given (default: every) unknown generation; returns what was found.

        ``report`` also says so when nothing was found (an explicit check by the artist).
        """
        rows = await self.ledger.db(
            self.ledger.history.generations_in_phases, [Phase.UNKNOWN.value]
        )
        wanted = None if generation_ids is None else set(generation_ids)
        rows = [
            r
            for r in rows
            if r.run_sent_at is not None and not r.task_id and (wanted is None or r.id in wanted)
        ]
        schemas: dict[str, ToolSchema] = {}
        for tool in {r.tool for r in rows}:
            schema = await self.schema_for(tool)
            if schema is not None:
                schemas[tool] = schema
        rows = [r for r in rows if r.tool in schemas]
        if not rows:
            if report:
                self.ledger.notice("No generation is missing its images.")
            return []
        earliest = min(r.run_sent_at or 0.0 for r in rows) - self.slack
        try:
            tasks = await self._recent_tasks(earliest)
        except WiroError as exc:
            self.ledger.notice(f"Could not check your Wiro task history: {exc}", "warning")
            return []
        known = await self._known_task_ids()
        results = []
        for row in rows:
            schema = schemas[row.tool]
            matches = [t for t in tasks if t.id not in known and self._matches(schema, row, t)]
            results.append(await self._settle(row, matches))
            if len(matches) == 1:
                known.add(matches[0].id)
        if report and not any(r.task_id or r.candidates for r in results):
            self.ledger.notice(
                "No matching task was found in your Wiro task history; "
                "the generation stays unknown."
            )
        return results

    async def _recent_tasks(self, since: float) -> list[Task]:
        tasks: list[Task] = []
        for page_number in range(MAX_PAGES):
            page = await self.client.task_list(start=page_number * PAGE_SIZE, limit=PAGE_SIZE)
            tasks.extend(t for t in page.tasks if t.id)
            created = [t.create_time for t in page.tasks if t.create_time]
            if len(page.tasks) < PAGE_SIZE or (created and min(created) < since):
                break
            if page.total is not None and (page_number + 1) * PAGE_SIZE >= page.total:
                break
        return tasks

    async def _known_task_ids(self) -> set[str]:
        rows = await self.ledger.db(self.ledger.history.recent_generations, KNOWN_TASKS_SCAN)
        return {r.task_id for r in rows if r.task_id}

    def _matches(self, schema: ToolSchema, row: GenerationRow, task: Task) -> bool:
        if task.model_owner or task.model_project:
            slug = (task.model_owner.lower(), task.model_project.lower())
            if slug != (schema.owner.lower(), schema.project.lower()):
                return False
        if task.create_time is None or row.run_sent_at is None:
            return False
        end = max(row.finished_at or row.run_sent_at, row.run_sent_at)
        if not row.run_sent_at - self.slack <= task.create_time <= end + self.slack:
            return False
        try:  # what Run sent: file inputs as their uploaded {id}Url
            sent = run_params(schema, row.params, {})
        except FileInputError:
            return False
        return same_parameters(sent, task.parameters)

    async def _settle(self, row: GenerationRow, matches: list[Task]) -> RecoveryResult:
        if len(matches) == 1:
            await self.attach(row.id, matches[0])
            return RecoveryResult(row.id, task_id=matches[0].id)
        if matches:
            ids = ", ".join(t.id for t in matches[:10])
            await self.ledger.persist(
                row.id,
                error=f"Several tasks in your Wiro history match this generation ({ids}); "
                "none was attached: check your Wiro dashboard.",
            )
            return RecoveryResult(row.id, candidates=tuple(t.id for t in matches))
        return RecoveryResult(row.id)

    async def attach(self, generation_id: int, task: Task) -> None:
        """Makes ``task`` this generation's task and follows it to its images."""
        await self.ledger.persist(
            generation_id,
            phase=Phase.RUNNING,
            status=task.status or "task_queue",
            task_id=task.id,
            task_token=task.token or None,
            error=RECOVERED,
            finished_at=None,
        )
        self.ledger.notice(f"{RECOVERED} Generation {generation_id} is Wiro task {task.id}.")
        log.info("generation %s recovered as task %s", generation_id, task.id)
        self.follow(generation_id)
