"""Lineage words: the task card's title for derived tasks."""

from __future__ import annotations

import pytest

from app.core.lineage import task_title

UPSCALE_OP = {"kind": "upscale", "scale": 4, "model": "RealESRGAN_x4plus"}


@pytest.mark.parametrize(
    ("params", "parent", "operation", "expected"),
    [
        ({"prompt": "a cat"}, None, None, "a cat"),
        ({}, None, None, "(no prompt)"),
        ({"inputImage": "/x.png"}, 123, UPSCALE_OP, "Upscale ×4 · #123 (RealESRGAN_x4plus)"),
        ({}, 7, {"kind": "upscale", "scale": 2}, "Upscale ×2 · #7"),
        ({}, None, {**UPSCALE_OP, "source_file": "photo.png"},
         "Upscale ×4 · photo.png (RealESRGAN_x4plus)"),
        ({"prompt": "a fox", "strength": 0.45}, 3, {"kind": "reimagine", "strength": 0.45},
         "Re-imagine · strength 0.45 · a fox"),
        ({"prompt": ""}, 3, {"kind": "reimagine", "strength": 0.7},
         "Re-imagine · strength 0.7 · from #3"),
        ({}, 5, {"kind": "promote"}, "Promoted from #5"),
    ],
)  # fmt: skip
def test_task_title(params, parent, operation, expected) -> None:
    assert task_title(params, parent, operation) == expected
