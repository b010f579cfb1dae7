"""A sweep's grid as one labelled PNG contact sheet per Z value, like A1111's X/Y/Z plot.

Layout, top to bottom: a title line; the X axis title; X values as column headers; then one
row per Y value with its value as a row header on the left (the Y axis title heads that
column). Every cell holds one image scaled to ``cell_size`` on its longest side, centred in a
box shaped by the widest and tallest cell; a cell without an image shows "not run". The
sweep definition travels in an iTXt chunk as JSON, so the sheet can be reopened as a sweep.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from app.core.sweep import SweepPlan
from app.fsutil import atomic_write_bytes

SHEET_KEY = "wiro-studio-sweep"
TITLE_KEY = "Title"
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)
MUTED = (110, 110, 110)
EMPTY = (226, 226, 226)
MAX_HEADER_LINES = 3
SYSTEM_FONTS = ("DejaVuSans.ttf",)
MAX_SHEET_PIXELS = 150_000_000  # about 450 MB of RGB per page

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
CellImage = Image.Image | bytes | Path | None


@dataclass(frozen=True)
class SheetLayout:
    """Where everything sits on one sheet (pixel boxes), so tests and callers can find it."""

    size: tuple[int, int]
    title_box: tuple[int, int, int, int]
    column_headers: tuple[tuple[int, int, int, int], ...]
    row_headers: tuple[tuple[int, int, int, int], ...]
    cells: tuple[tuple[int, int, int, int], ...]


@lru_cache(maxsize=8)
def _font(size: int) -> Font:
    """DejaVu Sans where the system has it (it covers accents and symbols), else Pillow's own.

    Pillow's built-in scalable font (≥ 10.1) needs nothing installed but has ASCII only, so
    our own texts on the sheet stay ASCII; labels typed in other scripts need DejaVu.
    """
    for name in SYSTEM_FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError, TypeError):
        return ImageFont.load_default()


def _open(source: CellImage) -> Image.Image | None:
    if source is None:
        return None
    if isinstance(source, Image.Image):
        return source.convert("RGB")
    data = source.read_bytes() if isinstance(source, Path) else source
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGB")
    except OSError:
        return None


def _fit(image: Image.Image, side: int) -> Image.Image:
    scale = side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _text_width(font: Font, text: str) -> int:
    return int(font.getbbox(text)[2]) if text else 0


def _wrap(text: str, font: Font, width: int) -> list[str]:
    """Words laid into lines no wider than ``width``; long words and overflow get an ellipsis."""
    lines: list[str] = []
    for word in text.split() or [""]:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and _text_width(font, candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    if len(lines) > MAX_HEADER_LINES:
        lines = [*lines[: MAX_HEADER_LINES - 1], " ".join(lines[MAX_HEADER_LINES - 1 :])]
    return [_clip(line, font, width) for line in lines]


def _clip(line: str, font: Font, width: int) -> str:
    if _text_width(font, line) <= width:
        return line
    while line and _text_width(font, line + "…") > width:
        line = line[:-1]
    return line + "…"


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    lines: list[str],
    font: Font,
    line_height: int,
    fill: tuple[int, int, int] = INK,
) -> None:
    x0, y0, x1, y1 = box
    top = y0 + (y1 - y0 - line_height * len(lines)) // 2
    for i, line in enumerate(lines):
        x = x0 + (x1 - x0 - _text_width(font, line)) // 2
        draw.text((x, top + i * line_height), line, font=font, fill=fill)


def _page_title(plan: SweepPlan, title: str, z: int) -> str:
    if len(plan.axes) < 3:
        return title
    z_axis = plan.axes[2]
    return f"{title} - Z: {z_axis.title} = {z_axis.values[z].label}"


def font_size_for(cell_box: tuple[int, int]) -> int:
    """The label size for cells of ``cell_box``: readable, and growing with the cells."""
    return max(12, min(cell_box) // 14)


def layout_sheet(
    plan: SweepPlan, cell_box: tuple[int, int], font_size: int, min_width: int = 0
) -> SheetLayout:
    """Pixel boxes of one page for cells of ``cell_box`` (width, height)."""
    nx, ny, _ = plan.shape
    cw, ch = cell_box
    gap = max(4, font_size // 3)
    line = round(font_size * 1.25)
    font = _font(font_size)
    x_labels = [v.label for v in plan.axes[0].values] if plan.axes else [""]
    y_labels = [v.label for v in plan.axes[1].values] if len(plan.axes) > 1 else []
    header_lines = max(len(_wrap(label, font, cw)) for label in x_labels)
    row_w = 0
    if y_labels:
        widest = max(_text_width(font, w) for label in y_labels for w in label.split() or [""])
        row_w = min(max(widest, _text_width(font, plan.axes[1].title)) + 2 * gap, 2 * cw)
    title_h = line + 2 * gap
    axis_h = line + gap
    head_h = header_lines * line + gap
    top = title_h + axis_h + head_h
    width = max(row_w + nx * cw + (nx + 1) * gap, min_width)
    height = top + ny * ch + (ny + 1) * gap
    columns = tuple(
        (row_w + gap + x * (cw + gap), title_h + axis_h, row_w + gap + x * (cw + gap) + cw, top)
        for x in range(nx)
    )
    rows = tuple(
        (gap, top + gap + y * (ch + gap), row_w, top + gap + y * (ch + gap) + ch)
        for y in range(ny if y_labels else 0)
    )
    cells = tuple(
        (c[0], top + gap + y * (ch + gap), c[2], top + gap + y * (ch + gap) + ch)
        for y in range(ny)
        for c in columns
    )
    return SheetLayout((width, height), (0, 0, width, title_h), columns, rows, cells)


def render_sheets(
    plan: SweepPlan,
    images: Mapping[int, CellImage],
    *,
    cell_size: int = 256,
    title: str = "",
) -> list[Image.Image]:
    """One sheet per Z value; ``images`` maps a cell's index to its (first) image."""
    if not plan.axes or not plan.cells:
        raise ValueError("this sweep has no cells to put on a sheet")
    opened = {i: _open(images.get(i)) for i in range(len(plan.cells))}
    fitted = {i: _fit(img, cell_size) for i, img in opened.items() if img is not None}
    cw = max((img.width for img in fitted.values()), default=cell_size)
    ch = max((img.height for img in fitted.values()), default=cell_size)
    font_size = font_size_for((cw, ch))
    font, line = _font(font_size), round(font_size * 1.25)
    nx, _, nz = plan.shape
    title = title or f"{plan.tool}: " + " / ".join(a.title for a in plan.axes)
    widest_title = max(_text_width(font, _page_title(plan, title, z)) for z in range(nz))
    layout = layout_sheet(plan, (cw, ch), font_size, min(widest_title + 2 * font_size, 2400))
    if layout.size[0] * layout.size[1] > MAX_SHEET_PIXELS:
        raise ValueError(
            f"a {layout.size[0]}×{layout.size[1]} sheet is too large: choose a smaller cell size"
        )
    sheets = []
    for z in range(nz):
        sheet = Image.new("RGB", layout.size, BACKGROUND)
        draw = ImageDraw.Draw(sheet)
        tx0, _, tx1, ty1 = layout.title_box
        heading = _clip(_page_title(plan, title, z), font, tx1 - tx0 - 2 * font_size)
        _draw_lines(draw, layout.title_box, [heading], font, line)
        first, last = layout.column_headers[0], layout.column_headers[-1]
        axis_box = (first[0], ty1, last[2], first[1])
        _draw_lines(draw, axis_box, [f"X: {plan.axes[0].title}"], font, line, MUTED)
        for box, value in zip(layout.column_headers, plan.axes[0].values, strict=True):
            _draw_lines(draw, box, _wrap(value.label, font, box[2] - box[0]), font, line)
        if len(plan.axes) > 1:
            corner = (0, first[1], layout.row_headers[0][2], first[3])
            label = _wrap(f"Y: {plan.axes[1].title}", font, corner[2] - corner[0])
            _draw_lines(draw, corner, label, font, line, MUTED)
            for box, value in zip(layout.row_headers, plan.axes[1].values, strict=True):
                _draw_lines(draw, box, _wrap(value.label, font, box[2] - box[0]), font, line)
        for slot, box in enumerate(layout.cells):
            cell = plan.cell_at(slot % nx, slot // nx, z)
            image = fitted.get(cell.index)
            if image is None:
                draw.rectangle(box, fill=EMPTY)
                _draw_lines(draw, box, ["not run"], font, line, MUTED)
                continue
            x = box[0] + (box[2] - box[0] - image.width) // 2
            y = box[1] + (box[3] - box[1] - image.height) // 2
            sheet.paste(image, (x, y))
        sheets.append(sheet)
    return sheets


def sheet_metadata(plan: SweepPlan, z: int, title: str = "") -> dict[str, Any]:
    """What one page's PNG carries: the sweep definition and which Z page it is."""
    data = plan.definition()
    if len(plan.axes) > 2:
        data["page"] = {"z": z, "value": plan.axes[2].values[z].label}
    if title:
        data["title"] = title
    return data


def sheet_png(sheet: Image.Image, metadata: Mapping[str, Any], title: str = "") -> bytes:
    info = PngInfo()
    info.add_itxt(SHEET_KEY, json.dumps(metadata, ensure_ascii=False))
    if title:
        info.add_itxt(TITLE_KEY, title)
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", pnginfo=info, optimize=False)
    return buffer.getvalue()


def read_sheet_metadata(data: bytes) -> dict[str, Any] | None:
    """The sweep definition of a contact sheet's PNG bytes, or None if it carries none."""
    with Image.open(io.BytesIO(data)) as image:
        text = image.text.get(SHEET_KEY) if hasattr(image, "text") else None
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def export_contact_sheets(
    plan: SweepPlan,
    images: Mapping[int, CellImage],
    path: Path,
    *,
    cell_size: int = 256,
    title: str = "",
) -> list[Path]:
    """Write the sheet(s) atomically: ``path`` itself, or ``<stem>-z1.png``… with a Z axis."""
    sheets = render_sheets(plan, images, cell_size=cell_size, title=title)
    written = []
    for z, sheet in enumerate(sheets):
        target = path if len(sheets) == 1 else path.with_name(f"{path.stem}-z{z + 1}{path.suffix}")
        data = sheet_png(sheet, sheet_metadata(plan, z, title), title)
        written.append(atomic_write_bytes(target, data))
    return written
