"""Plans from several threads at once (issue 12, defect 1): each finishes and equals the plan it gets alone.

Before ``pathways.concurrency.HIGHS_LOCK`` both threads failed after about 100 s with "TeeStream: deadlock observed"
(Pyomo's appsi interface redirects the process's stdout/stderr descriptors around every HiGHS solve)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pathways

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml")
# two small firms, two plan years: the park's column generation stops on its gap rule, not on a clock, once each
# pricing MILP has time to reach its gap (pricing_time_limit), so it is deterministic and its result comparable
PARK = {"name": "Tiny park", "city": "Hangzhou",
        "firms": [{"id": "a", "name": "Firm A", "sector": "food", "electricity": {"annual_kwh": 1200000, "shifts": "one"},
                   "roofs": [{"id": "r1", "area_m2": 2500, "tilt_deg": 10, "roof_type": "concrete"}]},
                  {"id": "b", "name": "Firm B", "sector": "machinery",
                   "electricity": {"annual_kwh": 800000, "shifts": "two"},
                   "roofs": [{"id": "r1", "area_m2": 1500, "tilt_deg": 5, "roof_type": "metal"}]}],
        "budget_cny_per_year": [3000000, 2000000], "subsidy_pool_cny_per_year": 500000,
        "plan": {"years": 2, "horizon_years": 12}}
TIMEOUT_S = 240          # a hang (the defect) fails the test instead of blocking the suite


def plan_key(r) -> tuple:
    acts = r.actions
    return (round(float(r.totals["npv_cny"]), 2),
            sorted(zip(acts["option_id"], (int(y) for y in acts["year"]), acts["mode"])))


def park_key(r) -> tuple:
    return (r.status, r.iterations, round(float(r.objective_cny), 2), round(float(r.bound_cny), 2))


def run_in_threads(jobs: list) -> list:
    """Run every zero-argument job in its own thread, all started together; their results (or exceptions)."""
    out: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def work(i):
        start.wait()
        try:
            out[i] = jobs[i]()
        except BaseException as exc:   # noqa: BLE001 -- reported by the assertion below
            out[i] = exc

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), f"a thread still runs after {TIMEOUT_S} s (hang)"
    for r in out:
        assert not isinstance(r, BaseException), repr(r)
    return out


def test_two_plans_in_two_threads_equal_the_plan_alone():
    kw = dict(years=3, alternatives=0, explain=0)
    alone = pathways.plan(SMALL, **kw)
    both = run_in_threads([lambda: pathways.plan(SMALL, **kw), lambda: pathways.plan(SMALL, **kw)])
    assert len(alone.actions) > 0
    assert [plan_key(r) for r in both] == [plan_key(alone)] * 2


def test_park_and_site_plan_at_once_equal_each_alone():
    park_kw = dict(time_limit=300, workers=0, pricing_time_limit=60)
    site_kw = dict(years=3, alternatives=0, explain=0)
    park_alone = pathways.plan_park(PARK, **park_kw)
    site_alone = pathways.plan(SMALL, **site_kw)
    park, site = run_in_threads([lambda: pathways.plan_park(PARK, **park_kw), lambda: pathways.plan(SMALL, **site_kw)])
    assert park_key(park) == park_key(park_alone)
    assert plan_key(site) == plan_key(site_alone)


def test_a_sweep_and_a_plan_at_once_equal_each_alone(tmp_path):
    import yaml

    from pathways import batch
    from pathways.inputs.sweep import load_sweep

    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({"models": [SMALL], "points": {"list": [{"finance.payback_limit_years": 8},
                                                                          {"finance.payback_limit_years": 5}]}}))

    def sweep(out: str):
        batch.run_batch(load_sweep(spec), tmp_path / out, workers=0, progress=False)
        df = pathways.collect(tmp_path / out).sort_values("run_id")
        return list(zip(df["run_id"], df["status"], df["npv_cny"].round(2)))

    site_kw = dict(years=3, alternatives=0, explain=0)
    sweep_alone, site_alone = sweep("alone"), pathways.plan(SMALL, **site_kw)
    both = run_in_threads([lambda: sweep("both"), lambda: pathways.plan(SMALL, **site_kw)])
    assert len(sweep_alone) == 2 and {s for _, s, _ in sweep_alone} == {"optimal"}
    assert both[0] == sweep_alone
    assert plan_key(both[1]) == plan_key(site_alone)


# ------------------------------------------------------------------------ the wait for the solver (issue 12, item 4)
def hold_solver(seconds: float) -> threading.Thread:
    """Another plan's solve: a thread that holds HIGHS_LOCK for ``seconds`` (returned once it holds it)."""
    from pathways.concurrency import HIGHS_LOCK
    held = threading.Event()

    def hold():
        with HIGHS_LOCK:
            held.set()
            time.sleep(seconds)

    t = threading.Thread(target=hold, daemon=True)
    t.start()
    held.wait()
    return t


def test_waiting_for_the_solver_counts_against_the_plan_time_limit():
    """Another plan holds the solver for longer than this plan's whole time limit. Before, the plan waited as long
    as the lock was held (a 2 s plan took 6.7 s while another thread held the lock 6 s) and then solved with its
    full limit; now it stops at its limit: `time_limit`, no plan, and a message saying the solver was busy."""
    kw = dict(years=3, alternatives=0, explain=0)
    pathways.plan(SMALL, **kw)                # caches warm: building takes well under the limit
    holder = hold_solver(8.0)
    t0 = time.perf_counter()
    r = pathways.plan(SMALL, time_limit=3, **kw)
    wall = time.perf_counter() - t0
    holder.join()
    assert r.status == "time_limit" and r.objective_value is None and len(r.actions) == 0
    assert "busy with another plan" in r.message
    assert wall < 3 + 1.5


def test_the_solve_gets_only_what_the_wait_left():
    """``PlanModel.solve``: a deadline that passes while another solve holds the lock ends the wait there; a wait
    shorter than the limit is taken off the solver's own time limit, and the plan is still found."""
    from pathways.inputs.resolve import resolve
    from pathways.model.milp import PlanModel
    from pathways.model.planner import payback_filter
    from pathways.site.build import build_problem

    problem, _ = build_problem(resolve(SMALL))
    pm = PlanModel(problem, objective="npv", allowed=payback_filter(problem))
    holder = hold_solver(1.5)
    t0 = time.perf_counter()
    res = pm.solve(time_limit=60, deadline=t0 + 0.8)
    waited = time.perf_counter() - t0
    holder.join()
    assert res.status == "time_limit" and res.objective is None and "busy with another plan" in res.message
    assert 0.75 <= waited < 1.4
    limit, wait = 30.0, 1.0
    holder = hold_solver(wait)
    res = pm.solve(time_limit=limit)
    holder.join()
    assert res.status == "optimal" and res.plan
    assert pm._solver.config.time_limit <= limit - 0.9 * wait     # the solver's own limit: what the wait left
