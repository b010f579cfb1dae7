"""Cost and time estimates for tasks before they are sent, each with the basis it rests on.

Cost, per task, from the first basis that answers:

1. history: the median ``totalcost`` per image of the user's own successful past runs of the
   same tool at the same size (pixel count) and steps, times the task's images;
2. the tool's ``dynamicprice`` (Wiro docs, pricing.md: a JSON list of tiers with ``inputs``,
   ``price`` and ``priceMethod``), the most specific tier whose inputs match the task;
3. unknown.

Time: the median duration of past runs (similar ones if any, else all of the tool's) times
the number of waves the concurrency limit allows. Everything here is labelled an estimate.
Caps are pure checks: "would this submission pass the cap?"
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

TIER_PIXELS = 1_048_576  # pricing.md: "Each 1,048,576 pixels (1024×1024) counts as one tier"
CONFIRM_TASKS = 50


class Basis(StrEnum):
    """Where a cost figure came from, from most to least trustworthy."""

    HISTORY = "history"
    TOOL_PRICE = "tool price"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PastRun:
    """One finished past generation, reduced to what an estimate needs."""

    tool: str
    width: int | None
    height: int | None
    steps: int | None
    images: int
    cost: float | None
    seconds: float | None
    succeeded: bool = True

    @classmethod
    def from_params(
        cls,
        tool: str,
        params: Mapping[str, Any],
        *,
        images: int,
        cost: float | None,
        seconds: float | None,
        succeeded: bool = True,
    ) -> PastRun:
        return cls(
            tool,
            _int(params.get("width")),
            _int(params.get("height")),
            _int(params.get("steps")),
            images,
            cost,
            seconds,
            succeeded,
        )


@dataclass(frozen=True)
class CostEstimate:
    """An estimated total in USD (None when unknown), per task, and the basis in words."""

    usd: float | None
    basis: Basis
    text: str
    per_task: tuple[float | None, ...]
    bases: tuple[Basis, ...]


@dataclass(frozen=True)
class TimeEstimate:
    """An estimated wall time in seconds (None when unknown) and the basis in words."""

    seconds: float | None
    text: str
    per_task: float | None = None
    waves: int = 0


@dataclass(frozen=True)
class CapCheck:
    """Whether a submission stays within a cap, and if not what cap would let it through."""

    allowed: bool
    message: str
    cap_name: str = ""
    cap: float | None = None
    would_spend: float | None = None
    raise_to: float | None = None


def _int(value: Any) -> int | None:
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None


def task_images(params: Mapping[str, Any]) -> int:
    return max(1, _int(params.get("samples")) or 1)


def format_usd(value: float) -> str:
    if value >= 1:
        return f"${value:,.2f}"
    if value >= 0.01:
        return f"${value:.3f}"
    return f"${value:.4f}"


def format_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _similar(run: PastRun, tool: str, params: Mapping[str, Any]) -> bool:
    w, h, steps = _int(params.get("width")), _int(params.get("height")), _int(params.get("steps"))
    return (
        run.tool == tool
        and run.width is not None
        and run.height is not None
        and w is not None
        and h is not None
        and run.width * run.height == w * h
        and run.steps == steps
    )


def _billed(past: Sequence[PastRun]) -> list[PastRun]:
    # pricing.md: failed runs cost nothing ("totalcost" "0"), so they say nothing of the price.
    return [r for r in past if r.succeeded and r.cost is not None and r.cost > 0 and r.images > 0]


def price_tiers(dynamic_price: Any) -> list[dict[str, Any]]:
    """The tool's ``dynamicprice`` (a JSON string or a list) as a list of tier dicts."""
    if isinstance(dynamic_price, str):
        try:
            dynamic_price = json.loads(dynamic_price)
        except ValueError:
            return []
    if not isinstance(dynamic_price, list):
        return []
    return [t for t in dynamic_price if isinstance(t, dict) and _price(t) is not None]


def _price(tier: Mapping[str, Any], key: str = "price") -> float | None:
    raw = tier.get(key)
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _matching_tier(tiers: list[dict[str, Any]], params: Mapping[str, Any]) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    for tier in tiers:
        inputs = tier.get("inputs") or {}
        if not isinstance(inputs, dict):
            continue
        # QUANTITY inputs count input files (pricing.md); text-to-image tasks send none.
        if any(str(v).startswith("QUANTITY:") for v in inputs.values()):
            continue
        if all(str(params.get(k, "")) == str(v) for k, v in inputs.items()) and (
            best is None or len(inputs) > len(best.get("inputs") or {})
        ):
            best = tier
    return best


def tool_price(
    dynamic_price: Any, params: Mapping[str, Any], seconds: float | None = None
) -> float | None:
    """One task's price from the tool's ``dynamicprice``, or None if it cannot be worked out."""
    tier = _matching_tier(price_tiers(dynamic_price), params)
    if tier is None:
        return None
    price = _price(tier) or 0.0
    # A tier without priceMethod is read as per request (models.md's examples omit it).
    method = str(tier.get("priceMethod") or "cpr")
    images = task_images(params)
    if method == "cpr":
        return price
    if method == "cpo":
        return price * images
    if method == "cp-pixel":
        w, h = _int(params.get("width")), _int(params.get("height"))
        if not w or not h:
            return None
        tiers = max(1, math.ceil(w * h / TIER_PIXELS))
        return (price + (_price(tier, "priceExtra") or 0.0) * (tiers - 1)) * images
    if method == "cp-promptlength":
        return price * len(str(params.get("prompt") or ""))
    if method == "cps" and seconds is not None:
        return price * seconds
    return None


def _median_seconds(runs: Sequence[PastRun]) -> tuple[float | None, int]:
    times = [r.seconds for r in runs if r.succeeded and r.seconds is not None and r.seconds > 0]
    return (statistics.median(times), len(times)) if times else (None, 0)


def estimate_cost(
    tasks: Sequence[Mapping[str, Any]],
    *,
    tool: str,
    dynamic_price: Any = None,
    past: Sequence[PastRun] = (),
) -> CostEstimate:
    """The estimated cost of ``tasks`` (each a Run parameter dict) and what it rests on."""
    billed = [r for r in _billed(past) if r.tool == tool]
    per_task: list[float | None] = []
    bases: list[Basis] = []
    history_runs: list[int] = []
    for params in tasks:
        similar = [r for r in billed if _similar(r, tool, params)]
        if similar:
            per_image = statistics.median((r.cost or 0.0) / r.images for r in similar)
            per_task.append(per_image * task_images(params))
            bases.append(Basis.HISTORY)
            history_runs.append(len(similar))
            continue
        seconds, _ = _median_seconds([r for r in past if r.tool == tool])
        price = tool_price(dynamic_price, params, seconds)
        per_task.append(price)
        bases.append(Basis.TOOL_PRICE if price is not None else Basis.UNKNOWN)
    known = [c for c in per_task if c is not None]
    unknown = len(per_task) - len(known)
    total = sum(known) if not unknown and per_task else None
    basis = (
        Basis.UNKNOWN
        if total is None
        else Basis.HISTORY
        if all(b is Basis.HISTORY for b in bases)
        else Basis.TOOL_PRICE
    )
    return CostEstimate(
        total, basis, _cost_text(total, bases, history_runs, unknown), tuple(per_task), tuple(bases)
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _cost_text(total: float | None, bases: list[Basis], runs: list[int], unknown: int) -> str:
    if not bases:
        return "Estimated cost: nothing to run"
    if total is None:
        return f"Estimated cost: unknown (no price known for {unknown} of {len(bases)} tasks)"
    from_history = bases.count(Basis.HISTORY)
    if from_history == len(bases):
        count = str(runs[0]) if min(runs) == max(runs) else f"{min(runs)}-{max(runs)}"
        why = f"median cost per image of {count} similar past runs (same size and steps)"
    elif from_history:
        why = (
            f"your past runs for {_plural(from_history, 'task')}, "
            f"the tool's listed price for {_plural(len(bases) - from_history, 'task')}"
        )
    else:
        why = "the tool's listed price"
    return f"Estimated cost: ≈ {format_usd(total)} (estimate from {why})"


def estimate_time(
    tasks: Sequence[Mapping[str, Any]],
    *,
    tool: str,
    past: Sequence[PastRun] = (),
    concurrency: int | None = None,
) -> TimeEstimate:
    """Wall time for ``tasks`` run ``concurrency`` at a time (None: all at once)."""
    if not tasks:
        return TimeEstimate(0.0, "Estimated time: nothing to run")
    mine = [r for r in past if r.tool == tool]
    similar = [r for r in mine if any(_similar(r, tool, p) for p in tasks)]
    seconds, count = _median_seconds(similar)
    which = "similar past runs"
    if seconds is None:
        seconds, count = _median_seconds(mine)
        which = "past runs of this tool"
    if seconds is None:
        return TimeEstimate(None, "Estimated time: unknown (no finished past runs yet)")
    limit = len(tasks) if concurrency is None else max(1, concurrency)
    waves = math.ceil(len(tasks) / limit)
    at_once = "all at once" if limit >= len(tasks) else f"{limit} at a time"
    text = (
        f"Estimated time: ≈ {format_seconds(waves * seconds)} (estimate: median "
        f"{seconds:.1f} s per task over {count} {which}, {at_once})"
    )
    return TimeEstimate(waves * seconds, text, seconds, waves)


def check_cap(spent: float, next_cost: float | None, cap: float | None, *, name: str) -> CapCheck:
    """Would sending something costing ``next_cost`` after ``spent`` pass ``cap``?

    With no cap everything passes. With an unknown cost only what is already at the cap is
    held, since nothing better can be said before the server reports ``totalcost``.
    """
    if cap is None:
        return CapCheck(True, "", name)
    if next_cost is None:
        if spent >= cap:
            return CapCheck(
                False,
                f"Held: {format_usd(spent)} already spent reaches the {name} of "
                f"{format_usd(cap)}. Raise the cap to continue.",
                name,
                cap,
                spent,
                None,
            )
        return CapCheck(True, "", name, cap, None)
    would = spent + next_cost
    if would <= cap + 1e-12:
        return CapCheck(True, "", name, cap, would)
    return CapCheck(
        False,
        f"Held: this would bring spending to ≈ {format_usd(would)}, over the {name} of "
        f"{format_usd(cap)} ({format_usd(spent)} spent so far). Raise the cap to at least "
        f"{format_usd(would)} to send it.",
        name,
        cap,
        would,
        would,
    )


def check_submission(
    next_cost: float | None,
    *,
    sweep_spent: float = 0.0,
    sweep_cap: float | None = None,
    day_spent: float = 0.0,
    daily_cap: float | None = None,
) -> CapCheck:
    """Both caps for one submission (a cell, or a whole plan with ``sweep_spent`` 0)."""
    for check in (
        check_cap(sweep_spent, next_cost, sweep_cap, name="sweep cap"),
        check_cap(day_spent, next_cost, daily_cap, name="daily cap"),
    ):
        if not check.allowed:
            return check
    return CapCheck(True, "")


def needs_confirmation(tasks: int, threshold: int = CONFIRM_TASKS) -> bool:
    return tasks > threshold


def day_start(timestamp: float) -> float:
    """Local midnight before ``timestamp``: where the daily cap's day begins."""
    moment = datetime.fromtimestamp(timestamp).astimezone()
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
