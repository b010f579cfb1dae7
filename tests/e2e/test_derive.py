"""Upscale (U) and Re-imagine (R) in the whole app against the demo emulator: the 2048×2048
result beside its 512×512 source, four variations at the chosen strength, lineage badges.

With WIRO_UPDATE_SCREENSHOTS=1 the README's screenshots are written to resources/screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from app.services.events import Phase
from app.ui.flows.smoke import thumbnails_shown
from app.ui.gallery.rows import GENERATION_ID_ROLE

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "a lighthouse on a cliff at dusk, oil painting"


def _shot(
    window: QWidget, name: str, tmp_path: Path, over: QWidget | None = None, readme: bool = True
) -> Path:
    """The window, with a popover or dialog painted where it stands on screen."""
    pixmap: QPixmap = window.grab()
    if over is not None and over.isVisible():
        painter = QPainter(pixmap)
        corner = window.mapFromGlobal(over.mapToGlobal(QPoint(0, 0)))
        painter.drawPixmap(corner, over.grab())
        painter.end()
    path = tmp_path / name
    assert pixmap.save(str(path), "PNG")
    if readme and os.environ.get("WIRO_UPDATE_SCREENSHOTS"):
        assert pixmap.save(str(ROOT / "resources" / "screenshots" / name), "PNG")
    return path


def _derived(studio, parent_id: int, kind: str):
    found = [
        s
        for s in studio.ledger.all()
        if s.parent_image_id == parent_id and (s.operation or {}).get("kind") == kind
    ]
    return found[-1] if found else None


def _ready(studio, state) -> bool:
    current = studio.generation(state.id) if state is not None else None
    return current is not None and current.phase is Phase.SUCCEEDED


async def generate_source(harness, window, studio, prompt: str = PROMPT):
    """One 512×512 image generated through the window's form, waited for; (generation, image)."""
    window.resize(1600, 1000)
    window.form.set_values({"prompt": prompt, "width": 512, "height": 512, "samples": 1})
    window.generate_panel.request_generate()
    await harness.wait(lambda: studio.ledger.all(), what="a generation")
    source_gen = max(studio.ledger.all(), key=lambda s: s.id)
    await harness.wait(lambda: _ready(studio, source_gen), what="the source image")
    return source_gen, studio.generation(source_gen.id).images[0]


def test_upscale_and_reimagine_from_a_selected_tile(qloop, harness_factory, tmp_path) -> None:
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        source_gen, source = await generate_source(harness, window, studio)
        assert (source.width, source.height) == (512, 512)

        # U on the selected tile: the popover, its price, ×4 → 2048×2048 beside the source.
        window.gallery.select_images([source.id])
        window.commands.action("image.upscale").trigger()
        flow = window.derive_flow
        await harness.wait(lambda: flow.popover is not None and flow.popover.isVisible())
        popover = flow.popover
        popover.set_scale(4)
        await harness.wait(lambda: "≈ $" in popover.price.text(), what="a price")
        assert "512×512 → 2048×2048" in popover.size_label.text()
        assert popover.chosen_model() == "RealESRGAN_x4plus"
        _shot(window, "upscale-popover.png", tmp_path, popover)
        popover.run_button.click()
        await harness.wait(lambda: _ready(studio, _derived(studio, source.id, "upscale")), 30)
        upscaled = studio.generation(_derived(studio, source.id, "upscale").id)
        (big,) = upscaled.images
        assert (big.width, big.height) == (2048, 2048)
        order = window.gallery.model.generation_ids()
        assert order.index(upscaled.id) + 1 == order.index(source_gen.id), "placed beside"
        header = window.gallery.model.header_row(upscaled.id)
        index = window.gallery.model.index(header + 1)
        assert index.data(GENERATION_ID_ROLE) == upscaled.id
        assert index.data(Qt.ItemDataRole.DisplayRole) == f"×4 from image {source.id}"
        assert controller.session.settings.derive_defaults["upscale_scale"] == 4
        await harness.wait(lambda: thumbnails_shown(window.gallery, window.loader, upscaled.id))
        count = window.library_flow.filter_bar.count
        await harness.wait(lambda: count.text() == "2 images", what=f"2 images, not {count.text()}")
        window.gallery.select_images([big.id])
        _shot(window, "upscale.png", tmp_path)

        # Read-back of the saved upscale restores its operation's settings.
        (saved,) = await studio.save_images([big], tmp_path / "saved")
        controller.session.settings.derive_defaults.update(upscale_scale=2)
        readback = await window.readback_flow.apply_file(saved)
        assert readback is not None and readback.lineage is not None
        assert readback.lineage["parentImageId"] == source.id
        assert controller.session.settings.derive_defaults["upscale_scale"] == 4
        box = window.readback_flow.report_box
        said = f"{box.text()}\n{box.informativeText()}"
        assert "Upscaled ×4 with RealESRGAN_x4plus from image" in said
        assert "The next Upscale starts at ×4 with RealESRGAN_x4plus." in said
        window.readback_flow.report_box.close()

        # R: the dialog prefilled from the source; strength 0.7, four variations.
        window.gallery.select_images([source.id])
        window.commands.action("image.reimagine").trigger()
        await harness.wait(lambda: flow.dialog is not None and flow.dialog.isVisible())
        dialog = flow.dialog
        assert dialog.prompt.toPlainText() == PROMPT
        assert dialog.seed.text() == str(source.seed)
        assert dialog.model.currentText() == "DreamShaper 8" and not dialog.notes.isVisible()
        dialog.strength.setValue(70)
        dialog.count.setValue(4)
        await harness.wait(lambda: "≈ $" in dialog.price.text(), what="a price")
        assert "0.70 · marked" in dialog.strength_value.text()
        assert dialog.image is not None and dialog.image.value() == str(source.path)
        await harness.wait(dialog.image.thumbnail_shown, what="the source's thumbnail")
        _shot(window, "reimagine-dialog.png", tmp_path, dialog)
        window.resize(1024, 700)
        await harness.wait(lambda: window.width() == 1024)
        dialog.move(window.geometry().center() - dialog.rect().center())
        small = _shot(window, "reimagine-dialog-1024.png", tmp_path, dialog, readme=False)
        if os.environ.get("WIRO_SHOTS_DIR"):
            small.replace(Path(os.environ["WIRO_SHOTS_DIR"]) / small.name)
        window.resize(1600, 1000)
        dialog.accept()
        await harness.wait(lambda: _ready(studio, _derived(studio, source.id, "reimagine")), 30)
        again = studio.generation(_derived(studio, source.id, "reimagine").id)
        assert len(again.images) == 4 and again.params["strength"] == 0.7
        assert again.operation["strength"] == 0.7 and again.operation["variations"] == 4
        # A tile size that shows all four at once (an earlier test may have left another one
        # in the settings): thumbnails are decoded only for tiles on screen.
        # in the settings): thumbnails are decoded only for tiles on screen, so it is brought
        # to the top of the gallery too.
        window.gallery.set_tile_size(200)
        assert window.gallery.select_generation(again.id)
        await harness.wait(lambda: thumbnails_shown(window.gallery, window.loader, again.id) == 4)
        await harness.wait(lambda: count.text() == "6 images", what=f"6 images, not {count.text()}")
        _shot(window, "reimagine.png", tmp_path)
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
