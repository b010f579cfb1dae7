"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects cycles in whichever thread happens to allocate when a generation's count
passes its threshold. The app's worker threads (file I/O, decoding, the keychain, the
history) allocate all the time, so a collection can start in one of them and free a cycle
that holds a Qt object — whose C++ destructor then runs off the GUI thread, which Qt does not
allow (a segfault, seen in the suite while a worker imported a module). Automatic collection
is switched off and done here instead, from a timer on the GUI thread, with the same
thresholds Python would have used."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 500  # how often the counts are looked at; a check that collects nothing is ~1 µs


class GuiThreadCollector(QObject):
    """Owns the decision of when to collect; ``check`` may also be called directly."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int:
        """Collects the oldest generation whose count passed its threshold; returns what it
        freed (0 when nothing was due)."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return 0
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 2 if counts[2] > self.thresholds[2] else 1
        return gc.collect(generation)

    def stop(self) -> None:
        """Hands collection back as it was (tests; the app keeps it until it exits)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
