"""The lightbox: one image large, its actions on keys, a menu and a toolbar, and an info panel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QMenu, QVBoxLayout, QWidget

from app.services.events import ImageRecord
from app.ui.viewer.actions import ViewerActions
from app.ui.viewer.base import ElidedLabel, ViewerBase, ZoomBar
from app.ui.viewer.canvas import ImageCanvas
from app.ui.viewer.compare import CompareView
from app.ui.viewer.info_panel import PANEL_WIDTH, ImageInfo, InfoPanel
from app.ui.viewer.lineage import GO_DERIVED, GO_SOURCE, menu_entries
from app.ui.widgets.thumbnails import ThumbnailLoader

__all__ = ["CompareView", "ElidedLabel", "ImageViewer", "ZoomBar"]

BACK = "back"  # Esc: the flow steps back (full screen → panels → gallery)
UNDO_REJECT = "undo_reject"


class ImageViewer(ViewerBase):
    """One image, large: Fit (never enlarged past 100 %), zoom at the cursor, ←/→ keep the zoom."""

    action_requested = Signal(str, int)  # a ViewerActions id (or BACK, UNDO_REJECT), image id
    open_requested = Signal(int)  # show this image instead (its source or a derived one)

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QWidget | None = None):
        super().__init__(loader, parent, navigation=True)
        self.canvas = ImageCanvas(self.state, self)
        self.canvas.zoom_changed.connect(self._on_canvas_zoom_changed)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._on_canvas_context_menu_requested)
        self.canvas.installEventFilter(self)
        self.installEventFilter(self)
        self.actions_ = ViewerActions(self)
        self.actions_.triggered.connect(self._on_actions_triggered)
        self.toolbar = self.actions_.toolbar(self)
        self.info_panel = InfoPanel(self)
        self.info_panel.hide()
        self.info_panel.lineage_requested.connect(self.press)
        self.derived_menu: QMenu | None = None
        middle = QHBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setSpacing(0)
        middle.addWidget(self.canvas, 1)
        middle.addWidget(self.info_panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addLayout(middle, 1)
        layout.addWidget(self.bar)
        self.setFocusProxy(self.canvas)
        self._record: ImageRecord | None = None
        self._caption = ""
        self.can_undo_reject = False  # the flow sets it: Ctrl+Z then undoes the last reject

    def _canvases(self) -> list[ImageCanvas]:
        return [self.canvas]

    def _records(self) -> list[ImageRecord | None]:
        return [self._record]

    def current_record(self) -> ImageRecord | None:
        return self._record

    def current_id(self) -> int | None:
        return self._record.id if self._record is not None else None

    def show_image(
        self, record: ImageRecord, caption: str = "", info: ImageInfo | None = None
    ) -> None:
        """Shows ``record``; the zoom and pan stay when the new image has the same size."""
        previous = self._record
        same_size = previous is not None and (previous.width, previous.height) == (
            record.width,
            record.height,
        )
        self._record = record
        self._caption = caption or record.path.name
        if not same_size:
            self.state.set_fit()
        info = info or ImageInfo()
        self.info_panel.set_info(info)
        self.actions_.action(GO_SOURCE).setEnabled(info.lineage.source_id is not None)
        self.actions_.action(GO_DERIVED).setEnabled(bool(info.lineage.derived))
        self.set_marks(record.starred, record.rejected)
        self._load(self.canvas, record)
        self._refresh_zoom_display()

    def update_record(self, record: ImageRecord) -> None:
        """The same image with a new star or reject: no reload, the view stays."""
        if self._record is not None and self._record.id == record.id:
            self._record = record
            self.set_marks(record.starred, record.rejected)

    def set_marks(self, starred: bool, rejected: bool) -> None:
        """Shows the image's star and reject on the toolbar, menu and caption."""
        self.actions_.set_checked("star", starred)
        self.actions_.set_checked("reject", rejected)
        marks = ("★ " if starred else "") + ("Rejected · " if rejected else "")
        self.bar.caption.setText(marks + self._caption)

    # ---- info panel ----------------------------------------------------------------------
    def set_info_visible(self, visible: bool) -> None:
        self.info_panel.setVisible(visible)
        self.actions_.set_checked("info", visible)

    def info_visible(self) -> bool:
        return not self.info_panel.isHidden()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A narrow lightbox (a laptop with every panel shown) gives the info panel less."""
        super().resizeEvent(event)
        self.info_panel.setFixedWidth(max(230, min(PANEL_WIDTH, round(self.width() * 0.32))))

    # ---- actions and keys ----------------------------------------------------------------
    def _on_actions_triggered(self, action_id: str) -> None:
        if action_id == "info":
            self.set_info_visible(not self.info_visible())
            return
        if action_id in (GO_SOURCE, GO_DERIVED):
            self._go_lineage(action_id)
            return
        if self._record is not None:
            self.action_requested.emit(action_id, self._record.id)

    def _go_lineage(self, action_id: str) -> None:
        """Alt+Up shows the source; Alt+Down the derived image, or a small menu of several."""
        links = self.info_panel.info().lineage
        if action_id == GO_SOURCE:
            if links.source_id is not None:
                self.open_requested.emit(links.source_id)
            return
        entries = menu_entries(links.derived)
        if len(entries) == 1:
            self.open_requested.emit(entries[0][1])
        elif entries:
            if self.derived_menu is None:
                self.derived_menu = QMenu(self)
                self.derived_menu.triggered.connect(self._on_derived_menu_triggered)
            menu = self.derived_menu
            menu.clear()
            for text, image_id in entries:
                menu.addAction(text.replace("&", "&&")).setData(image_id)
            menu.popup(self.canvas.mapToGlobal(self.canvas.rect().center()))

    def _on_derived_menu_triggered(self, action: QAction) -> None:
        image_id = action.data()
        if isinstance(image_id, int):
            self.open_requested.emit(image_id)

    def _action_for(self, event: QKeyEvent) -> str | None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            return BACK
        found = self.actions_.id_for_key(event)
        if found is None and self.can_undo_reject and event.matches(QKeySequence.StandardKey.Undo):
            return UNDO_REJECT
        return found

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Claims the lightbox's keys before the window's shortcuts (Esc, Ctrl+S) and Tab."""
        kind = event.type()
        if isinstance(event, QKeyEvent) and kind in (QEvent.Type.ShortcutOverride,
                                                     QEvent.Type.KeyPress):  # fmt: skip
            action_id = self._action_for(event)
            if action_id is not None:
                event.accept()
                if kind == QEvent.Type.KeyPress:
                    self.press(action_id)
                return True
        return super().eventFilter(watched, event)

    def press(self, action_id: str) -> None:
        """What a key does: the same as the menu entry or toolbar button."""
        if action_id in (BACK, UNDO_REJECT):
            if self._record is not None:
                self.action_requested.emit(action_id, self._record.id)
        else:
            self.actions_.trigger(action_id)

    def _on_canvas_context_menu_requested(self, pos: QPoint) -> None:
        if self._record is None:
            return
        menu = self.actions_.menu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context_menu = menu
        menu.popup(self.canvas.mapToGlobal(pos))

    def _on_canvas_zoom_changed(self, _zoom: float) -> None:
        self._refresh_zoom_display()
