"""The data of a sweep: what the user asked for (specs) and what it expands to (plan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

AXIS_NAMES = ("X", "Y", "Z")
MAX_CELLS = 1000
SIZE = "size"
PROMPT_SR = "prompt:sr"
PROMPT_ALTERNATIVES = "prompt:alternatives"
WILDCARD = "wildcard:"
PROMPT_FIELD = "prompt"
NEGATIVE_FIELD = "negativePrompt"
SAMPLES_FIELD = "samples"
DEFINITION_FORMAT = "wiro-studio-sweep"


@dataclass(frozen=True)
class AxisSpec:
    """What the user asked for on one axis (kept as typed, except resolved random draws)."""

    target: str
    text: str = ""
    count: int | None = None
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "text": self.text, "count": self.count, "seed": self.seed}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AxisSpec:
        count, seed = data.get("count"), data.get("seed")
        return cls(
            target=str(data["target"]),
            text=str(data.get("text") or ""),
            count=None if count is None else int(count),
            seed=None if seed is None else int(seed),
        )


@dataclass(frozen=True)
class SweepSpec:
    """A whole sweep definition: up to three axes and the seed for off-axis wildcards."""

    axes: tuple[AxisSpec, ...] = ()
    wildcard_seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "axes": [a.to_json() for a in self.axes],
            "wildcard_seed": self.wildcard_seed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SweepSpec:
        seed = data.get("wildcard_seed")
        return cls(
            axes=tuple(AxisSpec.from_json(a) for a in data.get("axes") or ()),
            wildcard_seed=None if seed is None else int(seed),
        )


@dataclass(frozen=True)
class AxisValue:
    """One position on an axis: its header label and what it changes in a cell."""

    label: str
    params: Mapping[str, Any] = field(default_factory=dict)
    replace: tuple[str, str] | None = None
    alternatives: tuple[str, ...] | None = None
    wildcard: tuple[str, str] | None = None


@dataclass(frozen=True)
class Axis:
    """A parsed axis: its name (X/Y/Z), a title for headers, and its values in order."""

    name: str
    target: str
    title: str
    values: tuple[AxisValue, ...]


@dataclass(frozen=True)
class Cell:
    """One task of the sweep: its grid coordinates and the full Run parameters."""

    index: int
    x: int
    y: int
    z: int
    params: dict[str, Any]
    labels: tuple[str, ...]

    @property
    def images(self) -> int:
        try:
            return max(1, int(self.params.get(SAMPLES_FIELD, 1)))
        except (TypeError, ValueError):
            return 1


@dataclass(frozen=True)
class SweepPlan:
    """The expanded sweep: axes, cells in grid order and counts, or why it cannot run."""

    tool: str
    spec: SweepSpec
    axes: tuple[Axis, ...]
    cells: tuple[Cell, ...]
    errors: tuple[str, ...] = ()
    base: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.cells)

    @property
    def tasks(self) -> int:
        return len(self.cells)

    @property
    def images(self) -> int:
        return sum(c.images for c in self.cells)

    @property
    def shape(self) -> tuple[int, int, int]:
        sizes = [len(a.values) for a in self.axes] + [1, 1, 1]
        return sizes[0], sizes[1], sizes[2]

    def cell_at(self, x: int, y: int, z: int = 0) -> Cell:
        nx, ny, nz = self.shape
        index = (z * ny + y) * nx + x
        if len(self.cells) == nx * ny * nz:
            return self.cells[index]
        return next(c for c in self.cells if c.index == index)

    def definition(self) -> dict[str, Any]:
        """JSON-ready description (for history and the contact sheet's metadata)."""
        return {
            "format": DEFINITION_FORMAT,
            "version": 1,
            "tool": self.tool,
            "spec": self.spec.to_json(),
            "base": dict(self.base),
            "axes": [
                {"name": a.name, "target": a.target, "title": a.title}
                | {"values": [v.label for v in a.values]}
                for a in self.axes
            ],
            "tasks": self.tasks,
            "images": self.images,
        }
