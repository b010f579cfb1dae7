"""Ctrl+Up / Ctrl+Down attention nudging for A1111 prompts, after A1111's edit-attention.

The target is, in order: the innermost ``(text:w)`` group holding the selection or cursor
(its weight moves); else the trimmed selection, or the word under the cursor, which gets
wrapped as ``(text:1.1)`` / ``(text:0.9)``. Plain ``(x)``, ``((x))`` and ``[x]`` groups are
not weighted groups: the word inside them is wrapped, giving ``(((x:1.1)))``, so their own
emphasis still applies. A weight that lands on exactly 1.0 is unwrapped to the bare text.

Weights round to 2 decimals and stay within MIN_WEIGHT..MAX_WEIGHT (A1111 has no limit; SD 1.5
breaks down above ~2 and negative weights invert meaning). A weight the user typed outside that
range is left alone by a nudge that would move it further out.

Every edit is checked by re-parsing: existing brackets must keep their partners and only the
one group added or removed may change; an edit that fails the check is not made. So a prompt
with balanced brackets stays balanced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from app.core.prompt import _scan, _Tok, weight_number_span, word_at

MIN_WEIGHT = 0.0
MAX_WEIGHT = 2.0
WEIGHT_STEP = 0.1

_Bracket = tuple[int, str, int]  # (offset, "(" "[" ")" "]" or ":)" when weighted, partner or -1)


@dataclass(frozen=True)
class Edit:
    """The text after a nudge and the selection to show, as ``str`` offsets."""

    text: str
    sel_start: int
    sel_end: int


@dataclass(frozen=True)
class _Group:
    open: int
    colon: int
    close: int


def format_weight(weight: float) -> str:
    """A weight as prompts write it: "1.1", "0.9", "1.25" (two decimals at most, one at least)."""
    digits = f"{round(weight, 2) + 0.0:.2f}".rstrip("0")
    return digits + "0" if digits.endswith(".") else digits


def nudged(weight: float, delta: float) -> float:
    """``weight + delta`` rounded to 2 decimals, never pushed further outside the limits."""
    new = round(weight + delta, 2)
    if delta > 0:
        new = min(new, max(weight, MAX_WEIGHT))
    elif delta < 0:
        new = max(new, min(weight, MIN_WEIGHT))
    return new + 0.0


def adjust_weight(text: str, sel_start: int, sel_end: int, delta: float) -> Edit:
    """Raises (delta > 0) or lowers the weight of the selection or the word at the cursor."""
    unchanged = Edit(text, sel_start, sel_end)
    if not text or delta == 0 or not math.isfinite(delta):
        return unchanged
    size = len(text)
    a, b = sorted((min(max(sel_start, 0), size), min(max(sel_end, 0), size)))
    toks = _scan(text)
    groups = _groups(toks)
    if a != b:
        a, b = _trim(text, toks, a, b)
        if a == b:
            return unchanged
        group = _innermost(
            groups, lambda g: (g.open < a and b <= g.close) or (a, b) == (g.open, g.close + 1)
        )
    else:
        group = _innermost(groups, lambda g: g.open < a <= g.close)
        if group is None:
            start, end, _ = word_at(text, a)
            if start < end:
                a, b = start, end
            else:
                group = _innermost(groups, lambda g: a in (g.open, g.close + 1))
                if group is None:
                    return unchanged
    edit = _reweight(text, toks, group, delta) if group else _wrap(text, toks, a, b, delta)
    return edit or unchanged


def _groups(toks: list[_Tok]) -> list[_Group]:
    return [
        _Group(toks[t.partner].start, t.start, t.bracket)
        for t in toks
        if t.kind == "wclose" and t.partner >= 0
    ]


def _innermost(groups: list[_Group], test: Callable[[_Group], bool]) -> _Group | None:
    return max((g for g in groups if test(g)), key=lambda g: g.open, default=None)


def _trim(text: str, toks: list[_Tok], a: int, b: int) -> tuple[int, int]:
    loose = {t.bracket for t in toks if t.kind in ("open", "close", "wclose") and t.partner < 0}

    def skip(i: int) -> bool:
        return text[i].isspace() or text[i] == "," or i in loose

    while a < b and skip(a):
        a += 1
    while b > a and skip(b - 1):
        b -= 1
    return a, b


def _reweight(text: str, toks: list[_Tok], group: _Group, delta: float) -> Edit | None:
    start, end = weight_number_span(text, group.colon)
    old = float(text[start:end])
    new = nudged(old, delta)
    if new == 1.0:
        unwrapped = _unwrap(text, toks, group)
        if unwrapped:
            return unwrapped
    if new == old:
        return Edit(text, group.open + 1, group.colon)
    changed = _checked(text, toks, [(start, end, format_weight(new))], set(), [])
    return Edit(changed, group.open + 1, group.colon) if changed is not None else None


def _unwrap(text: str, toks: list[_Tok], group: _Group) -> Edit | None:
    follows = text[group.close + 1 : group.close + 2]
    joins = follows != "" and follows in "()[]\\"
    tail = "\\" if joins and _lone_backslash_before(text, toks, group.colon) else ""
    reps = [(group.open, group.open + 1, ""), (group.colon, group.close + 1, tail)]
    changed = _checked(text, toks, reps, {group.open, group.close}, [])
    if changed is None:
        return None
    return Edit(changed, group.open, group.colon - 1 + len(tail))


def _wrap(text: str, toks: list[_Tok], a: int, b: int, delta: float) -> Edit | None:
    weight = nudged(1.0, delta)
    if weight == 1.0:
        return None
    a, b = _expand(text, toks, a, b)
    suffix = f":{format_weight(weight)})"
    close = b + len(suffix)
    added = [(a, "(", close), (close, ":)", a)]
    changed = _checked(text, toks, [(a, a, "("), (b, b, suffix)], set(), added)
    return Edit(changed, a + 1, b + 1) if changed is not None else None


def _expand(text: str, toks: list[_Tok], a: int, b: int) -> tuple[int, int]:
    """Grows [a, b) so that it splits no escape and contains or avoids every bracket pair."""
    for t in toks:
        if t.kind == "esc":
            a = t.start if t.start < a < t.end else a
            b = t.end if t.start < b < t.end else b
    pairs = [
        (toks[t.partner].start, t.start, t.end)
        for t in toks
        if t.kind in ("close", "wclose") and t.partner >= 0
    ]
    changed = True
    while changed:
        changed = False
        for start, inner_end, end in pairs:
            outside = b <= start or a >= end
            if outside or (a <= start and end <= b) or (start < a and b <= inner_end):
                continue
            a, b = min(a, start), max(b, end)
            changed = True
    if _lone_backslash_before(text, toks, a):
        a -= 1
    return a, b


def _lone_backslash_before(text: str, toks: list[_Tok], pos: int) -> bool:
    """Whether ``pos`` follows an unescaping ``\\`` that a bracket put at ``pos`` would join."""
    if pos == 0 or text[pos - 1] != "\\":
        return False
    return any(t.kind == "text" and t.start < pos <= t.end for t in toks)


def _brackets(text: str, toks: list[_Tok] | None = None) -> list[_Bracket]:
    toks = _scan(text) if toks is None else toks
    found: list[_Bracket] = []
    for t in toks:
        if t.kind in ("open", "close", "wclose"):
            weighted = t.kind == "wclose" and t.partner >= 0
            partner = toks[t.partner].bracket if t.partner >= 0 else -1
            found.append((t.bracket, ":)" if weighted else text[t.bracket], partner))
    return found


def _checked(
    text: str,
    toks: list[_Tok],
    reps: list[tuple[int, int, str]],
    removed: set[int],
    added: list[_Bracket],
) -> str | None:
    """Applies sorted replacements; None unless the brackets come out exactly as intended."""
    pieces, last = [], 0
    for start, end, new in reps:
        pieces += [text[last:start], new]
        last = end
    changed = "".join([*pieces, text[last:]])

    def move(pos: int) -> int:
        return pos + sum(len(new) - (end - start) for start, end, new in reps if end <= pos)

    expected = [
        (move(pos), mark, move(partner) if partner >= 0 else -1)
        for pos, mark, partner in _brackets(text, toks)
        if pos not in removed
    ]
    return changed if _brackets(changed) == sorted(expected + added) else None
