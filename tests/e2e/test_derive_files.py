"""Upscale and re-imagine an image file that is not in the library, in the whole app against
the demo emulator: the file is uploaded before Run, the result lands in the gallery, its
lineage names the file. The re-imagine dialog takes a dropped file in place of its source.

With WIRO_UPDATE_SCREENSHOTS=1 the dialog's screenshot is written to resources/screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.ui.flows.smoke import thumbnails_shown
from app.ui.gallery.rows import GENERATION_ID_ROLE
from tests.e2e.test_derive import _ready, generate_source

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "a lighthouse on a cliff at dusk, oil painting"


def _photo(tmp_path: Path, name: str, size: tuple[int, int]) -> Path:
    path = tmp_path / "outside" / name
    path.parent.mkdir(exist_ok=True)
    image = Image.new("RGB", size, (30, 90, 150))
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            if (x // 8 + y // 8) % 2:
                image.putpixel((x, y), (240, 200, 60))
    image.save(path)
    return path


def _derived_from_file(studio, name: str, kind: str):
    found = [
        s
        for s in studio.ledger.all()
        if (s.operation or {}).get("source_file") == name and s.operation["kind"] == kind
    ]
    return found[-1] if found else None


def _drop_file(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(QPoint(8, 8)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)
    assert event.isAccepted()


def _save_shot(pixmap, name: str, tmp_path: Path, readme: bool = True) -> Path:
    path = tmp_path / name
    assert pixmap.save(str(path), "PNG")
    if readme and os.environ.get("WIRO_UPDATE_SCREENSHOTS"):
        assert pixmap.save(str(ROOT / "resources" / "screenshots" / name), "PNG")
    if os.environ.get("WIRO_SHOTS_DIR"):
        assert pixmap.save(str(Path(os.environ["WIRO_SHOTS_DIR"]) / name), "PNG")
    return path


def test_upscale_and_reimagine_a_file_outside_the_library(qloop, harness_factory, tmp_path) -> None:
    harness = harness_factory(demo=True)
    photo = _photo(tmp_path, "harbour sketch.png", (160, 120))

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        window.resize(1600, 1000)
        flow = window.derive_flow

        # Image → Upscale a file…: the picker, then the popover for that file.
        window.commands.action("image.upscale_file").trigger()
        await harness.wait(lambda: flow.file_dialog is not None and flow.file_dialog.isVisible())
        flow.file_dialog.fileSelected.emit(str(photo))
        flow.file_dialog.reject()
        await harness.wait(lambda: flow.popover is not None and flow.popover.isVisible())
        popover = flow.popover
        assert popover.title.text() == "Upscale harbour sketch.png"
        popover.set_scale(2)
        await harness.wait(lambda: "160×120 → 320×240" in popover.size_label.text())
        popover.run_button.click()
        await harness.wait(
            lambda: _ready(studio, _derived_from_file(studio, photo.name, "upscale")), 30
        )
        upscaled = studio.generation(_derived_from_file(studio, photo.name, "upscale").id)
        (big,) = upscaled.images
        assert (big.width, big.height) == (320, 240) and upscaled.parent_image_id is None
        assert upscaled.params["inputImage"].startswith("http")
        header = window.gallery.model.header_row(upscaled.id)
        assert header >= 0
        index = window.gallery.model.index(header + 1)
        assert index.data(GENERATION_ID_ROLE) == upscaled.id
        row = window.tasks.row(upscaled.id)
        assert row.prompt_label.full_text() == (
            "Upscale ×2 · harbour sketch.png (RealESRGAN_x2plus)"
        )

        # Image → Re-imagine a file…: the dialog shows the file in its image field.
        window.commands.action("image.reimagine_file").trigger()
        await harness.wait(lambda: flow.file_dialog.isVisible())
        flow.file_dialog.fileSelected.emit(str(photo))
        flow.file_dialog.reject()
        await harness.wait(lambda: flow.dialog is not None and flow.dialog.isVisible())
        dialog = flow.dialog
        assert dialog.image is not None and dialog.image.value() == str(photo)
        assert dialog.image.editor.name.full_text() == photo.name
        assert "From harbour sketch.png (160×120)" in dialog.source_label.text()
        dialog.prompt.setPlainText(PROMPT)
        dialog.count.setValue(2)
        await harness.wait(dialog.image.thumbnail_shown, what="the file's thumbnail")
        dialog.accept()
        await harness.wait(
            lambda: _ready(studio, _derived_from_file(studio, photo.name, "reimagine")), 30
        )
        again = studio.generation(_derived_from_file(studio, photo.name, "reimagine").id)
        assert len(again.images) == 2 and again.parent_image_id is None
        assert (again.images[0].width, again.images[0].height) == (160, 120)
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_reimagine_dialog_takes_a_dropped_file(qloop, harness_factory, tmp_path) -> None:
    harness = harness_factory(demo=True)
    dropped = _photo(tmp_path, "dropped study.png", (128, 128))

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        source_gen, source = await generate_source(harness, window, studio)
        await harness.wait(lambda: thumbnails_shown(window.gallery, window.loader, source_gen.id))

        window.gallery.select_images([source.id])
        window.commands.action("image.reimagine").trigger()
        flow = window.derive_flow
        await harness.wait(lambda: flow.dialog is not None and flow.dialog.isVisible())
        dialog = flow.dialog
        assert dialog.image is not None and dialog.image.value() == str(source.path)
        await harness.wait(dialog.image.thumbnail_shown, what="the source's thumbnail")
        _drop_file(dialog.image.editor, dropped)
        assert dialog.image.value() == str(dropped)
        assert dialog.source_label.text().startswith("From dropped study.png")
        await harness.wait(lambda: dialog.width_box.value() == 128, what="the file's size")
        assert dialog.height_box.value() == 128
        await harness.wait(dialog.image.thumbnail_shown, what="the dropped file's thumbnail")
        await harness.wait(lambda: "≈ $" in dialog.price.text(), what="a price")
        dialog.adjustSize()
        shot = _save_shot(dialog.grab(), "reimagine-dialog-file.png", tmp_path)
        assert shot.is_file()
        assert dialog.image.editor.name.width() > 0 and not dialog.image.editor.name.isHidden()
        dialog.count.setValue(1)
        dialog.accept()
        await harness.wait(
            lambda: _ready(studio, _derived_from_file(studio, dropped.name, "reimagine")), 30
        )
        made = studio.generation(_derived_from_file(studio, dropped.name, "reimagine").id)
        assert made.parent_image_id is None and made.operation["source_file"] == dropped.name
        assert made.params["prompt"] == PROMPT  # the rest still comes from the library image
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


def test_the_viewer_goes_to_the_source_and_to_derived_images(
    qloop, harness_factory, tmp_path
) -> None:
    from PySide6.QtTest import QTest

    from app.services import derive

    harness = harness_factory(demo=True)

    async def scenario() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        window.resize(1600, 1000)
        source_gen = await studio.submit({"prompt": PROMPT, "width": 128, "height": 128,
                                          "samples": 1})  # fmt: skip
        await harness.wait(lambda: _ready(studio, source_gen), what="the source image")
        source = studio.generation(source_gen.id).images[0]
        made = [await derive.upscale(studio, source.id, scale=s) for s in (2, 4)]
        await harness.wait(lambda: all(_ready(studio, m) for m in made), 30)
        x2, x4 = (studio.generation(m.id).images[0] for m in made)
        await harness.wait(lambda: window.gallery.record(x2.id) and window.gallery.record(x4.id))

        viewer = window.viewer
        window.image_actions.view(source.id)
        assert viewer.current_id() == source.id
        viewer.set_info_visible(True)
        assert viewer.info_panel.derived_link.text() == "2 derived images"
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
        menu = viewer.derived_menu
        assert menu is not None and menu.isVisible()
        assert [a.text() for a in menu.actions()] == [f"#{x2.id} · ×2", f"#{x4.id} · ×4"]
        menu.actions()[0].trigger()
        menu.close()
        assert viewer.current_id() == x2.id
        assert viewer.info_panel.source_link.text() == f"×2 from #{source.id}"
        _save_shot(window.grab(), "viewer-lineage.png", tmp_path, readme=False)
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
        assert viewer.current_id() == source.id
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
