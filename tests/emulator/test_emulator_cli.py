"""`python -m app.emulator` driven as a subprocess with nothing but curl and openssl."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
KEY = "cli-key-5f2a"
SECRET = "cli-secret-81d0c4"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("openssl") and shutil.which("bash")),
    reason="needs curl, openssl and bash",
)

# The tool page's own recipe: NONCE, an openssl HMAC, and curl with its (mislabelled) header.
CURL = r"""
set -euo pipefail
NONCE=$(date +%s%N)
SIGNATURE="$(printf %s "${YOUR_API_SECRET}${NONCE}" | openssl dgst -sha256 -hmac "${YOUR_API_KEY}")"
SIGNATURE="${SIGNATURE##* }"
curl -sS -X POST "${BASE}/${ENDPOINT}" -H "Content-Type: multipart/form-data" \
  -H "x-api-key: ${YOUR_API_KEY}" -H "x-nonce: ${NONCE}" -H "x-signature: ${SIGNATURE}" \
  -w '\n%{http_code}' -d "${BODY}"
"""


@dataclass
class Cli:
    """A running emulator subprocess and what it printed."""

    process: subprocess.Popen[str]
    base: str
    lines: list[str]

    def curl(
        self, endpoint: str, body: dict[str, Any], secret: str = SECRET
    ) -> tuple[int, dict[str, Any]]:
        env = {
            **os.environ,
            "BASE": self.base,
            "ENDPOINT": endpoint,
            "BODY": json.dumps(body),
            "YOUR_API_KEY": KEY,
            "YOUR_API_SECRET": secret,
        }
        done = subprocess.run(
            ["bash", "-c", CURL], env=env, capture_output=True, text=True, timeout=20, check=True
        )
        text, _, status = done.stdout.rpartition("\n")
        return int(status), json.loads(text)

    def detail(self, taskid: str) -> dict[str, Any]:
        status, answer = self.curl("Task/Detail", {"taskid": taskid})
        assert status == 200 and answer["result"] is True, answer
        return answer["tasklist"][0]


def _read_lines(process: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """The first ``count`` stdout lines, read on a helper thread so the wait stays bounded."""
    stream = process.stdout
    assert stream is not None
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for _ in range(count):
            found.put(stream.readline())

    threading.Thread(target=pump, daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < count:
        try:
            line = found.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"printed only {lines}") from None
        assert line, f"emulator exited early: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def _start(*args: str, lines: int = 2) -> Cli:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.emulator", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    printed = _read_lines(process, lines, timeout=20)
    match = re.fullmatch(r"Wiro emulator listening on (http://127\.0\.0\.1:(\d+)/v1)", printed[0])
    assert match and int(match.group(2)) > 0, printed
    assert printed[1] == f"Wiro emulator socket on ws://127.0.0.1:{match.group(2)}/socket/v1"
    return Cli(process, match.group(1), printed)


def _interrupt(cli: Cli) -> tuple[int, str]:
    if cli.process.poll() is None:
        cli.process.send_signal(signal.SIGINT)
    try:
        _, stderr = cli.process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        cli.process.kill()
        _, stderr = cli.process.communicate()
    return cli.process.returncode, stderr


@pytest.fixture
def cli() -> Iterator[Cli]:
    running = _start(
        "--key", KEY, "--secret", SECRET, "--queue-seconds", "0.2", "--run-seconds", "0.5"
    )
    try:
        yield running
    finally:
        code, stderr = _interrupt(running)
        assert code == 0, stderr
        assert "Traceback" not in stderr, stderr


def _wait(cli: Cli, taskid: str, until: tuple[str, ...], timeout: float = 15.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (task := cli.detail(taskid))["status"] not in until:
        assert time.monotonic() < deadline, task["status"]
        time.sleep(0.05)
    return task


def test_tool_page_recipe_end_to_end(cli: Cli, tmp_path: Path) -> None:
    body = {"prompt": "a harbour at dawn", "samples": "2", "width": 192, "height": 128}
    status, run = cli.curl("Run/Lykon/dreamshaper-8", body)
    assert status == 200 and run["result"] is True and run["errors"] == []
    task = _wait(cli, run["taskid"], ("task_postprocess_end", "task_cancel"))
    assert task["status"] == "task_postprocess_end" and task["pexit"] == "0"
    assert [o["name"] for o in task["outputs"]] == ["0.png", "1.png"]
    for output in task["outputs"]:
        target = tmp_path / output["name"]
        subprocess.run(["curl", "-sSf", "-o", str(target), output["url"]], check=True, timeout=20)
        assert target.stat().st_size == int(output["size"])
        with Image.open(target) as image:
            assert image.format == "PNG" and image.size == (192, 128)


def test_wrong_signature_is_401(cli: Cli) -> None:
    status, answer = cli.curl("Task/Detail", {"tasktoken": "probe"}, secret="not-the-secret")
    assert status == 401
    assert answer["errors"][0]["message"] == "Project authorization is not valid."
    status, answer = cli.curl("Task/Detail", {"tasktoken": "probe"})
    assert status == 200 and answer["errors"][0]["message"] == "There is no task yet."


def test_cancel_queued_and_kill_running(cli: Cli) -> None:
    _, queued = cli.curl("Run/Lykon/dreamshaper-8", {"prompt": "cancel me", "samples": 1})
    status, cancelled = cli.curl("Task/Cancel", {"taskid": queued["taskid"]})
    assert status == 200 and cancelled["result"] is True, cancelled
    assert cancelled["tasklist"][0]["status"] == "task_cancel"

    _, running = cli.curl("Run/Lykon/dreamshaper-8", {"prompt": "kill me", "samples": 1})
    # Kill is documented "for running tasks": the emulator refuses it before task_assign.
    _wait(cli, running["taskid"], ("task_assign", "task_start", "task_output"))
    status, killed = cli.curl("Task/Kill", {"socketaccesstoken": running["socketaccesstoken"]})
    assert status == 200 and killed["result"] is True, killed
    assert cli.detail(running["taskid"])["status"] == "task_cancel"


def test_defaults_print_demo_credentials_and_flags_apply() -> None:
    running = _start("--key-only", "--concurrency-limit", "3", "--fail-rate", "0.25", lines=3)
    try:
        assert running.lines[2] == "Demo project: x-api-key wiro-demo-key, API key only"
        origin = running.base.removesuffix("/v1")
        done = subprocess.run(
            ["curl", "-sS", f"{origin}/_emulator/config"],
            capture_output=True,
            text=True,
            timeout=20,
        )
        config = json.loads(done.stdout)
        assert config["api_secret"] is None and config["concurrency_limit"] == 3
        assert config["fail_rate"] == 0.25
    finally:
        code, stderr = _interrupt(running)
    assert code == 0 and "Traceback" not in stderr, stderr


def test_sigterm_also_exits_cleanly() -> None:
    running = _start("--key", KEY, "--secret", SECRET)
    running.process.send_signal(signal.SIGTERM)
    _, stderr = running.process.communicate(timeout=20)
    assert running.process.returncode == 0 and "Traceback" not in stderr, stderr
