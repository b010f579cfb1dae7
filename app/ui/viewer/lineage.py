"""Where an image came from and what was made from it, for the viewer's "Go to source"
(Alt+Up) and "Go to derived images" (Alt+Down) and the info panel's links."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.lineage import PROMOTE, REIMAGINE, UPSCALE
from app.services.events import GenerationState, ImageRecord

GO_SOURCE = "go_source"
GO_DERIVED = "go_derived"


class GalleryContents(Protocol):
    """What the gallery holds (its model): the generations and images the viewer can show."""

    def generation(self, generation_id: int) -> GenerationState | None: ...
    def generation_ids(self) -> list[int]: ...
    def image_ids(self, generation_id: int | None = None) -> list[int]: ...
    def record(self, image_id: int) -> ImageRecord | None: ...


@dataclass(frozen=True)
class Derived:
    """One image made from the shown one, with what was done ("×4", "re-imagined")."""

    image_id: int
    what: str


@dataclass(frozen=True)
class LineageLinks:
    """An image's source and derived images; ``source_text`` is shown even without an id
    (a file that was never in the library)."""

    source_id: int | None = None  # None also when the source is not in the gallery now
    source_text: str = ""
    derived: tuple[Derived, ...] = field(default_factory=tuple)

    @property
    def derived_text(self) -> str:
        count = len(self.derived)
        if not count:
            return ""
        return f"{count} derived image{'s' if count != 1 else ''}"

    def __bool__(self) -> bool:
        return bool(self.source_text or self.derived)


def _number(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "?"


def operation_words(operation: Mapping[str, Any] | None) -> str:
    """ "×4", "re-imagined", "promoted" or "made" for an operation record."""
    kind = (operation or {}).get("kind")
    if kind == UPSCALE:
        return f"×{_number((operation or {}).get('scale'))}"
    return {REIMAGINE: "re-imagined", PROMOTE: "promoted"}.get(str(kind), "made")


def source_text(parent_image_id: int | None, operation: Mapping[str, Any] | None) -> str:
    """The info panel's source link: "×4 from #123", "re-imagined from photo.png", or ""."""
    if parent_image_id is None and not operation:
        return ""
    if parent_image_id is not None:
        where = f"#{parent_image_id}"
    else:
        named = (operation or {}).get("source_file")
        where = str(named) if isinstance(named, str) and named else "another image"
    return f"{operation_words(operation)} from {where}"


def derived_from(image_id: int, contents: GalleryContents) -> tuple[Derived, ...]:
    """The images in the gallery whose generation names ``image_id`` as its parent."""
    out: list[Derived] = []
    for generation_id in contents.generation_ids():
        state = contents.generation(generation_id)
        if state is None or state.parent_image_id != image_id:
            continue
        what = operation_words(state.operation)
        out.extend(Derived(child, what) for child in contents.image_ids(generation_id))
    return tuple(sorted(out, key=lambda d: d.image_id))  # in the order they were made


def lineage_links(
    record: ImageRecord, state: GenerationState | None, contents: GalleryContents
) -> LineageLinks:
    parent = state.parent_image_id if state is not None else None
    operation = state.operation if state is not None else None
    text = source_text(parent, operation)
    if parent is not None and contents.record(parent) is None:
        parent, text = None, f"{text} (not in the gallery now)"
    return LineageLinks(parent, text, derived_from(record.id, contents))


def menu_entries(derived: Iterable[Derived]) -> list[tuple[str, int]]:
    """The small menu's lines when several images were derived: ("#130 · ×4", 130)."""
    return [(f"#{d.image_id} · {d.what}", d.image_id) for d in derived]
