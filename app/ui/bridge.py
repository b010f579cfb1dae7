"""Turns the studio's plain callbacks into Qt signals the widgets connect to."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.services.events import GenerationChanged, ImageStored, Notice, ServiceEvent
from app.services.studio import Studio


class StudioBridge(QObject):
    """One subscriber per window; re-attached when the connection changes."""

    generation_changed = Signal(object)  # GenerationState
    image_stored = Signal(object)  # ImageRecord
    notice_posted = Signal(str, str)  # text, level

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None

    def attach(self, studio: Studio | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if studio is not None:
            self._unsubscribe = studio.subscribe(self._on_studio_event)

    def _on_studio_event(self, event: ServiceEvent) -> None:
        if isinstance(event, GenerationChanged):
            self.generation_changed.emit(event.generation)
        elif isinstance(event, ImageStored):
            self.image_stored.emit(event.image)
        elif isinstance(event, Notice):
            self.notice_posted.emit(event.text, event.level)
