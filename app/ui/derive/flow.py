"""What U and R do: prepare the operation with the studio, show its price, run it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app.core.file_inputs import is_url
from app.core.tools import IMAGE_TO_IMAGE_SD
from app.services.errors import InvalidParameters
from app.ui.derive.reimagine_dialog import ReimagineDialog
from app.ui.derive.texts import notes_text, price_text
from app.ui.derive.upscale_popover import UpscalePopover
from app.ui.form.file_field import IMAGE_FILTER
from app.ui.session import UiSession
from app.ui.widgets.plain import set_plain_text

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the studio loads behind the first frame
    from app.services.derive import Prepared
    from app.services.studio import Studio


DEFAULT_SCALE = 4
DEFAULT_STRENGTH = 0.5
DEFAULT_VARIATIONS = 4


def _derive() -> ModuleType:
    """The derive service loads with its first use (it brings the studio and Pillow)."""
    from app.services import derive

    return derive


def _reason(exc: Exception) -> str:
    if isinstance(exc, InvalidParameters):
        return "; ".join(str(v) for v in exc.errors.values())
    return "it is no longer in the library" if isinstance(exc, KeyError) else str(exc)


class DeriveFlow(QObject):
    """Upscale and Re-imagine of the selected image; remembers the artist's choices."""

    submitted = Signal(object)  # GenerationState of the new, derived generation

    def __init__(
        self,
        session: UiSession,
        selected: Callable[[], int | None],
        parent_widget: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.selected = selected
        self.parent_widget = parent_widget
        self.popover: UpscalePopover | None = None
        self.dialog: ReimagineDialog | None = None
        self.file_dialog: QFileDialog | None = None

    # -- remembered defaults -------------------------------------------------------------

    @property
    def defaults(self) -> dict[str, Any]:
        return self.session.settings.derive_defaults

    def _remember(self, **values: Any) -> None:
        self.defaults.update(values)

    def remembered_model(self, scale: int) -> str | None:
        models = self.defaults.get("upscale_models")
        chosen = models.get(str(scale)) if isinstance(models, dict) else None
        return chosen if isinstance(chosen, str) and chosen else None

    # -- commands ------------------------------------------------------------------------

    def _source(self) -> tuple[Studio, int] | None:
        studio, image_id = self.session.studio, self.selected()
        if studio is None:
            self.session.notify("Connect first: upscaling runs on Wiro.", "warning")
            return None
        if image_id is None:
            self.session.notify("Select an image first.", "info")
            return None
        return studio, image_id

    def upscale_selected(self, at: QPoint | None = None) -> None:
        found = self._source()
        if found is not None:
            studio, image_id = found
            self.session.spawn(self.open_upscale(studio, image_id, at), name="upscale-popover")

    def reimagine_selected(self) -> None:
        found = self._source()
        if found is not None:
            studio, image_id = found
            self.session.spawn(self.open_reimagine(studio, image_id), name="reimagine-dialog")

    def upscale_file(self) -> None:
        """Upscale a file…: an image from this computer, uploaded before Run."""
        self._choose_file("Upscale a file", self.open_upscale)

    def reimagine_file(self) -> None:
        """Re-imagine a file…: an image from this computer, uploaded before Run."""
        self._choose_file("Re-imagine a file", self.open_reimagine)

    def _choose_file(self, title: str, opener: Callable[..., Any]) -> None:
        studio = self.session.studio
        if studio is None:
            self.session.notify("Connect first: this runs on Wiro.", "warning")
            return
        dialog = self.file_dialog = QFileDialog(self.parent_widget, title)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([IMAGE_FILTER, "All files (*)"])
        dialog.fileSelected.connect(
            lambda path: self.session.spawn(opener(studio, Path(path)), name=title)
        )
        dialog.open()  # never exec(): the loop keeps running

    # -- Upscale ---------------------------------------------------------------------------

    async def open_upscale(
        self, studio: Studio, image_id: int | Path, at: QPoint | None = None
    ) -> None:
        """``image_id``: a library image, or an image file (a Path) not in the library."""
        scale = int(self.defaults.get("upscale_scale") or DEFAULT_SCALE)
        try:
            prepared = await _derive().prepare_upscale(
                studio, image_id, scale=scale, model=self.remembered_model(scale)
            )
        except (KeyError, InvalidParameters) as exc:
            self.session.notify(f"Cannot upscale this image: {_reason(exc)}", "warning")
            return
        popover = self.popover = UpscalePopover(self.parent_widget)
        width, height = (prepared.link.operation or {}).get("source_size") or (None, None)
        popover.set_source(width, height)
        if isinstance(image_id, Path):
            set_plain_text(popover.title, f"Upscale {image_id.name}")
        popover.set_scale(scale)
        chosen_model = str((prepared.link.operation or {}).get("model") or "")
        popover.set_models(_derive().upscale_models(prepared.schema), chosen_model)
        popover.set_notes(notes_text(prepared.notes))

        async def reprice(new_scale: int, model: str | None) -> None:
            again = await _derive().prepare_upscale(studio, image_id, scale=new_scale, model=model)
            popover.set_price(price_text(await _derive().estimate(studio, again)))

        def scale_changed(new_scale: int) -> None:
            model = self.remembered_model(new_scale) or _derive().default_upscale_model(
                prepared.schema, new_scale
            )
            popover.set_models(_derive().upscale_models(prepared.schema), model)
            self.session.spawn(reprice(new_scale, model), name="upscale-price")

        def accepted(chosen_scale: int, model: str) -> None:
            models = dict(self.defaults.get("upscale_models") or {})
            models[str(chosen_scale)] = model
            self._remember(upscale_scale=chosen_scale, upscale_models=models)
            self.session.spawn(self._run_upscale(studio, image_id, chosen_scale, model))

        popover.scale_changed.connect(scale_changed)
        popover.model_changed.connect(
            lambda model: self.session.spawn(reprice(popover.scale(), model), name="upscale-price")
        )
        popover.accepted.connect(accepted)
        popover.set_price(price_text(await _derive().estimate(studio, prepared)))
        popover.popup_at(at or self._popover_corner(popover))

    def _popover_corner(self, popover: UpscalePopover) -> QPoint:
        """Centred over the window, in its upper third (U may come from a key, not a click)."""
        popover.adjustSize()
        host = self.parent_widget
        x = (host.width() - popover.width()) // 2
        y = max(0, host.height() // 3 - popover.height() // 2)
        return host.mapToGlobal(QPoint(x, y))

    async def _run_upscale(
        self, studio: Studio, image_id: int | Path, scale: int, model: str
    ) -> None:
        try:
            prepared = await _derive().prepare_upscale(studio, image_id, scale=scale, model=model)
            await self._run(studio, prepared)
        except (KeyError, InvalidParameters) as exc:
            self.session.notify(f"Cannot upscale this image: {_reason(exc)}", "warning")

    # -- Re-imagine ------------------------------------------------------------------------

    async def open_reimagine(self, studio: Studio, image_id: int | Path) -> None:
        """``image_id``: a library image, or an image file (a Path) not in the library."""
        strength = float(self.defaults.get("reimagine_strength") or DEFAULT_STRENGTH)
        count = int(self.defaults.get("reimagine_count") or DEFAULT_VARIATIONS)
        try:
            prepared = await _derive().prepare_reimagine(
                studio, image_id, strength=strength, count=count
            )
        except (KeyError, InvalidParameters) as exc:
            self.session.notify(f"Cannot re-imagine this image: {_reason(exc)}", "warning")
            return
        dialog = self.dialog = ReimagineDialog(self.parent_widget)
        model = prepared.schema.field(IMAGE_TO_IMAGE_SD.inputs["model"])
        scheduler = prepared.schema.field("scheduler")
        values = prepared.values
        width, height = values.get("width"), values.get("height")
        size = f"{width}×{height}" if width and height else "size unknown"
        named = f"image {image_id}" if isinstance(image_id, int) else image_id.name
        tool_words = f", with Wiro's {prepared.tool.name} tool"
        dialog.fill(
            values,
            models=model.options if model is not None else (),
            schedulers=scheduler.options if scheduler is not None else (),
            source=f"From {named} ({size}){tool_words}.",
            notes=notes_text(prepared.notes),
            model_id=model.id if model is not None else "selectedModel",
            image_spec=prepared.schema.field(IMAGE_TO_IMAGE_SD.inputs["image"]),
            tool_words=tool_words,
        )

        async def reprice() -> None:
            again = await _derive().prepare_reimagine(
                studio, image_id, strength=dialog.strength_value_float(),
                count=dialog.variations(), overrides=dialog.overrides(),
            )  # fmt: skip
            dialog.set_price(price_text(await _derive().estimate(studio, again)))

        dialog.changed.connect(lambda: self.session.spawn(reprice(), name="reimagine-price"))
        dialog.image_changed.connect(
            lambda value: self.session.spawn(self._size_from(dialog, value), name="image-size")
        )
        dialog.finished.connect(lambda result: self._reimagine_finished(studio, image_id, result))
        dialog.set_price(price_text(await _derive().estimate(studio, prepared)))
        dialog.open()

    async def _size_from(self, dialog: ReimagineDialog, value: str) -> None:
        """A file put in place of the source: the size follows it (fitted to SD's sizes)."""
        if is_url(value):
            return  # no network here: the size stays as it is
        derive = _derive()
        try:
            source = await derive.source_file(Path(value))
        except InvalidParameters:
            return  # the field's own check tells what is wrong with the file
        if source.width and source.height and dialog.image and dialog.image.value() == value:
            dialog.set_size(*derive.fit_size(source.width, source.height, derive.FILE_SIDE))

    def _reimagine_finished(self, studio: Studio, image_id: int | Path, result: int) -> None:
        dialog = self.dialog
        if dialog is None or result != QDialog.DialogCode.Accepted:
            return
        strength, count = dialog.strength_value_float(), dialog.variations()
        self._remember(reimagine_strength=strength, reimagine_count=count)
        overrides = dialog.overrides()

        async def run() -> None:
            try:
                prepared = await _derive().prepare_reimagine(
                    studio, image_id, strength=strength, count=count, overrides=overrides
                )
                await self._run(studio, prepared)
            except (KeyError, InvalidParameters) as exc:
                self.session.notify(f"Cannot re-imagine this image: {_reason(exc)}", "warning")

        self.session.spawn(run(), name="reimagine")

    # -- both ------------------------------------------------------------------------------

    async def _run(self, studio: Studio, prepared: Prepared) -> None:
        try:
            state = await _derive().run(studio, prepared)
        except InvalidParameters as exc:
            fields = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            self.session.notify(f"Wiro's tool would refuse these settings ({fields}).", "warning")
            return
        self.submitted.emit(state)
