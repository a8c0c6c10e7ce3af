"""Park planner checks: brute force over small parks, independence without coupling, invariance to renaming and
reordering, the bound against the true optimum, the generator and the CLI.

The brute force is written here without the park module's master: every firm's plans are enumerated (each option
off or in one plan year, own financing; no PV, so the evaluator and the MILP agree exactly), the firm's NPV comes
from ``pathways.model.evaluator.evaluate``, and for every combination of plans and programme start years the park rules
are applied directly: capacity, park budget (programme cost per start), CO2 targets, and the subsidy pool (the
park pays up to share x upfront of joined firms, at least what each firm's budget needs, within the pool).
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time

import numpy as np
import pytest

from pathways.inputs.resolve import resolve
from pathways.errors import InputError
from pathways.model.evaluator import evaluate
from pathways.park.colgen import firm_specs, plan_park
from pathways.park.data import park_data, rollout_queue
from pathways.park.generate import generate_park
from pathways.park.master import Master, Prices
from pathways.site.problem import Action
from pathways.site.build import build_problem

KEEP = ("vsd_fans", "led_lighting_controls")


def _disable() -> list[str]:
    from pathways.reference.catalog import load_catalog
    return sorted(m for m, x in load_catalog().measures.items() if x.scale == "individual" and m not in KEEP)


def firm(fid: str, kwh: float, budget: float, sector: str = "machinery") -> dict:
    return {"id": fid, "name": fid, "sector": sector, "electricity": {"annual_kwh": kwh, "shifts": "two"},
            "fuels": [], "roofs": [{"id": "r", "area_m2": 1000, "tilt_deg": 5, "roof_type": "metal"}],
            "finance": {"budget_cny_per_year": budget, "payback_limit_years": None,
                        "allowed_financing_modes": ["own"]},
            "measures": {"disable": _disable()}}


def park(firms: list[dict], **kw) -> dict:
    base = {"name": "test park", "city": "Suzhou", "firms": firms, "plan": {"years": 2, "horizon_years": 10}}
    base.update(kw)
    return base


# ----------------------------------------------------------------------------------------- brute force
def brute_force(model: dict) -> float:
    """Best park objective by enumeration (module docstring)."""
    resolved = resolve(model)
    pk = resolved.model
    T = pk.plan.years
    share = float(resolved.assumptions["park"]["subsidy_share_of_upfront"])
    progcost = float(resolved.assumptions["park"]["programme_cost_cny_per_firm"])
    r = float(resolved.assumptions["finance"]["discount_rate_real"])
    df = (1 + r) ** -np.arange(T)
    pool = np.asarray(pk.subsidy_pool_by_year(), float)
    pbud = np.asarray(pk.budget_by_year(), float)
    cap = np.asarray(pk.capacity_by_year(), float)
    tgt = np.asarray([np.inf if x is None else x for x in (pk.targets.co2_t_per_year if pk.targets else [None] * T)])
    per_firm = []
    from pathways.inputs.resolve import Resolved
    # roll-out queue (independent of pathways.park.data.rollout_queue): the test firms share one digital maturity,
    # so the queue is by energy use, largest first; place q may start a later batch in year t >= 2 once the
    # cumulative capacity of years 1..t exceeds q
    earliest = [2] * len(pk.firms)
    if pk.later_batches == "by_energy_and_maturity":
        kwh = [f.electricity.annual_kwh for f in pk.firms]
        assert len({f.digital_maturity for f in pk.firms}) == 1 and len(set(kwh)) == len(kwh)
        for q, i in enumerate(sorted(range(len(kwh)), key=lambda i: -kwh[i])):
            ok = [t for t in range(2, T + 1) if q < sum(cap[:t])]
            earliest[i] = ok[0] if ok else T + 1
    for fi, f in enumerate(pk.firms):
        prob, _ = build_problem(Resolved("site", f, f.assumptions))
        budget = np.asarray(prob.budget_cny, float) if prob.budget_cny is not None else np.full(T, np.inf)
        plans = []
        for years in itertools.product(range(T + 1), repeat=len(prob.options)):
            plan = [Action(o.option_id, y, "own", o.size) for o, y in zip(prob.options, years) if y]
            ev = evaluate(prob, plan)
            up = np.array([sum(a.upfront_cny for a in ev.actions if a.action.year == t) for t in range(1, T + 1)])
            for start in range(T + 1):
                if 2 <= start < earliest[fi]:
                    continue
                joined = np.array([1.0 if start and t >= start else 0.0 for t in range(1, T + 1)])
                lo = np.maximum(up - budget, 0.0)           # subsidy the firm's budget needs
                hi = share * up * joined                    # most the park may pay
                if np.any(lo > hi + 1e-6):
                    continue
                plans.append((ev.npv_cny, ev.emissions_t[:T], start, lo, hi))
        per_firm.append(plans)
    best = -np.inf
    for combo in itertools.product(*per_firm):
        starts = [c[2] for c in combo]
        if any(sum(1 for s in starts if s == t) > cap[t - 1] for t in range(1, T + 1)):
            continue
        if any(sum(1 for s in starts if s == t) * progcost > pbud[t - 1] + 1e-6 for t in range(1, T + 1)):
            continue
        em = sum(c[1] for c in combo)
        if np.any(em > tgt + 1e-6):
            continue
        lo, hi = sum(c[3] for c in combo), sum(c[4] for c in combo)
        if np.any(lo > pool + 1e-6):
            continue
        value = sum(c[0] for c in combo) + float(df @ np.minimum(hi, pool))
        best = max(best, value)
    return best


CASES = {
    "pool_binds": park([firm("a", 3e6, 60000), firm("b", 2e6, 30000), firm("c", 4e6, 80000)],
                       subsidy_pool_cny_per_year=40000, programme_capacity_firms_per_year=[1, 2]),
    "capacity_and_budget": park([firm("a", 3e6, 60000), firm("b", 5e6, 90000)],
                                subsidy_pool_cny_per_year=[60000, 20000], programme_capacity_firms_per_year=1,
                                budget_cny_per_year=[20000, 5000]),
    "co2_target": park([firm("a", 3e6, 200000), firm("b", 2e6, 10000), firm("c", 2.5e6, 20000)],
                       subsidy_pool_cny_per_year=30000, targets={"co2_t_per_year": [None, 4200]}),
    # one place a year for three years: the smallest user is third in the queue and may not start in year 2
    # (brute force: 1,665,368 CNY with the queue, 1,674,925 optimised)
    "queue_binds": park([firm("a", 2e6, 30000), firm("b", 3e6, 300000), firm("c", 1.5e6, 80000)],
                        subsidy_pool_cny_per_year=60000, programme_capacity_firms_per_year=1,
                        plan={"years": 3, "horizon_years": 10}),
}


@pytest.mark.parametrize("name,options", [(name, {}) for name in sorted(CASES)] + [
    ("pool_binds", {"full_pricing_below": 1, "smoothing": 0.0}),        # partial pricing, one firm per slice
    ("co2_target", {"full_pricing_below": 2, "smoothing": 0.8}),        # partial pricing, strong smoothing
    ("pool_binds", {"later_batches": "optimised"}), ("queue_binds", {"later_batches": "optimised"})])
def test_small_parks_against_brute_force(name, options):
    options = dict(options)
    model = {**CASES[name], **({"later_batches": options.pop("later_batches")} if "later_batches" in options
                               else {})}
    best = brute_force(model)
    res = plan_park(model, gap=1e-6, time_limit=60, **options)
    assert res.objective_cny is not None
    tol = 1e-6 * abs(best) + 1.0
    # the plan is feasible and no better than the optimum; the bound is never below it
    assert res.objective_cny <= best + tol
    assert res.bound_cny >= best - tol
    # the reported gap is honest: it covers the distance to the true optimum
    assert (best - res.objective_cny) / max(abs(res.objective_cny), 1.0) <= res.gap + 1e-9
    assert best > 1e4          # a case where something is worth doing
    if name == "queue_binds" and model.get("later_batches") != "optimised":
        assert best < brute_force({**model, "later_batches": "optimised"}) - 1.0     # the queue costs something
    # on these small parks the columns suffice for the optimum itself
    assert res.objective_cny == pytest.approx(best, rel=1e-6, abs=1.0)


def test_infeasible_target_reports_infeasible():
    model = park([firm("a", 3e6, 60000)], targets={"co2_t_per_year": [None, 1.0]})
    res = plan_park(model, time_limit=30)
    assert res.status == "infeasible" and res.objective_cny is None


def test_without_coupling_the_park_plan_is_the_firms_own_plans():
    from pathways import plan
    firms = [firm("a", 3e6, 60000), firm("b", 2e6, 1e6), firm("c", 4e6, 20000)]
    res = plan_park(park(firms), time_limit=60)
    assert res.gap <= 1e-6
    for f, out in zip(firms, res.firms):
        site = {k: v for k, v in f.items() if k != "id"}
        site.update(city="Suzhou", plan={"years": 2, "horizon_years": 10})
        alone = plan(site, alternatives=0, explain=0)
        assert out["start_year"] is None
        assert out["npv_cny"] == pytest.approx(alone.npv_cny, rel=1e-9, abs=1e-3)
        mine = sorted((a["option_id"], a["year"]) for a in out["actions"])
        theirs = sorted(zip(alone.actions["option_id"], alone.actions["year"]))
        assert mine == theirs
    assert res.value_of_clustering.value_cny == pytest.approx(0.0, abs=1e-3)


def test_invariant_to_renaming_and_reordering_firms():
    model = CASES["pool_binds"]
    base = plan_park(model, gap=1e-6, time_limit=60)
    names = {"a": "zeta", "b": "alpha", "c": "mid"}
    firms = [dict(f, id=names[f["id"]], name=names[f["id"]]) for f in reversed(model["firms"])]
    other = plan_park({**model, "firms": firms}, gap=1e-6, time_limit=60)
    assert other.objective_cny == pytest.approx(base.objective_cny, rel=1e-9)
    by_id = {f["firm_id"]: f for f in other.firms}
    for f in base.firms:
        g = by_id[names[f["firm_id"]]]
        assert g["npv_cny"] == pytest.approx(f["npv_cny"], rel=1e-9, abs=1e-3)


def test_dask_workers_give_the_serial_answer():
    model = CASES["capacity_and_budget"]
    serial = plan_park(model, gap=1e-6, time_limit=60, workers=0)
    dask = plan_park(model, gap=1e-6, time_limit=60, workers=2)
    assert dask.objective_cny == pytest.approx(serial.objective_cny, rel=1e-9)


def test_generator_is_reproducible_and_follows_the_archetypes():
    a = generate_park(40, 7, "Suzhou", "machinery:0.5,electronics:0.5")
    b = generate_park(40, 7, "Suzhou", "machinery:0.5,electronics:0.5")
    c = generate_park(40, 8, "Suzhou", "machinery:0.5,electronics:0.5")
    assert a == b and a != c
    for f in a["firms"]:
        lo, hi = {"machinery": (1e6, 5e6), "electronics": (2e6, 1e7)}[f["sector"]]
        assert lo - 500 <= f["electricity"]["annual_kwh"] <= hi + 500
        assert 1 <= f["digital_maturity"] <= 5
        assert f["roofs"][0]["owned"] == (f["tenancy"] == "owned")
    resolve(a)   # a valid park


def test_bad_input_is_one_line():
    with pytest.raises(InputError) as e:
        generate_park(5, 1, "Suzhou", "machinry:1")
    assert len(e.value.problems) == 1 and "did you mean" in e.value.problems[0]
    with pytest.raises(InputError) as e:
        plan_park(park([firm("a", 3e6, 1e5)], park_options=["park_shared_pvv"]))
    assert "park_options[0]" in e.value.problems[0]


@pytest.mark.slow
def test_cli_generate_and_plan(tmp_path):
    out = tmp_path / "p.yaml"
    r = subprocess.run([sys.executable, "-m", "pathways.cli.main", "park", "generate", "--firms", "2", "--seed", "3",
                        "--city", "Suzhou", "--mix", "machinery:1", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert text.startswith("# Generated by")
    r = subprocess.run([sys.executable, "-m", "pathways.cli.main", "park", str(out), "--workers", "0", "--json", "-",
                        "--time-limit", "60", "--gap", "0.05"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for key in ("status", "objective", "npv_cny", "bound", "gap", "firms", "shared_assets", "rollout", "targets",
                "value_of_clustering", "applied_overrides", "solve_seconds"):
        assert key in data
    assert len(data["firms"]) == 2 and data["bound"] >= data["objective"] - 1e-6 * abs(data["objective"])


# ----------------------------------------------------------------------------------------- monolithic MILP
def monolithic_optimum(model: dict) -> float:
    """All firms' models in one Pyomo model with the coupling rows written out here (subsidy pool, programme
    capacity, CO2 targets, shared PV with its allocation and value rows), solved by HiGHS to optimality."""
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.solvers import Highs
    from pathways.park.firm import build_firm
    resolved = resolve(model)
    d = park_data(resolved)
    specs = firm_specs(resolved, d, 60, 1e-6)
    built = [build_firm(s) for s in specs]
    infos = [b[2] for b in built]
    fms = [b[1] for b in built]
    T, pv = d.T, d.pv
    top = pyo.ConcreteModel()
    for i, fm in enumerate(fms):
        fm.set_prices(True, None)
        fm.m.obj.deactivate()
        top.add_component(f"firm{i}", fm.m)
    n = len(fms)
    top.S = pyo.Var(bounds=(0, pv["max_kwp"]))
    top.q = pyo.Var(range(n), bounds=lambda m, f: (0, infos[f]["pv_qmax_kwp"]))
    top.v = pyo.Var(range(n), domain=pyo.NonNegativeReals)
    top.alloc = pyo.Constraint(expr=sum(top.q[f] for f in range(n)) <= top.S)
    top.no_own_pv = pyo.Constraint(range(n), rule=lambda m, f: m.q[f] <= infos[f]["pv_qmax_kwp"]
                                   * (1 - fms[f].has_pv))
    top.value = pyo.ConstraintList()
    for f in range(n):
        for a, b in infos[f]["pv_pieces"]:
            top.value.add(top.v[f] <= a * fms[f].ratio[T] + b * top.q[f])
    for t in range(1, T + 1):
        if np.isfinite(d.pool[t - 1]):
            top.add_component(f"pool{t}", pyo.Constraint(expr=sum(fm.m.g[t] for fm in fms) <= float(d.pool[t - 1])))
        if np.isfinite(d.capacity[t - 1]):
            top.add_component(f"cap{t}", pyo.Constraint(expr=sum(fm.m.z[t] for fm in fms) <= float(d.capacity[t - 1])))
        if np.isfinite(d.co2_target[t - 1]):
            a_t = float(d.grid_t_per_kwh[t - 1]) * pv["yield_kwh_per_kwp"] * float(pv["perf_k"][t - 1])
            top.add_component(f"co2{t}", pyo.Constraint(expr=sum(fm.em[t] for fm in fms)
                                                      - a_t * sum(top.q[f] for f in range(n))
                                                      <= float(d.co2_target[t - 1])))
    export = float(np.mean([i["export_cny_per_kwh_pv"] for i in infos]))
    y = pv["yield_kwh_per_kwp"]
    top.obj = pyo.Objective(sense=pyo.maximize, expr=sum(fm.npv + fm.subsidy_npv for fm in fms)
                            + pv["value_factor"] * sum(top.v[f] for f in range(n))
                            + (y * export * pv["value_factor"] - pv["capex_cny_per_kwp"] * pv["cost_factor"]) * top.S
                            - y * export * pv["value_factor"] * sum(top.q[f] for f in range(n)))
    opt = Highs()
    opt.config.time_limit = 120
    opt.config.mip_gap = 1e-7
    res = opt.solve(top)
    from pyomo.contrib.appsi.base import TerminationCondition as TC
    assert res.termination_condition == TC.optimal
    return float(res.best_feasible_objective)


def test_bound_never_below_the_monolithic_optimum():
    model = generate_park(3, 11, "Suzhou", "machinery:0.5,electronics:0.5")
    model["plan"] = {"years": 2, "horizon_years": 10}
    model["park_options"] = ["park_shared_pv"]
    model["programme_capacity_firms_per_year"] = 1
    model["subsidy_pool_cny_per_year"] = 150000.0
    model.pop("targets")
    model["budget_cny_per_year"] = None
    for f in model["firms"]:
        f["finance"]["budget_cny_per_year"] = 0.2 * f["finance"]["budget_cny_per_year"]
    best = monolithic_optimum(model)
    res = plan_park(model, gap=1e-6, time_limit=90)
    tol = 1e-6 * abs(best) + 1.0
    assert res.bound_cny >= best - tol
    assert res.objective_cny <= best + tol
    assert (best - res.objective_cny) / abs(res.objective_cny) <= res.gap + 1e-9


# ----------------------------------------------------------------------------------------- bound and kernel
def _small_park_master(seed: int = 5):
    from pathways.park.firm import init_firm
    model = generate_park(4, seed, "Suzhou", "machinery:0.5,electronics:0.5")
    resolved = resolve(model)
    d = park_data(resolved)
    specs = firm_specs(resolved, d, 60, 1e-7)
    inits = [init_firm(f"lag{seed}", s) for s in specs]
    return d, specs, [r["info"] for r in inits], [r["columns"] for r in inits]


def test_lagrangian_bound_equals_lasdon_at_the_lp_duals_and_holds_at_other_duals():
    """L(y) written out row by row equals z_LP + sum_f (P_f - sigma_f) at the LP duals, and at smoothed or
    perturbed duals y >= 0 it is never below the best plan the master MILP finds over the same firms' columns."""
    from pathways.park.firm import price_firm
    d, specs, infos, columns = _small_park_master()
    master = Master(d, infos, columns)
    lp = master.lp.solve(mip=False, time_limit=30)
    y = lp["y"]
    pr = [master.prices(y, f) for f in range(len(specs))]
    out = [price_firm("lag5", s["firm_id"], pr[f][0], 30, 1e-9) for f, s in enumerate(specs)]
    lasdon = lp["objective"] + sum(o["bound"] - pr[f][1] for f, o in enumerate(out))
    assert master.lagrangian(y, [o["bound"] for o in out]) == pytest.approx(lasdon, rel=1e-9, abs=1e-3)
    for f, o in enumerate(out):
        columns[f].append(o["column"])
    best = Master(d, infos, columns).lp.solve(mip=True, time_limit=30, gap=1e-9)["objective"]
    conv = np.array([isinstance(nm, tuple) and nm[0] == "conv" for nm in master.lp.rname])
    rng = np.random.default_rng(0)
    for scale in (0.5, 2.0, None):
        y2 = y * scale if scale else np.where(conv, y, np.maximum(y, 0) + rng.uniform(0, 1e-3, len(y)))
        y2 = np.where(conv, y2, np.maximum(y2, 0.0))
        pr2 = [master.prices(y2, f) for f in range(len(specs))]
        b2 = [price_firm("lag5", s["firm_id"], pr2[f][0], 30, 1e-9)["bound"] for f, s in enumerate(specs)]
        assert master.lagrangian(y2, b2) >= best - 1e-6 * abs(best)


def test_pricing_kernel_matches_the_pyomo_model():
    """The HiGHS kernel (column costs set from linear forms) solves the same problem as the FirmModel's Pyomo
    objective with the same prices: same optimum, same plan."""
    import pyomo.environ as pyo
    from pathways.park.firm import Kernel, build_firm
    model = generate_park(3, 7, "Suzhou", "machinery:0.4,electronics:0.3,metal_products:0.3")
    resolved = resolve(model)
    d = park_data(resolved)
    rng = np.random.default_rng(3)
    for spec in firm_specs(resolved, d, 60, 1e-9):
        _, fm, _ = build_firm(spec)
        k = Kernel(fm)
        T = fm.T
        prices = Prices(subsidy_pool_cny_per_cny=tuple(rng.uniform(0, 0.5, T)),
                        park_budget_cny_per_start=tuple(rng.uniform(0, 1e5, T)),
                        programme_capacity_cny_per_start=tuple(rng.uniform(0, 1e5, T)),
                        co2_target_cny_per_t=tuple(rng.uniform(0, 150, T)),
                        co2_intensity_cny_per_t=tuple(rng.uniform(0, 150, T)),
                        co2_intensity_cny_per_mwh=tuple(rng.uniform(0, 50, T)),
                        collective_capex_cny_per_cny={key: 0.05 for key in fm.by_mt},
                        collective_tender_cny_per_firm={key: 1e4 for key in fm.by_mt},
                        shared_pv_no_own_pv_cny=2e4, shared_pv_load_ratio_cny=1e5)
        fm.set_prices(True, prices)
        ref = fm.solve(time_limit=60, gap=1e-9, threads=1)
        k.set_prices(True, prices)
        got = k.solve(60, 1e-9)
        assert got["objective"] == pytest.approx(ref.objective, rel=1e-7)
        col = k.column(got["x"], spec["firm_id"], "t")
        assert [(a.option_id, a.year, a.mode) for a in col.plan] == [(a.option_id, a.year, a.mode) for a in ref.plan]
        assert col.npv_cny == pytest.approx(fm.npv_value(), rel=1e-6, abs=1.0)
        assert col.em_t[-1] == pytest.approx(pyo.value(fm.em[T]), rel=1e-6, abs=1e-6)


def test_rollout_queue_by_energy_use_and_maturity():
    # energy ranks (pct): a 1.0, b 0.25, c 0.75, d 0.5; maturity ranks: a 0.375, b 1.0, c 0.375, d 0.75
    # scores: a 0.6875, b 0.625, c 0.5625, d 0.625 -> a, then b and d tied (d has more energy), then c
    queue, earliest = rollout_queue([900, 100, 500, 300], [2, 5, 2, 4], [1, 1, 1, 1], 4)
    assert queue == [0, 2, 3, 1]
    # cumulative capacity 1, 2, 3, 4: places 0 and 1 from year 2, place 2 from year 3, place 3 from year 4
    assert earliest == [2, 3, 4, 2]
    assert rollout_queue([900, 100], [2, 5], [np.inf] * 3, 3)[1] == [2, 2]
    assert rollout_queue([900, 100, 50], [3, 3, 3], [1, 1], 2)[1] == [2, 2, 3]     # 3 = pilot only (T + 1)


@pytest.mark.slow
def test_later_batches_follow_the_queue_in_a_generated_park():
    model = generate_park(8, 4, "Suzhou", "machinery:0.5,electronics:0.5")
    model["programme_capacity_firms_per_year"] = 1
    model["park_options"] = []
    res = plan_park(model, time_limit=20, gap=0.05)
    assert any(r["year"] and r["year"] >= 2 for r in res.rollout)        # later batches exist
    rows = {r["firm_id"]: r for r in res.rollout}
    for r in rows.values():
        if r["year"] and r["year"] >= 2:
            assert r["eligible_for_later_batch_from_year"] is not None
            assert r["year"] >= r["eligible_for_later_batch_from_year"], r
    assert sorted(r["queue_place"] for r in rows.values()) == list(range(1, 9))


# ----------------------------------------------------------------------------------------- time limit (issue 12)
def _gap_of(res) -> float:
    return max(res.bound_cny - res.objective_cny, 0.0) / max(abs(res.objective_cny), 1.0)


def test_no_pricing_round_gives_the_trivial_bound_above_the_optimum():
    """No round of pricing at all (max_rounds=0): the bound is L(0), each firm's LP relaxation at zero prices plus
    the park's own variables at their best; it is still a proven bound: never below the brute-force optimum."""
    model = CASES["pool_binds"]
    best = brute_force(model)
    res = plan_park(model, gap=1e-6, time_limit=60, max_rounds=0)
    tol = 1e-6 * abs(best) + 1.0
    assert res.park["bound_source"] == "trivial" and res.status == "gap_not_reached"
    assert res.objective_cny <= best + tol
    assert res.bound_cny >= best - tol
    assert res.gap == pytest.approx(_gap_of(res)) and np.isfinite(res.gap)


def test_time_limit_before_the_first_complete_round_still_gives_a_proven_bound(monkeypatch):
    """Pricing as slow as in a large park: each firm's pricing MILP runs until the column generation's deadline
    (70 % of the time limit), so no round of pricing completes. Before, the run then had no bound (or, with the
    real pricing, overran the limit to finish the round); now the bound is the trivial one, above the optimum, with
    a finite gap, and the run ends within the limit plus a margin (the master MILP and the reports)."""
    import pathways.park.firm as PF
    real = PF.price_firm

    def slow(run, firm_id, prices, time_limit, gap, deadline_unix=None):
        time.sleep(max(deadline_unix - time.time(), 0.0) + 0.01)
        return real(run, firm_id, prices, time_limit, gap, deadline_unix)

    monkeypatch.setattr(PF, "price_firm", slow)
    model = CASES["pool_binds"]
    best = brute_force(model)
    limit, margin = 8.0, 3.0
    t0 = time.perf_counter()
    res = plan_park(model, gap=1e-6, time_limit=limit)
    wall = time.perf_counter() - t0
    tol = 1e-6 * abs(best) + 1.0
    assert res.status == "time_limit" and res.park["bound_source"] == "trivial"
    assert res.history and res.history[0]["firms_priced"] < 3
    assert res.objective_cny <= best + tol <= res.bound_cny + 2 * tol
    assert res.gap == pytest.approx(_gap_of(res)) and np.isfinite(res.gap)
    assert wall < limit + margin


def test_firms_not_built_in_time_give_no_bound_and_say_why():
    """A time limit shorter than reading the park: no firm is built by the build deadline (half the limit), so
    none has even a trivial bound; the result says so instead of printing a number that is not a bound, and the
    firms' do-nothing columns carry the baseline of a full run."""
    model = CASES["pool_binds"]
    res = plan_park(model, time_limit=1e-3)
    assert res.status == "time_limit" and res.bound_cny is None and res.gap is None
    assert "no bound: 3 of 3 firms were not priced within the time limit" in res.message
    assert res.objective_cny == 0.0 and res.totals.firms_in_programme == 0
    full = plan_park(model, time_limit=60)
    assert [t["baseline_t"] for t in res.targets] == pytest.approx([t["baseline_t"] for t in full.targets])


def test_time_limit_bounds_the_whole_park_run_building_included():
    """Before, building and the standalone solves were not counted: a 40-firm park with a 5 s limit ran 19 s on
    the shared 2-core machine. Now the build stops at half the limit (later firms keep their do-nothing column),
    pricing at 70 %; the margin covers reading the firms not built (~10 ms each) and the reports."""
    model = generate_park(40, 7, "Suzhou", "machinery:0.5,electronics:0.5")
    limit, margin = 5.0, 3.0
    t0 = time.perf_counter()
    res = plan_park(model, time_limit=limit)
    wall = time.perf_counter() - t0
    assert wall < limit + margin
    assert res.status == "time_limit"
    if res.bound_cny is None:
        assert "no bound: " in res.message and res.gap is None
    elif res.objective_cny is not None:
        assert res.bound_cny >= res.objective_cny - 1e-6 * abs(res.objective_cny)
