"""Invariants of every plan: the owner never spends money the plan does not have, no end use saves more than all
of it, the per-action figures add up to the plan's, on the shipped examples and on generated sites."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import pathways
from pathways.model.evaluator import COMPONENTS, evaluate
from pathways.model.milp import PlanModel

from planner_cases import base_problem, catalog_like_options, pv_option

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "models").glob("*.yaml"))


def check_invariants(problem, ev):
    H = problem.horizon
    # the owner's money: the plan's cash position after every plan year's spend is not negative
    if problem.budget_cny is not None:
        assert np.all(ev.cash_position_cny >= -1e-6 * max(1.0, float(np.max(problem.budget_cny)))), \
            ev.cash_position_cny
    # no end use (hence no carrier) saves more than all of it; PV serves at most the load
    assert np.all(ev.electricity_kwh >= -1e-6) and np.all(ev.grid_import_kwh >= -1e-6)
    for carrier, q in ev.fuel_by_carrier.items():
        assert np.all(q >= -1e-6), carrier
    assert np.all(ev.pv_self_consumed_kwh <= ev.electricity_kwh + 1e-6)
    # the per-action figures add up to the plan's
    for c in COMPONENTS:
        total = sum((r.flows[c] for r in ev.actions), np.zeros(H + 1))
        np.testing.assert_allclose(total, ev.flows[c], rtol=1e-9, atol=1e-6)
    df = (1 + problem.econ.discount_rate) ** -np.arange(H + 1)
    site_only = float(ev.flows["internal_carbon_price"] @ df)
    assert sum(r.npv_cny for r in ev.actions) + site_only == pytest.approx(ev.npv_cny, rel=1e-9, abs=1e-3)
    # a battery cycles no more than its catalog limit and loses energy, never makes it
    limits = [problem.option(r.action.option_id).battery_cycles_per_year for r in ev.actions
              if problem.option(r.action.option_id).kind == "battery"]
    if limits:
        assert np.all(ev.battery_full_cycles <= min(limits) * (1 + 1e-6))
        assert np.all(ev.battery_losses_kwh >= -1e-6)
    saving = ev.baseline_energy_cost_cny - ev.energy_cost_cny
    assert np.all(saving <= ev.baseline_energy_cost_cny + 1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("model", EXAMPLES, ids=lambda p: p.stem)
def test_invariants_on_the_shipped_examples(model):
    r = pathways.plan(str(model), alternatives=0, explain=0)
    assert r.status == "optimal"
    check_invariants(r.problem, r.evaluation)
    # the owner cash table is the evaluation, year by year
    cash = r.owner_cash
    assert cash["cumulative_cny"].to_numpy() == pytest.approx(np.cumsum(cash["net_cny"].to_numpy()))
    assert len(cash) == r.problem.horizon


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_invariants_on_generated_sites(data):
    pool = catalog_like_options() + [pv_option(("own", "emc_pv", "roof_lease", "finance_lease"))]
    chosen = data.draw(st.lists(st.sampled_from(pool), min_size=2, max_size=7, unique_by=lambda o: o.option_id))
    T = data.draw(st.integers(1, 3))
    budget = [data.draw(st.sampled_from([80_000, 250_000, 1_500_000])) for _ in range(T)]
    problem = base_problem(chosen, T=T, H=12, budget=budget, reinvest=data.draw(st.booleans()),
                           carry_over=data.draw(st.booleans()), tax_rate=data.draw(st.sampled_from([0.0, 0.25])),
                           inflation=data.draw(st.sampled_from([0.0, 0.02])))
    res = PlanModel(problem).solve(gap=1e-6)
    assert res.status == "optimal"
    check_invariants(problem, evaluate(problem, res.plan))
