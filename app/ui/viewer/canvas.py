"""A zoomable, pannable picture surface; several can share one ``ViewState`` to move in step."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QFrame, QWidget

MIN_ZOOM, MAX_ZOOM = 0.05, 32.0
WHEEL_STEP = 1.25
KEY_STEP = 1.25**2
CRISP_FROM = 2.0  # at 200 % and more, pixels are shown as hard squares
PAN_KEY_STEP = 64
BACKDROP = QColor(46, 46, 48)  # neutral dark grey around the picture, as photo tools use
BACKDROP_TEXT = QColor(220, 220, 222, 170)


class ViewState(QObject):
    """Zoom (1.0 = one image pixel per screen pixel) and the image point at the view centre."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fit = True
        self.zoom = 1.0
        self.center = QPointF()

    def set_fit(self) -> None:
        if not self.fit:
            self.fit = True
            self.changed.emit()

    def set_view(self, zoom: float, center: QPointF) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if self.fit or zoom != self.zoom or center != self.center:
            self.fit, self.zoom, self.center = False, zoom, QPointF(center)
            self.changed.emit()


class ImageCanvas(QAbstractScrollArea):
    """Paints one picture under a ViewState: smooth when shrunk, crisp pixels when enlarged."""

    zoom_changed = Signal(float)
    double_clicked = Signal()

    def __init__(self, state: ViewState | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state if state is not None else ViewState(self)
        self.state.changed.connect(self._on_state_changed)
        self._pixmap: QPixmap | None = None
        self._image_size = QSize()
        self._message = ""
        self._shrunk: dict[tuple[int, int, int], QPixmap] = {}
        self._drag_from: QPointF | None = None
        self._syncing = False
        self._peers: list[ImageCanvas] = [self]
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.horizontalScrollBar().valueChanged.connect(self._on_scrollbar_value_changed)
        self.verticalScrollBar().valueChanged.connect(self._on_scrollbar_value_changed)

    # ---- content ------------------------------------------------------------------------
    def set_pixmap(self, pixmap: QPixmap | None, image_size: QSize | None = None) -> None:
        """Shows ``pixmap`` stretched to ``image_size`` (a preview may be smaller than that)."""
        self._pixmap = pixmap if pixmap is not None and not pixmap.isNull() else None
        size = image_size if image_size and not image_size.isEmpty() else None
        self._image_size = size or (self._pixmap.size() if self._pixmap else QSize())
        self._shrunk = {}
        self._message = ""
        self._sync_scrollbars()
        self.viewport().update()
        self.zoom_changed.emit(self.zoom())

    def set_message(self, text: str) -> None:
        """A line shown over the backdrop while there is no picture (loading, unreadable)."""
        self._message = text
        self.viewport().update()

    def image_size(self) -> QSize:
        return QSize(self._image_size)

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    # ---- geometry -----------------------------------------------------------------------
    def _ratio(self) -> float:
        return self.devicePixelRatioF() or 1.0

    def link(self, peers: list[ImageCanvas]) -> None:
        """Canvases shown side by side: in Fit mode all use the smallest fit, so they match."""
        self._peers = list(peers)

    def fit_zoom(self) -> float:
        return min(peer.own_fit_zoom() for peer in self._peers)

    def own_fit_zoom(self) -> float:
        """The whole image in view, never enlarged: an image that fits is shown at 100 %."""
        if self._image_size.isEmpty():
            return 1.0
        view = self.viewport().size() * self._ratio()
        return max(
            MIN_ZOOM,
            min(
                1.0,
                view.width() / self._image_size.width(),
                view.height() / self._image_size.height(),
            ),
        )

    def zoom(self) -> float:
        return self.fit_zoom() if self.state.fit else self.state.zoom

    def _center(self) -> QPointF:
        if self.state.fit or self._image_size.isEmpty():
            return QPointF(self._image_size.width() / 2, self._image_size.height() / 2)
        return self._clamped(self.state.center, self.state.zoom)

    def _clamped(self, center: QPointF, zoom: float) -> QPointF:
        scale = zoom / self._ratio()
        half_w = self.viewport().width() / 2 / scale
        half_h = self.viewport().height() / 2 / scale
        w, h = self._image_size.width(), self._image_size.height()
        x = w / 2 if w <= 2 * half_w else min(max(center.x(), half_w), w - half_w)
        y = h / 2 if h <= 2 * half_h else min(max(center.y(), half_h), h - half_h)
        return QPointF(x, y)

    def map_to_image(self, point: QPointF) -> QPointF:
        scale = self.zoom() / self._ratio()
        mid = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        return self._center() + (point - mid) / scale

    def image_rect_in_view(self) -> QRectF:
        """Where the whole picture lands, in viewport coordinates."""
        scale = self.zoom() / self._ratio()
        mid = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        origin = mid - self._center() * scale
        return QRectF(origin.x(), origin.y(), self._image_size.width() * scale,
                      self._image_size.height() * scale)  # fmt: skip

    # ---- zoom and pan -------------------------------------------------------------------
    def zoom_at(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiplies the zoom, keeping the image point under ``anchor`` (default: centre) still."""
        self.set_zoom(self.zoom() * factor, anchor)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        if self._image_size.isEmpty():
            return
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        mid = QPointF(self.viewport().width() / 2, self.viewport().height() / 2)
        anchor = mid if anchor is None else anchor
        fixed = self.map_to_image(anchor)
        center = fixed - (anchor - mid) / (zoom / self._ratio())
        self.state.set_view(zoom, self._clamped(center, zoom))

    def pan_by(self, dx: float, dy: float) -> None:
        """Moves the picture by (dx, dy) viewport pixels."""
        zoom = self.zoom()
        scale = zoom / self._ratio()
        center = self._center() - QPointF(dx, dy) / scale
        self.state.set_view(zoom, self._clamped(center, zoom))

    def _pannable(self) -> bool:
        rect = self.image_rect_in_view()
        return rect.width() > self.viewport().width() + 0.5 or (
            rect.height() > self.viewport().height() + 0.5
        )

    def _on_state_changed(self) -> None:
        self._sync_scrollbars()
        self.viewport().update()
        self.zoom_changed.emit(self.zoom())

    def _sync_scrollbars(self) -> None:
        rect = self.image_rect_in_view()
        view = self.viewport().size()
        self._syncing = True
        for bar, extent, page, start in (
            (self.horizontalScrollBar(), rect.width(), view.width(), rect.left()),
            (self.verticalScrollBar(), rect.height(), view.height(), rect.top()),
        ):
            bar.setRange(0, max(0, round(extent - page)))
            bar.setPageStep(page)
            bar.setSingleStep(PAN_KEY_STEP // 2)
            bar.setValue(round(-start) if extent > page else 0)
        self._syncing = False
        self.viewport().setCursor(
            Qt.CursorShape.OpenHandCursor if self._pannable() else Qt.CursorShape.ArrowCursor
        )

    def _on_scrollbar_value_changed(self, _value: int) -> None:
        if self._syncing:
            return
        rect = self.image_rect_in_view()
        dx = -self.horizontalScrollBar().value() - rect.left() if rect.width() > 0 else 0
        dy = -self.verticalScrollBar().value() - rect.top() if rect.height() > 0 else 0
        if self.horizontalScrollBar().maximum() == 0:
            dx = 0
        if self.verticalScrollBar().maximum() == 0:
            dy = 0
        if dx or dy:
            self.pan_by(dx, dy)

    # ---- events -------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._shrunk = {}
        self._sync_scrollbars()
        if self.state.fit:
            self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if not ctrl and not event.pixelDelta().isNull():  # a touchpad scroll: pan
            self.pan_by(event.pixelDelta().x(), event.pixelDelta().y())
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.pan_by(event.angleDelta().y() / 2, 0)
        elif event.angleDelta().y():
            self.zoom_at(WHEEL_STEP ** (event.angleDelta().y() / 120), event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = event.position()
            if self._pannable():
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan_by(delta.x(), delta.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self._sync_scrollbars()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            if self.state.fit or abs(self.zoom() - 1.0) > 1e-6:
                self.set_zoom(1.0, event.position())
            else:
                self.state.set_fit()
            self.double_clicked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_at(KEY_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_at(1 / KEY_STEP)
        elif key == Qt.Key.Key_0:
            self.state.set_fit()
        elif key == Qt.Key.Key_1:
            self.set_zoom(1.0)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.pan_by(0, PAN_KEY_STEP if key == Qt.Key.Key_Up else -PAN_KEY_STEP)
        elif shift and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.pan_by(PAN_KEY_STEP if key == Qt.Key.Key_Left else -PAN_KEY_STEP, 0)
        else:
            event.ignore()  # left/right, Escape... belong to the viewer around us
            return
        event.accept()

    # ---- painting -----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        painter.fillRect(self.viewport().rect(), BACKDROP)
        if self._pixmap is None:
            if self._message:
                painter.setPen(BACKDROP_TEXT)
                painter.drawText(
                    self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self._message
                )
            return
        self.paint_picture(painter, self._pixmap)

    def paint_picture(self, painter: QPainter, pixmap: QPixmap) -> None:
        """Paints ``pixmap`` over the image's place in the view (a subclass may clip first)."""
        target = self.image_rect_in_view()
        if pixmap.hasAlphaChannel():
            self._paint_checkerboard(painter, target)
        zoom = self.zoom()
        if zoom < 1.0:
            self._paint_shrunk(painter, pixmap, target, zoom)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, zoom < CRISP_FROM)
            self._paint_visible_part(painter, pixmap, target)

    def _paint_visible_part(self, painter: QPainter, pixmap: QPixmap, target: QRectF) -> None:
        visible = target.intersected(QRectF(self.viewport().rect()))
        if visible.isEmpty():
            return
        sx = pixmap.width() / target.width()
        sy = pixmap.height() / target.height()
        source = QRectF(
            (visible.left() - target.left()) * sx,
            (visible.top() - target.top()) * sy,
            visible.width() * sx,
            visible.height() * sy,
        )
        painter.drawPixmap(visible, pixmap, source)

    def _paint_shrunk(
        self, painter: QPainter, pixmap: QPixmap, target: QRectF, zoom: float
    ) -> None:
        """Area-averaged downscale, cached per zoom: no shimmer or jagged lines when zoomed out."""
        ratio = self._ratio()
        width = max(1, round(target.width() * ratio))
        height = max(1, round(target.height() * ratio))
        key = (pixmap.cacheKey(), width, height)
        if key not in self._shrunk:
            if len(self._shrunk) > 1:  # two pictures (A/B, wipe) share the cache
                self._shrunk.clear()
            scaled = pixmap.scaled(
                width,
                height,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(ratio)
            self._shrunk[key] = scaled
        painter.drawPixmap(QPoint(round(target.left()), round(target.top())), self._shrunk[key])

    @staticmethod
    def _paint_checkerboard(painter: QPainter, target: QRectF) -> None:
        painter.save()
        painter.setClipRect(target)
        light, dark, size = QColor(70, 72, 76), QColor(52, 54, 58), 10
        painter.fillRect(target, dark)
        y = int(target.top())
        while y < target.bottom():
            x = int(target.left()) + (((y - int(target.top())) // size) % 2) * size
            while x < target.right():
                painter.fillRect(x, y, size, size, light)
                x += 2 * size
            y += size
        painter.restore()
