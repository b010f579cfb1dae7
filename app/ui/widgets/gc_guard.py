"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects cycles in whichever thread happens to allocate when a generation's count
passes its threshold. The app's worker threads (file I/O, decoding, the keychain, the
history) allocate all the time, so a collection can start in one of them and free a cycle
that holds a Qt object — whose C++ destructor then runs off the GUI thread, which Qt does not
allow (a segfault, seen in the suite while a worker imported a module). Automatic collection
is switched off and done here instead, from a timer on the GUI thread, with CPython's own
policy: a generation is collected when its count passes its threshold, and the oldest one
only when it has grown by a quarter since its last collection (so full collections of a
large heap stay rare, as they are in CPython)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 20  # how often the counts are looked at (small batches); a check with none due: ~1 µs
OLDEST_GROWTH = 0.25  # CPython's long_lived_pending > long_lived_total / 4


class GuiThreadCollector(QObject):
    """Owns the decision of when to collect; ``check`` may also be called directly."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._oldest_after_full = len(gc.get_objects(2))
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collects the oldest generation that is due; returns what it freed (0: none due)."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return 0
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 2 if counts[2] > self.thresholds[2] and self._oldest_grew() else 1
        freed = gc.collect(generation)
        if generation == 2:
            self._oldest_after_full = len(gc.get_objects(2))
        return freed

    def _oldest_grew(self) -> bool:
        return len(gc.get_objects(2)) > self._oldest_after_full * (1 + OLDEST_GROWTH)

    def stop(self) -> None:
        """Hands collection back as it was (tests; the app keeps it until it exits)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
