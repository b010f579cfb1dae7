"""Read back in the window: open or drop an image, the form takes its settings, a short
non-modal report says what was mapped and what was dropped."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image, PngImagePlugin
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.ui.flows.readback_flow import image_paths
from tests.ui.library_support import harness_factory, qloop, started  # noqa: F401

A1111 = (
    "a misty harbour at dawn, oil painting\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6, Seed: 4242, Size: 520x776, "
    "Model: sdxl_base, Hires upscale: 2, Hires steps: 10"
)
COMFY = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 777,
            "steps": 14,
            "cfg": 5.5,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.st"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 384, "height": 640}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a glass whale", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "watermark", "clip": ["4", 1]}},
}


def png_with(path: Path, **texts: str) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in texts.items():
        info.add_text(key, value)
    Image.new("RGB", (16, 16), (30, 60, 90)).save(path, pnginfo=info)
    return path


def jpeg_with_user_comment(path: Path, text: str) -> Path:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + text.encode("utf-16-be")
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 60, 30)).save(out, format="JPEG", exif=exif.tobytes())
    path.write_bytes(out.getvalue())
    return path


def drop(window, paths: list[Path], *, enter_only: bool = False) -> bool:
    """Sends a drag-enter (and a drop) naming ``paths`` to the window; True when accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(window.width() / 2, window.height() / 2)
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), actions, mime, buttons, mods)
    QApplication.sendEvent(window, enter)
    if enter_only or not enter.isAccepted():
        return enter.isAccepted()
    event = QDropEvent(point, actions, mime, buttons, mods, QEvent.Type.Drop)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def test_image_paths_takes_local_images_only(qapp) -> None:
    mime = QMimeData()
    mime.setUrls([
        QUrl.fromLocalFile("/tmp/a.PNG"), QUrl.fromLocalFile("/tmp/b.txt"),
        QUrl("https://example.com/c.png"), QUrl.fromLocalFile("/tmp/d.webp"),
    ])  # fmt: skip
    assert image_paths(mime) == [Path("/tmp/a.PNG"), Path("/tmp/d.webp")]
    assert image_paths(QMimeData()) == []


def test_dropped_and_opened_images_fill_the_form_and_report(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    tmp_path: Path,
) -> None:
    harness = harness_factory(demo=True)
    a1111 = png_with(tmp_path / "a1111.png", parameters=A1111)
    comfy = png_with(tmp_path / "comfy.png", prompt=json.dumps(COMFY))
    jpeg = jpeg_with_user_comment(tmp_path / "exif.jpg", A1111.replace("4242", "99"))
    nothing = png_with(tmp_path / "plain.png")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")

    async def scenario() -> None:
        controller = await started(harness)
        window = controller.window
        flow = window.readback_flow
        assert window.acceptDrops()
        assert not drop(window, [text_file], enter_only=True)

        assert drop(window, [a1111])
        await harness.wait(lambda: flow.last is not None, what="A1111 read back")
        values = window.form.values()
        assert values["prompt"] == "a misty harbour at dawn, oil painting"
        assert values["negativePrompt"] == "blurry, lowres"
        assert (values["steps"], values["scale"], values["width"], values["height"]) == (
            28, 6.0, 520, 776,
        )  # fmt: skip
        assert values["scheduler"] == "DPMSolverMultistepScheduler"
        assert str(values["seed"]) == "4242" and not window.form.random_seed_enabled()
        box = flow.report_box
        assert box is not None and box.isVisible()
        assert box.windowModality() == Qt.WindowModality.NonModal
        assert "a1111.png" in box.text() and "Read from A1111 parameters" in box.text()
        assert "Hires fix settings dropped" in box.informativeText()
        assert "sdxl_base" in box.informativeText()

        flow.last = None
        flow.open_dialog()
        assert flow._dialog is not None and flow._dialog.isVisible()
        flow._dialog.fileSelected.emit(str(comfy))
        flow._dialog.close()
        await harness.wait(lambda: flow.last is not None, what="ComfyUI read back")
        assert flow.last.source == "ComfyUI"
        values = window.form.values()
        assert values["prompt"] == "a glass whale"
        assert (values["steps"], values["width"], values["height"]) == (14, 384, 640)
        assert "ComfyUI" in flow.report_box.text()

        flow.last = None
        assert drop(window, [jpeg, comfy])  # several: the first is read
        await harness.wait(lambda: flow.last is not None, what="EXIF read back")
        assert "UserComment" in flow.last.source and str(window.form.values()["seed"]) == "99"

        flow.last = None
        before = window.form.values()
        await flow.apply_file(nothing)
        assert window.form.values() == before
        assert "No settings could be applied" in flow.report_box.text()
        assert flow.report_box.icon() == flow.report_box.Icon.Warning
        await flow.apply_file(tmp_path / "missing.png")
        assert "Could not read missing.png" in window.statusBar().currentMessage()
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
