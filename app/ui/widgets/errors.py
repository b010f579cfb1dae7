"""The last-resort hook: any unexpected exception becomes a dialog, never a silent death."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)


def install_excepthook(report: Callable[[str, str], None]) -> None:
    """Routes uncaught exceptions (qasync's slots included) to ``report(summary, details)``."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.error("unexpected error: %s", details)
        try:
            report(f"{kind.__name__}: {exc}", details)
        except Exception:
            sys.__excepthook__(kind, exc, tb)

    sys.excepthook = hook
