"""What the window asks of the studio: Generate (held until a studio is bound), Stop, Retry…"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.flows import actions
from app.ui.form.generate_panel import GeneratePanel
from app.ui.form.model import GenerationRequest, SeedPolicy
from app.ui.form.schema_form import SchemaForm
from app.ui.session import UiSession
from app.ui.widgets.duplicate_guard import confirm_duplicate, identical_running

if TYPE_CHECKING:  # the studio loads after the first paint
    from app.services.studio import Studio
    from app.ui.tasks.panel import TasksPanel


class StudioRequests:
    """Sends the window's requests to the bound studio; Generate pressed before one waits."""

    def __init__(
        self,
        session: UiSession,
        studio: Callable[[], Studio | None],
        form: Callable[[], SchemaForm | None],
        panel: Callable[[], GeneratePanel | None],
        parent: QWidget,
    ) -> None:
        self.session = session
        self._studio, self._form, self._panel, self._parent = studio, form, panel, parent
        self.waiting: list[GenerationRequest] = []  # Generate pressed before a studio was bound

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        self.session.spawn(coro, name=name)

    def generate(self, request: GenerationRequest) -> QMessageBox | None:
        """Returns the duplicate question when one is asked (the same images, billed twice)."""
        form, studio = self._form(), self._studio()
        if form is None:
            return None
        self.session.settings.last_params = form.values()
        if studio is None:  # not connected yet: the request waits for the studio
            self.waiting.append(request)
            panel = self._panel()
            if panel is not None:
                panel.button.setText("Connecting…")
            return None

        def submit() -> None:
            self._spawn(actions.generate(studio, request.values, form.show_errors), "generate")

        fixed = form.model.seed_policy is SeedPolicy.FIXED
        if fixed and identical_running(studio.running(), request.values) is not None:
            return confirm_duplicate(self._parent, submit)
        submit()
        return None

    def send_waiting(self, studio: Studio) -> None:
        """Requests made before the connection was ready, sent in the order they were made."""
        waiting, self.waiting = self.waiting, []
        panel = self._panel()
        if panel is not None:
            panel.button.setText("Generate")
            panel.set_blocked(None)
        for request in waiting:
            form = self._form()
            show_errors = form.show_errors if form is not None else lambda _e: None
            self._spawn(actions.generate(studio, request.values, show_errors), "generate")

    def serve(self, tasks: TasksPanel) -> None:
        """What the Tasks cards ask for: Stop, Resume, Check for missing images, Retry."""
        tasks.stop_requested.connect(self.stop)
        tasks.resume_requested.connect(self.resume)
        tasks.check_requested.connect(lambda gid: self.check_missing([gid]))
        tasks.retry_requested.connect(self.retry)

    def stop(self, generation_id: int) -> None:
        if (studio := self._studio()) is not None:
            self._spawn(studio.stop(generation_id), f"stop-{generation_id}")

    def check_missing(self, generation_ids: list[int] | None) -> None:
        if (studio := self._studio()) is not None:
            self._spawn(studio.check_missing(generation_ids), "check-missing")

    def retry(self, generation_id: int) -> None:
        if (studio := self._studio()) is not None:
            self._spawn(studio.retry(generation_id), f"retry-{generation_id}")

    def resume(self) -> None:
        if (studio := self._studio()) is not None:
            self._spawn(studio.resume(), "resume")
