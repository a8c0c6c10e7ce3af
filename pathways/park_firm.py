"""One firm of a park as a pricing subproblem of the park's column generation (see ``pathways.park``).

``FirmModel`` is the firm's own ``PlanModel`` (all its constraint families stay inside) plus the few firm-side
variables through which the park couples firms:

* ``z[t]`` in {0,1}: the firm starts the park programme in plan year t (sum_t z[t] <= 1); joined[t] = sum_{s<=t} z[s].
* ``g[t]`` >= 0: park subsidy received at the start of year t, g[t] <= share * U[t] (share of the firm's upfront
  owner payment) and g[t] <= G * joined[t]; the firm's budget row becomes U[t] - g[t] <= budget[t].
* ``disc[m,t]`` >= 0: own-like capex of measure m in year t that is eligible for collective procurement,
  disc[m,t] <= capex_m[t] and disc[m,t] <= M_m * joined[t]; ``cnt[m,t]`` in [0,1]: the firm adopts m in year t
  inside the programme (cnt <= sum of x of m in t, cnt <= joined[t]).
* h = sum_m pv_mode[m] in {0,1}: the firm puts PV on its own roofs (then it gets no allocation of park PV).

The pricing objective is the firm's NPV plus the park subsidy it receives (discounted) minus the dual prices of
the coupling rows times the firm's use of them (``set_prices``); prices are mutable Params, so the persistent
HiGHS model is re-solved, never rebuilt. Firms are kept alive per process in ``_CACHE`` (a worker-local cache:
with Dask each firm is pinned to one worker, so its model is built once per run).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from .economics import discount_factors
from .milp import PlanModel
from .problem import OWN_LIKE, Action, Problem

COLLECTIVE_FAMILIES = ("solar", "equipment", "carbon", "digital")


@dataclass
class Column:
    """One plan of one firm with its use of every coupling row (all by plan year t = 1..T, index t - 1)."""

    firm: str
    plan: list[Action]
    npv_cny: float                   # firm NPV of the plan (MILP's linearised value), without the park subsidy
    subsidy_cny: np.ndarray          # park subsidy g[t]
    start_year: int                  # 0: the firm does not join the programme
    em_t: np.ndarray                 # emissions tCO2 in plan year t
    energy_mwh: np.ndarray           # final energy MWh in plan year t
    disc_cny: dict = field(default_factory=dict)    # (measure, t) -> eligible own-like capex, CNY
    cnt: dict = field(default_factory=dict)         # (measure, t) -> 1 if adopted in the programme
    has_pv: int = 0
    ratio_T: float = 1.0             # electricity / baseline electricity in year T
    label: str = ""

    def key(self) -> tuple:
        return (tuple((a.option_id, a.year, a.mode, round(a.size, 3)) for a in self.plan), self.start_year,
                tuple(np.round(self.subsidy_cny, 0)))


class FirmModel(PlanModel):
    """PlanModel with the park's firm-side variables and a price-weighted objective (module docstring)."""

    def __init__(self, problem: Problem, allowed, measures: list[str], pool_max_cny: float, share: float):
        self.collective_measures = measures
        self.share = share
        self.pool_max_cny = pool_max_cny
        super().__init__(problem, objective="npv", allowed=allowed)
        self._exact_chain()

    def _exact_chain(self) -> None:
        """The lower McCormick side w >= R_prev - (1 - binary) for every chain item. PlanModel adds it for heat
        sources only, because with its objective more saving never hurts; the park's prices (on emissions,
        energy and the load ratio) can reward less saving, so here the product must be exact both ways."""
        m = self.m
        done = set(m.w_ge) if hasattr(m, "w_ge") else set()
        idx = [k for k in m.w if k not in done]

        def binary_of(e, n, k, g, d):
            i = self.chain_items[e][n - 1][0]
            return self.a(i, k, g) if d == -1 else m.y[i, d, k, g]
        m.w_ge_park = pyo.Constraint(idx, rule=lambda m, e, n, k, g, d: m.w[e, n, k, g, d]
                                     >= self.R_prev(e, n, k) - (1 - binary_of(e, n, k, g, d)))

    def budget(self) -> None:
        """U[t] - g[t] <= budget[t] (+ earlier flows when savings are reinvested); g and z as in the docstring."""
        p, m = self.p, self.m
        T = range(1, self.T + 1)
        m.z = pyo.Var(T, domain=pyo.Binary)
        m.one_start = pyo.Constraint(expr=sum(m.z[t] for t in T) <= 1)
        self.joined = {t: sum(m.z[s] for s in range(1, t + 1)) for t in T}
        m.share = pyo.Param(mutable=True, initialize=self.share)
        m.g = pyo.Var(T, domain=pyo.NonNegativeReals)
        u_max = sum(max(o.capex_at(o.size), 0.0) for o in p.options)
        g_max = max(min(u_max, self.pool_max_cny), 0.0)
        m.g_share = pyo.Constraint(T, rule=lambda m, t: m.g[t] <= m.share * self.U[t])
        m.g_join = pyo.Constraint(T, rule=lambda m, t: m.g[t] <= g_max * self.joined[t])
        if p.budget_cny is not None:
            b = np.asarray(p.budget_cny, dtype=float)

            def rule(m, t):
                extra = sum(self.F[k] for k in range(1, t)) if p.reinvest_savings else 0
                if not np.isfinite(b[t - 1]):
                    return pyo.Constraint.Skip
                return self.U[t] - m.g[t] <= float(b[t - 1]) + extra
            m.budget = pyo.Constraint(T, rule=rule)
        # collective procurement
        by_mt: dict = {}
        for c in self.cols:
            o = p.options[c[0]]
            if o.measure_id in measures_set(self.collective_measures) and c[2] in OWN_LIKE:
                by_mt.setdefault((o.measure_id, c[1]), []).append(c)
        self.by_mt = by_mt
        cap = {mid: sum(o.capex_at(o.size) for o in p.options if o.measure_id == mid) for mid, _ in by_mt}
        idx = list(by_mt)
        m.disc = pyo.Var(idx, domain=pyo.NonNegativeReals)
        m.cnt = pyo.Var(idx, bounds=(0, 1))
        m.disc_le = pyo.Constraint(idx, rule=lambda m, mid, t: m.disc[mid, t] <= sum(self.capex(c)
                                                                                       for c in by_mt[mid, t]))
        m.disc_join = pyo.Constraint(idx, rule=lambda m, mid, t: m.disc[mid, t] <= cap[mid] * self.joined[t])
        m.cnt_le = pyo.Constraint(idx, rule=lambda m, mid, t: m.cnt[mid, t] <= sum(m.x[c] for c in by_mt[mid, t]))
        m.cnt_join = pyo.Constraint(idx, rule=lambda m, mid, t: m.cnt[mid, t] <= self.joined[t])

    def _objective(self, min_abatement_t) -> None:
        """max npv + sum_t (df[t-1] - pi_pool[t]) g[t] - sum_t pi_start[t] z[t] - sum_t pi_em[t] em[t]
        + sum_t pi_energy[t] energy_mwh[t] + sum_{m,t} pi_disc[m,t] disc[m,t] + sum pi_cnt[m,t] cnt[m,t]
        + pi_nopv * (1 - h) + pi_ratio * ratio[T]."""
        m, p = self.m, self.p
        T = range(1, self.T + 1)
        df = discount_factors(p.econ.discount_rate, self.H)
        self.df = df
        lhv = p.fuel_lhv_kwh
        self.energy_mwh = {t: (self.E[t] + sum(lhv.get(c, 0.0) * self.fuel[t, c] for c in p.fuel_price_cny)) / 1e3
                           for t in T}
        pv_modes = list(m.pv_mode) if hasattr(m, "pv_mode") else []
        self.has_pv = sum(m.pv_mode[k] for k in pv_modes) if pv_modes else 0
        for name in ("pi_pool", "pi_start", "pi_em", "pi_energy"):
            m.add_component(name, pyo.Param(T, mutable=True, initialize=0.0))
        idx = list(self.by_mt)
        m.pi_disc = pyo.Param(idx, mutable=True, initialize=0.0)
        m.pi_cnt = pyo.Param(idx, mutable=True, initialize=0.0)
        m.pi_nopv = pyo.Param(mutable=True, initialize=0.0)
        m.pi_ratio = pyo.Param(mutable=True, initialize=0.0)
        self.cum_abatement = sum(self.em0[k] - self.em[k] for k in self.K)
        m.min_abatement = pyo.Param(initialize=0.0, mutable=True)
        self.subsidy_npv = sum(float(df[t - 1]) * m.g[t] for t in T)
        expr = self.npv + self.subsidy_npv
        expr -= sum(m.pi_pool[t] * m.g[t] + m.pi_start[t] * m.z[t] + m.pi_em[t] * self.em[t]
                    - m.pi_energy[t] * self.energy_mwh[t] for t in T)
        expr += sum(m.pi_disc[k] * m.disc[k] + m.pi_cnt[k] * m.cnt[k] for k in idx)
        expr += m.pi_nopv * (1 - self.has_pv) + m.pi_ratio * self.ratio[self.T]
        m.obj = pyo.Objective(expr=expr, sense=pyo.maximize)

    def set_prices(self, subsidy: bool, prices: dict | None) -> None:
        """Dual prices of the master; ``subsidy=False`` fixes g = 0 (the firm alone, without the park)."""
        m = self.m
        for t in m.g:
            m.g[t].setub(None if subsidy else 0.0)
        prices = prices or {}
        for name in ("pi_pool", "pi_start", "pi_em", "pi_energy"):
            vals = prices.get(name, [0.0] * self.T)
            comp = getattr(m, name)
            for t in range(1, self.T + 1):
                comp[t] = float(vals[t - 1])
        for name in ("pi_disc", "pi_cnt"):
            d = prices.get(name, {})
            comp = getattr(m, name)
            for k in self.by_mt:
                comp[k] = float(d.get(k, 0.0))
        m.pi_nopv = float(prices.get("pi_nopv", 0.0))
        m.pi_ratio = float(prices.get("pi_ratio", 0.0))

    def column(self, firm: str, label: str) -> Column:
        """The current solution as a column; the eligible capex and counts are recomputed from the plan at their
        largest value (more eligibility never hurts the master)."""
        m = self.m
        T = range(1, self.T + 1)
        v = pyo.value
        z = [v(m.z[t]) for t in T]
        start = next((t for t in T if z[t - 1] > 0.5), 0)
        g = np.array([max(float(v(m.g[t])), 0.0) for t in T])
        if start == 0:
            g[:] = 0.0
        disc, cnt = {}, {}
        for (mid, t), cs in self.by_mt.items():
            if start and t >= start:
                cap = sum(float(v(self.capex(c))) for c in cs if v(m.x[c]) > 0.5)
                if cap > 0:
                    disc[mid, t] = cap
                    cnt[mid, t] = 1
        if start and g.sum() <= 1e-6 and not disc:
            start = 0
        return Column(firm=firm, plan=self.plan(), npv_cny=float(v(self.npv)), subsidy_cny=g, start_year=start,
                      em_t=np.array([float(v(self.em[t])) for t in T]),
                      energy_mwh=np.array([float(v(self.energy_mwh[t])) for t in T]), disc_cny=disc, cnt=cnt,
                      has_pv=int(any(self.p.option(a.option_id).kind == "pv" for a in self.plan())),
                      ratio_T=float(v(self.ratio[self.T])), label=label)


def measures_set(measures) -> frozenset:
    return measures if isinstance(measures, frozenset) else frozenset(measures)


# ----------------------------------------------------------------------------------------- worker side
def _solve_quietly(fm: FirmModel, time_limit: float, gap: float):
    """Solve with the process's stdout (fd 1) sent to /dev/null: HiGHS prints harmless warnings on updates of the
    persistent model, which must not reach a JSON written to stdout."""
    import os
    import sys
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            return fm.solve(time_limit=time_limit, gap=gap, threads=1)
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_CACHE: dict[tuple[str, str], "Firm"] = {}


@dataclass
class Firm:
    """A firm's Problem, its FirmModel and the numbers the master needs about it."""

    firm_id: str
    problem: Problem
    model: FirmModel
    info: dict


def nothing_column(fm: FirmModel, firm: str) -> Column:
    p = fm.p
    T = fm.T
    em0 = np.array([fm.em0[t] for t in range(1, T + 1)], dtype=float)
    lhv = p.fuel_lhv_kwh
    e0 = (p.baseline_electricity_kwh + sum(q * lhv.get(c, 0.0) for u in p.fuel_end_uses.values()
                                            for c, q in u.items())) / 1e3
    return Column(firm=firm, plan=[], npv_cny=0.0, subsidy_cny=np.zeros(T), start_year=0, em_t=em0,
                  energy_mwh=np.full(T, e0), label="nothing")


def init_firm(run: str, spec: dict) -> dict:
    """Build (or reuse) the firm's model on this process; return its info and its first columns:
    do nothing, the standalone optimum (no park at all) and its optimum with the park subsidy at zero price."""
    from .config import Resolved
    from .planner import payback_filter
    from .site import build_problem
    from .value import pv_value_curve

    t0 = time.perf_counter()
    key = (run, spec["firm_id"])
    firm = _CACHE.get(key)
    if firm is None:
        resolved: Resolved = spec["resolved"]
        problem, ctx = build_problem(resolved)
        allowed = payback_filter(problem)
        fm = FirmModel(problem, allowed, spec["collective_measures"], spec["pool_max_cny"],
                       spec["subsidy_share"])
        info = {"firm_id": spec["firm_id"], "annual_kwh": problem.baseline_electricity_kwh,
                "em0_t": [float(fm.em0[t]) for t in range(1, fm.T + 1)],
                "measure_capex_max_cny": {mid: sum(o.capex_at(o.size) for o in problem.options if o.measure_id == mid)
                                          for mid in {k[0] for k in fm.by_mt}},
                "price_avg_cny_per_kwh": problem.average_price_cny_per_kwh}
        prof = spec.get("park_pv_profile")
        if prof is not None:
            y = float(np.sum(prof))
            qmax = max(problem.baseline_electricity_kwh / max(y, 1e-9), 1.0)
            load0 = problem.baseline_electricity_kwh * problem.load_shape
            curve = pv_value_curve(prof, load0, problem.price_cny_per_kwh, problem.export_price_cny_per_kwh,
                                   max_kwp=qmax, rel_tol=0.005)
            from .milp import _pieces
            from .park import _clean_pieces
            info["pv_pieces"] = _clean_pieces(_pieces(np.asarray(curve.breakpoints), np.asarray(curve.value_cny)))
            info["pv_qmax_kwp"] = qmax
            info["export_cny_per_kwh_pv"] = float(np.dot(problem.export_price_cny_per_kwh, prof) / max(y, 1e-9))
        if spec.get("want_load"):
            info["load_kw"] = (problem.baseline_electricity_kwh * problem.load_shape).astype(np.float32)
        if spec.get("want_price"):
            info["price"] = np.asarray(problem.price_cny_per_kwh, dtype=float)
            info["export"] = np.asarray(problem.export_price_cny_per_kwh, dtype=float)
        firm = Firm(spec["firm_id"], problem, fm, info)
        _CACHE[key] = firm
    fm = firm.model
    cols = [nothing_column(fm, firm.firm_id)]
    fm.set_prices(False, None)
    res = _solve_quietly(fm, spec.get("time_limit", 60.0), spec.get("gap", 1e-6))
    if res.plan or res.status == "optimal":
        alone = fm.column(firm.firm_id, "standalone")
        alone.start_year, alone.subsidy_cny, alone.disc_cny, alone.cnt = 0, np.zeros(fm.T), {}, {}
        cols.append(alone)
        firm.info["standalone_npv_cny"] = alone.npv_cny
        firm.info["standalone_status"] = res.status
    else:
        firm.info["standalone_npv_cny"] = 0.0
        firm.info["standalone_status"] = res.status
    fm.set_prices(True, None)
    res = _solve_quietly(fm, spec.get("time_limit", 60.0), spec.get("gap", 1e-6))
    if res.plan:
        cols.append(fm.column(firm.firm_id, "subsidised"))
    return {"info": firm.info, "columns": cols, "seconds": time.perf_counter() - t0}


def price_firm(run: str, firm_id: str, prices: dict, time_limit: float, gap: float) -> dict:
    """Re-solve the firm's model at the master's prices: the best column, its pricing value and the solver's
    bound on that value (an upper bound on the firm's best reduced cost plus its convexity dual)."""
    firm = _CACHE[(run, firm_id)]
    fm = firm.model
    fm.set_prices(True, prices)
    res = _solve_quietly(fm, time_limit, gap)
    if res.objective is None:
        return {"column": None, "value": None, "bound": res.bound, "status": res.status}
    return {"column": fm.column(firm_id, "priced"), "value": res.objective,
            "bound": res.bound if res.bound is not None else res.objective, "status": res.status}


def report_firm(run: str, firm_id: str, plan: list[Action]) -> dict:
    """Exact evaluation of the chosen plan: the actions table records (plan JSON conventions) and yearly numbers."""
    from .evaluator import evaluate
    from .planner import _actions_table
    firm = _CACHE[(run, firm_id)]
    ev = evaluate(firm.problem, plan)
    T = firm.problem.plan_years
    return {"actions": _actions_table(firm.problem, ev).to_dict(orient="records"), "npv_cny": ev.npv_cny,
            "emissions_t": [float(x) for x in ev.emissions_t[:T]],
            "baseline_emissions_t": [float(x) for x in ev.baseline_emissions_t[:T]],
            "upfront_cny_by_year": [float(sum(r.upfront_cny for r in ev.actions if r.action.year == t))
                                    for t in range(1, T + 1)]}


def drop_run(run: str) -> int:
    keys = [k for k in _CACHE if k[0] == run]
    for k in keys:
        del _CACHE[k]
    return len(keys)
