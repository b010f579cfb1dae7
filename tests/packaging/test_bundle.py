"""The PyInstaller bundle (make package): it builds, runs the smoke test like the source app,
finds the Secret Service keychain, and leaves GTK and unused Qt modules out.

The bundle in dist/wiro-studio/ is reused when it is newer than every source file and the
venv's install stamp; otherwise packaging/build.sh rebuilds it there (≈ 25 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BUNDLE = DIST / "wiro-studio"
EXE = BUNDLE / "wiro-studio"
SOURCE_LAUNCHER = Path(sys.executable).parent / "wiro-studio"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _newest_source_mtime() -> float:
    newest = 0.0
    roots = [ROOT / "app", ROOT / "resources", ROOT / "packaging", ROOT / "pyproject.toml"]
    roots.append(Path(sys.prefix) / ".installed")  # the Makefile's stamp: deps changed
    for root in roots:
        if root.is_file():
            newest = max(newest, root.stat().st_mtime)
            continue
        for path in root.rglob("*") if root.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def bundle() -> Path:
    if EXE.is_file() and EXE.stat().st_mtime > _newest_source_mtime():
        return BUNDLE
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail("PyInstaller is missing: pip install -e '.[test,packaging]' (make test does)")
    proc = subprocess.run(
        ["sh", str(ROOT / "packaging" / "build.sh"), "--dist", str(DIST)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHON": sys.executable},
        cwd=ROOT,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert EXE.is_file()
    return BUNDLE


def _run(
    cmd: list[str], tmp_path: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs from a folder outside the checkout, with a throw-away HOME and TMPDIR."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environ = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp_path), **env}
    environ.pop("PYTHONPATH", None)
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=environ, cwd=tmp_path
    )


def _smoke_line(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-3000:]
    return json.loads(lines[-1])


def _supports_diagnostics(exe: Path, tmp_path: Path) -> bool:
    return "--diagnostics" in _run([str(exe), "--help"], tmp_path, timeout=60).stdout


def test_bundle_smoke_prints_the_same_json_line_as_the_source_app(
    bundle: Path, tmp_path: Path
) -> None:
    frozen = _smoke_line(_run([str(EXE), "--smoke"], tmp_path, QT_QPA_PLATFORM="offscreen"))
    source = _smoke_line(
        _run([str(SOURCE_LAUNCHER), "--smoke"], tmp_path, QT_QPA_PLATFORM="offscreen")
    )
    assert frozen.keys() == source.keys() == {"images", "saved", "seconds"}
    assert frozen["images"] == source["images"] == 4
    saved = frozen["saved"]
    assert isinstance(saved, list) and len(saved) == 4
    for path in saved:
        with Image.open(path) as img:
            assert img.size == (512, 512) and "parameters" in img.text
    assert isinstance(frozen["seconds"], float) and frozen["seconds"] > 0


def test_bundle_version_and_resources_come_from_the_bundle(bundle: Path, tmp_path: Path) -> None:
    from app import __version__

    proc = _run([str(EXE), "--version"], tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"Wiro Studio {__version__}"
    internal = BUNDLE / "_internal" / "resources"
    assert (internal / "tools" / "dreamshaper-8.json").is_file()
    icons = internal / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "io.github.wirostudio.WiroStudio.svg").is_file()
    assert (icons / "32x32" / "apps" / "io.github.wirostudio.WiroStudio.png").is_file()
    if _supports_diagnostics(EXE, tmp_path):
        info = _diagnostics(EXE, tmp_path)
        assert info["frozen"] is True
        assert Path(info["resources"]).resolve() == internal.resolve()
        # Library versions come from package metadata: the spec must copy it for each one.
        source = _diagnostics(SOURCE_LAUNCHER, tmp_path)
        assert info["libraries"] == source["libraries"]
        assert info["qt"] == source["qt"]


def _diagnostics(exe: Path, tmp_path: Path) -> dict[str, object]:
    proc = _run([str(exe), "--diagnostics"], tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_bundle_finds_the_secret_service_keychain(bundle: Path, tmp_path: Path) -> None:
    """Under tests/headless.sh: a private D-Bus with an unlocked gnome-keyring."""
    if not _supports_diagnostics(EXE, tmp_path):
        pytest.skip("the app has no --diagnostics flag yet: it reports the keyring backend")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session (run through tests/headless.sh)")
    probe = "import keyring; b = keyring.get_keyring(); print(type(b).__module__, type(b).__name__)"
    host = ".".join(_run([sys.executable, "-c", probe], tmp_path, timeout=60).stdout.split())
    if host != SECRET_SERVICE:
        pytest.skip(f"no unlocked Secret Service here (the source app gets {host})")
    info = _diagnostics(EXE, tmp_path)
    assert info["keyring_backend"] == SECRET_SERVICE
    assert info["keychain_available"] is True


def test_bundle_carries_the_keyring_backends_and_uvicorn_protocols(bundle: Path) -> None:
    """Static check of the frozen modules: works without D-Bus and without --diagnostics."""
    viewer = Path(sys.executable).parent / "pyi-archive_viewer"
    if not viewer.exists():
        viewer = Path(shutil.which("pyi-archive_viewer") or viewer)
    proc = subprocess.run(
        [str(viewer), "--recursive", "--brief", str(EXE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.strip() for line in proc.stdout.splitlines()}
    for name in (
        "keyring.backends.SecretService",
        "keyring.backends.fail",
        "secretstorage",
        "jeepney.io.blocking",
        "uvicorn.lifespan.on",
        "uvicorn.protocols.http.h11_impl",
        "uvicorn.protocols.websockets.websockets_sansio_impl",
        "uvicorn.loops.asyncio",
        "app.emulator.server",
        "qasync",
    ):
        assert name in modules, f"{name} is not in the bundle"
    assert not {"tkinter", "PySide6.QtQml", "PySide6.QtNetwork"} & modules
    assert list((BUNDLE / "_internal").glob("keyring-*.dist-info/entry_points.txt"))


def test_bundle_leaves_out_gtk_and_unused_qt(bundle: Path) -> None:
    files = [p.relative_to(BUNDLE).as_posix() for p in BUNDLE.rglob("*") if p.is_file()]
    names = {Path(f).name for f in files}
    unwanted = ("libgtk", "libgdk", "libpango", "libcairo", "libatk", "libQt6Quick", "libQt6Qml")
    unwanted += ("libQt6Pdf", "libQt6Multimedia", "libQt6WebEngine", "libtk", "libtcl", "_tkinter")
    assert not [n for n in names if n.startswith(unwanted)]
    plugins = {f.split("plugins/", 1)[1] for f in files if "/Qt/plugins/" in f}
    assert "platformthemes/libqgtk3.so" not in plugins
    for needed in (
        "platforms/libqoffscreen.so",
        "platforms/libqxcb.so",
        "platforms/libqwayland.so",
        "imageformats/libqjpeg.so",
        "imageformats/libqwebp.so",
        "imageformats/libqsvg.so",
        "iconengines/libqsvgicon.so",
        "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    ):
        assert needed in plugins, f"{needed} is missing from the bundle"
    desktop = BUNDLE / "share" / "applications" / "io.github.wirostudio.WiroStudio.desktop"
    assert desktop.is_file() and (BUNDLE / "install-desktop-entry.sh").is_file()


@pytest.mark.xvfb
def test_bundle_shows_a_real_window_under_xvfb(bundle: Path, tmp_path: Path) -> None:
    """The bundle's own xcb plugin and X libraries on a real X server (Xvfb)."""
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (run through tests/headless.sh, which starts Xvfb)")
    shot = tmp_path / "bundle-window.png"
    proc = _run([str(EXE), "--smoke", "--screenshot", str(shot)], tmp_path, QT_QPA_PLATFORM="xcb")
    assert _smoke_line(proc)["images"] == 4
    with Image.open(shot) as img:
        assert img.size[0] >= 900 and img.size[1] >= 600, img.size
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 500, "the screenshot looks blank"
