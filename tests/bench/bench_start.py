"""Start time: process start to an interactive main window, next to a bare PySide6 window.

Three kinds of process, started in turn (interleaved, so machine noise hits all alike):
a bare QMainWindow; the app (offline demo) on an empty library; the app on a library of
10,000 images. Each time is from the parent's perf_counter just before spawning to the child's
"interactive" stamp (see tests/bench/child.py); the figure is the median over the runs, the
app's as a ratio to the bare window's. One uncounted warm-up run of each fills the OS file
cache and the bytecode cache first.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.common import emit_result, log, machine_load, median, rounded
from tests.bench.spawn import child_env, ensure_library, run_child


def measure(library: Path, images: int, runs: int, work: Path) -> dict[str, Any]:
    env = child_env(work / "pycache")
    empty = work / "empty"
    kinds: dict[str, list[str]] = {
        "bare": ["bare"],
        "empty": ["app", "--data-dir", str(empty)],
        "library": ["app", "--data-dir", str(library), "--images", str(images)],
    }
    seconds: dict[str, list[float]] = {k: [] for k in kinds}
    painted: dict[str, list[float]] = {k: [] for k in kinds}
    for attempt in range(runs + 1):
        for kind, args in kinds.items():
            result = run_child(args, env)
            if attempt == 0:
                continue  # warm-up
            seconds[kind].append(result["ready"] - result["spawned"])
            painted[kind].append(result["window_painted"] - result["spawned"])
        if attempt:
            log(f"start run {attempt}/{runs}: " + ", ".join(
                f"{k} {v[-1]:.3f} s" for k, v in seconds.items()))  # fmt: skip
    bare = median(seconds["bare"])
    return {
        "bare_s": rounded(bare, 3),
        "empty_s": rounded(median(seconds["empty"]), 3),
        "library_s": rounded(median(seconds["library"]), 3),
        "empty_ratio": rounded(median(seconds["empty"]) / bare, 2),
        "library10k_ratio": rounded(median(seconds["library"]) / bare, 2),
        "library_images": images,
        "window_first_paint_s": {k: rounded(median(v), 3) for k, v in painted.items()},
        "runs": {k: [round(x, 3) for x in v] for k, v in seconds.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run")
    parser.add_argument("--library", type=Path, help="a library built by tests.bench.library")
    parser.add_argument("--images", type=int, help="images in the library (default 10,000)")
    args = parser.parse_args(argv)
    images = args.images or (1000 if args.quick else 10_000)
    runs = 1 if args.quick else 5
    with tempfile.TemporaryDirectory(prefix="wiro-bench-start-") as temp:
        work = Path(temp)
        library = ensure_library(args.library or work / "library", images)
        load = machine_load()
        log(f"start: bare window, empty library, {images} images; {runs} runs each")
        result = measure(library, images, runs, work)
    emit_result(result | {"load_before": load, "load_after": machine_load()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
