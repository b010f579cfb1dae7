"""The installed launcher as a new user runs it: --smoke offscreen, and a real X window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

LAUNCHER = Path(sys.executable).parent / "wiro-studio"


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    if not LAUNCHER.exists():
        pytest.fail(f"{LAUNCHER} is missing: the project is not installed (make test installs it)")
    environ = {**os.environ, "HOME": str(tmp_path / "home"), **env}
    return subprocess.run(
        [str(LAUNCHER), *args], capture_output=True, text=True, timeout=180, env=environ
    )


@pytest.mark.slow
def test_smoke_prints_the_json_line_and_exits_0(tmp_path: Path) -> None:
    proc = _run(["--smoke"], tmp_path, QT_QPA_PLATFORM="offscreen")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["images"] == 4 and len(result["saved"]) == 4
    assert result["seconds"] > 0
    for path in result["saved"]:
        with Image.open(path) as img:
            assert img.size == (512, 512) and "parameters" in img.text


@pytest.mark.slow
@pytest.mark.xvfb
def test_real_window_screenshot_under_xvfb(tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (run through tests/headless.sh, which starts Xvfb)")
    shot = tmp_path / "main-window.png"
    proc = _run(["--smoke", "--screenshot", str(shot)], tmp_path, QT_QPA_PLATFORM="xcb")
    assert proc.returncode == 0, proc.stderr[-2000:]
    with Image.open(shot) as img:
        assert img.size[0] >= 900 and img.size[1] >= 600, img.size  # the window, not a widget
        rgb = img.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 500, "the screenshot looks blank"
        dominant = max(count for count, _ in colours)
        assert dominant < 0.8 * img.size[0] * img.size[1], "one colour fills the screenshot"


README_SHOTS = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


@pytest.mark.slow
@pytest.mark.xvfb
def test_readme_screenshots_window_at_1024_gallery_at_1600_and_inspiration(tmp_path: Path) -> None:
    """Set WIRO_README_SCREENSHOTS=1 to write them into resources/screenshots for the README."""
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (run through tests/headless.sh, which starts Xvfb)")
    out = README_SHOTS if os.environ.get("WIRO_README_SCREENSHOTS") == "1" else tmp_path
    environ = {**os.environ, "HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.support.readme_screens", str(out)],
        capture_output=True, text=True, timeout=180, env=environ,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name, size in (
        ("window-1024x700.png", (1024, 700)),
        ("gallery-1600x1000.png", (1600, 1000)),
        ("inspiration.png", (1280, 800)),
    ):
        with Image.open(out / name) as img:
            assert img.size == size, (name, img.size)
            colours = img.convert("RGB").getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 500, f"{name} looks blank"
