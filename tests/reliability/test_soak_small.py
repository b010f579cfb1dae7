"""The CI-sized soak: 10 generations through the full fault mix (`make soak` runs 100)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.bench.soak import FAULTS, KEY, SECRET, run_soak
from tests.reliability.test_secret_hygiene import hits


def test_small_soak_completes_everything_exactly_once(tmp_path: Path) -> None:
    result = asyncio.run(
        run_soak(count=10, samples=2, timeout=120, seed=11, root=tmp_path, run_seconds=0.5)
    )
    details = result.details
    assert result.summary() | {"seconds": 0} == {
        "submitted": 10,
        "completed": 10,
        "runs_seen_by_server": 10,
        "corrupt_files": 0,
        "lost": 0,
        "seconds": 0,
    }, details
    assert result.ok
    assert details["secret_violations"] == 0
    assert sum(details["faults"].values()) > 0, "the faults were really on"
    assert details["run_requests"] - 10 == details["refused_for_concurrency"]
    assert FAULTS["concurrency_limit"] == 3
    assert hits([tmp_path], [SECRET, KEY]) == []
