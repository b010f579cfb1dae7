"""What the viewer and the compare view share: captions, the zoom bar, loading and keys."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QToolButton, QWidget

from app.core.display import one_line
from app.services.events import ImageRecord
from app.ui.viewer.canvas import KEY_STEP, ImageCanvas, ViewState
from app.ui.widgets.plain import plain_tooltip
from app.ui.widgets.thumbnails import FULL_SIZE, ThumbnailLoader


class ElidedLabel(QFrame):
    """One line of text that ends in "…" instead of widening the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, dim: bool = False):
        super().__init__(parent)
        self._text = text
        self._dim = dim
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:
        self._text = one_line(text)
        self.setToolTip(plain_tooltip(text) if len(text) > 40 else "")
        self.update()

    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self._text) + 4, self.fontMetrics().height() + 4
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        color = self.palette().color(QPalette.ColorRole.WindowText)
        if self._dim:
            color.setAlphaF(0.65)
        painter.setPen(color)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


class ZoomBar(QWidget):
    """Caption on the left; navigation, zoom and close buttons on the right."""

    def __init__(self, parent: QWidget | None = None, *, navigation: bool = True) -> None:
        super().__init__(parent)
        self.caption = ElidedLabel(parent=self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caption, 1)

        def button(text: str, tip: str) -> QToolButton:
            btn = QToolButton(self)
            btn.setText(text)
            btn.setToolTip(tip)
            btn.setAutoRaise(True)
            btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            btn.setMinimumWidth(30)
            layout.addWidget(btn)
            return btn

        self.previous_button = button("‹", "Previous image (←)") if navigation else None
        self.next_button = button("›", "Next image (→)") if navigation else None
        layout.addSpacing(10)
        self.zoom_out_button = button("−", "Zoom out (−, wheel)")
        self.zoom_label = QToolButton(self)
        self.zoom_label.setAutoRaise(True)
        self.zoom_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.zoom_label.setToolTip("Zoom; click for 100 % (1)")
        self.zoom_label.setMinimumWidth(54)
        layout.addWidget(self.zoom_label)
        self.zoom_in_button = button("+", "Zoom in (+, wheel)")
        self.fit_button = button("Fit", "Fit the window (0, double-click)")
        self.fit_button.setCheckable(True)
        self.actual_button = button("1:1", "Actual pixels, 100 % (1, double-click)")
        self.actual_button.setCheckable(True)
        layout.addSpacing(10)
        self.close_button = button("✕", "Close (Esc)")

    def set_zoom(self, zoom: float, fit: bool) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %" if zoom >= 0.1 else f"{zoom * 100:.1f} %")
        self.fit_button.setChecked(fit)
        self.actual_button.setChecked(not fit and abs(zoom - 1.0) < 1e-6)


class ViewerBase(QWidget):
    """Shared wiring: a ViewState, a ZoomBar and the keys that move between images."""

    next_requested = Signal()
    previous_requested = Signal()
    closed = Signal()
    zoom_changed = Signal(float)

    def __init__(self, loader: ThumbnailLoader | None, parent: QWidget | None, navigation: bool):
        super().__init__(parent)
        self.loader = loader if loader is not None else ThumbnailLoader(self)
        self.state = ViewState(self)
        self.bar = ZoomBar(self, navigation=navigation)
        self.bar.zoom_in_button.clicked.connect(self._on_zoom_in_button_clicked)
        self.bar.zoom_out_button.clicked.connect(self._on_zoom_out_button_clicked)
        self.bar.zoom_label.clicked.connect(self.set_actual_size)
        self.bar.fit_button.clicked.connect(self.set_fit)
        self.bar.actual_button.clicked.connect(self.set_actual_size)
        self.bar.close_button.clicked.connect(self.closed)
        if self.bar.previous_button is not None and self.bar.next_button is not None:
            self.bar.previous_button.clicked.connect(self.previous_requested)
            self.bar.next_button.clicked.connect(self.next_requested)
        self.loader.image_loaded.connect(self._on_loader_image_loaded)
        self.loader.load_failed.connect(self._on_loader_load_failed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._shown: tuple[float, bool] | None = None

    def _canvases(self) -> list[ImageCanvas]:
        raise NotImplementedError

    def zoom_canvas(self) -> ImageCanvas:
        """The canvas whose zoom is shown and changed by the bar's buttons."""
        return self._canvases()[0]

    def zoom(self) -> float:
        """The zoom shown, 1.0 = 100 % (in Fit mode, whatever fitting the window gives)."""
        return self.zoom_canvas().zoom()

    def is_fit(self) -> bool:
        return self.state.fit

    def set_fit(self) -> None:
        self.state.set_fit()
        self._refresh_zoom_display()

    def set_actual_size(self) -> None:
        self.zoom_canvas().set_zoom(1.0)
        self._refresh_zoom_display()

    def zoom_by(self, factor: float) -> None:
        self.zoom_canvas().zoom_at(factor)

    def _on_zoom_in_button_clicked(self) -> None:
        self.zoom_by(KEY_STEP)

    def _on_zoom_out_button_clicked(self) -> None:
        self.zoom_by(1 / KEY_STEP)

    def _refresh_zoom_display(self) -> None:
        shown = (self.zoom(), self.state.fit)
        if shown != self._shown:
            self._shown = shown
            self.bar.set_zoom(*shown)
            self.zoom_changed.emit(shown[0])

    def _load(self, canvas: ImageCanvas, record: ImageRecord) -> None:
        size = QSize(record.width, record.height)
        full = self.loader.request(record.path, FULL_SIZE, urgent=True)
        if full is not None:
            canvas.set_pixmap(full, size)
            return
        canvas.set_pixmap(self.loader.best_cached(record.path), size)
        if self.loader.error(record.path) is not None:
            canvas.set_message(f"Can't read {record.path.name}: {self.loader.error(record.path)}")
        elif canvas.pixmap() is None:
            canvas.set_message("Loading…")

    def _records(self) -> list[ImageRecord | None]:
        raise NotImplementedError

    def _on_loader_image_loaded(self, path: str, side: int) -> None:
        if side != FULL_SIZE:
            return
        for canvas, record in zip(self._canvases(), self._records(), strict=True):
            if record is not None and str(record.path) == path:
                canvas.set_pixmap(self.loader.cached(path), QSize(record.width, record.height))
        self._refresh_zoom_display()

    def _on_loader_load_failed(self, path: str, side: int, reason: str) -> None:
        for canvas, record in zip(self._canvases(), self._records(), strict=True):
            if record is not None and str(record.path) == path and side == FULL_SIZE:
                canvas.set_message(f"Can't read {record.path.name}: {reason}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown, Qt.Key.Key_Space):
            self.next_requested.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace):
            self.previous_requested.emit()
        elif key == Qt.Key.Key_Escape:
            self.closed.emit()
        else:
            super().keyPressEvent(event)
