"""The resolved configuration of a run: data defaults < model file < scenarios in the order given < ``--set``,
validated into one Site or Park (``pathways validate`` is in ``pathways.cli.validate``).

The data defaults are ``pathways.reference.tables.default_assumptions()``, the ``assumptions`` subtree; overrides
are dotted keys (``pathways.inputs.overrides``).

``finance.discount_rate``, ``plan.years`` and ``plan.horizon_years`` mirror ``assumptions.finance.discount_rate_real``
and ``assumptions.plan.*``: when a scenario or --set overrides either, the later override wins; otherwise a value in
the model wins, and a field left out takes the assumption. Afterwards both places hold the same number. Relative
CSV paths (``electricity.metered_csv``, ``roofs[].pv_profile_csv``) are made absolute against the directory of the
file that names them.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from pathways import paths
from pathways.energy.load import fuel_use_by_end_use
from pathways.errors import InputError, problem, suggest
from pathways.inputs.overrides import (apply_override, deep_merge, expand_dotted, keys_overlap, parse_set,
                                       scenario_overrides, value_at)
from pathways.inputs.schema import CARRIER_UNITS, Park, Scenario, Site, is_number, key_text, validate_model
from pathways.inputs.yaml_files import plain_problems, read_yaml
from pathways.reference.cities import load_cities, resolve_location
from pathways.reference.tables import assumption_ranges, default_assumptions


@dataclass
class Resolved:
    """A validated model with everything merged in, ready for a run."""

    kind: str                     # "site" | "park"
    model: Site | Park
    assumptions: dict             # merged assumptions (same object as model.assumptions)
    applied_overrides: list[dict] = field(default_factory=list)  # {key, value, previous, source}
    config_hash: str = ""         # sha256 of the canonical JSON of kind + model: a run id
    source_path: Path | None = None


def detect_kind(data: dict) -> str:
    """'scenario' (has overrides), 'park' (has firms) or 'site'."""
    if "overrides" in data:
        return "scenario"
    if "firms" in data:
        return "park"
    return "site"


def _absolutize(site: Any, base_dir: Path, allowed: Sequence[str | Path] = (), prefix: str = "",
                done: set | None = None) -> list[str]:
    """Resolve the data files one site tree names against ``base_dir``, confined to it (``paths.resolve_model_path``):
    each becomes its real absolute path, remembered in ``done`` (not checked again). Returns problems."""
    if not isinstance(site, dict):
        return []
    elec = site.get("electricity")
    targets: list[tuple[dict, str, str]] = [(site, "weather_file", f"{prefix}weather_file")]
    if isinstance(elec, dict):
        targets.append((elec, "metered_csv", f"{prefix}electricity.metered_csv"))
    roofs = site.get("roofs")
    if isinstance(roofs, list):
        targets += [(r, "pv_profile_csv", f"{prefix}roofs[{i}].pv_profile_csv") for i, r in enumerate(roofs)
                    if isinstance(r, dict)]
    done = set() if done is None else done
    out: list[str] = []
    for holder, key, where in targets:
        value = holder.get(key)
        if value is None or (isinstance(value, str) and value in done):
            continue
        try:
            real = str(paths.resolve_model_path(where, value, base_dir, allowed))
        except InputError as exc:
            out += exc.problems
            continue
        holder[key] = real
        done.add(real)
    return out


def _expand_firms(tree: dict, base_dir: Path, allowed: Sequence[str | Path] = (), done: set | None = None) -> list[str]:
    """Replace ``{file: ..., id, tenancy}`` firm entries by the site they name (paths relative to the park file,
    confined to its folder like every data file); give every firm an id. Returns problems."""
    firms = tree.get("firms")
    if not isinstance(firms, list):
        return []
    problems: list[str] = []
    out = []
    for i, firm in enumerate(firms):
        if isinstance(firm, dict) and "file" in firm:
            extra = sorted(set(map(str, firm)) - {"file", "id", "tenancy"})
            if extra:
                problems.append(problem(f"firms[{i}]", extra, "with 'file' only 'id' and 'tenancy' may be given; "
                                                              "put other fields in the firm's file"))
                out.append(firm)
                continue
            ref = firm["file"]
            if not isinstance(ref, str) or not ref.strip():
                problems.append(problem(f"firms[{i}].file", ref, "must be the path of a site YAML file"))
                out.append(firm)
                continue
            try:
                path = paths.resolve_model_path(f"firms[{i}].file", ref, base_dir, allowed)
            except InputError as exc:
                problems += exc.problems
                out.append(firm)
                continue
            try:
                site = read_yaml(path)
            except InputError as exc:
                problems += [problem(f"firms[{i}].file", ref, line) for line in exc.problems]
                out.append(firm)
                continue
            if "file" in site or "firms" in site:
                problems.append(problem(f"firms[{i}].file", ref, "must name a site file (no nested firms or file)"))
            problems += _absolutize(site, path.parent, allowed, f"firms[{i}].", done)
            site.update({k: firm[k] for k in ("id", "tenancy") if k in firm})
            firm = site
        elif isinstance(firm, dict):
            problems += _absolutize(firm, base_dir, allowed, f"firms[{i}].", done)
        if isinstance(firm, dict):
            firm.setdefault("id", f"firm_{i + 1}")
            if firm.get("id") is None:
                firm["id"] = f"firm_{i + 1}"
            if "assumptions" in firm:
                firm["assumptions"] = expand_dotted(firm["assumptions"])
        out.append(firm)
    tree["firms"] = out
    return problems


# Model fields that mirror an assumption: (model key, assumption key below ``assumptions``).
MIRRORED = (("finance.discount_rate", "finance.discount_rate_real"), ("plan.years", "plan.years"),
            ("plan.horizon_years", "plan.horizon_years"))


def _reconcile(site: dict, prefix: str, applied_keys: list[str],
               pairs: Sequence[tuple[str, str]] = MIRRORED) -> None:
    """For each mirrored pair, the later of the two overrides wins; without overrides of either, the model's
    value wins over the assumption's. Here the model field takes the assumption's value when that one wins."""
    for model_key, assumption_key in pairs:
        mine = prefix + model_key
        theirs = ["assumptions." + assumption_key] + ([prefix + "assumptions." + assumption_key] if prefix else [])
        last = None
        for key in applied_keys:
            if keys_overlap(key, mine):
                last = "model"
            elif any(keys_overlap(key, t) for t in theirs):
                last = "assumption"
        if last == "assumption":
            group, leaf = model_key.split(".")
            value = value_at(site.get("assumptions"), assumption_key)
            holder = site.get(group)
            if value is not None and (holder is None or isinstance(holder, dict)):
                site[group] = {**(holder or {}), leaf: value}


def _fill_plan(tree: dict, assumptions: dict) -> None:
    """``plan.years``/``plan.horizon_years`` left out take ``assumptions.plan.*``."""
    plan_a = assumptions.get("plan") if isinstance(assumptions.get("plan"), dict) else {}
    plan = tree.get("plan")
    if plan is None and "plan" not in tree:
        plan = tree["plan"] = {}
    if isinstance(plan, dict):
        for k in ("years", "horizon_years"):
            if k not in plan and k in plan_a:
                plan[k] = plan_a[k]


def _fill_discount_rate(site: dict, assumptions: dict) -> None:
    """``finance.discount_rate`` left out takes ``assumptions.finance.discount_rate_real``."""
    fin_a = assumptions.get("finance") if isinstance(assumptions.get("finance"), dict) else {}
    fin = site.get("finance")
    if fin is None and "finance" not in site:
        fin = site["finance"] = {}
    if isinstance(fin, dict) and fin.get("discount_rate") is None and "discount_rate_real" in fin_a:
        fin["discount_rate"] = fin_a["discount_rate_real"]


def _sync_assumptions(model: Site, assumptions: dict) -> None:
    """Write the model's plan years, horizon and discount rate back into its assumptions."""
    if isinstance(assumptions.get("plan"), dict):
        assumptions["plan"]["years"] = model.plan.years
        assumptions["plan"]["horizon_years"] = model.plan.horizon_years
    if isinstance(assumptions.get("finance"), dict) and model.finance.discount_rate is not None:
        assumptions["finance"]["discount_rate_real"] = model.finance.discount_rate


def _check_assumptions(tree: Any, defaults: Any, path: str, ranges: Any = None) -> list[str]:
    """Assumption keys must exist in the data defaults; leaves must keep the default's type and lie in the
    ``range`` (numbers) or ``choices`` (text) given next to the default in data/defaults.yaml."""
    out: list[str] = []
    if ranges is None:
        ranges = assumption_ranges()
    if not isinstance(tree, dict):
        return [problem(path, tree, "must be a mapping of assumption groups (see data/defaults.yaml)")]
    for k, v in tree.items():
        p = f"{path}.{key_text(k)}"
        if k not in defaults:
            hints = [f"{path}.{h}" for h in suggest(str(k), list(defaults))]
            out.append(problem(p, v, "unknown assumption; known here: " + ", ".join(map(str, defaults)), hints))
            continue
        d = defaults[k]
        limits = ranges.get(k) if isinstance(ranges, dict) else None
        limits = limits if isinstance(limits, dict) else {}
        if isinstance(d, dict):
            out += _check_assumptions(v, d, p, limits)
        elif isinstance(d, bool):
            if not isinstance(v, bool):
                out.append(problem(p, v, "must be true or false"))
        elif is_number(d):
            lo, hi = limits.get("range", (-math.inf, math.inf))
            if not is_number(v):
                out.append(problem(p, v, f"must be a number (default {d})"))
            elif not (math.isfinite(v) and lo <= v <= hi):
                out.append(problem(p, v, f"must be between {lo:g} and {hi:g} (default {d}; range in "
                                         "data/defaults.yaml)"))
        elif isinstance(d, str) and limits.get("choices") and v not in limits["choices"]:
            out.append(problem(p, v, "must be one of " + ", ".join(map(str, limits["choices"])),
                               suggest(str(v), list(map(str, limits["choices"])))))
        elif isinstance(d, str) and not (isinstance(v, str) or (
                isinstance(v, list) and v and all(isinstance(x, str) for x in v))):
            out.append(problem(p, v, f"must be text or a list of texts (default {d!r})"))
    return out


def _province_names() -> dict[str, str]:
    """Lower-case English or Chinese province name -> English name (from data/cities.csv)."""
    df = load_cities()
    names: dict[str, str] = {}
    for en, zh in zip(df["province"], df["province_zh"]):
        names[str(en).lower()] = str(en)
        names[str(zh).lower()] = str(en)
    return names


def _check_place(model: Site | Park, prefix: str) -> list[str]:
    """City/coordinates through pathways.reference.cities; province names; fills ``province`` from the city."""
    out: list[str] = []
    pre = f"{prefix}." if prefix else ""
    loc = None
    try:
        loc = resolve_location(name=model.city,
                               lat_deg=model.location.lat_deg if model.location else None,
                               lon_deg=model.location.lon_deg if model.location else None)
    except InputError as exc:
        out += [pre + line for line in exc.problems]
    provinces = _province_names()
    if model.province is not None:
        canon = provinces.get(model.province.strip().lower())
        if canon is None:
            out.append(problem(f"{pre}province", model.province, "must be a province of mainland China",
                               suggest(model.province, sorted(set(provinces.values())))))
        elif loc is not None and model.city is not None and canon != loc.province:
            out.append(problem(f"{pre}province", model.province, f"{model.city} is in {loc.province}; "
                                                                 "fix the city or the province"))
        else:
            model.province = canon
    elif loc is not None:
        model.province = loc.province
    tariffs = []
    if isinstance(model, Site):
        tariffs.append((f"{pre}electricity.tariff.province", model.electricity.tariff))
    elif model.tariff is not None:
        tariffs.append((f"{pre}tariff.province", model.tariff))
    for path, tariff in tariffs:
        if tariff.province is not None:
            canon = provinces.get(tariff.province.strip().lower())
            if canon is None:
                out.append(problem(path, tariff.province, "must be a province of mainland China",
                                   suggest(tariff.province, sorted(set(provinces.values())))))
            else:
                tariff.province = canon
    return out


def _check_files(site: Site, prefix: str) -> list[str]:
    pre = f"{prefix}." if prefix else ""
    out = []
    checks = [(f"{pre}electricity.metered_csv", site.electricity.metered_csv), (f"{pre}weather_file", site.weather_file)]
    checks += [(f"{pre}roofs[{i}].pv_profile_csv", r.pv_profile_csv) for i, r in enumerate(site.roofs)]
    for path, value in checks:
        if value is not None and not Path(value).is_file():
            out.append(problem(path, value, "no such file (relative paths start at the model file's directory)"))
    return out


MAX_LIFETIME_YEARS = 50           # measures (catalog, params overrides, custom quotes): 1..50 years
MAX_CUSTOM_CAPEX_CNY = 1e10


def _check_custom_measures(site: Site, prefix: str) -> list[str]:
    """Ranges that need the site: a custom measure saves at most the site's own use of that carrier (annual_kwh;
    the listed fuels, or the sector default when ``fuels`` is left out) and lives 1..50 years; capex <= 1e10
    CNY; lifetime overrides in ``measures.params`` 1..50 years."""
    pre = f"{prefix}." if prefix else ""
    out: list[str] = []
    kwh = site.electricity.annual_kwh
    fuels_in = [f.model_dump() for f in site.fuels] if "fuels" in site.model_fields_set else None
    have: dict[str, float] = {}
    for q in fuel_use_by_end_use(fuels_in, site.sector, kwh).values():
        for carrier, x in q.items():
            have[carrier] = have.get(carrier, 0.0) + x
    for mid, params in site.measures.params.items():
        life = params.get("lifetime_years")
        if is_number(life) and not 1 <= life <= MAX_LIFETIME_YEARS:
            out.append(problem(f"{pre}measures.params.{mid}.lifetime_years", life,
                               f"must be between 1 and {MAX_LIFETIME_YEARS} years"))
    for i, spec in enumerate(site.measures.custom):
        path = f"{pre}measures.custom[{i}]"
        life, capex = spec.get("lifetime_years"), spec.get("capex_cny")
        if is_number(life) and not 1 <= life <= MAX_LIFETIME_YEARS:
            out.append(problem(f"{path}.lifetime_years", life, f"must be between 1 and {MAX_LIFETIME_YEARS} years"))
        if is_number(capex) and capex > MAX_CUSTOM_CAPEX_CNY:
            out.append(problem(f"{path}.capex_cny", capex, f"must be at most {MAX_CUSTOM_CAPEX_CNY:.0e} CNY"))
        saving = spec.get("annual_electricity_saving_kwh")
        if is_number(saving) and abs(saving) > kwh:
            out.append(problem(f"{path}.annual_electricity_saving_kwh", saving, f"must be between -{kwh:,.0f} and "
                               f"{kwh:,.0f} kWh/yr (the site's electricity.annual_kwh)"))
        fuels = spec.get("annual_fuel_saving")
        for carrier, qty in (fuels.items() if isinstance(fuels, dict) else ()):
            limit = have.get(carrier, 0.0)
            if is_number(qty) and abs(qty) > limit * (1 + 1e-9):
                unit = CARRIER_UNITS.get(carrier, "units")
                out.append(problem(f"{path}.annual_fuel_saving.{key_text(carrier)}", qty,
                                   f"must be between -{limit:,.0f} and {limit:,.0f} {unit}/yr (the site's use of "
                                   f"{carrier})"))
    return out


def _annotate(lines: list[str], sources: list[tuple[str, str]]) -> list[str]:
    """Mark problem lines that concern an overridden key with where the value came from."""
    out = []
    for line in lines:
        path = line.split(": ", 1)[0]
        origin = [src for key, src in sources if path == key or path.startswith(key + ".")
                  or path.startswith(key + "[")]
        out.append(f"{line} (set by {origin[-1]})" if origin else line)
    return out


def config_hash(kind: str, model: Site | Park) -> str:
    """sha256 of the canonical JSON (sorted keys, compact) of the resolved model."""
    payload = {"kind": kind, "model": model.model_dump(mode="json")}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve(model_path_or_dict: str | Path | dict, scenarios: Sequence[str | Path | Scenario] = (),
            set_values: Sequence[str] | dict[str, Any] = (), defaults: dict | None = None, *,
            base_dir: str | Path | None = None, allow_paths: Sequence[str | Path] = ()) -> Resolved:
    """Merge data defaults < model < scenarios (in order) < ``--set`` into one validated model.

    ``set_values`` is a list of ``KEY=VALUE`` strings or an already parsed mapping. ``defaults`` replaces
    ``pathways.reference.tables.default_assumptions()`` (for tests). Raises InputError with one line per problem.
    The data files a model names (``weather_file``, ``electricity.metered_csv``, ``roofs[].pv_profile_csv``, a
    park's ``firms[].file``), also when set by a scenario or ``--set``, are relative to the model file's folder
    (``base_dir`` for a dict model, default the working directory) and may not leave it; ``allow_paths`` folders
    admit absolute paths and '..' into them (``paths.resolve_model_path``).
    """
    if isinstance(model_path_or_dict, dict):
        source_path, base_dir = None, Path(base_dir) if base_dir is not None else Path.cwd()
        try:
            bad = plain_problems(model_path_or_dict, "", "")
            tree = copy.deepcopy(model_path_or_dict)
        except RecursionError:
            raise InputError(problem("<root>", "...", "nested too deeply")) from None
        if bad:
            raise InputError(bad)
    else:
        source_path = Path(model_path_or_dict)
        base_dir = source_path.resolve().parent
        tree = read_yaml(source_path)
    kind = detect_kind(tree)
    if kind == "scenario":
        raise InputError(problem(str(source_path or "model"), "overrides", "this is a scenario file; give a site "
                                 "or park model and pass the scenario with --scenario"))
    root: type = Park if kind == "park" else Site
    problems: list[str] = []
    checked: set[str] = set()            # data files already resolved and confined
    if kind == "park":
        problems += _expand_firms(tree, base_dir, allow_paths, checked)
    else:
        problems += _absolutize(tree, base_dir, allow_paths, "", checked)
    if defaults is None:
        defaults = default_assumptions()
    defaults = copy.deepcopy(defaults)
    own = expand_dotted(tree.get("assumptions") or {})
    if not isinstance(own, dict):
        problems.append(problem("assumptions", own, "must be a mapping of assumption groups"))
        own = {}
    tree["assumptions"] = deep_merge(defaults, own)

    overrides = [(k, v, src, f"scenario {src!r}") for k, v, src in scenario_overrides(scenarios)]
    sets = set_values if isinstance(set_values, dict) else parse_set(set_values)
    overrides += [(k, v, "--set", "--set") for k, v in sets.items()]
    applied: list[dict] = []
    sources: list[tuple[str, str]] = []
    for key, value, source, label in overrides:
        try:
            previous = value_at(tree, key)
            norm = apply_override(tree, root, key, value, defaults)
        except InputError as exc:
            problems += [f"{line} (from {label})" for line in exc.problems]
            continue
        applied.append({"key": norm, "value": value, "previous": previous, "source": source})
        sources.append((norm, label))
    if problems:
        raise InputError(problems)
    # data files named by a scenario or --set: relative to the model's folder and confined to it as well
    for i, site in enumerate(tree.get("firms") if kind == "park" and isinstance(tree.get("firms"), list) else [tree]):
        problems += _absolutize(site, base_dir, allow_paths, f"firms[{i}]." if kind == "park" else "", checked)
    if problems:
        raise InputError(_annotate(problems, sources))

    problems += _check_assumptions(tree["assumptions"], defaults, "assumptions")
    if kind == "park":
        _reconcile(tree, "", [a["key"] for a in applied if not a["key"].startswith("firms")], MIRRORED[1:])
        _fill_plan(tree, tree["assumptions"])
        for i, firm in enumerate(tree.get("firms") if isinstance(tree.get("firms"), list) else []):
            if not isinstance(firm, dict):
                continue
            if isinstance(firm.get("assumptions"), dict):
                problems += _check_assumptions(firm["assumptions"], defaults, f"firms[{i}].assumptions")
            firm["assumptions"] = deep_merge(tree["assumptions"], firm.get("assumptions") or {})
            if "plan" not in firm and isinstance(tree.get("plan"), dict):
                firm["plan"] = copy.deepcopy(tree["plan"])
            _reconcile(firm, f"firms[{i}].", [a["key"] for a in applied])
            _fill_plan(firm, firm["assumptions"])
            _fill_discount_rate(firm, firm["assumptions"])
    else:
        _reconcile(tree, "", [a["key"] for a in applied])
        _fill_plan(tree, tree["assumptions"])
        _fill_discount_rate(tree, tree["assumptions"])
    if problems:
        raise InputError(_annotate(problems, sources))

    try:
        model = validate_model(root, tree)
    except InputError as exc:
        raise InputError(_annotate(exc.problems, sources)) from None
    if isinstance(model, Park):
        problems += _check_place(model, "")
        for i, firm in enumerate(model.firms):
            problems += _check_place(firm, f"firms[{i}]") + _check_files(firm, f"firms[{i}]")
            problems += _check_custom_measures(firm, f"firms[{i}]")
            _sync_assumptions(firm, firm.assumptions)
        if isinstance(model.assumptions.get("plan"), dict):
            model.assumptions["plan"]["years"] = model.plan.years
            model.assumptions["plan"]["horizon_years"] = model.plan.horizon_years
    else:
        problems += _check_place(model, "") + _check_files(model, "") + _check_custom_measures(model, "")
        _sync_assumptions(model, model.assumptions)
    if problems:
        raise InputError(_annotate(problems, sources))
    return Resolved(kind=kind, model=model, assumptions=model.assumptions, applied_overrides=applied,
                    config_hash=config_hash(kind, model), source_path=source_path)
