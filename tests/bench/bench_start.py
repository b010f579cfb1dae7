"""Start time: process start to first paint, to an interactive window, and to thumbnails.

Five kinds of process, started in turn (interleaved, so machine noise hits all alike):
a bare QMainWindow; two references for the first paint — the same window with ten stock Qt
fields and the app's style sheet (what any styled Qt form costs before the app's own code),
and the app's own window without its form (its layout, docks, menus, banner and imports:
what the window costs around the form); the app (offline demo) on an empty library; the app
on a library of 10,000 images. Every time is from the parent's perf_counter
just before spawning to a stamp taken in the child (see tests/bench/child.py):

- first paint: the main window's first paint event (the bare window's, for the reference);
- interactive: the form painted with Generate enabled and the window's event loop answering
  (a timer set when the window is made fires; typing works, a Generate waits for the
  connection). The bare window: painted, loop idle;
- first screen of thumbnails (with a library): every tile in the gallery's first viewport
  painted with its decoded thumbnail;
- ready: studio bound, first library page in the gallery and painted, loop idle.

Each figure is the median over the runs (5 by default), the app's as a ratio to the bare
window's (first paint to first paint; the others to the bare window being ready). One
uncounted warm-up run of each fills the OS file cache and the bytecode cache first.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.common import emit_result, log, machine_load, median, rounded
from tests.bench.spawn import child_env, ensure_library, run_child

STAMPS = ("window_painted", "interactive", "thumbs_painted", "ready")


def measure(library: Path, images: int, runs: int, work: Path) -> dict[str, Any]:
    env = child_env(work / "pycache")
    empty = work / "empty"
    kinds: dict[str, list[str]] = {
        "bare": ["bare"],
        "form": ["form"],  # ten stock Qt fields with the app's style: the first paint's floor
        "chrome": ["chrome", "--data-dir", str(empty)],  # the app's window, no form (paint only)
        "empty": ["app", "--data-dir", str(empty)],
        "library": ["app", "--data-dir", str(library), "--images", str(images)],
    }
    times: dict[str, dict[str, list[float]]] = {k: {s: [] for s in STAMPS} for k in kinds}
    missing: list[str] = []
    for attempt in range(runs + 1):
        for kind, args in kinds.items():
            result = run_child(args, env)
            if attempt == 0:
                continue  # warm-up
            for stamp in STAMPS:
                if stamp in result:
                    times[kind][stamp].append(result[stamp] - result["spawned"])
            missing += [f"{kind}: {m}" for m in result.get("missing_after_30s", [])]
        if attempt:
            log(f"start run {attempt}/{runs}: " + ", ".join(
                f"{k} {v['ready'][-1]:.3f} s" for k, v in times.items() if v["ready"]))  # fmt: skip
    med = {k: {s: median(v) for s, v in stamps.items()} for k, stamps in times.items()}
    bare_paint, bare = med["bare"]["window_painted"], med["bare"]["ready"]
    return {
        "bare_s": rounded(bare, 3),
        "bare_first_paint_s": rounded(bare_paint, 3),
        "first_paint_s": {k: rounded(med[k]["window_painted"], 3) for k in ("empty", "library")},
        "first_paint_ratio": rounded(med["empty"]["window_painted"] / bare_paint, 2),
        "first_paint_10k_ratio": rounded(med["library"]["window_painted"] / bare_paint, 2),
        "stock_form_first_paint_s": rounded(med["form"]["window_painted"], 3),
        "stock_form_first_paint_ratio": rounded(med["form"]["window_painted"] / bare_paint, 2),
        "chrome_first_paint_s": rounded(med["chrome"]["window_painted"], 3),
        "chrome_first_paint_ratio": rounded(med["chrome"]["window_painted"] / bare_paint, 2),
        "interactive_s": {k: rounded(med[k]["interactive"], 3) for k in ("empty", "library")},
        "interactive_empty_ratio": rounded(med["empty"]["interactive"] / bare, 2),
        "interactive_10k_ratio": rounded(med["library"]["interactive"] / bare, 2),
        "thumbs_10k_s": rounded(med["library"]["thumbs_painted"], 3),
        "thumbs_10k_ratio": rounded(med["library"]["thumbs_painted"] / bare, 2),
        # ready: the studio bound and the gallery's first page painted (the older figure)
        "empty_s": rounded(med["empty"]["ready"], 3),
        "library_s": rounded(med["library"]["ready"], 3),
        "empty_ratio": rounded(med["empty"]["ready"] / bare, 2),
        "library10k_ratio": rounded(med["library"]["ready"] / bare, 2),
        "library_images": images,
        "runs_per_kind": runs,
        "missing_stamps": missing,
        "runs": {
            k: {s: [round(x, 3) for x in v] for s, v in stamps.items() if v}
            for k, stamps in times.items()
        },
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
