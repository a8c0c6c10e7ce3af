"""From a resolved site to a planning ``Problem``: weather, PV profiles, load, tariff, fuels, grid factors,
subsidies and the catalog turned into candidate options (one per measure x roof segment or size step).

Sizing rules of the catalog (``data/catalog/measures.csv``):
* ``roof_kwp``: one PV option per roof segment whose roof type the measure accepts (and whose mounting, if the
  site gives one, matches); continuous kWp up to usable area x W/m2; capex per kWp.
* ``battery_kwh``: one option, continuous kWh up to the site's peak load x duration, with its round-trip
  efficiency, capacity fade and yearly cycle limit; valued on each plan's own net load (``pathways.energy.value.
  StorageDispatch``); financing own, lease, loan or investor-owned (shared savings, storage terms).
* ``heat_kw``: a heat source for its end use when the site burns the replaced carrier there; two size steps
  (the catalog's maximum share of the heat demand and half of it); kW_th = min(share x useful heat / full-load
  hours of that end use, capacity of the site's listed boiler/furnace) (``pathways.energy.heat``); a listed unit's
  efficiency and hours replace the defaults.
* ``end_use_kwh``: capex per MWh/yr of the end use it acts on; saving fraction of that end use.
* ``fixed``: one per site; capex fixed + per MWh of site energy; a site-wide saving fraction (management and
  digital measures, after the rebound share) acts on the end uses of the measure's scope (data/catalog/scope.csv),
  on a fuel end use times the share of its energy (LHV) burnt as one of the scope's carriers; a saving fraction
  with an end use on that end use only.
Cluster-scale measures are left out of single-site plans. Measures without any benefit the model can value
(green certificates under location-based accounting, stand-alone carbon services) stay candidates: the plan
explains why they are not taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pathways.reference import tables
from pathways.reference.catalog import Catalog, Measure, load_catalog, with_site_changes
from pathways.reference.cities import Location, resolve_location
from pathways.inputs.config import Resolved
from pathways.model.economics import Economics
from pathways.errors import InputError, problem as problem_line
from pathways.energy.heat import climate_zone, default_full_load_hours, heat_equipment, heat_source_kw
from pathways.energy.load import fuel_use_by_end_use, hourly_load_kw, load_from_csv, load_sector_defaults
from pathways.site.problem import Option, Problem
from pathways.energy.pv import installable_kwp, profile_for_station, read_user_profile
from pathways.energy.tariff import Tariff, build_tariff
from pathways.vocabulary import ASSET_CLASSES, BATTERY_MODES, ELECTRIC_END_USES, END_USES, PV_MODES


@dataclass
class SiteContext:
    """Everything derived from the site that reports need besides the Problem."""

    resolved: Resolved
    location: Location
    tariff: Tariff
    load_kw: np.ndarray
    catalog: Catalog
    base_year: int
    grid_factor_source: str
    subsidy_presets: list[str]
    notes: list[str]


# the asset class of a measure when the catalog does not give one, and the tax life of each class (EIT
# Implementation Regulations art. 60: production equipment 10 years, electronic equipment 3 years)
CLASS_OF_RULE = {"roof_kwp": "pv", "battery_kwh": "storage", "heat_kw": "equipment", "end_use_kwh": "equipment",
                 "fixed": "service"}
TAX_LIFE_OF_CLASS = {"pv": 10, "storage": 10, "equipment": 10, "service": 3}


def tax_settings(resolved: Resolved) -> tuple[str, float]:
    """(basis, rate) of the owner's income tax: the site's finance settings over assumptions.tax."""
    a, fin = resolved.assumptions, resolved.model.finance
    tax = a.get("tax", {})
    basis = getattr(fin, "tax_basis", None) or tax.get("basis", "after_tax")
    rate = getattr(fin, "tax_rate", None)
    if rate is None:
        status = getattr(fin, "tax_status", "standard")
        rate = tax["corporate_rate"] if status == "standard" else tax[f"rate_{status}"]
    return str(basis), float(rate)


def owner_horizon_years(resolved: Resolved) -> tuple[int, bool]:
    """Years the owner plans over and whether assets stay the owner's at the end: a tenant plans over the years
    left on its lease and leaves its assets to the landlord."""
    site = resolved.model
    H = int(site.plan.horizon_years)
    left = getattr(site, "tenancy_years_left", None) or getattr(site.finance, "tenancy_years_left", None)
    if left:
        return max(min(H, int(left)), int(site.plan.years)), False
    return H, True


def _econ(resolved: Resolved) -> Economics:
    a, site = resolved.assumptions, resolved.model
    basis, rate = tax_settings(resolved)
    horizon, residual = owner_horizon_years(resolved)
    return Economics(
        inflation_rate=float(a["finance"].get("inflation_rate", 0.0)),
        base_year=int(a["grid"]["report_year"]) + 1,
        tax_rate=rate if basis == "after_tax" else 0.0, residual_to_owner=residual,
        discount_rate=float(site.finance.discount_rate if site.finance.discount_rate is not None
                            else a["finance"]["discount_rate_real"]),
        horizon_years=horizon,
        electricity_escalation=float(a["finance"]["electricity_price_escalation_real"]),
        fuel_escalation=float(a["finance"]["fuel_price_escalation_real"]),
        carbon_escalation=float(a["carbon"]["price_escalation_real_per_year"]),
        degradation_first_year=float(a["pv"]["degradation_first_year"]),
        degradation_per_year=float(a["pv"]["degradation_per_year"]))


def _site_load(resolved: Resolved) -> np.ndarray:
    site = resolved.model
    el = site.electricity
    if el.metered_csv:
        path = Path(el.metered_csv)
        if not path.is_absolute() and resolved.source_path is not None:
            path = Path(resolved.source_path).parent / path
        metered = load_from_csv(path).load_kw
        return metered * (el.annual_kwh / metered.sum()) if metered.sum() > 0 else metered
    return hourly_load_kw(el.annual_kwh, site.sector, el.shifts, spring_festival_days=el.spring_festival_shutdown_days)


def _subsidy_rules(resolved: Resolved, loc: Location, base_year: int) -> tuple[list, list[str]]:
    setting = resolved.assumptions.get("subsidies", {}).get("presets", "auto")
    presets = tables.load_subsidy_presets()
    if setting in (None, "none"):
        chosen = []
    elif setting == "auto":
        chosen = [p for p in presets.values() if p.valid_in(base_year) and (
            p.region_level == "national" or (p.region_level == "province" and p.province == loc.province)
            or (p.region_level == "city" and p.city == loc.name_en))]
    else:
        names = [setting] if isinstance(setting, str) else list(setting)
        unknown = [n for n in names if n not in presets]
        if unknown:
            from pathways.errors import suggest
            raise InputError(problem_line("assumptions.subsidies.presets", unknown[0],
                                          "auto, none or names in data/subsidies.yaml", suggest(unknown[0], presets)))
        chosen = [presets[n] for n in names]
    return [r for p in chosen for r in p.rules], [p.name for p in chosen]


def _subsidies(option: Option, m: Measure, rules, capex_share_default: float) -> Option:
    """Upfront subsidies as a share of capex with a cap, per-kWh PV subsidies for n years.

    A per-kW subsidy on an option whose capex is linear in its size is the same as a capex share:
    CNY/kW / (capex CNY per kW), with kW = kWh / duration for batteries (kWp for PV, kW_th for heat sources)."""
    share, cap, per_kwh, years = capex_share_default, float("inf"), 0.0, 0
    for r in rules:
        if not r.matches(m.measure_id, m.family, m.mounting or None):
            continue
        if r.kind == "capex_share" and r.share:
            share = max(share, r.share)
            cap = r.cap_cny if r.cap_cny else cap
        elif r.kind == "per_kwh" and option.kind == "pv":
            per_kwh, years = max(per_kwh, r.cny_per_kwh or 0.0), int(r.n_years or 0)
        elif r.kind == "per_kw" and r.cny_per_kw:
            kw_per_unit = 1.0 / float(m.params.get("duration_h", 2.0)) if option.kind == "battery" else 1.0
            capex_per_kw = (option.capex_cny_per_unit / kw_per_unit if option.continuous
                            else option.capex_cny / option.size if option.kind == "heat" and option.size else 0.0)
            if capex_per_kw > 0:
                share += r.cny_per_kw / capex_per_kw
                cap = min(cap, r.cap_cny) if r.cap_cny else cap
    option.subsidy_capex_share, option.subsidy_cap_cny = min(share, 1.0), cap
    option.subsidy_cny_per_kwh, option.subsidy_years = per_kwh, years
    return option


def _financing_terms(catalog: Catalog, province: str) -> dict[tuple[str, str], dict[str, float]]:
    """{(mode, asset class): terms} with the interest-subsidy programme worth most for the site's province (its
    validity years travel with the terms: ``economics.financing`` applies it to loans taken in those years)."""
    modes = {mode for mode, _ in catalog.financing_by_class}
    return {(mode, cls): catalog.financing_terms(mode, cls, province=province)
            for mode in modes for cls in ("all", *ASSET_CLASSES)}


def scope_share(m: Measure, end_use: str, fuel_qty: dict[str, float], fuels: dict) -> float:
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


def build_problem(resolved: Resolved, plan_years: int | None = None) -> tuple[Problem, SiteContext]:
    """The site's planning problem and its context (raises InputError for bad input)."""
    site = resolved.model
    a = resolved.assumptions
    loc = resolve_location(name=site.city, lat_deg=site.location.lat_deg if site.location else None,
                           lon_deg=site.location.lon_deg if site.location else None) if site.location else \
        resolve_location(name=site.city)
    province = site.province or loc.province
    t = site.electricity.tariff
    tariff = build_tariff(t.province or province, kind=t.kind, voltage=t.voltage,
                          flat_price_cny_per_kwh=t.flat_price_cny_per_kwh, contracted_kva=t.contracted_kva)
    load_kw = _site_load(resolved)
    annual_kwh = float(load_kw.sum())
    sector = load_sector_defaults(site.sector)
    shares = site.end_use_shares or sector.elec_shares
    elec_end_uses = {e: annual_kwh * float(shares.get(e, 0.0)) for e in ELECTRIC_END_USES if shares.get(e, 0.0) > 0}
    # an explicit `fuels:` list (even empty) is the site's fuel use; without the key the sector default applies
    fuels_in = [f.model_dump() for f in site.fuels] if "fuels" in site.model_fields_set else None
    fuel_use = {e: q for e, q in fuel_use_by_end_use(fuels_in, site.sector, annual_kwh).items() if q}
    fuels = tables.load_fuels()
    econ = _econ(resolved)
    T = int(plan_years or site.plan.years)
    H = econ.horizon_years
    base_year = int(a["grid"]["report_year"]) + 1
    gf = tables.grid_factor_kg_per_kwh(province, base_year, basis=a["grid"]["factor_basis"])
    grid = tables.grid_factor_path(gf.value_kg_per_kwh, H, float(a["grid"]["factor_decline_per_year"])) / 1000.0
    rules, preset_names = _subsidy_rules(resolved, loc, base_year)

    m_cfg = site.measures
    catalog = with_site_changes(load_catalog(), disable=m_cfg.disable, disable_families=m_cfg.disable_families,
                                params=m_cfg.params, custom=m_cfg.custom)
    allowed_modes = set(site.finance.allowed_financing_modes or [])
    site_mwh = (annual_kwh + sum(v * fuels[c].lhv_kwh_per_unit for q in fuel_use.values() for c, v in q.items())) / 1e3
    fuel_heat = {c: f.lhv_kwh_per_unit * f.boiler_efficiency for c, f in fuels.items()}
    subsidy_share = a.get("subsidies", {})

    # credits of ETS/CCER readiness sell at the CCER price; carbon-inclusion credits at the scheme price
    credit_price = {"ets_ccer_readiness": float(a["carbon"]["ccer_price_cny_per_t"])}
    options: list[Option] = []
    pv_profiles: dict[str, np.ndarray] = {}
    roof_area: dict[str, float] = {}
    notes: list[str] = []
    for m in catalog.measures.values():
        if m.scale != "individual":
            continue
        modes = tuple(x for x in m.financing_modes if not allowed_modes or x in allowed_modes) or ()
        if not modes:
            continue
        P = m.params
        common = dict(measure_id=m.measure_id, family=m.family, name_en=m.name_en, name_zh=m.name_zh,
                      lifetime_years=int(P.get("lifetime_years", 10)),
                      om_frac_capex_per_year=float(P.get("om_frac_capex_per_year", 0.0)),
                      om_cny_per_year=float(P.get("om_cny_per_year", 0.0)),
                      annual_cost_cny=float(P.get("annual_cost_cny", 0.0)),
                      exclusive_groups=(m.exclusive_group,) if m.exclusive_group else (),
                      prerequisites=tuple(m.prerequisites))
        asset_class = getattr(m, "asset_class", None) or CLASS_OF_RULE.get(m.sizing_rule, "equipment")
        if not getattr(m, "asset_class", None) and m.sizing_rule == "fixed" and m.family == "equipment":
            asset_class = "equipment"         # a vendor-quoted custom retrofit
        common.update(asset_class=asset_class,
                      tax_depreciation_years=int(P.get("tax_depreciation_years", TAX_LIFE_OF_CLASS[asset_class])),
                      tax_credit_frac=float(P.get("tax_credit_frac", 0.0)),
                      carbon_credit_eligible=bool(float(P.get("carbon_credit_eligible",
                                                              1.0 if m.sizing_rule == "roof_kwp" else 0.0))))
        boost = float(P.get("enable_boost_frac", 0.0))
        enables = {e: boost for e in m.enables} if boost else {}
        share_default = float(subsidy_share.get(f"{m.family}_capex_share", 0.0) or 0.0)
        new: list[Option] = []
        if m.sizing_rule == "roof_kwp":
            for roof in site.roofs:
                if roof.roof_type not in m.roof_types or (roof.mounting and roof.mounting != m.mounting):
                    continue
                if not roof.owned and m.mounting in ("bipv_roof", "bipv_facade"):
                    continue  # a tenant cannot re-clad the landlord's roof or facade
                usable = roof.area_m2 * roof.usable_fraction
                w_per_m2 = float(P.get("w_per_m2") or 1000 * installable_kwp(1.0, 1.0, m.mounting))
                key = f"{roof.id}:{m.mounting}"
                if key not in pv_profiles:
                    if roof.pv_profile_csv:
                        path = Path(roof.pv_profile_csv)
                        if not path.is_absolute() and resolved.source_path is not None:
                            path = Path(resolved.source_path).parent / path
                        pv_profiles[key] = read_user_profile(path)
                    else:
                        # an own weather file carries its own location (EPW header, or '# lat_deg:' lines)
                        pv_profiles[key] = profile_for_station(site.weather_file or loc.station_file,
                                                               roof.tilt_deg, roof.azimuth_deg, m.mounting)
                roof_area[roof.id] = usable
                pv_modes = tuple(x for x in modes if x in PV_MODES)
                if not roof.owned:
                    pv_modes = tuple(x for x in pv_modes if x != "roof_lease")  # a tenant cannot lease the roof out
                new.append(Option(option_id=f"{m.measure_id}@{roof.id}", kind="pv", modes=pv_modes,
                                  size=usable * w_per_m2 / 1000.0, size_unit="kWp",
                                  capex_cny_per_unit=float(P["capex_cny_per_unit"]), roof_id=roof.id,
                                  profile_key=key, area_m2_per_unit=1000.0 / w_per_m2,
                                  **{**common, "exclusive_groups": (f"roof_pv@{roof.id}",)}))
        elif m.sizing_rule == "battery_kwh":
            duration = float(P.get("duration_h", 2.0))
            max_kwh = float(load_kw.max()) * duration
            # valued on each plan's own net load by the evaluator and the MILP (pathways.energy.value.StorageDispatch)
            new.append(Option(option_id=m.measure_id, kind="battery",
                              modes=tuple(x for x in modes if x in BATTERY_MODES), size=max_kwh, size_unit="kWh",
                              capex_cny_per_unit=float(P["capex_cny_per_unit"]), battery_duration_h=duration,
                              battery_rte=float(P.get("round_trip_efficiency", 0.88)),
                              battery_fade_per_year=float(P.get("degradation_frac_per_year", 0.0)),
                              battery_cycles_per_year=float(P.get("cycles_per_year", float("inf"))), **common))
        elif m.sizing_rule == "heat_kw":
            q = fuel_use.get(m.end_use, {})
            carrier = getattr(m, "replaces_carrier", "") or ""
            if not q or (carrier and q.get(carrier, 0.0) <= 0) or (carrier and len(q) > 1):
                continue
            eq = heat_equipment(site.equipment, m.end_use, carrier)     # the site's own boiler/furnace
            eff = (eq.efficiency if eq and eq.efficiency else 0.0) or float(P.get("replaced_boiler_efficiency", 0.0))
            flh = None if eq and eq.full_load_hours else default_full_load_hours(
                m.end_use, climate_zone(loc.city_id, province) if m.end_use == "space_heat" else "",
                site.electricity.shifts)
            hours = flh.hours if flh else eq.full_load_hours
            hours_from = (f"{hours:,.0f} h/yr of {m.end_use} ({flh.key}, data/heat_hours.csv"
                          f"{', estimate' if flh.is_estimate else ''})" if flh else
                          f"{hours:,.0f} h/yr of the listed {', '.join(eq.ids)}")
            heat_kwh = sum(v * (fuels[c].lhv_kwh_per_unit * eff if eff else fuel_heat[c]) for c, v in q.items())
            max_share = float(P.get("max_share_of_heat_demand", 1.0))
            for step, share in (("", max_share), ("@half", max_share / 2)):
                kw_th = heat_source_kw(share, heat_kwh, hours, eq.capacity_kw if eq else float("inf"))
                new.append(Option(option_id=f"{m.measure_id}{step}", kind="heat", modes=modes, size=kw_th,
                                  size_unit="kW_th", capex_cny=float(P["capex_cny_per_unit"]) * kw_th,
                                  heat_end_use=m.end_use, heat_share=share, heat_cop=float(P.get("cop", 1.0)),
                                  replaced_efficiency=eff,
                                  why=f"kW_th = {share:g} x {heat_kwh / 1e3:,.0f} MWh/yr useful heat / {hours_from}"
                                      + (f", at most the {eq.capacity_kw:,.0f} kW listed"
                                         if eq and eq.capacity_kw < float("inf") else ""),
                                  chain_rank=1, **{**common, "exclusive_groups": (f"heat_source@{m.end_use}",)}))
        else:
            effects: list[tuple[str, float]] = []
            site_frac = float(P.get("site_energy_saving_frac", 0.0)) * (1 - float(P.get("rebound_frac", 0.0)))
            rank = 0
            if site_frac > 0:
                effects = [(e, site_frac * f) for e in [*elec_end_uses, *fuel_use]
                           if (f := scope_share(m, e, fuel_use.get(e, {}), fuels)) > 0]
                rank = 2 if effects else 0
            elif m.end_use in elec_end_uses and P.get("electricity_saving_frac"):
                effects = [(m.end_use, float(P["electricity_saving_frac"]))]
            elif m.end_use in fuel_use and P.get("fuel_saving_frac"):
                effects = [(m.end_use, float(P["fuel_saving_frac"]))]
            elif m.end_use in END_USES and m.sizing_rule == "end_use_kwh":
                continue  # the site has none of this end use
            if m.sizing_rule == "end_use_kwh":
                if m.end_use in elec_end_uses:
                    mwh = elec_end_uses[m.end_use] / 1e3
                elif m.end_use in fuel_use:
                    mwh = sum(v * fuels[c].lhv_kwh_per_unit for c, v in fuel_use[m.end_use].items()) / 1e3
                else:
                    mwh = annual_kwh / 1e3
                capex = float(P.get("capex_cny_per_unit", 0.0)) * mwh + float(P.get("capex_fixed_cny", 0.0))
                annual = common["annual_cost_cny"] + float(P.get("annual_cost_cny_per_unit", 0.0)) * mwh
                size, unit = mwh, "MWh/yr"
            else:
                capex = float(P.get("capex_fixed_cny", 0.0)) + float(P.get("capex_cny_per_mwh_site", 0.0)) * site_mwh
                annual = common["annual_cost_cny"]
                size, unit = 1.0, "site"
            abs_kwh = float(P.get("annual_electricity_saving_kwh", 0.0))
            abs_fuel = {k.removeprefix("annual_fuel_saving_"): float(v) for k, v in P.items()
                        if k.startswith("annual_fuel_saving_") and float(v) > 0}
            new.append(Option(option_id=m.measure_id, kind="chain" if effects else "fixed", modes=modes, size=size,
                              size_unit=unit, capex_cny=capex, effects=tuple(effects), chain_rank=rank,
                              enables=enables, rebound_frac=float(P.get("rebound_frac", 0.0)),
                              abs_electricity_kwh=abs_kwh, abs_fuel=abs_fuel,
                              carbon_credit_share=float(P.get("carbon_credit_share", 0.0)),
                              credit_price_cny_per_t=credit_price.get(m.measure_id, 0.0),
                              **{**common, "annual_cost_cny": annual}))
        for o in new:
            if o.modes:
                options.append(_subsidies(o, m, rules, share_default))

    # a boost may not push any fraction above 1 (evaluator and MILP would then disagree)
    for o in options:
        for e, f in o.effects:
            total_boost = sum(d.enables.get(o.measure_id, 0.0) for d in options)
            if f * (1 + total_boost) > 1:
                raise InputError(problem_line(f"measures.params.{o.measure_id}", f,
                                              "saving fraction x (1 + digital boosts) must stay <= 1"))
    fuel_carriers = sorted({c for q in fuel_use.values() for c in q} | {c for o in options for c in o.abs_fuel})
    budget = site.budget_by_year()[:T] if plan_years is None or plan_years == site.plan.years else \
        (site.budget_by_year() + [site.budget_by_year()[-1]] * T)[:T]
    problem = Problem(
        econ=econ, plan_years=T, electricity_end_uses_kwh=elec_end_uses,
        load_shape=load_kw / annual_kwh, price_cny_per_kwh=np.asarray(tariff.price_cny_per_kwh, dtype=float),
        export_price_cny_per_kwh=np.asarray(tariff.export_price_cny_per_kwh, dtype=float),
        fuel_end_uses=fuel_use, fuel_price_cny={c: fuels[c].price_cny_per_unit for c in fuel_carriers},
        fuel_co2_t={c: fuels[c].co2_t_per_unit for c in fuel_carriers},
        fuel_heat_kwh={c: fuel_heat[c] for c in fuel_carriers},
        fuel_lhv_kwh={c: fuels[c].lhv_kwh_per_unit for c in fuel_carriers},
        grid_co2_t_per_kwh=grid, options=options, pv_profiles=pv_profiles, roof_area_m2=roof_area,
        budget_cny=None if all(np.isinf(budget)) else np.asarray(budget, dtype=float),
        co2_target_t=(np.asarray((site.co2_targets() + [np.inf] * T)[:T], dtype=float)
                      if any(np.isfinite(site.co2_targets())) else None),
        reinvest_savings=site.finance.reinvest_savings, payback_limit_years=site.finance.payback_limit_years,
        portfolio_payback_limit_years=site.finance.portfolio_payback_limit_years,
        management_cap_frac=float(a.get("savings", {}).get("management_cap_frac", 1.0)),
        carrier_warning_frac=float(a.get("savings", {}).get("carrier_warning_frac", 0.30)),
        carbon_credit_price_cny_per_t=float(a["carbon"]["carbon_inclusion_price_cny_per_t"]),
        shadow_carbon_price_cny_per_t=float(a["carbon"].get("shadow_price_cny_per_t", 0.0) or 0.0),
        financing_terms=_financing_terms(catalog, province), tax_basis=tax_settings(resolved)[0],
        budget_carry_over=bool(getattr(site.finance, "budget_carry_over", False)),
        payback_basis=str(getattr(site.finance, "payback_basis", None) or "investment"))
    ctx = SiteContext(resolved=resolved, location=loc, tariff=tariff, load_kw=load_kw, catalog=catalog,
                      base_year=base_year, grid_factor_source=f"{gf.scope} {gf.year_used}: {gf.source}",
                      subsidy_presets=preset_names, notes=notes)
    return problem, ctx
