"""The sizing rules of the catalog: how a measure becomes the candidate options of one site.

A catalog row names its rule in ``data/catalog/measures.csv`` (column ``sizing_rule``). Each rule is one function
registered here with ``@sizing_rule(...)``: it turns a catalog measure and the site (``SiteSizing``) into its
options (size, unit, kind, rule-specific fields), and its registration says what the catalog must give for it
(size unit, asset class, parameters, roof columns, end uses, financing modes). ``pathways.site.build`` calls the
rule of every measure; ``pathways.reference.catalog`` checks the catalog rows against the same registry. A new rule
is a new function here plus catalog rows; a parameter only it reads is declared in its ``parameters``.

Rules (the options of one site; cluster-scale measures are sized by the park, ``pathways.park``):

* ``roof_kwp``: one PV option per roof segment whose roof type the measure accepts (and whose mounting, if the site
  gives one, matches); continuous kWp up to usable area x ``w_per_m2``; capex per kWp. The PV options of a segment
  share the exclusive group ``roof_pv@<roof>``; a tenant gets no BIPV and no roof lease. (Cluster PV: per m2 of
  park land.)
* ``battery_kwh``: one option, continuous kWh up to the site's peak load x ``duration_h``, with its round-trip
  efficiency, capacity fade and yearly cycle limit (valued on each plan's own net load,
  ``pathways.energy.value.StorageDispatch``).
* ``heat_kw``: a heat source for its fuel end use when the site burns the replaced carrier there (registry column
  ``replaces_carrier``; blank = whichever fuel the end use has); two size steps (``max_share_of_heat_demand`` of the
  heat demand and half of it); kW_th = min(share x useful heat / full-load hours of that end use, capacity of the
  site's listed boiler/furnace) (``pathways.energy.heat``); a listed unit's efficiency and hours replace the
  defaults (``replaced_boiler_efficiency``, data/heat_hours.csv). It draws useful heat / ``cop`` kWh of electricity
  (``cop`` is an efficiency for electric boilers and furnaces).
* ``end_use_kwh``: scaled to the site's yearly use of its end use (MWh/yr of electricity, or of fuel at LHV), capex
  per MWh/yr (derived from a capex per kW and typical operating hours; each ``source`` shows the arithmetic); none
  when the site has none of the end use.
* ``fixed``: one per site; capex ``capex_fixed_cny`` + ``capex_cny_per_mwh_site`` x site energy (MWh/yr, all
  carriers at LHV; for a cluster measure the whole park).

Savings of ``end_use_kwh`` and ``fixed`` measures: a site-wide saving fraction (management and digital measures, after
the rebound share) acts on the end uses of the measure's scope (data/catalog/scope.csv), on a fuel end use times the
share of its energy (LHV) burnt as one of the scope's carriers; a saving fraction with an end use on that end use only.

``m`` below is a catalog ``Measure`` (``pathways.reference.catalog``, not imported here: the catalog imports this
registry to check its rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from pathways.energy.heat import climate_zone, default_full_load_hours, heat_equipment, heat_source_kw
from pathways.energy.pv import installable_kwp, profile_for_station, read_user_profile
from pathways.errors import InputError, problem, suggest
from pathways.inputs.schema import Site
from pathways.reference.cities import Location
from pathways.reference.tables import Fuel
from pathways.site.problem import Option
from pathways.money.financing import BATTERY_MODES, MODES, PV_MODES
from pathways.vocabulary import ELECTRIC_END_USES, END_USES, FUEL_END_USES


@dataclass
class SiteSizing:
    """What the rules read from the site; ``pv_profiles`` and ``roof_area_m2`` are filled by the PV rule."""

    site: Site
    source_path: Path | None                  # the site file (relative CSV paths start at its folder)
    location: Location
    province: str
    load_kw: np.ndarray                       # hourly electric load, 8760
    elec_end_uses_kwh: dict[str, float]       # electric end use -> kWh/yr
    fuel_use: dict[str, dict[str, float]]     # fuel end use -> carrier -> quantity per year
    fuels: dict[str, Fuel]
    site_mwh: float                           # all carriers at LHV, MWh/yr
    credit_price_cny_per_t: dict[str, float] = field(default_factory=dict)   # measure id -> its credits' price
    pv_profiles: dict[str, np.ndarray] = field(default_factory=dict)
    roof_area_m2: dict[str, float] = field(default_factory=dict)

    @property
    def annual_kwh(self) -> float:
        return float(self.load_kw.sum())


OptionsOf = Callable[..., list[Option]]     # (m, site: SiteSizing, modes, common: dict of Option fields) -> options


@dataclass(frozen=True)
class SizingRule:
    """A registered sizing rule and what the catalog must give for it."""

    name: str
    size_unit: str                            # measures.csv `size_unit` of its rows
    options: OptionsOf
    asset_class: str | None = None            # the class its rows must have (None: any)
    required: tuple[str, ...] = ()            # parameters.csv must give these
    parameters: dict[str, tuple[str, str, str]] = field(default_factory=dict)   # its own: name -> (unit, range, doc)
    modes: tuple[str, ...] | None = None      # the financing modes a site offers for it (None: any)
    on_roofs: bool = False                    # rows give roof_types and mounting
    end_uses: tuple[str, ...] | None = None   # the end uses its rows may name (None: any)
    credit_eligible: bool = False             # default of parameter carbon_credit_eligible


SIZING_RULES: dict[str, SizingRule] = {}


def sizing_rule(name: str, size_unit: str, **declared) -> Callable[[OptionsOf], OptionsOf]:
    """Register the decorated function as the options of sizing rule ``name`` (``declared``: fields of SizingRule)."""
    def register(options: OptionsOf) -> OptionsOf:
        SIZING_RULES[name] = SizingRule(name, size_unit, options, **declared)
        return options
    return register


def rule_of(name: str, where: str = "sizing_rule") -> SizingRule:
    """The registered rule ``name``; an unknown name raises InputError naming ``where`` and the registered rules."""
    if name not in SIZING_RULES:
        raise InputError(problem(where, name, "one of " + ", ".join(SIZING_RULES), suggest(name, SIZING_RULES)))
    return SIZING_RULES[name]


@sizing_rule("roof_kwp", "kWp", asset_class="pv", modes=PV_MODES, on_roofs=True, credit_eligible=True,
             required=("capex_cny_per_unit", "w_per_m2", "degradation_frac_per_year"))
def roof_kwp(m, site: SiteSizing, modes: tuple[str, ...], common: dict) -> list[Option]:
    P, out = m.params, []
    for roof in site.site.roofs:
        if roof.roof_type not in m.roof_types or (roof.mounting and roof.mounting != m.mounting):
            continue
        if not roof.owned and m.mounting in ("bipv_roof", "bipv_facade"):
            continue  # a tenant cannot re-clad the landlord's roof or facade
        usable = roof.area_m2 * roof.usable_fraction
        w_per_m2 = float(P.get("w_per_m2") or 1000 * installable_kwp(1.0, 1.0, m.mounting))
        key = f"{roof.id}:{m.mounting}"
        if key not in site.pv_profiles:
            if roof.pv_profile_csv:
                path = Path(roof.pv_profile_csv)
                if not path.is_absolute() and site.source_path is not None:
                    path = Path(site.source_path).parent / path
                site.pv_profiles[key] = read_user_profile(path)
            else:
                # an own weather file carries its own location (EPW header, or '# lat_deg:' lines)
                site.pv_profiles[key] = profile_for_station(site.site.weather_file or site.location.station_file,
                                                            roof.tilt_deg, roof.azimuth_deg, m.mounting)
        site.roof_area_m2[roof.id] = usable
        # a tenant cannot rent out the landlord's roof
        roof_modes = modes if roof.owned else tuple(x for x in modes if not MODES[x].rents_roof)
        out.append(Option(option_id=f"{m.measure_id}@{roof.id}", kind="pv", modes=roof_modes,
                          size=usable * w_per_m2 / 1000.0, size_unit="kWp",
                          capex_cny_per_unit=float(P["capex_cny_per_unit"]), roof_id=roof.id, kw_per_unit=1.0,
                          profile_key=key, area_m2_per_unit=1000.0 / w_per_m2,
                          **{**common, "exclusive_groups": (f"roof_pv@{roof.id}",)}))
    return out


@sizing_rule("battery_kwh", "kWh", asset_class="storage", modes=BATTERY_MODES,
             required=("capex_cny_per_unit", "round_trip_efficiency", "duration_h"))
def battery_kwh(m, site: SiteSizing, modes: tuple[str, ...], common: dict) -> list[Option]:
    P = m.params
    duration = float(P.get("duration_h", 2.0))
    max_kwh = float(site.load_kw.max()) * duration
    # valued on each plan's own net load by the evaluator and the MILP (pathways.energy.value.StorageDispatch)
    return [Option(option_id=m.measure_id, kind="battery", modes=modes, size=max_kwh, size_unit="kWh",
                   capex_cny_per_unit=float(P["capex_cny_per_unit"]), battery_duration_h=duration,
                   kw_per_unit=1.0 / duration, battery_rte=float(P.get("round_trip_efficiency", 0.88)),
                   battery_fade_per_year=float(P.get("degradation_frac_per_year", 0.0)),
                   battery_cycles_per_year=float(P.get("cycles_per_year", float("inf"))), **common)]


@sizing_rule("heat_kw", "kW_th", end_uses=FUEL_END_USES,
             required=("capex_cny_per_unit", "cop", "replaced_boiler_efficiency", "max_share_of_heat_demand"))
def heat_kw(m, site: SiteSizing, modes: tuple[str, ...], common: dict) -> list[Option]:
    P, s, fuels = m.params, site.site, site.fuels
    q = site.fuel_use.get(m.end_use, {})
    carrier = getattr(m, "replaces_carrier", "") or ""
    if not q or (carrier and q.get(carrier, 0.0) <= 0) or (carrier and len(q) > 1):
        return []
    eq = heat_equipment(s.equipment, m.end_use, carrier)     # the site's own boiler/furnace
    eff = (eq.efficiency if eq and eq.efficiency else 0.0) or float(P.get("replaced_boiler_efficiency", 0.0))
    flh = None if eq and eq.full_load_hours else default_full_load_hours(
        m.end_use, climate_zone(site.location.city_id, site.province) if m.end_use == "space_heat" else "",
        s.electricity.shifts)
    hours = flh.hours if flh else eq.full_load_hours
    hours_from = (f"{hours:,.0f} h/yr of {m.end_use} ({flh.key}, data/heat_hours.csv"
                  f"{', estimate' if flh.is_estimate else ''})" if flh else
                  f"{hours:,.0f} h/yr of the listed {', '.join(eq.ids)}")
    heat_kwh = sum(v * (fuels[c].lhv_kwh_per_unit * (eff or fuels[c].boiler_efficiency)) for c, v in q.items())
    max_share = float(P.get("max_share_of_heat_demand", 1.0))
    out = []
    for step, share in (("", max_share), ("@half", max_share / 2)):
        kw_th = heat_source_kw(share, heat_kwh, hours, eq.capacity_kw if eq else float("inf"))
        out.append(Option(option_id=f"{m.measure_id}{step}", kind="heat", modes=modes, size=kw_th,
                          size_unit="kW_th", capex_cny=float(P["capex_cny_per_unit"]) * kw_th, kw_per_unit=1.0,
                          heat_end_use=m.end_use, heat_share=share, heat_cop=float(P.get("cop", 1.0)),
                          replaced_efficiency=eff,
                          why=f"kW_th = {share:g} x {heat_kwh / 1e3:,.0f} MWh/yr useful heat / {hours_from}"
                              + (f", at most the {eq.capacity_kw:,.0f} kW listed"
                                 if eq and eq.capacity_kw < float("inf") else ""),
                          chain_rank=1, **{**common, "exclusive_groups": (f"heat_source@{m.end_use}",)}))
    return out


def scope_share(m, end_use: str, fuel_qty: dict[str, float], fuels: dict[str, Fuel]) -> float:
    """Share of an end use a management/digital measure acts on (its row of data/catalog/scope.csv): 1 for a
    listed electric end use when electricity is a listed carrier; for a listed fuel end use the share of its
    energy (LHV) burnt as a listed carrier; 0 otherwise."""
    if end_use not in m.acts_on_end_uses:
        return 0.0
    if end_use in ELECTRIC_END_USES:
        return 1.0 if "electricity" in m.acts_on_carriers else 0.0
    total = sum(v * fuels[c].lhv_kwh_per_unit for c, v in fuel_qty.items())
    inside = sum(v * fuels[c].lhv_kwh_per_unit for c, v in fuel_qty.items() if c in m.acts_on_carriers)
    return inside / total if total > 0 else 0.0


def saving_effects(m, site: SiteSizing) -> tuple[list[tuple[str, float]], int, bool]:
    """(effects: (end use, saving fraction), chain rank, site-wide) of a measure's saving fractions on this site."""
    P = m.params
    site_frac = float(P.get("site_energy_saving_frac", 0.0)) * (1 - float(P.get("rebound_frac", 0.0)))
    if site_frac > 0:
        effects = [(e, site_frac * f) for e in [*site.elec_end_uses_kwh, *site.fuel_use]
                   if (f := scope_share(m, e, site.fuel_use.get(e, {}), site.fuels)) > 0]
        return effects, 2 if effects else 0, True
    if m.end_use in site.elec_end_uses_kwh and P.get("electricity_saving_frac"):
        return [(m.end_use, float(P["electricity_saving_frac"]))], 0, False
    if m.end_use in site.fuel_use and P.get("fuel_saving_frac"):
        return [(m.end_use, float(P["fuel_saving_frac"]))], 0, False
    return [], 0, False


def saving_option(m, site: SiteSizing, modes: tuple[str, ...], common: dict, effects, rank: int, size: float,
                  unit: str, capex_cny: float, annual_cost_cny: float) -> Option:
    """The one option of a measure that saves by fractions (a chain item) or not at all (kind ``fixed``)."""
    P = m.params
    boost = float(P.get("enable_boost_frac", 0.0))
    return Option(option_id=m.measure_id, kind="chain" if effects else "fixed", modes=modes, size=size,
                  size_unit=unit, capex_cny=capex_cny, effects=tuple(effects), chain_rank=rank,
                  enables={e: boost for e in m.enables} if boost else {},
                  rebound_frac=float(P.get("rebound_frac", 0.0)),
                  abs_electricity_kwh=float(P.get("annual_electricity_saving_kwh", 0.0)),
                  abs_fuel={k.removeprefix("annual_fuel_saving_"): float(v) for k, v in P.items()
                            if k.startswith("annual_fuel_saving_") and float(v) > 0},
                  carbon_credit_share=float(P.get("carbon_credit_share", 0.0)),
                  credit_price_cny_per_t=site.credit_price_cny_per_t.get(m.measure_id, 0.0),
                  **{**common, "annual_cost_cny": annual_cost_cny})


@sizing_rule("end_use_kwh", "MWh/yr", required=("capex_cny_per_unit",))
def end_use_kwh(m, site: SiteSizing, modes: tuple[str, ...], common: dict) -> list[Option]:
    P = m.params
    effects, rank, site_wide = saving_effects(m, site)
    if not effects and not site_wide and m.end_use in END_USES:
        return []  # the site has none of this end use
    if m.end_use in site.elec_end_uses_kwh:
        mwh = site.elec_end_uses_kwh[m.end_use] / 1e3
    elif m.end_use in site.fuel_use:
        mwh = sum(v * site.fuels[c].lhv_kwh_per_unit for c, v in site.fuel_use[m.end_use].items()) / 1e3
    else:
        mwh = site.annual_kwh / 1e3
    capex = float(P.get("capex_cny_per_unit", 0.0)) * mwh + float(P.get("capex_fixed_cny", 0.0))
    annual = float(P.get("annual_cost_cny", 0.0)) + float(P.get("annual_cost_cny_per_unit", 0.0)) * mwh
    return [saving_option(m, site, modes, common, effects, rank, mwh, "MWh/yr", capex, annual)]


@sizing_rule("fixed", "site", required=("capex_fixed_cny",))
def fixed(m, site: SiteSizing, modes: tuple[str, ...], common: dict) -> list[Option]:
    P = m.params
    effects, rank, _ = saving_effects(m, site)
    capex = float(P.get("capex_fixed_cny", 0.0)) + float(P.get("capex_cny_per_mwh_site", 0.0)) * site.site_mwh
    annual = float(P.get("annual_cost_cny", 0.0))
    return [saving_option(m, site, modes, common, effects, rank, 1.0, "site", capex, annual)]
