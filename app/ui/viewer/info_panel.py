"""The viewer's side panel: the image's prompt, negative prompt and settings, each copyable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.viewer.lineage import GO_DERIVED, GO_SOURCE, LineageLinks
from app.ui.widgets.plain import set_plain_text

PANEL_WIDTH = 300


@dataclass(frozen=True)
class ImageInfo:
    """What the panel shows for one image; every text is shown as plain text."""

    prompt: str = ""
    negative_prompt: str = ""
    settings: Sequence[tuple[str, str]] = field(default_factory=tuple)
    parameters: str = ""  # the A1111 ``parameters`` text, for "Copy all"
    lineage: LineageLinks = field(default_factory=LineageLinks)

    @staticmethod
    def settings_text(pairs: Sequence[tuple[str, str]]) -> str:
        return "\n".join(f"{key}: {value}" for key, value in pairs)


def _selectable(label: QLabel) -> QLabel:
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


class InfoPanel(QFrame):
    """Shows one image's settings; the Copy buttons put exactly the shown text on the clipboard."""

    copied = Signal(str)  # what was copied, for a status line
    lineage_requested = Signal(str)  # GO_SOURCE or GO_DERIVED

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerInfoPanel")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFixedWidth(PANEL_WIDTH)
        self._info = ImageInfo()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)
        self.prompt = _selectable(QLabel())
        self.negative = _selectable(QLabel())
        self.settings = QWidget()
        self.settings_grid = QFormLayout(self.settings)
        self.settings_grid.setContentsMargins(0, 0, 0, 0)
        self.settings_grid.setHorizontalSpacing(10)
        self.settings_grid.setVerticalSpacing(2)
        self.settings_grid.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.lineage = self._lineage_links(column)
        self.copy_prompt = self._section(column, "Prompt", self.prompt, "prompt")
        self.copy_negative = self._section(column, "Negative prompt", self.negative, "negative")
        self.copy_settings = self._section(column, "Settings", self.settings, "settings")
        self.copy_all = QPushButton("Copy all parameters")
        self.copy_all.setToolTip("The prompt, negative prompt and settings as A1111 writes them")
        self.copy_all.clicked.connect(lambda: self._copy("all"))
        column.addSpacing(6)
        column.addWidget(self.copy_all)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _section(self, column: QVBoxLayout, title: str, content: QWidget, what: str) -> QToolButton:
        head = QHBoxLayout()
        label = QLabel(title)
        label.setStyleSheet("font-weight: 600;")
        button = QToolButton()
        button.setText("Copy")
        button.setToolTip(f"Copy the {title.lower()}")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self._copy(what))
        head.addWidget(label, 1)
        head.addWidget(button)
        column.addLayout(head)
        column.addWidget(content)
        column.addSpacing(4)
        return button

    def _lineage_links(self, column: QVBoxLayout) -> QWidget:
        box = QWidget()
        row = QVBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 4)
        row.setSpacing(0)
        self.source_link = self._link(GO_SOURCE, "Go to the source image (Alt+Up)")
        self.derived_link = self._link(GO_DERIVED, "Go to the derived images (Alt+Down)")
        row.addWidget(self.source_link)
        row.addWidget(self.derived_link)
        column.addWidget(box)
        box.hide()
        return box

    def _link(self, what: str, tip: str) -> QToolButton:
        link = QToolButton()
        link.setObjectName("lineageLink")
        link.setAutoRaise(True)
        link.setToolTip(tip)
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        link.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        font = link.font()
        font.setUnderline(True)
        link.setFont(font)
        link.clicked.connect(lambda: self.lineage_requested.emit(what))
        return link

    def _show_lineage(self, links: LineageLinks) -> None:
        self.source_link.setText(links.source_text.replace("&", "&&"))
        self.source_link.setVisible(bool(links.source_text))
        self.source_link.setEnabled(links.source_id is not None)
        self.derived_link.setText(links.derived_text)
        self.derived_link.setVisible(bool(links.derived))
        self.lineage.setVisible(bool(links))

    def set_info(self, info: ImageInfo) -> None:
        self._info = info
        self._show_lineage(info.lineage)
        set_plain_text(self.prompt, info.prompt or "(none)")
        set_plain_text(self.negative, info.negative_prompt or "(none)")
        self.copy_prompt.setEnabled(bool(info.prompt))
        self.copy_negative.setEnabled(bool(info.negative_prompt))
        self.copy_settings.setEnabled(bool(info.settings))
        self.copy_all.setEnabled(bool(info.parameters))
        while self.settings_grid.rowCount():
            self.settings_grid.removeRow(0)
        for key, value in info.settings:
            name, shown = QLabel(), _selectable(QLabel())
            set_plain_text(name, key, single_line=True)
            set_plain_text(shown, value)
            name.setEnabled(False)  # dim: the key is a caption
            self.settings_grid.addRow(name, shown)

    def info(self) -> ImageInfo:
        return self._info

    def text_for(self, what: str) -> str:
        info = self._info
        return {
            "prompt": info.prompt,
            "negative": info.negative_prompt,
            "settings": ImageInfo.settings_text(info.settings),
            "all": info.parameters,
        }[what]

    def _copy(self, what: str) -> None:
        text = self.text_for(what)
        if text:
            QGuiApplication.clipboard().setText(text)
            self.copied.emit(what)


def image_info(params: Mapping[str, Any], pairs: Sequence[tuple[str, str]], text: str) -> ImageInfo:
    """An ImageInfo from a generation's parameters and its settings pairs (core.metadata)."""
    return ImageInfo(
        prompt=str(params.get("prompt") or ""),
        negative_prompt=str(params.get("negativePrompt") or ""),
        settings=tuple(pairs),
        parameters=text,
    )
