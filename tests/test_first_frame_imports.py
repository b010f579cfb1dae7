"""What the first frame imports: the window paints before asyncio, the network stack, Pillow,
the studio, the emulator, the keychain and the workspace's own modules load (issue 17). A fresh
interpreter imports the modules the first frame needs and reports which heavy ones came with
them; another checks that the controller (loaded right after the first paint) still leaves the
network stack, Pillow, the studio and the emulator for later."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = (
    "httpx",
    "websockets",
    "keyring",
    "PIL",
    "uvicorn",
    "starlette",
    "app.services.studio",
    "app.services.sweeps",
    "app.emulator",
)

# Loaded behind the first frame: the event loop and the workspace (built by MainWindow.attach).
WORKSPACE = (
    "asyncio",
    "qasync",
    "app.ui.session",
    "app.ui.app_controller",
    "app.ui.gallery.gallery",
    "app.ui.tasks.panel",
    "app.ui.viewer.viewer",
    "app.ui.flows.library_flow",
    "app.ui.flows.sweep_flow",
    "app.ui.derive.flow",
    "app.ui.window_menus",
    "app.services.connection",
)


def _loaded(modules: str, wanted: tuple[str, ...]) -> list[str]:
    probe = (
        f"import json, sys\nimport {modules}\n"
        f"print(json.dumps([m for m in {list(wanted)!r} if m in sys.modules]))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_frame_imports_neither_the_loop_nor_the_workspace() -> None:
    assert _loaded("app.main, app.ui.first_frame", HEAVY + WORKSPACE) == []


def test_the_controller_and_the_workspace_leave_the_network_stack_for_later() -> None:
    assert _loaded("app.ui.app_controller, app.ui.main_window", HEAVY) == []
