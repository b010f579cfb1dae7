"""The spend figure in the status bar: what Wiro reported today and this month, refreshed
when a billed generation ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from app.services.events import GenerationState
from app.ui.flows.library_filter import spend_text
from app.ui.session import UiSession

if TYPE_CHECKING:  # the studio loads behind the first frame
    from app.services.connection import ConnectionSpec
    from app.services.studio import Studio


class SpendFlow(QObject):
    """Keeps the status bar's spend label in step with the studio's ledger."""

    def __init__(
        self,
        session: UiSession,
        status_bar: QStatusBar,
        *,
        studio: Callable[[], Studio | None],
        spec: Callable[[], ConnectionSpec | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._studio, self._spec = studio, spec
        self.label = QLabel("")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setObjectName("spendLabel")
        self.label.setContentsMargins(0, 0, 14, 0)
        self.label.setToolTip(
            "What Wiro reported (totalcost) for generations started today and this month"
        )
        status_bar.insertPermanentWidget(0, self.label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        session.generation_changed.connect(self._on_session_generation_changed)

    def refresh(self) -> None:
        studio, spec = self._studio(), self._spec()
        if studio is None or spec is None:
            return

        async def read() -> None:
            try:
                spend = await studio.spend()
            except Exception:
                if self._studio() is not studio:
                    return  # closed meanwhile
                raise
            if self._studio() is studio:
                self.label.setText(spend_text(spend, spec.demo))

        self.session.spawn(read(), name="spend")

    def _on_session_generation_changed(self, state: GenerationState) -> None:
        if state.is_final and state.cost:
            self._timer.start()
