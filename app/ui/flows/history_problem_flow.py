"""A history that cannot be opened: a specific answer per cause, Retry, or a new history with
the library re-imported (the damaged one is moved aside, never deleted)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from app.storage.dbfaults import HistoryUnavailable, unavailable

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.services.connection import ConnectionSpec
    from app.ui.session import UiSession

log = logging.getLogger(__name__)


class HistoryProblems:
    """What the controller does when opening a studio's history failed."""

    def __init__(
        self,
        session: UiSession,
        window: Callable[[], QWidget],
        not_connected: Callable[[str], None],
        switch: Callable[[ConnectionSpec], Coroutine[Any, Any, None]],
        tool_slug: str,
        smoke_exit: Callable[[str], None] | None = None,
    ) -> None:
        self.session = session
        self.window = window  # the box's parent
        self.not_connected = not_connected  # says why where the loading states were
        self.switch = switch  # opens the studio for a spec again
        self.tool_slug = tool_slug
        self.smoke_exit = smoke_exit  # --smoke: print and exit instead of asking

    def unavailable(self, spec: ConnectionSpec, error: HistoryUnavailable) -> None:
        """A specific answer per cause (damaged, read-only, locked, …), never a generic one."""
        from app.ui.dialogs.history_problem_dialog import problem_text, show_history_problem

        log.warning("history unavailable: %s", error)
        headline = problem_text(error)[0]
        if self.smoke_exit is not None:
            self.smoke_exit(f"history unavailable: {error}")
            return
        self.session.notify(headline, "error")
        self.not_connected(headline)
        show_history_problem(
            self.window(),
            error,
            on_retry=lambda: self.session.spawn(self.switch(spec), name="retry-history"),
            on_move_aside=lambda: self.session.spawn(
                self.start_new(spec, error), name="new-history"
            ),
        )

    async def start_new(self, spec: ConnectionSpec, error: HistoryUnavailable) -> None:
        from app.storage.reimport import start_new_history

        paths = self.session.paths
        path = error.path or paths.database(spec.demo)
        library = paths.library_dir(spec.demo)
        try:
            result = await self.session.io(start_new_history, path, library, self.tool_slug)
        except HistoryUnavailable as exc:
            self.unavailable(spec, exc)
            return
        except (OSError, sqlite3.Error) as exc:
            self.unavailable(spec, unavailable(exc, path))
            return
        await self.switch(spec)
        self.session.notify(result.summary, "warning")
