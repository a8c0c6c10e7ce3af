"""The measure catalog: five families of decarbonisation measures with sourced parameters.

Data (``data/catalog/``, described in its README.md):

* ``measures.csv``: the registry, one row per measure (columns: see ``REGISTRY_COLUMNS``).
* ``parameters.csv``: long table ``measure_id, parameter, value, unit, year, source, is_estimate``.
* ``financing.csv``: ESCO/EMC/lease/loan contract terms ``mode, asset_class, parameter, value, unit, year, source,
  is_estimate``; asset_class ``all`` is the fallback of a mode (``Catalog.financing`` = the ``all`` rows,
  ``Catalog.financing_by_class`` = every (mode, class), ``Catalog.financing_terms(mode, class, province, year)``
  merges them with the national and provincial interest subsidies).
* ``interest_subsidies.csv`` (optional): provincial interest subsidies (贴息) ``province, mode, asset_class,
  parameter, ...``; provinces as in ``data/province_regions.csv``.
* ``excluded.csv``: options the report rules out for SMEs (CCUS, self-built wind, ...), with its reason.
* ``scope.csv``: what each measure with ``site_energy_saving_frac`` acts on: ``measure_id, end_uses, carriers, year,
  source, is_estimate`` (``;``-separated end uses, and carriers among ``electricity`` and the fuel carriers). A
  management or digital measure saves its fraction only on those end uses, and on a fuel end use only on the part
  burnt as one of its carriers (``Measure.acts_on_end_uses``, ``Measure.acts_on_carriers``).

Sizing rules (``Measure.sizing_rule``): the rules registered in ``pathways.site.sizing`` (what each means and
what a row of it must give: size unit, asset class, parameters, roof columns, end uses, financing modes).

Savings: ``electricity_saving_frac`` / ``fuel_saving_frac`` apply to the measure's own end use (any sizing rule);
``site_energy_saving_frac`` to the end uses and carriers of the measure's row in ``scope.csv``, reduced by
``rebound_frac``. Digital and other enabling measures
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
added; no PV-only modes), ``exclusive_group``, ``prerequisites``, ``asset_class`` (default ``equipment``)
(optional). Each becomes a ``fixed`` measure,
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

from pathways.paths import DATA_DIR
from pathways.errors import InputError, problem, suggest
from pathways.site.sizing import SIZING_RULES
from pathways.money.financing import FINANCING_MODES, PV_ONLY_MODES
from pathways.vocabulary import (ASSET_CLASSES, CARRIER_UNITS as ALL_CARRIER_UNITS, CARRIERS, ELECTRIC_END_USES, FAMILIES,
                         FUEL_CARRIERS, FUEL_END_USES, MEASURE_END_USES as END_USES, MOUNTINGS, ROOF_TYPES)

# ---------------------------------------------------------------------------------------------- vocabulary
# the domain words (families, end uses, modes, classes, roofs, mountings, carriers) live in pathways.vocabulary
SCALES = ("individual", "cluster")
FINANCING_CLASSES = ("all",) + ASSET_CLASSES                # financing.csv: `all` is the fallback of every class
CARRIER_UNITS = {c: ALL_CARRIER_UNITS[c] for c in FUEL_CARRIERS}   # fuels only (electricity is not a fuel)

REGISTRY_COLUMNS = ("measure_id", "family", "name_en", "name_zh", "description_en", "sizing_rule", "size_unit",
                    "end_use", "scale", "exclusive_group", "prerequisites", "enables", "financing_modes",
                    "roof_types", "mounting", "replaces_carrier", "source_note", "asset_class")
LONG_COLUMNS = ("parameter", "value", "unit", "year", "source", "is_estimate")
EXCLUDED_COLUMNS = ("item_id", "name_en", "name_zh", "excluded_for", "reason_en", "source")
SUBSIDY_COLUMNS = ("province", "mode", "asset_class") + LONG_COLUMNS   # interest_subsidies.csv (optional file)
SCOPE_COLUMNS = ("measure_id", "end_uses", "carriers", "year", "source", "is_estimate")
SCOPE_CARRIERS = CARRIERS                                  # scope.csv `carriers`: electricity and the fuels

PER_UNIT = "<per size unit>"   # marker: the unit is derived from the measure's size_unit


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter name means, the unit it must carry and its allowed range."""

    unit: str
    kind: str          # "fraction" (0..1), "nonneg" (>= 0), "positive" (> 0), "positive_int", "flag" (0/1),
                       # "year" (calendar year 2000..2100), "any"
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
    "cycles_per_year": ParamSpec("1/yr", "positive", "battery throughput limit: full cycles of the usable "
                                 "kWh per year"),
    "carbon_credit_share": ParamSpec("fraction", "fraction",
                                     "share of the site's abatement creditable (carbon inclusion, CCER)"),
    "scope2_cover_frac": ParamSpec("fraction", "fraction",
                                   "share of the sized MWh whose market-based scope 2 emissions are zeroed"),
    "capex_discount_frac_equipment": ParamSpec("fraction", "fraction",
                                               "collective procurement: discount on tenants' equipment capex"),
    "capex_discount_frac_solar": ParamSpec("fraction", "fraction",
                                           "collective procurement: discount on tenants' solar capex"),
    "annual_electricity_saving_kwh": ParamSpec("kWh/yr", "any", "custom measures: absolute electricity saving"),
    "tax_depreciation_years": ParamSpec("yr", "positive_int",
                                        "straight-line tax life of the capex (1 = expensed in the year paid)"),
    "tax_credit_frac": ParamSpec("fraction", "fraction",
                                 "income-tax credit on the investment (energy-saving special equipment catalogue)"),
    "carbon_credit_eligible": ParamSpec("flag", "flag",
                                        "1 if a current CCER or carbon-inclusion methodology covers its abatement"),
}
for _carrier, _unit in CARRIER_UNITS.items():
    PARAMETERS[f"annual_fuel_saving_{_carrier}"] = ParamSpec(
        f"{_unit}/yr", "any", f"custom measures: absolute {_carrier} saving")
for _rule in SIZING_RULES.values():     # parameters only a sizing rule reads (pathways.site.sizing)
    PARAMETERS.update({name: ParamSpec(*spec) for name, spec in _rule.parameters.items()})

# Contract terms in financing.csv (names as used by the modes of pathways.money.financing).
FINANCING_PARAMETERS: dict[str, ParamSpec] = {
    "esco_share_of_savings": ParamSpec("fraction", "fraction", "shared savings: ESCO's share during the term"),
    "guaranteed_saving_frac": ParamSpec("fraction", "fraction", "guaranteed savings: share of modelled savings"),
    "fee_frac_capex_per_year": ParamSpec("fraction of capex/yr", "fraction", "guaranteed savings: yearly fee"),
    "discount_frac": ParamSpec("fraction", "fraction",
                               "emc_pv: discount on the grid price; hosting: fixed fee below the baseline bill"),
    "rent_cny_per_m2_year": ParamSpec("CNY/m2/yr", "nonneg", "roof lease: rent paid to the roof owner"),
    "interest_rate": ParamSpec("fraction/yr", "fraction", "lease and loan: yearly interest rate (nominal)"),
    "down_payment_frac": ParamSpec("fraction", "fraction", "lease and loan: share of the net capex paid upfront"),
    "fee_frac": ParamSpec("fraction of financed amount", "fraction",
                          "lease and loan: one-off arrangement/handling fee (手续费), paid upfront"),
    "deposit_frac": ParamSpec("fraction of financed amount", "fraction",
                              "lease: refundable security deposit, paid upfront and returned at the end of the term"),
    "min_ticket_cny": ParamSpec("CNY", "nonneg", "lease and loan: smallest financed amount the lender accepts"),
    "interest_subsidy_pp": ParamSpec("fraction/yr", "fraction",
                                     "interest subsidy (贴息) as a share of the outstanding principal per year "
                                     "(0.015 = 1.5 percentage points)"),
    "interest_subsidy_years": ParamSpec("yr", "nonneg", "years of the loan for which the interest subsidy is paid"),
    "interest_subsidy_valid_from_year": ParamSpec("year", "year", "first calendar year of loans the subsidy covers"),
    "interest_subsidy_valid_to_year": ParamSpec("year", "year", "last calendar year of loans the subsidy covers"),
    "reference_rate_lpr_1y": ParamSpec("fraction/yr", "fraction", "bank loan: 1-yr loan prime rate (context)"),
    "reference_rate_lpr_5y": ParamSpec("fraction/yr", "fraction", "bank loan: over-5-yr loan prime rate (context)"),
    "term_years": ParamSpec("yr", "positive", "contract term"),
    "contract_share_2021": ParamSpec("fraction", "fraction", "share of 2021 ESCO contracts by number (context)"),
}

CAPEX_PARAMS = ("capex_cny_per_unit", "capex_fixed_cny", "capex_cny_per_mwh_site")
CUSTOM_KEYS = ("id", "family", "name_en", "name_zh", "description_en", "capex_cny", "annual_electricity_saving_kwh",
               "annual_fuel_saving", "om_cny_per_year", "lifetime_years", "financing_modes", "exclusive_group",
               "prerequisites", "asset_class")


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
    if kind == "positive_int" and (value < 1 or value != int(value)):
        return "a whole number >= 1"
    if kind == "flag" and value not in (0.0, 1.0):
        return "0 or 1"
    if kind == "year" and not (2000 <= value <= 2100 and value == int(value)):
        return "a calendar year between 2000 and 2100"
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
    acts_on_end_uses: tuple[str, ...] = ()     # scope.csv: end uses a site-wide saving fraction acts on
    acts_on_carriers: tuple[str, ...] = ()     # scope.csv: carriers (electricity, fuels) it acts on
    asset_class: str = "equipment"             # one of ASSET_CLASSES: selects financing terms (financing.csv)

    def param(self, name: str, default: float | None = None) -> float | None:
        """Value of parameter ``name``, or ``default`` when the measure does not define it."""
        return self.params.get(name, default)

    @property
    def tax_depreciation_years(self) -> int:
        """Straight-line tax life (parameters.csv; default the 10-yr minimum for machinery, EIT regulations
        art. 60, or 1 = expensed for services)."""
        return int(self.params.get("tax_depreciation_years", 1 if self.asset_class == "service" else 10))

    @property
    def tax_credit_frac(self) -> float:
        """Income-tax credit on the investment (0 unless the catalog marks the measure as qualifying)."""
        return float(self.params.get("tax_credit_frac", 0.0))

    @property
    def carbon_credit_eligible(self) -> bool:
        """True if a current CCER or carbon-inclusion methodology covers the measure's abatement."""
        return bool(self.params.get("carbon_credit_eligible", 0.0))

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
    # {(mode, asset class): terms} of financing.csv as given (class "all" = the mode's fallback rows)
    financing_by_class: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    # {(province, mode, asset class): subsidy terms} of interest_subsidies.csv (provincial 贴息 programmes)
    interest_subsidies: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    interest_subsidies_table: pd.DataFrame = field(default_factory=pd.DataFrame)   # rows with unit, source, ...

    def financing_terms(self, mode: str, asset_class: str = "all", province: str | None = None,
                        year: int | None = None) -> dict[str, float]:
        """Contract terms of ``mode`` for an asset class: the class's rows over the mode's ``all`` rows.

        With ``province`` the province's interest-subsidy programme for the mode (its class rows, else its ``all``
        rows) competes with the national one; the programme worth more (``interest_subsidy_pp`` x
        ``interest_subsidy_years``) is kept, not both (stacking rules differ by programme). With ``year`` (the
        calendar year the loan is taken) a programme outside its ``interest_subsidy_valid_from_year`` ..
        ``interest_subsidy_valid_to_year`` counts as none. An unknown mode or class raises InputError.
        """
        if mode not in FINANCING_MODES:
            raise InputError(problem("financing mode", mode, "one of " + ", ".join(FINANCING_MODES),
                                     suggest(str(mode), FINANCING_MODES)))
        if asset_class not in FINANCING_CLASSES:
            raise InputError(problem("asset_class", asset_class, "one of " + ", ".join(FINANCING_CLASSES),
                                     suggest(str(asset_class), FINANCING_CLASSES)))
        terms = {**self.financing_by_class.get((mode, "all"), {}),
                 **self.financing_by_class.get((mode, asset_class), {})}
        candidates = [{k: v for k, v in terms.items() if k.startswith("interest_subsidy_")}]
        if province is not None:
            regional = (self.interest_subsidies.get((province, mode, asset_class))
                        or self.interest_subsidies.get((province, mode, "all")))
            if regional:
                candidates.append(dict(regional))

        def worth(sub: dict[str, float]) -> float:
            valid = year is None or (sub.get("interest_subsidy_valid_from_year", -math.inf) <= year
                                     <= sub.get("interest_subsidy_valid_to_year", math.inf))
            return sub.get("interest_subsidy_pp", 0.0) * sub.get("interest_subsidy_years", 0.0) if valid else 0.0

        best = max(candidates, key=worth)
        if worth(best) > 0:
            terms.update(best)
        elif any(k.startswith("interest_subsidy_") for c in candidates for k in c):
            terms.update(interest_subsidy_pp=0.0, interest_subsidy_years=0.0)
        return terms

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
        data_dir = DATA_DIR
    root = Path(data_dir)
    return root if (root / "measures.csv").is_file() else root / "catalog"


def _read_long(rows: _Rows, key: str, key_choices: Iterable[str], specs: Mapping[str, ParamSpec],
               units: Mapping[str, str] | None = None,
               extra_keys: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
    """Validate a long parameter table; ``units`` maps key -> size unit for per-unit parameters; ``extra_keys``
    maps further key columns (e.g. ``asset_class``) to their allowed values (a parameter is unique per key set)."""
    key_choices = tuple(key_choices)
    extra_keys = {col: tuple(choices) for col, choices in (extra_keys or {}).items()}
    out, seen = [], set()
    for line, r in rows.rows:
        owner, name = r[key], r["parameter"]
        if owner not in key_choices:
            rows.fail(line, key, owner, f"a {key} defined in the registry", key_choices)
            continue
        extras = {col: r[col] for col in extra_keys}
        wrong = [col for col, choices in extra_keys.items() if extras[col] not in choices]
        for col in wrong:
            rows.fail(line, col, extras[col], "one of " + ", ".join(extra_keys[col]), extra_keys[col])
        if wrong:
            continue
        if name not in specs:
            rows.fail(line, "parameter", name, "a documented parameter name (see pathways.reference.catalog)", specs)
            continue
        ident = (owner, *extras.values(), name)
        if ident in seen:
            rows.fail(line, "parameter", name,
                      f"once per {' and '.join((key, *extra_keys))} (duplicate for {' '.join(ident[:-1])})")
            continue
        seen.add(ident)
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
        out.append({key: owner, **extras, "parameter": name, "value": value, "unit": r["unit"],
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
        spec = SIZING_RULES.get(rule)
        if spec and r["size_unit"] != spec.size_unit:
            rows.fail(line, "size_unit", r["size_unit"], f"{spec.size_unit!r} for sizing_rule {rule}")
        end_use = rows.choice(line, "end_use", r["end_use"], END_USES)
        rows.choice(line, "scale", r["scale"], SCALES)
        modes = _split(r["financing_modes"])
        for mode in modes:
            rows.choice(line, "financing_modes", mode, FINANCING_MODES)
        if "own" not in modes:
            rows.fail(line, "financing_modes", r["financing_modes"], "a list that includes 'own'")
        offered = (spec.modes or ()) if spec else ()          # PV-only modes: for the rules that offer them
        for mode in (set(modes) & set(PV_ONLY_MODES)) - set(offered):
            rows.fail(line, "financing_modes", mode, "emc_pv and roof_lease only for PV (sizing_rule " + " or ".join(
                x.name for x in SIZING_RULES.values() if mode in (x.modes or ())) + ")")
        roof_types = _split(r["roof_types"])
        for rt in roof_types:
            rows.choice(line, "roof_types", rt, ROOF_TYPES)
        mounting = r["mounting"] or None
        if spec and spec.on_roofs:
            rows.choice(line, "mounting", r["mounting"], MOUNTINGS)
        elif mounting or roof_types:
            rows.fail(line, "mounting" if mounting else "roof_types", mounting or r["roof_types"],
                      "blank unless sizing_rule is " + " or ".join(x.name for x in SIZING_RULES.values() if x.on_roofs))
        if spec and spec.end_uses is not None and end_use not in spec.end_uses:
            rows.fail(line, "end_use", end_use, "one of " + ", ".join(spec.end_uses) + f" for {rule}")
        replaces = r["replaces_carrier"] or None
        if replaces is not None:
            rows.choice(line, "replaces_carrier", replaces, FUEL_CARRIERS)
        asset_class = rows.choice(line, "asset_class", r["asset_class"], ASSET_CLASSES)
        if spec and spec.asset_class and asset_class in ASSET_CLASSES and asset_class != spec.asset_class:
            rows.fail(line, "asset_class", asset_class, f"{spec.asset_class!r} for sizing_rule {rule}")
        reg[mid] = (line, {
            "measure_id": mid, "family": r["family"], "name_en": r["name_en"], "name_zh": r["name_zh"],
            "description_en": r["description_en"], "sizing_rule": rule, "size_unit": r["size_unit"],
            "end_use": end_use, "scale": r["scale"], "exclusive_group": r["exclusive_group"] or None,
            "prerequisites": _split(r["prerequisites"]), "enables": _split(r["enables"]),
            "financing_modes": modes, "roof_types": roof_types, "mounting": mounting,
            "replaces_carrier": replaces, "source_note": r["source_note"], "asset_class": asset_class,
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
    for name in SIZING_RULES[m.sizing_rule].required if m.sizing_rule in SIZING_RULES else ():
        if name not in m.params:
            fail("parameter", f"no {name}", f"{name} for sizing_rule {m.sizing_rule}")
    if m.params.get("electricity_saving_frac") and m.end_use in FUEL_END_USES + ("none",):
        fail("end_use", m.end_use, "an electricity end use for electricity_saving_frac")
    if m.params.get("fuel_saving_frac") and m.end_use not in FUEL_END_USES + ("all_energy",):
        fail("end_use", m.end_use, "a fuel end use for fuel_saving_frac")
    if bool(m.enables) != ("enable_boost_frac" in m.params):
        fail("enables", ";".join(m.enables), "enables and enable_boost_frac given together")
    if "site_energy_saving_frac" in m.params and not m.acts_on_end_uses:
        fail("parameter", "site_energy_saving_frac", "a row of this measure in scope.csv (what it acts on)")
    if m.acts_on_end_uses and "site_energy_saving_frac" not in m.params:
        fail("measure_id", m.measure_id, "site_energy_saving_frac in parameters.csv (it has a row in scope.csv)")


def _read_scope(rows: _Rows, ids: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """scope.csv as {measure_id: (end uses, carriers)}; raises InputError naming file, row and column."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for line, r in rows.rows:
        mid = r["measure_id"]
        if mid not in ids:
            rows.fail(line, "measure_id", mid, "a measure_id defined in the registry", ids)
            continue
        if mid in out:
            rows.fail(line, "measure_id", mid, "one row per measure (duplicate)")
            continue
        end_uses, carriers = _split(r["end_uses"]), _split(r["carriers"])
        if not end_uses:
            rows.fail(line, "end_uses", r["end_uses"], "a ;-separated list of end uses")
        if not carriers:
            rows.fail(line, "carriers", r["carriers"], "a ;-separated list of carriers")
        for e in end_uses:
            rows.choice(line, "end_uses", e, ELECTRIC_END_USES + FUEL_END_USES)
        for c in carriers:
            rows.choice(line, "carriers", c, SCOPE_CARRIERS)
        if any(e in ELECTRIC_END_USES for e in end_uses) and "electricity" not in carriers:
            rows.fail(line, "carriers", r["carriers"], "a list with electricity when electric end uses are listed")
        if any(e in FUEL_END_USES for e in end_uses) and not set(carriers) & set(FUEL_CARRIERS):
            rows.fail(line, "carriers", r["carriers"], "a list with a fuel carrier when fuel end uses are listed")
        if not r["source"]:
            rows.fail(line, "source", r["source"], "a non-empty source")
        if not (r["year"].isdigit() and 1990 <= int(r["year"]) <= 2035):
            rows.fail(line, "year", r["year"], "a year between 1990 and 2035")
        rows.flag(line, "is_estimate", r["is_estimate"])
        out[mid] = (end_uses, carriers)
    rows.raise_if_any()
    return out


SUBSIDY_SET = ("interest_subsidy_pp", "interest_subsidy_years", "interest_subsidy_valid_from_year",
               "interest_subsidy_valid_to_year")


def _check_subsidy_set(where: str, terms: Mapping[str, float], problems: list[str]) -> None:
    """A non-zero interest subsidy needs its years and its validity; the validity must not run backwards."""
    if terms.get("interest_subsidy_pp", 0.0) > 0:
        for name in SUBSIDY_SET[1:]:
            if name not in terms:
                problems.append(problem(where, f"no {name}", "interest_subsidy_pp > 0 needs " + ", ".join(SUBSIDY_SET)))
    lo, hi = terms.get("interest_subsidy_valid_from_year"), terms.get("interest_subsidy_valid_to_year")
    if lo is not None and hi is not None and hi < lo:
        problems.append(problem(where, f"{lo:g}..{hi:g}", "interest_subsidy_valid_to_year >= valid_from_year"))


def _provinces(cat_dir: Path) -> tuple[str, ...]:
    """Province names of province_regions.csv next to the catalog folder, else of the package's data folder."""
    path = cat_dir.parent / "province_regions.csv"
    if not path.is_file():
        path = Path(DATA_DIR) / "province_regions.csv"
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(r["province"] for r in csv.DictReader(fh))


def _read_subsidies(cat_dir: Path) -> tuple[dict[tuple[str, str, str], dict[str, float]], pd.DataFrame]:
    """interest_subsidies.csv (optional) as {(province, mode, asset class): terms} and its table."""
    path = cat_dir / "interest_subsidies.csv"
    if not path.is_file():
        return {}, pd.DataFrame(columns=list(SUBSIDY_COLUMNS))
    rows = _Rows(path, SUBSIDY_COLUMNS)
    provinces = _provinces(cat_dir) or tuple(dict.fromkeys(r["province"] for _, r in rows.rows))
    specs = {k: FINANCING_PARAMETERS[k] for k in SUBSIDY_SET}
    out = _read_long(rows, "province", provinces, specs,
                     extra_keys={"mode": FINANCING_MODES, "asset_class": FINANCING_CLASSES})
    subsidies: dict[tuple[str, str, str], dict[str, float]] = {}
    for row in out:
        subsidies.setdefault((row["province"], row["mode"], row["asset_class"]), {})[row["parameter"]] = row["value"]
    for key, terms in subsidies.items():
        _check_subsidy_set(f"{path} {' '.join(key)}", terms, rows.problems)
    rows.raise_if_any()
    return subsidies, pd.DataFrame([{k: v for k, v in r.items() if k != "_line"} for r in out],
                                   columns=list(SUBSIDY_COLUMNS))


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

    fin_rows = _Rows(cat_dir / "financing.csv", ("mode", "asset_class") + LONG_COLUMNS)
    fin = _read_long(fin_rows, "mode", FINANCING_MODES, FINANCING_PARAMETERS,
                     extra_keys={"asset_class": FINANCING_CLASSES})
    for row in fin:
        if row["mode"] in PV_ONLY_MODES and row["asset_class"] not in ("all", "pv"):
            fin_rows.fail(row["_line"], "asset_class", row["asset_class"], "all or pv for a PV-only mode")
    fin_rows.raise_if_any()
    subsidies, subsidy_table = _read_subsidies(cat_dir)

    exc_rows = _Rows(cat_dir / "excluded.csv", EXCLUDED_COLUMNS)
    for line, r in exc_rows.rows:
        for col in EXCLUDED_COLUMNS:
            if not r[col]:
                exc_rows.fail(line, col, r[col], "a non-empty text")
        for scale in _split(r["excluded_for"]):
            exc_rows.choice(line, "excluded_for", scale, SCALES)
    exc_rows.raise_if_any()

    scope = _read_scope(_Rows(cat_dir / "scope.csv", SCOPE_COLUMNS), ids)
    by_measure: dict[str, dict[str, float]] = {mid: {} for mid in ids}
    estimated: dict[str, set[str]] = {mid: set() for mid in ids}
    for row in params:
        by_measure[row["measure_id"]][row["parameter"]] = row["value"]
        if row["is_estimate"]:
            estimated[row["measure_id"]].add(row["parameter"])
    measures: dict[str, Measure] = {}
    for mid, (line, rec) in registry.items():
        m = Measure(**rec, params=MappingProxyType(by_measure[mid]), estimated=frozenset(estimated[mid]),
                    acts_on_end_uses=scope.get(mid, ((), ()))[0], acts_on_carriers=scope.get(mid, ((), ()))[1])
        _check_measure(m, lambda col, val, allowed, _l=line: reg_rows.fail(_l, col, val, allowed))
        measures[mid] = m
    reg_rows.raise_if_any()

    by_class: dict[tuple[str, str], dict[str, float]] = {}
    for row in fin:
        by_class.setdefault((row["mode"], row["asset_class"]), {})[row["parameter"]] = row["value"]
    financing: dict[str, dict[str, float]] = {mode: dict(by_class.get((mode, "all"), {})) for mode in FINANCING_MODES}
    for mode in FINANCING_MODES:
        if mode != "own" and "term_years" not in financing[mode]:
            fin_rows.problems.append(problem(f"{fin_rows.path} mode {mode!r}", "no term_years",
                                             "every contract mode needs term_years in its asset_class 'all' rows"))
    for (mode, cls), terms in by_class.items():
        _check_subsidy_set(f"{fin_rows.path} mode {mode!r} asset_class {cls!r}", terms, fin_rows.problems)
    fin_rows.raise_if_any()

    def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in r.items() if k != "_line"} for r in rows])

    excluded = pd.DataFrame([r for _, r in exc_rows.rows], columns=list(EXCLUDED_COLUMNS))
    return Catalog(measures=measures, financing=financing, excluded=excluded, parameters_table=table(params),
                   financing_table=table(fin), data_dir=cat_dir, financing_by_class=by_class,
                   interest_subsidies=subsidies, interest_subsidies_table=subsidy_table)


@lru_cache(maxsize=8)
def _load_cached(cat_dir: str, stamps: tuple[int, ...]) -> Catalog:
    del stamps  # part of the cache key only: edited files are re-read
    return _build(Path(cat_dir))


def _copy(cat: Catalog, **changes: Any) -> Catalog:
    """A catalog whose containers can be changed without touching ``cat`` (measures themselves are frozen)."""
    base = dict(measures=dict(cat.measures), financing={k: dict(v) for k, v in cat.financing.items()},
                excluded=cat.excluded.copy(), parameters_table=cat.parameters_table.copy(),
                financing_table=cat.financing_table.copy(), disabled=dict(cat.disabled), data_dir=cat.data_dir,
                financing_by_class={k: dict(v) for k, v in cat.financing_by_class.items()},
                interest_subsidies={k: dict(v) for k, v in cat.interest_subsidies.items()},
                interest_subsidies_table=cat.interest_subsidies_table.copy())
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
        for n in ("measures.csv", "parameters.csv", "financing.csv", "excluded.csv", "scope.csv",
                  "interest_subsidies.csv"))
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
    asset_class = spec.get("asset_class") or "equipment"
    if asset_class not in ASSET_CLASSES:
        problems.append(problem(f"{path}.asset_class", asset_class, "one of " + ", ".join(ASSET_CLASSES),
                                suggest(str(asset_class), ASSET_CLASSES)))
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
        custom=True, asset_class=asset_class)


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
            if name == "site_energy_saving_frac" and not m.acts_on_end_uses:
                problems.append(problem(path, value, "only for measures with a row in data/catalog/scope.csv: "
                                        + ", ".join(k for k, v in measures.items() if v.acts_on_end_uses)))
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
            "acts_on_end_uses": list(m.acts_on_end_uses), "acts_on_carriers": list(m.acts_on_carriers),
            "asset_class": m.asset_class,
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
        print(f"    financing: {', '.join(rec['financing_modes'])} (asset class {rec['asset_class']})")
        if rec["prerequisites"]:
            print(f"    requires: {', '.join(rec['prerequisites'])}")
        if rec["enables"]:
            print(f"    enables: {', '.join(rec['enables'])}")
        if rec["acts_on_end_uses"]:
            print(f"    acts on: {', '.join(rec['acts_on_end_uses'])} ({', '.join(rec['acts_on_carriers'])})")
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
            print(f"    {r.mode}[{r.asset_class}].{r.parameter} = {r.value:g} {r.unit}  [{flag}, {r.year}] {r.source}")
        print("\nProvincial interest subsidies (data/catalog/interest_subsidies.csv):")
        for r in cat.interest_subsidies_table.itertuples():
            flag = "estimate" if r.is_estimate else "sourced"
            print(f"    {r.province} {r.mode}[{r.asset_class}].{r.parameter} = {r.value:g} {r.unit}  "
                  f"[{flag}, {r.year}] {r.source}")
        print("\nExcluded for SMEs (data/catalog/excluded.csv):")
        for r in cat.excluded.itertuples():
            print(f"    {r.item_id} ({r.excluded_for}): {r.reason_en} [{r.source}]")
    return 0
