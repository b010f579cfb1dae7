"""What the window shows of the studio: while it connects, once bound, when none could open,
and as its generations and images arrive."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QStatusBar

from app.services.events import GenerationState, ImageRecord, Phase
from app.ui.form.generate_panel import GeneratePanel
from app.ui.gallery.gallery import Gallery
from app.ui.session import UiSession
from app.ui.tasks.panel import TasksPanel
from app.ui.widgets.notify import Notifier

if TYPE_CHECKING:  # the studio and the network stack load after the first paint
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio

TASK_ROWS_AT_START = 20  # finished generations listed in the Tasks panel when the app starts


class BindingView:
    """The studio's state in the mode label, gallery, Tasks and Generate, apart from the window."""

    def __init__(
        self,
        session: UiSession,
        widgets: tuple[QLabel, Gallery, TasksPanel, QStatusBar],
        panel: Callable[[], GeneratePanel | None],
        studio: Callable[[], Studio | None],
        notifier: Notifier,
        is_active: Callable[[], bool],
    ) -> None:
        self.session = session
        self.mode_label, self.gallery, self.tasks, self.status_bar = widgets
        self._panel, self._studio = panel, studio
        self.notifier, self._is_active = notifier, is_active

    def connecting(self) -> None:
        """Unbound (a change of mode): honest loading states; a request made now waits."""
        self.mode_label.setText("Connecting…")
        self.gallery.set_loading(True)
        self.tasks.set_loading(True)
        if (panel := self._panel()) is not None:
            panel.set_blocked(None)

    def connected(self, spec: ConnectionSpec) -> None:
        self.mode_label.setText(
            "Offline demo" if spec.demo else f"Wiro account {spec.credentials.masked_key}"
        )
        self.tasks.clear()

    def not_connected(self, reason: str) -> None:
        """No studio could open: say so where the loading states were."""
        self.mode_label.setText("Not connected")
        self.gallery.set_loading(False)
        self.tasks.set_loading(False)
        if (panel := self._panel()) is not None:  # nothing is connecting: Generate says why
            panel.button.setText("Generate")
            panel.set_blocked(f"Not connected. {reason}".strip())

    def show_history(self, history: list[GenerationState]) -> None:
        """The studio's history arrived: the latest task rows."""
        # Finished work beyond the latest few stays in the gallery and history, not as task rows:
        # each row is a dozen widgets (~1.8 ms), so 200 of them cost a third of a second at start.
        recent = [s for i, s in enumerate(history) if i < TASK_ROWS_AT_START or not s.is_final]
        for state in reversed(recent):
            self.tasks.update_generation(state)
        self.tasks.set_loading(False)
        self.status_bar.showMessage("Ready", 3000)

    def generation_changed(self, state: GenerationState) -> None:
        self.tasks.update_generation(state)
        if state.phase in (Phase.PENDING, Phase.SUBMITTING) and not state.images:
            self.gallery.add_generation_placeholder(state)
        else:
            self.gallery.update_generation(state)
        if state.phase is Phase.SUCCEEDED and not self._is_active():
            self.notifier.generation_finished(state, self.session.settings.notify)

    def image_stored(self, record: ImageRecord) -> None:
        studio = self._studio()
        state = studio.generation(record.generation_id) if studio else None
        self.gallery.add_image(record, state)
