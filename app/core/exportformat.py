"""The file type exported copies are written as: kept as downloaded, or PNG, JPEG or WebP."""

from __future__ import annotations

from dataclasses import dataclass

KINDS: tuple[str, ...] = ("original", "png", "jpeg", "webp")
EXTENSIONS: dict[str, str] = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}
KIND_BY_EXTENSION: dict[str, str] = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
KIND_BY_EXTENSION[".webp"] = "webp"
DEFAULT_QUALITY = 92


@dataclass(frozen=True)
class ExportFormat:
    """What an export writes; a copy already in the chosen type is copied byte for byte."""

    kind: str = "original"
    quality: int = DEFAULT_QUALITY  # 1-100, JPEG and lossy WebP only
    lossless: bool = False  # WebP only

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown export format {self.kind!r}")
        if not 1 <= int(self.quality) <= 100:
            raise ValueError(f"Quality {self.quality} is outside 1-100")

    def extension(self, source_ext: str) -> str:
        """The extension of the written copy, given the stored file's extension."""
        if self.kind == "original":
            ext = source_ext.lower() or ".png"
            return ".jpg" if ext == ".jpeg" else ext
        return EXTENSIONS[self.kind]

    def target_kind(self, source_ext: str) -> str:
        return KIND_BY_EXTENSION.get(self.extension(source_ext), "png")


def format_for_path(path_suffix: str, *, quality: int = DEFAULT_QUALITY) -> ExportFormat:
    """The format a "Save as…" name asks for (``.jpg`` → JPEG); unknown suffixes keep the file."""
    kind = KIND_BY_EXTENSION.get(path_suffix.lower(), "original")
    return ExportFormat(kind=kind, quality=quality)
