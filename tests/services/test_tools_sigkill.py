"""An upscale SIGKILLed mid-flight: the restarted core follows the same Wiro task to its
image (exactly 4× the source), with no second Run and no second upload."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.services.test_resume_sigkill import Proc, admin, core, db_rows, emulator_process

__all__ = ["emulator_process"]  # the fixture, shared with the generate SIGKILL test

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
SIZE = 128


def test_sigkill_mid_upscale_then_restart_finishes_it_once(
    emulator_process, tmp_path: Path
) -> None:
    base, socket = emulator_process
    first: Proc = core(base, socket, tmp_path, "--upscale", "4", "--size", str(SIZE))
    try:

        def upscale_running(ev: list[dict[str, Any]]) -> bool:
            ids = [e["id"] for e in ev if e["event"] == "upscale_submitted"]
            return bool(ids) and any(e["event"] == "task" and e["id"] == ids[0] for e in ev)

        events = first.events(upscale_running, 60)
        derived = next(e["id"] for e in events if e["event"] == "upscale_submitted")
        os.kill(first.popen.pid, signal.SIGKILL)
    finally:
        first.stop()
    assert first.popen.returncode == -signal.SIGKILL
    gens, images = db_rows(tmp_path)
    row = next(g for g in gens if g["id"] == derived)
    assert row["task_id"] and row["phase"] != "succeeded", "killed while the upscale ran"
    assert row["tool"] == "xinntao/Real-ESRGAN" and row["parent_image_id"] is not None

    second = core(base, socket, tmp_path, "--resume-only", "--timeout", "60")
    try:
        done = second.events(lambda ev: any(e["event"] in ("done", "timeout") for e in ev), 90)
        assert second.popen.wait(30) == 0, "".join(second.stderr)[-3000:]
    finally:
        second.stop()
    assert any(e["event"] == "done" for e in done)
    stats = admin(base, "stats")
    gens, images = db_rows(tmp_path)
    assert [g["phase"] for g in gens] == ["succeeded", "succeeded"]
    assert stats["run_calls"] == 2 and stats["tasks_created"] == 2
    assert stats["requests"].get("File/Upload") == 1
    upscaled = next(i for i in images if i["generation_id"] == derived)
    with Image.open(upscaled["path"]) as img:
        assert img.size == (SIZE * 4, SIZE * 4)
    assert (upscaled["width"], upscaled["height"]) == (SIZE * 4, SIZE * 4)
