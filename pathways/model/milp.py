"""Multi-year MILP of one site (Pyomo, solved by HiGHS through Pyomo's persistent appsi interface).

Notation: options o (measure x roof segment or size step), plan years t = 1..T, years k = 1..H, modes m.
x[o,t,m] in {0,1} adopts option o in year t with mode m; s[o,t,m] >= 0 is its size for PV (kWp) and batteries
(kWh). a[o,k,g] = sum of x[o,t,m] over the (t,m) with t <= k in contract group g (assets are replaced like for
like at the end of their lives, so an option adopted stays active to the horizon; g = all; g = a mode m whose
contract settles on the plan's energy (the measured saving of storage, the savings of hosted end uses): the (t,m)
within its contract term, for the contract payments). The financing modes and their cash formulas are those of
``pathways.money.financing``: a contract's cash on what is known per action (capex, roof area, deemed saving,
baseline cost of hosted end uses) enters per column, its coefficients on energy quantities weight the
linearisations of those quantities.

Energy (exact linearisation of the evaluator's model, ``pathways.site.problem``): for every end use e and plan year
k = 1..T (later years repeat year T, since the active set no longer changes) the remaining fraction R[e,n,k]
after the n-th option of its chain is
    R[e,n,k] = R[e,n-1,k] - f_n * sum_g w[e,n,k,g] - f_n * sum_d b_d * wb[e,n,k,d],
where w = R[e,n-1,k] * a[o_n,k,g] and wb = R[e,n-1,k] * (a[o_n,k] AND a[d,k]) (digital boost d) are products of a
variable in [0,1] with a binary, written exactly with McCormick inequalities (the lower inequality only for heat
sources: elsewhere the objective and every constraint prefer a larger w, so w sits at R * a). Electricity
E[k] = sum_e B_e R[e,last,k] + heat-pump electricity - absolute savings; the hourly load is E[k]/E0 times the
baseline load (``ratio[k]``). PV value uses the concave piecewise-linear curve V(P) of the baseline load
(``pathways.energy.value``); because V(P; r) = r V(P/r) for a load scaled by r, the value is the hypograph
    v[k] <= alpha_j * ratio[k] + beta_j * P[k]   for every piece j,
exact up to the curve's interpolation error (below ``pv_curve_tolerance``) and exact when all segments share one
profile shape; the evaluator reports the exact hourly number and the result says which one is shown.

Constraint families (one function each below): adopt_at_most_once, exclusive_groups, one_hosting_per_end_use,
one_pv_mode, prerequisites, roof_area, budget, portfolio_payback, co2_target, chain (energy), management_cap,
pv_value, battery_value, carbon_revenue. Replacement costs and residual values follow
``financing.replacement_schedule``.
Per-action payback limits are applied before the model is built (options or PV sizes beyond the limit are not
offered; the action is judged alone on the baseline site).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from pathways.concurrency import HIGHS_LOCK
from pathways.energy.value import exact_pv_value, pv_value_curve
from pathways.money.economics import discount_factors, straight_line
from pathways.money.financing import MODES, ContractYear, Financing, contract_coefficients, replacement_schedule
from pathways.model.evaluator import battery_fade, hosted_baseline_cost, hosted_end_uses, pv_reference, storage_dispatch
from pathways.site.problem import Action, Problem, chains, deemed_saving_cny

GROUPS = ("all",)
# The constraint families, one method of PlanModel each (docs/methodology.md documents each by this name).
CONSTRAINT_FAMILIES = ("adopt_at_most_once", "exclusive_groups", "one_hosting_per_end_use", "one_pv_mode",
                       "prerequisites", "roof_area", "chain", "management_cap", "pv_value", "battery_value",
                       "carbon_revenue",
                       "hosting_take", "min_ticket", "budget", "portfolio_payback", "co2_target")


_HIGHS_THREADS: tuple[int, int] | None = None


def pin_highs_threads(threads: int) -> None:
    """Give HiGHS's process-wide scheduler ``threads`` threads. The scheduler starts with the first solve of a
    process and a later solve asking for another count fails, so the scheduler is reset when the count changes."""
    global _HIGHS_THREADS
    import threading
    key = (threading.get_ident(), threads)    # HiGHS keeps scheduler state per calling thread too
    if _HIGHS_THREADS == key:
        return
    import highspy
    with HIGHS_LOCK:                         # never while another thread solves (``pathways.concurrency``)
        highspy.Highs.resetGlobalScheduler(True)
        h = highspy.Highs()                  # the first run after a reset starts the scheduler with its count
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", threads)
        h.addVar(0.0, 1.0)
        h.run()
        _HIGHS_THREADS = key


@dataclass
class SolveResult:
    status: str                    # optimal | time_limit | infeasible | error
    objective: float | None
    bound: float | None
    mip_gap: float | None
    solve_seconds: float
    build_seconds: float
    plan: list[Action] = field(default_factory=list)
    message: str = ""


def pv_curves(problem: Problem, key: str, max_kwp: float) -> dict[str, np.ndarray]:
    """Breakpoints (kWp) of the PV value curve on the baseline load (``pathways.energy.value.pv_value_curve``), with the
    exact total value (CNY/yr), self-consumption value (CNY/yr) and self-consumed kWh at each breakpoint."""
    load0 = problem.baseline_electricity_kwh * problem.load_shape
    profile = problem.pv_profiles[key]
    curve = pv_value_curve(profile, load0, problem.price_cny_per_kwh, problem.export_price_cny_per_kwh,
                           max_kwp=max_kwp, rel_tol=problem.pv_curve_tolerance)
    bp = np.asarray(curve.breakpoints, dtype=float)
    used = np.minimum(load0[None, :], bp[:, None] * profile[None, :])
    return {"kwp": bp, "value_cny": np.asarray(curve.value_cny, dtype=float),
            "self_value_cny": used @ problem.price_cny_per_kwh, "self_kwh": used.sum(axis=1)}


def solve_with_storage_cuts(pm: "PlanModel", time_limit: float = 60.0, gap: float = 1e-6, threads: int | None = None,
                            rel_tol: float = 0.01, max_rounds: int = 10) -> SolveResult:
    """Solve, then while the chosen plan's battery value in the MILP exceeds the dispatch LP's at the same usable kWh,
    PV and load by more than ``rel_tol``, add the tangent planes there and re-solve (``PlanModel.storage_cuts``).
    Every plane bounds the LP value from above, so each re-solve's objective is an upper bound and the loop stops
    when the plan's value matches. The time limit covers all rounds; ``pm.storage_rounds`` / ``storage_seconds``
    count the re-solves and their time; a round that finds no plan in the time left keeps the previous plan."""
    t0 = time.perf_counter()
    res = pm.solve(time_limit=time_limit, gap=gap, threads=threads)
    first = res.solve_seconds
    while res.plan and pm.storage_rounds < max_rounds and pm.storage_cuts(rel_tol):
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            break
        again = pm.solve(time_limit=left, gap=gap, threads=threads)
        pm.storage_rounds += 1
        if again.objective is None:
            break
        res = again
    pm.storage_seconds = time.perf_counter() - t0 - first
    res.solve_seconds = time.perf_counter() - t0
    return res


def pwl_pieces(x: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    """(intercept, slope) of each segment of a concave PWL given by breakpoints; the last extends to infinity."""
    out = []
    for j in range(len(x) - 1):
        if x[j + 1] <= x[j]:
            continue
        b = (y[j + 1] - y[j]) / (x[j + 1] - x[j])
        out.append((float(y[j] - b * x[j]), float(b)))
    return out


def clean_pieces(pieces: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated pieces of a (nearly) linear curve and round-off intercepts of the first piece (V(0) = 0)."""
    scale = max([abs(a) for a, _ in pieces] + [1.0])
    out: list[tuple[float, float]] = []
    for a, b in pieces:
        a = 0.0 if abs(a) <= 1e-9 * scale else a
        if not any(abs(a - a2) <= 1e-9 * scale and abs(b - b2) <= 1e-9 * max(abs(b), 1.0) for a2, b2 in out):
            out.append((max(a, 0.0), b))
    return out


class PlanModel:
    """Builds the Pyomo model once; ``solve`` can be called again after changing mutable parameters."""

    HIGHS_OPTIONS: dict = {}     # extra HiGHS options of every solve of this model class
    ABS_GAP_CNY = 1e-6           # HiGHS's default mip_abs_gap: a plan this close to the bound is optimal

    def __init__(self, problem: Problem, objective: str = "npv", allowed: dict | None = None,
                 min_abatement_t: float | None = None):
        t0 = time.perf_counter()
        self.p = problem
        self.objective_kind = objective
        self.allowed = allowed  # {(option_id, mode): max_size or None} after payback filtering
        self.m = pyo.ConcreteModel()
        self._index()
        self._variables()
        self.adopt_at_most_once()
        self.exclusive_groups()
        self.one_hosting_per_end_use()
        self.one_pv_mode()
        self.prerequisites()
        self.roof_area()
        self.chain()
        self.management_cap()
        self.pv_value()
        self.battery_value()
        self.carbon_revenue()
        self.hosting_take()
        self._cash_flows()
        self.min_ticket()
        self.budget()
        self.portfolio_payback()
        self.co2_target()
        self._objective(min_abatement_t)
        self.build_seconds = time.perf_counter() - t0

    # ------------------------------------------------------------------ index sets
    def _index(self) -> None:
        p = self.p
        T, H = p.plan_years, p.horizon
        self.T, self.H = T, H
        self.K = list(range(1, H + 1))
        # Assets are replaced at the end of their lives, so the set of active options only grows in plan years
        # and stays as in year T afterwards: the energy chains are needed for k = 1..T only.
        self.KC = list(range(1, T + 1))
        cols = []
        for i, o in enumerate(p.options):
            for mode in o.modes:
                if self.allowed is not None and (o.option_id, mode) not in self.allowed:
                    continue
                for t in range(1, T + 1):
                    cols.append((i, t, mode))
        self.cols = cols
        self.cont_cols = [c for c in cols if p.options[c[0]].continuous]
        self.alive = {}      # (i, k, g) -> list of cols
        self._coef_cache = {}
        for c in cols:
            i, t, mode = c
            o = p.options[i]
            term = MODES[mode].term_years(p.terms(mode, o.asset_class))
            measured = self.energy_coefficient(c, "measured_saving_cny")
            if measured and o.kind != "battery":
                raise NotImplementedError(f"financing mode {mode!r} settles on the measured saving of {o.option_id}: "
                                          "the MILP knows the measured saving of storage only")
            # g = the mode, within the term of a contract that settles on the plan's energy (storage savings,
            # the savings of hosted end uses)
            settles = bool(measured or self.energy_coefficient(c, "hosted_saving_cny"))
            for k in range(t, H + 1):          # replaced like for like at the end of each life
                if settles and k - t + 1 <= term:
                    self.alive.setdefault((i, k, mode), []).append(c)
                self.alive.setdefault((i, k, "all"), []).append(c)
        self.chain_items = chains(p)
        measure_opts: dict[str, list[int]] = {}
        for i, o in enumerate(p.options):
            measure_opts.setdefault(o.measure_id, []).append(i)
        self.measure_opts = measure_opts

    def energy_coefficient(self, c, basis: str) -> float:
        """Coefficient of an energy quantity (``financing.ENERGY_BASES``) in the contract cash of column c."""
        o = self.p.options[c[0]]
        key = (c[2], o.asset_class, o.kind == "battery")
        if key not in self._coef_cache:
            self._coef_cache[key] = contract_coefficients(MODES[c[2]], self.p.terms(c[2], o.asset_class), key[2])
        return self._coef_cache[key][basis]

    def a(self, i: int, k: int, g: str = "all"):
        cols = self.alive.get((i, k, g), [])
        return sum(self.m.x[c] for c in cols) if cols else 0

    def size_alive(self, i: int, k: int, weight=None):
        """Sum of sizes of option i alive in year k (times weight(col, age) if given)."""
        expr = 0
        for c in self.alive.get((i, k, "all"), []):
            w = 1.0 if weight is None else weight(c, k - c[1] + 1)
            if w:
                expr += w * self.m.s[c]
        return expr

    # ------------------------------------------------------------------ variables
    def _variables(self) -> None:
        m, p = self.m, self.p
        m.x = pyo.Var(self.cols, domain=pyo.Binary)
        m.s = pyo.Var(self.cont_cols, domain=pyo.NonNegativeReals)
        max_size = {}
        for c in self.cont_cols:
            o = p.options[c[0]]
            cap = self.allowed.get((o.option_id, c[2])) if self.allowed else None
            max_size[c] = o.size if cap is None else min(o.size, cap)
        m.size_link = pyo.Constraint(self.cont_cols, rule=lambda m, *c: m.s[c] <= max_size[c] * m.x[c])
        # upfront subsidy: min(share * capex, cap), as a hypograph (it is a benefit); only where a share exists
        sub_cols = [c for c in self.cols if p.options[c[0]].subsidy_capex_share > 0]
        m.sub_v = pyo.Var(sub_cols, domain=pyo.NonNegativeReals)

        def sub_share(m, *c):
            o = p.options[c[0]]
            capex = o.capex_cny * m.x[c] + (o.capex_cny_per_unit * m.s[c] if o.continuous else 0)
            return m.sub_v[c] <= o.subsidy_capex_share * capex
        m.sub_share = pyo.Constraint(sub_cols, rule=sub_share)
        capped = [c for c in sub_cols if np.isfinite(p.options[c[0]].subsidy_cap_cny)]
        m.sub_cap = pyo.Constraint(capped, rule=lambda m, *c: m.sub_v[c] <= p.options[c[0]].subsidy_cap_cny * m.x[c])
        self.sub = {c: (m.sub_v[c] if c in m.sub_v else 0) for c in self.cols}

    def capex(self, c):
        o = self.p.options[c[0]]
        return o.capex_cny * self.m.x[c] + (o.capex_cny_per_unit * self.m.s[c] if o.continuous else 0)

    def size(self, c):
        return self.m.s[c] if self.p.options[c[0]].continuous else self.p.options[c[0]].size * self.m.x[c]

    # ------------------------------------------------------------------ constraint families
    def adopt_at_most_once(self) -> None:
        """sum_{t,m} x[o,t,m] <= 1 for every option o."""
        by_opt: dict[int, list] = {}
        for c in self.cols:
            by_opt.setdefault(c[0], []).append(c)
        self.m.adopt_at_most_once = pyo.Constraint(list(by_opt), rule=lambda m, i: sum(m.x[c] for c in by_opt[i]) <= 1)

    def exclusive_groups(self) -> None:
        """sum over options o in group G, years and modes of x[o,t,m] <= 1 (BAPV vs BIPV on a segment, one heat
        source, ...)."""
        groups: dict[str, list] = {}
        for c in self.cols:
            for g in self.p.options[c[0]].exclusive_groups:
                groups.setdefault(g, []).append(c)
        groups = {g: cs for g, cs in groups.items() if len({c[0] for c in cs}) > 1}
        self.m.exclusive_groups = pyo.Constraint(list(groups), rule=lambda m, g: sum(m.x[c] for c in groups[g]) <= 1)

    def one_hosting_per_end_use(self) -> None:
        """An energy-cost hosting contract covers a whole end use: sum over options acting on end use e of
        x[o,t,m] <= 1, m the modes whose contract takes the savings of the hosted end uses."""
        by_end_use: dict[str, list] = {}
        for c in self.cols:
            if not self.energy_coefficient(c, "hosted_saving_cny"):
                continue
            o = self.p.options[c[0]]
            for e in {e for e, _ in o.effects} | ({o.heat_end_use} if o.heat_end_use else set()):
                by_end_use.setdefault(e, []).append(c)
        rows = [e for e, cs in by_end_use.items() if len({c[0] for c in cs}) > 1]
        self.m.one_hosting_per_end_use = pyo.Constraint(rows, rule=lambda m, e: sum(m.x[c] for c in by_end_use[e]) <= 1)

    def one_pv_mode(self) -> None:
        """PV on all segments of a site uses one financing mode: x[o,t,m] <= z[m], sum_m z[m] <= 1."""
        pv_cols = [c for c in self.cols if self.p.options[c[0]].kind == "pv"]
        modes = sorted({c[2] for c in pv_cols})
        self.m.pv_mode = pyo.Var(modes, domain=pyo.Binary)
        self.m.pv_mode_link = pyo.Constraint(pv_cols, rule=lambda m, *c: m.x[c] <= m.pv_mode[c[2]])
        if modes:
            self.m.one_pv_mode = pyo.Constraint(expr=sum(self.m.pv_mode[mm] for mm in modes) <= 1)

    def prerequisites(self) -> None:
        """For option o of a measure needing measure q: sum_{t'<=t,m} x[o,t',m] <= sum_{o' of q, t'<=t, m} x[o',t',m]
        (the prerequisite is adopted in the same year or earlier). A missing prerequisite forbids o."""
        rows = []
        for i, o in enumerate(self.p.options):
            for q in o.prerequisites:
                for t in range(1, self.T + 1):
                    rows.append((i, q, t))
        by_opt_year = {}
        for c in self.cols:
            by_opt_year.setdefault((c[0], c[1]), []).append(c)

        def upto(i, t):
            return sum(self.m.x[c] for tt in range(1, t + 1) for c in by_opt_year.get((i, tt), []))

        def rule(m, i, q, t):
            lhs = upto(i, t)
            if isinstance(lhs, int):
                return pyo.Constraint.Skip
            rhs = sum(upto(j, t) for j in self.measure_opts.get(q, []))
            return lhs <= rhs
        self.m.prerequisites = pyo.Constraint(rows, rule=rule)

    def roof_area(self) -> None:
        """sum over options o sized on roof r (PV) of area_per_kWp(o) * s[o,t,m] <= usable area of r."""
        roofs: dict[str, list] = {}
        for c in self.cont_cols:
            o = self.p.options[c[0]]
            if o.roof_id in self.p.roof_area_m2:
                roofs.setdefault(o.roof_id, []).append(c)
        self.m.roof_area = pyo.Constraint(list(roofs), rule=lambda m, r: sum(
            self.p.options[c[0]].area_m2_per_unit * m.s[c] for c in roofs[r]) <= self.p.roof_area_m2[r])

    def chain(self) -> None:
        """R[e,n,k] = R[e,n-1,k] - f_n (sum_g w[e,n,k,g] + sum_d b_d wb[e,n,k,d]); w, wb McCormick-exact."""
        m, p = self.m, self.p
        R_idx, w_idx, y_idx = [], [], []
        for e, items in self.chain_items.items():
            for n, (i, f) in enumerate(items, start=1):
                o = p.options[i]
                boosters = [] if o.heat_end_use == e else [
                    (d, p.options[d].enables[o.measure_id]) for d in range(len(p.options))
                    if o.measure_id in p.options[d].enables]
                for k in self.KC:
                    if not any((i, k, g) in self.alive for g in GROUPS):
                        continue
                    R_idx.append((e, n, k))
                    for g in GROUPS:
                        if (i, k, g) in self.alive:
                            w_idx.append((e, n, k, g, -1))
                            for d, _ in boosters:
                                if (d, k, "all") in self.alive:
                                    w_idx.append((e, n, k, g, d))
                                    y_idx.append((i, d, k, g))
        m.R = pyo.Var(R_idx, bounds=(0, 1))
        m.w = pyo.Var(w_idx, bounds=(0, 1))
        y_idx = sorted(set(y_idx))
        m.y = pyo.Var(y_idx, bounds=(0, 1))
        m.y_le_a = pyo.Constraint(y_idx, rule=lambda m, i, d, k, g: m.y[i, d, k, g] <= self.a(i, k, g))
        m.y_le_d = pyo.Constraint(y_idx, rule=lambda m, i, d, k, g: m.y[i, d, k, g] <= self.a(d, k))
        m.y_ge = pyo.Constraint(y_idx, rule=lambda m, i, d, k, g:
                                m.y[i, d, k, g] >= self.a(i, k, g) + self.a(d, k) - 1)
        R_set = set(R_idx)
        self.R_last = {}
        for e, items in self.chain_items.items():
            for k in self.KC:
                last = max((n for n in range(1, len(items) + 1) if (e, n, k) in R_set), default=None)
                self.R_last[e, k] = m.R[e, last, k] if last else 1.0

        def R_prev(e, n, k):
            for nn in range(n - 1, 0, -1):
                if (e, nn, k) in R_set:
                    return m.R[e, nn, k]
            return 1.0
        self.R_prev = R_prev

        def binary_of(e, n, k, g, d):
            i = self.chain_items[e][n - 1][0]
            return self.a(i, k, g) if d == -1 else m.y[i, d, k, g]

        m.w_le_bin = pyo.Constraint(w_idx, rule=lambda m, e, n, k, g, d: m.w[e, n, k, g, d] <= binary_of(e, n, k, g, d))
        m.w_le_R = pyo.Constraint(w_idx, rule=lambda m, e, n, k, g, d: m.w[e, n, k, g, d] <= R_prev(e, n, k))
        # The lower McCormick bound is needed only where a larger w can hurt: heat sources (they add electricity).
        # For every other item more saving never lowers the objective or raises emissions (the PV hypograph
        # slopes satisfy alpha_j <= C0 and gamma_j <= E0), so w settles on its upper bound R_prev * a anyway.
        heat_w = [key for key in w_idx if p.options[self.chain_items[key[0]][key[1] - 1][0]].heat_end_use == key[0]]
        m.w_ge = pyo.Constraint(heat_w, rule=lambda m, e, n, k, g, d:
                                m.w[e, n, k, g, d] >= R_prev(e, n, k) - (1 - binary_of(e, n, k, g, d)))
        w_by = {}
        for key in w_idx:
            w_by.setdefault(key[:3], []).append(key)
        self.w_by = w_by

        def coef(e, n, d):
            i, f = self.chain_items[e][n - 1]
            return f if d == -1 else f * p.options[d].enables[p.options[i].measure_id]

        def chain_rule(m, e, n, k):
            return m.R[e, n, k] == R_prev(e, n, k) - sum(coef(e, n, key[4]) * m.w[key] for key in w_by[e, n, k])
        m.chain = pyo.Constraint(R_idx, rule=chain_rule)
        self.coef = coef

        # energy by year
        self.E, self.fuel, self.added = {}, {}, {}
        for k in self.KC:
            added = 0
            for e, items in self.chain_items.items():
                if e not in p.fuel_end_uses:
                    continue
                for n, (i, f) in enumerate(items, start=1):
                    o = p.options[i]
                    if o.heat_end_use == e and (e, n, k) in w_by:
                        added += f * p.useful_heat_kwh(o, e) / o.heat_cop * sum(m.w[key] for key in w_by[e, n, k])
            self.added[k] = added
            E = sum(B * self.R_last[e, k] for e, B in p.electricity_end_uses_kwh.items()) + added
            E -= sum(o.abs_electricity_kwh * self.a(i, k) for i, o in enumerate(p.options) if o.abs_electricity_kwh)
            self.E[k] = E
            for carrier in p.fuel_price_cny:
                q = sum(v.get(carrier, 0.0) * self.R_last[e, k] for e, v in p.fuel_end_uses.items())
                q -= sum(o.abs_fuel.get(carrier, 0.0) * self.a(i, k) for i, o in enumerate(p.options) if o.abs_fuel)
                self.fuel[k, carrier] = q
        carriers = list(p.fuel_price_cny)
        m.fuel_v = pyo.Var(self.KC, carriers, domain=pyo.Reals)
        m.fuel_def = pyo.Constraint(self.KC, carriers, rule=lambda m, k, c: m.fuel_v[k, c] == self.fuel[k, c])
        for k in self.K:
            for carrier in carriers:
                self.fuel[k, carrier] = m.fuel_v[min(k, self.T), carrier]
        for k in self.K[self.T:]:
            self.E[k], self.added[k] = self.E[self.T], self.added[self.T]
        E0 = p.baseline_electricity_kwh
        self.ratio = {k: (self.E[k] / E0 if E0 > 0 else 0) for k in self.K}

    def management_cap(self) -> None:
        """R[e,last,k] >= (1 - cap) R[e,m-1,k], m the first management item (chain_rank 2, last in every chain):
        management and digital measures together save at most ``management_cap_frac`` of what reaches them.
        Their w have upper McCormick bounds only, so the model may take less than the product saving; since
        every part of the objective prefers a lower R, R_last settles on max(product, (1 - cap) R[e,m-1,k])."""
        m, p = self.m, self.p
        cap = p.management_cap_frac
        rows = {}
        for e, items in self.chain_items.items():
            first = next((n for n, (i, _) in enumerate(items, start=1) if p.options[i].chain_rank == 2), None)
            if first is None or cap >= 1:
                continue
            for k in self.KC:
                if any((e, n, k) in m.R for n in range(first, len(items) + 1)):
                    rows[e, k] = self.R_prev(e, first, k)
        m.management_cap = pyo.Constraint(list(rows), rule=lambda m, e, k:
                                          self.R_last[e, k] >= (1 - cap) * rows[e, k])

    def _perf(self, age: int) -> float:
        e = self.p.econ
        return (1 - e.degradation_first_year) * (1 - e.degradation_per_year) ** (age - 1)

    def pv_value(self) -> None:
        """v[k] <= alpha_j ratio[k] + beta_j P_own[k]; u[k] <= disc (alpha'_j ratio[k] + beta'_j P_emc[k]);
        sc[k] <= gamma_j ratio[k] + delta_j (P_own[k] + P_emc[k]) for the self-consumed kWh (hypographs of the
        perspective of the concave curves)."""
        m, p = self.m, self.p
        pv_opts = [i for i, o in enumerate(p.options) if o.kind == "pv"]
        m.v = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        m.u = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        m.sc = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        if not pv_opts:
            m.pv_value = pyo.Constraint(self.K, rule=lambda m, k: m.v[k] + m.u[k] + m.sc[k] <= 0)
            self.gen_kwh = {k: 0 for k in self.K}
            return
        ref_key = p.options[pv_opts[0]].profile_key
        ref_yield = float(p.pv_profiles[ref_key].sum())
        total_kwp = sum(p.options[i].size * float(p.pv_profiles[p.options[i].profile_key].sum()) / ref_yield
                        for i in pv_opts)
        curve = pv_curves(p, ref_key, max_kwp=max(3.0 * total_kwp, 1.0))
        self.pv_curve = curve
        full = pwl_pieces(curve["kwp"], curve["value_cny"])
        sv = pwl_pieces(curve["kwp"], curve["self_value_cny"])
        skwh = pwl_pieces(curve["kwp"], curve["self_kwh"])

        def P(k, modes):
            expr = 0
            for i in pv_opts:
                o = p.options[i]
                scale = float(p.pv_profiles[o.profile_key].sum()) / ref_yield
                L = o.lifetime_years
                expr += self.size_alive(i, k, lambda c, age: scale * self._perf((age - 1) % L + 1)
                                        if c[2] in modes else 0.0)
            return expr
        own_modes, emc_modes, disc = self.pv_mode_classes(pv_opts)
        # explicit variables for the load ratio (plan years; later years equal year T) and the effective PV
        # capacity keep the many hypograph rows sparse
        m.ratio_v = pyo.Var(self.KC, domain=pyo.NonNegativeReals)
        m.ratio_def = pyo.Constraint(self.KC, rule=lambda m, k: m.ratio_v[k] == self.ratio[k])
        self.ratio = {k: m.ratio_v[min(k, self.T)] for k in self.K}
        m.p_own = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        m.p_emc = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        m.p_own_def = pyo.Constraint(self.K, rule=lambda m, k: m.p_own[k] == P(k, own_modes))
        m.p_emc_def = pyo.Constraint(self.K, rule=lambda m, k: m.p_emc[k] == P(k, emc_modes))
        self.P_own, self.P_emc = m.p_own, m.p_emc
        J = range(len(full))
        m.pv_value = pyo.Constraint(self.K, J, rule=lambda m, k, j:
                                    m.v[k] <= full[j][0] * self.ratio[k] + full[j][1] * self.P_own[k])
        m.pv_value_emc = pyo.Constraint(self.K, range(len(sv)), rule=lambda m, k, j:
                                        m.u[k] <= disc * (sv[j][0] * self.ratio[k] + sv[j][1] * self.P_emc[k]))
        m.pv_value_self_kwh = pyo.Constraint(
            self.K, range(len(skwh)),
            rule=lambda m, k, j: m.sc[k] <= skwh[j][0] * self.ratio[k] + skwh[j][1] * (self.P_own[k] + self.P_emc[k]))
        # generation of own-like PV for per-kWh subsidies (kWh), by year, only within each option's subsidy years
        self.gen_sub = {}
        for k in self.K:
            expr = 0
            for i in pv_opts:
                o = p.options[i]
                if o.subsidy_cny_per_kwh:
                    y = float(p.pv_profiles[o.profile_key].sum())
                    expr += o.subsidy_cny_per_kwh * self.size_alive(
                        i, k, lambda c, age: y * self._perf(age) if MODES[c[2]].owner_holds and age <= o.subsidy_years
                        else 0.0)
            self.gen_sub[k] = expr

    def pv_mode_classes(self, pv_opts: list[int]) -> tuple[set[str], set[str], float]:
        """The PV modes by what the owner keeps of the PV's value in the contract term (``financing.
        contract_coefficients``): the full value of self-consumed and exported kWh (P_own), a share d of the
        self-consumed value and no exports (an EMC power purchase: P_emc, valued d x the self-consumption curve in
        every year), or nothing (the PV does not serve the site); and d."""
        full, shared, keep = set(), set(), set()
        for c in self.cols:
            if c[0] not in pv_opts or not MODES[c[2]].serves_site:
                continue
            keep_self = 1.0 + self.energy_coefficient(c, "pv_self_cny")
            keep_export = 1.0 + self.energy_coefficient(c, "pv_export_cny")
            if keep_self == keep_export == 1.0:
                full.add(c[2])
            elif keep_export == 0.0 and 0.0 <= keep_self < 1.0:
                shared.add(c[2])
                keep.add(keep_self)
            else:
                raise NotImplementedError(f"financing mode {c[2]!r} keeps {keep_self:g} of the PV's self-consumed "
                                          f"value and {keep_export:g} of its exports: the MILP knows all, or a share "
                                          "of the self-consumed value and none of the exports")
        if len(keep) > 1:
            raise NotImplementedError(f"PV power purchases at several discounts {sorted(keep)}: the MILP has one")
        return full, shared, keep.pop() if keep else 0.0

    def battery_value(self) -> None:
        """Batteries valued on the plan's own net load, by tangent planes of the joint value of own PV and battery.

        W(S, P, r) is the optimum of the dispatch LP of ``pathways.energy.value.StorageDispatch`` (representative days of
        the baseline load, the reference PV profile and the tariff): the bill saving of own PV of P kWp (reference
        profile) and a battery of S usable kWh on the load r x baseline, self-consumption and export included, with
        power S / duration, round-trip losses and the throughput limit cycles_per_year x S. S, P and r enter only
        right-hand sides and bounds (all lower bounds 0), so W is concave and positively homogeneous of degree 1,
        W(S, P; r) = r W(S/r, P/r; 1), and the dual objective of any dual solution is a plane a r + b P + c S >= W
        everywhere (weak duality), equal to W where it was solved (strong duality; a = W - b P - c S, Euler). This
        is an outer approximation valid for every year, load and PV size, which a fixed curve in S alone (the model
        before: one curve on the starting load without PV) cannot be: the battery's value falls as PV and savings
        cut the load it shifts, and rises where PV surplus is cheap to store. The rows, for every plane j, battery
        option i and year k:
            v[k] + bvi[i,k] <= a_j ratio[k] + b_j P_own[k] + e_j P_emc[k] + c_j S_eff[i,k]
            bvi[i,k] <= cmax_i S_eff[i,k]                    (no value without a battery; cmax from cycles x prices)
        with v the own PV's value (``pv_value``) and S_eff[i,k] the kWh alive in year k times (1 - fade)^(age - 1).
        v follows the exact full-year PV curve while the LP runs on representative days, whose PV value is off by
        1-3 % of a PV value that can be twice the battery's: so each plane's PV part (the LP's plane of W(0, P, r))
        is replaced by the tangent of the exact PV value (``storage_plane``), and the rows bound v + bvi by the
        planes of V(P, r) + B(S, P, r), B the battery's LP value, exact at the point. Third-party (EMC) PV serves the
        same load but is not the owner's: its coefficient e_j is B's slope in P. Planes start at a grid of (S, P)
        and ``storage_cuts`` adds the plane at the chosen plan's (S_eff, P, r) of every year the MILP over-states
        (Kelley's cutting planes, ``solve_with_storage_cuts``); the loop ends when the chosen plan's battery value
        matches the LP's (within 1 %). For plans with own PV only, the planes differ from the LP's outer
        approximation only by the curvature difference of the exact and the representative-day PV value (tiny), so
        each re-solve's objective is an upper bound up to that; with third-party PV the planes use B's slope, exact
        at the chosen plan but not an outer bound elsewhere (B is not concave). Further approximations: PV on
        segments of other profiles counts as reference kWp (as in ``pv_value``); where the export price exceeds the
        grid price the LP values PV surplus at the grid price (``StorageDispatch``).
        Investor-owned storage (shared savings): the investor keeps share x bvi of the measured saving during the
        term, esco[i,k] >= share (bvi[i,k] - BVmax (1 - a[i,k,ss])), esco >= 0 (the McCormick side that binds for a
        cost). Charging losses: grid import rises by lambda_i S_eff[i,k] in the CO2 rows, lambda_i the LP's net import
        per usable kWh at half the maximum size on the baseline load without PV (approximate: a plan with PV charges
        part from surplus; the evaluator counts each year's dispatch exactly)."""
        m, p = self.m, self.p
        bat = [i for i, o in enumerate(p.options) if o.kind == "battery"]
        m.bv = pyo.Var(self.K, domain=pyo.NonNegativeReals)
        self.bat_esco, self.bat_import = {}, {k: 0 for k in self.K}
        self.storage_planes: dict[int, set] = {}
        self.storage_rounds, self.storage_seconds = 0, 0.0
        if not bat:
            m.battery_value = pyo.Constraint(self.K, rule=lambda m, k: m.bv[k] <= 0)
            return
        idx = [(i, k) for i in bat for k in self.K]
        m.bvi = pyo.Var(idx, domain=pyo.NonNegativeReals)
        m.s_eff = pyo.Var(idx, domain=pyo.NonNegativeReals)

        def faded(o):
            return lambda c, age: battery_fade(o, (age - 1) % o.lifetime_years + 1)
        m.s_eff_def = pyo.Constraint(idx, rule=lambda m, i, k: m.s_eff[i, k] == self.size_alive(
            i, k, faded(p.options[i])))
        m.bv_sum = pyo.Constraint(self.K, rule=lambda m, k: m.bv[k] == sum(m.bvi[i, k] for i in bat))
        pv = hasattr(m, "p_own")
        self.P_own_k = {k: (m.p_own[k] if pv else 0) for k in self.K}
        self.P_emc_k = {k: (m.p_emc[k] if pv else 0) for k in self.K}
        m.battery_value = pyo.ConstraintList()
        cmax, smax = {}, {}
        self.pv_slope0 = float(pv_reference(p) @ p.price_cny_per_kwh)   # PV's marginal value at no PV, per kWp
        for i in bat:
            o = p.options[i]
            lp = storage_dispatch(p, o)
            cycles = min(o.battery_cycles_per_year, 8760.0 / (2.0 * o.battery_duration_h))
            low = min(0.0, float(p.price_cny_per_kwh.min()), float(p.export_price_cny_per_kwh.min()))
            cmax[i] = cycles * (lp.eta * float(p.price_cny_per_kwh.max()) - low / lp.eta)
            caps = [(self.allowed or {}).get((o.option_id, c[2])) or o.size for c in self.cont_cols if c[0] == i]
            smax[i] = max(caps, default=o.size)
            self.storage_planes[i] = set()
            pmax = float(sum(p.options[j].size for j in range(len(p.options)) if p.options[j].kind == "pv"))
            # a grid in (S, P) at r = 1, beyond the maximum sizes: a plan that saves electricity (r < 1) sits at
            # (S/r, P/r) on the same rays (homogeneity)
            for S in np.array([0.0, 1 / 3, 2 / 3, 1.0, 1.25]) * smax[i]:
                for P in (np.array([0.0, 1 / 3, 2 / 3, 1.0, 1.25]) * pmax if pmax > 0 else (0.0,)):
                    self.add_storage_plane(i, float(S), 1.0, float(P))
            if smax[i] > 0:
                lam = lp.solve(0.5 * smax[i], 1.0, 0.0).import_change_kwh / (0.5 * smax[i])
                for k in self.K:
                    self.bat_import[k] += lam * m.s_eff[i, k]
        m.bv_cap = pyo.Constraint(idx, rule=lambda m, i, k: m.bvi[i, k] <= cmax[i] * m.s_eff[i, k])
        # the investor's share of the measured saving in the term of a contract on storage (group g = its mode)
        share = {(c[0], c[2]): -self.energy_coefficient(c, "measured_saving_cny") for c in self.cols if c[0] in bat}
        if any(v < 0 for v in share.values()):
            raise NotImplementedError("a contract that pays the owner on measured storage savings: the MILP bounds "
                                      "the investor's share from below only")
        ss = [(i, k, g) for (i, g), v in share.items() if v for k in self.K if (i, k, g) in self.alive]
        m.bat_esco = pyo.Var(ss, domain=pyo.NonNegativeReals)
        m.bat_esco_lo = pyo.Constraint(ss, rule=lambda m, i, k, g: m.bat_esco[i, k, g] >= share[i, g] * (
            m.bvi[i, k] - cmax[i] * smax[i] * (1 - self.a(i, k, g))))
        esc_e = (1 + p.econ.electricity_escalation) ** (np.arange(1, self.H + 1) - 1)
        for (i, k, g) in ss:
            self.bat_esco[k] = self.bat_esco.get(k, 0) + float(esc_e[k - 1]) * m.bat_esco[i, k, g]

    def storage_plane(self, i: int, usable_kwh: float, ratio: float, pv_kwp: float
                      ) -> tuple[float, float, float, float]:
        """(a, b, c, e): the LP's plane of W at (S, P, r) with its PV part, the LP's plane of W(0, P, r), replaced by
        the tangent of the exact full-year PV value V(P, r) = r V(P/r, 1) (``pathways.energy.value.exact_pv_value``): the
        plane a r + b P + c S of V(P, r) + B(S, P, r), B the battery's LP value, equal to it at the point; e = dB/dP
        (the LP's b less the PV plane's), the coefficient of third-party PV, which serves the load without being
        the owner's."""
        p = self.p
        d = storage_dispatch(p, p.options[i]).solve(usable_kwh, ratio, pv_kwp)
        (a, b, c), (a0, b0) = d.plane, d.pv_plane
        if pv_kwp <= 0 or ratio <= 0:
            return a - a0, b - b0 + self.pv_slope0, c, b - b0
        ref, load0 = pv_reference(p), p.baseline_electricity_kwh * p.load_shape
        h = max(1e-3, 1e-6 * pv_kwp)
        v0, v1 = exact_pv_value(np.array([pv_kwp, pv_kwp + h]), ref, ratio * load0, p.price_cny_per_kwh,
                                p.export_price_cny_per_kwh)
        b_pv = (v1 - v0) / h
        return a - a0 + (v0 - b_pv * pv_kwp) / ratio, b - b0 + b_pv, c, b - b0

    def add_storage_plane(self, i: int, usable_kwh: float, ratio: float, pv_kwp: float) -> bool:
        """Add the plane of ``storage_plane`` at (S, P, r) for battery option i in every year (False if already
        there)."""
        a, b, c, e = self.storage_plane(i, usable_kwh, ratio, pv_kwp)
        key = (round(a, 2), round(b, 4), round(c, 4), round(e, 4))
        if key in self.storage_planes[i]:
            return False
        self.storage_planes[i].add(key)
        m = self.m
        for k in self.K:
            m.battery_value.add(m.v[k] + m.bvi[i, k] <= a * self.ratio[k] + b * self.P_own_k[k] + e * self.P_emc_k[k]
                           + c * m.s_eff[i, k])
        return True

    def storage_check(self) -> list[dict]:
        """At the current solution, per battery option and year with a battery: the MILP's battery value (what
        v + bvi leaves beyond the own PV's curve value) against the LP's value at the same (S_eff, P, r)."""
        p, m = self.p, self.m
        out = []
        pv_pieces = pwl_pieces(self.pv_curve["kwp"], self.pv_curve["value_cny"]) if hasattr(self, "pv_curve") else []
        for i in self.storage_planes:
            for k in self.K:
                S = float(pyo.value(m.s_eff[i, k]))
                if S <= 1e-6:
                    continue
                r = float(pyo.value(self.ratio[k]))
                P_own, P_emc = float(pyo.value(self.P_own_k[k])), float(pyo.value(self.P_emc_k[k]))
                v_max = min((al * r + be * P_own for al, be in pv_pieces), default=0.0)
                milp = float(pyo.value(m.v[k] + m.bvi[i, k])) - v_max
                exact = storage_dispatch(p, p.options[i]).solve(S, r, P_own + P_emc).battery_value_cny
                out.append({"option": i, "year": k, "usable_kwh": S, "ratio": r, "pv_kwp": P_own + P_emc,
                            "milp_value_cny": milp, "exact_value_cny": exact})
        return out

    def storage_cuts(self, rel_tol: float = 0.01, abs_tol_cny: float = 1.0) -> int:
        """Add the tangent plane at every year the MILP over-states the battery's value by more than rel_tol of
        the LP's value (+ abs_tol_cny); the number of planes added."""
        added = 0
        for row in self.storage_check():
            if row["milp_value_cny"] - row["exact_value_cny"] > rel_tol * abs(row["exact_value_cny"]) + abs_tol_cny:
                added += self.add_storage_plane(row["option"], row["usable_kwh"], row["ratio"], row["pv_kwp"])
        return added

    def carbon_revenue(self) -> None:
        """cr[o,k] <= M a[o,k]; cr[o,k] <= share_o * price * esc_c(k) * g(k) * sc[k]: credits are sold only on the
        abatement an approved methodology covers, the self-consumed output of eligible PV (``Option.
        carbon_credit_eligible``; CCER has no methodology for SME rooftop PV or efficiency, city carbon-inclusion
        schemes credit distributed PV)."""
        m, p = self.m, self.p
        g = p.grid_co2_t_per_kwh
        base_fuel_co2 = sum(v * p.fuel_co2_t[c] for q in p.fuel_end_uses.values() for c, v in q.items())
        E0 = p.baseline_electricity_kwh
        # grid import: electricity less PV self-consumed plus the batteries' net import (charging losses, battery_value)
        self.em = {k: g[k - 1] * (E0 * self.ratio[k] - m.sc[k] + self.bat_import[k])
                   + sum(p.fuel_co2_t[c] * self.fuel[k, c] for c in p.fuel_price_cny) for k in self.K}
        self.em0 = {k: g[k - 1] * E0 + base_fuel_co2 for k in self.K}
        eligible = any(o.kind == "pv" and o.carbon_credit_eligible for o in p.options)
        creditors = [i for i, o in enumerate(p.options) if o.carbon_credit_share > 0] if eligible else []
        idx = [(i, k) for i in creditors for k in self.K if (i, k, "all") in self.alive]
        m.cr = pyo.Var(idx, domain=pyo.NonNegativeReals)
        esc_c = (1 + p.econ.carbon_escalation) ** (np.arange(1, self.H + 1) - 1)

        def cap(i, k):
            return p.options[i].carbon_credit_share * p.credit_price(p.options[i]) * esc_c[k - 1] * g[k - 1]
        # revenue = cap * sc * a is a product of a variable in [0, E0] and a binary: McCormick upper side
        m.carbon_revenue_gate = pyo.Constraint(idx, rule=lambda m, i, k: m.cr[i, k] <= cap(i, k) * E0 * self.a(i, k))
        m.carbon_revenue = pyo.Constraint(idx, rule=lambda m, i, k: m.cr[i, k] <= cap(i, k) * m.sc[k])
        self.cr_by_k = {k: sum(m.cr[i, kk] for (i, kk) in idx if kk == k) for k in self.K}

    def hosting_take(self) -> None:
        """During an energy-cost hosting term every saving on the hosted end uses is the ESCO's:
        take[o,k] = S_e(k) a[o,k,host] with S_e the value of all savings on the end uses o covers (the owner's
        other measures included), written with the two McCormick sides that bind for a cost
        (take >= S - Smax (1 - a), take >= Smin a)."""
        m, p = self.m, self.p
        avg = p.average_price_cny_per_kwh
        ks = np.arange(1, self.H + 1)
        esc_e = (1 + p.econ.electricity_escalation) ** (ks - 1)
        esc_f = (1 + p.econ.fuel_escalation) ** (ks - 1)
        # the weight of the take in the owner's cash: - the contract's coefficient on the hosted savings (group g =
        # the mode, within its term)
        weight = {(c[0], c[2]): -self.energy_coefficient(c, "hosted_saving_cny") for c in self.cols}
        weight = {key: v for key, v in weight.items() if v}
        if any(v < 0 for v in weight.values()):
            raise NotImplementedError("a contract that pays the owner the savings of hosted end uses: the MILP bounds "
                                      "the take from below only")
        rows = [(i, k, g) for (i, g) in weight for k in self.K if (i, k, g) in self.alive]
        m.take = pyo.Var(rows, domain=pyo.Reals)
        S, lo, hi = {}, {}, {}
        for i, k in dict.fromkeys((i, k) for i, k, _ in rows):
            kc = min(k, self.T)
            expr, smin, smax = 0, 0.0, 0.0
            for e in hosted_end_uses(p.options[i]):
                if e in p.electricity_end_uses_kwh:
                    value = avg * esc_e[k - 1] * p.electricity_end_uses_kwh[e]
                    expr += value * (1 - self.R_last[e, kc])
                    smax += value
                elif e in p.fuel_end_uses:
                    value = esc_f[k - 1] * sum(v * p.fuel_price_cny[c] for c, v in p.fuel_end_uses[e].items())
                    expr += value * (1 - self.R_last[e, kc])
                    smax += value
                    for n, (j, f) in enumerate(self.chain_items[e], start=1):
                        o = p.options[j]
                        if o.heat_end_use == e and (e, n, kc) in self.w_by:
                            per = avg * esc_e[k - 1] * f * p.useful_heat_kwh(o, e) / o.heat_cop
                            expr -= per * sum(m.w[key] for key in self.w_by[e, n, kc])
                            smin -= per
            S[i, k], lo[i, k], hi[i, k] = expr, smin, smax
        m.hosting_take = pyo.Constraint(rows, rule=lambda m, i, k, g: m.take[i, k, g]
                                        >= S[i, k] - hi[i, k] * (1 - self.a(i, k, g)))
        m.hosting_take_floor = pyo.Constraint(rows, rule=lambda m, i, k, g:
                                              m.take[i, k, g] >= lo[i, k] * self.a(i, k, g))
        self.take_by_k = {k: sum(weight[i, g] * m.take[i, kk, g] for (i, kk, g) in rows if kk == k) for k in self.K}

    # ------------------------------------------------------------------ money
    def _financing(self, c) -> Financing:
        o = self.p.options[c[0]]
        key = (c[2], o.asset_class, c[1])
        if key not in self._fin_cache:
            self._fin_cache[key] = MODES[c[2]].capex(self.p.terms(c[2], o.asset_class), self.p.econ, c[1])
        return self._fin_cache[key]

    def net_capex(self, c):
        return self.capex(c) - self.sub[c]

    def _cash_flows(self) -> None:
        """The owner's money, as in ``pathways.model.evaluator`` (conventions in ``pathways.money.economics``): yearly flow F[k]
        (end of year k, after instalments, fees, ESCO payments and tax), spend[t] (start of plan year t: upfront,
        down payments, upfront fees and replacements the owner pays), gross[k] (saving before financing and tax of
        the owner-financed assets, for the investment payback) and the NPV."""
        p, m = self.p, self.m
        econ = p.econ
        self._fin_cache = {}
        E0 = p.baseline_electricity_kwh
        C0 = float((E0 * p.load_shape) @ p.price_cny_per_kwh)
        ks = np.arange(1, self.H + 1)
        esc_e = (1 + econ.electricity_escalation) ** (ks - 1)
        esc_f = (1 + econ.fuel_escalation) ** (ks - 1)
        esc_c = (1 + econ.carbon_escalation) ** (ks - 1)
        fuel0 = {c: sum(q.get(c, 0.0) for q in p.fuel_end_uses.values()) for c in p.fuel_price_cny}
        rate = econ.tax_rate
        df = discount_factors(econ.discount_rate, self.H)
        gen_sub = getattr(self, "gen_sub", {})          # per-kWh PV subsidies (pv_value)
        bat_esco = getattr(self, "bat_esco", {})        # investor's share of storage savings (battery_value)
        flow = {k: ee * (C0 * (1 - self.ratio[k]) + m.v[k] + m.u[k] + m.bv[k])
                + ef * sum(p.fuel_price_cny[c] * (fuel0[c] - self.fuel[k, c]) for c in p.fuel_price_cny)
                + gen_sub.get(k, 0) + self.cr_by_k[k] - self.take_by_k[k] - bat_esco.get(k, 0)
                for k, ee, ef in zip(self.K, esc_e, esc_f)}
        # the saving of the owner-financed assets before financing and tax (investment payback)
        gross = {k: ee * (C0 * (1 - self.ratio[k]) + m.v[k] + m.bv[k])
                 + ef * sum(p.fuel_price_cny[c] * (fuel0[c] - self.fuel[k, c]) for c in p.fuel_price_cny)
                 + gen_sub.get(k, 0) + self.cr_by_k[k] for k, ee, ef in zip(self.K, esc_e, esc_f)}
        spend = {t: 0 for t in range(1, self.T + 1)}
        taxable = {k: 0 for k in range(self.H + 1)}
        credit = {k: 0 for k in range(self.H + 1)}
        replacements = residual = 0
        for c in self.cols:
            i, t, name = c
            o = p.options[i]
            mode = MODES[name]
            terms = p.terms(name, o.asset_class)
            term = mode.term_years(terms)
            has_contract = any(mode.contract(ContractYear(capex_cny=1.0, roof_m2=1.0, deemed_saving_cny=1.0,
                                                          hosted_cost_cny=1.0, storage=o.kind == "battery"),
                                             terms).values())
            de, dfuel = deemed_saving_cny(p, o) if has_contract else (0.0, 0.0)
            he, hf = hosted_baseline_cost(p, o) if has_contract else (0.0, 0.0)
            for k in range(t, self.H + 1):
                in_term = k - t + 1 <= term
                yearly = 0
                if mode.owner_runs(in_term):
                    yearly -= o.om_cny_per_year * m.x[c] + o.om_frac_capex_per_year * self.capex(c)
                yearly -= o.annual_cost_cny * m.x[c]
                if in_term and has_contract:  # the contract's cash on what is known per action; its energy
                    # quantities are in take_by_k, bat_esco and the PV value (``financing.ContractYear``)
                    year = ContractYear(capex_cny=self.capex(c), roof_m2=o.area_m2_per_unit * self.size(c),
                                        deemed_saving_cny=(de * esc_e[k - 1] + dfuel * esc_f[k - 1]) * m.x[c],
                                        hosted_cost_cny=(he * esc_e[k - 1] + hf * esc_f[k - 1]) * m.x[c],
                                        storage=o.kind == "battery")
                    yearly += sum(mode.contract(year, terms).values())
                flow[k] += yearly
                if mode.plan_investment:
                    gross[k] -= o.om_cny_per_year * m.x[c] + o.om_frac_capex_per_year * self.capex(c) \
                        + o.annual_cost_cny * m.x[c]
            fin = self._financing(c)
            net = self.net_capex(c)
            spend[t] += float(fin.upfront[t - 1] + fin.fees[t - 1]) * net
            for k in np.flatnonzero(fin.instalments):
                flow[int(k)] += (fin.interest_subsidy[k] - fin.instalments[k]) * net
                taxable[int(k)] += fin.principal[k] * net
            if fin.fees[t - 1]:
                taxable[t] -= float(fin.fees[t - 1]) * net
            points, left, owner_at_h, first = replacement_schedule(t, o.lifetime_years, self.H, name, term)
            for q in points:
                replacements += df[q] * self.capex(c)
                if q <= self.T - 1:
                    spend[q + 1] += self.capex(c)
            if owner_at_h and left and econ.residual_to_owner:
                residual += left * (net if first else self.capex(c))
            if rate:
                dep = np.zeros(self.H + 1)
                for q in points:
                    dep += straight_line(q, o.tax_depreciation_years, self.H)
                for k in np.flatnonzero(dep):
                    taxable[int(k)] -= dep[k] * self.capex(c)
                if mode.owner_holds:
                    dep0 = straight_line(t - 1, o.tax_depreciation_years, self.H)
                    for k in np.flatnonzero(dep0):
                        taxable[int(k)] -= dep0[k] * net
                    if o.tax_credit_frac and t <= self.H:
                        credit[t] += o.tax_credit_frac * net
        self.F = {k: flow[k] - rate * (flow[k] + taxable[k]) + credit[k] for k in self.K} if rate else flow
        self.U = spend
        self.gross = gross
        self.residual = residual
        # internal (shadow) carbon price on the abatement: valued in the NPV, not a cash flow (not in F)
        shadow = sum(df[k] * p.shadow_carbon_price_cny_per_t * esc_c[k - 1] * (self.em0[k] - self.em[k])
                     for k in self.K) if p.shadow_carbon_price_cny_per_t else 0
        self.npv = (sum(df[k] * self.F[k] for k in self.K) - sum(df[t - 1] * self.U[t] for t in self.U)
                    - replacements + df[self.H] * residual + shadow)

    # ------------------------------------------------------------------ money constraints
    def min_ticket(self) -> None:
        """A lease or loan needs at least ``min_ticket_cny`` financed: net capex(c) >= ticket / (1 - down) x[c]."""
        p, m = self.p, self.m
        rows = [c for c in self.cols if MODES[c[2]].borrowed]

        def rule(m, *c):
            terms = p.terms(c[2], p.options[c[0]].asset_class)
            need = float(terms.get("min_ticket_cny", 0.0)) / max(1.0 - float(terms["down_payment_frac"]), 1e-9)
            return self.net_capex(c) >= need * m.x[c] if need > 0 else pyo.Constraint.Skip
        m.min_ticket = pyo.Constraint(rows, rule=rule)

    def funding(self, t: int):
        """Money for plan year t besides the owner's budget and savings (the park's subsidy in a park firm)."""
        return 0

    def budget(self) -> None:
        """The owner's money, the conditions of ``pathways.model.evaluator.cash_position``. Spend S[t] = spend[t] -
        funding[t]. Without carry-over: S[t] - r[t] <= budget[t], r[t] >= 0 the part paid from reinvested savings,
        sum_{s<=t} r[s] <= sum_{k<t} F[k] (each saving spent once; r = 0 without reinvestment). With carry-over:
        sum_{s<=t} S[s] <= sum_{s<=t} budget[s] (+ sum_{k<t} F[k] with reinvestment)."""
        p, m = self.p, self.m
        if p.budget_cny is None:
            return
        T = range(1, self.T + 1)
        b = np.asarray(p.budget_cny, dtype=float)
        finite = {t: bool(np.isfinite(b[t - 1])) for t in T}
        m.budget_cny = pyo.Param(T, initialize={t: float(b[t - 1]) if finite[t] else 0.0 for t in T}, mutable=True)
        S = {t: self.U[t] - self.funding(t) for t in T}
        saved = {t: sum(self.F[k] for k in range(1, t)) for t in T}
        if p.budget_carry_over:
            def rule(m, t):
                if not all(finite[s] for s in range(1, t + 1)) or isinstance(S[t], (int, float)):
                    return pyo.Constraint.Skip
                return sum(S[s] for s in range(1, t + 1)) <= sum(m.budget_cny[s] for s in range(1, t + 1)) + (
                    saved[t] if p.reinvest_savings else 0)
            m.budget = pyo.Constraint(T, rule=rule)
            return
        if p.reinvest_savings:
            m.from_savings = pyo.Var(T, domain=pyo.NonNegativeReals)
            m.savings_pool = pyo.Constraint(T, rule=lambda m, t: sum(m.from_savings[s] for s in range(1, t + 1))
                                            <= saved[t])
        r = m.from_savings if p.reinvest_savings else {t: 0 for t in T}

        def rule(m, t):
            if not finite[t] or isinstance(S[t], (int, float)):
                return pyo.Constraint.Skip
            return S[t] - r[t] <= m.budget_cny[t]
        m.budget = pyo.Constraint(T, rule=rule)

    def portfolio_payback(self) -> None:
        """Investment basis: sum of the net capex of the owner-financed and ESCO-financed actions (PV owned by a
        third party apart) <= limit * gross[T]. Cash basis: the owner's cumulative cash at the limit >= 0,
        sum_t spend[t] <= sum_{k <= L} F[k] + (limit - L) F[L + 1] with L = floor(limit)."""
        p = self.p
        lim = p.portfolio_payback_limit_years
        if lim is None:
            return
        if p.payback_basis == "cash":
            whole = int(np.floor(lim))
            rhs = sum(self.F[k] for k in range(1, min(whole, self.H) + 1))
            if whole + 1 <= self.H:
                rhs += (lim - whole) * self.F[whole + 1]
            self.m.portfolio_payback = pyo.Constraint(expr=sum(self.U.values()) <= rhs)
            return
        invested = sum(self.net_capex(c) for c in self.cols if MODES[c[2]].plan_investment)
        self.m.portfolio_payback = pyo.Constraint(expr=invested <= lim * self.gross[self.T])

    def co2_target(self) -> None:
        """em[t] <= target[t] for plan years with a target."""
        tgt = self.p.co2_target_t
        if tgt is None:
            return
        years = [t for t in range(1, self.T + 1) if t - 1 < len(tgt) and np.isfinite(tgt[t - 1])]
        self.m.co2_target = pyo.Constraint(years, rule=lambda m, t: self.em[t] <= float(tgt[t - 1]))

    def _objective(self, min_abatement_t: float | None) -> None:
        m = self.m
        self.cum_abatement = sum(self.em0[k] - self.em[k] for k in self.K)
        m.min_abatement = pyo.Param(initialize=0.0 if min_abatement_t is None else min_abatement_t, mutable=True)
        m.abatement_floor = pyo.Constraint(expr=self.cum_abatement >= m.min_abatement)
        if min_abatement_t is None:
            m.abatement_floor.deactivate()
        if self.objective_kind == "max-abatement":
            m.obj = pyo.Objective(expr=self.cum_abatement + 1e-9 * self.npv, sense=pyo.maximize)
        else:
            m.obj = pyo.Objective(expr=self.npv, sense=pyo.maximize)

    # ------------------------------------------------------------------ solve
    def solve(self, time_limit: float = 60.0, gap: float = 1e-6, threads: int | None = None,
              deadline: float | None = None) -> SolveResult:
        """Solve within ``time_limit`` seconds from now, or by ``deadline`` (``time.perf_counter()`` clock) if it
        comes first. The wait for ``HIGHS_LOCK`` (another plan's solve) counts: the solver gets only what is left
        once it has the lock, and if the deadline passes while waiting the result is ``time_limit`` without a plan."""
        from pyomo.contrib.appsi.base import TerminationCondition as TC
        from pyomo.contrib.appsi.solvers import Highs

        t_wait = time.perf_counter()
        deadline = t_wait + time_limit if deadline is None else min(deadline, t_wait + time_limit)
        if not HIGHS_LOCK.acquire(timeout=min(max(deadline - t_wait, 0.0), 1e6)):
            waited = time.perf_counter() - t_wait
            return SolveResult("time_limit", None, None, None, 0.0, self.build_seconds,
                               message=f"time limit reached after waiting {waited:.3g} s for the solver, which was "
                                       "busy with another plan; no plan was found")
        try:                                 # appsi's output capture and HiGHS's scheduler are process-wide
            if not hasattr(self, "_solver"):
                self._solver = Highs()
                self._solver.config.load_solution = False
            opt = self._solver
            opt.config.time_limit = max(deadline - time.perf_counter(), 1e-3)
            opt.config.mip_gap = gap
            opt.highs_options = {**self.HIGHS_OPTIONS, **({"threads": threads} if threads else {})}
            if threads:
                pin_highs_threads(threads)
            t0 = time.perf_counter()
            res = opt.solve(self.m)
            secs = time.perf_counter() - t0
        finally:
            HIGHS_LOCK.release()
        waited = t0 - t_wait
        tc = res.termination_condition
        if tc in (TC.infeasible, TC.infeasibleOrUnbounded):
            return SolveResult("infeasible", None, None, None, secs, self.build_seconds)
        has_sol = res.best_feasible_objective is not None
        if not has_sol:
            status = "time_limit" if tc == TC.maxTimeLimit else "error"
            msg = (f"time limit of {time_limit:.3g} s reached before any plan was found"
                   + (f" (of which {waited:.3g} s waiting for the solver, busy with another plan)" if waited >= 0.1
                      else "") if status == "time_limit"
                   else f"the solver failed without a plan ({getattr(tc, 'name', tc)})")
            return SolveResult(status, None, res.best_objective_bound, None, secs, self.build_seconds, message=msg)
        res.solution_loader.load_vars()
        obj, bound = res.best_feasible_objective, res.best_objective_bound
        # the gap reached, in CNY relative to the plan (1 CNY floor); HiGHS stops at its own gap measure, so a
        # plan is called optimal only when this gap is within the one asked for
        gap_val = abs(bound - obj) / max(abs(obj), 1.0) if bound is not None and np.isfinite(bound) else None
        closed = gap_val is not None and (gap_val <= gap * (1 + 1e-9) + 1e-12
                                          or abs(bound - obj) <= self.ABS_GAP_CNY)   # HiGHS's absolute gap
        if tc in (TC.optimal, TC.maxTimeLimit) and closed:
            status = "optimal"
        elif tc == TC.maxTimeLimit:
            status = "time_limit"
        elif tc == TC.optimal:
            status = "gap_not_reached"
        else:
            return SolveResult("error", obj, bound, gap_val, secs, self.build_seconds, plan=self.plan(),
                               message=f"the solver stopped with {getattr(tc, 'name', tc)} and a plan it does not "
                                       "prove")
        return SolveResult(status, obj, bound, gap_val, secs, self.build_seconds, plan=self.plan())

    def plan(self) -> list[Action]:
        out = []
        for c in self.cols:
            if pyo.value(self.m.x[c]) > 0.5:
                o = self.p.options[c[0]]
                size = float(pyo.value(self.m.s[c])) if o.continuous else o.size
                out.append(Action(o.option_id, c[1], c[2], size))
        return sorted(out, key=lambda a: (a.year, a.option_id))

    def npv_value(self) -> float:
        return float(pyo.value(self.npv))
