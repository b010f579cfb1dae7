"""`python -m tests.bench.bench --quick` runs every part and ends with a complete BENCH line.

Only the shape is checked: no timing is asserted (the suite shares a busy machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.spawn import REPO

KEYS = {
    "latency_ms": {"socket", "polling", "baseline_3s", "overhead_median"},
    "stall_ms": {"max", "p99"},
    "start": {
        "bare_s",
        "first_paint_ratio",
        "interactive_empty_ratio",
        "interactive_10k_ratio",
        "thumbs_10k_s",
    },
    "rss_mb": None,
    "detail_calls_per_task": None,
    "tcp_connections_per_100": None,
    "tcp_connections_over": None,
    "sweep": {
        "ratio",
        "parallel_s",
        "sequential_s",
        "estimate_usd",
        "recorded_usd",
        "stall_max",
        "stall_p99",
    },
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_quick_bench_prints_a_complete_bench_line(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("BENCH "), proc.stdout[-2000:]
    bench = json.loads(last[len("BENCH ") :])
    assert set(bench) == set(KEYS)
    for key, inner in KEYS.items():
        if inner is None:
            assert isinstance(bench[key], (int, float)), (key, bench[key])
            continue
        assert set(bench[key]) == inner, key
        for name in inner:
            value = bench[key][name]
            if isinstance(value, dict):
                assert set(value) == {"median", "p95"}, (key, name)
                assert all(isinstance(v, (int, float)) for v in value.values()), (key, name)
            else:
                assert isinstance(value, (int, float)), (key, name, value)
    assert json.loads(out.read_text())["bench"] == bench
