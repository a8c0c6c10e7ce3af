"""Sweep specs: a population of firms and the points of a sweep, read and checked before any run.

A sweep spec (YAML, ``scenarios/sweeps/sweep_*.yaml``) names a population of firms (``models``: site files;
``park``: a park file whose firms are planned one by one; ``population``: seeded variants of each), base
``scenarios``, fixed overrides (``set``), plan settings (``plan``) and the points, by ``grid`` (cartesian), ``list``
or ``lhs`` (seeded Latin hypercube) over dotted keys (the keys ``--set`` accepts). Every (firm, point) pair is one
run of ``pathways.batch``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pathways.errors import InputError, problem, suggest
from pathways.inputs.overrides import apply_override, compose, load_scenario, split_key, value_at
from pathways.inputs.resolve import resolve
from pathways.inputs.run_options import run_option_problems
from pathways.inputs.schema import Site
from pathways.inputs.yaml_files import read_yaml
from pathways.reference.tables import default_assumptions
from pathways.vocabulary import OBJECTIVES

SPEC_KEYS = ("name", "description", "models", "park", "population", "scenarios", "set", "plan", "points", "policy")
PLAN_DEFAULTS = {"objective": "npv", "years": None, "time_limit_s": 60.0, "gap": 1e-4}
MAX_RUNS = 200_000
TARGET_SITE = "site"


@dataclass(frozen=True)
class Member:
    """One firm of the population: a site file (path) or a site tree (dict), plus its own overrides."""

    label: str
    model: str | dict
    overrides: dict = field(default_factory=dict)
    kind: str = TARGET_SITE
    allow_paths: tuple = ()        # folders its data files may lie in besides its own (--allow-path; a park's folder)


@dataclass
class Sweep:
    """A checked sweep spec: its firms (``members``), base scenarios, fixed overrides, plan settings and points."""

    name: str
    path: Path | None
    members: list[Member]
    scenarios: list[str]
    fixed: dict[str, Any]
    plan: dict[str, Any]
    keys: list[str]
    points: list[dict[str, Any]]
    policy: dict[str, Any]
    description: str = ""
    allow_paths: tuple = ()        # --allow-path folders


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _key_problems(keys: list[str], where: str) -> list[str]:
    """Dotted keys that address nothing in a site model (checked without a model)."""
    out = []
    defaults = default_assumptions()
    for key in keys:
        try:
            split_key(key)
            apply_override(None, Site, key, None, defaults)
        except ValueError as exc:
            out.append(problem(f"{where}.{key}", key, f"not a dotted key ({exc})"))
        except InputError as exc:
            out.append(f"{where}: {exc.problems[0]}")
    return out


def latin_hypercube(ranges: dict[str, tuple[float, float]], samples: int, seed: int) -> list[dict[str, float]]:
    """``samples`` points; for every key exactly one point falls in each of ``samples`` equal strata of [lo, hi)."""
    rng = np.random.default_rng(seed)
    cols = {k: lo + (hi - lo) * (rng.permutation(samples) + rng.random(samples)) / samples
            for k, (lo, hi) in ranges.items()}
    return [{k: float(cols[k][i]) for k in ranges} for i in range(samples)]


def _points(spec: Any, label: str) -> tuple[list[str], list[dict], list[str]]:
    """(keys, points, problems) of the ``points`` section."""
    where = f"{label}: points"
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("grid", "list", "lhs"):
        return [], [], [problem(where, spec, "must be a mapping with exactly one of grid, list or lhs")]
    kind, body = next(iter(spec.items()))
    bad: list[str] = []
    if kind == "grid":
        if not isinstance(body, dict) or not body:
            return [], [], [problem(f"{where}.grid", body, "must map dotted keys to lists of values")]
        for k, v in body.items():
            if not isinstance(v, list) or not v:
                bad.append(problem(f"{where}.grid.{k}", v, "must be a non-empty list of values"))
        if bad:
            return [], [], bad
        keys = list(body)
        return keys, [dict(zip(keys, combo)) for combo in itertools.product(*body.values())], []
    if kind == "list":
        if not isinstance(body, list) or not body:
            return [], [], [problem(f"{where}.list", body, "must be a non-empty list of {dotted key: value} mappings")]
        for i, p in enumerate(body):
            if not isinstance(p, dict) or not p:
                bad.append(problem(f"{where}.list[{i}]", p, "must be a non-empty mapping {dotted key: value}"))
        if bad:
            return [], [], bad
        keys = list(dict.fromkeys(k for p in body for k in p))
        return keys, [dict(p) for p in body], []
    if not isinstance(body, dict):
        return [], [], [problem(f"{where}.lhs", body, "must be {samples: N, seed: S, ranges: {key: [lo, hi]}}")]
    extra = sorted(set(body) - {"samples", "seed", "ranges"})
    if extra:
        bad.append(problem(f"{where}.lhs", extra[0], "unknown key; allowed: samples, seed, ranges",
                           suggest(extra[0], ["samples", "seed", "ranges"])))
    n, seed, ranges = body.get("samples"), body.get("seed", 0), body.get("ranges")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_RUNS:
        bad.append(problem(f"{where}.lhs.samples", n, f"must be a whole number from 1 to {MAX_RUNS}"))
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        bad.append(problem(f"{where}.lhs.seed", seed, "must be a whole number >= 0"))
    if not isinstance(ranges, dict) or not ranges:
        bad.append(problem(f"{where}.lhs.ranges", ranges, "must map dotted keys to [low, high]"))
    else:
        for k, v in ranges.items():
            if not (isinstance(v, list) and len(v) == 2 and all(map(_is_num, v)) and v[0] < v[1]):
                bad.append(problem(f"{where}.lhs.ranges.{k}", v, "must be [low, high] with low < high (numbers)"))
    if bad:
        return [], [], bad
    return list(ranges), latin_hypercube({k: tuple(v) for k, v in ranges.items()}, n, seed), []


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return round(value * factor) if isinstance(value, int) else value * factor


def _population(body: Any, base: list[Member], label: str) -> tuple[list[Member], list[str]]:
    """The base firms plus ``variants_per_model`` seeded variants of each: every ``scale`` key multiplied by a
    factor drawn uniformly from [low, high] (lists element by element, whole numbers rounded)."""
    where = f"{label}: population"
    if body is None:
        return base, []
    if not isinstance(body, dict):
        return base, [problem(where, body, "must be {variants_per_model: N, seed: S, scale: {key: [low, high]}}")]
    bad = []
    extra = sorted(set(body) - {"variants_per_model", "seed", "scale"})
    if extra:
        bad.append(problem(f"{where}.{extra[0]}", body[extra[0]], "unknown key; allowed: variants_per_model, seed, "
                           "scale", suggest(extra[0], ["variants_per_model", "seed", "scale"])))
    n, seed, scale = body.get("variants_per_model", 0), body.get("seed", 0), body.get("scale") or {}
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 10_000:
        bad.append(problem(f"{where}.variants_per_model", n, "must be a whole number from 0 to 10000"))
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        bad.append(problem(f"{where}.seed", seed, "must be a whole number >= 0"))
    if not isinstance(scale, dict):
        bad.append(problem(f"{where}.scale", scale, "must map dotted keys to [low, high] factors"))
    else:
        for k, v in scale.items():
            if not (isinstance(v, list) and len(v) == 2 and all(map(_is_num, v)) and 0 < v[0] <= v[1]):
                bad.append(problem(f"{where}.scale.{k}", v, "must be [low, high] factors with 0 < low <= high"))
        bad += _key_problems(list(scale), f"{where}.scale")
    if bad or not n:
        return base, bad
    rng = np.random.default_rng(seed)
    out = list(base)
    for m in base:
        tree = resolve(m.model, allow_paths=m.allow_paths).model.model_dump(mode="json")
        for v in range(1, n + 1):
            over = {**m.overrides}
            for k, (lo, hi) in scale.items():
                f = float(rng.uniform(lo, hi))
                value = value_at(tree, k)
                if value is not None:
                    over[k] = _scaled(value, f)
            out.append(Member(f"{m.label}~v{v}", m.model, over, m.kind, m.allow_paths))
    return out, []


def _park_members(park_path: Path, label: str, allow_paths: tuple = ()) -> list[Member]:
    """The firms of a park as stand-alone sites (id and tenancy dropped; data files already resolved within the
    park's folder or ``allow_paths``, which their members admit)."""
    r = resolve(park_path, allow_paths=allow_paths)
    if r.kind != "park":
        raise InputError(problem(f"{label}: park", str(park_path), "must name a park file (with firms)"))
    out = []
    for firm in r.model.firms:
        tree = firm.model_dump(mode="json", exclude_unset=True)
        fid = tree.pop("id", None) or firm.name
        tree.pop("tenancy", None)
        out.append(Member(f"{park_path.stem}/{fid}", tree, allow_paths=(str(park_path.parent), *allow_paths)))
    return out


def load_sweep(path: str | Path, allow_paths=()) -> Sweep:
    """Read and validate a sweep spec; raises InputError with one line per problem. ``allow_paths``: folders the
    models' data files may lie in besides each model's own folder (``--allow-path``)."""
    path = Path(path)
    label = str(path)
    data = read_yaml(path)
    base_dir = path.resolve().parent
    allow = tuple(str(Path(d).resolve()) for d in allow_paths or ())
    bad: list[str] = []
    for k in data:
        if k not in SPEC_KEYS:
            bad.append(problem(f"{label}: {k}", data[k], "unknown key; allowed: " + ", ".join(SPEC_KEYS),
                               suggest(str(k), SPEC_KEYS)))
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        bad.append(problem(f"{label}: name", name, "must be text"))
    models = data.get("models", [])
    models = [models] if isinstance(models, str) else models
    members: list[Member] = []
    if not isinstance(models, list) or not all(isinstance(m, str) and m.strip() for m in models):
        bad.append(problem(f"{label}: models", models, "must be a list of site file paths (relative to the spec)"))
    else:
        for i, m in enumerate(models):
            p = Path(m) if Path(m).is_absolute() else base_dir / m
            if not p.is_file():
                bad.append(problem(f"{label}: models[{i}]", m, f"no such file (paths start at {base_dir})"))
            else:
                members.append(Member(p.stem, str(p.resolve()), allow_paths=allow))
    park = data.get("park")
    if park is not None:
        p = Path(str(park)) if Path(str(park)).is_absolute() else base_dir / str(park)
        if not isinstance(park, str) or not p.is_file():
            bad.append(problem(f"{label}: park", park, f"must be the path of a park file (paths start at {base_dir})"))
        else:
            try:
                members += _park_members(p.resolve(), label, allow)
            except InputError as exc:
                bad += [f"{label}: park: {line}" for line in exc.problems]
    if not members and not bad:
        bad.append(problem(f"{label}: models", models, "give at least one site file in models or a park file"))
    labels = [m.label for m in members]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        bad.append(problem(f"{label}: models", dupes[0], "two firms share this name; give each model once"))

    scenarios = data.get("scenarios", [])
    scenarios = [scenarios] if isinstance(scenarios, str) else scenarios
    if not isinstance(scenarios, list) or not all(isinstance(s, str) for s in scenarios):
        bad.append(problem(f"{label}: scenarios", scenarios, "must be a list of scenario names or files"))
        scenarios = []
    scenarios = [str((base_dir / s).resolve()) if s.endswith((".yaml", ".yml")) and not Path(s).is_absolute()
                 else s for s in scenarios]
    try:
        compose([load_scenario(s) for s in scenarios])
    except InputError as exc:
        bad += [f"{label}: scenarios: {line}" for line in exc.problems]

    fixed = data.get("set") or {}
    if not isinstance(fixed, dict):
        bad.append(problem(f"{label}: set", fixed, "must map dotted keys to values"))
        fixed = {}
    bad += _key_problems(list(fixed), f"{label}: set")

    plan = dict(PLAN_DEFAULTS)
    body = data.get("plan") or {}
    if not isinstance(body, dict):
        bad.append(problem(f"{label}: plan", body, "must be {objective, years, time_limit_s, gap}"))
        body = {}
    for k, v in body.items():
        if k not in PLAN_DEFAULTS:
            bad.append(problem(f"{label}: plan.{k}", v, "unknown; allowed: " + ", ".join(PLAN_DEFAULTS),
                               suggest(str(k), PLAN_DEFAULTS)))
        elif k == "objective" and v not in OBJECTIVES:
            bad.append(problem(f"{label}: plan.objective", v, "must be one of " + ", ".join(OBJECTIVES)))
        elif k in ("years", "time_limit_s", "gap") and run_option_problems(**{k.replace("_s", ""): v}):
            bad.append(problem(f"{label}: plan.{k}", v, "must be " + run_option_problems(
                **{k.replace("_s", ""): v})[0].split(" -- ", 1)[1]))
        else:
            plan[k] = v

    keys, points, pb = _points(data.get("points"), label)
    bad += pb
    if keys:
        bad += _key_problems(keys, f"{label}: points")
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        bad.append(problem(f"{label}: policy", policy, "must be a mapping (see pathways.policy)"))
        policy = {}
    if not bad:
        members, pb = _population(data.get("population"), members, label)
        bad += pb
    if not bad and len(members) * len(points) > MAX_RUNS:
        bad.append(problem(f"{label}: points", len(members) * len(points),
                           f"firms x points must be at most {MAX_RUNS:,} runs"))
    if bad:
        raise InputError(bad)
    return Sweep(name=name, path=path, members=members, scenarios=scenarios, fixed=fixed, plan=plan, keys=keys,
                 points=points, policy=policy, description=str(data.get("description", "")), allow_paths=allow)
