"""Suite-wide guards: Qt binding, a throw-away home, garbage collected on the GUI thread, and
the --live opt-in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--live",
        action="store_true",
        help="also run tests against the real Wiro API (needs WIRO_API_KEY, WIRO_API_SECRET)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--live"):
        return
    skip = pytest.mark.skip(reason="talks to the real Wiro API: opt in with --live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


def pytest_sessionstart(session: pytest.Session) -> None:
    real_home = Path(os.path.expanduser("~"))
    if os.environ.get("CI_ALLOW_REAL_HOME") != "1" and not str(real_home).startswith(
        ("/tmp", os.environ.get("TMPDIR", "/tmp"))
    ):
        sys.stderr.write(
            "warning: HOME is not a temporary folder; run the suite through tests/headless.sh "
            "(make test) so nothing touches your own home or keychain\n"
        )


@pytest.fixture(scope="session", autouse=True)
def gui_thread_gc(qapp):
    """As in the app: cyclic garbage is collected on the GUI thread only, never by a worker
    thread that happens to allocate (freeing a Qt object there crashes). Checked after every
    test too, since many tests never spin the Qt loop that drives the collector's timer."""
    from app.ui.widgets.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    try:
        yield collector
    finally:
        collector.stop()


@pytest.fixture(autouse=True)
def _collect_between_tests(gui_thread_gc):
    yield
    gui_thread_gc.check()


@pytest.fixture
def styled_app(qapp):
    """The QApplication with the real theme applied (so sizes and looks match what users see)."""
    from app.ui.widgets.style import STYLESHEET, apply_style

    if qapp.styleSheet() != STYLESHEET:  # restyling repolishes every live widget: do it once
        apply_style(qapp)
    return qapp


@pytest.fixture
def memory_keyring():
    """An in-memory keyring backend for credential tests (never the developer's keychain)."""
    from tests.support.memory_keyring import MemoryKeyring

    return MemoryKeyring()


@pytest.fixture(scope="session")
def tool_schema():
    from app.core.schema import parse_tool
    from app.resources import tool_detail_payload

    return parse_tool(tool_detail_payload())


# Hypothesis profiles (tests/reliability): without HYPOTHESIS_PROFILE the suite keeps
# Hypothesis' defaults and the fuzz tests their small CI sizes; `make fuzz` sets
# HYPOTHESIS_PROFILE=long to run every property test, fuzzers included, far longer.
def _register_hypothesis_profiles() -> None:
    from hypothesis import HealthCheck, settings

    relaxed = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    settings.register_profile("ci", deadline=None, suppress_health_check=relaxed)
    settings.register_profile(
        "long", max_examples=10_000, deadline=None, suppress_health_check=relaxed
    )
    if os.environ.get("HYPOTHESIS_PROFILE"):
        settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


_register_hypothesis_profiles()
