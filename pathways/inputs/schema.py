"""Input schemas (pydantic v2) for site, park and scenario files, and their conversion to one-line errors.

Every model forbids unknown keys, rejects NaN/inf and does not coerce strings to numbers (strict mode; an int is
accepted where a float is expected). Ranges are declared on the fields; cross-field rules live in
``model_validator(mode="after")``. ``validate_model(cls, data)`` raises :class:`pathways.errors.InputError` with one
line per problem, e.g. ``roofs[1].tilt_deg: 95 -- must be between 0 and 90``.

Fields added beyond docs/conventions.md (tell the lead when this list changes):
    electricity.spring_festival_shutdown_days  int 0-40 or null (null: the shift pattern's default)
    equipment[].count                          int >= 1, identical units of this kind (default 1)
    equipment[].end_use, fuel, efficiency, full_load_hours   heat equipment: optional, size the heat sources
    park.province, park.assumptions            as for a site; firms merge their own assumptions on top
    park.firms[]                               a Site plus ``id`` (filled as firm_<n> when absent) and ``tenancy``
    park.targets                               {co2_t_per_year, co2_intensity_t_per_mwh}: lists, one per plan year
                                               (null entries = no target that year)
    scenario.name                              optional in the file (defaults to the file stem)
    tenancy_years_left                         int 1-40 or null: a tenant's years left on its lease (issue 11)
    finance.budget_carry_over                  bool (default false): unspent budget stays available later
    finance.payback_basis                      investment (default) | cash: which payback the limit applies to
    finance.tax_basis                          after_tax | pre_tax | null (null: assumptions tax.basis)
    finance.tax_status                         standard | small_low_profit | high_tech (the rate of assumptions tax.*)
    finance.tax_rate                           0-0.5 or null (null: the rate of tax_status)
Defaults that are not in conventions.md: electricity.shifts 'two', roofs[].usable_fraction 0.7,
roofs[].azimuth_deg 180, digital_maturity 2; finance.discount_rate/plan.* null here are filled by
``pathways.inputs.resolve.resolve`` from ``assumptions`` (data/defaults.yaml).
"""
from __future__ import annotations

import math
import re
import typing
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError,
                      field_validator, model_validator)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from pathways.errors import InputError, problem, suggest
from pathways.money.financing import FINANCING_MODES
from pathways.vocabulary import (CARRIER_UNITS, ELECTRIC_END_USES, FAMILIES, FUEL_CARRIERS, FUEL_END_USES, MOUNTINGS,
                         ROOF_TYPES, SECTORS, SHIFTS)

# ----------------------------------------------------------------------------------------- shared vocabulary
# the word lists live in pathways.vocabulary (re-exported here: FAMILIES, SECTORS, ... are this module's names too)

MAX_PLAN_YEARS = 15
MAX_HORIZON_YEARS = 40
SHARE_SUM_TOLERANCE = 0.01
MAX_PER_YEAR = 1e12            # per-year money (CNY) and CO2 (t) entries: at most 1e12
MAX_INTENSITY_T_PER_MWH = 10.0  # park CO2 intensity targets, t/MWh of final energy (coal heat is ~0.35)
MAX_PARK_FIRMS = 5000

Family = Literal[FAMILIES]
Sector = Literal[SECTORS]
FinancingMode = Literal[FINANCING_MODES]
ElectricEndUse = Literal[ELECTRIC_END_USES]
FuelEndUse = Literal[FUEL_END_USES]
FuelCarrier = Literal[FUEL_CARRIERS]
Shift = Literal[SHIFTS]
RoofType = Literal[ROOF_TYPES]
Mounting = Literal[MOUNTINGS]


# ----------------------------------------------------------------------------------------- helpers
def _custom(allowed: str, value: Any, suffix: str = "") -> PydanticCustomError:
    """One problem at ``<field path><suffix>`` (converted to a line by :func:`problems_from_validation`)."""
    return PydanticCustomError("pathways", "{allowed}", {"allowed": allowed, "value": value, "suffix": suffix})


def _multi(problems: list[tuple[str, Any, str]]) -> PydanticCustomError:
    """Several problems ``(suffix, value, allowed)`` found by one validator."""
    return PydanticCustomError("pathways_multi", "{count} problems", {"count": len(problems), "problems": problems})


def is_number(value: Any) -> bool:
    """A real number (int or float, not bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def non_finite_paths(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every NaN/inf float anywhere in a nested dict/list tree."""
    found: list[tuple[str, Any]] = []
    if isinstance(tree, float) and not math.isfinite(tree):
        found.append((path, tree))
    elif isinstance(tree, dict):
        for k, v in tree.items():
            found += non_finite_paths(v, f"{path}.{key_text(k)}" if path else key_text(k))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            found += non_finite_paths(v, f"{path}[{i}]")
    return found


def _id_to_str(value: Any) -> Any:
    """Ids written as YAML integers (``id: 1``) are taken as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Ident = Annotated[str, BeforeValidator(_id_to_str),
                  StringConstraints(min_length=1, max_length=80, pattern=r"^[^\s\[\]\.=,:]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _per_year(value: Any, *, integer: bool = False, allow_null_items: bool = False,
              maximum: float = MAX_PER_YEAR) -> Any:
    """Check a 'number or list of numbers (one per plan year)' value; every number finite, >= 0, <= maximum."""
    kind = "a whole number >= 0" if integer else "a number >= 0"
    top = f" (at most {maximum:g})"

    def ok(x: Any) -> bool:
        if allow_null_items and x is None:
            return True
        if integer:
            return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= maximum
        return is_number(x) and math.isfinite(x) and 0 <= x <= maximum

    if value is None:
        return None
    if isinstance(value, list):
        if not 1 <= len(value) <= MAX_PLAN_YEARS:
            raise _custom(f"must have one entry per plan year (1 to {MAX_PLAN_YEARS} entries)", value)
        bad = [(f"[{i}]", x, f"must be {kind}" + (" or null" if allow_null_items else "") + top)
               for i, x in enumerate(value) if not ok(x)]
        if bad:
            raise _multi(bad)
        return value
    if not allow_null_items and ok(value):
        return value
    if allow_null_items:
        raise _custom(f"must be a list with one entry per plan year, each {kind} or null{top}", value)
    raise _custom(f"must be {kind}, or a list of them with one entry per plan year{top}", value)


def _check_length(value: Any, years: int, suffix: str, problems: list[tuple[str, Any, str]]) -> None:
    """A per-year list must have exactly ``years`` entries."""
    if isinstance(value, list) and len(value) != years:
        problems.append((suffix, value, f"must have {years} entries, one per plan year (plan.years = {years})"))


def per_year(value: float | list[float] | None, years: int, missing: float = math.inf) -> list[float]:
    """Expand a per-year value to a list of ``years`` floats (``None`` -> ``missing`` every year)."""
    if value is None:
        return [missing] * years
    if isinstance(value, list):
        return [float(x) for x in value]
    return [float(value)] * years


def _check_free_values(value: Any) -> Any:
    """Free-form mappings (params, custom, assumptions) may not hold NaN/inf."""
    bad = non_finite_paths(value)
    if bad:
        raise _multi([(p if p.startswith("[") or not p else "." + p, v, "must be a finite number")
                      for p, v in bad])
    return value


class _Strict(BaseModel):
    """Base: unknown keys forbidden, no NaN/inf, no string-to-number coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# ----------------------------------------------------------------------------------------- site parts
class Location(_Strict):
    """Site coordinates (WGS84 degrees); overrides the city centre."""

    lat_deg: float = Field(ge=-90, le=90, description="latitude, degrees north")
    lon_deg: float = Field(ge=-180, le=180, description="longitude, degrees east")


class Tariff(_Strict):
    """Grid tariff of the site: provincial time-of-use (default) or one flat price."""

    province: str | None = Field(None, min_length=1, description="tariff province; default: the site's province")
    kind: Literal["tou", "flat"] = "tou"
    flat_price_cny_per_kwh: float | None = Field(None, gt=0, le=5, description="CNY/kWh, only with kind flat")
    voltage: str = Field("1-10kV", min_length=1, max_length=20, description="supply voltage class, e.g. 1-10kV")
    contracted_kva: float | None = Field(None, gt=0, le=1e6,
                                         description="contracted capacity, kVA (two-part basic charge >= 315 kVA)")

    @model_validator(mode="after")
    def _flat_price(self) -> "Tariff":
        if self.kind == "flat" and self.flat_price_cny_per_kwh is None:
            raise _custom("required when kind is 'flat' (CNY/kWh, > 0)", None, ".flat_price_cny_per_kwh")
        if self.kind == "tou" and self.flat_price_cny_per_kwh is not None:
            raise _custom("only used with kind: flat; remove it or set kind: flat",
                          self.flat_price_cny_per_kwh, ".flat_price_cny_per_kwh")
        return self


class Electricity(_Strict):
    """Annual grid electricity use and how it is spread over the year."""

    annual_kwh: float = Field(gt=0, le=1e10, description="annual electricity use, kWh")
    shifts: Shift = "two"
    spring_festival_shutdown_days: int | None = Field(None, ge=0, le=40,
                                                      description="days; null = the shift pattern's default")
    metered_csv: str | None = Field(None, min_length=1,
                                    description="hourly or 15-min CSV (timestamp, kw), relative to the model file")
    tariff: Tariff = Field(default_factory=Tariff)


class Fuel(_Strict):
    """Annual use of one fuel carrier for one end use."""

    carrier: FuelCarrier
    annual_quantity: float = Field(ge=0, le=1e9, description="per year, in the carrier's unit: natural_gas Nm3, "
                                                               "coal t, diesel L, lpg kg, purchased_steam t")
    end_use: FuelEndUse


class RoofSegment(_Strict):
    """One roof (or facade) plane that could carry PV."""

    id: Ident
    area_m2: float = Field(gt=0, le=1e6, description="gross area, m2")
    usable_fraction: float = Field(0.7, gt=0, le=1, description="share of the area usable for PV modules")
    tilt_deg: float = Field(ge=0, le=90, description="0 = flat, 90 = vertical")
    azimuth_deg: float = Field(180.0, ge=0, le=360, description="degrees clockwise from north, 180 = south")
    roof_type: RoofType
    owned: bool = True
    mounting: Mounting | None = None
    pv_profile_csv: str | None = Field(None, min_length=1, description="own hourly kWh/kWp profile, CSV")

    @model_validator(mode="after")
    def _facade(self) -> "RoofSegment":
        if self.mounting == "bipv_facade" and self.roof_type != "facade":
            raise _custom("bipv_facade needs roof_type: facade", self.mounting, ".mounting")
        if self.roof_type == "facade" and self.mounting not in (None, "bipv_facade"):
            raise _custom("a facade takes mounting bipv_facade (or leave it out)", self.mounting, ".mounting")
        return self


class Equipment(_Strict):
    """An existing piece of equipment (informs the sizing of equipment measures)."""

    id: Ident
    kind: Ident = Field(description="e.g. gas_boiler, air_compressor (checked by the catalog)")
    capacity_kw: float | None = Field(None, gt=0, le=1e6, description="rated capacity, kW")
    age_years: float | None = Field(None, ge=0, le=100, description="years in service")
    count: int = Field(1, ge=1, le=10000, description="identical units")
    # heat equipment (boilers, furnaces, kilns): informs the sizing of the heat sources that replace it
    end_use: FuelEndUse | None = Field(
        None, description="fuel end use it serves (default from kind: pathways.energy.heat.HEAT_EQUIPMENT_END_USE)")
    fuel: FuelCarrier | None = Field(
        None, description="carrier it burns (null: any fuel of its end use)")
    efficiency: float | None = Field(None, gt=0, le=1, description="useful heat / fuel LHV")
    full_load_hours: float | None = Field(None, gt=0, le=8760,
                                          description="yearly heat output / capacity, h (its operating hours)")


class Finance(_Strict):
    """Owner's finance limits."""

    discount_rate: float | None = Field(None, ge=0, le=0.3,
                                        description="real, per year; null = assumptions.finance.discount_rate_real")
    budget_cny_per_year: float | list[float] | None = Field(
        None, description="CNY per plan year: one number for every year or a list of plan.years numbers; "
                          "null = no budget limit")
    payback_limit_years: float | None = Field(None, gt=0, le=MAX_HORIZON_YEARS,
                                              description="years, per action")
    portfolio_payback_limit_years: float | None = Field(None, gt=0, le=MAX_HORIZON_YEARS,
                                                        description="years, whole plan")
    reinvest_savings: bool = False
    budget_carry_over: bool = Field(False, description="unspent budget of a plan year stays available in later "
                                                       "years (false: each year's budget lapses)")
    payback_basis: Literal["investment", "cash"] = Field(
        "investment", description="payback_limit_years applies to the investment payback (net capex / gross yearly "
                                  "saving) or to the owner's cash payback (instalments and fees included)")
    tax_basis: Literal["after_tax", "pre_tax"] | None = Field(
        None, description="NPVs after or before corporate income tax; null = assumptions tax.basis (after_tax)")
    tax_status: Literal["standard", "small_low_profit", "high_tech"] = Field(
        "standard", description="which corporate income tax rate applies: standard (assumptions tax.corporate_rate, "
                                "25 %), small_low_profit (tax.rate_small_low_profit, 5 % effective 2023-2027), "
                                "high_tech (tax.rate_high_tech, 15 %)")
    tax_rate: float | None = Field(None, ge=0, le=0.5,
                                   description="corporate income tax rate, fraction; overrides tax_status; null = the "
                                               "rate of tax_status")
    allowed_financing_modes: list[FinancingMode] | None = Field(None, min_length=1)

    @field_validator("budget_cny_per_year", mode="before")
    @classmethod
    def _budget(cls, value: Any) -> Any:
        return _per_year(value)

    @field_validator("allowed_financing_modes")
    @classmethod
    def _unique_modes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise _custom("each mode may appear once", value)
        return value


class Plan(_Strict):
    """Plan length T and analysis horizon H (years from the start of year 1)."""

    years: int = Field(5, ge=1, le=MAX_PLAN_YEARS, description="plan years T")
    horizon_years: int = Field(20, ge=1, le=MAX_HORIZON_YEARS, description="analysis horizon H, years")

    @model_validator(mode="after")
    def _horizon(self) -> "Plan":
        if self.horizon_years < self.years:
            raise _custom(f"must be >= plan.years ({self.years}) and <= {MAX_HORIZON_YEARS}",
                          self.horizon_years, ".horizon_years")
        return self


class Measures(_Strict):
    """Site changes to the measure catalog (ids are checked by the catalog, shapes here)."""

    disable: list[Ident] = Field(default_factory=list, description="catalog measure ids switched off")
    disable_families: list[Family] = Field(default_factory=list)
    params: dict[Ident, dict[Ident, Any]] = Field(default_factory=dict,
                                                  description="{measure_id: {parameter: value}}")
    custom: list[dict[str, Any]] = Field(default_factory=list, description="vendor quotes (see the catalog)")

    @field_validator("params", "custom")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return _check_free_values(value)


def _located(model: Any, problems: list[tuple[str, Any, str]]) -> None:
    if model.city is None and model.location is None:
        problems.append((".city", MISSING, "give city (e.g. Suzhou or 苏州) or location {lat_deg, lon_deg}"))


class Site(_Strict):
    """One SME at one address (docs/conventions.md, 'Site model file')."""

    name: Text
    city: str | None = Field(None, min_length=1, max_length=80, description="English or Chinese city name")
    location: Location | None = None
    province: str | None = Field(None, min_length=1, max_length=40, description="default: the city's province")
    weather_file: str | None = Field(None, min_length=1, description="own weather file (EPW or TMY CSV) instead of "
                                                                     "the nearest station, relative to the model file")
    sector: Sector
    electricity: Electricity
    fuels: list[Fuel] = Field(default_factory=list, max_length=50)
    end_use_shares: dict[ElectricEndUse, Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, description="shares of annual_kwh by electric end use, summing to 1; null = sector default")
    roofs: list[RoofSegment] = Field(default_factory=list, max_length=200)
    tenancy_years_left: int | None = Field(
        None, ge=1, le=MAX_HORIZON_YEARS,
        description="tenants: years left on the lease of the buildings; NPVs run over min(horizon, years left) and "
                    "assets left to the landlord count no residual; null = the owner occupies its buildings")
    equipment: list[Equipment] = Field(default_factory=list, max_length=500)
    finance: Finance = Field(default_factory=Finance)
    plan: Plan = Field(default_factory=Plan)
    digital_maturity: int = Field(2, ge=1, le=5, description="1 (paper) .. 5 (integrated)")
    co2_target_t_per_year: list[float | None] | None = Field(
        None, description="maximum site emissions (scope 1 + location-based scope 2), tCO2 per plan year; "
                          "one entry per plan year, null = no target that year")
    measures: Measures = Field(default_factory=Measures)
    assumptions: dict[str, Any] = Field(default_factory=dict, description="overrides of data/defaults.yaml keys")

    @field_validator("assumptions")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return _check_free_values(value)

    @field_validator("co2_target_t_per_year", mode="before")
    @classmethod
    def _targets(cls, value: Any) -> Any:
        return _per_year(value, allow_null_items=True)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Site":
        problems: list[tuple[str, Any, str]] = []
        _located(self, problems)
        for field, items in (("roofs", self.roofs), ("equipment", self.equipment)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    problems.append((f".{field}[{i}].id", item.id, f"must be unique among {field}"))
                seen.add(item.id)
        if self.end_use_shares is not None:
            total = sum(self.end_use_shares.values())
            if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
                problems.append((".end_use_shares", round(total, 6),
                                 f"shares must sum to 1 (+-{SHARE_SUM_TOLERANCE}); they sum to {total:.4g}"))
        _check_length(self.finance.budget_cny_per_year, self.plan.years, ".finance.budget_cny_per_year", problems)
        _check_length(self.co2_target_t_per_year, self.plan.years, ".co2_target_t_per_year", problems)
        if problems:
            raise _multi(problems)
        return self

    def co2_targets(self) -> list[float]:
        """Emission cap in tCO2 for each plan year (``inf`` where there is none)."""
        if self.co2_target_t_per_year is None:
            return [math.inf] * self.plan.years
        return [math.inf if x is None else float(x) for x in self.co2_target_t_per_year]

    def budget_by_year(self) -> list[float]:
        """Budget in CNY for each plan year 1..T (``inf`` every year when no budget is given)."""
        return per_year(self.finance.budget_cny_per_year, self.plan.years)


# ----------------------------------------------------------------------------------------- park
class ParkFirm(Site):
    """A firm of a park: a site with an id and a tenancy. City, location, province, plan and tariff default to
    the park's when the firm gives none."""

    id: Ident | None = Field(None, description="unique in the park; default firm_<position from 1>")
    tenancy: Literal["owned", "rented"] = Field("owned", description="owns or rents its buildings")


class ParkTargets(_Strict):
    """Park-wide emission targets, one entry per plan year (null = no target that year)."""

    co2_t_per_year: list[float | None] | None = Field(None, description="max CO2 t emitted in each plan year")
    co2_intensity_t_per_mwh: list[float | None] | None = Field(
        None, description="max CO2 t per MWh of final energy in each plan year")

    @field_validator("co2_t_per_year", "co2_intensity_t_per_mwh", mode="before")
    @classmethod
    def _lists(cls, value: Any, info) -> Any:
        top = MAX_INTENSITY_T_PER_MWH if info.field_name == "co2_intensity_t_per_mwh" else MAX_PER_YEAR
        return _per_year(value, allow_null_items=True, maximum=top)


class Park(_Strict):
    """An industrial park: firms plus park-level options, budgets, subsidy pool and targets."""

    name: Text
    city: str | None = Field(None, min_length=1, max_length=80)
    location: Location | None = None
    province: str | None = Field(None, min_length=1, max_length=40)
    firms: list[ParkFirm] = Field(min_length=1, max_length=5000)
    park_options: list[Ident] = Field(default_factory=list, description="cluster-only measure ids")
    budget_cny_per_year: float | list[float] | None = Field(None, description="park budget, CNY per plan year")
    subsidy_pool_cny_per_year: float | list[float] | None = Field(None, description="CNY per plan year")
    targets: ParkTargets | None = None
    programme_capacity_firms_per_year: int | list[int] | None = Field(
        None, description="firms the programme can start per plan year")
    later_batches: Literal["by_energy_and_maturity", "optimised"] = Field(
        "by_energy_and_maturity", description="who may join the programme after the pilot year: by_energy_and_maturity"
        " queues firms by energy use and digital maturity (a firm becomes eligible in the year the programme "
        "capacity reaches its place in the queue); optimised lets the planner pick any firm")
    tariff: Tariff | None = Field(None, description="default tariff of firms that give none")
    plan: Plan = Field(default_factory=Plan)
    assumptions: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, data: Any) -> Any:
        """Firms without city/location/province/plan/tariff take the park's."""
        if not isinstance(data, dict) or not isinstance(data.get("firms"), list):
            return data
        firms = []
        for firm in data["firms"]:
            if isinstance(firm, dict):
                firm = dict(firm)
                if firm.get("city") is None and firm.get("location") is None:
                    for key in ("city", "location", "province"):
                        if data.get(key) is not None and key not in firm:
                            firm[key] = data[key]
                if "plan" not in firm and data.get("plan") is not None:
                    firm["plan"] = data["plan"]
                elec = firm.get("electricity")
                if isinstance(elec, dict) and "tariff" not in elec and data.get("tariff") is not None:
                    firm["electricity"] = {**elec, "tariff": data["tariff"]}
            firms.append(firm)
        return {**data, "firms": firms}

    @field_validator("budget_cny_per_year", "subsidy_pool_cny_per_year", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Any:
        return _per_year(value)

    @field_validator("programme_capacity_firms_per_year", mode="before")
    @classmethod
    def _capacity(cls, value: Any) -> Any:
        return _per_year(value, integer=True, maximum=MAX_PARK_FIRMS)

    @field_validator("assumptions")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return _check_free_values(value)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Park":
        problems: list[tuple[str, Any, str]] = []
        _located(self, problems)
        seen: set[str] = set()
        for i, firm in enumerate(self.firms):
            if firm.id is None:
                firm.id = f"firm_{i + 1}"
            if firm.id in seen:
                problems.append((f".firms[{i}].id", firm.id, "must be unique among the park's firms"))
            seen.add(firm.id)
            if firm.plan.years != self.plan.years:
                problems.append((f".firms[{i}].plan.years", firm.plan.years,
                                 f"must equal the park's plan.years ({self.plan.years})"))
        years = self.plan.years
        for name in ("budget_cny_per_year", "subsidy_pool_cny_per_year", "programme_capacity_firms_per_year"):
            _check_length(getattr(self, name), years, f".{name}", problems)
        if self.targets is not None:
            for name in ("co2_t_per_year", "co2_intensity_t_per_mwh"):
                _check_length(getattr(self.targets, name), years, f".targets.{name}", problems)
        if len(set(self.park_options)) != len(self.park_options):
            problems.append((".park_options", self.park_options, "each measure id may appear once"))
        if problems:
            raise _multi(problems)
        return self

    def budget_by_year(self) -> list[float]:
        """Park budget in CNY for each plan year (``inf`` when none is given)."""
        return per_year(self.budget_cny_per_year, self.plan.years)

    def subsidy_pool_by_year(self) -> list[float]:
        """Subsidy pool in CNY for each plan year (0 when none is given)."""
        return per_year(self.subsidy_pool_cny_per_year, self.plan.years, missing=0.0)

    def capacity_by_year(self) -> list[float]:
        """Firms the programme can start each plan year (``inf`` when unlimited)."""
        return per_year(self.programme_capacity_firms_per_year, self.plan.years)


class Scenario(_Strict):
    """Named overrides of the merged tree: ``{dotted.key: value}``."""

    name: Text | None = None
    description: str = Field("", max_length=2000)
    overrides: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Any] = Field(
        default_factory=dict)

    @field_validator("overrides")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        return _check_free_values(value)


# ----------------------------------------------------------------------------------------- errors
class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


MISSING = _Missing()


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Model classes mentioned in a type annotation (through Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is Literal:
        return []
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += [m for m in _models_in(arg) if m not in found]
    return found


def _walk(root: type[BaseModel], loc: tuple) -> tuple[list[type[BaseModel]], FieldInfo | None]:
    """Models reached by ``loc`` (list indices are skipped) and the field at its end, if any."""
    models, field = [root], None
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        field = None
        for m in models:
            if part in m.model_fields:
                field = m.model_fields[part]
                nxt += _models_in(field.annotation)
        if field is None:
            return nxt, None
        models = nxt
    return models, field


_PLAIN_KEY = re.compile(r"^[^\s\[\].'\"]+$")


def key_text(key: Any) -> str:
    """A mapping key as shown in a dotted path: as is when plain, else quoted (``'a b'``, ``'\\n'``)."""
    text = str(key)
    return text if _PLAIN_KEY.match(text) and text.isprintable() else repr(text)


def loc_to_path(loc: tuple) -> str:
    """('roofs', 1, 'tilt_deg') -> 'roofs[1].tilt_deg'."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic marks errors in a dict key this way
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{key_text(part)}" if out else key_text(part))
    return out


def _join(path: str, tail: str) -> str:
    """Join dotted paths: ('a', 'b[0]') -> 'a.b[0]', ('a', '[0]') -> 'a[0]', ('a', '.b') -> 'a.b'."""
    if not path:
        return tail.lstrip(".")
    if not tail or tail.startswith("["):
        return path + tail
    return path + (tail if tail.startswith(".") else "." + tail)


def _fmt(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range_text(field: FieldInfo | None) -> str | None:
    """'must be between 0 and 90' from a field's ge/gt/le/lt metadata."""
    if field is None:
        return None
    lo = hi = None
    for m in field.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = (">=", m.ge)
        elif isinstance(m, annotated_types.Gt):
            lo = (">", m.gt)
        elif isinstance(m, annotated_types.Le):
            hi = ("<=", m.le)
        elif isinstance(m, annotated_types.Lt):
            hi = ("<", m.lt)
    if lo and hi and lo[0] == ">=" and hi[0] == "<=":
        return f"must be between {_fmt(lo[1])} and {_fmt(hi[1])}"
    parts = [f"{op} {_fmt(v)}" for op, v in (lo, hi) if op]
    return "must be " + " and ".join(parts) if parts else None


_TYPE_TEXT = {
    "float_type": "must be a number", "float_parsing": "must be a number",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number", "bool_type": "must be true or false",
    "bool_parsing": "must be true or false", "string_type": "must be text (quote it)",
    "list_type": "must be a list", "dict_type": "must be a mapping", "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping", "finite_number": "must be a finite number",
    "missing": "required", "string_too_short": "must not be empty", "none_required": "must be null",
    "string_pattern_mismatch": "must be an id: no spaces, dots, brackets, '=', ',' or ':'",
}


def _line(err: dict, root: type[BaseModel], prefix: str) -> list[str]:
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    path = _join(prefix, loc_to_path(loc))
    value = err.get("input")
    if kind == "pathways":
        return [problem(_join(path, ctx["suffix"]), ctx["value"], ctx["allowed"])]
    if kind == "pathways_multi":
        return [problem(_join(path, suffix), v, allowed) for suffix, v, allowed in ctx["problems"]]
    if kind == "extra_forbidden":
        models, _ = _walk(root, loc[:-1])
        allowed = sorted({f for m in models for f in m.model_fields})
        hint = suggest(str(loc[-1]), allowed)
        text = "unknown field" if hint else "unknown field; allowed: " + ", ".join(allowed)
        return [problem(path, str(loc[-1]), text, hint)]  # the key's repr shows any odd characters
    if kind == "missing":
        return [problem(path, MISSING, "required")]
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = suggest(str(value), choices) if isinstance(value, str) else []
        return [problem(path, value, "must be one of " + ", ".join(choices), hint)]
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        _, field = _walk(root, loc)
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()), "?")
        return [problem(path, value, _range_text(field) or f"must be {op} {_fmt(bound)}")]
    if kind in ("too_short", "too_long"):
        return [problem(path, value, f"{err['msg'][0].lower()}{err['msg'][1:]}")]
    if kind == "string_too_long":
        return [problem(path, value, f"must be at most {ctx.get('max_length')} characters")]
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [problem(path, value, "must be text (quote it)")]
    return [problem(path, value, _TYPE_TEXT.get(kind, err["msg"]))]


def problems_from_validation(exc: ValidationError, root: type[BaseModel], prefix: str = "") -> list[str]:
    """One line per pydantic error, dotted path first (``prefix`` is put in front of every path)."""
    lines: list[str] = []
    for err in exc.errors():
        for line in _line(err, root, prefix):
            if line not in lines:
                lines.append(line)
    return lines


ModelT = typing.TypeVar("ModelT", bound=BaseModel)


def validate_model(cls: type[ModelT], data: Any, prefix: str = "") -> ModelT:
    """``cls.model_validate(data)``, raising :class:`InputError` (one line per problem) instead of
    ``ValidationError``."""
    if not isinstance(data, dict):
        raise InputError(problem(prefix, data, f"must be a mapping of {cls.__name__.lower()} fields"))
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, cls, prefix)) from None
    except RecursionError:
        raise InputError(problem(prefix, "...", "nested too deeply")) from None


__all__ = ["Site", "Park", "ParkFirm", "ParkTargets", "Scenario", "RoofSegment", "Electricity", "Tariff", "Fuel",
           "Equipment", "Finance", "Plan", "Measures", "Location", "validate_model", "problems_from_validation",
           "per_year", "non_finite_paths", "is_number", "loc_to_path", "key_text", "FAMILIES", "SECTORS", "SHIFTS",
           "ELECTRIC_END_USES", "FUEL_END_USES", "FUEL_CARRIERS", "CARRIER_UNITS", "FINANCING_MODES",
           "MOUNTINGS", "ROOF_TYPES", "MISSING"]
