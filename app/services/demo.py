"""The offline demo: the emulator on a loopback port in a background thread."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.credentials import Credentials


@dataclass
class DemoServer:
    """A running emulator and the throw-away credentials it accepts."""

    runner: Any
    credentials: Credentials

    @property
    def base_url(self) -> str:
        return str(self.runner.base_url)

    @property
    def socket_url(self) -> str:
        return str(self.runner.socket_url)

    @classmethod
    def start(
        cls,
        queue_seconds: float = 0.6,
        run_seconds: float = 2.5,
        state_path: str | Path | None = None,
    ) -> DemoServer:
        """Blocking (a second at most): call it off the GUI thread.

        With ``state_path`` the emulator keeps its tasks in that file, so generations still
        running when the app was killed finish after the next start (new port, new keys:
        tasks are found by id or token, whatever credentials ask)."""
        from app.emulator.config import EmulatorConfig
        from app.emulator.runner import Emulator

        key, secret = "demo-" + secrets.token_hex(8), secrets.token_hex(16)
        config = EmulatorConfig(
            api_key=key,
            api_secret=secret,
            queue_seconds=queue_seconds,
            run_seconds=run_seconds,
            state_path=None if state_path is None else str(state_path),
        )
        runner = Emulator(config, host="127.0.0.1", port=0)
        runner.start()
        return cls(runner=runner, credentials=Credentials(key, secret))

    def stop(self) -> None:
        self.runner.stop()
