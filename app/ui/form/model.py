"""The generation form's state without widgets: values, seed policy, validation, apply rule.

Everything that puts values into the form (read-back, reuse settings, reuse seed, presets,
inspiration, the last session's values) calls :meth:`FormModel.apply`; everything that runs
the form calls :meth:`FormModel.next_request`. The schema form and the seed field are views
that bind to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.params import ValidationResult, random_seed, validate
from app.core.schema import FieldKind, ToolSchema

SEED_ID = "seed"


class SeedPolicy(StrEnum):
    """Where the next run's seed comes from."""

    RANDOM = "random"  # a fresh seed on every run ("Random each time")
    FIXED = "fixed"  # the seed in the form


class KeepSeed:
    """The seed argument of :meth:`FormModel.apply` that leaves the seed policy alone."""


KEEP = KeepSeed()


@dataclass(frozen=True)
class GenerationRequest:
    """What Generate hands on: the values to submit (seed resolved) and the seed used."""

    values: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None


def parse_seed(value: Any) -> int | None:
    """A seed as an int, or None when the text is not a whole number."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


class FormModel(QObject):
    """One tool's form values and seed policy; the views follow its signals."""

    applied = Signal(dict)  # values put in from outside: the views show them
    seed_policy_changed = Signal(str)  # SeedPolicy value
    last_seed_changed = Signal(object)  # int | None

    def __init__(self, schema: ToolSchema, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self._values: dict[str, Any] = schema.defaults()
        self._policy = SeedPolicy.RANDOM
        self._last_seed: int | None = None

    # -- values -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The raw values as shown (the seed as typed, even while it is random each time)."""
        return dict(self._values)

    def has_field(self, field_id: str) -> bool:
        return field_id in self._values

    def set_field(self, field_id: str, value: Any) -> None:
        """A view reports an edit (or how it normalised a value); nothing is re-emitted."""
        if field_id in self._values:
            self._values[field_id] = value

    def apply(
        self,
        values: Mapping[str, Any],
        *,
        seed: int | str | KeepSeed | None = KEEP,
        policy: SeedPolicy | None = None,
    ) -> None:
        """The one rule for putting values into the form.

        Unknown keys are ignored. A seed carried in ``values`` (or given as ``seed``) is
        shown and fixed, so the same image can be made again; a seed that is not a number
        is shown as typed, the policy unchanged. ``policy`` sets the seed policy explicitly
        instead, the seed text kept as given (a preset or the last session remembers
        "random each time").
        """
        known = {k: v for k, v in values.items() if k in self._values}
        if policy is None:
            carried = known.pop(SEED_ID, None) if isinstance(seed, KeepSeed) else seed
            if carried is not None and str(carried).strip():
                known[SEED_ID] = str(carried).strip()
                if parse_seed(carried) is not None:
                    policy = SeedPolicy.FIXED
        self._values.update(known)
        if policy is not None:
            self.set_seed_policy(policy)
        self.applied.emit(known)

    def reset(self) -> None:
        self.apply(self.schema.defaults(), policy=SeedPolicy.RANDOM)

    # -- seed -------------------------------------------------------------------------------

    @property
    def has_seed(self) -> bool:
        return SEED_ID in self._values

    @property
    def seed_policy(self) -> SeedPolicy:
        return self._policy

    def set_seed_policy(self, policy: SeedPolicy) -> None:
        if policy is not self._policy:
            self._policy = policy
            self.seed_policy_changed.emit(policy.value)

    @property
    def last_seed(self) -> int | None:
        return self._last_seed

    def reuse_last_seed(self) -> bool:
        """Fixes the seed of the last run; False when nothing has run yet."""
        if self._last_seed is None:
            return False
        self.apply({}, seed=self._last_seed)
        return True

    def next_request(self) -> GenerationRequest:
        """The one seed rule: a fresh seed when random each time, else the seed shown."""
        values = self.values()
        if not self.has_seed:
            return GenerationRequest(values, None)
        if self._policy is SeedPolicy.RANDOM:
            seed: int | None = random_seed()
            spec = self.schema.field(SEED_ID)
            text_kind = spec is None or spec.kind is FieldKind.TEXT
            values[SEED_ID] = str(seed) if text_kind else seed
        else:
            seed = parse_seed(values[SEED_ID])
        self._last_seed = seed
        self.last_seed_changed.emit(seed)
        return GenerationRequest(values, seed)

    # -- validation -------------------------------------------------------------------------

    def validation(self) -> ValidationResult:
        values = self.values()
        if self.has_seed and self._policy is SeedPolicy.RANDOM:
            values[SEED_ID] = "0"  # a fresh seed replaces it on every run
        return validate(self.schema, values)
