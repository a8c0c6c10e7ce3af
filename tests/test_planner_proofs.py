"""Proof obligations of the single-site MILP against the exact evaluator and exhaustive enumeration."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pathways.model.evaluator import evaluate
from pathways.model.milp import PlanModel
from pathways.site.problem import Action

from planner_cases import MANAGEMENT_CAPS, base_problem, catalog_like_options, pv_option


def feasible(problem, plan) -> bool:
    """Constraint check written independently of the MILP."""
    opts = {a.option_id: problem.option(a.option_id) for a in plan}
    groups = {}
    for a in plan:
        for g in opts[a.option_id].exclusive_groups:
            groups[g] = groups.get(g, 0) + 1
    if any(v > 1 for v in groups.values()):
        return False
    hosted = [e for a in plan if a.mode == "energy_cost_hosting"
              for e in {e for e, _ in opts[a.option_id].effects} | {opts[a.option_id].heat_end_use} - {""}]
    if len(hosted) != len(set(hosted)):
        return False
    year_of_measure = {}
    for a in plan:
        m = opts[a.option_id].measure_id
        year_of_measure[m] = min(year_of_measure.get(m, 99), a.year)
    for a in plan:
        for q in opts[a.option_id].prerequisites:
            if year_of_measure.get(q, 99) > a.year:
                return False
    for a in plan:      # a lease or loan needs its minimum financed amount
        if a.mode in ("finance_lease", "bank_loan"):
            o, terms = opts[a.option_id], problem.terms(a.mode, opts[a.option_id].asset_class)
            if (o.capex_at(a.size) - o.subsidy_upfront_at(a.size)) * (1 - terms["down_payment_frac"]) \
                    < terms["min_ticket_cny"] - 1e-6:
                return False
    ev = evaluate(problem, plan)
    if problem.budget_cny is not None and not money_suffices(problem, ev):
        return False
    if problem.co2_target_t is not None:
        for t in range(1, problem.plan_years + 1):
            if ev.emissions_t[t - 1] > problem.co2_target_t[t - 1] + 1e-6:
                return False
    return True


def money_suffices(problem, ev) -> bool:
    """The owner's money, simulated from the evaluated flows: each plan year's budget (and what earlier years
    left, with carry-over) pays first, then the savings of earlier years (net of instalments, fees and tax), each
    spent once, when they are reinvested."""
    spend = np.zeros(problem.plan_years)      # start of year t: upfront, down payments, upfront fees, replacements
    income = np.zeros(problem.plan_years)     # end of year t: all other owner flows
    for r in ev.actions:
        for c, f in r.flows.items():
            for t in range(1, problem.plan_years + 1):
                if c in ("upfront", "replacement"):
                    spend[t - 1] -= f[t - 1]
                elif c == "fees" and r.action.year == t:
                    spend[t - 1] -= f[t - 1]             # the upfront fee, paid with the down payment
                    income[t - 1] += f[t]
                elif c != "residual":
                    income[t - 1] += f[t]
    savings, left = 0.0, 0.0
    for t in range(1, problem.plan_years + 1):
        if problem.reinvest_savings and t > 1:
            savings += income[t - 2]
        budget = problem.budget_cny[t - 1] + (left if problem.budget_carry_over else 0.0)
        over = spend[t - 1] - budget
        left = max(-over, 0.0)
        savings -= max(over, 0.0)
        if savings + (left if problem.budget_carry_over else 0.0) < -1e-6:
            return False
    return True


def brute_force(problem):
    choices = []
    for o in problem.options:
        c = [None] + [(t, m) for t in range(1, problem.plan_years + 1) for m in o.modes]
        choices.append(c)
    best, best_plan = -np.inf, None
    for combo in itertools.product(*choices):
        plan = [Action(o.option_id, ch[0], ch[1], o.size) for o, ch in zip(problem.options, combo) if ch]
        if not feasible(problem, plan):
            continue
        npv = evaluate(problem, plan).npv_cny
        if npv > best + 1e-9:
            best, best_plan = npv, plan
    return best, best_plan


def solve(problem, **kw):
    pm = PlanModel(problem, **kw)
    res = pm.solve(gap=1e-9)
    return pm, res


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_milp_equals_exhaustive_enumeration(data):
    pool = catalog_like_options()
    T = data.draw(st.integers(1, 2))
    chosen, n_bin = [], 0
    for o in data.draw(st.permutations(pool)):
        modes = tuple(data.draw(st.lists(st.sampled_from(o.modes), min_size=1, max_size=len(o.modes), unique=True)))
        if n_bin + T * len(modes) > 16:
            continue
        chosen.append(dataclasses.replace(o, modes=modes))
        n_bin += T * len(modes)
        if len(chosen) >= 5:
            break
    budget = [data.draw(st.sampled_from([50_000, 150_000, 300_000, 1e9])) for _ in range(T)]
    reinvest, carry = data.draw(st.booleans()), data.draw(st.booleans())
    problem = base_problem(chosen, T=T, H=8, budget=budget, reinvest=reinvest, carry_over=carry,
                           tax_rate=data.draw(st.sampled_from([0.0, 0.25])),
                           inflation=data.draw(st.sampled_from([0.0, 0.02])))
    problem.shadow_carbon_price_cny_per_t = data.draw(st.sampled_from([0.0, 150.0]))
    problem.management_cap_frac = data.draw(st.sampled_from(MANAGEMENT_CAPS))   # binds when the EMS is taken
    best, _ = brute_force(problem)
    pm, res = solve(problem)
    assert res.status == "optimal"
    # (a) same optimum as enumeration with the evaluator
    assert res.objective == pytest.approx(best, rel=1e-6, abs=1e-3)
    # (b) linearisation exact without PV: MILP objective of its plan equals the evaluator's NPV
    assert evaluate(problem, res.plan).npv_cny == pytest.approx(res.objective, rel=1e-6, abs=1e-3)


def test_full_problem_milp_matches_evaluator():
    problem = base_problem(catalog_like_options(), T=3, H=15, budget=[400_000, 300_000, 300_000])
    pm, res = solve(problem)
    assert res.status == "optimal"
    assert evaluate(problem, res.plan).npv_cny == pytest.approx(res.objective, rel=1e-6)
    # digital boosts and prerequisites are honoured in the plan
    years = {a.option_id: a.year for a in res.plan}
    if "air" in years:
        assert years["audit"] <= years["air"]


def test_pv_objective_close_to_exact_evaluator():
    problem = base_problem([pv_option(), *catalog_like_options()[:4]], T=2, H=12, budget=[2e6, 1e6])
    pm, res = solve(problem)
    assert res.status == "optimal"
    pv = [a for a in res.plan if a.option_id.startswith("pv")]
    assert pv, "PV should pay off on this site"
    exact = evaluate(problem, res.plan).npv_cny
    pv_value = sum(r.npv_cny for r in evaluate(problem, res.plan).actions if r.action.option_id.startswith("pv"))
    # the PWL curve under-estimates the concave PV value by at most the curve tolerance (perspective keeps it)
    assert abs(exact - res.objective) <= 2 * problem.pv_curve_tolerance * (abs(pv_value) + 20 * 1e6)
    assert res.objective <= exact + 1e-6 * abs(exact)


def test_roof_area_and_one_pv_mode():
    problem = base_problem([pv_option(max_kwp=2000)], T=1, H=10)
    pm, res = solve(problem)
    kwp = sum(a.size for a in res.plan)
    assert kwp * 1000 / 170 <= problem.roof_area_m2["roof_a"] + 1e-6
    assert len({a.mode for a in res.plan}) <= 1


def test_invariance_to_money_scale_and_names():
    opts = catalog_like_options()
    base = base_problem(opts, T=2, H=10, budget=[300_000, 200_000])
    _, r0 = solve(base)
    scaled_opts = [dataclasses.replace(o, capex_cny=10 * o.capex_cny, om_cny_per_year=10 * o.om_cny_per_year,
                                       annual_cost_cny=10 * o.annual_cost_cny) for o in opts]
    scaled = base_problem(scaled_opts, T=2, H=10, budget=[3_000_000, 2_000_000])
    scaled.price_cny_per_kwh = 10 * scaled.price_cny_per_kwh
    scaled.export_price_cny_per_kwh = 10 * scaled.export_price_cny_per_kwh
    scaled.fuel_price_cny = {c: 10 * v for c, v in scaled.fuel_price_cny.items()}
    scaled.carbon_credit_price_cny_per_t *= 10
    for mode in ("finance_lease", "bank_loan"):       # the minimum ticket is money too
        scaled.financing_terms[mode, "all"] = {"min_ticket_cny": 10 * base.term(mode, "min_ticket_cny")}
    _, r1 = solve(scaled)
    assert r1.plan == r0.plan
    assert r1.objective == pytest.approx(10 * r0.objective, rel=1e-6)

    rename = {o.option_id: "zz_" + o.option_id[::-1] for o in opts}
    renamed_opts = []
    for o in opts:
        renamed_opts.append(dataclasses.replace(
            o, option_id=rename[o.option_id], measure_id=rename[o.measure_id],
            prerequisites=tuple(rename[q] for q in o.prerequisites),
            enables={rename[k]: v for k, v in o.enables.items()}))
    _, r2 = solve(base_problem(renamed_opts, T=2, H=10, budget=[300_000, 200_000]))
    assert sorted((rename[a.option_id], a.year, a.mode) for a in r0.plan) == \
        sorted((a.option_id, a.year, a.mode) for a in r2.plan)


def test_dominated_option_changes_nothing():
    opts = catalog_like_options()
    base = base_problem(opts, T=2, H=10, budget=[300_000, 200_000])
    _, r0 = solve(base)
    worse_led = dataclasses.replace(opts[3], option_id="led_expensive", measure_id="led_expensive",
                                    capex_cny=opts[3].capex_cny * 1.5, exclusive_groups=("lighting_retrofit",))
    opts2 = [dataclasses.replace(o, exclusive_groups=("lighting_retrofit",)) if o.option_id == "led" else o
             for o in opts] + [worse_led]
    _, r1 = solve(base_problem(opts2, T=2, H=10, budget=[300_000, 200_000]))
    assert r1.plan == r0.plan
    assert r1.objective == pytest.approx(r0.objective, rel=1e-9)


def test_co2_target_and_infeasible():
    opts = catalog_like_options()
    free = base_problem(opts, T=2, H=10)
    _, r_free = solve(free)
    em_free = evaluate(free, r_free.plan).emissions_t
    base_em = evaluate(free, []).emissions_t
    target = [base_em[0] * 0.5, base_em[1] * 0.5]
    constrained = base_problem(opts, T=2, H=10, target=target)
    _, res = solve(constrained)
    if res.status == "optimal":
        ev = evaluate(constrained, res.plan)
        assert np.all(ev.emissions_t[:2] <= np.asarray(target) + 1e-6)
    impossible = base_problem(opts, T=2, H=10, target=[0.0, 0.0])
    _, res = solve(impossible)
    assert res.status == "infeasible"
    assert em_free.shape == (10,)
