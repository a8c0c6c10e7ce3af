"""Storage valued on the plan's own net load: the joint PV + battery dispatch LP (pathways.energy.value.StorageDispatch),
the evaluator's yearly battery (fade, throughput limit, losses in import and CO2, investor-owned storage) and the
MILP's tangent planes against hand formulas and an hourly full-year dispatch."""
from __future__ import annotations

import numpy as np
import pytest

from pathways.money.economics import Economics
from pathways.model.evaluator import battery_fade, evaluate, pv_reference
from pathways.model.milp import PlanModel, solve_with_storage_cuts
from pathways.site.problem import Action, Option, Problem
from pathways.energy.value import StorageDispatch

HOURS = 8760
HOD = np.arange(HOURS) % 24
LOW, HIGH, EXPORT = 0.3, 1.0, 0.2
TWO_PRICE = np.where(HOD < 12, LOW, HIGH)           # low 00-12 h, high 12-24 h


def flat(kw: float) -> np.ndarray:
    return np.full(HOURS, kw)


# ---------------------------------------------------------------- the LP on hand-made days
def test_value_falls_when_pv_is_added_hand_formula():
    """Flat 1,000 kW load; a battery of 10,000 kWh (5,000 kW, rte 0.81, eta 0.9); PV 600 kW in 12-18 h.
    Without PV the battery discharges 12 h x 1,000 kW = 12,000 kWh of high-price load at most; it can deliver
    10,000 x 0.9 = 9,000 kWh: value/day = 9,000 x 1.0 - 10,000 / 0.9 x 0.3. With PV the high-price deficit is
    6 x 400 + 6 x 1,000 = 8,400 kWh < 9,000: value/day = 8,400 x 1.0 - 8,400 / 0.81 x 0.3."""
    pv_ref = np.where((HOD >= 12) & (HOD < 18), 1.0, 0.0)
    for method in ("repdays", "full"):
        lp = StorageDispatch(flat(1000.0), pv_ref, TWO_PRICE, EXPORT, duration_h=2.0, rte=0.81, method=method)
        alone = lp.solve(10_000.0, 1.0, 0.0)
        with_pv = lp.solve(10_000.0, 1.0, 600.0)
        assert alone.battery_value_cny == pytest.approx(365 * (9_000 * HIGH - 10_000 / 0.9 * LOW), rel=1e-6)
        assert with_pv.battery_value_cny == pytest.approx(365 * (8_400 * HIGH - 8_400 / 0.81 * LOW), rel=1e-6)
        assert with_pv.battery_value_cny < alone.battery_value_cny
        # the PV's own value: 600 kW x 6 h self-consumed at the high price
        assert with_pv.value_cny - with_pv.battery_value_cny == pytest.approx(365 * 3_600 * HIGH, rel=1e-6)
        # homogeneity: half the load, half the battery, half the PV = half the value
        half = lp.solve(5_000.0, 0.5, 300.0)
        assert half.value_cny == pytest.approx(0.5 * with_pv.value_cny, rel=1e-6)


def test_throughput_limit_and_losses_hand_formula():
    """1,000 kWh on a flat 2,000 kW load, rte 0.81 (eta 0.9), 200 full cycles a year allowed (less than one a
    day): the cells discharge 200 x 1,000 kWh a year; AC out = 0.9 x that, AC in = that / 0.9; the losses are
    AC in - AC out and all of them are bought from the grid (no PV)."""
    lp = StorageDispatch(flat(2000.0), np.zeros(HOURS), TWO_PRICE, EXPORT, duration_h=2.0, rte=0.81,
                         cycles_per_year=200.0)
    d = lp.solve(1_000.0)
    dc = 200 * 1_000.0
    assert d.full_cycles == pytest.approx(200.0, rel=1e-6)
    assert d.discharged_kwh == pytest.approx(0.9 * dc, rel=1e-6)
    assert d.losses_kwh == pytest.approx(dc / 0.9 - 0.9 * dc, rel=1e-6)
    assert d.import_change_kwh == pytest.approx(d.losses_kwh, rel=1e-9)
    assert d.battery_value_cny == pytest.approx(0.9 * dc * HIGH - dc / 0.9 * LOW, rel=1e-6)
    # without the limit it cycles once a day
    free = StorageDispatch(flat(2000.0), np.zeros(HOURS), TWO_PRICE, EXPORT, duration_h=2.0, rte=0.81).solve(1_000.0)
    assert free.full_cycles == pytest.approx(365.0, rel=1e-6)


def test_full_year_dispatch_respects_the_cycle_limit():
    rng = np.random.default_rng(3)
    load = 800 + 400 * rng.random(HOURS)
    price = np.where((HOD >= 8) & (HOD < 11) | (HOD >= 17) & (HOD < 21), 1.2, np.where(HOD < 7, 0.3, 0.7))
    lp = StorageDispatch(load, np.zeros(HOURS), price, 0.35, duration_h=2.0, rte=0.85, cycles_per_year=450.0,
                         method="full")
    d = lp.solve(1_500.0)
    assert d.full_cycles <= 450.0 * (1 + 1e-7)
    assert d.full_cycles == pytest.approx(450.0, rel=1e-6)      # two peaks a day: the limit binds


def synthetic_site(seed: int):
    rng = np.random.default_rng(seed)
    doy = np.arange(HOURS) // 24
    pv = np.clip(np.sin(np.pi * (HOD + 0.5 - 6) / 12.5), 0, None) * np.repeat(rng.uniform(0.2, 1.0, 365), 24)
    work = ((HOD >= 7) & (HOD < 20)) & (doy % 7 < 5)
    load = np.where(work, 400.0, 90.0) * rng.uniform(0.85, 1.15, HOURS)
    price = np.where(((HOD >= 8) & (HOD < 11)) | ((HOD >= 17) & (HOD < 22)), 1.2, np.where(HOD < 8, 0.3, 0.7))
    return load, 0.8 * pv, price


def test_every_plane_bounds_the_lp_value_everywhere():
    """Tangent planes a r + b P + c S from the LP duals: equal to W at their point and >= W at random points."""
    load, pv, price = synthetic_site(5)
    lp = StorageDispatch(load, pv, price, 0.35, duration_h=2.0, rte=0.85, cycles_per_year=500.0)
    rng = np.random.default_rng(11)
    points = np.column_stack([rng.uniform(0, 3000, 12), rng.uniform(0.3, 1.5, 12), rng.uniform(0, 2000, 12)])
    points[0] = (0.0, 1.0, 0.0)
    points[1] = (2000.0, 1.0, 0.0)
    sols = [lp.solve(S, r, P) for S, r, P in points]
    for (S, r, P), d in zip(points, sols):
        a, b, c = d.plane
        assert a * r + b * P + c * S == pytest.approx(d.value_cny, rel=1e-6, abs=1e-3)
    for d in sols:
        a, b, c = d.plane
        for (S, r, P), e in zip(points, sols):
            assert a * r + b * P + c * S >= e.value_cny - 1e-6 * abs(e.value_cny) - 1e-3


def test_repdays_close_to_full_year_on_a_synthetic_site():
    load, pv, price = synthetic_site(2)
    rep = StorageDispatch(load, pv, price, 0.35, duration_h=2.0, rte=0.85, cycles_per_year=600.0)
    full = StorageDispatch(load, pv, price, 0.35, duration_h=2.0, rte=0.85, cycles_per_year=600.0, method="full")
    for S, r, P in ((500.0, 1.0, 0.0), (1500.0, 0.8, 400.0), (3000.0, 1.0, 1200.0)):
        assert rep.solve(S, r, P).battery_value_cny == pytest.approx(full.solve(S, r, P).battery_value_cny, rel=0.03)


# ---------------------------------------------------------------- the evaluator on a small site
def battery_option(**kw) -> Option:
    return Option("bat", "bat", "solar", "battery", modes=("own", "shared_savings"), lifetime_years=5, size=4_000.0,
                  size_unit="kWh", capex_cny_per_unit=900.0, om_frac_capex_per_year=0.02, asset_class="storage",
                  battery_duration_h=2.0, battery_rte=0.81, **kw)


def small_problem(options, H=8, terms=None) -> Problem:
    """1 GWh/yr on a flat hourly load (114 kW), two prices, no fuel, no escalation, no tax."""
    return Problem(econ=Economics(discount_rate=0.06, horizon_years=H), plan_years=2,
                   electricity_end_uses_kwh={"other_electric": 1_000_000.0}, load_shape=np.full(HOURS, 1 / HOURS),
                   price_cny_per_kwh=TWO_PRICE.astype(float), export_price_cny_per_kwh=np.full(HOURS, EXPORT),
                   fuel_end_uses={}, fuel_price_cny={}, fuel_co2_t={}, fuel_heat_kwh={},
                   grid_co2_t_per_kwh=np.full(H, 0.6e-3), options=list(options), financing_terms=terms or {})


def test_fade_year_k_uses_faded_kwh():
    """400 kWh on a 114 kW flat load: one full cycle a day (the high-price load, 12 x 114 kWh, exceeds 400 x 0.9);
    year k's saving = 365 x S (1 - fade)^(age - 1) (0.9 x 1.0 - 0.3 / 0.9), age restarting after the 5-year life."""
    p = small_problem([battery_option(battery_fade_per_year=0.1)])
    ev = evaluate(p, [Action("bat", 1, "own", 400.0)])
    saving = ev.actions[0].flows["energy_savings"][1:]
    ages = (np.arange(1, 9) - 1) % 5 + 1
    expected = 365 * 400.0 * 0.9 ** (ages - 1) * (0.9 * HIGH - LOW / 0.9)
    np.testing.assert_allclose(saving, expected, rtol=1e-6)
    assert battery_fade(p.options[0], 3) == pytest.approx(0.81)


def test_losses_in_grid_import_bill_and_emissions():
    """The battery's losses (AC in - AC out = 365 S (1/0.9 - 0.9)) are bought from the grid: grid import, bill and
    CO2 rise by them; the battery's kWh and CO2 'saving' is minus its losses."""
    p = small_problem([battery_option(battery_cycles_per_year=300.0)])
    S = 400.0
    ev = evaluate(p, [Action("bat", 1, "own", S)])
    base = evaluate(p, [])
    dc = 300 * S                                                   # the limit binds: 300 < 365 cycles
    losses = dc / 0.9 - 0.9 * dc
    np.testing.assert_allclose(ev.battery_losses_kwh, losses, rtol=1e-6)
    np.testing.assert_allclose(ev.grid_import_kwh - base.grid_import_kwh, losses, rtol=1e-6)
    np.testing.assert_allclose(ev.emissions_t - base.emissions_t, losses * 0.6e-3, rtol=1e-6)
    np.testing.assert_allclose(base.energy_cost_cny - ev.energy_cost_cny, 0.9 * dc * HIGH - dc / 0.9 * LOW, rtol=1e-6)
    assert ev.actions[0].electricity_saving_kwh_per_year == pytest.approx(-losses, rel=1e-6)
    assert ev.actions[0].co2_reduction_t_per_year == pytest.approx(-losses * 0.6e-3, rel=1e-6)
    assert np.all(ev.battery_full_cycles <= 300.0 * (1 + 1e-7))


def test_shared_savings_storage_owner_keeps_its_share_then_everything():
    """Investor-owned storage: during the 3-year term the owner gets (1 - 0.85) of the measured saving and pays
    neither capex nor O&M; afterwards the asset is the owner's: the full saving less O&M."""
    terms = {("shared_savings", "storage"): {"esco_share_of_savings": 0.85, "term_years": 3}}
    p = small_problem([battery_option()], terms=terms)
    S = 400.0
    ev = evaluate(p, [Action("bat", 1, "shared_savings", S)])
    f = ev.actions[0].flows
    value = 365 * S * (0.9 * HIGH - LOW / 0.9)
    om = 0.02 * 900.0 * S
    owner = f["energy_savings"] + f["esco_payments"] + f["om"]
    np.testing.assert_allclose(owner[1:4], (1 - 0.85) * value, rtol=1e-6)
    np.testing.assert_allclose(owner[4:6], value - om, rtol=1e-6)
    assert f["upfront"].sum() == 0
    # the MILP counts the investor's take the same way (forced into the plan at this size)
    pm = PlanModel(p, allowed={("bat", "shared_savings"): S})
    pm.m.force = __import__("pyomo.environ", fromlist=["Constraint"]).Constraint(
        expr=pm.m.s[0, 1, "shared_savings"] == S)
    res = solve_with_storage_cuts(pm, 60, 1e-6)
    assert [(a.option_id, a.year, a.mode) for a in res.plan] == [("bat", 1, "shared_savings")]
    assert pm.npv_value() == pytest.approx(evaluate(p, res.plan).npv_cny, rel=1e-3)


# ---------------------------------------------------------------- shipped examples: MILP vs full-year dispatch
def pv_generation(problem, plan, k):
    """kW of the PV serving the site in year k (own and third-party; roof leases excluded)."""
    e = problem.econ
    gen = np.zeros(HOURS)
    for a in plan:
        o = problem.option(a.option_id)
        if o.kind == "pv" and a.mode != "roof_lease" and a.year <= k:
            age = (k - a.year) % o.lifetime_years + 1
            perf = (1 - e.degradation_first_year) * (1 - e.degradation_per_year) ** (age - 1)
            gen += a.size * perf * problem.pv_profiles[o.profile_key]
    return gen


@pytest.mark.parametrize("model", ["shaoxing_textile_dyeing", "suzhou_machining"])
def test_milp_battery_value_within_3_percent_of_full_year_dispatch(model):
    """The plan's battery value in the MILP (after the cut rounds) against a full-year hourly dispatch LP of the
    same plan (8,760 h, cyclic over the year) on that year's net load: within 3 % in plan year T."""
    from pathways.inputs.resolve import resolve
    from pathways.model.planner import payback_filter
    from pathways.site.build import build_problem

    p, _ = build_problem(resolve(f"models/{model}.yaml"))
    bat = next(o for o in p.options if o.kind == "battery")
    pm = PlanModel(p, allowed=payback_filter(p))
    if not any(c[0] == p.options.index(bat) for c in pm.cont_cols):
        pytest.fail(f"{model}: the battery is not offered")
    res = solve_with_storage_cuts(pm, 120, 1e-4)
    chosen = [a for a in res.plan if a.option_id == bat.option_id]
    if not chosen:      # force it in at the size of half the maximum
        i = p.options.index(bat)
        col = next(c for c in pm.cont_cols if c[0] == i and c[1] == 1 and c[2] == "own")
        pm.m.force = __import__("pyomo.environ", fromlist=["Constraint"]).Constraint(
            expr=pm.m.s[col] == 0.5 * bat.size)
        res = solve_with_storage_cuts(pm, 120, 1e-4)
        chosen = [a for a in res.plan if a.option_id == bat.option_id]
    a = chosen[0]
    T = p.plan_years
    ev = evaluate(p, res.plan)
    ratio = ev.electricity_kwh[T - 1] / p.baseline_electricity_kwh
    usable = a.size * (1 - bat.battery_fade_per_year) ** ((T - a.year) % bat.lifetime_years)
    full = StorageDispatch(p.baseline_electricity_kwh * p.load_shape, pv_reference(p), p.price_cny_per_kwh,
                           p.export_price_cny_per_kwh, duration_h=bat.battery_duration_h, rte=bat.battery_rte,
                           cycles_per_year=bat.battery_cycles_per_year, method="full")
    exact = full.solve(usable, ratio, pv_kw=pv_generation(p, res.plan, T)).battery_value_cny
    milp = next(r for r in pm.storage_check() if r["year"] == T)["milp_value_cny"]
    assert milp == pytest.approx(exact, rel=0.03)
    # and the evaluator's representative-day value of the same year
    esc = (1 + p.econ.electricity_escalation) ** (T - 1)
    j = [r.action.option_id for r in ev.actions].index(bat.option_id)
    assert ev.actions[j].flows["energy_savings"][T] / esc == pytest.approx(exact, rel=0.03)
