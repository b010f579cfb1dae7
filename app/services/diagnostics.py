"""What a bug report needs: versions, platform, paths, keychain backend and the recent log.

Qt-free: the caller passes Qt's versions when it has them (``--diagnostics`` from main.py,
Help → Copy diagnostics from the window). Everything read from the log goes through the same
redactor as the log itself, and no environment variable is copied except a short allow-list
of display/session names, so the text is safe to paste into a public issue.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app import APP_NAME, __version__
from app.storage.credentials import CredentialStore
from app.storage.logs import LOG_FILE, REDACTOR
from app.storage.paths import AppPaths

LOG_LINES = 200
_MAX_LOG_LINE = 2000
_DISTRIBUTIONS = (
    "httpx",
    "websockets",
    "keyring",
    "Pillow",
    "qasync",
    "platformdirs",
    "starlette",
    "uvicorn",
)
_ENVIRONMENT = (
    "XDG_SESSION_TYPE",
    "XDG_CURRENT_DESKTOP",
    "DESKTOP_SESSION",
    "QT_QPA_PLATFORM",
    "WAYLAND_DISPLAY",
    "DISPLAY",
    "LANG",
)


def _version(distribution: str) -> str | None:
    import importlib.metadata  # ~50 ms: only when a report is made, not at start

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        module = sys.modules.get(distribution.lower())
        version = getattr(module, "__version__", None)
        return str(version) if version else None


def qt_versions_from_metadata() -> dict[str, str | None]:
    """PySide6's version without importing Qt (the caller may pass the runtime's instead)."""
    return {
        "pyside6": _version("PySide6-Essentials") or _version("PySide6"),
        "qt_runtime": None,
    }


def keyring_report(store: CredentialStore | None = None) -> dict[str, Any]:
    """The keychain backend as ``module.Class`` and whether it can hold credentials."""
    store = store or CredentialStore()
    try:
        name = store.backend_name
        available = store.keychain_available()
    except Exception as exc:  # a broken backend must not break the report
        name, available = f"unavailable ({type(exc).__name__})", False
    return {"keyring_backend": name, "keychain_available": bool(available)}


def recent_log(log_dir: Path, lines: int = LOG_LINES) -> list[str]:
    """The last ``lines`` lines of the log file, redacted again (older files may predate keys)."""
    path = log_dir / LOG_FILE
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            tail = deque(handle, maxlen=max(0, lines))
    except OSError:
        return []
    return [REDACTOR.redact(line.rstrip("\n"))[:_MAX_LOG_LINE] for line in tail]


def _paths(paths: AppPaths) -> dict[str, str]:
    return {
        "data": str(paths.data_dir),
        "config": str(paths.config_dir),
        "cache": str(paths.cache_dir),
        "log": str(paths.log_dir),
        "log_file": str(paths.log_dir / LOG_FILE),
        "settings": str(paths.settings_file),
        "database": str(paths.database(False)),
        "library": str(paths.library_dir(False)),
        "output": str(paths.default_output_dir),
    }


def _resources() -> str | None:
    from app.resources import resources_dir

    try:
        return str(resources_dir())
    except FileNotFoundError:
        return None


def collect(
    paths: AppPaths,
    *,
    qt: Mapping[str, str | None] | None = None,
    credential_store: CredentialStore | None = None,
    log_lines: int = LOG_LINES,
) -> dict[str, Any]:
    """The diagnostics as plain JSON-ready data; ``keyring_backend`` is a top-level key."""
    info: dict[str, Any] = {
        "app": APP_NAME,
        "version": __version__,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
        "platform": platform.platform(),
        "system": platform.system(),
        "machine": platform.machine(),
        "qt": dict(qt) if qt is not None else qt_versions_from_metadata(),
        "libraries": {name: _version(name) for name in _DISTRIBUTIONS},
        "resources": _resources(),
        "paths": _paths(paths),
        "environment": {k: os.environ[k] for k in _ENVIRONMENT if k in os.environ},
    }
    info.update(keyring_report(credential_store))
    info["log"] = recent_log(paths.log_dir, log_lines)
    return info


def as_json(info: Mapping[str, Any]) -> str:
    """One line of JSON (what ``--diagnostics`` prints)."""
    return json.dumps(info, ensure_ascii=False, sort_keys=False)


def as_text(info: Mapping[str, Any]) -> str:
    """A readable report for the clipboard: facts first, then the recent log."""
    qt = info.get("qt") or {}
    lines = [
        f"{info.get('app')} {info.get('version')}",
        f"Python {info.get('python')} ({info.get('python_implementation')})"
        + (" — frozen bundle" if info.get("frozen") else ""),
        f"PySide6 {qt.get('pyside6') or '?'}, Qt runtime {qt.get('qt_runtime') or '?'}",
        f"Platform: {info.get('platform')} ({info.get('machine')})",
        f"Keychain: {info.get('keyring_backend')}"
        + ("" if info.get("keychain_available") else " (not usable: session-only credentials)"),
        "Libraries: "
        + ", ".join(f"{k} {v or '?'}" for k, v in (info.get("libraries") or {}).items()),
        f"Resources: {info.get('resources')}",
        "Paths:",
        *(f"  {k}: {v}" for k, v in (info.get("paths") or {}).items()),
    ]
    environment = info.get("environment") or {}
    if environment:
        lines.append("Environment: " + ", ".join(f"{k}={v}" for k, v in environment.items()))
    log = info.get("log") or []
    lines.append(f"--- last {len(log)} log lines ---")
    lines.extend(log)
    return REDACTOR.redact("\n".join(lines)) + "\n"
