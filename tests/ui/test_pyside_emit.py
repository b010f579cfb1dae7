"""Guards the Qt pin: PySide6 6.12.0 on CPython 3.11 leaks a reference to True per emit()."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    fired = Signal(int)


def test_emit_does_not_leak_references_to_true(qapp) -> None:
    probe = _Probe()
    before = sys.getrefcount(True)
    for i in range(200):
        probe.fired.emit(i)
    after = sys.getrefcount(True)
    assert after >= before - 5, (
        f"each emit() dropped a reference to True ({before} → {after}): this PySide6 build "
        "will abort the app with 'bool_dealloc'; keep the pin in pyproject.toml"
    )


def test_void_methods_do_not_leak_references_to_none(qapp) -> None:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    before = sys.getrefcount(None)
    for _ in range(200):
        widget.update()
        painter = QPainter(image)
        painter.drawLine(0, 0, 4, 4)
        painter.end()
    assert sys.getrefcount(None) >= before - 5, "void methods drop references to None"
