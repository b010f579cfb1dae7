"""The gallery's list view: column layout, star clicks, tile zoom, drag-out, a steady scroll."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QEvent,
    QKeyCombination,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDrag,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QWidget

from app.services.events import ImageRecord
from app.ui.gallery.delegate import GalleryDelegate, mix
from app.ui.gallery.model import GalleryModel, RowKind, file_mime_data
from app.ui.widgets.thumbnails import ThumbnailLoader

DRAG_PREVIEW = 112
CELL_PROBE = 8  # a point just inside the top-left tile
EMPTY_TEXT = "Generated images appear here.\nWrite a prompt and press Ctrl+Enter."
LOADING_TEXT = "Loading…"
ZOOM_STEP = 1.15


class GalleryView(QListView):
    """A wrapping, uniform-column list of tiles with full-width generation headers."""

    star_clicked = Signal(int)  # image id
    sweep_activated = Signal(int)  # sweep id: its header double-clicked, Enter, or its Grid button
    tile_size_changed = Signal(int)
    drag_started = Signal(list)  # image ids

    def __init__(self, model: GalleryModel, loader: ThumbnailLoader, parent: QWidget | None = None):
        super().__init__(parent)
        self._loader = loader
        self.setModel(model)
        self._delegate = GalleryDelegate(model, loader, self)
        self.setItemDelegate(self._delegate)
        self.setViewMode(QListView.ViewMode.ListMode)  # IconMode's free layout is slow at 10k
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setUniformItemSizes(False)
        self.setSpacing(0)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setFrameShape(QListView.Shape.NoFrame)
        self._anchor: tuple[QPersistentModelIndex, int] | None = None
        self._key_actions: list[QAction] = []
        self._empty_text = EMPTY_TEXT
        self.undo_mark: Callable[[], bool] | None = None  # Ctrl+Z while a mark can be undone
        self.can_undo_mark: Callable[[], bool] = lambda: False
        model.rowsAboutToBeInserted.connect(self._on_model_rows_about_to_change)
        model.rowsAboutToBeRemoved.connect(self._on_model_rows_about_to_change)
        model.rowsInserted.connect(self._on_model_rows_changed)
        model.rowsRemoved.connect(self._on_model_rows_changed)
        self._update_columns()

    @property
    def gallery_model(self) -> GalleryModel:
        return self.model()  # type: ignore[return-value]

    @property
    def delegate(self) -> GalleryDelegate:
        return self._delegate

    def tile_size(self) -> int:
        return self._delegate.tile_size()

    def set_tile_size(self, side: int) -> None:
        before = self._delegate.tile_size()
        if self._delegate.set_tile_size(side):
            self.scheduleDelayedItemsLayout()
        if self._delegate.tile_size() != before:
            self.tile_size_changed.emit(self._delegate.tile_size())

    def set_grouped(self, grouped: bool) -> None:
        if self._delegate.set_grouped(grouped):
            self.scheduleDelayedItemsLayout()
            self.viewport().update()

    def thumbnail_side(self) -> int:
        return self._delegate.thumbnail_side(self.devicePixelRatioF())

    # ---- layout -------------------------------------------------------------------------
    def _layout_width(self) -> int:
        # QListView lays out left-to-right flows as if the vertical scroll bar were shown, and
        # wraps an item that would end exactly on the right edge: hence the extent and the 1.
        extent = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        return self.maximumViewportSize().width() - extent - 1

    def _update_columns(self) -> None:
        if self._delegate.set_available_width(self._layout_width()):
            self.scheduleDelayedItemsLayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._update_columns()
        super().resizeEvent(event)

    def updateGeometries(self) -> None:
        super().updateGeometries()
        self.verticalScrollBar().setSingleStep(max(16, self._delegate.cell_size().height() // 4))

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """Repaints the changed rows only. QListView's own handler lays out every row again
        (a sizeHint call per row: ~100 ms with 10,000 images, on each progress frame), but a
        row's size never depends on its data here: headers and tiles have fixed sizes."""
        QAbstractItemView.dataChanged(self, topLeft, bottomRight, roles)

    def _on_model_rows_about_to_change(self, _parent: QModelIndex, first: int, _last: int) -> None:
        """Remembers the tile at the top so rows landing above it don't push the view down."""
        self._anchor = None
        if self.verticalScrollBar().value() <= 0:
            return
        top = self.indexAt(QPoint(CELL_PROBE, CELL_PROBE))
        if top.isValid() and first <= top.row():
            self._anchor = (QPersistentModelIndex(top), self.visualRect(top).top())

    def _on_model_rows_changed(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None or not anchor[0].isValid():
            return
        self.executeDelayedItemsLayout()
        moved = self.visualRect(self.model().index(anchor[0].row(), 0)).top() - anchor[1]
        if moved:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + moved)

    # ---- keys ---------------------------------------------------------------------------
    def set_key_actions(self, actions: list[QAction]) -> None:
        """Actions whose shortcuts this view answers while it has the focus."""
        self._key_actions = list(actions)

    @staticmethod
    def _pressed(event: QKeyEvent) -> QKeySequence:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))

    def _is_undo(self, event: QKeyEvent) -> bool:
        return self._pressed(event).matches(
            QKeySequence(QKeySequence.StandardKey.Undo)
        ) == QKeySequence.SequenceMatch.ExactMatch and bool(self.can_undo_mark())

    def event(self, event: QEvent) -> bool:
        # Ctrl+Z takes back the last star or reject while there is one, before Edit → Undo
        # delete (a window shortcut) sees the key.
        override = event.type() == QEvent.Type.ShortcutOverride
        if override and isinstance(event, QKeyEvent) and self._is_undo(event):
            event.accept()
            return True
        return super().event(event)

    def _zoom_step(self, event: QKeyEvent) -> int:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return 0
        if event.key() in (Qt.Key.Key_Equal, Qt.Key.Key_Plus):
            return 1
        return -1 if event.key() in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore) else 0

    def zoom(self, steps: float) -> None:
        """Ctrl+= / Ctrl+- / Ctrl+wheel: bigger or smaller tiles."""
        self.set_tile_size(round(self.tile_size() * (ZOOM_STEP**steps)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier
        ):
            current = self.currentIndex()
            sweep_id = self._sweep_header(current.row()) if current.isValid() else None
            if sweep_id is not None:
                self.sweep_activated.emit(sweep_id)
                event.accept()
                return
        if self._is_undo(event) and self.undo_mark is not None:
            self.undo_mark()
            event.accept()
            return
        if step := self._zoom_step(event):
            self.zoom(step)
            event.accept()
            return
        pressed = self._pressed(event)
        for action in self._key_actions:
            if any(pressed.matches(k) == QKeySequence.SequenceMatch.ExactMatch
                   for k in action.shortcuts()):  # fmt: skip
                if action.isEnabled():
                    action.trigger()
                event.accept()
                return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:
        """Typing letters does not jump between "seed …" captions."""

    # ---- mouse --------------------------------------------------------------------------
    def _star_hit(self, pos: QPoint) -> QModelIndex | None:
        index = self.indexAt(pos)
        if not index.isValid() or self.gallery_model.kind(index.row()) != RowKind.IMAGE:
            return None
        star = GalleryDelegate.star_rect(self.visualRect(index)).adjusted(-3, -3, 3, 3)
        return index if star.contains(pos) else None

    def _sweep_header(self, row: int) -> int | None:
        """The sweep whose header is at ``row``, else None."""
        model = self.gallery_model
        return model.sweep_at(row) if model.kind(row) == RowKind.HEADER else None

    def _grid_button_hit(self, pos: QPoint) -> int | None:
        index = self.indexAt(pos)
        sweep_id = self._sweep_header(index.row()) if index.isValid() else None
        if sweep_id is None or not self._delegate.grouped():
            return None
        button = self._delegate.grid_button_rect(self.visualRect(index))
        return sweep_id if button.adjusted(-3, -3, 3, 3).contains(pos) else None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        sweep_id = self._sweep_header(index.row()) if index.isValid() else None
        if sweep_id is not None and event.button() == Qt.MouseButton.LeftButton:
            self.sweep_activated.emit(sweep_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not event.modifiers():
            sweep_id = self._grid_button_hit(event.position().toPoint())
            if sweep_id is not None:
                self.sweep_activated.emit(sweep_id)
                event.accept()
                return
            index = self._star_hit(event.position().toPoint())
            if index is not None:
                record = self.gallery_model.record_at(index.row())
                if record is not None:
                    self.star_clicked.emit(record.id)
                event.accept()
                return
        super().mousePressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom(steps)
            event.accept()
            return
        super().wheelEvent(event)

    # ---- drag out -----------------------------------------------------------------------
    def selected_records(self) -> list[ImageRecord]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        records = [self.gallery_model.record_at(r) for r in rows]
        return [r for r in records if r is not None]

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        records = self.selected_records()
        if not records:
            return
        drag = QDrag(self)
        drag.setMimeData(file_mime_data(r.path for r in records))
        preview = self.drag_preview(records)
        drag.setPixmap(preview)
        drag.setHotSpot(QPoint(preview.width() // 2, preview.height() // 2))
        self.drag_started.emit([r.id for r in records])
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)

    def drag_preview(self, records: list[ImageRecord]) -> QPixmap:
        """The first thumbnail (any cached size), with a count badge for a multi-image drag."""
        ratio = self.devicePixelRatioF()
        canvas = QPixmap(round(DRAG_PREVIEW * ratio), round(DRAG_PREVIEW * ratio))
        canvas.setDevicePixelRatio(ratio)
        canvas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        thumb = self._loader.best_cached(records[0].path)
        box = QRect(0, 0, DRAG_PREVIEW - 8, DRAG_PREVIEW - 8)
        if thumb is not None:
            size = thumb.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            box = QRect(QPoint(0, 0), size)
        box.moveCenter(QPoint(DRAG_PREVIEW // 2, DRAG_PREVIEW // 2))
        painter.setOpacity(0.9)
        if thumb is not None:
            painter.drawPixmap(box, thumb)
        else:
            painter.fillRect(box, self.palette().color(QPalette.ColorRole.Mid))
        painter.setOpacity(1.0)
        painter.setPen(QPen(QColor(255, 255, 255, 180), 1))
        painter.drawRect(box.adjusted(0, 0, -1, -1))
        if len(records) > 1:
            badge = QRect(box.right() - 30, box.top() - 6, 36, 22)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(badge, 11, 11)
            painter.setPen(self.palette().color(QPalette.ColorRole.HighlightedText))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(len(records)))
        painter.end()
        return canvas

    # ---- empty state --------------------------------------------------------------------
    def set_empty_text(self, text: str) -> None:
        """What an empty gallery says: first-run help, "Loading…", or that nothing matches."""
        if text != self._empty_text:
            self._empty_text = text
            self.viewport().update()

    def empty_text(self) -> str:
        return self._empty_text

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.gallery_model.rowCount() == 0:
            painter = QPainter(self.viewport())
            palette = self.palette()
            text = palette.color(QPalette.ColorRole.Text)
            painter.setPen(mix(text, palette.color(QPalette.ColorRole.Base), 0.45))
            painter.drawText(
                self.viewport().rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._empty_text,
            )

    def sizeHint(self) -> QSize:
        return QSize(720, 520)
