"""Stops a Wiro task whatever its state, and keeps trying until it has ended."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.api.errors import NotFoundError, NotStoppableError, WiroError
from app.core.status import StopAction, is_terminal, stop_action
from app.services.events import GenerationChanged, ServiceEvent
from app.services.ledger import Ledger
from app.services.spawn import Spawner

if TYPE_CHECKING:  # handed in: httpx loads when a connection opens
    from app.api.client import WiroClient

log = logging.getLogger(__name__)


class Stopper:
    """Cancel while queued, otherwise Kill; on a refusal the other; if both refuse, again later.

    tasks.md documents Cancel for queued tasks and Kill "for running tasks" (after assign);
    the window in between (accept, preprocess, assign) is undocumented, so a refusal (code 1)
    of either is expected there. A request stays until the task ends and is retried at each
    status change; the generation reads "Stopping…" meanwhile.
    """

    def __init__(self, ledger: Ledger, client: WiroClient, spawner: Spawner) -> None:
        self.ledger = ledger
        self.client = client
        self.spawner = spawner
        self._wanted: set[int] = set()
        self._busy: set[int] = set()
        self._tried_in: dict[int, str] = {}  # the status the last attempt was made in
        ledger.subscribe(self._on_ledger_event)

    def pending(self, generation_id: int) -> bool:
        return generation_id in self._wanted

    async def request(self, generation_id: int) -> bool:
        """Asks Wiro to stop the generation's task now (and again later if refused).

        True when Wiro accepted a Cancel or a Kill now.
        """
        state = self.ledger.get(generation_id)
        if state is None or state.is_final or not state.task_id:
            return False
        self._wanted.add(generation_id)
        if not state.stopping:
            self.ledger.update(generation_id, stopping=True)
        return await self._attempt(generation_id)

    async def _attempt(self, gid: int) -> bool:
        state = self.ledger.get(gid)
        if state is None or state.is_final or not state.task_id or gid in self._busy:
            return False
        if is_terminal(state.status):
            return False
        self._busy.add(gid)
        self._tried_in[gid] = state.status
        try:
            first = stop_action(state.status) or StopAction.KILL
            second = StopAction.KILL if first is StopAction.CANCEL else StopAction.CANCEL
            for action in (first, second):
                try:
                    if action is StopAction.CANCEL:
                        await self.client.cancel(state.task_id)
                    else:
                        await self.client.kill(task_id=state.task_id)
                    return True
                except NotStoppableError:
                    continue
            log.info("task %s cannot be stopped in %s; retrying later", state.task_id, state.status)
        except NotFoundError as exc:
            self.ledger.notice(f"Could not stop the task: {exc}", "error")
        except WiroError as exc:
            self.ledger.notice(f"Could not stop the task yet: {exc} Retrying…", "warning")
        finally:
            self._busy.discard(gid)
        return False

    def _on_ledger_event(self, event: ServiceEvent) -> None:
        if not isinstance(event, GenerationChanged) or event.generation.id not in self._wanted:
            return
        state = event.generation
        if state.is_final or is_terminal(state.status):
            self._wanted.discard(state.id)
            self._tried_in.pop(state.id, None)
            return
        tried = self._tried_in.get(state.id)
        if tried is not None and state.status != tried and state.id not in self._busy:
            self.spawner.spawn(self._attempt(state.id), name=f"stop-retry-{state.id}")
