"""Width × Height helpers: SD 1.5 size presets, swap, aspect lock and a note on odd sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QActionGroup, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from app.core.params import CLIENT_LIMITS
from app.ui.form.fields import FieldWidget
from app.ui.widgets import style

TRAINED_SIDE = 512  # SD 1.5's training resolution; DreamShaper 8 is also good up to ~768
LARGE_PIXELS = 800_000  # about 900 × 900
LARGE_SIDE = 1024
SMALL_SIDE = 384
LONG_RATIO = 2.2
NOTE_HELP = (
    "Stable Diffusion 1.5 was trained on 512 × 512 images (DreamShaper 8 also handles about "
    "768 px). Far from that it tends to duplicate subjects, stretch bodies or lose detail; "
    "this is only a hint, any size in range can be generated."
)


@dataclass(frozen=True)
class SizePreset:
    """A named width × height that SD 1.5 handles well."""

    shape: str
    ratio: str
    width: int
    height: int

    @property
    def name(self) -> str:
        return f"{self.shape} {self.ratio}"

    @property
    def label(self) -> str:
        return f"{self.name}\t{self.width} × {self.height}"


SIZE_PRESETS: tuple[SizePreset, ...] = (
    SizePreset("Square", "1:1", 512, 512),
    SizePreset("Square", "1:1", 640, 640),
    SizePreset("Square", "1:1", 768, 768),
    SizePreset("Portrait", "4:5", 512, 640),
    SizePreset("Portrait", "3:4", 576, 768),
    SizePreset("Portrait", "2:3", 512, 768),
    SizePreset("Portrait", "9:16", 432, 768),
    SizePreset("Landscape", "5:4", 640, 512),
    SizePreset("Landscape", "4:3", 768, 576),
    SizePreset("Landscape", "3:2", 768, 512),
    SizePreset("Landscape", "16:9", 768, 432),
)


def preset_for(width: int | None, height: int | None) -> SizePreset | None:
    return next((p for p in SIZE_PRESETS if (p.width, p.height) == (width, height)), None)


def size_note(width: int | None, height: int | None) -> str:
    """A gentle word when a size is far from what SD 1.5 was trained on; "" when it is fine."""
    if not width or not height or width <= 0 or height <= 0:
        return ""
    long_side, short_side = max(width, height), min(width, height)
    if long_side > LARGE_SIDE or width * height > LARGE_PIXELS:
        return "Larger than SD 1.5 likes: subjects may repeat. A preset size works best."
    if short_side < SMALL_SIDE:
        return "Small for SD 1.5: detail and faces suffer. 512 px or more works best."
    if long_side / short_side > LONG_RATIO:
        return "Very long or tall: the subject tends to repeat along the long side."
    return ""


def snap(value: float) -> int:
    """A side rounded to the nearest multiple of 8, within the client's size limits."""
    lim = CLIENT_LIMITS["width"]
    step = lim.multiple_of or 8
    low, high = int(lim.minimum or step), int(lim.maximum or 2048)
    return min(max(round(value / step) * step, low), high)


def _draw_swap(p: QPainter) -> None:
    for y, left in ((6.0, False), (12.0, True)):
        p.drawLine(QPointF(3.5, y), QPointF(14.5, y))
        x, d = (3.5, 3.0) if left else (14.5, -3.0)
        p.drawPolyline([QPointF(x + d, y - 3), QPointF(x, y), QPointF(x + d, y + 3)])


def _draw_lock(p: QPainter, locked: bool) -> None:
    p.drawRoundedRect(QRectF(4, 8.5, 10, 7), 1.5, 1.5)
    lift = 0.0 if locked else 2.5
    shackle = QPainterPath(QPointF(6, 8.5))
    shackle.lineTo(6, 6 - lift)
    shackle.arcTo(QRectF(6, 3 - lift, 6, 6), 180, -180)
    shackle.lineTo(12, 8.5 if locked else 6.5 - lift)
    p.drawPath(shackle)


def _icon(*states: tuple[QIcon.State, Callable[[QPainter], None]]) -> QIcon:
    """A hand-painted 18 px icon, normal and disabled, for each (state, painter) given."""
    result = QIcon()
    for state, draw in states:
        for mode, tint in (
            (QIcon.Mode.Normal, style.TEXT),
            (QIcon.Mode.Disabled, style.DISABLED_TEXT),
        ):
            for scale in (1, 2):
                pix = QPixmap(18 * scale, 18 * scale)
                pix.setDevicePixelRatio(scale)
                pix.fill(Qt.GlobalColor.transparent)
                p = QPainter(pix)
                p.setRenderHint(QPainter.RenderHint.Antialiasing)
                pen = QPen(QColor(tint), 1.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                p.setPen(pen)
                draw(p)
                p.end()
                result.addPixmap(pix, mode, state)
    return result


def swap_icon() -> QIcon:
    return _icon((QIcon.State.Off, _draw_swap))


def lock_icon() -> QIcon:
    """An open padlock, closed when the button is checked."""
    return _icon(
        (QIcon.State.Off, lambda p: _draw_lock(p, False)),
        (QIcon.State.On, lambda p: _draw_lock(p, True)),
    )


class SizeTools(QWidget):
    """Preset menu, swap and aspect lock under the Width × Height row, and the SD 1.5 note."""

    def __init__(
        self,
        width: FieldWidget,
        height: FieldWidget,
        is_bulk: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.width_field, self.height_field = width, height
        self._is_bulk = is_bulk
        self._syncing = False
        self._ratio: float | None = None
        self._ratio_stale = False
        self._seen = (self._side(width), self._side(height))

        self.preset_button = QToolButton(self)
        self.preset_button.setProperty("compact", True)
        self.preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset_button.setToolTip("Sizes that suit SD 1.5")
        self.preset_button.setAccessibleName("Size presets")
        self.preset_button.setProperty("dropdown", True)  # room for the menu arrow
        self.menu = QMenu(self.preset_button)
        self._group = QActionGroup(self.menu)
        self._actions = {}
        shape = ""
        for preset in SIZE_PRESETS:
            if shape and preset.shape != shape:
                self.menu.addSeparator()
            shape = preset.shape
            action = self.menu.addAction(preset.label)
            action.setCheckable(True)
            action.setData((preset.width, preset.height))
            self._group.addAction(action)
            self._actions[(preset.width, preset.height)] = action
            action.triggered.connect(lambda _=False, p=preset: self.apply_preset(p))
        self.preset_button.setMenu(self.menu)

        self.swap_button = QToolButton(self)
        self.swap_button.setIcon(swap_icon())
        self.swap_button.setIconSize(QSize(18, 18))
        self.swap_button.setToolTip("Swap width and height")
        self.swap_button.setAccessibleName("Swap width and height")
        self.swap_button.clicked.connect(self.swap)

        self.lock_button = QToolButton(self)
        self.lock_button.setCheckable(True)
        self.lock_button.setIcon(lock_icon())
        self.lock_button.setIconSize(QSize(18, 18))
        self.lock_button.setAccessibleName("Lock aspect ratio")
        self.lock_button.toggled.connect(self._on_lock_button_toggled)

        self.note_label = QLabel(self)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setWordWrap(True)
        style.set_role(self.note_label, "muted")
        self.note_label.hide()

        for button in (self.preset_button, self.swap_button, self.lock_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.preset_button)
        row.addStretch(1)
        row.addWidget(self.swap_button)
        row.addWidget(self.lock_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addLayout(row)
        column.addWidget(self.note_label)
        width.changed.connect(self._on_width_changed)
        height.changed.connect(self._on_height_changed)
        self._refresh()

    def focus_chain(self) -> list[QWidget]:
        return [self.preset_button, self.swap_button, self.lock_button]

    # -- state ------------------------------------------------------------------------------

    @staticmethod
    def _side(field: FieldWidget) -> int | None:
        value = field.value()
        return value if isinstance(value, int) and value > 0 else None

    def sides(self) -> tuple[int | None, int | None]:
        return self._side(self.width_field), self._side(self.height_field)

    def is_locked(self) -> bool:
        return self.lock_button.isChecked()

    def set_locked(self, locked: bool) -> None:
        self.lock_button.setChecked(locked)

    def ratio(self) -> float | None:
        return self._ratio if self.is_locked() else None

    def note(self) -> str:
        return self.note_label.text() if not self.note_label.isHidden() else ""

    # -- actions ----------------------------------------------------------------------------

    def apply_preset(self, preset: SizePreset) -> None:
        self._set_size(preset.width, preset.height)

    def swap(self) -> None:
        width, height = self.sides()
        if width and height:
            self._set_size(height, width)

    def _set_size(self, width: int, height: int) -> None:
        self._syncing = True
        try:
            self.width_field.set_value(width)
            self.height_field.set_value(height)
        finally:
            self._syncing = False
        self._remember_ratio()
        self._seen = self.sides()
        self._refresh()

    def _remember_ratio(self) -> None:
        width, height = self.sides()
        self._ratio = width / height if width and height else None
        self._ratio_stale = False

    # -- sync -------------------------------------------------------------------------------

    def _on_lock_button_toggled(self, locked: bool) -> None:
        if locked:
            self._remember_ratio()
        self._refresh()

    def _on_width_changed(self) -> None:
        self._follow(self.width_field, self.height_field, lambda w, r: w / r)

    def _on_height_changed(self) -> None:
        self._follow(self.height_field, self.width_field, lambda h, r: h * r)

    def _follow(
        self, edited: FieldWidget, other: FieldWidget, derive: Callable[[int, float], float]
    ) -> None:
        if self._syncing:
            return
        if self._is_bulk():
            self._ratio_stale = True  # values set as a whole (a preset, Use all): keep them
        elif self.is_locked():
            if self._ratio_stale:
                seen_w, seen_h = self._seen
                self._ratio = seen_w / seen_h if seen_w and seen_h else self._ratio
                self._ratio_stale = False
            value = self._side(edited)
            if value and self._ratio:
                self._syncing = True
                try:
                    other.set_value(snap(derive(value, self._ratio)))
                finally:
                    self._syncing = False
        self._seen = self.sides()
        self._refresh()

    def _refresh(self) -> None:
        width, height = self.sides()
        preset = preset_for(width, height)
        self.preset_button.setText(preset.name if preset else "Size presets")
        for key, action in self._actions.items():
            action.setChecked(key == (width, height))
        if preset is None:
            checked = self._group.checkedAction()
            if checked is not None:
                self._group.setExclusive(False)
                checked.setChecked(False)
                self._group.setExclusive(True)
        locked = self.is_locked()
        if locked and width and height:
            tip = f"Aspect ratio locked at {width} : {height}; click to unlock"
        else:
            tip = "Lock the aspect ratio: changing one side changes the other"
        self.lock_button.setToolTip(tip)
        note = size_note(width, height)
        self.note_label.setText(note)
        self.note_label.setToolTip(NOTE_HELP if note else "")
        self.note_label.setVisible(bool(note))
