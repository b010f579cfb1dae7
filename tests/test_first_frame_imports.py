"""What the first frame imports: the window paints before the network stack, Pillow, the
studio, the emulator and the keychain load (issue 17). A fresh interpreter imports the
modules the first frame needs and reports which heavy ones came with them."""

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

PROBE = f"""
import json, sys
import app.ui.app_controller, app.ui.main_window
print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))
"""


def test_the_first_frame_imports_nothing_heavy() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
