"""Two images compared as artists do: side by side, A/B flip in place, or a wipe between them."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.events import ImageRecord
from app.ui.viewer.base import ElidedLabel, ViewerBase
from app.ui.viewer.canvas import ImageCanvas
from app.ui.viewer.overlay import WIPE_KEY_STEP, CompareMode, OverlayCanvas
from app.ui.widgets.thumbnails import ThumbnailLoader

MODE_KEYS = {CompareMode.SIDE: "D", CompareMode.FLIP: "Space", CompareMode.WIPE: "W"}
LABELS = {CompareMode.SIDE: "Side", CompareMode.FLIP: "A/B", CompareMode.WIPE: "Wipe"}
HINTS = {
    CompareMode.SIDE: "Side by side: drag or scroll either side, both move together",
    CompareMode.FLIP: "A/B in place: Space flips between them",
    CompareMode.WIPE: "Wipe: drag the line, or ←/→ to move it",
}


class CompareView(ViewerBase):
    """Two images that zoom and pan together: side by side, flipped in place, or wiped."""

    mode_changed = Signal(object)  # CompareMode

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QWidget | None = None):
        super().__init__(loader, parent, navigation=False)
        self.left = ImageCanvas(self.state, self)
        self.right = ImageCanvas(self.state, self)
        self.overlay = OverlayCanvas(self.state, self)
        self.left_caption = ElidedLabel(parent=self)
        self.right_caption = ElidedLabel(parent=self)
        self.overlay_caption = ElidedLabel(parent=self)
        self.overlay_caption.setContentsMargins(8, 0, 0, 0)
        self.overlay_caption.setMinimumHeight(26)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(3)
        for canvas, caption in ((self.left, self.left_caption), (self.right, self.right_caption)):
            canvas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            splitter.addWidget(self._pane(caption, canvas))
        splitter.setSizes([1, 1])
        self.splitter = splitter
        self.pages = QStackedWidget(self)
        self.pages.addWidget(splitter)
        self.pages.addWidget(self._pane(self.overlay_caption, self.overlay))
        for canvas in (self.left, self.overlay):
            canvas.zoom_changed.connect(self._on_canvas_zoom_changed)
        for canvas in (self.left, self.right):
            canvas.link([self.left, self.right])
        self.overlay.wipe_changed.connect(self._on_overlay_wipe_changed)
        self.overlay.flipped.connect(lambda _b: self._update_overlay_caption())
        self.modes_row = self._add_mode_controls()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.modes_row)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.bar)
        self.setFocusProxy(self.left)
        self._pair: list[ImageRecord | None] = [None, None]
        self._captions = ("", "")
        self._mode = CompareMode.SIDE

    def _pane(self, caption: ElidedLabel, canvas: ImageCanvas) -> QWidget:
        pane = QWidget(self)
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.setSpacing(0)
        caption.setContentsMargins(8, 0, 0, 0)
        caption.setMinimumHeight(26)
        pane_layout.addWidget(caption)
        pane_layout.addWidget(canvas, 1)
        return pane

    def _add_mode_controls(self) -> QWidget:
        """A slim row above the pictures: Side / A/B / Wipe, the wipe slider, and a hint."""
        strip = QWidget(self)
        strip.setObjectName("compareModes")
        row = QHBoxLayout(strip)
        row.setContentsMargins(8, 2, 8, 2)
        row.setSpacing(2)
        self.mode_buttons: dict[CompareMode, QToolButton] = {}
        group = QButtonGroup(self)
        for mode in CompareMode:
            button = QToolButton(strip)
            button.setText(LABELS[mode])
            button.setToolTip(f"{HINTS[mode]} ({MODE_KEYS[mode]})")
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, m=mode: self.set_mode(m))
            group.addButton(button)
            self.mode_buttons[mode] = button
            button.setMinimumWidth(button.sizeHint().width())  # never "…"
            row.addWidget(button)
        self.mode_buttons[CompareMode.SIDE].setChecked(True)
        row.addSpacing(8)
        self.wipe_slider = QSlider(Qt.Orientation.Horizontal, strip)
        self.wipe_slider.setRange(0, 1000)
        self.wipe_slider.setValue(500)
        self.wipe_slider.setMinimumWidth(60)
        self.wipe_slider.setMaximumWidth(180)
        self.wipe_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.wipe_slider.setToolTip("Where the wipe line is (←/→)")
        self.wipe_slider.valueChanged.connect(
            lambda value: self.overlay.set_wipe_position(value / 1000)
        )
        self.wipe_slider.hide()
        row.addWidget(self.wipe_slider, 1)
        row.addSpacing(8)
        self.hint = ElidedLabel(parent=strip, dim=True)
        row.addWidget(self.hint, 2)
        self.hint.setText(HINTS[CompareMode.SIDE])
        return strip

    # ---- what is compared -----------------------------------------------------------------
    def _canvases(self) -> list[ImageCanvas]:
        return [self.left, self.right]

    def zoom_canvas(self) -> ImageCanvas:
        return self.left if self._mode is CompareMode.SIDE else self.overlay

    def _records(self) -> list[ImageRecord | None]:
        return list(self._pair)

    def records(self) -> tuple[ImageRecord | None, ImageRecord | None]:
        return self._pair[0], self._pair[1]

    def mode(self) -> CompareMode:
        return self._mode

    def show_images(
        self, left: ImageRecord, right: ImageRecord, left_caption: str = "", right_caption: str = ""
    ) -> None:
        self._pair = [left, right]
        self._captions = (left_caption or left.path.name, right_caption or right.path.name)
        self.state.set_fit()
        self.left_caption.setText("A · " + self._captions[0])
        self.right_caption.setText("B · " + self._captions[1])
        self._load(self.left, left)
        self._load(self.right, right)
        self._sync_overlay()
        self.set_mode(self._mode)

    def _sync_overlay(self) -> None:
        left = self._pair[0]
        size = QSize(left.width, left.height) if left is not None else None
        self.overlay.set_pixmap(self.left.pixmap(), size)
        self.overlay.set_second(self.right.pixmap())

    def _on_loader_image_loaded(self, path: str, side: int) -> None:
        super()._on_loader_image_loaded(path, side)
        self._sync_overlay()

    # ---- modes --------------------------------------------------------------------------
    def set_mode(self, mode: CompareMode) -> None:
        self._mode = mode
        self.mode_buttons[mode].setChecked(True)
        overlaid = mode is not CompareMode.SIDE
        self.pages.setCurrentIndex(1 if overlaid else 0)
        self.overlay.set_wiping(mode is CompareMode.WIPE)
        self.wipe_slider.setVisible(mode is CompareMode.WIPE)
        self.hint.setText(HINTS[mode])
        self._update_overlay_caption()
        focus = self.overlay if overlaid else self.left
        self.setFocusProxy(focus)
        if self.hasFocus() or self.isAncestorOf(self.focusWidget() or self):
            focus.setFocus()
        self._refresh_zoom_display()
        self.mode_changed.emit(mode)

    def flip(self) -> None:
        """Space: A/B in place; from another mode it starts on B, the change being the point."""
        if self._mode is not CompareMode.FLIP:
            self.set_mode(CompareMode.FLIP)
            self.overlay.set_show_b(True)
        else:
            self.overlay.flip()

    def shown_side(self) -> str:
        """ "A" or "B" in A/B mode; "" otherwise."""
        if self._mode is not CompareMode.FLIP:
            return ""
        return "B" if self.overlay.shows_b() else "A"

    def _update_overlay_caption(self) -> None:
        if self._mode is CompareMode.WIPE:  # both in one line: size and seed, not the prompt
            a, b = (" · ".join(c.split(" · ")[:2]) for c in self._captions)
            self.overlay_caption.setText(f"A (left) · {a}    |    B (right) · {b}")
        else:
            shows_b = self.overlay.shows_b()
            side = "B" if shows_b else "A"
            self.overlay_caption.setText(f"{side} · {self._captions[int(shows_b)]}")

    def _on_overlay_wipe_changed(self, fraction: float) -> None:
        self.wipe_slider.blockSignals(True)
        self.wipe_slider.setValue(round(fraction * 1000))
        self.wipe_slider.blockSignals(False)

    def _on_canvas_zoom_changed(self, _zoom: float) -> None:
        self._refresh_zoom_display()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, plain = event.key(), event.modifiers() == Qt.KeyboardModifier.NoModifier
        if key == Qt.Key.Key_Space and plain:
            self.flip()
        elif key == Qt.Key.Key_W and plain:
            self.set_mode(CompareMode.WIPE)
        elif key == Qt.Key.Key_D and plain:
            self.set_mode(CompareMode.SIDE)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._mode is CompareMode.WIPE:
            step = WIPE_KEY_STEP if key == Qt.Key.Key_Right else -WIPE_KEY_STEP
            self.overlay.set_wipe_position(self.overlay.wipe_position() + step)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Space):
            event.accept()  # nothing to step through here
        else:
            super().keyPressEvent(event)
