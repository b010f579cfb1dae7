"""Estimates before sending: cost arithmetic and basis, time from concurrency, both caps."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

from app.core.estimate import (
    Basis,
    PastRun,
    check_cap,
    check_submission,
    day_start,
    estimate_cost,
    estimate_time,
    format_usd,
    needs_confirmation,
    tool_price,
)

TOOL = "Lykon/dreamshaper-8"
FLAT = json.dumps([{"inputs": {}, "price": 0.00351, "priceMethod": "cpr"}])


def _task(**values):
    return {"width": 512, "height": 512, "steps": 20, "samples": 1, "prompt": "fox"} | values


def _run(cost, images=1, seconds=6.0, width=512, height=512, steps=20, ok=True, tool=TOOL):
    return PastRun(tool, width, height, steps, images, cost, seconds, ok)


def test_history_median_per_image_times_images() -> None:
    past = [_run(0.004, images=2), _run(0.003), _run(0.010, images=2), _run(0.5, ok=False)]
    # per image: 0.002, 0.003, 0.005 → median 0.003; the failed run is not billed, so ignored
    estimate = estimate_cost(
        [_task(samples=4), _task(samples=1)], tool=TOOL, dynamic_price=FLAT, past=past
    )
    assert estimate.basis is Basis.HISTORY
    assert estimate.per_task == pytest.approx((0.012, 0.003))
    assert estimate.usd == pytest.approx(0.015)
    assert estimate.text.startswith("Estimated cost: ≈ $0.015 (estimate from median cost per image")
    assert "3 similar past runs" in estimate.text


def test_similar_means_same_tool_pixels_and_steps() -> None:
    past = [
        _run(0.1, width=768, height=512),
        _run(0.2, width=512, height=768),
        _run(0.9, steps=40),
        _run(0.9, tool="someone/else"),
    ]
    estimate = estimate_cost([_task(width=768, height=512)], tool=TOOL, past=past)
    assert estimate.usd == pytest.approx(0.15) and estimate.basis is Basis.HISTORY


def test_tool_price_when_no_similar_history() -> None:
    past = [_run(0.9, steps=40)]
    estimate = estimate_cost([_task(samples=4)] * 3, tool=TOOL, dynamic_price=FLAT, past=past)
    assert estimate.basis is Basis.TOOL_PRICE
    assert estimate.usd == pytest.approx(3 * 0.00351), "cpr: per request, whatever the images"
    assert "the tool's listed price" in estimate.text


def test_mixed_bases_are_said() -> None:
    past = [_run(0.002)]
    estimate = estimate_cost(
        [_task(steps=20), _task(steps=30)], tool=TOOL, dynamic_price=FLAT, past=past
    )
    assert estimate.bases == (Basis.HISTORY, Basis.TOOL_PRICE)
    assert estimate.usd == pytest.approx(0.002 + 0.00351)
    assert "your past runs for 1 task, the tool's listed price for 1 task" in estimate.text


def test_unknown_without_history_or_price() -> None:
    estimate = estimate_cost([_task(), _task()], tool=TOOL, dynamic_price=None)
    assert estimate.usd is None and estimate.basis is Basis.UNKNOWN
    assert estimate.text == "Estimated cost: unknown (no price known for 2 of 2 tasks)"


def test_dynamic_price_methods_and_tiers() -> None:
    tiers = [
        {"inputs": {}, "price": 0.01, "priceMethod": "cpo"},
        {"inputs": {"scheduler": "DDIMScheduler"}, "price": 0.05, "priceMethod": "cpr"},
        {"inputs": {"x": "QUANTITY:1"}, "price": 9, "priceMethod": "cpr"},
    ]
    assert tool_price(tiers, _task(samples=3)) == pytest.approx(0.03)
    assert tool_price(tiers, _task(scheduler="DDIMScheduler")) == pytest.approx(0.05)
    pixel = [{"inputs": {}, "price": 0.02, "priceExtra": 0.01, "priceMethod": "cp-pixel"}]
    assert tool_price(pixel, _task(width=1024, height=1024)) == pytest.approx(0.02)
    assert tool_price(pixel, _task(width=2048, height=1024, samples=2)) == pytest.approx(0.06)
    assert tool_price([{"inputs": {}, "price": 0.09}], _task()) == pytest.approx(0.09)
    assert tool_price([{"inputs": {}, "price": 0.001, "priceMethod": "cps"}], _task()) is None
    cps = [{"inputs": {}, "price": 0.001, "priceMethod": "cps"}]
    assert tool_price(cps, _task(), seconds=6) == pytest.approx(0.006)
    assert tool_price("not json", _task()) is None
    assert tool_price([{"inputs": {"scheduler": "PNDM"}, "price": 1}], _task()) is None


def test_time_from_median_duration_and_concurrency() -> None:
    past = [_run(0.003, seconds=s) for s in (4.0, 6.0, 30.0)] + [_run(0, seconds=99, ok=False)]
    tasks = [_task()] * 9
    estimate = estimate_time(tasks, tool=TOOL, past=past, concurrency=4)
    assert estimate.per_task == 6.0 and estimate.waves == 3 and estimate.seconds == 18.0
    assert estimate.text == (
        "Estimated time: ≈ 18 s (estimate: median 6.0 s per task over 3 similar past runs, "
        "4 at a time)"
    )
    unlimited = estimate_time(tasks, tool=TOOL, past=past, concurrency=None)
    assert unlimited.seconds == 6.0 and "all at once" in unlimited.text
    other = estimate_time([_task(steps=50)], tool=TOOL, past=past, concurrency=1)
    assert other.seconds == 6.0 and "past runs of this tool" in other.text
    assert estimate_time(tasks, tool=TOOL, past=[]).seconds is None
    assert "unknown" in estimate_time(tasks, tool=TOOL, past=[]).text


def test_sweep_cap_holds_the_submission_that_would_pass_it() -> None:
    assert check_cap(0.08, 0.02, 0.10, name="sweep cap").allowed
    held = check_cap(0.09, 0.02, 0.10, name="sweep cap")
    assert not held.allowed and held.raise_to == pytest.approx(0.11)
    assert held.message == (
        "Held: this would bring spending to ≈ $0.110, over the sweep cap of $0.100 "
        "($0.090 spent so far). Raise the cap to at least $0.110 to send it."
    )
    assert check_cap(5.0, 1.0, None, name="sweep cap").allowed, "no cap, no hold"
    assert check_cap(0.05, None, 0.10, name="sweep cap").allowed, "unknown cost under the cap"
    at_cap = check_cap(0.10, None, 0.10, name="sweep cap")
    assert not at_cap.allowed and "already spent reaches the sweep cap" in at_cap.message


def test_daily_cap_and_both_together() -> None:
    ok = check_submission(0.01, sweep_spent=0.0, sweep_cap=1.0, day_spent=0.5, daily_cap=1.0)
    assert ok.allowed and ok.message == ""
    day = check_submission(0.6, sweep_spent=0.0, sweep_cap=1.0, day_spent=0.5, daily_cap=1.0)
    assert not day.allowed and day.cap_name == "daily cap" and day.raise_to == pytest.approx(1.1)
    sweep = check_submission(0.6, sweep_spent=0.5, sweep_cap=1.0, day_spent=0.0, daily_cap=0.1)
    assert not sweep.allowed and sweep.cap_name == "sweep cap", "the sweep cap is said first"


def test_confirmation_threshold_money_format_and_day_start() -> None:
    assert not needs_confirmation(50) and needs_confirmation(51)
    assert needs_confirmation(11, threshold=10)
    assert (format_usd(12.5), format_usd(0.25), format_usd(0.00351)) == (
        "$12.50",
        "$0.250",
        "$0.0035",
    )
    now = time.time()
    start = datetime.fromtimestamp(day_start(now))
    assert (start.hour, start.minute, start.second) == (0, 0, 0)
    assert 0 <= now - day_start(now) <= 25 * 3600
