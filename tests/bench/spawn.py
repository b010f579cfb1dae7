"""Starting benchmark child processes the same way every time, and the shared big library."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.common import log, parse_result

REPO = Path(__file__).resolve().parents[2]


def child_env(cache: Path) -> dict[str, str]:
    """The parent's environment, but with bytecode cached (in ``cache``, not in the repo).

    The suite runs with PYTHONDONTWRITEBYTECODE=1; without a bytecode cache every start would
    compile the app's sources, which an installed app never does."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    env.setdefault("QT_API", "pyside6")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def run_child(args: list[str], env: dict[str, str], timeout: float = 300) -> dict[str, Any]:
    """Runs ``python -m tests.bench.child ARGS``; its RESULT plus ``spawned`` (perf_counter
    just before the process was created).

    An app run starts without saved settings, so every run opens the default 1280×800 window
    (offscreen, a restored geometry is clamped to a small virtual screen)."""
    if "--data-dir" in args:
        from app.storage.paths import AppPaths

        data_dir = Path(args[args.index("--data-dir") + 1])
        AppPaths.under(data_dir).settings_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "tests.bench.child", *args]
    spawned = time.perf_counter()
    proc = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    try:
        result = parse_result(proc.stdout)
    except ValueError:
        tail = (proc.stderr or "")[-2000:]
        raise RuntimeError(f"child {args[0]} failed (exit {proc.returncode}):\n{tail}") from None
    result["spawned"] = spawned
    result["exit_code"] = proc.returncode
    return result


def ensure_library(root: Path, images: int) -> Path:
    """The demo library of ``images`` images under ``root`` (built once, then reused)."""
    marker = root / f".bench-library-{images}"
    if not marker.exists():
        if root.exists() and any(root.iterdir()):
            raise RuntimeError(f"{root} is not empty and not a {images}-image bench library")
        from tests.bench.library import build_library

        log(f"building a library of {images} images in {root}")
        info = build_library(root, images)
        log(f"library built in {info['seconds']} s")
        marker.write_text(str(info))
    return root
