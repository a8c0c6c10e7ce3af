"""A park's data in plain numbers for the master LP (``ParkData``, ``park_data``): per plan year t = 1..T (index
t - 1) the subsidy pool, park budget, programme capacity and CO2 targets; the collective programme's discounts and
costs; the park's own assets (shared PV, battery) with their NPV factors; the roll-out queue of later batches
(``rollout_queue``). Park options in ``MODELLED`` are planned; others are listed in the result's notes."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pathways.energy.pv import profile_for_station
from pathways.energy.value import battery_value_curve
from pathways.errors import InputError, problem as pline, suggest
from pathways.money.economics import discount_factors
from pathways.money.financing import replacement_schedule
from pathways.reference import tables
from pathways.reference.catalog import load_catalog
from pathways.reference.cities import resolve_location

MODELLED = ("park_shared_pv", "park_storage", "park_collective_procurement")


@dataclass
class ParkData:
    """Everything the master needs, in plain numbers."""

    name: str
    T: int
    H: int
    df: np.ndarray
    firm_ids: list[str]
    pool: np.ndarray
    budget: np.ndarray
    capacity: np.ndarray
    co2_target: np.ndarray
    intensity_target: np.ndarray
    share: float
    progcost: float
    collective: dict = field(default_factory=dict)       # measure -> discount fraction (empty: no programme)
    coll_setup_cny: float = 0.0
    coll_annual_cny: float = 0.0
    coll_years: int = 0
    coll_min_firms: int = 3
    pv: dict | None = None
    storage: dict | None = None
    grid_t_per_kwh: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    later_batches: str = "by_energy_and_maturity"
    queue: list[int] | None = None          # firm -> place in the roll-out queue (0 = first)
    earliest: list[int] | None = None       # firm -> first plan year >= 2 it may start in (T + 1: pilot only)


def rollout_queue(energy_mwh, maturity, capacity, T: int) -> tuple[list[int], list[int]]:
    """The roll-out queue for later batches: firms ordered by the mean of their percentile ranks of energy use
    (final energy, MWh/yr) and digital maturity (1-5), both larger first; ties by energy use, then maturity, then
    position. A firm at place q may start a later batch from the first year t >= 2 whose cumulative programme
    capacity (pilot year included) exceeds q; with unlimited capacity every firm may start from year 2. Pilots
    (year 1) stay open to every firm: the planner picks them by potential."""
    e, m = pd.Series(np.asarray(energy_mwh, dtype=float)), pd.Series(np.asarray(maturity, dtype=float))
    score = 0.5 * e.rank(pct=True) + 0.5 * m.rank(pct=True)
    order = np.lexsort((np.arange(len(e)), -m.to_numpy(), -e.to_numpy(), -score.to_numpy()))
    queue = np.empty(len(e), dtype=int)
    queue[order] = np.arange(len(e))
    # first year t (1-based) whose cumulative capacity exceeds the place; never before year 2; T + 1 if none
    cum = np.cumsum(np.asarray(capacity, dtype=float)[:T])
    earliest = np.maximum(np.searchsorted(cum, queue, side="right") + 1, 2)
    return queue.tolist(), np.minimum(earliest, T + 1).tolist()


def asset_npv_factor(df: np.ndarray, H: int, build: int, life: int, om_frac: float) -> float:
    """CNY of NPV per CNY of capex of a park-owned asset built at the start of ``build``: capex, O&M as a share of
    capex each year, like-for-like replacement within H, straight-line residual at H (``pathways.money.economics``)."""
    points, left, owner_at_h, _ = replacement_schedule(build, life, H, "own", 0)
    f = df[build - 1] + om_frac * float(df[build:H + 1].sum()) + sum(df[p] for p in points)
    return f - (left * df[H] if owner_at_h else 0.0)


def park_data(resolved) -> ParkData:
    """The park's data from a resolved park model (raises InputError for an unknown park option)."""
    park = resolved.model
    a = resolved.assumptions
    pa = a["park"]
    T, H = park.plan.years, park.plan.horizon_years
    df = discount_factors(float(a["finance"]["discount_rate_real"]), H)
    cat = load_catalog()
    known = sorted(m for m, x in cat.measures.items() if x.scale == "cluster")
    problems = []
    for i, opt in enumerate(park.park_options):
        if opt not in known:
            problems.append(pline(f"park_options[{i}]", opt, "a cluster measure: " + ", ".join(known),
                                  suggest(opt, known)))
    if problems:
        raise InputError(problems)
    tgt = park.targets
    d = ParkData(
        name=park.name, T=T, H=H, df=df, firm_ids=[f.id for f in park.firms],
        pool=np.asarray(park.subsidy_pool_by_year(), dtype=float), budget=np.asarray(park.budget_by_year(), float),
        capacity=np.asarray(park.capacity_by_year(), dtype=float),
        co2_target=np.asarray([math.inf if (tgt is None or tgt.co2_t_per_year is None or x is None) else x
                               for x in (tgt.co2_t_per_year if tgt and tgt.co2_t_per_year else [None] * T)], float),
        intensity_target=np.asarray([math.inf if x is None else x for x in (
            tgt.co2_intensity_t_per_mwh if tgt and tgt.co2_intensity_t_per_mwh else [None] * T)], float),
        share=float(pa["subsidy_share_of_upfront"]), progcost=float(pa["programme_cost_cny_per_firm"]),
        later_batches=park.later_batches)
    not_yet = [o for o in park.park_options if o not in MODELLED]
    if not_yet:
        d.notes.append("park options not modelled by the park planner yet (left out): " + ", ".join(not_yet))
    if "park_collective_procurement" in park.park_options:
        P = cat.measures["park_collective_procurement"].params
        frac = {"equipment": float(P.get("capex_discount_frac_equipment", 0.0)),
                "solar": float(P.get("capex_discount_frac_solar", 0.0)),
                "carbon": float(pa["collective_discount_frac_carbon"]),
                "digital": float(pa["collective_discount_frac_digital"])}
        d.collective = {m.measure_id: frac[m.family] for m in cat.measures.values()
                        if m.scale == "individual" and frac.get(m.family, 0.0) > 0}
        d.coll_setup_cny = float(P.get("capex_fixed_cny", 0.0))
        d.coll_annual_cny = float(P.get("annual_cost_cny", 0.0))
        d.coll_years = int(P.get("lifetime_years", T))
        d.coll_min_firms = int(pa["collective_min_firms"])
    loc = resolve_location(name=park.city, lat_deg=park.location.lat_deg, lon_deg=park.location.lon_deg) \
        if park.location else resolve_location(name=park.city) if park.city else None
    if loc is not None:
        base_year = int(a["grid"]["report_year"]) + 1
        gf = tables.grid_factor_kg_per_kwh(park.province or loc.province, base_year,
                                           basis=a["grid"]["factor_basis"])
        d.grid_t_per_kwh = tables.grid_factor_path(gf.value_kg_per_kwh, H,
                                                   float(a["grid"]["factor_decline_per_year"])) / 1000.0
    if "park_shared_pv" in park.park_options and float(pa["shared_pv_land_m2"]) > 0 and loc is not None:
        P = cat.measures["park_shared_pv"].params
        prof = profile_for_station(loc.station_file, float(pa["shared_pv_tilt_deg"]), 180.0, "open_rack")
        build = int(pa["shared_pv_build_year"])
        life = int(P.get("lifetime_years", 25))
        perf1, perf = float(P.get("first_year_degradation_frac", 0.01)), float(P.get("degradation_frac_per_year",
                                                                                         0.004))
        ages = np.arange(1, H + 1) - build + 1
        perf_k = np.where(ages >= 1, (1 - perf1) * (1 - perf) ** (np.maximum(ages, 1) - 1), 0.0)
        esc = (1 + float(a["finance"]["electricity_price_escalation_real"])) ** np.arange(H)
        d.pv = {"profile": np.asarray(prof, dtype=float), "yield_kwh_per_kwp": float(np.sum(prof)),
                "max_kwp": float(pa["shared_pv_land_m2"]) * float(P.get("w_per_m2", 60.0)) / 1000.0,
                "build_year": build, "capex_cny_per_kwp": float(P["capex_cny_per_unit"]),
                "cost_factor": asset_npv_factor(df, H, build, life, float(P.get("om_frac_capex_per_year", 0.0))),
                "value_factor": float((df[1:] * esc * perf_k).sum()), "perf_k": perf_k,
                "discount_frac": float(pa["shared_pv_discount_frac"]), "land_m2": float(pa["shared_pv_land_m2"])}
    if "park_storage" in park.park_options and float(pa["storage_max_kwh"]) > 0:
        P = cat.measures["park_storage"].params
        build = int(pa["storage_build_year"])
        esc = (1 + float(a["finance"]["electricity_price_escalation_real"])) ** np.arange(H)
        alive = np.arange(1, H + 1) >= build
        d.storage = {"max_kwh": float(pa["storage_max_kwh"]), "build_year": build,
                     "capex_cny_per_kwh": float(P["capex_cny_per_unit"]),
                     "duration_h": float(P.get("duration_h", 2.0)), "rte": float(P.get("round_trip_efficiency", 0.86)),
                     "cost_factor": asset_npv_factor(df, H, build, int(P.get("lifetime_years", 15)),
                                                     float(P.get("om_frac_capex_per_year", 0.0))),
                     "value_factor": float((df[1:] * esc * alive).sum())}
    return d


def add_battery_curve(d: ParkData, infos: list[dict]) -> None:
    """The park battery's concave value curve on the firms' aggregate baseline load (``d.storage["pieces"]``,
    ``["max_value"]``), from the firms' hourly loads in ``infos`` (dropped from them afterwards)."""
    from pathways.model.milp import clean_pieces, pwl_pieces
    load = np.sum([i["load_kw"] for i in infos], axis=0)
    st = d.storage
    sizes = np.linspace(0.0, st["max_kwh"], 7)
    curve = battery_value_curve(load, np.zeros(8760), infos[0]["price"], infos[0]["export"], sizes,
                                duration_h=st["duration_h"], rte=st["rte"], method="repdays")
    st["pieces"] = clean_pieces(pwl_pieces(np.asarray(curve.breakpoints), np.asarray(curve.value_cny)))
    st["max_value"] = float(np.max(curve.value_cny))
    for i in infos:
        i.pop("load_kw", None)
