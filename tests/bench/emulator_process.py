"""The emulator in a process of its own, so its work (rendering, serving) never competes with
the app for the GIL: a real Wiro server does not run inside the client.

``python -m tests.bench.emulator_process '{"queue_seconds": 0.1, ...}'`` prints one line
``EMULATOR {"base_url": ..., "socket_url": ...}`` and serves until its stdin closes. The parent
drives it over HTTP: the emulator's own admin routes (/_emulator/stats, /config, /advance,
/tasks), which are not counted in its statistics. See RemoteEmulator in common.py.
"""

from __future__ import annotations

import json
import sys

from app.emulator.runner import Emulator
from tests.bench.common import emulator_config


def main() -> int:
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    with Emulator(emulator_config(**options)) as emu:
        urls = {"base_url": emu.base_url, "socket_url": emu.socket_url, "origin": emu.origin}
        sys.stdout.write("EMULATOR " + json.dumps(urls) + "\n")
        sys.stdout.flush()
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
