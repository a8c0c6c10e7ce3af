"""The measure catalog: five families of decarbonisation measures with sourced parameters.

Data (``data/catalog/``, described in its README.md):

* ``measures.csv``: the registry, one row per measure (columns: see ``REGISTRY_COLUMNS``).
* ``parameters.csv``: long table ``measure_id, parameter, value, unit, year, source, is_estimate``.
* ``financing.csv``: ESCO/EMC/lease contract terms ``mode, parameter, value, unit, year, source, is_estimate``.
* ``excluded.csv``: options the report rules out for SMEs (CCUS, self-built wind, ...), with its reason.

Sizing rules (``Measure.sizing_rule``; the planner relies on them):

* ``roof_kwp``: PV sized continuously per roof segment (cluster PV: per m2 of park land), capex per kWp;
  ``w_per_m2`` converts area to kWp. Rooftop PV measures share the exclusive group ``roof_pv`` per segment.
* ``battery_kwh``: continuous, capex per kWh of storage.
* ``heat_kw``: continuous, sized to the heat demand of its (fuel) end use that it replaces, capex per kW thermal;
  it covers at most ``max_share_of_heat_demand`` of that heat, draws useful heat / ``cop`` kWh of electricity
  (``cop`` is an efficiency for electric boilers and furnaces) and saves heat / ``replaced_boiler_efficiency``
  of the fuel of the carrier in the registry column ``replaces_carrier`` (blank = whichever fuel the end use has).
* ``end_use_kwh``: scaled to the site's annual consumption of its end use (MWh/yr of electricity, or of fuel
  energy at LHV for fuel end uses), capex per annual MWh of that end use. Capex per MWh was derived from a capex
  per kW and typical operating hours; each ``source`` shows the arithmetic.
* ``fixed``: one-off per site: ``capex_fixed_cny`` + ``capex_cny_per_mwh_site`` x site annual energy (MWh, all
  carriers at LHV). For a cluster measure "site" means the whole park.

Savings: ``electricity_saving_frac`` / ``fuel_saving_frac`` apply to the measure's own end use (any sizing rule);
``site_energy_saving_frac`` to all site energy, reduced by ``rebound_frac``. Digital and other enabling measures
raise the saving fractions of the measures in ``enables`` by ``enable_boost_frac`` (relative).

Assumptions: all money is CNY of the base year (2025) in real terms; fractions are in [0, 1]; a measure
listed as a prerequisite must be adopted in the same or an earlier year (AND over the list).

Site changes (``with_site_changes``): disabling a measure also disables every measure that requires it,
directly or transitively (recorded in ``Catalog.disabled`` with the reason), rather than raising; ``enables``
links to disabled measures are dropped.

Custom measures (vendor quotes, ``measures.custom`` in a site file) are dicts with keys:
``id``, ``family``, ``name_en``, ``capex_cny``, ``lifetime_years`` (required) and ``name_zh``,
``description_en``, ``annual_electricity_saving_kwh`` (kWh/yr, negative = more use), ``annual_fuel_saving``
({carrier: quantity per year in the carrier's unit}), ``om_cny_per_year``, ``financing_modes`` (``own`` is always
added; no PV-only modes), ``exclusive_group``, ``prerequisites`` (optional). Each becomes a ``fixed`` measure,
end use ``none``, with absolute savings in parameters ``annual_electricity_saving_kwh`` and
``annual_fuel_saving_<carrier>``.
"""
from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import pandas as pd

from .errors import InputError, problem, suggest

# ---------------------------------------------------------------------------------------------- vocabulary
FAMILIES = ("solar", "equipment", "energy_service", "carbon", "digital")
SCALES = ("individual", "cluster")
SIZING_RULES = ("roof_kwp", "battery_kwh", "heat_kw", "end_use_kwh", "fixed")
SIZE_UNITS = {"roof_kwp": "kWp", "battery_kwh": "kWh", "heat_kw": "kW_th", "end_use_kwh": "MWh/yr", "fixed": "site"}
ELECTRIC_END_USES = ("motors_fans_pumps", "compressed_air", "lighting", "hvac", "process_electric", "other_electric")
FUEL_END_USES = ("process_heat", "steam", "space_heat")
END_USES = ELECTRIC_END_USES + FUEL_END_USES + ("all_electricity", "all_energy", "none")
FINANCING_MODES = ("own", "emc_pv", "roof_lease", "shared_savings", "guaranteed_savings", "energy_cost_hosting",
                   "finance_lease")
PV_ONLY_MODES = ("emc_pv", "roof_lease")
ROOF_TYPES = ("metal", "concrete", "facade")
MOUNTINGS = ("open_rack", "close_roof", "bipv_roof", "bipv_facade")
CARRIER_UNITS = {"natural_gas": "Nm3", "coal": "t", "diesel": "L", "lpg": "kg", "purchased_steam": "t"}
FUEL_CARRIERS = tuple(CARRIER_UNITS)

REGISTRY_COLUMNS = ("measure_id", "family", "name_en", "name_zh", "description_en", "sizing_rule", "size_unit",
                    "end_use", "scale", "exclusive_group", "prerequisites", "enables", "financing_modes",
                    "roof_types", "mounting", "replaces_carrier", "source_note")
LONG_COLUMNS = ("parameter", "value", "unit", "year", "source", "is_estimate")
EXCLUDED_COLUMNS = ("item_id", "name_en", "name_zh", "excluded_for", "reason_en", "source")

PER_UNIT = "<per size unit>"   # marker: the unit is derived from the measure's size_unit


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter name means, the unit it must carry and its allowed range."""

    unit: str
    kind: str          # "fraction" (0..1), "nonneg" (>= 0), "positive" (> 0), "any"
    doc: str


# Every parameter a catalog row or a site override may use. Add a name here (with its meaning) before using it.
PARAMETERS: dict[str, ParamSpec] = {
    "capex_cny_per_unit": ParamSpec(PER_UNIT, "nonneg", "investment per size unit (kWp, kWh, kW_th, MWh/yr)"),
    "capex_fixed_cny": ParamSpec("CNY", "nonneg", "one-off investment per site"),
    "capex_cny_per_mwh_site": ParamSpec("CNY per MWh/yr site", "nonneg",
                                        "fixed measures: extra investment per MWh/yr of site energy"),
    "om_frac_capex_per_year": ParamSpec("fraction of capex/yr", "fraction", "O&M per year as a share of capex"),
    "om_cny_per_year": ParamSpec("CNY/yr", "nonneg", "fixed O&M per year"),
    "lifetime_years": ParamSpec("yr", "positive", "technical or contractual life"),
    "electricity_saving_frac": ParamSpec("fraction", "fraction", "share of the end use's electricity saved"),
    "fuel_saving_frac": ParamSpec("fraction", "fraction", "share of the end use's fuel saved"),
    "site_energy_saving_frac": ParamSpec("fraction", "fraction", "EMS-type: share of all site energy saved"),
    "cop": ParamSpec("kWh_th/kWh_e", "positive", "heat out per electricity in (efficiency for resistive heat)"),
    "replaced_boiler_efficiency": ParamSpec("fraction", "fraction",
                                            "useful heat / fuel LHV of the boiler or furnace replaced"),
    "max_share_of_heat_demand": ParamSpec("fraction", "fraction", "largest share of the end use's heat it covers"),
    "enable_boost_frac": ParamSpec("fraction", "fraction",
                                   "relative increase of the saving fractions of the measures in `enables`"),
    "rebound_frac": ParamSpec("fraction", "fraction", "share of a digital tool's savings lost to rebound"),
    "annual_cost_cny": ParamSpec("CNY/yr", "nonneg", "recurring service fee while active"),
    "annual_cost_cny_per_unit": ParamSpec(PER_UNIT, "nonneg", "recurring cost per size unit per year"),
    "w_per_m2": ParamSpec("W/m2", "positive", "PV peak power per m2 of usable roof, facade or land"),
    "degradation_frac_per_year": ParamSpec("fraction/yr", "fraction", "yearly output/capacity loss"),
    "first_year_degradation_frac": ParamSpec("fraction", "fraction", "PV output loss in the first year"),
    "round_trip_efficiency": ParamSpec("fraction", "fraction", "battery AC-AC round-trip efficiency"),
    "duration_h": ParamSpec("h", "positive", "battery energy / power"),
    "carbon_credit_share": ParamSpec("fraction", "fraction",
                                     "share of the site's abatement creditable (carbon inclusion, CCER)"),
    "scope2_cover_frac": ParamSpec("fraction", "fraction",
                                   "share of the sized MWh whose market-based scope 2 emissions are zeroed"),
    "capex_discount_frac_equipment": ParamSpec("fraction", "fraction",
                                               "collective procurement: discount on tenants' equipment capex"),
    "capex_discount_frac_solar": ParamSpec("fraction", "fraction",
                                           "collective procurement: discount on tenants' solar capex"),
    "annual_electricity_saving_kwh": ParamSpec("kWh/yr", "any", "custom measures: absolute electricity saving"),
}
for _carrier, _unit in CARRIER_UNITS.items():
    PARAMETERS[f"annual_fuel_saving_{_carrier}"] = ParamSpec(
        f"{_unit}/yr", "any", f"custom measures: absolute {_carrier} saving")

# Contract terms in financing.csv (names as used by pathways.economics).
FINANCING_PARAMETERS: dict[str, ParamSpec] = {
    "esco_share_of_savings": ParamSpec("fraction", "fraction", "shared savings: ESCO's share during the term"),
    "guaranteed_saving_frac": ParamSpec("fraction", "fraction", "guaranteed savings: share of modelled savings"),
    "fee_frac_capex_per_year": ParamSpec("fraction of capex/yr", "fraction", "guaranteed savings: yearly fee"),
    "discount_frac": ParamSpec("fraction", "fraction",
                               "emc_pv: discount on the grid price; hosting: fixed fee below the baseline bill"),
    "rent_cny_per_m2_year": ParamSpec("CNY/m2/yr", "nonneg", "roof lease: rent paid to the roof owner"),
    "interest_rate": ParamSpec("fraction/yr", "fraction", "finance lease: yearly interest rate (nominal)"),
    "down_payment_frac": ParamSpec("fraction", "fraction", "finance lease: share of capex paid upfront"),
    "term_years": ParamSpec("yr", "positive", "contract term"),
    "contract_share_2021": ParamSpec("fraction", "fraction", "share of 2021 ESCO contracts by number (context)"),
}

CAPEX_PARAMS = ("capex_cny_per_unit", "capex_fixed_cny", "capex_cny_per_mwh_site")
REQUIRED_BY_RULE = {
    "roof_kwp": ("capex_cny_per_unit", "w_per_m2", "degradation_frac_per_year"),
    "battery_kwh": ("capex_cny_per_unit", "round_trip_efficiency", "duration_h"),
    "heat_kw": ("capex_cny_per_unit", "cop", "replaced_boiler_efficiency", "max_share_of_heat_demand"),
    "end_use_kwh": ("capex_cny_per_unit",),
    "fixed": ("capex_fixed_cny",),
}
CUSTOM_KEYS = ("id", "family", "name_en", "name_zh", "description_en", "capex_cny", "annual_electricity_saving_kwh",
               "annual_fuel_saving", "om_cny_per_year", "lifetime_years", "financing_modes", "exclusive_group",
               "prerequisites")


def expected_unit(parameter: str, size_unit: str) -> str:
    """The unit a parameter row must carry (per-unit parameters follow the measure's size unit)."""
    spec = PARAMETERS[parameter]
    if spec.unit != PER_UNIT:
        return spec.unit
    return f"CNY per {size_unit}" if parameter == "capex_cny_per_unit" else f"CNY/yr per {size_unit}"


def _range_error(kind: str, value: float) -> str | None:
    """None if ``value`` fits ``kind``, else the allowed range in words."""
    if not math.isfinite(value):
        return "a finite number"
    if kind == "fraction" and not 0.0 <= value <= 1.0:
        return "a fraction in [0, 1]"
    if kind == "nonneg" and value < 0:
        return "a number >= 0"
    if kind == "positive" and value <= 0:
        return "a number > 0"
    return None


# ---------------------------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Measure:
    """One catalog measure: registry fields plus its numeric parameters (``params``, units in parameters.csv)."""

    measure_id: str
    family: str
    name_en: str
    name_zh: str
    description_en: str
    sizing_rule: str
    size_unit: str
    end_use: str
    scale: str
    exclusive_group: str | None
    prerequisites: tuple[str, ...]
    enables: tuple[str, ...]
    financing_modes: tuple[str, ...]
    roof_types: tuple[str, ...]
    mounting: str | None
    replaces_carrier: str | None
    source_note: str
    params: Mapping[str, float] = field(default_factory=dict, hash=False)
    estimated: frozenset[str] = frozenset()   # parameter names whose value is an estimate
    custom: bool = False

    def param(self, name: str, default: float | None = None) -> float | None:
        """Value of parameter ``name``, or ``default`` when the measure does not define it."""
        return self.params.get(name, default)

    @property
    def is_pv(self) -> bool:
        return self.sizing_rule == "roof_kwp"


@dataclass(frozen=True)
class Catalog:
    """Validated catalog. ``parameters_table`` keeps every parameter with unit, year, source and is_estimate."""

    measures: dict[str, Measure]
    financing: dict[str, dict[str, float]]
    excluded: pd.DataFrame
    parameters_table: pd.DataFrame
    financing_table: pd.DataFrame
    disabled: dict[str, str] = field(default_factory=dict)   # measure_id -> why (site changes)
    data_dir: Path | None = None

    def by_family(self, family: str) -> list[Measure]:
        """Measures of one family in registry order; an unknown family raises InputError."""
        if family not in FAMILIES:
            raise InputError(problem("family", family, "one of " + ", ".join(FAMILIES), suggest(family, FAMILIES)))
        return [m for m in self.measures.values() if m.family == family]

    def get(self, measure_id: str, path: str = "measure_id") -> Measure:
        """The measure with this id; unknown ids raise InputError naming ``path`` with did-you-mean."""
        if measure_id not in self.measures:
            raise InputError(problem(path, measure_id, "a catalog measure id", suggest(measure_id, self.measures)))
        return self.measures[measure_id]

    def sources(self, measure_id: str) -> pd.DataFrame:
        """Parameter rows (value, unit, year, source, is_estimate) of one measure."""
        t = self.parameters_table
        return t[t["measure_id"] == measure_id].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- loading
class _Rows:
    """Reads one CSV with line numbers and builds one-line problems naming file, row and column."""

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.path = path
        self.problems: list[str] = []
        if not path.is_file():
            raise InputError(problem(str(path), "missing", "the catalog data file must exist"))
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = tuple(reader.fieldnames or ())
            missing = [c for c in columns if c not in header]
            extra = [c for c in header if c not in columns]
            if missing or extra:
                bad = missing[0] if missing else extra[0]
                what = "missing column" if missing else "unknown column"
                raise InputError(problem(f"{path} row 1, column {bad!r}", what,
                                         "columns must be " + ", ".join(columns),
                                         suggest(extra[0], columns) if extra and not missing else None))
            self.rows: list[tuple[int, dict[str, str]]] = []
            for row in reader:
                if None in row:   # more fields than header
                    self.fail(reader.line_num, "<extra field>", row[None], f"exactly {len(header)} fields")
                    continue
                clean = {k: (v or "").strip() for k, v in row.items()}
                if any(clean.values()):
                    self.rows.append((reader.line_num, clean))

    def fail(self, line: int, column: str, value: object, allowed: str, choices: Iterable[str] = ()) -> None:
        sugg = suggest(str(value), list(choices)) if choices else None
        self.problems.append(problem(f"{self.path} row {line}, column {column!r}", value, allowed, sugg))

    def choice(self, line: int, column: str, value: str, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if value not in choices:
            self.fail(line, column, value, "one of " + ", ".join(choices), choices)
        return value

    def number(self, line: int, column: str, value: str) -> float:
        try:
            x = float(value)
        except ValueError:
            self.fail(line, column, value, "a number")
            return math.nan
        if not math.isfinite(x):
            self.fail(line, column, value, "a finite number")
        return x

    def flag(self, line: int, column: str, value: str) -> bool:
        if value.lower() not in ("true", "false"):
            self.fail(line, column, value, "true or false")
        return value.lower() == "true"

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _split(value: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in value.split(";") if x.strip())


def _catalog_dir(data_dir: str | os.PathLike | None) -> Path:
    """``data_dir`` is the data root (holding ``catalog/``) or the catalog folder itself."""
    if data_dir is None:
        from .paths import DATA_DIR
        data_dir = DATA_DIR
    root = Path(data_dir)
    return root if (root / "measures.csv").is_file() else root / "catalog"


def _read_long(rows: _Rows, key: str, key_choices: Iterable[str], specs: Mapping[str, ParamSpec],
               units: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Validate a long parameter table; ``units`` maps key -> size unit for per-unit parameters."""
    key_choices = tuple(key_choices)
    out, seen = [], set()
    for line, r in rows.rows:
        owner, name = r[key], r["parameter"]
        if owner not in key_choices:
            rows.fail(line, key, owner, f"a {key} defined in the registry", key_choices)
            continue
        if name not in specs:
            rows.fail(line, "parameter", name, "a documented parameter name (see pathways.catalog)", specs)
            continue
        if (owner, name) in seen:
            rows.fail(line, "parameter", name, f"once per {key} (duplicate for {owner})")
            continue
        seen.add((owner, name))
        value = rows.number(line, "value", r["value"])
        spec = specs[name]
        if math.isfinite(value):
            bad = _range_error(spec.kind, value)
            if bad:
                rows.fail(line, "value", value, f"{name} must be {bad}")
        unit = expected_unit(name, units[owner]) if units is not None else spec.unit
        if r["unit"] != unit:
            rows.fail(line, "unit", r["unit"], f"{name} is given in {unit!r}")
        try:
            year = float(r["year"])
        except ValueError:
            year = math.nan
        if not (math.isfinite(year) and 1990 <= year <= 2035 and year == int(year)):
            rows.fail(line, "year", r["year"], "a year between 1990 and 2035")
        if not r["source"]:
            rows.fail(line, "source", r["source"], "a non-empty source")
        est = rows.flag(line, "is_estimate", r["is_estimate"])
        out.append({key: owner, "parameter": name, "value": value, "unit": r["unit"],
                    "year": int(year) if math.isfinite(year) else None, "source": r["source"],
                    "is_estimate": est, "_line": line})
    return out


def _read_registry(rows: _Rows) -> dict[str, tuple[int, dict[str, Any]]]:
    reg: dict[str, tuple[int, dict[str, Any]]] = {}
    for line, r in rows.rows:
        mid = r["measure_id"]
        if not mid.isidentifier() or mid != mid.lower():
            rows.fail(line, "measure_id", mid, "a lower-case identifier (letters, digits, _)")
            continue
        if mid in reg:
            rows.fail(line, "measure_id", mid, f"unique ids (first defined in row {reg[mid][0]})")
            continue
        for col in ("name_en", "name_zh", "description_en", "source_note"):
            if not r[col]:
                rows.fail(line, col, r[col], "a non-empty text")
        rows.choice(line, "family", r["family"], FAMILIES)
        rule = rows.choice(line, "sizing_rule", r["sizing_rule"], SIZING_RULES)
        if rule in SIZE_UNITS and r["size_unit"] != SIZE_UNITS[rule]:
            rows.fail(line, "size_unit", r["size_unit"], f"{SIZE_UNITS[rule]!r} for sizing_rule {rule}")
        end_use = rows.choice(line, "end_use", r["end_use"], END_USES)
        rows.choice(line, "scale", r["scale"], SCALES)
        modes = _split(r["financing_modes"])
        for mode in modes:
            rows.choice(line, "financing_modes", mode, FINANCING_MODES)
        if "own" not in modes:
            rows.fail(line, "financing_modes", r["financing_modes"], "a list that includes 'own'")
        if rule != "roof_kwp":
            for mode in set(modes) & set(PV_ONLY_MODES):
                rows.fail(line, "financing_modes", mode, "emc_pv and roof_lease only for PV (sizing_rule roof_kwp)")
        roof_types = _split(r["roof_types"])
        for rt in roof_types:
            rows.choice(line, "roof_types", rt, ROOF_TYPES)
        mounting = r["mounting"] or None
        if rule == "roof_kwp":
            rows.choice(line, "mounting", r["mounting"], MOUNTINGS)
        elif mounting or roof_types:
            rows.fail(line, "mounting" if mounting else "roof_types", mounting or r["roof_types"],
                      "blank unless sizing_rule is roof_kwp")
        if rule == "heat_kw" and end_use not in FUEL_END_USES:
            rows.fail(line, "end_use", end_use, "a fuel end use (" + ", ".join(FUEL_END_USES) + ") for heat_kw")
        replaces = r["replaces_carrier"] or None
        if replaces is not None:
            rows.choice(line, "replaces_carrier", replaces, FUEL_CARRIERS)
        reg[mid] = (line, {
            "measure_id": mid, "family": r["family"], "name_en": r["name_en"], "name_zh": r["name_zh"],
            "description_en": r["description_en"], "sizing_rule": rule, "size_unit": r["size_unit"],
            "end_use": end_use, "scale": r["scale"], "exclusive_group": r["exclusive_group"] or None,
            "prerequisites": _split(r["prerequisites"]), "enables": _split(r["enables"]),
            "financing_modes": modes, "roof_types": roof_types, "mounting": mounting,
            "replaces_carrier": replaces, "source_note": r["source_note"],
        })
    return reg


def _find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A prerequisite cycle as a list of ids (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for n in graph:
        if state.get(n) is None:
            found = visit(n)
            if found:
                return found
    return None


def _check_measure(m: Measure, fail) -> None:
    """Semantic checks of one assembled measure; ``fail(column, value, allowed)`` records a problem."""
    if not any(p in m.params for p in CAPEX_PARAMS):
        fail("parameter", "no capex", "a capex parameter (" + ", ".join(CAPEX_PARAMS) + ")")
    if "lifetime_years" not in m.params:
        fail("parameter", "no lifetime_years", "a lifetime_years parameter")
    for name in REQUIRED_BY_RULE.get(m.sizing_rule, ()):
        if name not in m.params:
            fail("parameter", f"no {name}", f"{name} for sizing_rule {m.sizing_rule}")
    if m.params.get("electricity_saving_frac") and m.end_use in FUEL_END_USES + ("none",):
        fail("end_use", m.end_use, "an electricity end use for electricity_saving_frac")
    if m.params.get("fuel_saving_frac") and m.end_use not in FUEL_END_USES + ("all_energy",):
        fail("end_use", m.end_use, "a fuel end use for fuel_saving_frac")
    if bool(m.enables) != ("enable_boost_frac" in m.params):
        fail("enables", ";".join(m.enables), "enables and enable_boost_frac given together")


def _build(cat_dir: Path) -> Catalog:
    reg_rows = _Rows(cat_dir / "measures.csv", REGISTRY_COLUMNS)
    registry = _read_registry(reg_rows)
    ids = tuple(registry)
    for mid, (line, rec) in registry.items():
        for col in ("prerequisites", "enables"):
            for ref in rec[col]:
                if ref not in registry:
                    reg_rows.fail(line, col, ref, "ids of measures in this file", ids)
                elif ref == mid:
                    reg_rows.fail(line, col, ref, "other measures (not itself)")
    reg_rows.raise_if_any()
    cycle = _find_cycle({mid: rec["prerequisites"] for mid, (_, rec) in registry.items()})
    if cycle:
        reg_rows.fail(registry[cycle[0]][0], "prerequisites", " -> ".join(cycle), "no prerequisite cycles")
        reg_rows.raise_if_any()

    par_rows = _Rows(cat_dir / "parameters.csv", ("measure_id",) + LONG_COLUMNS)
    units = {mid: rec["size_unit"] for mid, (_, rec) in registry.items()}
    params = _read_long(par_rows, "measure_id", ids, PARAMETERS, units)
    par_rows.raise_if_any()

    fin_rows = _Rows(cat_dir / "financing.csv", ("mode",) + LONG_COLUMNS)
    fin = _read_long(fin_rows, "mode", FINANCING_MODES, FINANCING_PARAMETERS)
    fin_rows.raise_if_any()

    exc_rows = _Rows(cat_dir / "excluded.csv", EXCLUDED_COLUMNS)
    for line, r in exc_rows.rows:
        for col in EXCLUDED_COLUMNS:
            if not r[col]:
                exc_rows.fail(line, col, r[col], "a non-empty text")
        for scale in _split(r["excluded_for"]):
            exc_rows.choice(line, "excluded_for", scale, SCALES)
    exc_rows.raise_if_any()

    by_measure: dict[str, dict[str, float]] = {mid: {} for mid in ids}
    estimated: dict[str, set[str]] = {mid: set() for mid in ids}
    for row in params:
        by_measure[row["measure_id"]][row["parameter"]] = row["value"]
        if row["is_estimate"]:
            estimated[row["measure_id"]].add(row["parameter"])
    measures: dict[str, Measure] = {}
    for mid, (line, rec) in registry.items():
        m = Measure(**rec, params=MappingProxyType(by_measure[mid]), estimated=frozenset(estimated[mid]))
        _check_measure(m, lambda col, val, allowed, _l=line: reg_rows.fail(_l, col, val, allowed))
        measures[mid] = m
    reg_rows.raise_if_any()

    financing: dict[str, dict[str, float]] = {mode: {} for mode in FINANCING_MODES}
    for row in fin:
        financing[row["mode"]][row["parameter"]] = row["value"]
    for mode in FINANCING_MODES:
        if mode != "own" and "term_years" not in financing[mode]:
            fin_rows.problems.append(problem(f"{fin_rows.path} mode {mode!r}", "no term_years",
                                             "every contract mode needs term_years"))
    fin_rows.raise_if_any()

    def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in r.items() if k != "_line"} for r in rows])

    excluded = pd.DataFrame([r for _, r in exc_rows.rows], columns=list(EXCLUDED_COLUMNS))
    return Catalog(measures=measures, financing=financing, excluded=excluded, parameters_table=table(params),
                   financing_table=table(fin), data_dir=cat_dir)


@lru_cache(maxsize=8)
def _load_cached(cat_dir: str, stamps: tuple[int, ...]) -> Catalog:
    del stamps  # part of the cache key only: edited files are re-read
    return _build(Path(cat_dir))


def _copy(cat: Catalog, **changes: Any) -> Catalog:
    """A catalog whose containers can be changed without touching ``cat`` (measures themselves are frozen)."""
    base = dict(measures=dict(cat.measures), financing={k: dict(v) for k, v in cat.financing.items()},
                excluded=cat.excluded.copy(), parameters_table=cat.parameters_table.copy(),
                financing_table=cat.financing_table.copy(), disabled=dict(cat.disabled), data_dir=cat.data_dir)
    base.update(changes)
    return Catalog(**base)


def load_catalog(data_dir: str | os.PathLike | None = None) -> Catalog:
    """Load and validate the catalog from ``data_dir`` (data root or catalog folder; default ``paths.DATA_DIR``).

    Parsed files are cached (keyed by folder and file modification times); each call returns a fresh copy of
    the containers so callers may change them. A broken file raises InputError, one line per problem, naming
    the file, its row (line number, header = 1) and column.
    """
    cat_dir = _catalog_dir(data_dir).resolve()
    stamps = tuple(
        (cat_dir / n).stat().st_mtime_ns if (cat_dir / n).is_file() else -1
        for n in ("measures.csv", "parameters.csv", "financing.csv", "excluded.csv"))
    return _copy(_load_cached(str(cat_dir), stamps))


# ---------------------------------------------------------------------------------------------- site changes
def _override_rows(cat: Catalog, m: Measure, values: Mapping[str, float], source: str) -> pd.DataFrame:
    rows = [{"measure_id": m.measure_id, "parameter": k, "value": float(v),
             "unit": expected_unit(k, m.size_unit), "year": None, "source": source, "is_estimate": False}
            for k, v in values.items()]
    return pd.DataFrame(rows, columns=list(cat.parameters_table.columns))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _custom_measure(i: int, spec: Any, known_ids: set[str], problems: list[str]) -> Measure | None:
    """Turn one vendor quote into a fixed measure with absolute savings (None after recording problems)."""
    path = f"measures.custom[{i}]"
    if not isinstance(spec, Mapping):
        problems.append(problem(path, spec, "a mapping with keys " + ", ".join(CUSTOM_KEYS)))
        return None
    start = len(problems)
    for key in spec:
        if key not in CUSTOM_KEYS:
            problems.append(problem(f"{path}.{key}", spec[key], "not a custom-measure key", suggest(key, CUSTOM_KEYS)))
    for key in ("id", "family", "name_en", "capex_cny", "lifetime_years"):
        if key not in spec:
            problems.append(problem(f"{path}.{key}", None, "required"))
    mid = spec.get("id")
    if mid is not None and (not isinstance(mid, str) or not mid.isidentifier() or mid != mid.lower()):
        problems.append(problem(f"{path}.id", mid, "a lower-case identifier (letters, digits, _)"))
    elif mid in known_ids:
        problems.append(problem(f"{path}.id", mid, "a new id (this one is already in the catalog)"))
    family = spec.get("family")
    if family is not None and family not in FAMILIES:
        problems.append(problem(f"{path}.family", family, "one of " + ", ".join(FAMILIES),
                                suggest(str(family), FAMILIES)))
    for key in ("name_en", "name_zh", "description_en", "exclusive_group"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            problems.append(problem(f"{path}.{key}", spec[key], "a text"))
    values: dict[str, float] = {}
    for key, target, kind in (("capex_cny", "capex_fixed_cny", "nonneg"),
                              ("lifetime_years", "lifetime_years", "positive"),
                              ("om_cny_per_year", "om_cny_per_year", "nonneg"),
                              ("annual_electricity_saving_kwh", "annual_electricity_saving_kwh", "any")):
        if spec.get(key) is None:
            continue
        x = _as_number(spec[key])
        bad = "a number" if x is None else _range_error(kind, x)
        if bad:
            problems.append(problem(f"{path}.{key}", spec[key], f"{key} must be {bad}"))
        else:
            values[target] = x
    fuels = spec.get("annual_fuel_saving") or {}
    if not isinstance(fuels, Mapping):
        problems.append(problem(f"{path}.annual_fuel_saving", fuels, "a mapping {carrier: quantity per year}"))
        fuels = {}
    for carrier, qty in fuels.items():
        if carrier not in CARRIER_UNITS:
            problems.append(problem(f"{path}.annual_fuel_saving.{carrier}", carrier,
                                    "a fuel carrier: " + ", ".join(FUEL_CARRIERS), suggest(str(carrier), FUEL_CARRIERS)))
            continue
        x = _as_number(qty)
        if x is None or not math.isfinite(x):
            problems.append(problem(f"{path}.annual_fuel_saving.{carrier}", qty,
                                    f"a finite number of {CARRIER_UNITS[carrier]} per year"))
        else:
            values[f"annual_fuel_saving_{carrier}"] = x
    modes = spec.get("financing_modes") or ["own"]
    if isinstance(modes, str) or not isinstance(modes, (list, tuple)):
        problems.append(problem(f"{path}.financing_modes", modes, "a list of financing modes"))
        modes = ["own"]
    for j, mode in enumerate(modes):
        if mode not in FINANCING_MODES:
            problems.append(problem(f"{path}.financing_modes[{j}]", mode, "one of " + ", ".join(FINANCING_MODES),
                                    suggest(str(mode), FINANCING_MODES)))
        elif mode in PV_ONLY_MODES:
            problems.append(problem(f"{path}.financing_modes[{j}]", mode, "emc_pv and roof_lease are for PV only"))
    prereq = spec.get("prerequisites") or []
    if isinstance(prereq, str) or not isinstance(prereq, (list, tuple)):
        problems.append(problem(f"{path}.prerequisites", prereq, "a list of measure ids"))
        prereq = []
    if len(problems) > start:
        return None
    modes = tuple(dict.fromkeys(["own", *modes]))
    return Measure(
        measure_id=mid, family=family, name_en=spec["name_en"], name_zh=spec.get("name_zh") or spec["name_en"],
        description_en=spec.get("description_en") or "custom measure (vendor quote) from the site model",
        sizing_rule="fixed", size_unit="site", end_use="none", scale="individual",
        exclusive_group=spec.get("exclusive_group") or None, prerequisites=tuple(prereq), enables=(),
        financing_modes=modes, roof_types=(), mounting=None, replaces_carrier=None,
        source_note="vendor quote in the site model (measures.custom)", params=MappingProxyType(values),
        custom=True)


def with_site_changes(catalog: Catalog, disable: Iterable[str] = (), disable_families: Iterable[str] = (),
                      params: Mapping[str, Mapping[str, Any]] | None = None,
                      custom: Iterable[Mapping[str, Any]] = ()) -> Catalog:
    """Apply a site's ``measures:`` block: switches, parameter overrides and custom measures (vendor quotes).

    Returns a new Catalog (``catalog`` is unchanged). Disabled measures are removed from ``measures`` and listed
    in ``disabled`` with the reason; a measure whose prerequisite is disabled is disabled too (transitively),
    and ``enables`` links to removed measures are dropped. Overrides are recorded in ``parameters_table`` with
    source "site override". All problems are collected and raised together as one InputError.
    """
    problems: list[str] = []
    ids = list(catalog.measures)
    disabled: dict[str, str] = dict(catalog.disabled)
    for i, mid in enumerate(disable):
        if mid in catalog.measures:
            disabled[mid] = "disabled in the site model"
        else:
            problems.append(problem(f"measures.disable[{i}]", mid, "a catalog measure id", suggest(str(mid), ids)))
    for i, fam in enumerate(disable_families):
        if fam in FAMILIES:
            for m in catalog.measures.values():
                if m.family == fam:
                    disabled.setdefault(m.measure_id, f"family {fam} disabled in the site model")
        else:
            problems.append(problem(f"measures.disable_families[{i}]", fam, "one of " + ", ".join(FAMILIES),
                                    suggest(str(fam), FAMILIES)))

    measures = dict(catalog.measures)
    table_parts = [catalog.parameters_table]
    for mid, changes in (params or {}).items():
        if mid not in measures:
            problems.append(problem(f"measures.params.{mid}", mid, "a catalog measure id", suggest(str(mid), ids)))
            continue
        if not isinstance(changes, Mapping):
            problems.append(problem(f"measures.params.{mid}", changes, "a mapping {parameter: value}"))
            continue
        m, good = measures[mid], {}
        for name, value in changes.items():
            path = f"measures.params.{mid}.{name}"
            if name not in PARAMETERS:
                problems.append(problem(path, name, "a catalog parameter name", suggest(str(name), PARAMETERS)))
                continue
            x = _as_number(value)
            bad = "a number" if x is None else _range_error(PARAMETERS[name].kind, x)
            if bad:
                problems.append(problem(path, value, f"{name} must be {bad}"))
                continue
            good[name] = x
        if good:
            measures[mid] = replace(m, params=MappingProxyType({**m.params, **good}),
                                    estimated=m.estimated - set(good))
            table_parts.append(_override_rows(catalog, m, good, "site override (measures.params)"))

    customs: list[Measure] = []
    known = set(measures)
    for i, spec in enumerate(custom):
        cm = _custom_measure(i, spec, known, problems)
        if cm is not None:
            known.add(cm.measure_id)
            customs.append(cm)
    for i, cm in enumerate(customs):
        for j, ref in enumerate(cm.prerequisites):
            if ref not in known or ref == cm.measure_id:
                problems.append(problem(f"measures.custom[{i}].prerequisites[{j}]", ref,
                                        "another catalog or custom measure id", suggest(str(ref), sorted(known))))
    if problems:
        raise InputError(problems)
    for cm in customs:
        measures[cm.measure_id] = cm
        table_parts.append(_override_rows(catalog, cm, cm.params, "vendor quote (measures.custom)"))
    cycle = _find_cycle({mid: m.prerequisites for mid, m in measures.items()})
    if cycle:
        raise InputError(problem("measures.custom", " -> ".join(cycle), "no prerequisite cycles"))

    changed = True
    while changed:   # cascade: a measure needing a disabled one is disabled too
        changed = False
        for mid, m in measures.items():
            if mid in disabled:
                continue
            missing = [p for p in m.prerequisites if p in disabled]
            if missing:
                disabled[mid] = f"requires {missing[0]} (disabled)"
                changed = True
    for mid in disabled:
        measures.pop(mid, None)
    for mid, m in list(measures.items()):
        kept = tuple(e for e in m.enables if e in measures)
        if kept != m.enables:
            measures[mid] = replace(m, enables=kept)
    table = pd.concat([t for t in table_parts if len(t)], ignore_index=True)
    return _copy(catalog, measures=measures, parameters_table=table, disabled=disabled)


# ---------------------------------------------------------------------------------------------- CLI
def _records(cat: Catalog, measures: list[Measure]) -> list[dict[str, Any]]:
    out = []
    for m in measures:
        rows = cat.sources(m.measure_id)
        out.append({
            "measure_id": m.measure_id, "family": m.family, "name_en": m.name_en, "name_zh": m.name_zh,
            "description_en": m.description_en, "sizing_rule": m.sizing_rule, "size_unit": m.size_unit,
            "end_use": m.end_use, "scale": m.scale, "exclusive_group": m.exclusive_group,
            "prerequisites": list(m.prerequisites), "enables": list(m.enables),
            "financing_modes": list(m.financing_modes), "roof_types": list(m.roof_types), "mounting": m.mounting,
            "replaces_carrier": m.replaces_carrier, "source_note": m.source_note,
            "parameters": [{"parameter": r.parameter, "value": float(r.value), "unit": r.unit,
                            "year": None if pd.isna(r.year) else int(r.year), "source": r.source,
                            "is_estimate": bool(r.is_estimate)} for r in rows.itertuples()],
        })
    return out


def run_catalog(args) -> int:
    """``pathways catalog [--family F] [--json]``: print the measures with their parameters and sources."""
    cat = load_catalog()
    family = getattr(args, "family", None)
    if family is not None and family not in FAMILIES:
        raise InputError(problem("--family", family, "one of " + ", ".join(FAMILIES), suggest(family, FAMILIES)))
    measures = cat.by_family(family) if family else list(cat.measures.values())
    records = _records(cat, measures)
    if getattr(args, "json", False):
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    for rec in records:
        print(f"{rec['measure_id']}  [{rec['family']}, {rec['scale']}]  {rec['name_en']} / {rec['name_zh']}")
        line = f"    sizing {rec['sizing_rule']} ({rec['size_unit']}), end use {rec['end_use']}"
        if rec["exclusive_group"]:
            line += f", group {rec['exclusive_group']}"
        print(line)
        print(f"    financing: {', '.join(rec['financing_modes'])}")
        if rec["prerequisites"]:
            print(f"    requires: {', '.join(rec['prerequisites'])}")
        if rec["enables"]:
            print(f"    enables: {', '.join(rec['enables'])}")
        for p in rec["parameters"]:
            flag = "estimate" if p["is_estimate"] else "sourced"
            print(f"    {p['parameter']} = {p['value']:g} {p['unit']}  [{flag}, {p['year']}] {p['source']}")
        print()
    n_est = sum(p["is_estimate"] for r in records for p in r["parameters"])
    n_all = sum(len(r["parameters"]) for r in records)
    print(f"{len(measures)} measures, {n_all} parameters ({n_est} estimates). Sources: data/catalog/README.md")
    if family is None:
        print("\nFinancing contract terms (data/catalog/financing.csv):")
        for r in cat.financing_table.itertuples():
            flag = "estimate" if r.is_estimate else "sourced"
            print(f"    {r.mode}.{r.parameter} = {r.value:g} {r.unit}  [{flag}, {r.year}] {r.source}")
        print("\nExcluded for SMEs (data/catalog/excluded.csv):")
        for r in cat.excluded.itertuples():
            print(f"    {r.item_id} ({r.excluded_for}): {r.reason_en} [{r.source}]")
    return 0
