"""Memory: peak RSS of the app after scrolling a 10,000-image gallery from end to end.

The app starts (offline demo) on the big library in its own process, waits until every page
is in the gallery, scrolls from top to bottom one screen per frame, lets the thumbnail loader
drain, and reports ``ru_maxrss`` (see tests/bench/child.py).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.common import emit_result, log, machine_load
from tests.bench.spawn import child_env, ensure_library, run_child


def measure(library: Path, images: int, work: Path) -> dict[str, Any]:
    env = child_env(work / "pycache")
    args = ["app", "--data-dir", str(library), "--images", str(images), "--scroll"]
    result = run_child(args, env, timeout=400)
    keys = (
        "images_in_gallery",
        "rss_loaded_mb",
        "scroll_steps",
        "scroll_seconds",
        "tiles_painted",
        "pixmap_cache_mb",
        "rss_now_mb",
    )
    return {
        "rss_mb": result["rss_peak_mb"],
        "library_images": images,
        **{k: result.get(k) for k in keys},
        "load_s": round(result["all_loaded"] - result["spawned"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke-sized run")
    parser.add_argument("--library", type=Path, help="a library built by tests.bench.library")
    parser.add_argument("--images", type=int, help="images in the library (default 10,000)")
    args = parser.parse_args(argv)
    images = args.images or (1000 if args.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="wiro-bench-memory-") as temp:
        work = Path(temp)
        library = ensure_library(args.library or work / "library", images)
        load = machine_load()
        log(f"memory: scroll a gallery of {images} images end to end")
        result = measure(library, images, work)
    emit_result(result | {"load_before": load, "load_after": machine_load()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
