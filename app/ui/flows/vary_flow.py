"""Vary (new seeds), Vary prompt and Promote (same seed, more detail) on one image.

The image is the viewer's when it is showing, else the first selected tile; a grid cell's
context menu calls the same methods with its own image.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QStackedWidget

from app.services.events import SweepState
from app.ui.form.model import SeedPolicy
from app.ui.form.schema_form import SchemaForm
from app.ui.gallery.gallery import Gallery
from app.ui.session import UiSession
from app.ui.viewer.viewer import ImageViewer


def _actions() -> ModuleType:
    """The sweep actions load with their first use (they bring the studio and Pillow)."""
    from app.services import sweep_actions

    return sweep_actions


class VaryFlow(QObject):
    """Runs Vary as a one-axis sweep (shown in the grid), loads Vary prompt, sends Promote."""

    def __init__(
        self,
        session: UiSession,
        gallery: Gallery,
        viewer: ImageViewer,
        center: QStackedWidget,
        *,
        form: Callable[[], SchemaForm | None],
        show_sweep: Callable[[SweepState], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.gallery, self.viewer, self.center = gallery, viewer, center
        self._form = form
        self._show_sweep = show_sweep
        self._count_dialog: QInputDialog | None = None

    def promote(self, image_id: int) -> None:
        studio = self.session.studio
        if studio is not None:
            self.session.spawn(self._promote(image_id), name="sweep-promote")

    async def _promote(self, image_id: int) -> None:
        studio = self.session.studio
        assert studio is not None
        params = await _actions().image_params(studio, image_id)
        changes = _actions().promote_defaults(studio.schema, params)
        state = await _actions().promote(studio, image_id, **changes)
        what = ", ".join(f"{k} {v}" for k, v in changes.items())
        self.session.notify(f"Promoting with the same seed ({what}): task {state.id}")

    def current_image(self) -> int | None:
        """The image V acts on: the viewer's, else the first selected tile."""
        if self.center.currentWidget() is self.viewer:
            return self.viewer.current_id()
        selected = self.gallery.selected_image_ids()
        return selected[0] if selected else None

    def vary(self) -> None:
        image_id = self.current_image()
        if image_id is None:
            self.session.notify("Select an image to vary first.")
            return
        self.vary_image(image_id)

    def vary_image(self, image_id: int) -> None:
        runner = self.session.sweeps
        if runner is None or self.session.studio is None:
            return
        count = max(1, self.session.settings.vary_count)

        async def run() -> None:
            assert self.session.studio is not None
            params = await _actions().image_params(self.session.studio, image_id)
            params.pop("seed", None)
            rng = random.Random(random.SystemRandom().getrandbits(64))
            state = await _actions().vary(runner, params, count, rng=rng)
            self._show_sweep(state)

        self.session.spawn(run(), name="vary")

    def vary_prompt(self) -> None:
        """Loads the image's settings into the form with a new seed, to edit the prompt."""
        image_id, form, studio = self.current_image(), self._form(), self.session.studio
        if image_id is None or form is None or studio is None:
            self.session.notify("Select an image first.")
            return

        async def load() -> None:
            params = await _actions().image_params(studio, image_id)
            form.model.apply(params, policy=SeedPolicy.RANDOM)
            self.session.notify("Settings loaded into the form: edit the prompt, then Generate")

        self.session.spawn(load(), name="vary-prompt")

    def ask_vary_count(self) -> None:
        dialog = QInputDialog(self.center.window())
        dialog.setWindowTitle("Vary")
        dialog.setLabelText("How many new seeds should Vary (V) run?")
        dialog.setInputMode(QInputDialog.InputMode.IntInput)
        dialog.setIntRange(1, 64)
        dialog.setIntValue(self.session.settings.vary_count)
        dialog.intValueSelected.connect(self._set_vary_count)
        dialog.open()
        self._count_dialog = dialog

    def _set_vary_count(self, count: int) -> None:
        self.session.settings.vary_count = max(1, count)

    def promote_current(self) -> None:
        image_id = self.current_image()
        if image_id is not None:
            self.promote(image_id)
