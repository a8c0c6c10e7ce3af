"""One firm of a park as a pricing subproblem of the park's column generation (``pathways.park.colgen``; the master
and its prices: ``pathways.park.master``).

``FirmModel`` is the firm's own ``PlanModel`` (all its constraint families stay inside) plus the few firm-side
variables through which the park couples firms:

* ``z[t]`` in {0,1}: the firm starts the park programme in plan year t (sum_t z[t] <= 1); joined[t] = sum_{s<=t} z[s].
* ``g[t]`` >= 0: park subsidy received at the start of year t, g[t] <= share * U[t] (share of the firm's upfront
  owner payment) and g[t] <= G * joined[t]; the firm's budget rows count g[t] as money of year t.
* ``disc[m,t]`` >= 0: own-like capex of measure m in year t that is eligible for collective procurement,
  disc[m,t] <= capex_m[t] and disc[m,t] <= M_m * joined[t]; ``cnt[m,t]`` in [0,1]: the firm adopts m in year t
  inside the programme (cnt <= sum of x of m in t, cnt <= joined[t]).
* h = sum_m pv_mode[m] in {0,1}: the firm puts PV on its own roofs (then it gets no allocation of park PV).

The pricing objective is the firm's NPV plus the park subsidy it receives (discounted) minus the dual prices of
the coupling rows times the firm's use of them (``set_prices`` of a ``pathways.park.master.Prices``); prices are
mutable Params, so the persistent HiGHS model is re-solved, never rebuilt. Firms are kept alive per process in
``_CACHE`` (a worker-local cache: with Dask each firm is pinned to one worker, so its model is built once per run).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from pathways.concurrency import HIGHS_LOCK
from pathways.energy.value import pv_value_curve
from pathways.money.economics import discount_factors
from pathways.model.evaluator import evaluate
from pathways.money.financing import MODES
from pathways.model.milp import PlanModel, clean_pieces, pin_highs_threads, pwl_pieces
from pathways.model.planner import actions_table, payback_filter
from pathways.park.master import Prices
from pathways.site.build import build_problem
from pathways.site.problem import Action, Problem

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

    # HiGHS options for these small pricing models (~60 binaries), measured on generated firms: presolve with its
    # restarts took 90 % of the time once the park's duals are non-trivial (2.7 s -> 0.18 s on the slowest
    # pricing problems of a 30-firm park, same optima within the gap); the sub-MIP heuristics RINS, RENS and
    # root reduced-cost fixing rarely find the optimum first (mean 0.28 -> 0.17 s over 40 priced solves)
    HIGHS_OPTIONS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                     "mip_heuristic_run_root_reduced_cost": False, "presolve": "off"}

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

    def funding(self, t: int):
        return self.m.g[t]

    def budget(self) -> None:
        """The owner's budget rows of ``PlanModel.budget`` with the park subsidy g[t] as extra funding of year t;
        g and z as in the module docstring."""
        p, m = self.p, self.m
        T = range(1, self.T + 1)
        m.z = pyo.Var(T, domain=pyo.Binary)
        m.one_start = pyo.Constraint(expr=sum(m.z[t] for t in T) <= 1)
        self.joined = {t: sum(m.z[s] for s in range(1, t + 1)) for t in T}
        m.g = pyo.Var(T, domain=pyo.NonNegativeReals)
        u_max = sum(max(o.capex_at(o.size), 0.0) for o in p.options)
        g_max = {t: max(min(u_max * self.share, self.pool_max_cny), 0.0) for t in T}
        b = np.asarray(p.budget_cny, dtype=float) if p.budget_cny is not None else np.full(self.T, np.inf)
        if not p.reinvest_savings and not p.budget_carry_over and self.share < 1:
            # U - g <= b and g <= share U give g <= share b / (1 - share): the tightest big-M of g_join
            for t in T:
                if np.isfinite(b[t - 1]):
                    g_max[t] = min(g_max[t], self.share * max(float(b[t - 1]), 0.0) / (1 - self.share))
        m.g_share = pyo.Constraint(T, rule=lambda m, t: m.g[t] <= self.share * self.U[t])
        m.g_join = pyo.Constraint(T, rule=lambda m, t: m.g[t] <= g_max[t] * self.joined[t])
        super().budget()
        # collective procurement
        by_mt: dict = {}
        for c in self.cols:
            o = p.options[c[0]]
            if o.measure_id in measures_set(self.collective_measures) and MODES[c[2]].owner_holds:
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
        + pi_nopv * (1 - h) + pi_ratio * ratio[T], the pi_* set from a ``Prices`` by ``set_prices``: pool =
        subsidy_pool_cny_per_cny, start = start_cny, em = emissions_cny_per_t, energy = co2_intensity_cny_per_mwh,
        disc and cnt = collective_*, nopv and ratio = shared_pv_*."""
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

    def set_prices(self, subsidy: bool, prices: Prices | None) -> None:
        """Dual prices of the master (None: zero); ``subsidy=False`` fixes g = 0 (the firm alone, without the
        park). The start rules of ``prices`` are the kernel's (``Kernel.set_prices``)."""
        m = self.m
        for t in m.g:
            m.g[t].setub(None if subsidy else 0.0)
        p = prices or Prices.zero(self.T)
        for name, vals in (("pi_pool", p.subsidy_pool_cny_per_cny), ("pi_start", p.start_cny),
                           ("pi_em", p.emissions_cny_per_t), ("pi_energy", p.co2_intensity_cny_per_mwh)):
            comp = getattr(m, name)
            for t in range(1, self.T + 1):
                comp[t] = float(vals[t - 1])
        for name, d in (("pi_disc", p.collective_capex_cny_per_cny), ("pi_cnt", p.collective_tender_cny_per_firm)):
            comp = getattr(m, name)
            for k in self.by_mt:
                comp[k] = float(d.get(k, 0.0))
        m.pi_nopv = float(p.shared_pv_no_own_pv_cny)
        m.pi_ratio = float(p.shared_pv_load_ratio_cny)


def measures_set(measures) -> frozenset:
    return measures if isinstance(measures, frozenset) else frozenset(measures)


# ----------------------------------------------------------------------------------------- pricing kernel
Form = tuple  # (constant, column indices, coefficients): a linear expression over the HiGHS columns


class Kernel:
    """A firm's pricing MILP as plain HiGHS data, built once from its ``FirmModel``; the Pyomo model is dropped.

    Every price term of the pricing objective is a linear form over the columns (``Form``), so a new set of prices
    only changes column costs: cost(pi) = npv + subsidy_npv - sum_t (pi_pool g + pi_start z + pi_em em
    - pi_energy energy)[t] + sum pi_disc disc + pi_cnt cnt - pi_nopv h + pi_ratio ratio[T] (+ pi_nopv as offset).
    A re-solve then costs HiGHS time alone (no Pyomo update), a column is read from the solution vector with numpy,
    and no Pyomo object stays alive (a 1,000-firm park peaks at 0.53 GB per worker with 500 firms each).
    The map from Pyomo variables to HiGHS columns is that of Pyomo's persistent HiGHS interface (appsi), which
    builds the HiGHS model; tests/test_park.py checks the kernel against the Pyomo model's own solves."""

    def __init__(self, fm: FirmModel):
        import highspy
        from pyomo.contrib.appsi.solvers import Highs
        from pyomo.repn import generate_standard_repn

        opt = Highs()
        with HIGHS_LOCK:                                 # appsi's output capture is process-wide
            opt.set_instance(fm.m)
            self.highs = highspy.Highs()
        vmap = opt._pyomo_var_to_solver_var_map          # id(var) -> column (appsi's own map)
        self.highs.setOptionValue("output_flag", False)
        self.highs.passModel(opt._solver_model.getModel())
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for k, v in fm.HIGHS_OPTIONS.items():
            self.highs.setOptionValue(k, v)
        self.ncol = self.highs.getNumCol()

        def form(expr) -> Form:
            if isinstance(expr, (int, float)):
                return float(expr), np.zeros(0, dtype=np.int32), np.zeros(0)
            r = generate_standard_repn(expr, compute_values=True, quadratic=False)
            idx = np.array([vmap[id(v)] for v in r.linear_vars], dtype=np.int32)
            return float(r.constant), idx, np.asarray(r.linear_coefs, dtype=float)

        m, T = fm.m, range(1, fm.T + 1)
        self.T = fm.T
        self.npv = form(fm.npv)
        self.subsidy_npv = form(fm.subsidy_npv)
        self.g = [form(m.g[t]) for t in T]
        self.z = [form(m.z[t]) for t in T]
        self.em = [form(fm.em[t]) for t in T]
        self.energy = [form(fm.energy_mwh[t]) for t in T]
        self.by_mt = {k: [(form(m.x[c]), c) for c in cs] for k, cs in fm.by_mt.items()}
        self.disc = {k: form(m.disc[k]) for k in fm.by_mt}
        self.cnt = {k: form(m.cnt[k]) for k in fm.by_mt}
        self.has_pv = form(fm.has_pv)
        self.ratio_T = form(fm.ratio[fm.T])
        self.g_cols = np.array([self.g[t - 1][1][0] for t in T], dtype=np.int32)
        self.z_cols = np.array([self.z[t - 1][1][0] for t in T], dtype=np.int32)
        self.x_cols = np.array([vmap[id(m.x[c])] for c in fm.cols], dtype=np.int32)
        self.s_cols = {c: vmap[id(m.s[c])] for c in fm.cont_cols}
        self.cols = list(fm.cols)
        self.options = fm.p.options

    def _add(self, cost: np.ndarray, f: Form, w: float) -> float:
        if w:
            np.add.at(cost, f[1], w * f[2])
        return w * f[0]

    def set_prices(self, subsidy: bool, prices: Prices | None) -> None:
        """The pricing objective at ``prices`` (``FirmModel.set_prices``; None: zero) and its start rules;
        ``subsidy=False``: g = 0 (alone)."""
        import highspy
        p = prices or Prices.zero(self.T)
        start, em = p.start_cny, p.emissions_cny_per_t
        cost = np.zeros(self.ncol)
        off = self._add(cost, self.npv, 1.0) + self._add(cost, self.subsidy_npv, 1.0)
        for t in range(self.T):
            off += self._add(cost, self.g[t], -float(p.subsidy_pool_cny_per_cny[t]))
            off += self._add(cost, self.z[t], -float(start[t]))
            off += self._add(cost, self.em[t], -float(em[t]))
            off += self._add(cost, self.energy[t], float(p.co2_intensity_cny_per_mwh[t]))
        for k in self.disc:
            off += self._add(cost, self.disc[k], float(p.collective_capex_cny_per_cny.get(k, 0.0)))
            off += self._add(cost, self.cnt[k], float(p.collective_tender_cny_per_firm.get(k, 0.0)))
        nopv = float(p.shared_pv_no_own_pv_cny)
        off += nopv + self._add(cost, self.has_pv, -nopv)
        off += self._add(cost, self.ratio_T, float(p.shared_pv_load_ratio_cny))
        self.highs.changeColsCost(self.ncol, np.arange(self.ncol, dtype=np.int32), cost)
        self.highs.changeObjectiveOffset(off)
        ub = highspy.kHighsInf if subsidy else 0.0
        self.highs.changeColsBounds(len(self.g_cols), self.g_cols, np.zeros(len(self.g_cols)),
                                    np.full(len(self.g_cols), ub))
        # roll-out queue: no start in years 2 .. earliest - 1 (``pathways.park.data.rollout_queue``)
        e = int(p.earliest_later_start_year)
        z_ub = np.array([1.0 if t == 1 or t >= e else 0.0 for t in range(1, self.T + 1)])
        z_lb = np.zeros(self.T)
        if p.force_start_year is not None:        # 0: outside the programme; t: starts in year t
            z_lb = np.array([1.0 if t == p.force_start_year else 0.0 for t in range(1, self.T + 1)])
            z_ub = np.minimum(z_ub, z_lb)
        self.highs.changeColsBounds(self.T, self.z_cols, z_lb, z_ub)

    def solve(self, time_limit: float, gap: float) -> dict:
        """Solve; the pricing value, HiGHS's bound on it (valid at a time limit) and the solution vector. The wait
        for ``HIGHS_LOCK`` counts against ``time_limit`` (``PlanModel.solve``)."""
        h = self.highs
        h.setOptionValue("threads", 1)
        h.setOptionValue("mip_rel_gap", float(gap))
        t0 = time.perf_counter()
        # HiGHS's scheduler is process-wide (``pathways.concurrency``)
        if not HIGHS_LOCK.acquire(timeout=min(max(float(time_limit), 0.0), 1e6)):
            return {"status": "time_limit", "objective": None, "bound": None, "x": None}
        try:
            h.setOptionValue("time_limit", max(float(time_limit) - (time.perf_counter() - t0), 0.1))
            pin_highs_threads(1)
            h.run()
        finally:
            HIGHS_LOCK.release()
        info = h.getInfo()
        status = h.getModelStatus()
        import highspy
        st = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kInfeasible: "infeasible",
              highspy.HighsModelStatus.kTimeLimit: "time_limit"}.get(status, "error")
        has_sol = info.primal_solution_status == 2
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        if bound is None and st == "optimal":
            bound = float(info.objective_function_value)
        return {"status": st, "objective": float(info.objective_function_value) if has_sol else None,
                "bound": bound, "x": np.asarray(h.getSolution().col_value) if has_sol else None}

    def relaxation_bound(self, time_limit: float = 10.0) -> float | None:
        """An upper bound on the firm's pricing value at zero prices with the park subsidy allowed (P_f(0) in
        ``pathways.park.master.Master.lagrangian``): the optimum of the kernel's LP relaxation (a copy with integrality
        dropped; milliseconds). None unless HiGHS solves that LP to optimality."""
        import highspy
        self.set_prices(True, None)
        lp = self.highs.getLp()
        lp.integrality_ = []
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("time_limit", max(float(time_limit), 0.1))
        h.passModel(lp)
        with HIGHS_LOCK:
            pin_highs_threads(1)
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return float(h.getInfo().objective_function_value)

    @staticmethod
    def value(f: Form, x: np.ndarray) -> float:
        return f[0] + float(np.dot(f[2], x[f[1]])) if len(f[1]) else f[0]

    def plan(self, x: np.ndarray) -> list[Action]:
        out = []
        for c, j in zip(self.cols, self.x_cols):
            if x[j] > 0.5:
                o = self.options[c[0]]
                size = float(x[self.s_cols[c]]) if o.continuous else o.size
                out.append(Action(o.option_id, c[1], c[2], size))
        return sorted(out, key=lambda a: (a.year, a.option_id))

    def column(self, x: np.ndarray, firm: str, label: str) -> Column:
        """The solution ``x`` as a column (``FirmModel.column``: eligible capex and counts at their largest)."""
        T = range(1, self.T + 1)
        val = self.value
        z = [val(self.z[t - 1], x) for t in T]
        start = next((t for t in T if z[t - 1] > 0.5), 0)
        g = np.array([max(val(self.g[t - 1], x), 0.0) for t in T])
        if start == 0:
            g[:] = 0.0
        disc, cnt = {}, {}
        for (mid, t), cs in self.by_mt.items():
            if start and t >= start:
                cap = 0.0
                for fx, c in cs:
                    if val(fx, x) > 0.5:
                        o = self.options[c[0]]
                        cap += o.capex_cny + (o.capex_cny_per_unit * float(x[self.s_cols[c]]) if o.continuous
                                              else 0.0)
                if cap > 0:
                    disc[mid, t] = cap
                    cnt[mid, t] = 1
        if start and g.sum() <= 1e-6 and not disc:
            start = 0
        plan = self.plan(x)
        return Column(firm=firm, plan=plan, npv_cny=val(self.npv, x), subsidy_cny=g, start_year=start,
                      em_t=np.array([val(self.em[t - 1], x) for t in T]),
                      energy_mwh=np.array([val(self.energy[t - 1], x) for t in T]), disc_cny=disc, cnt=cnt,
                      has_pv=int(any(self.options[c[0]].kind == "pv" and x[j] > 0.5
                                     for c, j in zip(self.cols, self.x_cols))),
                      ratio_T=val(self.ratio_T, x), label=label)


# ----------------------------------------------------------------------------------------- worker side
_CACHE: dict[tuple[str, str], "Firm"] = {}


@dataclass
class Firm:
    """A firm's Problem, its pricing kernel and the numbers the master needs about it."""

    firm_id: str
    problem: Problem
    kernel: Kernel | None            # None: not built before the park's build deadline (do nothing only)
    info: dict


def nothing_column(p: Problem, firm: str) -> Column:
    """The firm's do-nothing plan: baseline emissions (as ``PlanModel.em0``) and final energy in every plan year."""
    T = p.plan_years
    base_fuel_co2 = sum(v * p.fuel_co2_t[c] for q in p.fuel_end_uses.values() for c, v in q.items())
    em0 = np.array([p.grid_co2_t_per_kwh[t - 1] * p.baseline_electricity_kwh + base_fuel_co2
                    for t in range(1, T + 1)], dtype=float)
    lhv = p.fuel_lhv_kwh
    e0 = (p.baseline_electricity_kwh + sum(q * lhv.get(c, 0.0) for u in p.fuel_end_uses.values()
                                            for c, q in u.items())) / 1e3
    return Column(firm=firm, plan=[], npv_cny=0.0, subsidy_cny=np.zeros(T), start_year=0, em_t=em0,
                  energy_mwh=np.full(T, e0), label="nothing")


def build_firm(spec: dict) -> tuple[Problem, FirmModel, dict]:
    """The firm's Problem, its FirmModel and the numbers the master needs (no solve)."""
    problem, _ = build_problem(spec["resolved"])
    allowed = payback_filter(problem)
    fm = FirmModel(problem, allowed, spec["collective_measures"], spec["pool_max_cny"], spec["subsidy_share"])
    return problem, fm, firm_info(spec, problem, {k[0] for k in fm.by_mt})


def firm_info(spec: dict, problem: Problem, measures=None) -> dict:
    """The numbers the master needs about a firm. ``measures``: its measures open to collective procurement;
    None for a firm that is not built (no park PV allocation, no tenders: it can only do nothing)."""
    nothing = nothing_column(problem, spec["firm_id"])
    info = {"firm_id": spec["firm_id"], "annual_kwh": problem.baseline_electricity_kwh,
            "em0_t": nothing.em_t.tolist(), "_nothing": nothing, "baseline_energy_mwh": float(nothing.energy_mwh[0]),
            "measure_capex_max_cny": {mid: sum(o.capex_at(o.size) for o in problem.options if o.measure_id == mid)
                                      for mid in measures or ()},
            "price_avg_cny_per_kwh": problem.average_price_cny_per_kwh, "built": measures is not None}
    prof = spec.get("park_pv_profile")
    if prof is not None and measures is None:
        y = float(np.sum(prof))
        info["pv_pieces"], info["pv_qmax_kwp"] = [], 0.0
        info["export_cny_per_kwh_pv"] = float(np.dot(problem.export_price_cny_per_kwh, prof) / max(y, 1e-9))
    elif prof is not None:
        y = float(np.sum(prof))
        qmax = max(problem.baseline_electricity_kwh / max(y, 1e-9), 1.0)
        load0 = problem.baseline_electricity_kwh * problem.load_shape
        curve = pv_value_curve(prof, load0, problem.price_cny_per_kwh, problem.export_price_cny_per_kwh,
                               max_kwp=qmax, rel_tol=0.005)
        info["pv_pieces"] = clean_pieces(pwl_pieces(np.asarray(curve.breakpoints), np.asarray(curve.value_cny)))
        info["pv_qmax_kwp"] = qmax
        info["export_cny_per_kwh_pv"] = float(np.dot(problem.export_price_cny_per_kwh, prof) / max(y, 1e-9))
    if spec.get("want_load"):
        info["load_kw"] = (problem.baseline_electricity_kwh * problem.load_shape).astype(np.float32)
    if spec.get("want_price"):
        info["price"] = np.asarray(problem.price_cny_per_kwh, dtype=float)
        info["export"] = np.asarray(problem.export_price_cny_per_kwh, dtype=float)
    return info


def seconds_left(deadline_unix: float | None) -> float:
    """Seconds to a deadline on the wall clock (``time.time()``, common to the park's Dask workers); inf if None."""
    return float("inf") if deadline_unix is None else deadline_unix - time.time()


def init_firm(run: str, spec: dict) -> dict:
    """Build (or reuse) the firm's pricing kernel on this process; return its info and its first columns: do
    nothing and the standalone optimum (no park at all). The first round of pricing gives the plan with the park
    subsidy (with no subsidy column yet, the pool row is slack and its price zero).

    ``spec["deadline_unix"]`` (None: none) bounds the build and the standalone solve: a firm whose turn comes after
    it is not built (its Problem only) and keeps only its do-nothing column; the standalone solve gets at most what
    is left. A built firm's ``zero_price_bound_cny`` (``Kernel.relaxation_bound``) is its share of the park's
    trivial bound."""
    t0 = time.perf_counter()
    key = (run, spec["firm_id"])
    deadline = spec.get("deadline_unix")
    firm = _CACHE.get(key)
    if firm is None and seconds_left(deadline) <= 0:
        problem, _ = build_problem(spec["resolved"])
        firm = _CACHE[key] = Firm(spec["firm_id"], problem, None, firm_info(spec, problem))
    elif firm is None:
        problem, fm, info = build_firm(spec)
        kernel = Kernel(fm)
        info["zero_price_bound_cny"] = kernel.relaxation_bound()
        firm = _CACHE[key] = Firm(spec["firm_id"], problem, kernel, info)
        del fm
    k = firm.kernel
    cols = [firm.info["_nothing"]]
    left = seconds_left(deadline)
    if k is None or left <= 0:
        firm.info["standalone_npv_cny"] = 0.0
        firm.info["standalone_status"] = "not_built" if k is None else "not_solved"
        info = {k2: v for k2, v in firm.info.items() if not k2.startswith("_")}
        return {"info": info, "columns": cols, "seconds": time.perf_counter() - t0}
    k.set_prices(False, None)
    res = k.solve(min(spec.get("time_limit", 60.0), left), spec.get("gap", 1e-6))
    if res["x"] is not None:
        alone = k.column(res["x"], firm.firm_id, "standalone")
        alone.start_year, alone.subsidy_cny, alone.disc_cny, alone.cnt = 0, np.zeros(k.T), {}, {}
        cols.append(alone)
        firm.info["standalone_npv_cny"] = alone.npv_cny
    else:
        firm.info["standalone_npv_cny"] = 0.0
    firm.info["standalone_status"] = res["status"]
    info = {k2: v for k2, v in firm.info.items() if not k2.startswith("_")}
    return {"info": info, "columns": cols, "seconds": time.perf_counter() - t0}


def price_firm(run: str, firm_id: str, prices: Prices, time_limit: float, gap: float,
               deadline_unix: float | None = None) -> dict:
    """Re-solve the firm's kernel at the master's prices: the best column, its pricing value and the solver's
    bound on that value (an upper bound on the firm's best reduced cost plus its convexity dual). A firm not
    built, or whose turn comes after ``deadline_unix``, is not priced (status ``not_priced``, no bound)."""
    k = _CACHE[(run, firm_id)].kernel
    left = seconds_left(deadline_unix)
    if k is None or left <= 0:
        return {"column": None, "value": None, "bound": None, "status": "not_priced"}
    k.set_prices(True, prices)
    res = k.solve(min(time_limit, left), gap)
    if res["x"] is None:
        return {"column": None, "value": None, "bound": res["bound"], "status": res["status"]}
    return {"column": k.column(res["x"], firm_id, "priced"), "value": res["objective"], "bound": res["bound"],
            "status": res["status"]}


def report_firm(run: str, firm_id: str, plan: list[Action]) -> dict:
    """Exact evaluation of the chosen plan: the actions table records (plan JSON conventions) and yearly numbers."""
    firm = _CACHE[(run, firm_id)]
    ev = evaluate(firm.problem, plan)
    T = firm.problem.plan_years
    return {"actions": actions_table(firm.problem, ev).to_dict(orient="records"), "npv_cny": ev.npv_cny,
            "emissions_t": [float(x) for x in ev.emissions_t[:T]],
            "baseline_emissions_t": [float(x) for x in ev.baseline_emissions_t[:T]],
            "upfront_cny_by_year": [float(sum(r.upfront_cny for r in ev.actions if r.action.year == t))
                                    for t in range(1, T + 1)]}


def drop_run(run: str) -> int:
    keys = [k for k in _CACHE if k[0] == run]
    for k in keys:
        del _CACHE[k]
    return len(keys)
