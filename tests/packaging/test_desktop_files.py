"""The freedesktop files and the icon: they validate, agree on one app id, and match the SVG."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.wirostudio.WiroStudio"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
SVG = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} missing (Debian: {package}; make test installs it)")
    return path


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validates() -> None:
    proc = subprocess.run(
        [_tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_metainfo_validates() -> None:
    proc = subprocess.run(
        [_tool("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Only "pedantic" remarks are allowed (the reverse-DNS id has capitals, as Flathub's do).
    assert not any(line[:2] in ("E:", "W:", "I:") for line in proc.stdout.splitlines()), proc.stdout


def test_one_app_id_everywhere() -> None:
    entry = _desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "wiro-studio"  # the gui-script name in pyproject.toml
    assert entry["Name"] == "Wiro Studio"
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("provides/binary") == "wiro-studio"
    assert "not made by" in ET.tostring(root.find("description"), encoding="unicode")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'wiro-studio = "app.main:main"' in pyproject


def test_icon_pngs_exist_at_every_size_and_are_rendered_from_the_svg(tmp_path: Path) -> None:
    assert SVG.is_file()
    proc = subprocess.run(
        [sys.executable, str(PACKAGING / "render_icons.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for size in SIZES:
        committed = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        with (
            Image.open(committed) as img,
            Image.open(tmp_path / committed.relative_to(HICOLOR)) as fresh,
        ):
            assert img.size == (size, size) and img.mode == "RGBA"
            assert img.getpixel((0, 0))[3] == 0, "corners are transparent (rounded tile)"
            assert img.getpixel((size // 2, size // 2))[3] == 255, "the tile is opaque"
            diff = ImageChops.difference(img.convert("RGBA"), fresh.convert("RGBA"))
            # Same Qt renders bit-exact; allow a little drift for another Qt version.
            assert max(ImageStat.Stat(diff).mean) < 2.0, (
                f"{committed.name} at {size}px is out of date: run packaging/render_icons.py"
            )


def test_install_desktop_entry_points_exec_at_a_bundle(tmp_path: Path) -> None:
    """The bundle's installer rewrites Exec= to the bundle path, quoted if it has spaces."""
    bundle = tmp_path / "Wiro Studio"  # a path with a space, as users pick
    (bundle / "share").mkdir(parents=True)
    shutil.copytree(HICOLOR, bundle / "share" / "icons" / "hicolor")
    (bundle / "share" / "applications").mkdir()
    (bundle / "share" / "metainfo").mkdir()
    shutil.copy(DESKTOP, bundle / "share" / "applications")
    shutil.copy(METAINFO, bundle / "share" / "metainfo")
    shutil.copy(PACKAGING / "install-desktop-entry.sh", bundle)
    prefix = tmp_path / "prefix"
    proc = subprocess.run(
        ["sh", str(bundle / "install-desktop-entry.sh"), "--prefix", str(prefix)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    installed = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    entry = _desktop_entry(installed)
    assert entry["Exec"] == f'"{bundle}/wiro-studio"'
    assert entry["TryExec"] == f"{bundle}/wiro-studio"
    assert (prefix / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png").is_file()
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(installed)], capture_output=True, text=True, timeout=60
        )
        assert check.returncode == 0, check.stdout + check.stderr
