"""``pathways validate FILE...``: check model (site or park), scenario and sweep files without solving anything.

A model passes when every step of ``plan``/``park`` short of a solve accepts it (``check_buildable``); a scenario
when every override key addresses something in a site or a park; a sweep spec when
``pathways.inputs.sweep.load_sweep`` accepts it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pathways.reference.catalog import load_catalog, with_site_changes
from pathways.inputs.overrides import check_scenario_keys, load_scenario
from pathways.inputs.resolve import Resolved, detect_kind, resolve
from pathways.inputs.sweep import load_sweep
from pathways.inputs.yaml_files import read_yaml
from pathways.errors import InputError, problem, suggest
from pathways.park.data import park_data
from pathways.inputs.schema import Park
from pathways.site.build import build_problem


def _summary(label: str, resolved: Resolved) -> str:
    m = resolved.model
    if isinstance(m, Park):
        return (f"{label}: ok (park {m.name!r}, {len(m.firms)} firms, {len(m.park_options)} park options, "
                f"plan {m.plan.years} years)")
    place = m.city or f"{m.location.lat_deg:g} N {m.location.lon_deg:g} E"
    return (f"{label}: ok (site {m.name!r}, {place}, {m.province}, {m.sector}, "
            f"{m.electricity.annual_kwh:,.0f} kWh/yr, {len(m.roofs)} roofs, {len(m.fuels)} fuels, "
            f"plan {m.plan.years} years)")


def _check_measures(resolved: Resolved) -> None:
    """Measure ids, families, parameters and custom measures of every site against the catalog."""
    sites = [resolved.model] if resolved.kind == "site" else list(resolved.model.firms)
    problems: list[str] = []
    for i, site in enumerate(sites):
        m = site.measures
        try:
            with_site_changes(load_catalog(), disable=m.disable, disable_families=m.disable_families,
                              params=m.params, custom=m.custom)
        except InputError as exc:
            prefix = "" if resolved.kind == "site" else f"firms[{i}]."
            problems += [prefix + line for line in exc.problems]
    if resolved.kind == "park":
        cluster = sorted(m.measure_id for m in load_catalog().measures.values() if m.scale == "cluster")
        for i, opt in enumerate(resolved.model.park_options):
            if opt not in cluster:
                problems.append(problem(f"park_options[{i}]", opt, "a cluster-scale catalog measure: "
                                        + ", ".join(cluster), suggest(opt, cluster)))
    if problems:
        raise InputError(problems)


def check_buildable(resolved: Resolved) -> None:
    """Run the input steps of ``plan``/``park`` short of any solve (so ``validate`` accepts nothing they reject):
    every site's or firm's problem is built (metered CSV content, weather and PV profile files read, load shape,
    tariff, subsidies, catalog changes) and a park's own data is checked. Raises InputError, firm lines
    prefixed ``firms[i].``."""
    if resolved.kind == "site":
        build_problem(resolved)
        return
    problems: list[str] = []
    for i, firm in enumerate(resolved.model.firms):
        r = Resolved(kind="site", model=firm, assumptions=firm.assumptions, config_hash=resolved.config_hash,
                     source_path=resolved.source_path)
        try:
            build_problem(r)
        except InputError as exc:
            problems += [f"firms[{i}].{line}" for line in exc.problems]
    if problems:
        raise InputError(problems)
    park_data(resolved)


def run_validate(args: Any) -> int:
    """``pathways validate FILE...``: print one ok line per good file; raise InputError listing the problems of
    the others (every line starts with the file name)."""
    problems: list[str] = []
    for name in args.files:
        label = str(name)
        try:
            data = read_yaml(name)
            if "points" in data:                     # a sweep spec (pathways batch / policy)
                load_sweep(name, allow_paths=getattr(args, "allow_path", None) or ())
                print(f"{label}: ok (sweep)")
            elif detect_kind(data) == "scenario":
                scenario = load_scenario(Path(name))
                bad = check_scenario_keys(scenario)
                if bad:
                    raise InputError(bad)
                print(f"{label}: ok (scenario {scenario.name!r}, {len(scenario.overrides)} overrides)")
            else:
                resolved = resolve(name, allow_paths=getattr(args, "allow_path", None) or ())
                _check_measures(resolved)
                check_buildable(resolved)
                print(_summary(label, resolved))
        except InputError as exc:
            problems += [line if line.startswith(label + ":") else f"{label}: {line}" for line in exc.problems]
    if problems:
        raise InputError(problems)
    return 0


__all__ = ["run_validate", "check_buildable"]
