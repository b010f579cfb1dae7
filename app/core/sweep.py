"""Sweeps: up to three axes over a tool's fields, expanded into an ordered grid of tasks.

An axis names a *target* and holds the text the user typed for it:

- a schema field id (``steps``, ``scale``, ``scheduler``, ``seed``…): numbers as lists or
  ranges, select fields as several choices, seeds also as ``random N``;
- ``size``: ``WxH`` items that set width and height together;
- ``prompt:sr``: A1111's Prompt S/R, the first item is searched for and each item replaces it;
- ``prompt:alternatives``: every combination of the prompt's ``{a|b}`` groups (no text);
- ``wildcard:<name>``: the values of ``<name>.txt``, all or ``count`` picked with ``seed``.

Cells come in grid order (Z pages, then Y rows, then X columns), each with its full Run
parameters. Random draws are resolved once and written back into :attr:`SweepPlan.spec`, so
``build_plan(schema, plan.spec, base, ...)`` gives the same cells again.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from app.core.params import SEED_MAX, FieldError, coerce_field, validate
from app.core.schema import FieldKind, FieldSpec, ToolSchema
from app.core.sweep_model import (
    AXIS_NAMES,
    DEFINITION_FORMAT,
    MAX_CELLS,
    NEGATIVE_FIELD,
    PROMPT_ALTERNATIVES,
    PROMPT_FIELD,
    PROMPT_SR,
    SAMPLES_FIELD,
    SIZE,
    WILDCARD,
    Axis,
    AxisSpec,
    AxisValue,
    Cell,
    SweepPlan,
    SweepSpec,
)
from app.core.sweep_prompt import (
    alternation_combinations,
    alternations,
    apply_alternation,
    apply_wildcard,
    search_replace,
    wildcard_names,
    wildcard_pick,
    wildcard_values,
)
from app.core.sweep_values import (
    AxisError,
    choice_values,
    fmt_number,
    number_values,
    seed_values,
    size_values,
    split_items,
    text_values,
)

__all__ = [
    "AXIS_NAMES",
    "DEFINITION_FORMAT",
    "MAX_CELLS",
    "NEGATIVE_FIELD",
    "PROMPT_ALTERNATIVES",
    "PROMPT_FIELD",
    "PROMPT_SR",
    "SAMPLES_FIELD",
    "SIZE",
    "WILDCARD",
    "Axis",
    "AxisError",
    "AxisSpec",
    "AxisValue",
    "Cell",
    "SweepPlan",
    "SweepSpec",
    "build_plan",
    "plan_from_definition",
    "targets",
    "vary_spec",
]


def targets(schema: ToolSchema) -> list[tuple[str, str]]:
    """(target, title) pairs an axis may use for this tool, in form order."""
    out: list[tuple[str, str]] = []
    ids = {f.id for f in schema.fields}
    for spec in schema.fields:
        if spec.kind is FieldKind.FILE or spec.id in (PROMPT_FIELD, NEGATIVE_FIELD):
            continue
        out.append((spec.id, spec.label))
    if {"width", "height"} <= ids:
        out.append((SIZE, "Size"))
    if PROMPT_FIELD in ids:
        out += [(PROMPT_SR, "Prompt S/R"), (PROMPT_ALTERNATIVES, "Prompt alternatives")]
    return out


def _field(schema: ToolSchema, field_id: str) -> Any:
    spec = schema.field(field_id)
    if spec is None:
        raise AxisError(f"this tool has no field “{field_id}”")
    return spec


def _parse_axis(
    schema: ToolSchema,
    spec: AxisSpec,
    base: Mapping[str, Any],
    wildcards: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> tuple[AxisSpec, str, list[AxisValue]]:
    target, text = spec.target, spec.text
    if target == SIZE:
        sizes = size_values(_field(schema, "width"), _field(schema, "height"), text)
        return spec, "Size", [AxisValue(f"{w}x{h}", {"width": w, "height": h}) for w, h in sizes]
    if target == PROMPT_SR:
        items = split_items(text)
        if not items:
            raise AxisError("give the text to search for, then its replacements")
        prompt = str(base.get(PROMPT_FIELD) or "")
        negative = str(base.get(NEGATIVE_FIELD) or "")
        if items[0] not in prompt and items[0] not in negative:
            raise AxisError(f"“{items[0]}” is not in the prompt or the negative prompt")
        if len(set(items)) != len(items):
            raise AxisError("a replacement appears twice")
        return spec, "Prompt S/R", [AxisValue(i, replace=(items[0], i)) for i in items]
    if target == PROMPT_ALTERNATIVES:
        combos = alternation_combinations(str(base.get(PROMPT_FIELD) or ""))
        if not combos:
            raise AxisError("the prompt has no {a|b} alternatives")
        return spec, "Prompt", [AxisValue(" · ".join(c), alternatives=c) for c in combos]
    if target.startswith(WILDCARD):
        name = target[len(WILDCARD) :]
        if name not in wildcard_names(str(base.get(PROMPT_FIELD) or "")):
            raise AxisError(f"the prompt does not use __{name}__")
        seed = spec.seed
        if spec.count is not None and seed is None:
            seed = rng.randint(0, SEED_MAX)
        picked = wildcard_values(name, wildcards, spec.count, seed or 0)
        resolved = replace(spec, seed=seed)
        return resolved, f"__{name}__", [AxisValue(v, wildcard=(name, v)) for v in picked]
    fspec = _field(schema, target)
    if target == "seed":
        seeds = seed_values(fspec, text, rng)
        resolved = replace(spec, text=", ".join(str(s) for s in seeds))
        return resolved, fspec.label, [AxisValue(str(s), {target: s}) for s in seeds]
    if fspec.kind in (FieldKind.INTEGER, FieldKind.FLOAT):
        values: list[Any] = number_values(fspec, text)
    elif fspec.kind is FieldKind.SELECT:
        values = choice_values(fspec, text)
    elif fspec.kind is FieldKind.FILE:
        raise AxisError(f"{fspec.label} cannot be swept")
    else:
        values = text_values(fspec, text)
    return spec, fspec.label, [AxisValue(_label(v), {target: v}) for v in values]


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return fmt_number(value) if isinstance(value, float) else str(value)


def _cell_values(
    base: Mapping[str, Any],
    picks: Sequence[AxisValue],
    wildcards: Mapping[str, Sequence[str]],
    wildcard_seed: int,
    index: int,
) -> dict[str, Any]:
    values = dict(base)
    prompt = str(values.get(PROMPT_FIELD) or "")
    negative = str(values.get(NEGATIVE_FIELD) or "")
    for pick in picks:
        if pick.replace is not None:
            prompt, negative = search_replace(prompt, negative, *pick.replace)
    for pick in picks:
        if pick.alternatives is not None:
            prompt = apply_alternation(prompt, pick.alternatives)
        if pick.wildcard is not None:
            prompt = apply_wildcard(prompt, *pick.wildcard)
        values.update(pick.params)
    for name in wildcard_names(prompt):
        prompt = apply_wildcard(prompt, name, wildcard_pick(name, wildcards, wildcard_seed, index))
    if PROMPT_FIELD in values:
        values[PROMPT_FIELD] = prompt
    if NEGATIVE_FIELD in values:
        values[NEGATIVE_FIELD] = negative
    return values


def _axes(
    schema: ToolSchema,
    spec: SweepSpec,
    base: Mapping[str, Any],
    wildcards: Mapping[str, Sequence[str]],
    rng: random.Random,
) -> tuple[list[AxisSpec], list[Axis], list[str]]:
    resolved: list[AxisSpec] = []
    axes: list[Axis] = []
    errors: list[str] = []
    used: set[str] = set()
    for name, axis_spec in zip(AXIS_NAMES, spec.axes, strict=False):
        claims = {"width", "height"} if axis_spec.target == SIZE else {axis_spec.target}
        if claims & used:
            errors.append(f"{name}: this setting is already on another axis")
            continue
        used |= claims
        try:
            final, title, values = _parse_axis(schema, axis_spec, base, wildcards, rng)
        except AxisError as exc:
            errors.append(f"{name} ({_title(schema, axis_spec.target)}): {exc}")
            resolved.append(axis_spec)
            continue
        resolved.append(final)
        axes.append(Axis(name, final.target, title, tuple(values)))
    if len(spec.axes) > len(AXIS_NAMES):
        errors.append("at most three axes: X, Y and Z")
    return resolved, axes, errors


def _title(schema: ToolSchema, target: str) -> str:
    return dict(targets(schema)).get(target) or target.removeprefix(WILDCARD)


def build_plan(
    schema: ToolSchema,
    spec: SweepSpec,
    base: Mapping[str, Any],
    *,
    wildcards: Mapping[str, Sequence[str]] | None = None,
    rng: random.Random | None = None,
) -> SweepPlan:
    """Parse the axes, expand them over ``base`` (the form's values) and validate every cell.

    ``rng`` draws random seeds and wildcard seeds not yet fixed (system randomness if None);
    the plan's ``spec`` records what was drawn. Errors are collected, never raised.
    """
    wildcards = wildcards or {}
    rng = rng or random.Random(random.SystemRandom().getrandbits(64))
    resolved, axes, errors = _axes(schema, spec, base, wildcards, rng)
    prompt = str(base.get(PROMPT_FIELD) or "")
    if alternations(prompt) and PROMPT_ALTERNATIVES not in {a.target for a in axes}:
        errors.append("The prompt has {a|b} alternatives: put “Prompt alternatives” on an axis.")
    on_axis = {a.target[len(WILDCARD) :] for a in axes if a.target.startswith(WILDCARD)}
    loose = [n for n in wildcard_names(prompt) if n not in on_axis]
    errors += [f"No wildcard file named “{n}”." for n in loose if not wildcards.get(n)]
    wildcard_seed = spec.wildcard_seed
    if loose and wildcard_seed is None:
        wildcard_seed = rng.randint(0, SEED_MAX)
    final_spec = SweepSpec(tuple(resolved), wildcard_seed)
    if not spec.axes:
        errors.append("Choose at least one axis.")
    plan = SweepPlan(schema.slug, final_spec, tuple(axes), (), tuple(errors), dict(base))
    nx, ny, nz = plan.shape
    if nx * ny * nz > MAX_CELLS:
        return replace(
            plan, errors=(*errors, f"{nx * ny * nz} tasks; a sweep holds at most {MAX_CELLS}.")
        )
    if errors:
        return plan
    cells, cell_errors = _expand(schema, plan, base, wildcards, wildcard_seed or 0)
    return replace(plan, cells=tuple(cells), errors=tuple(cell_errors))


def plan_from_definition(
    schema: ToolSchema,
    definition: Mapping[str, Any],
    *,
    wildcards: Mapping[str, Sequence[str]] | None = None,
) -> SweepPlan:
    """The plan a stored :meth:`SweepPlan.definition` describes (history, a contact sheet)."""
    if definition.get("format") != DEFINITION_FORMAT:
        raise ValueError("not a Wiro Studio sweep definition")
    if definition.get("tool") != schema.slug:
        raise ValueError(f"this sweep is for {definition.get('tool')}, not {schema.slug}")
    spec = SweepSpec.from_json(definition.get("spec") or {})
    base = definition.get("base")
    return build_plan(schema, spec, base if isinstance(base, Mapping) else {}, wildcards=wildcards)


def vary_spec(count: int) -> SweepSpec:
    """Vary: the same settings with ``count`` new random seeds, as a one-axis sweep."""
    return SweepSpec((AxisSpec("seed", f"random {count}"),))


def _expand(
    schema: ToolSchema,
    plan: SweepPlan,
    base: Mapping[str, Any],
    wildcards: Mapping[str, Sequence[str]],
    wildcard_seed: int,
) -> tuple[list[Cell], list[str]]:
    nx, ny, nz = plan.shape
    axes = list(plan.axes)
    checked = validate(schema, base)
    specs = {f.id: f for f in schema.fields if f.kind is not FieldKind.FILE}
    cells: list[Cell] = []
    errors: dict[str, str] = {}
    index = -1
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                index += 1
                picks = [a.values[i] for a, i in zip(axes, (x, y, z), strict=False)]
                try:
                    values = _cell_values(base, picks, wildcards, wildcard_seed, index)
                except AxisError as exc:
                    errors.setdefault(str(exc), f"Cell {index + 1}: {exc}.")
                    continue
                params, messages = _revalidate(specs, checked.params, checked.errors, base, values)
                for message in messages:
                    errors.setdefault(message, message)
                labels = tuple(p.label for p in picks)
                cells.append(Cell(index, x, y, z, params, labels))
    return cells, list(errors.values())


def _revalidate(
    specs: Mapping[str, FieldSpec],
    base_params: Mapping[str, Any],
    base_errors: Mapping[str, str],
    base: Mapping[str, Any],
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """``validate(schema, values)``, re-checking only the fields that differ from ``base``."""
    changed = [k for k, v in values.items() if k in specs and (k not in base or v != base[k])]
    params = dict(base_params)
    errors = {k: e for k, e in base_errors.items() if k not in changed}
    for key in changed:
        try:
            params[key] = coerce_field(specs[key], values[key])
        except FieldError as exc:
            params.pop(key, None)
            errors[key] = f"{specs[key].label} {exc}."
    return params, [errors[f] for f in specs if f in errors]
