"""Pictures on inspiration cards: the best image made from each prompt, decoded off the GUI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.ui.inspiration.cards import PICTURE_SIDE, PromptCard
from app.ui.inspiration.data import best_images, picture_key
from app.ui.widgets.thumbnails import ThumbnailLoader


class CardPictures(QObject):
    """Knows the best image per prompt (starred first, then newest) and puts it on cards."""

    ready = Signal(str)  # an image path whose thumbnail is now decoded

    def __init__(self, loader: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self._runs: dict[int, Any] = {}
        self._best: dict[str, Any] = {}
        loader.image_loaded.connect(self._on_loader_image_loaded)

    def set_history(self, states: Iterable[Any]) -> None:
        self._runs = {s.id: s for s in states}
        self._best = best_images(self._runs.values())

    def note(self, state: Any) -> bool:
        """A generation changed; returns whether the best picture of its prompt changed."""
        if not state.images:
            return False
        key = picture_key(str(state.params.get("prompt") or ""))
        before = self._best.get(key)
        self._runs[state.id] = state
        self._best = best_images(self._runs.values())
        return self._best.get(key) is not before

    def path_for(self, card: PromptCard) -> Path | None:
        image = self._best.get(picture_key(card.entry.prompt))
        return Path(image.path) if image is not None else None

    def show_on(self, card: PromptCard) -> None:
        path = self.path_for(card)
        if path is None:
            card.set_picture(None)
            return
        card.set_picture(self.loader.request(path, PICTURE_SIDE))  # None until decoded

    def _on_loader_image_loaded(self, path: str, side: int) -> None:
        if side == PICTURE_SIDE:
            self.ready.emit(path)
