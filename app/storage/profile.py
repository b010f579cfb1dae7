"""Opening a profile's history: debris from a crash swept, the database checked and guarded."""

from __future__ import annotations

import logging
import time

from app.fsutil import sweep_partials
from app.storage.history import HistoryStore
from app.storage.paths import AppPaths

log = logging.getLogger(__name__)

# Files a crashed write left are older than this; younger ones may belong to a second instance.
PARTIAL_GRACE_SECONDS = 30.0


def sweep_debris(paths: AppPaths, demo: bool, now: float | None = None) -> int:
    """Removes unfinished downloads and writes below the app's own folders; returns a count."""
    cutoff = (time.time() if now is None else now) - PARTIAL_GRACE_SECONDS
    shared = paths.default_output_dir  # the user's folder: only our atomic writes' temp names
    removed = [
        *sweep_partials(paths.library_dir(demo), recursive=True, older_than=cutoff),
        *sweep_partials(paths.thumbnails_dir(demo), recursive=True, older_than=cutoff),
        *sweep_partials(paths.profile_dir(demo), recursive=False, older_than=cutoff),
        *sweep_partials(paths.config_dir, recursive=False, ours_only=True, older_than=cutoff),
        *sweep_partials(shared, recursive=False, ours_only=True, older_than=cutoff),
    ]
    if removed:
        log.info("removed %d unfinished file(s) left by an earlier run", len(removed))
    return len(removed)


def open_history(paths: AppPaths, demo: bool) -> HistoryStore:
    """The profile's history, guarding its library folder; raises HistoryUnavailable."""
    sweep_debris(paths, demo)
    return HistoryStore(paths.database(demo), library_dir=paths.library_dir(demo))
