"""The generation form, built from a ToolSchema through the field registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.params import ValidationResult
from app.core.schema import FieldKind, FieldSpec, ToolSchema
from app.ui.form.fields import FieldWidget, create_field, field_tooltip, register_field
from app.ui.form.model import SEED_ID, FormModel, GenerationRequest, SeedPolicy
from app.ui.form.prompt_editor import PromptField  # registers the prompt and negativePrompt fields
from app.ui.form.seed_field import SeedField
from app.ui.form.size_presets import SizeTools
from app.ui.widgets import style
from app.ui.widgets.common import CollapsibleSection, InfoBadge
from app.ui.widgets.plain import plain_tooltip, set_plain_text

__all__ = ["PromptField", "SchemaForm", "register_field"]
# Fields shown side by side in one row: the first one's row carries the second one.
PAIRS = {"width": "height"}
ERROR_DELAY_MS = 600  # a new inline error waits this long while its field is being typed in


def _file_field(spec: FieldSpec, parent: QWidget | None = None) -> FieldWidget:
    """A file input's widget, loaded when a tool first has one (DreamShaper's form has none)."""
    from app.ui.form.file_field import FileField

    return FileField(spec, parent)


register_field(FieldKind.FILE, _file_field)


class SchemaForm(QWidget):
    """The view of a FormModel: one field widget per schema field, inline errors, Tab order."""

    values_changed = Signal(dict)
    validity_changed = Signal(bool, str)

    def __init__(
        self, schema: ToolSchema, parent: QWidget | None = None, model: FormModel | None = None
    ) -> None:
        super().__init__(parent)
        self.schema = schema
        self.model = model if model is not None else FormModel(schema, self)
        self._fields: dict[str, FieldWidget] = {}
        self._valid: bool | None = None
        self._reason = ""
        self._error_count = 0
        self._external: dict[str, str] = {}
        self._bulk = False
        self._show_inline = False
        self._grid_labels: list[QWidget] = []
        self.size_tools: SizeTools | None = None
        self._error_timer = QTimer(self)
        self._error_timer.setSingleShot(True)
        self._error_timer.setInterval(ERROR_DELAY_MS)
        self._error_timer.timeout.connect(self._on_error_timer_timeout)
        self._build()
        for field_id, field in self._fields.items():
            self.model.set_field(field_id, field.value())
        self.model.applied.connect(self._on_model_applied)
        self.model.seed_policy_changed.connect(self._on_model_seed_policy_changed)
        self.model.last_seed_changed.connect(self._on_model_last_seed_changed)
        seed = self._seed_field()
        if seed is not None:
            seed.random_changed.connect(self._on_seed_random_changed)
            seed.set_random(self.model.seed_policy is SeedPolicy.RANDOM)
        self._revalidate()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget()
        content.setObjectName("scrollContents")
        column = QVBoxLayout(content)
        column.setContentsMargins(12, 12, 12, 14)
        column.setSpacing(12)
        column.addLayout(self._header())
        stacked = [f for f in self.schema.fields if f.kind is FieldKind.TEXTAREA and not f.advanced]
        basic = [f for f in self.schema.fields if f not in stacked and not f.advanced]
        advanced = [f for f in self.schema.fields if f.advanced]
        for spec in stacked:
            column.addWidget(self._stacked_field(spec))
        grids = []
        if basic:
            grids.append(self._grid(basic))
            column.addLayout(grids[-1])
        self.advanced_section: CollapsibleSection | None = None
        if advanced:
            self.advanced_section = CollapsibleSection("Advanced", expanded=False)
            grids.append(self._grid(advanced))
            self.advanced_section.body.setLayout(grids[-1])
            column.addWidget(self.advanced_section)
            self.advanced_section.expanded_changed.connect(self._on_advanced_expanded)
        label_width = max((lab.sizeHint().width() for lab in self._grid_labels), default=0)
        for grid in grids:
            grid.setColumnMinimumWidth(0, label_width)
        column.addStretch(1)
        scroll.setWidget(content)
        self.scroll_area = scroll
        chain = [w for field in self._fields.values() for w in field.focus_chain()]
        if self.size_tools is not None:
            after = chain.index(self.size_tools.height_field.focus_chain()[-1]) + 1
            chain[after:after] = self.size_tools.focus_chain()
        if self.advanced_section is not None:
            first_advanced = self._fields[advanced[0].id].focus_chain()[0]
            chain.insert(chain.index(first_advanced), self.advanced_section.toggle)
        for first, second in zip(chain, [*chain[1:], self.reset_button], strict=False):
            QWidget.setTabOrder(first, second)
        self._tab_chain = [*chain, self.reset_button]
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        # The panel scrolls vertically only, so it is never narrower than its widest row needs.
        bar = scroll.verticalScrollBar().sizeHint().width()
        self.setMinimumWidth(max(340, content.sizeHint().width() + bar))

    def _on_advanced_expanded(self, expanded: bool) -> None:
        """An opened "Advanced" scrolls into view instead of growing below the fold."""
        section, content = self.advanced_section, self.scroll_area.widget()
        layout = content.layout() if content is not None else None
        if not expanded or section is None or content is None or layout is None:
            return
        layout.activate()
        self.scroll_area.ensureWidgetVisible(section, 0, 0)
        bottom = section.mapTo(content, section.rect().bottomLeft()).y()
        bar = self.scroll_area.verticalScrollBar()
        visible_top = max(bar.value(), bottom - self.scroll_area.viewport().height() + 8)
        bar.setValue(min(visible_top, section.mapTo(content, section.rect().topLeft()).y()))

    def _header(self) -> QHBoxLayout:
        title = QLabel()
        set_plain_text(title, self.schema.title, single_line=True)
        style.set_role(title, "heading")
        title.setToolTip(plain_tooltip(self.schema.description))
        self.reset_button = QPushButton("Reset to defaults")
        style.make_link(self.reset_button)
        self.reset_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.reset_button.setToolTip("Put every setting back to the tool's defaults")
        self.reset_button.clicked.connect(self.reset_to_defaults)
        row = QHBoxLayout()
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        return row

    def _make(self, spec: FieldSpec) -> FieldWidget:
        field = create_field(spec, self)
        self._fields[spec.id] = field
        field.changed.connect(self._on_field_changed)
        return field

    def _label(
        self, spec: FieldSpec, field: FieldWidget, partner: FieldWidget | None = None
    ) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        text = QLabel()
        set_plain_text(
            text,
            spec.label if partner is None else f"{spec.label} × {partner.spec.label}",
            single_line=True,
        )
        text.setBuddy(field.editor)
        tips = [field_tooltip(spec)] + ([field_tooltip(partner.spec)] if partner else [])
        tip = "\n".join(dict.fromkeys(t for t in tips if t))
        text.setToolTip(plain_tooltip(tip))
        row.addWidget(text)
        if tip:
            row.addWidget(InfoBadge(tip))
        row.addStretch(1)
        return box

    def _stacked_field(self, spec: FieldSpec) -> QWidget:
        field = self._make(spec)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(5)
        label = self._label(spec, field)
        heading = label.findChild(QLabel)
        if heading is not None:
            style.set_role(heading, "heading")
        column.addWidget(label)
        column.addWidget(field)
        return box

    def _grid(self, specs: list[FieldSpec]) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        ids = {s.id for s in specs}
        paired = {second: first for first, second in PAIRS.items() if {first, second} <= ids}
        for row, spec in enumerate(s for s in specs if s.id not in paired):
            field = self._make(spec)
            cell: QWidget = field
            label = self._label(spec, field)
            partner_spec = self.schema.field(PAIRS.get(spec.id, ""))
            if spec.id in paired.values() and partner_spec is not None:
                partner = self._make(partner_spec)
                cell = self._pair(field, partner)
                label = self._label(spec, field, partner)
            if field.inline_label:
                grid.addWidget(field, row, 1)
                continue
            label.setMinimumHeight(field.editor.sizeHint().height())
            self._grid_labels.append(label)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(cell, row, 1)
        return grid

    def _pair(self, first: FieldWidget, second: FieldWidget) -> QWidget:
        """Two fields on one line ("512 × 512"); their errors go full width underneath."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        row = QHBoxLayout()
        row.setSpacing(6)
        times = QLabel("×")
        style.set_role(times, "muted")
        row.addWidget(first, 1)
        row.addWidget(times)
        row.addWidget(second, 1)
        column.addLayout(row)
        for field in (first, second):
            column.addWidget(field.error_label)
        if (first.spec.id, second.spec.id) == ("width", "height"):
            self.size_tools = SizeTools(first, second, lambda: self._bulk)
            column.addWidget(self.size_tools)
        return box

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab follows the form's own order, skipping what is disabled or folded away.

        Qt's chain alone is not enough: a disabled editor (the seed while random) or a widget
        placed after an editor made Tab fall back onto a field wrapper and jump backwards.
        """
        focus = QApplication.focusWidget()
        if focus in self._tab_chain:
            step = 1 if next else -1
            index = self._tab_chain.index(focus) + step
            while 0 <= index < len(self._tab_chain):
                widget = self._tab_chain[index]
                tabbable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                if tabbable and widget.isEnabled() and widget.isVisibleTo(self):
                    reason = (
                        Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
                    )
                    widget.setFocus(reason)
                    return True
                index += step
        return super().focusNextPrevChild(next)

    # -- values -----------------------------------------------------------------------------

    def widget_for(self, field_id: str) -> FieldWidget | None:
        return self._fields.get(field_id)

    def values(self) -> dict[str, Any]:
        """The raw values as shown (the seed as typed, even while it is random each time)."""
        return self.model.values()

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Updates the fields named in ``values`` (seed policy unchanged); unknown keys ignored."""
        policy = self.model.seed_policy
        self.model.apply(values, policy=policy)

    def _on_model_applied(self, values: Mapping[str, Any]) -> None:
        self._bulk = True
        try:
            for field_id, value in values.items():
                field = self._fields.get(field_id)
                if field is not None:
                    self._external.pop(field_id, None)
                    field.set_value(value)
                    self.model.set_field(field_id, field.value())  # as the widget took it
        finally:
            self._bulk = False
        self._show_inline = True
        self._revalidate(immediate=True)

    def reset_to_defaults(self) -> None:
        self.model.reset()

    def validation(self) -> ValidationResult:
        return self.model.validation()

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Shows errors found elsewhere (the service, Wiro) under their fields until edited."""
        self._external = {k: str(v) for k, v in errors.items() if k in self._fields}
        self._show_inline = True
        self._revalidate(immediate=True)

    def is_valid(self) -> bool:
        return bool(self._valid)

    def first_error(self) -> str:
        return self._reason

    def error_count(self) -> int:
        return self._error_count

    # -- seed -------------------------------------------------------------------------------

    def _seed_field(self) -> SeedField | None:
        field = self._fields.get(SEED_ID)
        return field if isinstance(field, SeedField) else None

    def random_seed_enabled(self) -> bool:
        return self._seed_field() is not None and self.model.seed_policy is SeedPolicy.RANDOM

    def set_random_seed(self, enabled: bool) -> None:
        self.model.set_seed_policy(SeedPolicy.RANDOM if enabled else SeedPolicy.FIXED)

    def fix_seed(self, seed: int) -> None:
        """Reuse seed: turns "Random each time" off and shows ``seed``."""
        self.model.apply({}, seed=seed)

    @property
    def last_seed(self) -> int | None:
        return self.model.last_seed

    def next_request(self) -> GenerationRequest:
        return self.model.next_request()

    def values_for_run(self) -> dict[str, Any]:
        """The values to submit: a fresh random seed when random each time is on."""
        return self.model.next_request().values

    def _on_seed_random_changed(self, enabled: bool) -> None:
        self.set_random_seed(enabled)

    def _on_model_seed_policy_changed(self, policy: str) -> None:
        field = self._seed_field()
        if field is not None:
            field.set_random(policy == SeedPolicy.RANDOM)

    def _on_model_last_seed_changed(self, seed: int | None) -> None:
        field = self._seed_field()
        if field is not None:
            field.set_last_seed(seed)

    # -- validation display -----------------------------------------------------------------

    def _on_field_changed(self) -> None:
        if self._bulk:
            return
        sender = self.sender()
        if isinstance(sender, FieldWidget):
            self._external.pop(sender.spec.id, None)
            self.model.set_field(sender.spec.id, sender.value())
        self._show_inline = True
        self._revalidate()
        self.values_changed.emit(self.values())

    def _revalidate(self, immediate: bool = False) -> None:
        errors = self._current_errors()
        if self._show_inline:
            self._apply_errors(errors, immediate)
        reason = next(iter(errors.values()), "")
        state = (not errors, reason, len(errors))
        if state != (self._valid, self._reason, self._error_count):
            self._valid, self._reason, self._error_count = state
            self.validity_changed.emit(not errors, reason)

    def _apply_errors(self, errors: Mapping[str, str], immediate: bool) -> None:
        focus = QApplication.focusWidget()
        pending = False
        for field_id, field in self._fields.items():
            message = errors.get(field_id)
            typing = focus is not None and (focus is field or field.isAncestorOf(focus))
            if message is None or immediate or field.error() is not None or not typing:
                field.set_error(message)
            else:
                pending = True
        if pending:
            self._error_timer.start()

    def _current_errors(self) -> dict[str, str]:
        errors = dict(self.validation().errors)
        for field_id, message in self._external.items():
            errors.setdefault(field_id, message)
        return {f: errors[f] for f in self._fields if f in errors}  # in form order

    def _on_error_timer_timeout(self) -> None:
        self._apply_errors(self._current_errors(), immediate=True)
