"""The gallery: generated images grouped by generation, with the actions an artist uses on them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QMenu, QVBoxLayout, QWidget

from app.services.events import GenerationState, ImageRecord
from app.ui.gallery.culling import Culling
from app.ui.gallery.model import GalleryModel, RowKind
from app.ui.gallery.view import EMPTY_TEXT, LOADING_TEXT, GalleryView
from app.ui.widgets.thumbnails import ThumbnailLoader

LiveFilter = Callable[[GenerationState | None, ImageRecord | None], bool]
"""(generation, image or None) -> whether an arriving item belongs in the filtered gallery."""


class Gallery(QWidget):
    """Shows images as they land and turns clicks, keys and menus into requests."""

    image_activated = Signal(int)
    save_requested = Signal(list)  # image ids
    save_all_requested = Signal(int)  # generation id
    copy_requested = Signal(int)
    open_folder_requested = Signal(int)
    reuse_settings_requested = Signal(int)
    reuse_seed_requested = Signal(int)
    star_toggled = Signal(int, bool)
    reject_toggled = Signal(list, bool)  # image ids, rejected
    delete_rejected_requested = Signal()
    compare_requested = Signal(int, int)
    delete_requested = Signal(list)
    selection_changed = Signal()
    sweep_open_requested = Signal(int)  # sweep id: show its grid

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.loader = loader if loader is not None else ThumbnailLoader(self)
        self.model = GalleryModel(self)
        self.view = GalleryView(self.model, self.loader, self)
        self._live_filter: LiveFilter | None = None
        self._derive_actions: tuple[QAction, ...] = ()
        self.culling = Culling(self.model, self.view, self)
        self.culling.starred.connect(self._on_culling_starred)
        self.culling.rejected.connect(self.reject_toggled)
        self.view.undo_mark = self.culling.undo
        self.view.can_undo_mark = lambda: self.culling.can_undo
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.setFocusProxy(self.view)
        self._make_actions()
        self.loader.image_loaded.connect(self._on_loader_image_loaded)
        self.loader.load_failed.connect(self._on_loader_load_failed)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.star_clicked.connect(self._on_view_star_clicked)
        self.view.sweep_activated.connect(self.sweep_open_requested)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_view_context_menu_requested)
        self._update_actions()

    def _make_actions(self) -> None:
        # The keys are handled by the view, not registered as shortcuts: a window-level action
        # with the same key (File > Save, Ctrl+S) would make both ambiguous and neither fire.
        def action(text: str, slot, *keys: QKeySequence | str) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.triggered.connect(slot)
            return act

        std = QKeySequence.StandardKey
        self.open_action = action("Open", self._on_open_action_triggered, "Return", "Enter")
        self.save_action = action("Save…", self._on_save_action_triggered, QKeySequence(std.Save))
        self.save_all_action = action(
            "Save all of this generation…", self._on_save_all_action_triggered
        )
        self.copy_action = action(
            "Copy image", self._on_copy_action_triggered, QKeySequence(std.Copy)
        )
        self.open_folder_action = action(
            "Open containing folder", self._on_open_folder_action_triggered
        )
        self.reuse_settings_action = action(
            "Reuse settings", self._on_reuse_settings_action_triggered
        )
        self.reuse_seed_action = action("Reuse seed", self._on_reuse_seed_action_triggered)
        self.star_action = action("Star", self._on_star_action_triggered, "S")
        self.reject_action = action("Reject", self._on_reject_action_triggered, "X")
        self.delete_rejected_action = action(
            "Delete rejected…", self.delete_rejected_requested.emit
        )
        self.group_action = QAction("Group by generation", self)
        self.group_action.setCheckable(True)
        self.group_action.setChecked(True)
        self.group_action.toggled.connect(self.view.set_grouped)
        self.advance_action = QAction("Go to the next image after S or X", self)
        self.advance_action.setCheckable(True)
        self.advance_action.toggled.connect(self._on_advance_action_toggled)
        self.compare_action = action("Compare", self._on_compare_action_triggered)
        self.open_sweep_action = action("Open the sweep's grid", self._on_open_sweep_triggered)
        self._menu_sweep: int | None = None  # the sweep the context menu was opened on
        self.delete_action = action(
            "Delete…", self._on_delete_action_triggered, QKeySequence(std.Delete)
        )
        self.view.set_key_actions([self.open_action, self.save_action, self.copy_action,
                                   self.star_action, self.reject_action,
                                   self.delete_action])  # fmt: skip

    # ---- feeding ------------------------------------------------------------------------
    def set_images(
        self, records: Iterable[ImageRecord], generations: Iterable[GenerationState] = ()
    ) -> None:
        self.loader.cancel_thumbnails()
        self.culling.forget()
        self.model.set_images(records, generations)

    def add_images(
        self, records: Sequence[ImageRecord], generations: Iterable[GenerationState] = ()
    ) -> None:
        self.model.add_images(records, generations)

    def add_image(self, record: ImageRecord, generation: GenerationState | None = None) -> None:
        if self._shows(generation, record):
            self.model.add_image(record, generation)

    def add_generation_placeholder(self, state: GenerationState) -> None:
        """Shows a running generation: its header and a grey slot per expected image."""
        if self._shows(state):
            self.model.set_generation(state)

    def update_generation(self, state: GenerationState) -> None:
        if self._live_filter is None:
            self.model.set_generation(state)
            return
        if not self._shows(state):
            return
        self.model.set_generation(state, sync_images=False)
        for record in state.images:
            if self.model.record(record.id) is None and self._live_filter(state, record):
                self.model.add_image(record)

    # ---- filter and order (the library query decides; these keep live updates in line) -
    def set_live_filter(self, accepts: LiveFilter | None) -> None:
        """While a search or filter is on, only arrivals ``accepts`` approves are shown (and a
        star or reject mark that leaves the filter hides the tile)."""
        self._live_filter = accepts
        if accepts is None:
            self.culling.accepts = None
        else:
            model = self.model
            self.culling.accepts = lambda r: accepts(model.generation(r.generation_id), r)

    def _shows(self, state: GenerationState | None, record: ImageRecord | None = None) -> bool:
        if self._live_filter is None:
            return True
        if record is not None and self.model.record(record.id) is not None:
            return True
        if record is None and state is not None and self.model.header_row(state.id) >= 0:
            return True
        return self._live_filter(state, record)

    def set_newest_first(self, newest_first: bool) -> None:
        self.model.set_newest_first(newest_first)

    def update_image(self, record: ImageRecord) -> None:
        old = self.model.record(record.id)
        if old is not None and old.path != record.path:
            self.loader.forget(old.path)
        self.model.update_image(record)

    def remove_images(self, image_ids: Iterable[int]) -> None:
        for record in self.model.remove_images(image_ids):
            self.loader.cancel(record.path)

    def clear(self) -> None:
        self.set_images([])

    def set_loading(self, loading: bool) -> None:
        """While empty: "Loading…" until the library's first page is in, then the empty state."""
        self.view.set_empty_text(LOADING_TEXT if loading else EMPTY_TEXT)

    # ---- selection ----------------------------------------------------------------------
    def selected_image_ids(self) -> list[int]:
        return [r.id for r in self.view.selected_records()]

    def select_images(self, image_ids: Iterable[int]) -> None:
        rows = sorted(r for r in (self.model.row_of_image(i) for i in image_ids) if r >= 0)
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row), self.model.index(row))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.view.selectionModel().select(selection, flags)
        if rows:
            self.view.executeDelayedItemsLayout()
            self.view.selectionModel().setCurrentIndex(
                self.model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.view.scrollTo(self.model.index(rows[0]))

    def select_generation(self, generation_id: int) -> bool:
        """Scrolls the generation's header to the top and selects its images."""
        row = self.model.header_row(generation_id)
        if row < 0:
            return False
        self.select_images(self.model.image_ids(generation_id))
        self.view.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.PositionAtTop)
        return True

    def record(self, image_id: int) -> ImageRecord | None:
        return self.model.record(image_id)

    def image_ids(self, generation_id: int | None = None) -> list[int]:
        """Image ids in display order (newest generation first), optionally of one generation."""
        return self.model.image_ids(generation_id)

    def neighbour_image(self, image_id: int, step: int) -> ImageRecord | None:
        """The image ``step`` places after (or before) ``image_id`` in display order."""
        ids = self.model.image_ids()
        if image_id not in ids:
            return None
        pos = ids.index(image_id) + step
        return self.model.record(ids[pos]) if 0 <= pos < len(ids) else None

    def tile_size(self) -> int:
        return self.view.tile_size()

    def picture_size(self, image_id: int) -> QSize:
        """The picture area of an image's tile as laid out now (empty when not shown)."""
        row = self.model.row_of_image(image_id)
        if row < 0:
            return QSize()
        self.view.executeDelayedItemsLayout()
        cell = self.view.visualRect(self.model.index(row))
        delegate = self.view.delegate
        return delegate.picture_rect(cell, delegate.caption_height()).size()

    def set_tile_size(self, side: int) -> None:
        self.view.set_tile_size(side)

    # ---- actions ------------------------------------------------------------------------
    def _target_id(self) -> int | None:
        """The image a one-image action applies to: the current one if selected, else the first."""
        selected = self.selected_image_ids()
        current = self.view.currentIndex()
        record = self.model.record_at(current.row()) if current.isValid() else None
        if record is not None and record.id in selected:
            return record.id
        return selected[0] if selected else None

    def _update_actions(self, *, star_text: bool = True) -> None:
        """Enables what the selection allows; ``star_text`` also reads every selected record."""
        count = len(self.view.selectionModel().selectedIndexes())  # only images are selectable
        for act in (self.open_action, self.save_action, self.save_all_action, self.copy_action,
                    self.open_folder_action, self.reuse_settings_action, self.reuse_seed_action,
                    self.star_action, self.reject_action, self.delete_action):  # fmt: skip
            act.setEnabled(count >= 1)
        self.compare_action.setEnabled(count == 2)
        self.save_action.setText("Save…" if count <= 1 else f"Save {count} images…")
        if star_text:
            records = self.view.selected_records()
            all_starred = bool(records) and all(r.starred for r in records)
            self.star_action.setText("Unstar" if all_starred else "Star")
            all_rejected = bool(records) and all(r.rejected for r in records)
            self.reject_action.setText("Take back reject" if all_rejected else "Reject")
            target = self.model.record(self._target_id() or -1)
            n = len(self.model.image_ids(target.generation_id)) if target else 0
            self.save_all_action.setText(
                f"Save all {n} images of this generation…" if n > 1 else "Save this generation…"
            )

    def set_derive_actions(self, derive_actions: Sequence[QAction]) -> None:
        """The window's Upscale… and Re-imagine… commands (U, R), shown in the tile menu."""
        self._derive_actions = tuple(derive_actions)

    def context_menu(self) -> QMenu:
        """The menu for the current selection (built fresh, actions shared with the shortcuts)."""
        self._update_actions()
        menu = QMenu(self)
        derive = (*self._derive_actions, None) if self._derive_actions else ()
        for act in (self.open_action, None, self.save_action, self.save_all_action,
                    self.copy_action, self.open_folder_action, None, *derive,
                    self.reuse_settings_action, self.reuse_seed_action, None,
                    self.star_action, self.reject_action,
                    self.compare_action, None, self.delete_action,
                    self.delete_rejected_action, None, self.advance_action,
                    self.group_action):  # fmt: skip
            menu.addSeparator() if act is None else menu.addAction(act)
        target = self.model.row_of_image(self._target_id() or -1)
        self._menu_sweep = self.model.sweep_at(target) if target >= 0 else None
        if self._menu_sweep is not None:  # a sweep's cell: its grid, just after Open
            menu.insertAction(menu.actions()[1], self.open_sweep_action)
        return menu

    def _on_view_context_menu_requested(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        kind = self.model.kind(index.row()) if index.isValid() else None
        if kind == RowKind.IMAGE and not self.view.selectionModel().isSelected(index):
            self.view.setCurrentIndex(index)
        header_sweep = self.model.sweep_at(index.row()) if kind == RowKind.HEADER else None
        if header_sweep is not None:
            self._menu_sweep = header_sweep
            menu = QMenu(self)  # a sweep's header: its grid
            menu.addAction(self.open_sweep_action)
        elif not self.selected_image_ids():
            return
        else:
            menu = self.context_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _on_open_action_triggered(self) -> None:
        if (image_id := self._target_id()) is not None:
            self.image_activated.emit(image_id)

    def _on_save_action_triggered(self) -> None:
        if ids := self.selected_image_ids():
            self.save_requested.emit(ids)

    def _on_save_all_action_triggered(self) -> None:
        record = self.model.record(self._target_id() or -1)
        if record is not None:
            self.save_all_requested.emit(record.generation_id)

    def _on_copy_action_triggered(self) -> None:
        if (image_id := self._target_id()) is not None:
            self.copy_requested.emit(image_id)

    def _on_open_folder_action_triggered(self) -> None:
        if (image_id := self._target_id()) is not None:
            self.open_folder_requested.emit(image_id)

    def _on_reuse_settings_action_triggered(self) -> None:
        if (image_id := self._target_id()) is not None:
            self.reuse_settings_requested.emit(image_id)

    def _on_reuse_seed_action_triggered(self) -> None:
        if (image_id := self._target_id()) is not None:
            self.reuse_seed_requested.emit(image_id)

    def _on_star_action_triggered(self) -> None:
        self.culling.toggle_star()
        self._update_actions()

    def _on_reject_action_triggered(self) -> None:
        self.culling.toggle_reject()
        self._update_actions()

    def _on_open_sweep_triggered(self) -> None:
        if self._menu_sweep is not None:
            self.sweep_open_requested.emit(self._menu_sweep)

    def _on_advance_action_toggled(self, on: bool) -> None:
        self.culling.advance_after_mark = on

    def _on_culling_starred(self, image_ids: list[int], starred: bool) -> None:
        for image_id in image_ids:
            self.star_toggled.emit(image_id, starred)

    def _on_compare_action_triggered(self) -> None:
        ids = self.selected_image_ids()
        if len(ids) == 2:
            self.compare_requested.emit(ids[0], ids[1])

    def _on_delete_action_triggered(self) -> None:
        if ids := self.selected_image_ids():
            self.delete_requested.emit(ids)

    # ---- slots --------------------------------------------------------------------------
    def _on_view_double_clicked(self, index) -> None:
        record = self.model.record_at(index.row())
        if record is not None:
            self.image_activated.emit(record.id)

    def _on_view_star_clicked(self, image_id: int) -> None:
        record = self.model.record(image_id)
        if record is not None:
            self.culling.toggle_star([record])
            self._update_actions()

    def _on_view_selection_changed(
        self, _selected: QItemSelection, _deselected: QItemSelection
    ) -> None:
        self._update_actions(star_text=False)  # the menu refreshes it: big selections stay fast
        self.selection_changed.emit()

    def _on_loader_image_loaded(self, path: str, _side: int) -> None:
        for row in self.model.rows_for_path(path):
            if row >= 0:
                self.view.update(self.model.index(row))

    def _on_loader_load_failed(self, path: str, side: int, _reason: str) -> None:
        self._on_loader_image_loaded(path, side)
