"""Latency to pixels, and wire efficiency, in several watcher modes.

For each generation: from the moment the emulator marks its task ``task_postprocess_end`` to
the moment the gallery first paints the *last* of its 4 tiles (512×512) with decoded pixels
(the ``gallery_delegate.PAINT_PROBE`` hook). Each mode has a fresh app and a fresh emulator:

- ``socket``: the app as shipped (WebSocket push, Task/Detail only on subscribe and at the end),
  up to three generations in flight; 100 generations in the full run, so its connection count
  is a count "per 100 tasks", not an extrapolation;
- ``socket_sequential``: the same, one generation at a time, 5.5-6.5 s apart (how an artist
  often works): what the socket and keep-alive cost when work does not overlap. 100
  generations in the full run (warm-up included, about 13 minutes), so "TCP connections per
  100 generations" is counted, not scaled up from a few; ``--quick`` runs 2 and says so;
- ``polling``: a watcher whose socket always fails, so it polls Task/Detail every 2 s;
- ``baseline_3s``: a watcher that only polls, every 3 s, as Wiro's own SDK does.

Each generation is submitted after a random pause (0-0.3 s; sequential: see above), so
polling phases are spread evenly; at most three are in flight so every running generation
stays on screen (1600×1100 window, 160 px tiles). The emulator runs in its own process (see
emulator_process.py): its rendering and serving do not compete with the app for the GIL; its
stamps share our clock. The client's own overhead is the latency minus the download time
(first image requested to last image stored on disk, over the task's 4 images).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.common import (
    AppUnderTest,
    PaintLog,
    RemoteEmulator,
    client_connections,
    emit_result,
    emulator_config,
    log,
    machine_load,
    median,
    rounded,
    run_on_qasync,
    run_values,
    shared_clock,
    summary,
    wait_for,
)

WINDOW = (1600, 1100)
TILE = 160
WARMUP_TASKS = 2


async def refuse_socket(url: str) -> Any:
    raise OSError("benchmark: the WebSocket is disabled, the watcher falls back to polling")


def watcher_options(mode: str) -> dict[str, Any]:
    if mode == "socket":
        return {}
    if mode == "polling":
        return {"connect": refuse_socket}  # the default poll_interval (2 s)
    if mode == "baseline_3s":
        return {"connect": refuse_socket, "poll_interval": 3.0, "healthy_poll_interval": 3.0}
    raise ValueError(mode)


class DownloadClock:
    """Wraps the studio client's download(): start and end of each image, by file path."""

    def __init__(self, client: Any) -> None:
        self.spans: dict[str, tuple[float, float]] = {}
        original = client.download

        async def timed(url: str, dest: Path, expected_size: int | None = None) -> Any:
            began = time.perf_counter()
            try:
                return await original(url, dest, expected_size=expected_size)
            finally:
                self.spans[str(dest)] = (began, time.perf_counter())

        client.download = timed


class StageClock:
    """When each image was stored (ImageStored event) and its thumbnail decoded (loader)."""

    def __init__(self, studio: Any, loader: Any) -> None:
        from app.services.events import ImageStored

        self.stored: dict[int, float] = {}
        self.decoded: dict[str, float] = {}

        def on_event(event: object) -> None:
            if isinstance(event, ImageStored):
                self.stored.setdefault(event.image.id, time.perf_counter())

        def on_loaded(path: str, _side: int) -> None:
            self.decoded.setdefault(path, time.perf_counter())

        studio.subscribe(on_event)
        loader.image_loaded.connect(on_loaded)


@dataclass(frozen=True)
class Mode:
    """How one latency run submits work and how its watcher is configured."""

    name: str
    watcher: str  # "socket", "polling" or "baseline_3s"
    in_flight: int = 3
    pause: tuple[float, float] = (0.0, 0.3)
    run_seconds: float = 1.5  # 20 progress frames over ~0.8 s: a fast GPU's pace


MODES = {
    "socket": Mode("socket", "socket"),
    # 5.5-6.5 s between generations: longer than httpx's default keep-alive (5 s)
    "socket_sequential": Mode("socket_sequential", "socket", in_flight=1, pause=(5.5, 6.5)),
    "polling": Mode("polling", "polling", run_seconds=0.8),
    "baseline_3s": Mode("baseline_3s", "baseline_3s", run_seconds=0.8),
}


def emulator_for(mode: Mode) -> Any:
    options = {"queue_seconds": 0.1, "run_seconds": mode.run_seconds}
    if shared_clock():
        return RemoteEmulator(**options)
    from app.emulator.runner import Emulator  # no shared clock: same process, same clock

    return Emulator(emulator_config(**options))


async def run_mode(
    qapp: Any, mode: Mode, tasks: int, seed: int, warmup: int = WARMUP_TASKS
) -> dict[str, Any]:
    rng = random.Random(seed)
    paints = PaintLog()
    paints.install()
    options = {"watcher_options": watcher_options(mode.watcher)}
    with emulator_for(mode) as emu, tempfile.TemporaryDirectory(prefix="wiro-bench-") as root:
        app = AppUnderTest(qapp, Path(root), emu, options)
        try:
            await app.start(size=WINDOW)
            app.window.gallery.set_tile_size(TILE)
            studio = app.studio
            downloads = DownloadClock(studio.client)
            stages = StageClock(studio, app.window.loader)
            base = app.window.form.values_for_run()
            submitted: list[int] = []
            total = warmup + tasks
            deadline = time.monotonic() + 60 + total * (8.0 + mode.pause[1])

            def in_flight() -> int:
                return sum(1 for g in submitted if not _done(studio, paints, g))

            for index in range(total):
                await wait_for(
                    lambda: in_flight() < mode.in_flight, 60, "a free slot", app.run_task
                )
                await asyncio.sleep(rng.uniform(*mode.pause))
                state = await studio.submit(run_values(index, base))
                submitted.append(state.id)
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{mode.name}: too slow")
            await wait_for(
                lambda: in_flight() == 0,
                max(10.0, deadline - time.monotonic()),
                f"{mode.name} to finish",
            )
            await asyncio.sleep(0.2)
            client_stats = dict(studio.client.stats)
        finally:
            await app.stop()
        stats = emu.stats()
    PaintLog.uninstall()
    measured = submitted[warmup:]
    result = _analyse(mode.name, studio, measured, paints, downloads, stats, total)
    return (
        result
        | {"stages_median_ms": _stages(studio, measured, downloads, stages, paints)}
        | {"client_requests": client_stats, "emulator_process": shared_clock()}
    )


def _stages(
    studio: Any, measured: list[int], downloads: DownloadClock, stages: StageClock, paints: PaintLog
) -> dict[str, float]:
    """After the last download of a task ends: until its last image is stored (check, row,
    event), then until its last thumbnail is decoded, then until its last tile is painted."""
    store, decode, paint = [], [], []
    for gid in measured:
        state = studio.generation(gid)
        if state is None or not state.images:
            continue
        try:
            ended = max(downloads.spans[str(i.path)][1] for i in state.images)
            stored = max(stages.stored[i.id] for i in state.images)
            decoded = max(stages.decoded[str(i.path)] for i in state.images)
            painted = max(paints.first[i.id] for i in state.images)
        except KeyError:
            continue
        store.append((stored - ended) * 1000)
        decode.append((decoded - stored) * 1000)
        paint.append((painted - decoded) * 1000)
    return {
        "downloaded_to_stored": rounded(median(store)),
        "stored_to_decoded": rounded(median(decode)),
        "decoded_to_painted": rounded(median(paint)),
    }


def _done(studio: Any, paints: PaintLog, gid: int) -> bool:
    state = studio.generation(gid)
    if state is None or not state.is_final:
        return False
    return all(i.id in paints.first for i in state.images) or state.phase.value != "succeeded"


def _analyse(
    mode: str,
    studio: Any,
    measured: list[int],
    paints: PaintLog,
    downloads: DownloadClock,
    stats: dict[str, Any],
    total_tasks: int,
) -> dict[str, Any]:
    latency, overhead, notify, download, after = [], [], [], [], []
    problems: list[str] = []
    detail_calls: list[int] = []
    for gid in measured:
        state = studio.generation(gid)
        if state is None or state.phase.value != "succeeded" or len(state.images) != 4:
            problems.append(f"generation {gid}: {state.phase.value if state else 'missing'}")
            continue
        ended = stats["postprocess_end_at"].get(str(state.task_id))
        painted = [paints.first.get(i.id) for i in state.images]
        spans = [downloads.spans.get(str(i.path)) for i in state.images]
        if ended is None or None in painted or None in spans:
            problems.append(f"generation {gid}: not painted or not timed")
            continue
        last_paint = max(painted)  # type: ignore[type-var]
        first_start = min(s[0] for s in spans)  # type: ignore[index]
        last_end = max(s[1] for s in spans)  # type: ignore[index]
        ms = (last_paint - ended) * 1000
        latency.append(ms)
        download.append((last_end - first_start) * 1000)
        overhead.append(ms - download[-1])
        notify.append((first_start - ended) * 1000)
        after.append((last_paint - last_end) * 1000)
        detail_calls.append(int(stats["task_detail_calls"].get(str(state.task_id), 0)))
    result: dict[str, Any] = {
        "mode": mode,
        "latency_ms": summary(latency),
        "overhead_ms": summary(overhead),
        "breakdown_median_ms": {
            "notify": rounded(median(notify)),
            "download": rounded(median(download)),
            "store_decode_paint": rounded(median(after)),
        },
        "detail_calls_per_task": rounded(sum(detail_calls) / len(detail_calls), 2)
        if detail_calls
        else None,
        "detail_calls_max": max(detail_calls, default=None),
        "tasks": total_tasks,
        "measured": len(latency),
        "problems": problems[:10],
        "emulator": {
            "tcp_connections": stats["tcp_connections"],
            "http_connections": stats["http_connections"],
            "websocket_connections": stats["websocket_connections"],
            "connections_opened_by": stats["connections_opened_by"],
            "requests": stats["requests"],
        },
    }
    per_100 = 100 / total_tasks  # 1 in the full run: 100 generations, warm-up included
    result["connections_counted_over"] = total_tasks
    result["tcp_connections_per_100"] = rounded(client_connections(stats) * per_100, 1)
    opened = stats["connections_opened_by"]
    result["api_connections_per_100"] = rounded(opened["api"] * per_100, 1)
    # the API host of real Wiro: REST calls and the socket (its CDN is another host)
    result["api_host_connections_per_100"] = rounded(
        (opened["api"] + opened["socket"]) * per_100, 1
    )
    result["requests_per_task"] = {
        k: rounded(v / total_tasks, 2) for k, v in stats["requests"].items()
    }
    return result


async def run_all(qapp: Any, counts: dict[str, int], quick: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"load_before": machine_load()}
    for seed, (name, count) in enumerate(counts.items()):
        mode = MODES[name]
        if quick and mode.pause[0] > 1:
            mode = dataclasses.replace(mode, pause=(0.2, 0.4))  # the shape, not the keep-alive
        warmup = 1 if quick else WARMUP_TASKS
        log(f"latency: {name}, {count} generations (+{warmup} warm-up)")
        out[name] = await run_mode(qapp, mode, count, seed, warmup)
    out["load_after"] = machine_load()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run")
    parser.add_argument("--mode", choices=MODES, action="append", help="only these modes")
    parser.add_argument("--tasks", type=int, help="generations per mode (e.g. for profiling)")
    args = parser.parse_args(argv)
    counts = (
        {"socket": 3, "socket_sequential": 1, "polling": 2, "baseline_3s": 2}
        if args.quick
        else {"socket": 98, "socket_sequential": 98, "polling": 30, "baseline_3s": 30}
    )
    counts = {k: args.tasks or v for k, v in counts.items() if not args.mode or k in args.mode}
    emit_result(run_on_qasync(lambda qapp: run_all(qapp, counts, args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
