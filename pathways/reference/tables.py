"""Reference data loaders: default assumptions, grid CO2 factors, carbon prices, subsidy presets and fuels.

Every number in the data files carries unit, year, source and an ``is_estimate`` flag (see data/README.md).
A missing or malformed file raises :class:`DataFileError` naming the file and the row; bad user arguments
raise :class:`pathways.errors.InputError`.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pathways import paths
from pathways.errors import InputError, problem, suggest
from pathways.vocabulary import CARRIER_UNITS as ALL_CARRIER_UNITS, FUEL_CARRIERS

LEAF_KEYS = ("value", "unit", "year", "source", "is_estimate")


class DataFileError(ValueError):
    """A shipped data file is missing or malformed (a packaging bug, not bad user input)."""


def _data_path(name: str) -> Path:
    path = paths.DATA_DIR / name
    if not path.exists():
        raise DataFileError(f"{path}: missing data file")
    return path


def _read_yaml(name: str) -> Any:
    path = _data_path(name)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}".splitlines()[0]) from exc


def _check_provenance(where: str, leaf: dict) -> None:
    """A provenance record needs unit, year (int), source (text) and is_estimate (bool)."""
    missing = [k for k in ("unit", "year", "source", "is_estimate") if k not in leaf or leaf[k] in (None, "")]
    if missing:
        raise DataFileError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(leaf["is_estimate"], bool):
        raise DataFileError(f"{where}: is_estimate={leaf['is_estimate']!r} must be true or false")
    if not isinstance(leaf["year"], int) or not 1990 <= leaf["year"] <= 2100:
        raise DataFileError(f"{where}: year={leaf['year']!r} must be a 4-digit year")


# --------------------------------------------------------------------------------------------- default assumptions

def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node


@lru_cache(maxsize=1)
def _defaults_tree() -> dict:
    tree = _read_yaml("defaults.yaml")
    where = str(paths.DATA_DIR / "defaults.yaml")
    if not isinstance(tree, dict):
        raise DataFileError(f"{where}: top level must be a mapping of groups")

    def walk(node: Any, dotted: str) -> None:
        if _is_leaf(node):
            _check_provenance(f"{where}: {dotted}", node)
            return
        if not isinstance(node, dict) or not node:
            raise DataFileError(f"{where}: {dotted}: expected a group or a {{value, unit, year, source, "
                                "is_estimate}} leaf")
        for k, v in node.items():
            walk(v, f"{dotted}.{k}" if dotted else str(k))

    walk(tree, "")
    return tree


def default_assumptions() -> dict:
    """Nested dict of plain default values, e.g. ``d["finance"]["discount_rate_real"] == 0.06``.

    A fresh deep copy each call (callers may merge overrides into it).
    """
    def strip(node: Any) -> Any:
        if _is_leaf(node):
            return copy.deepcopy(node["value"])
        return {k: strip(v) for k, v in node.items()}

    return strip(_defaults_tree())


def assumption_ranges() -> dict:
    """Nested dict parallel to ``default_assumptions()`` holding, per leaf, what a value may be:
    ``{"range": [lo, hi]}`` (numbers, inclusive) and/or ``{"choices": [...]}`` (text), from the ``range`` and
    ``choices`` keys of data/defaults.yaml (a leaf without either is only type-checked)."""
    def strip(node: Any) -> Any:
        if _is_leaf(node):
            return {k: copy.deepcopy(node[k]) for k in ("range", "choices") if k in node}
        return {k: strip(v) for k, v in node.items()}

    return strip(_defaults_tree())


def assumption_sources() -> pd.DataFrame:
    """Flat table of every default: key (dotted), value, unit, year, source, is_estimate."""
    rows: list[dict] = []

    def walk(node: Any, dotted: str) -> None:
        if _is_leaf(node):
            rows.append({"key": dotted, **{k: node[k] for k in LEAF_KEYS}})
            return
        for k, v in node.items():
            walk(v, f"{dotted}.{k}" if dotted else str(k))

    walk(_defaults_tree(), "")
    return pd.DataFrame(rows, columns=["key", *LEAF_KEYS])


# --------------------------------------------------------------------------------------------- CSV helpers

def _read_table(name: str, columns: list[str], numeric: tuple[str, ...] = ("value",)) -> pd.DataFrame:
    """Read a CSV, check columns, non-empty provenance, numeric values, int years and bool is_estimate."""
    path = _data_path(name)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataFileError(f"{path}: missing columns {missing}")
    required = [c for c in ("unit", "year", "source", "is_estimate", *numeric) if c in df.columns]
    for i, row in enumerate(df[required].itertuples(index=False), start=2):
        for col, val in zip(required, row):
            if str(val).strip() == "":
                raise DataFileError(f"{path}: row {i}: empty {col}")
    for col in numeric:
        num = pd.to_numeric(df[col], errors="coerce")
        if num.isna().any():
            i = int(num.isna().to_numpy().argmax())
            raise DataFileError(f"{path}: row {i + 2}: {col}={df[col].iloc[i]!r} is not a number")
        df[col] = num.astype(float)
    if "year" in df.columns:
        yr = pd.to_numeric(df["year"], errors="coerce")
        bad = yr.isna() | (yr % 1 != 0) | ~yr.between(1990, 2100)
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise DataFileError(f"{path}: row {i + 2}: year={df['year'].iloc[i]!r} is not a 4-digit year")
        df["year"] = yr.astype(int)
    if "is_estimate" in df.columns:
        low = df["is_estimate"].str.strip().str.lower()
        bad = ~low.isin(["true", "false"])
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise DataFileError(f"{path}: row {i + 2}: is_estimate={df['is_estimate'].iloc[i]!r} must be "
                                "true or false")
        df["is_estimate"] = low == "true"
    return df


# --------------------------------------------------------------------------------------------- grid factors

GRID_BASES = ("location", "market", "regional", "provincial")
_BASIS_SCOPE = {"location": "national", "market": "national_residual", "regional": "region",
                "provincial": "province"}


@dataclass(frozen=True)
class GridFactor:
    """A grid CO2 factor chosen for an accounting year.

    ``scope`` is the row scope actually used (national, national_residual, region, province); it differs from the
    requested basis only on fallback (e.g. Tibet has no provincial factor -> its region), which ``note`` explains.
    """

    value_kg_per_kwh: float
    year_used: int
    scope: str
    source: str
    name: str = "China"
    confidence: str = ""
    note: str = ""


@lru_cache(maxsize=1)
def load_grid_factors() -> pd.DataFrame:
    """Grid CO2 factors, long format: scope, name, year, value_kg_per_kwh, unit, source, confidence, is_estimate."""
    df = _read_table("grid_factors.csv", ["scope", "name", "year", "value_kg_per_kwh", "unit", "source",
                                          "confidence", "is_estimate"], numeric=("value_kg_per_kwh",))
    bad = ~df["scope"].isin(["national", "national_residual", "national_fossil", "region", "province"])
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise DataFileError(f"{paths.DATA_DIR / 'grid_factors.csv'}: row {i + 2}: unknown scope "
                            f"{df['scope'].iloc[i]!r}")
    dup = df.duplicated(["scope", "name", "year"])
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise DataFileError(f"{paths.DATA_DIR / 'grid_factors.csv'}: row {i + 2}: duplicate scope/name/year")
    return df


@lru_cache(maxsize=1)
def load_province_regions() -> pd.DataFrame:
    """Province -> grid region mapping: province, province_zh, grid_region, grid_region_zh, source, is_estimate."""
    return _read_table("province_regions.csv", ["province", "province_zh", "grid_region", "grid_region_zh",
                                                 "source", "is_estimate"], numeric=())


def _province_name(province: str, field: str = "province") -> str:
    """Canonical English province name from English (any case, optional ' Province') or Chinese (optional 省/市)."""
    pr = load_province_regions()
    raw = str(province).strip()
    key = raw.lower().removesuffix(" province").removesuffix(" municipality").strip()
    zh = raw.removesuffix("省").removesuffix("市").removesuffix("自治区")
    for en, pzh in zip(pr["province"], pr["province_zh"]):
        if key == en.lower() or zh == pzh or raw == pzh:
            return en
    labels = [f"{en} ({pzh})" for en, pzh in zip(pr["province"], pr["province_zh"])]
    hits = suggest(raw, list(pr["province"]) + list(pr["province_zh"]))
    sugg = [lab for h in hits for lab in labels if h in lab][:3]
    raise InputError(problem(field, province, "a province of mainland China in English or Chinese", sugg))


def grid_region(province: str) -> str:
    """Grid region (e.g. 'East China') of a province."""
    name = _province_name(province)
    pr = load_province_regions()
    return str(pr.loc[pr["province"] == name, "grid_region"].iloc[0])


def _pick_year(years, report_year: int) -> tuple[int, str]:
    """The rule: accounting year Y uses the factor of year Y-2 when published, else the latest year before Y-2;
    if every published year is later than Y-2 (a historical Y), the earliest published year (noted)."""
    ys = sorted(int(y) for y in years)
    target = report_year - 2
    before = [y for y in ys if y <= target]
    if before:
        y = before[-1]
        return y, "" if y == target else f"factor for {target} not published; latest earlier year {y} used"
    return ys[0], f"no factor published for {target} or earlier; earliest published year {ys[0]} used"


def grid_factor_kg_per_kwh(province: str | None, report_year: int, basis: str = "location") -> GridFactor:
    """Grid CO2 factor for a firm inventory of accounting year ``report_year``.

    Bases: ``location`` = national average (the official default for firm inventories, MEE/NBS);
    ``market`` = national factor excluding market-traded non-fossil power (residual mix; for firms that buy no
    green power; green power bought should be counted at zero separately); ``regional`` = the province's grid
    region; ``provincial`` = the province's own factor (falls back to the region when none is published, e.g.
    Tibet). Year rule: the factor of year ``report_year - 2`` when published, else the latest published before it
    (MEE guidance via szcbn.com: accounting year Y typically uses the Y-2 factor, the latest available).
    ``province`` may be None for the national bases.
    """
    if basis not in GRID_BASES:
        raise InputError(problem("grid.factor_basis", basis, "one of " + ", ".join(GRID_BASES),
                                 suggest(str(basis), GRID_BASES)))
    if isinstance(report_year, bool) or not isinstance(report_year, (int,)) and not (
            isinstance(report_year, float) and report_year.is_integer()):
        raise InputError(problem("grid.report_year", report_year, "a whole year, e.g. 2025"))
    report_year = int(report_year)
    if not 2000 <= report_year <= 2100:
        raise InputError(problem("grid.report_year", report_year, "a year between 2000 and 2100"))
    df = load_grid_factors()
    scope, name, note = _BASIS_SCOPE[basis], "China", ""
    if basis in ("regional", "provincial"):
        if province is None:
            raise InputError(problem("province", None, f"a province is needed for the {basis} grid factor basis"))
        prov = _province_name(province)
        name = prov if basis == "provincial" else grid_region(prov)
        if basis == "provincial" and not ((df["scope"] == "province") & (df["name"] == prov)).any():
            scope, name = "region", grid_region(prov)
            note = f"no provincial factor published for {prov}; {name} grid region used"
    rows = df[(df["scope"] == scope) & (df["name"] == name)]
    if rows.empty:
        raise DataFileError(f"{paths.DATA_DIR / 'grid_factors.csv'}: no rows for scope={scope} name={name}")
    year, year_note = _pick_year(rows["year"], report_year)
    row = rows[rows["year"] == year].iloc[0]
    return GridFactor(value_kg_per_kwh=float(row["value_kg_per_kwh"]), year_used=year, scope=scope,
                      source=str(row["source"]), name=name, confidence=str(row["confidence"]),
                      note="; ".join(n for n in (note, year_note) if n))


def grid_factor_path(factor_kg_per_kwh: float, n_years: int, decline_per_year: float):
    """Projected factor for plan years 0..n_years-1: ``f0 * (1 - decline)**t`` (geometric decarbonisation,
    an estimate; see defaults.yaml grid.factor_decline_per_year, whose range lets it be negative: a rising factor).
    Returns a numpy array. The one place a site's or a park's yearly grid factor is projected."""
    import numpy as np

    if not -1.0 < decline_per_year < 1.0:
        raise InputError(problem("grid.factor_decline_per_year", decline_per_year,
                                 "a fraction in (-1, 1) (negative: a rising factor)"))
    return factor_kg_per_kwh * (1.0 - decline_per_year) ** np.arange(int(n_years), dtype=float)


# --------------------------------------------------------------------------------------------- carbon prices

@lru_cache(maxsize=1)
def load_carbon_prices() -> pd.DataFrame:
    """Carbon-market prices and context: instrument (cea, ccer, pilot_ets, carbon_inclusion, gec, eu_cbam, eu_ets,
    fx), region, statistic, year, value, unit, source, confidence, is_estimate, note."""
    return _read_table("carbon_prices.csv", ["instrument", "region", "statistic", "year", "value", "unit", "source",
                                             "confidence", "is_estimate", "note"])


# --------------------------------------------------------------------------------------------- fuels

FUEL_PARAMETERS = ("price_cny_per_unit", "lhv_kwh_per_unit", "co2_t_per_unit", "boiler_efficiency")


@dataclass(frozen=True)
class Fuel:
    """One fuel carrier. ``unit`` is the physical unit of a quantity (Nm3, t, L, kg); ``sources`` and
    ``is_estimate`` map each parameter name to its provenance."""

    carrier: str
    unit: str
    price_cny_per_unit: float
    lhv_kwh_per_unit: float
    co2_t_per_unit: float
    boiler_efficiency: float
    sources: dict
    is_estimate: dict

    @property
    def co2_kg_per_kwh_fuel(self) -> float:
        """CO2 per kWh of fuel energy (LHV)."""
        return 1000.0 * self.co2_t_per_unit / self.lhv_kwh_per_unit

    @property
    def cny_per_kwh_useful_heat(self) -> float:
        """Fuel cost per kWh of useful heat = price / (LHV * boiler efficiency)."""
        return self.price_cny_per_unit / (self.lhv_kwh_per_unit * self.boiler_efficiency)


CARRIER_UNITS = {c: ALL_CARRIER_UNITS[c] for c in FUEL_CARRIERS}   # the fuels' units (pathways.vocabulary)


@lru_cache(maxsize=1)
def _fuels_table() -> pd.DataFrame:
    return _read_table("fuels.csv", ["carrier", "parameter", "value", "unit", "year", "source", "is_estimate"])


def load_fuels() -> dict[str, Fuel]:
    """Fuel carriers from data/fuels.csv (the carriers of docs/conventions.md except electricity), by carrier.
    Cached; a new dict of the same frozen Fuel objects each call."""
    return dict(_load_fuels())


@lru_cache(maxsize=1)
def _load_fuels() -> dict[str, Fuel]:
    df = _fuels_table()
    path = paths.DATA_DIR / "fuels.csv"
    out: dict[str, Fuel] = {}
    for carrier, unit in CARRIER_UNITS.items():
        sub = df[df["carrier"] == carrier]
        vals, srcs, est = {}, {}, {}
        for p in FUEL_PARAMETERS:
            hit = sub[sub["parameter"] == p]
            if len(hit) != 1:
                raise DataFileError(f"{path}: carrier {carrier}: expected one {p} row, found {len(hit)}")
            v = float(hit["value"].iloc[0])
            if not (math.isfinite(v) and v > 0):
                raise DataFileError(f"{path}: row {int(hit.index[0]) + 2}: {p}={v} must be positive")
            vals[p], srcs[p], est[p] = v, str(hit["source"].iloc[0]), bool(hit["is_estimate"].iloc[0])
        out[carrier] = Fuel(carrier=carrier, unit=unit, sources=srcs, is_estimate=est, **vals)
    return out


def fuel(carrier: str, field: str = "fuels.carrier") -> Fuel:
    """One carrier; unknown names raise InputError with suggestions."""
    fuels = load_fuels()
    if carrier not in fuels:
        raise InputError(problem(field, carrier, "one of " + ", ".join(fuels), suggest(str(carrier), fuels)))
    return fuels[carrier]


# --------------------------------------------------------------------------------------------- subsidies

RULE_KINDS = {"capex_share": ("share", "cap_cny"), "per_kw": ("cny_per_kw", "cap_cny"),
              "per_kwh": ("cny_per_kwh", "n_years"), "per_tco2": ("cny_per_t", "n_years")}
REGION_LEVELS = ("national", "province", "city", "county")


@dataclass(frozen=True)
class SubsidyRule:
    """One subsidy rule. Only the fields of its kind are set (others None): capex_share (share, cap_cny),
    per_kw (cny_per_kw, cap_cny), per_kwh (cny_per_kwh, n_years; on PV generation), per_tco2 (cny_per_t, n_years).
    ``applies_to`` holds measure ids, families or PV mountings."""

    kind: str
    applies_to: tuple[str, ...]
    unit: str
    year: int
    source: str
    is_estimate: bool
    share: float | None = None
    cap_cny: float | None = None
    cny_per_kw: float | None = None
    cny_per_kwh: float | None = None
    cny_per_t: float | None = None
    n_years: int | None = None
    confidence: str = ""
    note: str = ""

    def matches(self, measure_id: str, family: str | None = None, mounting: str | None = None) -> bool:
        """True when the measure id, its family or its PV mounting is listed in ``applies_to``."""
        return any(x is not None and x in self.applies_to for x in (measure_id, family, mounting))


@dataclass(frozen=True)
class SubsidyPreset:
    name: str
    title: str
    region: str
    region_level: str
    province: str | None
    city: str | None
    years_valid: tuple[int, int]
    source: str
    rules: tuple[SubsidyRule, ...]
    other_support: tuple[str, ...] = ()

    def valid_in(self, year: int) -> bool:
        return self.years_valid[0] <= year <= self.years_valid[1]


def _parse_rule(where: str, r: Any) -> SubsidyRule:
    if not isinstance(r, dict):
        raise DataFileError(f"{where}: a rule must be a mapping")
    kind = r.get("kind")
    if kind not in RULE_KINDS:
        raise DataFileError(f"{where}: kind={kind!r} must be one of {', '.join(RULE_KINDS)}")
    _check_provenance(where, r)
    applies = r.get("applies_to")
    if not isinstance(applies, list) or not applies or not all(isinstance(a, str) and a for a in applies):
        raise DataFileError(f"{where}: applies_to must be a non-empty list of names")
    main, second = RULE_KINDS[kind]
    kw: dict[str, Any] = {}
    v = r.get(main)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise DataFileError(f"{where}: {main}={v!r} must be a non-negative number")
    if kind == "capex_share" and v > 1:
        raise DataFileError(f"{where}: share={v!r} must be a fraction in [0, 1]")
    kw[main] = float(v)
    s = r.get(second)
    if second == "cap_cny":
        if s is not None and (isinstance(s, bool) or not isinstance(s, (int, float)) or s < 0):
            raise DataFileError(f"{where}: cap_cny={s!r} must be null or a non-negative number")
        kw["cap_cny"] = None if s is None else float(s)
    else:
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise DataFileError(f"{where}: n_years={s!r} must be a positive whole number")
        kw["n_years"] = s
    return SubsidyRule(kind=kind, applies_to=tuple(applies), unit=str(r["unit"]), year=int(r["year"]),
                       source=str(r["source"]), is_estimate=bool(r["is_estimate"]),
                       confidence=str(r.get("confidence", "")), note=str(r.get("note", "") or ""), **kw)


@lru_cache(maxsize=1)
def load_subsidy_presets() -> dict[str, SubsidyPreset]:
    """Subsidy presets from data/subsidies.yaml, by name."""
    tree = _read_yaml("subsidies.yaml")
    path = paths.DATA_DIR / "subsidies.yaml"
    if not isinstance(tree, dict) or not isinstance(tree.get("presets"), dict):
        raise DataFileError(f"{path}: expected a top-level 'presets' mapping")
    out: dict[str, SubsidyPreset] = {}
    for name, p in tree["presets"].items():
        where = f"{path}: presets.{name}"
        if not isinstance(p, dict):
            raise DataFileError(f"{where}: must be a mapping")
        for key in ("title", "region", "region_level", "years_valid", "source", "rules"):
            if p.get(key) in (None, ""):
                raise DataFileError(f"{where}: missing {key}")
        if p["region_level"] not in REGION_LEVELS:
            raise DataFileError(f"{where}: region_level={p['region_level']!r} must be one of "
                                + ", ".join(REGION_LEVELS))
        yv = p["years_valid"]
        if (not isinstance(yv, list) or len(yv) != 2 or not all(isinstance(y, int) for y in yv)
                or yv[0] > yv[1]):
            raise DataFileError(f"{where}: years_valid={yv!r} must be [first_year, last_year]")
        if not isinstance(p["rules"], list) or not p["rules"]:
            raise DataFileError(f"{where}: rules must be a non-empty list")
        rules = tuple(_parse_rule(f"{where}.rules[{i}]", r) for i, r in enumerate(p["rules"]))
        out[str(name)] = SubsidyPreset(
            name=str(name), title=str(p["title"]), region=str(p["region"]), region_level=p["region_level"],
            province=p.get("province"), city=p.get("city"), years_valid=(yv[0], yv[1]), source=str(p["source"]),
            rules=rules, other_support=tuple(str(s) for s in (p.get("other_support") or [])))
    return out


def presets_for_site(province: str, city: str | None, build_year: int) -> list[SubsidyPreset]:
    """Presets auto-applied to a site (defaults.yaml ``subsidies.presets = auto``): national ones, the province's,
    the city's (``city`` = cities.csv name_en), valid in ``build_year``. County presets are never auto-applied."""
    prov = _province_name(province)
    out = []
    for p in load_subsidy_presets().values():
        hit = (p.region_level == "national" or (p.region_level == "province" and p.province == prov)
               or (p.region_level == "city" and city is not None and p.city == city))
        if hit and p.valid_in(build_year):
            out.append(p)
    return out


def select_presets(names: list[str], field: str = "assumptions.subsidies.presets") -> list[SubsidyPreset]:
    """Presets by name; unknown names raise InputError with suggestions."""
    presets = load_subsidy_presets()
    errs = [problem(f"{field}[{i}]", n, "a preset name in data/subsidies.yaml", suggest(str(n), presets))
            for i, n in enumerate(names) if n not in presets]
    if errs:
        raise InputError(errs)
    return [presets[n] for n in names]


@dataclass(frozen=True)
class SubsidyTerms:
    """Subsidy of one measure option: an upfront amount and yearly rates (see :func:`subsidy_terms`)."""

    upfront_cny: float
    cny_per_kwh: float
    cny_per_t: float
    n_years: int


def subsidy_terms(presets: list[SubsidyPreset], measure_id: str, family: str | None, mounting: str | None,
                  capex_cny: float, size_kw: float = 0.0) -> SubsidyTerms:
    """Combine all matching rules of ``presets`` for one option.

    Assumptions: rules stack. Upfront = sum of min(share * capex, cap) and min(cny_per_kw * size_kw, cap), then
    capped at capex. Yearly per-kWh (on PV generation) and per-tCO2 rates add up; ``n_years`` is the longest
    period among them (the economics model carries one period per option; rates with shorter periods are
    overstated in their extra years -- no shipped preset mixes periods).
    """
    upfront = per_kwh = per_t = 0.0
    years = 0
    for p in presets:
        for r in p.rules:
            if not r.matches(measure_id, family, mounting):
                continue
            if r.kind == "capex_share":
                amt = r.share * capex_cny
            elif r.kind == "per_kw":
                amt = r.cny_per_kw * size_kw
            elif r.kind == "per_kwh":
                per_kwh += r.cny_per_kwh
                years = max(years, r.n_years)
                continue
            else:
                per_t += r.cny_per_t
                years = max(years, r.n_years)
                continue
            upfront += amt if r.cap_cny is None else min(amt, r.cap_cny)
    return SubsidyTerms(upfront_cny=min(upfront, max(capex_cny, 0.0)), cny_per_kwh=per_kwh, cny_per_t=per_t,
                        n_years=years)

