"""Replaces PyInstaller's own PySide6.QtGui hook: the same collection, minus unwanted Qt plugins.

PyInstaller collects every plugin of the QtGui plugin types and then copies each plugin's
link-time dependencies from the build host. The gtk3 platform theme alone drags in GTK 3,
Pango, Cairo, ATK and friends; eglfs/linuxfb/vnc and the evdev "generic" plugins are for
embedded devices; the virtual keyboard needs QtQuick. Filtering here, before the dependency
analysis runs, keeps those host libraries out of the bundle (filtering a.binaries in the spec
would be too late). Plugin types not listed in KEEP are collected unchanged.
"""

from __future__ import annotations

import os

from PyInstaller.utils.hooks import logger
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# plugin directory -> plugin names to keep (file name without "lib" prefix and extension,
# so the same list serves Linux .so, Windows .dll and macOS .dylib).
KEEP: dict[str, set[str]] = {
    "platforms": {"qxcb", "qwayland", "qoffscreen", "qminimal", "qwindows", "qcocoa"},
    "platformthemes": {"qxdgdesktopportal"},  # not qgtk3: it links GTK 3 and its stack
    "platforminputcontexts": {
        "composeplatforminputcontextplugin",
        "ibusplatforminputcontextplugin",
    },
    "imageformats": {"qjpeg", "qwebp", "qsvg", "qgif", "qico"},  # PNG is built into QtGui
    "iconengines": {"qsvgicon"},
    "egldeviceintegrations": set(),  # eglfs only, which we do not ship
    "generic": set(),  # evdev/tuio input for embedded devices
    "accessiblebridge": set(),
}


def _plugin_name(path: str) -> str:
    name = os.path.basename(path).split(".")[0]
    return name[3:] if name.startswith("lib") else name


def _keep(src: str, dest: str) -> bool:
    parts = dest.replace("\\", "/").split("/")
    if "plugins" not in parts:
        return True
    kind = "/".join(parts[parts.index("plugins") + 1 :])
    allowed = KEEP.get(kind)
    if allowed is None:
        return True
    name = _plugin_name(src)
    # Windows debug builds end in "d" (qjpegd.dll); PyInstaller drops those already.
    return name in allowed


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
_dropped = sorted(_plugin_name(src) for src, dest in binaries if not _keep(src, dest))
binaries = [(src, dest) for src, dest in binaries if _keep(src, dest)]
logger.info("wiro-studio: Qt plugins left out of the bundle: %s", ", ".join(_dropped) or "none")
