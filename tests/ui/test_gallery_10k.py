"""A library of 10,000 images: the window starts without waiting for it, pages arrive
off-thread, scrolling decodes only what is seen, and search stays instant. Numbers are
printed (run with -s), never asserted as timings."""

from __future__ import annotations

import asyncio
import hashlib
import json
import resource
import time
from pathlib import Path

import pytest
from PIL import Image

from app.services.library import ImageFilter
from app.storage.history import HistoryStore
from app.storage.paths import AppPaths
from tests.support.heartbeat import Heartbeat
from tests.ui.library_support import harness_factory, qloop  # noqa: F401

GENERATIONS, PER_GENERATION = 2_500, 4
TOTAL = GENERATIONS * PER_GENERATION
PROMPTS = ("a red fox in the snow", "a lighthouse at dusk", "a koi pond", "a paper boat")

pytestmark = pytest.mark.slow


def build_library(root: Path, pictures: Path) -> list[Path]:
    """The demo profile's database with 10,000 images (8 real files, shared)."""
    pictures.mkdir(parents=True)
    files = []
    for n in range(8):
        path = pictures / f"p{n}.png"
        Image.new("RGB", (512, 512), (30 * n, 200 - 20 * n, 90)).save(path)
        files.append(path)
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    store = HistoryStore(AppPaths.under(root).database(demo=True))
    db = store._db
    db.execute("BEGIN")
    for gid in range(1, GENERATIONS + 1):
        params = {"prompt": f"{PROMPTS[gid % 4]} #{gid}", "seed": str(gid), "samples": 4}
        db.execute(
            "INSERT INTO generations (id, tool, params, phase, created_at, cost, task_id,"
            " expected_images) VALUES (?, 't', ?, 'succeeded', ?, 0.0035, ?, 4)",
            (gid, json.dumps(params), 1_600_000_000.0 + gid * 60, str(90_000 + gid)),
        )
    db.executemany(
        "INSERT INTO images (generation_id, idx, seed, path, sha256, size, width, height,"
        " created_at) VALUES (?, ?, ?, ?, ?, 1000, 512, 512, ?)",
        [
            (gid, i, gid + i, str(files[(gid + i) % 8]), digests[(gid + i) % 8], gid * 60.0)
            for gid in range(1, GENERATIONS + 1)
            for i in range(PER_GENERATION)
        ],
    )
    db.execute("COMMIT")
    store.close()
    return files


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_ten_thousand_images_load_in_pages_without_blocking(
    qloop,  # noqa: F811
    harness_factory,  # noqa: F811
    tmp_path: Path,
) -> None:
    harness = harness_factory(demo=True)
    build_library(tmp_path / "app", tmp_path / "pics")
    heartbeat = Heartbeat()
    gaps = heartbeat.gaps

    async def scenario() -> None:
        rss_before = rss_mb()
        start = time.monotonic()
        heartbeat.start()
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window = controller.window
        flow, gallery, loader = window.library_flow, window.gallery, window.gallery.loader
        window.resize(1280, 800)
        connected = time.monotonic() - start
        await harness.wait(lambda: len(gallery.image_ids()) > 0, what="the first page")
        first_page = time.monotonic() - start
        shown_at_first = len(gallery.image_ids())
        await harness.wait(lambda: not flow.loading, timeout=60, what="all pages")
        loaded = time.monotonic() - start
        heartbeat.stop()
        load_gaps = sorted(gaps)
        assert len(gallery.image_ids()) == TOTAL
        assert gallery.model.rowCount() == TOTAL + GENERATIONS
        assert gallery.model.generation_ids()[:2] == [GENERATIONS, GENERATIONS - 1]
        await harness.wait(lambda: flow.filter_bar.count.text() == "10,000 images")
        rss_loaded = rss_mb()

        await harness.wait(lambda: loader.pending_count() == 0, what="first screen")
        thumbs_made = flow.thumbs.made
        bar = gallery.view.verticalScrollBar()
        steps, scroll_times = 25, []
        for n in range(1, steps + 1):
            t0 = time.monotonic()
            bar.setValue(bar.maximum() * n // steps)
            gallery.view.viewport().repaint()
            scroll_times.append(time.monotonic() - t0)
            await asyncio.sleep(0)
        await harness.wait(lambda: loader.pending_count() == 0, timeout=30, what="bottom")
        bottom = gallery.view.indexAt(gallery.view.viewport().rect().center())
        assert bottom.isValid() and gallery.model.locate(bottom.row())[0].generation_id < 20
        assert flow.thumbs.made <= 8, "one disk thumbnail per distinct image content"

        t0 = time.monotonic()
        hits = await controller.studio.library.count(ImageFilter(text="fox"))
        search_ms = (time.monotonic() - t0) * 1000
        assert hits == TOTAL // 4
        flow.filter_bar.search.setText("fox")
        flow.filter_bar._emit()
        await harness.wait(lambda: not flow.loading and len(gallery.image_ids()) == hits)
        print(
            f"\n10k library: studio+form ready {connected:.2f}s, first page "
            f"({shown_at_first} images) {first_page:.2f}s, all {TOTAL} loaded {loaded:.2f}s; "
            f"event-loop gaps while loading: median {load_gaps[len(load_gaps) // 2] * 1000:.0f}"
            f" ms, max {load_gaps[-1] * 1000:.0f} ms over {len(load_gaps)} beats; "
            f"scroll step max {max(scroll_times) * 1000:.1f} ms; "
            f"search 'fox' count {search_ms:.1f} ms ({hits} hits); "
            f"max RSS {rss_before:.0f} -> {rss_loaded:.0f} MB; disk thumbnails made {thumbs_made}"
        )
        assert await harness.stop() == 0

    qloop.run_until_complete(scenario())
