"""Export: the dialog (template checks, preview, strip option) and saving through the window."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.core.exportformat import ExportFormat
from app.core.filenames import (
    PRIVATE_TEMPLATE,
    render_template,
    revealing_placeholders,
    sanitize_filename,
    template_context,
    unique_name,
)
from app.core.readback import read_settings
from app.storage.imagemeta import read_text_chunks
from app.ui.dialogs.export_dialog import EXPORT_PLACEHOLDERS, ExportChoice, ExportDialog
from tests.ui.library_support import generate, harness_factory, qloop, started  # noqa: F401

FULL = (
    "{date} {time} {seed} {index} {task} {prompt:40} {scheduler} {steps} {scale} {width}x{height}"
)


def test_the_dialog_checks_the_template_and_shows_an_example(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(None, count=3, folder=tmp_path, template="{seed} {prompt:20}")
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.isVisible() and dialog.windowTitle() == "Export images"
    assert dialog.export_button.isEnabled()
    example = dialog.preview_label.text()
    assert example.startswith("For example: 123456 ") and example.endswith(".png")
    dialog.template_edit.setText("{seed} {nope}")
    assert not dialog.export_button.isEnabled()
    assert "Unknown placeholder {nope}" in dialog.template_error.text()
    assert dialog.preview_label.text() == ""
    dialog.template_edit.setText("sub/{seed}")
    assert "subfolders" in dialog.template_error.text()
    dialog.template_edit.clear()
    for action in dialog.insert_button.menu().actions():
        action.trigger()
    assert dialog.template_edit.text() == "".join(EXPORT_PLACEHOLDERS)
    assert dialog.export_button.isEnabled()
    dialog.folder_edit.clear()
    assert not dialog.export_button.isEnabled()


def test_export_emits_the_choice_and_closes(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(
        None, count=1, folder=tmp_path, template=FULL, preview=lambda t: f"x {len(t)}.png"
    )
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.windowTitle() == "Export image"
    assert dialog.preview_label.text() == f"For example: x {len(FULL)}.png"
    chosen: list[ExportChoice] = []
    dialog.export_requested.connect(chosen.append)
    dialog.strip_check.setChecked(True)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert chosen == [ExportChoice(tmp_path, FULL, True)]
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()


def exported(folder: Path) -> list[Path]:
    """Finished exports only: an atomic write's temporary file (fsutil's ``.wiro-*.part``)
    is in the folder while that image is being written, and must not be counted."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.suffix == ".png" and not p.name.startswith(".")]


def test_export_from_the_window_names_files_by_template(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    tmp_path: Path,
) -> None:
    harness = harness_factory(demo=True)
    out = tmp_path / "exported"

    async def scenario() -> None:
        controller = await started(harness)
        window = controller.window
        long_prompt = "Ünïcode ☃ a/b\\c: " + "x" * 480
        state = await generate(harness, controller, long_prompt, samples=3)
        ids = [i.id for i in state.images]
        window.gallery.select_images(ids)
        window.image_actions.save(ids)  # File > Save selected with several images
        dialog = window.library_flow.export_dialog
        assert dialog.isVisible() and dialog.windowModality() != Qt.WindowModality.NonModal
        assert "Ünïcode ☃ a_b_c_" in dialog.preview_label.text()
        dialog.folder_edit.setText(str(out))
        dialog.template_edit.setText(FULL)
        assert f" {state.task_id} " in dialog.preview_label.text()
        dialog.export_button.click()
        await harness.wait(lambda: len(exported(out)) == 3, what="files")
        names = sorted(p.name for p in exported(out))
        assert all(" 64x64.png" in n and f" {state.task_id} " in n for n in names)
        assert all(len(n.encode()) <= 200 and "/" not in n and "\\" not in n for n in names)
        assert all(read_text_chunks(p).get("parameters") for p in exported(out))

        window.library_flow.export(ids)  # again, stripped: the last choice is remembered
        dialog = window.library_flow.export_dialog
        assert dialog.folder_edit.text() == str(out) and dialog.template_edit.text() == FULL
        dialog.strip_check.setChecked(True)
        dialog.export_button.click()
        await harness.wait(lambda: len(exported(out)) == 6, what="6 files")
        new = [p for p in exported(out) if p.name not in names]
        assert len(new) == 3 and all(read_text_chunks(p) == {} for p in new)
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())


@pytest.mark.parametrize(
    "prompt",
    [
        "../../etc/passwd",
        "/absolute/path/to/x",
        "C:\\Windows\\system32",
        "CON",
        "lpt1",
        "名前と猫" * 125,
        "é" * 500,
        "a b " * 125,
        "\u202eevil\x00\n\ttabs",
    ],
)
def test_template_names_are_safe_for_any_prompt(prompt: str) -> None:
    ctx = template_context(
        {"prompt": prompt, "scheduler": "EulerDiscreteScheduler", "steps": 20, "scale": 7.5,
         "width": 512, "height": 768},
        when=datetime(2024, 5, 1, 14, 22, 33), task_id="../2221", index=0, seed=42,
    )  # fmt: skip
    taken: set[str] = set()
    for template in (FULL, "{prompt}", "{prompt:40}", "{prompt:400}"):
        for _ in range(3):
            stem = render_template(template, ctx)
            name = unique_name(sanitize_filename(stem), ".png", taken.__contains__)
            assert name not in taken and name.endswith(".png")
            taken.add(name)
            assert len(name.encode()) <= 200
            assert not set(name) & set('<>:"/\\|?*\x00\n\t')
            assert name.split(".", 1)[0].upper() not in {"CON", "LPT1"}
            assert not name.startswith((".", " "))


def test_format_quality_and_lossless_controls(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(
        None, count=2, folder=tmp_path, template="{seed}", preview=lambda t: "123456.png"
    )
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.export_format() == ExportFormat()
    assert not dialog.quality_spin.isEnabled() and not dialog.lossless_check.isEnabled()
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("jpeg"))
    dialog.quality_spin.setValue(80)
    assert dialog.quality_spin.isEnabled() and not dialog.lossless_check.isEnabled()
    assert dialog.preview_label.text() == "For example: 123456.jpg"
    assert dialog.export_format() == ExportFormat("jpeg", 80, False)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("webp"))
    dialog.lossless_check.setChecked(True)
    assert not dialog.quality_spin.isEnabled() and dialog.lossless_check.isEnabled()
    assert dialog.preview_label.text() == "For example: 123456.webp"
    chosen: list[ExportChoice] = []
    dialog.export_requested.connect(chosen.append)
    dialog.export_button.click()
    assert chosen[0].export_format == ExportFormat("webp", 80, True)
    again = ExportDialog(
        None, count=1, folder=tmp_path, template="x", export_format=chosen[0].export_format
    )
    qtbot.addWidget(again)
    assert again.export_format() == chosen[0].export_format


def test_stripping_makes_the_default_template_private(qtbot, tmp_path: Path) -> None:
    default = "{date} {time} {seed} {prompt:40}"
    dialog = ExportDialog(None, count=1, folder=tmp_path, template=default)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.privacy_label.isHidden()
    dialog.strip_check.setChecked(True)
    assert dialog.template_edit.text() == PRIVATE_TEMPLATE
    assert not revealing_placeholders(dialog.template_edit.text())
    assert dialog.privacy_label.isHidden()
    dialog.strip_check.setChecked(False)
    assert dialog.template_edit.text() == default
    opened_stripped = ExportDialog(
        None, count=1, folder=tmp_path, template=default, strip_metadata=True
    )
    qtbot.addWidget(opened_stripped)
    assert opened_stripped.template_edit.text() == PRIVATE_TEMPLATE


def test_a_revealing_template_is_flagged_while_stripping(qtbot, tmp_path: Path) -> None:
    dialog = ExportDialog(None, count=1, folder=tmp_path, template="mine {prompt:20} {seed}")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.strip_check.setChecked(True)
    assert dialog.template_edit.text() == "mine {prompt:20} {seed}"  # the artist's own: kept
    assert dialog.privacy_label.isVisible()
    assert "the prompt and the seed" in dialog.privacy_label.text()
    assert dialog.export_button.isEnabled()  # flagged, not forbidden
    dialog.template_edit.setText("mine {index}")
    assert dialog.privacy_label.isHidden()
    dialog.template_edit.setText("{task}")
    assert "Wiro task id" in dialog.privacy_label.text()
    dialog.strip_check.setChecked(False)
    assert dialog.privacy_label.isHidden()


def test_export_as_webp_and_jpeg_from_the_window_keeps_the_settings(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    tmp_path: Path,
) -> None:
    harness = harness_factory(demo=True)
    out = tmp_path / "converted"

    async def scenario() -> None:
        controller = await started(harness)
        window = controller.window
        state = await generate(harness, controller, "夜の港, lanterns", samples=1)
        ids = [i.id for i in state.images]
        for kind, ext, count in (("webp", ".webp", 1), ("jpeg", ".jpg", 2)):
            window.library_flow.export(ids)
            dialog = window.library_flow.export_dialog
            dialog.folder_edit.setText(str(out))
            dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(kind))
            assert dialog.preview_label.text().endswith(ext)
            dialog.export_button.click()
            await harness.wait(lambda n=count: out.exists() and len(list(out.iterdir())) == n)
        for path in out.iterdir():
            back = read_settings(read_text_chunks(path))
            assert back.source == "Wiro Studio", path.name
            assert back.values["prompt"] == "夜の港, lanterns"
        assert sorted(p.suffix for p in out.iterdir()) == [".jpg", ".webp"]
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
