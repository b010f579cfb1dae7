"""`make soak`: the app's core against a misbehaving emulator, ending with one SOAK line.

The same services the window uses (``open_studio``: client, watcher, studio, history, library),
without widgets, talk to the offline emulator on loopback while it injects faults:

- 20% HTTP 503 on Task/Detail;
- 10% dropped connections on the read endpoints (Task/Detail and the CDN). Run is spared on
  purpose: a Run whose answer is lost may have started a billable task, so the core marks it
  "unknown, check your dashboard" and never resends it (tests/services cover that path);
- 5% truncated downloads (full Content-Length announced, half the body, then a hang-up);
- the WebSocket cut every few seconds;
- a concurrency limit of 3 (error 96), so most Runs first wait in the local queue.

Every stored image is then checked against the bytes the emulator served: its size, its
sha256, and a full decode. The last line printed is
``SOAK {"submitted": …, "completed": …, "runs_seen_by_server": …, "corrupt_files": …,
"lost": …, "seconds": …}``; the exit status is 0 only when completed = submitted =
runs_seen_by_server and nothing is corrupt or lost. Bounded: ``--timeout`` (default 600 s)
caps the run, and a watchdog ends the process if even the shutdown hangs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from app.core.credentials import Credentials
from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from app.services.connection import ConnectionSpec, open_studio
from app.services.events import GenerationState, Notice, Phase
from app.services.studio import Studio
from app.storage.paths import AppPaths

KEY = "soak-key-7d1c0a5e"
SECRET = "soak-secret-4b9f2e61a8"

FAULTS: dict[str, Any] = {
    "http_error_rate": 0.20,
    "http_error_status": 503,
    "http_error_endpoints": ("Task/Detail",),
    "drop_rate": 0.10,
    "drop_endpoints": ("Task/Detail", "cdn"),
    "drop_after_handling": True,
    "truncate_rate": 0.05,
    "ws_drop_seconds": 3.0,
    "ws_drop_mode": "abort",
    "concurrency_limit": 3,
}


@dataclass
class SoakResult:
    """What one soak run saw; ``line()`` is the SOAK line, ``details`` the rest."""

    submitted: int = 0
    completed: int = 0
    runs_seen_by_server: int = 0
    corrupt_files: int = 0
    lost: int = 0
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            self.submitted == self.completed == self.runs_seen_by_server
            and self.corrupt_files == 0
            and self.lost == 0
        )

    def summary(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "completed": self.completed,
            "runs_seen_by_server": self.runs_seen_by_server,
            "corrupt_files": self.corrupt_files,
            "lost": self.lost,
            "seconds": round(self.seconds, 1),
        }

    def line(self) -> str:
        return "SOAK " + json.dumps(self.summary())


def emulator_config(seed: int, *, queue_seconds: float, run_seconds: float) -> EmulatorConfig:
    return EmulatorConfig(
        api_key=KEY,
        api_secret=SECRET,
        queue_seconds=queue_seconds,
        run_seconds=run_seconds,
        seed=seed,
        **FAULTS,
    )


def request_values(index: int, samples: int) -> dict[str, Any]:
    return {
        "prompt": f"soak test {index}: a lighthouse on a cliff at dusk, volumetric light",
        "samples": samples,
        "steps": 12,
        "width": 128,
        "height": 96,
        "seed": str(1000 + index * 10),
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def served_bytes(emu: Emulator, url: str) -> bytes | None:
    """The bytes the emulator's CDN holds for ``url`` (the ground truth for a download)."""
    parts = urlsplit(url).path.split("/")
    if len(parts) < 4 or parts[1] != "cdn":
        return None
    stored = emu.app.state.files.get(parts[2], {}).get(parts[3])
    return stored.data if stored is not None else None


def check_image(path: Path, size: int, sha256: str, served: bytes | None) -> str | None:
    """Why a stored file is corrupt (size, sha256 or decode), or None when it is intact."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"unreadable: {exc}"
    if len(data) != size or (served is not None and len(data) != len(served)):
        return f"size {len(data)} != {size}"
    digest = _sha256(data)
    if digest != sha256 or (served is not None and digest != _sha256(served)):
        return "sha256 mismatch"
    try:
        with Image.open(path) as img:
            img.load()
    except Exception as exc:
        return f"does not decode: {type(exc).__name__}"
    return None


async def _wait_final(studio: Studio, ids: list[int], deadline: float) -> None:
    while time.monotonic() < deadline:
        states = [studio.generation(i) for i in ids]
        if all(s is not None and s.is_final for s in states):
            return
        await asyncio.sleep(0.1)


async def _verify(
    emu: Emulator, studio: Studio, ids: list[int], samples: int, result: SoakResult
) -> None:
    phases: dict[str, int] = {}
    problems: list[str] = []
    for gid in ids:
        state: GenerationState | None = studio.generation(gid)
        if state is None:
            result.lost += 1
            problems.append(f"generation {gid}: missing")
            continue
        phases[state.phase.value] = phases.get(state.phase.value, 0) + 1
        if not state.is_final:
            result.lost += 1
            problems.append(f"generation {gid}: still {state.phase.value} ({state.error})")
            continue
        if state.phase is not Phase.SUCCEEDED:
            problems.append(f"generation {gid}: {state.phase.value}: {state.error}")
            continue
        task = emu.task(state.task_id) if state.task_id else None  # the server's own record
        outputs = {o.get("name"): o for o in (task or {}).get("outputs") or []}
        intact = 0
        for image in state.images:
            output = outputs.get(f"{image.index}.png")
            served = served_bytes(emu, output["url"]) if output else None
            why = check_image(image.path, image.size, image.sha256, served)
            if why is None and served is None:
                why = "no matching output on the server"
            if why is not None:
                result.corrupt_files += 1
                problems.append(f"generation {gid} image {image.index}: {why}")
            else:
                intact += 1
        if intact == samples == len(state.images):
            result.completed += 1
        elif len(state.images) < samples:
            result.lost += 1
            problems.append(f"generation {gid}: {len(state.images)} of {samples} images")
    result.details["phases"] = phases
    result.details["problems"] = problems[:20]


async def run_soak(
    *,
    count: int = 100,
    samples: int = 2,
    timeout: float = 600.0,
    seed: int = 7,
    root: Path,
    queue_seconds: float = 0.2,
    run_seconds: float = 0.8,
    studio_options: dict[str, Any] | None = None,
    result: SoakResult | None = None,
) -> SoakResult:
    """Submits ``count`` generations under the fault mix and checks what arrived."""
    result = result if result is not None else SoakResult()
    started = time.monotonic()
    deadline = started + timeout
    config = emulator_config(seed, queue_seconds=queue_seconds, run_seconds=run_seconds)
    notices: list[str] = []
    with Emulator(config) as emu:
        spec = ConnectionSpec(
            base_url=emu.base_url,
            socket_url=emu.socket_url,
            credentials=Credentials(KEY, SECRET),
        )
        studio = await open_studio(spec, AppPaths.under(root), **(studio_options or {}))
        studio.subscribe(lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
        ids: list[int] = []
        try:
            for index in range(count):
                state = await studio.submit(request_values(index, samples))
                ids.append(state.id)
                result.submitted += 1
            await _wait_final(studio, ids, deadline)
            result.seconds = time.monotonic() - started
            await _verify(emu, studio, ids, samples, result)
        finally:
            await asyncio.wait_for(studio.aclose(), 30)
        stats = emu.stats()
        result.runs_seen_by_server = stats["tasks_created"]
        result.details.update(
            run_requests=stats["run_calls"],
            refused_for_concurrency=sum("concurrency" in n for n in notices),
            requests=stats["requests"],
            faults=stats["faults"],
            websocket_connections=stats["websocket_connections"],
            downloads=stats["downloads"],
            secret_violations=stats["secret_violations"],
            client=dict(studio.client.stats),
        )
    return result


def _watchdog(seconds: float) -> None:
    def expire() -> None:
        time.sleep(seconds)
        sys.stderr.write(f"soak: watchdog expired after {seconds:.0f} s\n")
        sys.stderr.flush()
        os._exit(3)

    threading.Thread(target=expire, name="soak-watchdog", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="generations to submit")
    parser.add_argument("--samples", type=int, default=2, help="images per generation")
    parser.add_argument("--timeout", type=float, default=600.0, help="hard cap in seconds")
    parser.add_argument("--seed", type=int, default=7, help="the emulator's fault seed")
    parser.add_argument("--keep", type=Path, help="keep the data folder here (else a temp dir)")
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 10_000 or not 1 <= args.samples <= 4 or args.timeout <= 0:
        parser.error("count 1..10000, samples 1..4, timeout > 0")
    _watchdog(args.timeout + 90)
    with tempfile.TemporaryDirectory(prefix="wiro-soak-") as temp:
        root = args.keep or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            filename=root / "soak.log",
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        for noisy in ("httpx", "httpcore", "websockets", "uvicorn", "uvicorn.error"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        print(
            f"soak: {args.count} generations x {args.samples} images, faults {FAULTS}", flush=True
        )
        result = SoakResult()
        try:
            asyncio.run(
                run_soak(
                    count=args.count,
                    samples=args.samples,
                    timeout=args.timeout,
                    seed=args.seed,
                    root=root,
                    result=result,
                )
            )
        except Exception as exc:  # still end with the SOAK line, counting what is known
            result.details["error"] = repr(exc)
            result.lost = max(result.lost, result.submitted - result.completed)
        print("soak details: " + json.dumps(result.details, sort_keys=True), flush=True)
        print(result.line(), flush=True)
    return 0 if result.ok and "error" not in result.details else 1


if __name__ == "__main__":
    sys.exit(main())
