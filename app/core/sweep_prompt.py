"""Prompt-side variations: search/replace, ``{a|b}`` alternations and ``__name__`` wildcards.

Alternations use the Dynamic Prompts extension's braces (``{red|blue} fox``); a group needs
at least one ``|`` so that ordinary braces stay text. Wildcards follow the same extension's
``__name__`` form; a name may hold ``/`` for a file in a sub-folder of the wildcard folder.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.core.sweep_values import MAX_AXIS_VALUES, AxisError

_GROUP = re.compile(r"\{([^{}]*\|[^{}]*)\}")
_WILDCARD = re.compile(r"__([A-Za-z0-9][A-Za-z0-9_\-/. ]*?)__")


@dataclass(frozen=True)
class Alternation:
    """One ``{a|b|c}`` group of a prompt: where it is and its choices."""

    start: int
    end: int
    choices: tuple[str, ...]


def alternations(prompt: str) -> list[Alternation]:
    return [
        Alternation(m.start(), m.end(), tuple(c.strip() for c in m.group(1).split("|")))
        for m in _GROUP.finditer(prompt)
    ]


def alternation_combinations(prompt: str) -> list[tuple[str, ...]]:
    """Every combination of the prompt's groups, first group varying slowest."""
    groups = alternations(prompt)
    if not groups:
        return []
    total = 1
    for group in groups:
        total *= len(group.choices)
    if total > MAX_AXIS_VALUES:
        raise AxisError(
            f"the prompt's alternatives give {total} combinations; "
            f"at most {MAX_AXIS_VALUES} per axis"
        )
    return list(itertools.product(*(g.choices for g in groups)))


def apply_alternation(prompt: str, picks: Sequence[str]) -> str:
    """The prompt with its groups replaced, in order, by ``picks``."""
    groups = alternations(prompt)
    if len(groups) != len(picks):
        raise AxisError(f"the prompt has {len(groups)} alternative groups, not {len(picks)}")
    out, last = [], 0
    for group, pick in zip(groups, picks, strict=True):
        out.append(prompt[last : group.start])
        out.append(pick)
        last = group.end
    out.append(prompt[last:])
    return "".join(out)


def wildcard_names(prompt: str) -> list[str]:
    """The ``__name__`` references of a prompt, each once, in order of appearance."""
    return list(dict.fromkeys(m.group(1) for m in _WILDCARD.finditer(prompt)))


def apply_wildcard(prompt: str, name: str, value: str) -> str:
    return prompt.replace(f"__{name}__", value)


def wildcard_values(
    name: str, wildcards: Mapping[str, Sequence[str]], count: int | None, seed: int
) -> list[str]:
    """All values of wildcard ``name`` or ``count`` of them picked with ``seed`` (repeatable)."""
    values = wildcards.get(name)
    if values is None:
        raise AxisError(f"no wildcard file named “{name}” (looked for {name}.txt)")
    values = list(dict.fromkeys(values))
    if not values:
        raise AxisError(f"the wildcard file “{name}” has no values")
    if count is None:
        if len(values) > MAX_AXIS_VALUES:
            raise AxisError(
                f"“{name}” has {len(values)} values; pick at most {MAX_AXIS_VALUES} at random"
            )
        return values
    if not 1 <= count <= MAX_AXIS_VALUES:
        raise AxisError(f"between 1 and {MAX_AXIS_VALUES} random picks")
    return random.Random(seed).sample(values, min(count, len(values)))


def wildcard_pick(name: str, wildcards: Mapping[str, Sequence[str]], seed: int, cell: int) -> str:
    """One value of a wildcard that is on no axis, fixed by the sweep's seed and the cell."""
    values = wildcards.get(name)
    if not values:
        raise AxisError(f"no wildcard file named “{name}” (or it has no values)")
    return random.Random(f"{seed}:{name}:{cell}").choice(list(values))


def search_replace(prompt: str, negative: str, search: str, replacement: str) -> tuple[str, str]:
    """A1111's Prompt S/R: the search text is replaced in the prompt and the negative prompt."""
    return prompt.replace(search, replacement), negative.replace(search, replacement)
