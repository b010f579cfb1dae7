"""Fixtures for the reliability tests: a qasync loop, and logging put back as it was."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest


@pytest.fixture
def qloop(qapp):
    """A qasync loop per test (pattern B of the platform notes): tests run coroutines on it."""
    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=5))
        finally:
            loop.close()
            asyncio.set_event_loop(None)


@pytest.fixture
def restore_logging():
    """setup_logging() and install_excepthook() change process state: undo both afterwards."""
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    try:
        yield
    finally:
        try:
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
                    handler.close()
        finally:
            root.setLevel(level)
            sys.excepthook = hook
