"""Paints the gallery's rows: generation headers, image tiles and grey slots for images to come."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.ui.gallery.model import (
    DETAIL_ROLE,
    RECORD_ROLE,
    STARRED_ROLE,
    SWEEP_ID_ROLE,
    GalleryModel,
    RowKind,
)
from app.ui.gallery.sweep_paint import grid_button_rect, paint_grid_button
from app.ui.gallery.tile_paint import (
    CAPTION_H,
    CAPTION_LINE_2,
    mix,
    paint_caption,
    paint_reject,
    paint_slot,
    paint_star,
)
from app.ui.widgets.gallery_text import ASSUMED
from app.ui.widgets.thumbnails import FILE_MISSING, ThumbnailLoader

AnyIndex = QModelIndex | QPersistentModelIndex

THUMBNAIL_BUCKETS = (128, 192, 256, 320, 384, 512, 768, 1024)
MIN_TILE, MAX_TILE, DEFAULT_TILE = 120, 640, 240  # a tile is never smaller than the size chosen
GROWTH_FROM = 600  # tiles grow with a gallery wider than this (the size at 1280×800)
ASPECT_RANGE = (0.4, 2.5)  # height / width: taller or wider pictures are letterboxed
CELL_PAD = 5  # half the gap between two cards
MAT = 6  # card border around the picture
LONGEST_CAPTION = f"seed 4294967295 {ASSUMED}"
HEADER_H = 50
REJECTED_OPACITY = 0.28

PAINT_PROBE: Callable[[int], None] | None = None
"""Benchmarks only (tests/bench): called with an image id each time its tile is painted with
decoded pixels. None in the app, where it costs one global lookup per tile."""


def thumbnail_bucket(device_pixels: int) -> int:
    """The decode size for a picture this many device pixels wide (few sizes: a small cache)."""
    for side in THUMBNAIL_BUCKETS:
        if side >= device_pixels:
            return side
    return THUMBNAIL_BUCKETS[-1]


class GalleryDelegate(QStyledItemDelegate):
    """Draws headers and tiles from the model's data, asking the loader for each thumbnail."""

    def __init__(self, model: GalleryModel, loader: ThumbnailLoader, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model
        self._loader = loader
        self._target = DEFAULT_TILE
        self._width = 800
        self._cell = QSize(DEFAULT_TILE, DEFAULT_TILE)
        self._header = QSize(800, HEADER_H)
        self._grouped = True
        self._palette_key = -1
        self._palette_colors: dict[str, QColor] = {}
        self._relayout()

    # ---- geometry -----------------------------------------------------------------------
    def set_available_width(self, width: int) -> bool:
        """Fits whole columns into ``width``; True when the cell size changed."""
        if width == self._width:
            return False
        self._width = max(1, width)
        return self._relayout()

    def set_tile_size(self, side: int) -> bool:
        self._target = max(MIN_TILE, min(MAX_TILE, int(side)))
        return self._relayout()

    def tile_size(self) -> int:
        return self._target

    def cell_size(self) -> QSize:
        return QSize(self._cell)

    def target_side(self) -> int:
        """The wanted tile width: the chosen size, grown with a wider gallery (by the square root
        of the extra width, so a big screen shows bigger tiles *and* more of them)."""
        return round(self._target * max(1.0, self._width / GROWTH_FROM) ** 0.5)

    def _relayout(self) -> bool:
        target = self.target_side()
        # As many columns as fit at the wanted size or more: a tile is never smaller than the
        # size chosen, so a wider window never shows smaller tiles than a narrower one did.
        columns = max(1, self._width // (target + 2 * CELL_PAD))
        while columns > 1 and self._width // columns < MIN_TILE:
            columns -= 1
        side = max(MIN_TILE // 2, self._width // columns)
        self._caption_h = CAPTION_H
        if (
            self._caption_font_metrics().horizontalAdvance(LONGEST_CAPTION)
            > side - 2 * CELL_PAD - 2 * MAT - 4
        ):
            self._caption_h += CAPTION_LINE_2
        cell = QSize(side, side - MAT + self._caption_h)
        changed = cell != self._cell or self._header.width() != self._width
        self._cell = cell
        self._header = QSize(self._width, HEADER_H)
        return changed

    def set_grouped(self, grouped: bool) -> bool:
        """Headers above each generation, or one flat grid (headers take no room)."""
        changed, self._grouped = grouped != self._grouped, grouped
        return changed

    def grouped(self) -> bool:
        return self._grouped

    def caption_height(self) -> int:
        return self._caption_h

    def picture_width(self) -> int:
        return self._cell.width() - 2 * CELL_PAD - 2 * MAT

    def tile_size_for(self, aspect: float) -> QSize:
        """A tile whose picture keeps ``aspect`` (height / width) at the column width."""
        low, high = ASPECT_RANGE
        height = round(self.picture_width() * min(high, max(low, aspect)))
        return QSize(self._cell.width(), height + 2 * CELL_PAD + MAT + self._caption_h)

    def _caption_font(self, base: QFont | None = None) -> QFont:
        parent = self.parent()
        if base is None:
            base = parent.font() if isinstance(parent, QWidget) else QFont()
        font = QFont(base)
        font.setPointSizeF(font.pointSizeF() * 0.92)
        return font

    def _caption_font_metrics(self) -> QFontMetrics:
        return QFontMetrics(self._caption_font())

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        row = index.row()
        if self._model.kind(row) == RowKind.HEADER:
            return self._header if self._grouped else QSize(0, 0)
        return self.tile_size_for(self._model.aspect(row))

    @staticmethod
    def card_rect(cell: QRect) -> QRect:
        return cell.adjusted(CELL_PAD, CELL_PAD, -CELL_PAD, -CELL_PAD)

    @classmethod
    def picture_rect(cls, cell: QRect, caption_h: int = CAPTION_H) -> QRect:
        card = cls.card_rect(cell)
        width = card.width() - 2 * MAT
        height = max(1, card.height() - MAT - caption_h)
        return QRect(card.left() + MAT, card.top() + MAT, width, height)

    @classmethod
    def star_rect(cls, cell: QRect) -> QRect:
        picture = cls.picture_rect(cell)
        return QRect(picture.right() - 29, picture.top() + 5, 24, 24)

    @classmethod
    def reject_rect(cls, cell: QRect) -> QRect:
        picture = cls.picture_rect(cell)
        return QRect(picture.left() + 5, picture.top() + 5, 24, 24)

    def thumbnail_side(self, device_pixel_ratio: float, long_side: int | None = None) -> int:
        """The decode size for a picture whose long side is ``long_side`` (default: square)."""
        side = self.picture_width() if long_side is None else long_side
        return thumbnail_bucket(math.ceil(side * device_pixel_ratio))

    # ---- painting -----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        kind = self._model.kind(index.row())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if kind == RowKind.HEADER:
            if self._grouped:
                self._paint_header(painter, option, index)
        else:
            self._paint_tile(painter, option, index, kind)
        painter.restore()

    def _colors(self, option: QStyleOptionViewItem) -> dict[str, QColor]:
        # Headers and slots are not selectable items, so the option carries the Disabled colours:
        # take the Active ones, or every header would look greyed out.
        palette = option.widget.palette() if option.widget is not None else option.palette
        if self._palette_key == palette.cacheKey():
            return self._palette_colors
        active = QPalette.ColorGroup.Active
        base = palette.color(active, QPalette.ColorRole.Base)
        text = palette.color(active, QPalette.ColorRole.Text)
        self._palette_key = palette.cacheKey()
        self._palette_colors = {
            "base": base,
            "text": text,
            "dim": mix(text, base, 0.45),
            "card": mix(base, text, 0.055),
            "hover": mix(base, text, 0.10),
            "well": mix(base, text, 0.025),
            "accent": palette.color(active, QPalette.ColorRole.Highlight),
        }
        return self._palette_colors

    def grid_button_rect(self, header: QRect) -> QRect:
        """Where a sweep header's Open grid button is, for a header laid out in ``header``."""
        return grid_button_rect(header, self._caption_font())

    def _paint_header(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex):
        colors = self._colors(option)
        rect = option.rect.adjusted(CELL_PAD + 3, 0, -CELL_PAD - 3, 0)
        button = None
        if index.data(SWEEP_ID_ROLE) is not None:
            button = grid_button_rect(option.rect, self._caption_font(option.font))
            hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
            paint_grid_button(
                painter, button, self._caption_font(option.font), colors["accent"], hovered
            )
            if option.state & QStyle.StateFlag.State_HasFocus:
                painter.setPen(QPen(colors["accent"], 1, Qt.PenStyle.DashLine))
                painter.drawRoundedRect(QRectF(option.rect).adjusted(3.5, 12.5, -3.5, -1.5), 5, 5)
        if index.row() > 0:
            painter.setPen(QPen(mix(colors["base"], colors["text"], 0.14), 1))
            painter.drawLine(rect.left(), rect.top() + 8, rect.right(), rect.top() + 8)
        if button is not None:
            rect.setRight(button.left() - 12)  # the title and detail stop before the button
        title_font = QFont(option.font)
        title_font.setPointSizeF(option.font.pointSizeF() * 1.08)
        title_font.setWeight(QFont.Weight.DemiBold)
        detail_font = QFont(option.font)
        detail_font.setPointSizeF(option.font.pointSizeF() * 0.92)
        title_metrics = QFontMetrics(title_font)
        title_rect = QRect(rect.left(), rect.top() + 18, rect.width(), title_metrics.height())
        title = title_metrics.elidedText(
            index.data(Qt.ItemDataRole.DisplayRole) or "", Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.setFont(title_font)
        painter.setPen(colors["text"])
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        detail_metrics = QFontMetrics(detail_font)
        detail = detail_metrics.elidedText(
            index.data(DETAIL_ROLE) or "", Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.setFont(detail_font)
        painter.setPen(colors["dim"])
        detail_rect = QRect(
            rect.left(), title_rect.bottom() + 2, rect.width(), detail_metrics.height()
        )
        painter.drawText(
            detail_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, detail
        )

    def _paint_tile(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex, kind):
        colors = self._colors(option)
        cell = option.rect
        card = QRectF(self.card_rect(cell))
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver) and kind == RowKind.IMAGE
        fill = colors["hover"] if hovered else colors["card"]
        if selected:
            fill = mix(fill, colors["accent"], 0.28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(card, 6, 6)
        picture = self.picture_rect(cell, self._caption_h)
        painter.fillRect(picture, colors["well"])
        record = index.data(RECORD_ROLE)
        if kind == RowKind.IMAGE and record is not None:
            if record.rejected:
                painter.setOpacity(REJECTED_OPACITY)
            self._paint_picture(painter, picture, record, colors, option)
            painter.setOpacity(1.0)
            if record.rejected:
                paint_reject(painter, self.reject_rect(cell))
            if index.data(STARRED_ROLE) or hovered:
                paint_star(painter, self.star_rect(cell), bool(record.starred))
        else:
            paint_slot(painter, picture, index.data(DETAIL_ROLE) or "", colors, option.font)
        caption = index.data(Qt.ItemDataRole.DisplayRole) or ""
        paint_caption(painter, caption, picture, self._caption_font(option.font), colors)
        if selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(colors["accent"], 2))
            painter.drawRoundedRect(card.adjusted(1, 1, -1, -1), 5, 5)
        elif option.state & QStyle.StateFlag.State_HasFocus:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(
                QPen(mix(colors["card"], colors["accent"], 0.7), 1, Qt.PenStyle.DashLine)
            )
            painter.drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _paint_picture(self, painter, picture: QRect, record, colors, option) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        side = self.thumbnail_side(ratio, max(picture.width(), picture.height()))
        pixmap = self._loader.request(record.path, side)
        if pixmap is None:
            pixmap = self._loader.best_cached(record.path)
        if pixmap is None:
            error = self._loader.error(record.path, side)
            if error is not None:
                text = "File missing\n(deleted from disk)" if error == FILE_MISSING else None
                painter.setPen(colors["dim"])
                painter.setFont(option.font)
                painter.drawText(
                    picture, Qt.AlignmentFlag.AlignCenter, text or "Can't read\nthis file"
                )
            return
        size = pixmap.size().scaled(picture.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(picture.center())
        painter.drawPixmap(target, pixmap)
        if PAINT_PROBE is not None:
            PAINT_PROBE(record.id)
