"""Cycles are collected on the GUI thread, never in a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from app.ui.widgets.gc_guard import GuiThreadCollector


class Cycle:
    def __init__(self, collected_in: list[str]) -> None:
        self.me = self
        self.collected_in = collected_in
        self.qt = QObject()

    def __del__(self) -> None:
        self.collected_in.append(threading.current_thread().name)


def test_a_worker_allocating_never_collects_and_the_gui_thread_does(qapp):
    enabled_before = gc.isenabled()
    collector = GuiThreadCollector(None, interval_ms=60_000)
    collected_in: list[str] = []
    try:
        assert not gc.isenabled()
        gc.collect()
        Cycle(collected_in)  # garbage, held only by its own cycle

        counts: list[int] = []

        def allocate() -> None:  # containers kept alive drive the collector's counts up
            kept = [[] for _ in range(5 * collector.thresholds[0])]
            counts.append(gc.get_count()[0])
            del kept

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join(30)
        assert counts and counts[0] > collector.thresholds[0], "a collection was due"
        assert collected_in == [], "the worker's allocations started no collection"
        kept = [[] for _ in range(2 * collector.thresholds[0])]  # due on this thread too
        assert collector.check() > 0
        del kept
        assert collected_in == [threading.current_thread().name]
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled() == enabled_before
