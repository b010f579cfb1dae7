"""The ``fileinput`` field: drop, choose, paste a URL, clear; thumbnail decoded off-thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QFileDialog

from app.core.schema import parse_tool
from app.resources import tool_detail_payload
from app.ui.form.file_field import FileDrop, FileField, dropped_value, shown_name
from app.ui.form.schema_form import SchemaForm


@pytest.fixture
def upscaler_form(qtbot, styled_app):
    form = SchemaForm(parse_tool(tool_detail_payload("real-esrgan")))
    qtbot.addWidget(form)
    form.resize(420, 600)
    form.show()
    return form


def _png(tmp_path: Path, name: str = "source.png", size: int = 64) -> Path:
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    path = tmp_path / name
    assert image.save(str(path), "PNG")
    return path


def _mime(*urls: QUrl, text: str = "") -> QMimeData:
    mime = QMimeData()
    if urls:
        mime.setUrls(list(urls))
    if text:
        mime.setText(text)
    return mime


def _drop(target: FileDrop, mime: QMimeData) -> bool:
    event = QDropEvent(
        QPointF(QPoint(10, 10)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    target.dropEvent(event)  # what Qt calls when the drag is released over the field
    return event.isAccepted()


def test_the_image_field_is_a_file_field(upscaler_form) -> None:
    field = upscaler_form.widget_for("inputImage")
    assert isinstance(field, FileField) and isinstance(field.editor, FileDrop)
    assert field.editor.acceptDrops() and not field.editor.address.acceptDrops()
    assert field.value() == "" and not field.editor.clear.isEnabled()
    assert "inputImage" in upscaler_form.validation().errors  # required, still empty


def test_a_dropped_local_image_becomes_the_value_with_its_thumbnail(
    qtbot, upscaler_form, tmp_path
) -> None:
    path = _png(tmp_path)
    field = upscaler_form.widget_for("inputImage")
    assert _drop(field.editor, _mime(QUrl.fromLocalFile(str(path))))
    assert field.value() == str(path)
    assert upscaler_form.values()["inputImage"] == str(path)
    assert field.editor.name.full_text() == "source.png" and field.editor.address.isHidden()
    qtbot.waitUntil(field.thumbnail_shown, timeout=5000)
    assert "inputImage" not in upscaler_form.validation().errors
    field.editor.clear.click()
    assert field.value() == "" and not field.thumbnail_shown()
    assert "inputImage" in upscaler_form.validation().errors


def test_drops_that_are_not_images_or_safe_urls_are_refused(tmp_path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("x")
    assert dropped_value(_mime(QUrl.fromLocalFile(str(text)))) is None
    assert dropped_value(_mime(QUrl("http://example.com/a.png"))) is None
    assert dropped_value(_mime(QUrl("file:///etc/passwd"))) is None
    assert dropped_value(_mime(text="ftp://example.com/a.png")) is None
    assert dropped_value(_mime(QUrl("https://example.com/a.png"))) == "https://example.com/a.png"
    assert dropped_value(_mime(text=" https://cdn.example/x.webp ")) == "https://cdn.example/x.webp"
    loopback = "http://127.0.0.1:8123/files/a.png"  # the offline emulator's own files
    assert dropped_value(_mime(QUrl(loopback))) == loopback


def test_a_refused_drop_leaves_the_value(upscaler_form, tmp_path) -> None:
    path = _png(tmp_path)
    field = upscaler_form.widget_for("inputImage")
    field.set_value(str(path))
    assert not _drop(field.editor, _mime(QUrl("http://example.com/a.png")))
    assert field.value() == str(path)


def test_a_typed_url_is_accepted_only_when_https(qtbot, upscaler_form) -> None:
    field = upscaler_form.widget_for("inputImage")
    address = field.editor.address
    address.setFocus()
    qtbot.keyClicks(address, "http://example.com/cat.png")
    assert field.value() == "http://example.com/cat.png"
    assert "https" in upscaler_form.validation().errors["inputImage"]
    address.clear()
    qtbot.keyClicks(address, "https://example.com/cat.png")
    assert upscaler_form.values()["inputImage"] == "https://example.com/cat.png"
    assert "inputImage" not in upscaler_form.validation().errors
    assert field.editor.name.full_text() == "cat.png" and field.editor.thumb.text() == "Web"


def test_choose_opens_an_image_picker_without_blocking(upscaler_form, tmp_path) -> None:
    path = _png(tmp_path, "picked.jpg")
    field = upscaler_form.widget_for("inputImage")
    field.editor.choose.click()
    dialog = field.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert any("*.png" in f and "*.webp" in f for f in dialog.nameFilters())
    dialog.fileSelected.emit(str(path))
    dialog.reject()
    assert field.value() == str(path) and field.editor.name.full_text() == "picked.jpg"


def test_a_file_name_is_shown_as_plain_text(upscaler_form, tmp_path) -> None:
    path = _png(tmp_path, "<b>bold<b>.png")
    field = upscaler_form.widget_for("inputImage")
    field.set_value(str(path))
    assert field.editor.name.textFormat() == Qt.TextFormat.PlainText
    assert field.editor.name.full_text() == "<b>bold<b>.png"
    assert shown_name("https://example.com/") == "example.com"


def test_set_values_round_trips_the_path(upscaler_form, tmp_path) -> None:
    path = _png(tmp_path)
    upscaler_form.set_values({"inputImage": str(path), "outscale": 2})
    assert upscaler_form.values()["inputImage"] == str(path)
    assert upscaler_form.widget_for("inputImage").editor.name.full_text() == "source.png"
