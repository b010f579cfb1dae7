"""The app's core without a window: ``python -m app.services.headless --help``.

Builds the Studio exactly as the window does (``open_studio``), optionally submits demo
generations, and reports what happens as JSON lines on stdout. It exists so that tests can
kill the core with SIGKILL mid-flight and start it again, as a crash would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.credentials import Credentials
from app.services.connection import ConnectionSpec, open_studio
from app.services.events import GenerationChanged, GenerationState, ImageStored, ServiceEvent
from app.services.studio import Studio
from app.storage.paths import AppPaths

DEMO_PROMPTS = (
    "a lighthouse on a cliff at dusk, oil painting",
    "a red fox asleep in fresh snow, soft morning light",
    "a paper boat on a rainy street, reflections, cinematic",
    "an old library with floating candles, warm light",
    "a hummingbird made of stained glass, macro photo",
    "a desert caravan under the milky way, long exposure",
    "a cozy cabin in a pine forest, watercolor",
    "a koi pond seen from above, autumn leaves, ukiyo-e",
)


def _say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}, ensure_ascii=False), flush=True)


def demo_values(number: int, samples: int, size: int) -> dict[str, Any]:
    return {
        "prompt": DEMO_PROMPTS[number % len(DEMO_PROMPTS)],
        "samples": samples,
        "steps": 8,
        "seed": str(1000 + number * 10),
        "width": size,
        "height": size,
    }


def summary(state: GenerationState) -> dict[str, Any]:
    return {
        "id": state.id,
        "phase": state.phase.value,
        "task_id": state.task_id,
        "error": state.error,
        "images": [
            {"index": i.index, "path": str(i.path), "sha256": i.sha256} for i in state.images
        ],
    }


class Reporter:
    """Prints a line when a generation gets its task id, stores an image, or ends."""

    def __init__(self) -> None:
        self.task_ids: dict[int, str] = {}
        self.ended: set[int] = set()

    def __call__(self, event: ServiceEvent) -> None:
        if isinstance(event, ImageStored):
            _say("image", id=event.image.generation_id, index=event.image.index)
        elif isinstance(event, GenerationChanged):
            state = event.generation
            if state.task_id and state.id not in self.task_ids:
                self.task_ids[state.id] = state.task_id
                _say("task", id=state.id, task_id=state.task_id)
            if state.is_final and state.id not in self.ended:
                self.ended.add(state.id)
                _say("final", **summary(state))


async def run(args: argparse.Namespace) -> int:
    spec = ConnectionSpec(
        base_url=args.base_url,
        socket_url=args.socket_url,
        credentials=Credentials(args.key, args.secret),
        demo=args.demo_profile,
    )
    started = time.monotonic()
    studio: Studio = await open_studio(spec, AppPaths.under(Path(args.root)), retry_delay=0.2)
    reporter = Reporter()
    studio.subscribe(reporter)
    resumed = [s for s in studio.ledger.all() if not s.is_final]
    _say("started", resumed=[s.id for s in resumed], phases={s.id: s.phase.value for s in resumed})
    for state in studio.ledger.all():
        reporter(GenerationChanged(state))
    for number in range(args.submit):
        if number and args.stagger > 0:
            await asyncio.sleep(args.stagger)
        state = await studio.submit(demo_values(number, args.samples, args.size))
        _say("submitted", id=state.id)
    if args.upscale:
        await _upscale_one(studio, args)
    if not args.exit_when_done:
        await asyncio.Event().wait()  # runs until killed
    deadline = started + args.timeout
    code = 0
    while studio.in_flight():
        if time.monotonic() > deadline:
            code = 3
            break
        await asyncio.sleep(0.05)
    states = await studio.history(limit=10_000)
    _say(
        "done" if code == 0 else "timeout",
        seconds=round(time.monotonic() - started, 2),
        generations=[summary(s) for s in states],
    )
    await studio.aclose()
    return code


async def _upscale_one(studio: Studio, args: argparse.Namespace) -> None:
    """Generates one image, then upscales it (the derived task is what a test kills)."""
    from app.services.derive import upscale

    ended = asyncio.Event()
    state = await studio.submit(demo_values(0, 1, args.size))

    def on_event(event: ServiceEvent) -> None:
        if not isinstance(event, GenerationChanged):
            return
        if event.generation.id == state.id and event.generation.is_final:
            ended.set()

    unsubscribe = studio.subscribe(on_event)
    try:
        if not (studio.generation(state.id) or state).is_final:
            await ended.wait()
    finally:
        unsubscribe()
    current = studio.generation(state.id) or state
    if not current.images:
        _say("source_failed", **summary(current))
        return
    derived = await upscale(studio, current.images[0].id, scale=args.upscale)
    _say("upscale_submitted", id=derived.id, source=current.images[0].id)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.services.headless", description=__doc__)
    p.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:PORT/v1")
    p.add_argument("--socket-url", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--secret", default=None)
    p.add_argument("--root", required=True, help="folder for data, cache, config and logs")
    p.add_argument("--demo-profile", action="store_true", help="use the demo profile's library")
    p.add_argument("--submit", type=int, default=0, help="generations to submit at start")
    p.add_argument("--samples", type=int, default=2)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--upscale", type=int, default=0, help="generate one image, upscale it ×N")
    p.add_argument("--stagger", type=float, default=0.0, help="seconds between submissions")
    p.add_argument(
        "--resume-only",
        action="store_true",
        help="submit nothing; re-attach unfinished work and exit when it has ended",
    )
    p.add_argument("--exit-when-done", action="store_true")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds, with --exit-when-done")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.resume_only:
        args.submit, args.exit_when_done = 0, True
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
