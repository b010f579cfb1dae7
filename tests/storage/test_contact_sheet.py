"""Contact sheets: grid placement, axis labels, Z pages, embedded sweep definition."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from app.core.sweep import PROMPT_SR, AxisSpec, SweepSpec, build_plan
from app.storage import contact_sheet
from app.storage.contact_sheet import (
    BACKGROUND,
    EMPTY,
    export_contact_sheets,
    read_sheet_metadata,
    render_sheets,
    sheet_metadata,
    sheet_png,
)


def _plan(tool_schema, *axes: AxisSpec):
    base = tool_schema.defaults() | {"prompt": "a fox", "samples": 1}
    plan = build_plan(tool_schema, SweepSpec(axes), base)
    assert plan.ok, plan.errors
    return plan


def _color(index: int) -> tuple[int, int, int]:
    return (40 + 50 * (index % 4), 30 + 40 * (index // 4 % 5), 200 - 20 * (index // 20))


def _swatches(plan, size=(64, 64)) -> dict[int, Image.Image]:
    return {c.index: Image.new("RGB", size, _color(c.index)) for c in plan.cells}


def _ink(image: Image.Image, box) -> bool:
    """Whether a region holds anything but background (text was drawn there)."""
    low, _ = ImageStat.Stat(image.crop(box).convert("L")).extrema[0]
    return low < 200


def test_cells_land_in_grid_order_with_labelled_headers(tool_schema) -> None:
    plan = _plan(tool_schema, AxisSpec("scale", "4, 8, 12"), AxisSpec("scheduler", "Euler, DDIM"))
    [sheet] = render_sheets(plan, _swatches(plan), cell_size=64)
    layout = contact_sheet.layout_sheet(
        plan, (64, 64), contact_sheet.font_size_for((64, 64)), min_width=sheet.width
    )
    assert sheet.size == layout.size
    assert len(layout.column_headers) == 3 and len(layout.row_headers) == 2
    assert len(layout.cells) == 6
    for slot, box in enumerate(layout.cells):
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        cell = plan.cell_at(slot % 3, slot // 3)
        assert sheet.getpixel((cx, cy)) == _color(cell.index), slot
    for box in (layout.title_box, *layout.column_headers, *layout.row_headers):
        assert _ink(sheet, box), box
    # the headers sit above and left of the grid, which starts below them
    assert max(b[3] for b in layout.column_headers) <= min(b[1] for b in layout.cells)
    assert max(b[2] for b in layout.row_headers) <= min(b[0] for b in layout.cells)


def test_headers_are_the_axis_values(tool_schema, monkeypatch) -> None:
    plan = _plan(tool_schema, AxisSpec("steps", "10, 20"))
    drawn: list[str] = []
    real = contact_sheet._draw_lines

    def spy(draw, box, lines, font, line_height, fill=contact_sheet.INK):
        drawn.extend(lines)
        real(draw, box, lines, font, line_height, fill)

    monkeypatch.setattr(contact_sheet, "_draw_lines", spy)
    render_sheets(plan, _swatches(plan), cell_size=64, title="Steps test")
    assert drawn == ["Steps test", "X: Steps", "10", "20"]


def test_missing_cells_say_not_run_and_sizes_mix(tool_schema) -> None:
    plan = _plan(tool_schema, AxisSpec("size", "512x512, 768x512"))
    images = {0: Image.new("RGB", (512, 512), (255, 0, 0))}
    [sheet] = render_sheets(plan, images, cell_size=100)
    layout = contact_sheet.layout_sheet(
        plan, (100, 100), contact_sheet.font_size_for((100, 100)), min_width=sheet.width
    )
    empty = layout.cells[1]
    assert sheet.getpixel((empty[0] + 2, empty[1] + 2)) == EMPTY
    assert _ink(sheet, empty), "the empty cell says so"
    wide = {0: Image.new("RGB", (768, 512), (0, 0, 255))}
    [sheet] = render_sheets(plan, wide, cell_size=150)
    first = contact_sheet.layout_sheet(
        plan, (150, 100), contact_sheet.font_size_for((150, 100)), min_width=sheet.width
    ).cells[0]
    assert first[2] - first[0] == 150 and first[3] - first[1] == 100, "box follows the image shape"


def test_z_gives_one_sheet_per_value_with_its_page(tool_schema, tmp_path: Path) -> None:
    plan = _plan(
        tool_schema,
        AxisSpec("scale", "4, 8"),
        AxisSpec("steps", "10, 20"),
        AxisSpec("scheduler", "Euler, DDIM, LMS"),
    )
    sheets = render_sheets(plan, _swatches(plan), cell_size=48)
    assert len(sheets) == 3 and len({s.size for s in sheets}) == 1
    layout = contact_sheet.layout_sheet(
        plan, (48, 48), contact_sheet.font_size_for((48, 48)), min_width=sheets[0].width
    )
    for z, sheet in enumerate(sheets):
        first = layout.cells[0]
        assert sheet.getpixel(((first[0] + first[2]) // 2, (first[1] + first[3]) // 2)) == _color(
            plan.cell_at(0, 0, z).index
        )
    paths = export_contact_sheets(plan, _swatches(plan), tmp_path / "sweep.png", cell_size=48)
    assert [p.name for p in paths] == ["sweep-z1.png", "sweep-z2.png", "sweep-z3.png"]
    meta = read_sheet_metadata(paths[2].read_bytes())
    assert meta is not None and meta["page"] == {"z": 2, "value": "LMSDiscreteScheduler"}
    assert not list(tmp_path.glob(".wiro-*")), "no temp files left"


def test_sheet_carries_the_sweep_definition(tool_schema, tmp_path: Path) -> None:
    plan = _plan(
        tool_schema, AxisSpec(PROMPT_SR, "fox, crème brûlée fox"), AxisSpec("seed", "1, 2")
    )
    [path] = export_contact_sheets(
        plan, _swatches(plan), tmp_path / "grid.png", cell_size=64, title="Foxes"
    )
    data = path.read_bytes()
    meta = read_sheet_metadata(data)
    assert meta is not None and meta == plan.definition() | {"title": "Foxes"}
    assert meta["axes"][0]["values"] == ["fox", "crème brûlée fox"]
    assert SweepSpec.from_json(meta["spec"]) == plan.spec, "the sheet reopens as the sweep"
    with Image.open(io.BytesIO(data)) as image:
        assert image.text["Title"] == "Foxes" and image.format == "PNG"
    assert read_sheet_metadata(sheet_png(Image.new("RGB", (4, 4)), {})) == {}
    plain = io.BytesIO()
    Image.new("RGB", (4, 4)).save(plain, "PNG")
    assert read_sheet_metadata(plain.getvalue()) is None


def test_long_labels_wrap_inside_their_column(tool_schema) -> None:
    font = contact_sheet._font(14)
    lines = contact_sheet._wrap("a very long replacement text " * 6, font, 120)
    assert len(lines) == contact_sheet.MAX_HEADER_LINES and lines[-1].endswith("…")
    assert all(contact_sheet._text_width(font, line) <= 120 for line in lines)
    assert contact_sheet._wrap("Supercalifragilisticexpialidocious", font, 60)[0].endswith("…")


def test_builtin_font_works_without_system_fonts(tool_schema, monkeypatch) -> None:
    monkeypatch.setattr(contact_sheet, "SYSTEM_FONTS", ("no-such-font.ttf",))
    contact_sheet._font.cache_clear()
    try:
        plan = _plan(tool_schema, AxisSpec("steps", "10, 20"))
        [sheet] = render_sheets(plan, _swatches(plan), cell_size=64)
        layout = contact_sheet.layout_sheet(
            plan, (64, 64), contact_sheet.font_size_for((64, 64)), min_width=sheet.width
        )
        assert _ink(sheet, layout.column_headers[0]) and _ink(sheet, layout.title_box)
    finally:
        contact_sheet._font.cache_clear()


def test_nothing_to_draw_is_an_error(tool_schema) -> None:
    plan = build_plan(tool_schema, SweepSpec(), tool_schema.defaults())
    with pytest.raises(ValueError, match="no cells"):
        render_sheets(plan, {})
    wide = _plan(tool_schema, AxisSpec("steps", "1-40"))
    with pytest.raises(ValueError, match="too large: choose a smaller cell size"):
        render_sheets(wide, {}, cell_size=2000)
    assert BACKGROUND == (255, 255, 255)
    assert sheet_metadata(_plan(tool_schema, AxisSpec("steps", "5")), 0)["tasks"] == 1
