"""From a resolved site to a planning ``Problem``: weather, PV profiles, load, tariff, fuels, grid factors,
subsidies and the catalog turned into candidate options (one per measure x roof segment or size step).

Each measure's options come from its sizing rule (``pathways.site.sizing``, named in the catalog's
``sizing_rule`` column); here they get what every option has (names, life, O&M, tax, financing modes, subsidies).
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
from pathways.inputs.resolve import Resolved
from pathways.money.economics import Economics
from pathways.errors import InputError, problem as problem_line, suggest
from pathways.energy.load import fuel_use_by_end_use, hourly_load_kw, load_from_csv, load_sector_defaults
from pathways.site.problem import Option, Problem
from pathways.site.sizing import SiteSizing, rule_of
from pathways.energy.tariff import Tariff, build_tariff
from pathways.vocabulary import ASSET_CLASSES, ELECTRIC_END_USES


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


# the tax life of each asset class (EIT Implementation Regulations art. 60: production equipment 10 years,
# electronic equipment 3 years)
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
            raise InputError(problem_line("assumptions.subsidies.presets", unknown[0],
                                          "auto, none or names in data/subsidies.yaml", suggest(unknown[0], presets)))
        chosen = [presets[n] for n in names]
    return [r for p in chosen for r in p.rules], [p.name for p in chosen]


def _subsidies(option: Option, m: Measure, rules, capex_share_default: float) -> Option:
    """Upfront subsidies as a share of capex with a cap, per-kWh PV subsidies for n years.

    A per-kW subsidy on an option whose capex is linear in its size is the same as a capex share:
    CNY/kW / (capex CNY per kW), with the option's kW per size unit (1/duration for batteries, 1 for kWp and
    kW_th; options not sized in kW get none)."""
    share, cap, per_kwh, years = capex_share_default, float("inf"), 0.0, 0
    for r in rules:
        if not r.matches(m.measure_id, m.family, m.mounting or None):
            continue
        if r.kind == "capex_share" and r.share:
            share = max(share, r.share)
            cap = r.cap_cny if r.cap_cny else cap
        elif r.kind == "per_kwh" and option.kind == "pv":
            per_kwh, years = max(per_kwh, r.cny_per_kwh or 0.0), int(r.n_years or 0)
        elif r.kind == "per_kw" and r.cny_per_kw and option.kw_per_unit:
            capex_per_kw = (option.capex_cny_per_unit / option.kw_per_unit if option.continuous
                            else option.capex_cny / (option.size * option.kw_per_unit) if option.size else 0.0)
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
    sizing = SiteSizing(site=site, source_path=resolved.source_path, location=loc, province=province, load_kw=load_kw,
                        elec_end_uses_kwh=elec_end_uses, fuel_use=fuel_use, fuels=fuels, site_mwh=site_mwh,
                        credit_price_cny_per_t=credit_price)
    notes: list[str] = []
    for m in catalog.measures.values():
        if m.scale != "individual":
            continue
        modes = tuple(x for x in m.financing_modes if not allowed_modes or x in allowed_modes) or ()
        if not modes:
            continue
        rule = rule_of(m.sizing_rule, f"catalog measure {m.measure_id}, sizing_rule")
        P = m.params
        common = dict(measure_id=m.measure_id, family=m.family, name_en=m.name_en, name_zh=m.name_zh,
                      lifetime_years=int(P.get("lifetime_years", 10)),
                      om_frac_capex_per_year=float(P.get("om_frac_capex_per_year", 0.0)),
                      om_cny_per_year=float(P.get("om_cny_per_year", 0.0)),
                      annual_cost_cny=float(P.get("annual_cost_cny", 0.0)),
                      exclusive_groups=(m.exclusive_group,) if m.exclusive_group else (),
                      prerequisites=tuple(m.prerequisites), asset_class=m.asset_class,
                      tax_depreciation_years=int(P.get("tax_depreciation_years", TAX_LIFE_OF_CLASS[m.asset_class])),
                      tax_credit_frac=float(P.get("tax_credit_frac", 0.0)),
                      carbon_credit_eligible=bool(float(P.get("carbon_credit_eligible", float(rule.credit_eligible)))))
        share_default = float(subsidy_share.get(f"{m.family}_capex_share", 0.0) or 0.0)
        rule_modes = modes if rule.modes is None else tuple(x for x in modes if x in rule.modes)
        for o in rule.options(m, sizing, rule_modes, common):
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
        grid_co2_t_per_kwh=grid, options=options, pv_profiles=sizing.pv_profiles,
        roof_area_m2=sizing.roof_area_m2,
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
