"""The park's restricted master over the firms' generated columns (``Master``), one method per coupling family
(``COUPLING_FAMILIES``), solved as an LP (column generation, ``pathways.park.colgen``) or a MILP (the park plan), and
its dual prices as firm f's pricing problem uses them (``Prices``, ``pathways.park.firm``).

Columns and master. A column is one firm plan (``pathways.park.firm.Column``): its NPV, park subsidy g[t], start
year in the programme, emissions em[t], final energy e[t], eligible collective capex disc[m,t] and counts cnt[m,t],
own PV flag h and load ratio r. Master variables: lambda[f,c] (convex weights, binary in the final MILP),
collective discounts d[m,t] >= 0 and tender binaries y[m,t], the programme binary w, park PV size S (kWp) with
allocations q[f] and yearly values v[f], park battery size B (kWh) with value bv.
Coupling families (one method each below, rows <= unless said):

* convexity:           sum_c lambda[f,c] = 1                                       for every firm f
* subsidy pool:        sum_{f,c} lambda g[c,t] <= pool[t]; in the firm, g[t] <= share * U[t] and U[t] - g[t] <= budget
* park budget:         sum lambda progcost [start=t] + capex_S S [t=t_S] + capex_B B [t=t_B]
                       + setup w [t=1] + annual w <= park_budget[t]
* CO2 target:          sum lambda em[c,t] - a[t] sum_f q[f] <= target[t]   (a[t] = grid factor x yield x perf)
* CO2 intensity:       sum lambda (em[c,t] - I[t] e[c,t]) - a[t] sum_f q[f] <= 0
* programme capacity:  sum lambda [start_c = t] <= capacity[t]
* collective procurement (measure m, year t): d[m,t] <= delta_m sum lambda disc[c,m,t];  d[m,t] <= M_m y[m,t];
                       k y[m,t] <= sum lambda cnt[c,m,t];  y[m,t] <= w   (a tender of at least k firms)
* shared PV:           sum_f q[f] <= S <= land x W/m2;  q[f] <= Q_f sum lambda (1 - h_c);
                       v[f] <= alpha_j sum lambda r_c + beta_j q[f]  (perspective of firm f's concave PWL value
                       curve of park PV on its load, as in ``pathways.model.milp.pv_value``)
* park battery:        bv <= alpha_j + beta_j B (concave value curve on the park's aggregate load)

Objective (park welfare, CNY NPV): sum lambda (NPV_c + sum_t df[t-1] g[c,t]) + sum df[t-1] d[m,t]
+ PVF sum_f v[f] + (export value - cost) per kWp of S - export value per kWp of q + battery value - cost
- programme cost. Transfers inside the park (the discount firms get on park PV power) cancel in the total and are
reported separately.

Bound (``Master.lagrangian``). For any duals y >= 0 of the non-convexity rows, L(y) = sum_r y_r b_r + sum_f P_f(y)
+ sum_j ub_j max(0, c_j - A_j' y) is an upper bound on the park optimum (P_f(y) = max over firm f's plans of its
pricing objective, bounded above by the HiGHS dual bound of its pricing MILP, valid at a time limit; j runs over the
park's own variables). At the master LP duals it is the Lasdon bound z_LP + sum_f (P_f - sigma_f).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pathways.concurrency import HIGHS_LOCK
from pathways.energy.value import quiet_highs
from pathways.park.data import ParkData

# The coupling families, one method of Master each (docs/methodology.md documents each as `park.<name>`).
COUPLING_FAMILIES = ("convexity", "subsidy_pool", "park_budget", "co2_target", "programme_capacity",
                     "collective_procurement", "shared_pv", "park_battery")


@dataclass(frozen=True)
class Prices:
    """The master's dual prices as firm f's pricing objective uses them (``pathways.park.firm.FirmModel``): the
    price of each unit of a coupling row the firm's plan takes, by plan year t = 1..T (index t - 1) unless said.
    ``Prices.zero(T)``: no park rows priced (with the subsidy fixed at 0, the firm alone). The convexity dual is
    not here: it is the firm's own constant (``Master.prices``)."""

    subsidy_pool_cny_per_cny: tuple[float, ...]             # per CNY of park subsidy g[t]
    park_budget_cny_per_start: tuple[float, ...]            # per programme start z[t]: dual x programme cost per firm
    programme_capacity_cny_per_start: tuple[float, ...]     # per programme start z[t]
    co2_target_cny_per_t: tuple[float, ...]                 # per tCO2 emitted in year t
    co2_intensity_cny_per_t: tuple[float, ...]              # per tCO2 emitted in year t (intensity row)
    co2_intensity_cny_per_mwh: tuple[float, ...]            # credit per MWh of final energy (intensity dual x I[t])
    collective_capex_cny_per_cny: dict = field(default_factory=dict)    # (measure, t) -> per CNY of eligible capex
    collective_tender_cny_per_firm: dict = field(default_factory=dict)  # (measure, t) -> per firm counted in the tender
    shared_pv_no_own_pv_cny: float = 0.0           # for no PV on its own roofs (1 - h): the allocation row's price
    shared_pv_load_ratio_cny: float = 0.0          # per unit of year T's load ratio r: the PV value rows' price
    # start rules that travel with the prices (bounds on the firm's start variables z[t], not duals)
    earliest_later_start_year: int = 2             # roll-out queue: no start in years 2 .. this - 1
    force_start_year: int | None = None            # a start fixed for enrichment (0: outside the programme)

    @classmethod
    def zero(cls, T: int) -> Prices:
        zero = (0.0,) * T
        return cls(zero, zero, zero, zero, zero, zero)

    @property
    def start_cny(self) -> tuple[float, ...]:
        """Price of a programme start in year t: park budget + programme capacity."""
        return tuple(b + c for b, c in zip(self.park_budget_cny_per_start, self.programme_capacity_cny_per_start))

    @property
    def emissions_cny_per_t(self) -> tuple[float, ...]:
        """Price of a tCO2 emitted in year t: CO2 target + CO2 intensity."""
        return tuple(a + b for a, b in zip(self.co2_target_cny_per_t, self.co2_intensity_cny_per_t))


# ----------------------------------------------------------------------------------------- LP builder
class _LP:
    """A small column-wise LP/MILP for highspy (maximisation)."""

    def __init__(self):
        self.rlo: list[float] = []
        self.rhi: list[float] = []
        self.rname: list[Any] = []
        self.cost: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[bool] = []
        self.entries: list[list[tuple[int, float]]] = []

    def row(self, name, lo=-math.inf, hi=math.inf) -> int:
        self.rname.append(name)
        self.rlo.append(lo)
        self.rhi.append(hi)
        return len(self.rname) - 1

    def col(self, cost, lb=0.0, ub=math.inf, entries=(), integer=False) -> int:
        self.cost.append(float(cost))
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        merged: dict[int, float] = {}
        for r, v in entries:
            merged[r] = merged.get(r, 0.0) + float(v)
        self.entries.append([(r, v) for r, v in merged.items() if v])
        return len(self.cost) - 1

    def solve(self, mip: bool, time_limit: float, gap: float = 1e-9):
        import highspy
        inf = highspy.kHighsInf
        h = quiet_highs()
        h.setOptionValue("time_limit", max(float(time_limit), 1.0))
        # no "threads" option: HiGHS refuses to run when it differs from the global scheduler already started
        # in this process (e.g. by the battery value LPs)
        if mip:
            h.setOptionValue("mip_rel_gap", gap)
        # costs reach 1e7 CNY: HiGHS's dual simplex can fail on such an LP ("excessive dual values"); scaling the
        # objective by a power of two inside HiGHS fixes it and returns primal and dual values in CNY
        cmax = max((abs(c) for c in self.cost), default=1.0)
        if cmax > 1e3:
            h.setOptionValue("user_objective_scale", -int(math.ceil(math.log2(cmax / 1e3))))
        lp = highspy.HighsLp()
        n, m = len(self.cost), len(self.rname)
        lp.num_col_, lp.num_row_ = n, m
        clip = lambda a: np.clip(np.asarray(a, dtype=float), -inf, inf)  # noqa: E731
        lp.col_cost_ = np.asarray(self.cost, dtype=float)
        lp.col_lower_, lp.col_upper_ = clip(self.lb), clip(self.ub)
        lp.row_lower_, lp.row_upper_ = clip(self.rlo), clip(self.rhi)
        start, index, value = [0], [], []
        for e in self.entries:
            index += [r for r, _ in e]
            value += [v for _, v in e]
            start.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.asarray(start, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(value, dtype=float)
        lp.sense_ = highspy.ObjSense.kMaximize
        if mip and any(self.integer):
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
        st = h.passModel(lp)
        if st == highspy.HighsStatus.kError:
            raise RuntimeError(f"HiGHS refused the park master ({n} columns, {m} rows)")
        with HIGHS_LOCK:                                # one HiGHS run at a time (``pathways.concurrency``)
            if h.run() == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
                # HiGHS's scheduler is process-wide and was started elsewhere (another thread or thread count):
                # restart it and solve again
                highspy.Highs.resetGlobalScheduler(True)
                h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kNotset and not mip:
                h.setOptionValue("solver", "ipm")      # numerical trouble in simplex: the interior point method
                h.run()
        status = h.modelStatusToString(h.getModelStatus())
        sol = h.getSolution()
        info = h.getInfo()
        ok = info.primal_solution_status == 2
        return {"status": status, "ok": ok, "objective": info.objective_function_value if ok else None,
                "x": np.asarray(sol.col_value) if ok else None, "y": np.asarray(sol.row_dual) if ok else None,
                "bound": info.mip_dual_bound if mip else None, "mip_gap": info.mip_gap if mip else None}


# ----------------------------------------------------------------------------------------- master
class Master:
    """The restricted master over the generated columns (module docstring: one method per coupling family)."""

    def __init__(self, d: ParkData, infos: list[dict], columns: list[list], fix: dict | None = None):
        """The master over ``columns[f]`` (firm f's columns, ``infos[f]`` what the master needs about it);
        ``fix``: park variables fixed by name (a branch, e.g. {"w": 1.0})."""
        self.d, self.infos, self.columns = d, infos, columns
        self.lp = _LP()
        self.rows: dict[Any, int] = {}
        self.vars: dict[Any, int] = {}
        self.lam: list[tuple[int, int, int]] = []     # (firm, column index, variable index)
        self.mt = sorted({k for cols in columns for c in cols for k in c.disc_cny} |
                         {(m, t) for info in infos for m in info.get("measure_capex_max_cny", {})
                          if m in d.collective for t in range(1, d.T + 1)})
        self.convexity()
        self.subsidy_pool()
        self.park_budget()
        self.co2_target()
        self.programme_capacity()
        self.collective_procurement()
        self.shared_pv()
        self.park_battery()
        for f, cols in enumerate(columns):
            for j, c in enumerate(cols):
                self.add_column(f, j, c)
        for key, value in (fix or {}).items():       # a branch: park variables fixed (e.g. the programme w)
            if key in self.vars:
                self.lp.lb[self.vars[key]] = self.lp.ub[self.vars[key]] = float(value)

    # rows -----------------------------------------------------------------------------------------------
    def convexity(self):
        """sum_c lambda[f,c] = 1."""
        for f in range(len(self.infos)):
            self.rows["conv", f] = self.lp.row(("conv", f), 1.0, 1.0)

    def subsidy_pool(self):
        """sum lambda g[c,t] <= pool[t]."""
        for t in range(1, self.d.T + 1):
            if np.isfinite(self.d.pool[t - 1]):
                self.rows["pool", t] = self.lp.row(("pool", t), hi=float(self.d.pool[t - 1]))

    def park_budget(self):
        """Programme cost per starting firm + park asset capex + collective programme costs <= budget[t]."""
        for t in range(1, self.d.T + 1):
            if np.isfinite(self.d.budget[t - 1]):
                self.rows["pbud", t] = self.lp.row(("pbud", t), hi=float(self.d.budget[t - 1]))

    def co2_target(self):
        """sum lambda em[c,t] - a[t] sum q <= target[t];  sum lambda (em - I e) - a[t] sum q <= 0."""
        for t in range(1, self.d.T + 1):
            if np.isfinite(self.d.co2_target[t - 1]):
                self.rows["co2", t] = self.lp.row(("co2", t), hi=float(self.d.co2_target[t - 1]))
            if np.isfinite(self.d.intensity_target[t - 1]):
                self.rows["int", t] = self.lp.row(("int", t), hi=0.0)

    def programme_capacity(self):
        """sum lambda [start_c = t] <= capacity[t]."""
        for t in range(1, self.d.T + 1):
            if np.isfinite(self.d.capacity[t - 1]):
                self.rows["cap", t] = self.lp.row(("cap", t), hi=float(self.d.capacity[t - 1]))

    def collective_procurement(self):
        """d[m,t] <= delta_m sum lambda disc; d <= M y; k y <= sum lambda cnt; y <= w; w pays set-up and staff."""
        d = self.d
        if not d.collective or not self.mt:
            return
        cost_w = d.coll_setup_cny * d.df[0] + d.coll_annual_cny * float(d.df[1:min(d.coll_years, d.H) + 1].sum())
        w_entries = [(self.rows["pbud", 1], d.coll_setup_cny)] if ("pbud", 1) in self.rows else []
        w_entries += [(self.rows["pbud", t], d.coll_annual_cny) for t in range(1, min(d.coll_years, d.T) + 1)
                      if ("pbud", t) in self.rows]
        self.rows["ylink"] = {}
        for m, t in self.mt:
            big = d.collective[m] * sum(i.get("measure_capex_max_cny", {}).get(m, 0.0) for i in self.infos)
            r1 = self.rows["disc", m, t] = self.lp.row(("disc", m, t), hi=0.0)
            r2 = self.lp.row(("dM", m, t), hi=0.0)
            r3 = self.rows["cnt", m, t] = self.lp.row(("cnt", m, t), hi=0.0)
            r4 = self.rows["ylink"][m, t] = self.lp.row(("ylink", m, t), hi=0.0)
            self.vars["d", m, t] = self.lp.col(d.df[t - 1], 0.0, max(big, 0.0), [(r1, 1.0), (r2, 1.0)])
            self.vars["y", m, t] = self.lp.col(0.0, 0.0, 1.0, [(r2, -big), (r3, float(d.coll_min_firms)), (r4, 1.0)],
                                               integer=True)
        self.vars["w"] = self.lp.col(-cost_w, 0.0, 1.0, w_entries + [(r, -1.0) for r in self.rows["ylink"].values()],
                                     integer=True)

    def _abatement_entries(self, scale: float):
        """Entries of -a[t] (allocated park PV displacing grid power) in the CO2 rows, times ``scale`` kWp."""
        d, pv = self.d, self.d.pv
        out = []
        for t in range(1, d.T + 1):
            a_t = float(d.grid_t_per_kwh[t - 1]) * pv["yield_kwh_per_kwp"] * float(pv["perf_k"][t - 1]) * scale
            for key in (("co2", t), ("int", t)):
                if key in self.rows:
                    out.append((self.rows[key], -a_t))
        return out

    def shared_pv(self):
        """sum q <= S <= max; q[f] <= Q_f sum lambda (1 - h); v[f] <= alpha_j sum lambda r + beta_j q[f]."""
        pv = self.d.pv
        if pv is None:
            return
        export_avg = self.export_avg = float(np.mean([i.get("export_cny_per_kwh_pv", 0.0) for i in self.infos]))
        y_kwp = pv["yield_kwh_per_kwp"]
        r_tot = self.rows["pv_total"] = self.lp.row("pv_total", hi=0.0)
        ent = [(r_tot, -1.0)]
        if ("pbud", pv["build_year"]) in self.rows:
            ent.append((self.rows["pbud", pv["build_year"]], pv["capex_cny_per_kwp"]))
        self.vars["S"] = self.lp.col(-pv["capex_cny_per_kwp"] * pv["cost_factor"] + y_kwp * export_avg
                                     * pv["value_factor"], 0.0, pv["max_kwp"], ent)
        for f, info in enumerate(self.infos):
            r_alloc = self.rows["alloc", f] = self.lp.row(("alloc", f), hi=0.0)
            pieces = info["pv_pieces"]
            rv = []
            for j, (alpha, beta) in enumerate(pieces):
                rv.append(self.lp.row(("pvv", f, j), hi=0.0))
            self.rows["pvv", f] = rv
            self.vars["q", f] = self.lp.col(-y_kwp * export_avg * pv["value_factor"], 0.0, info["pv_qmax_kwp"],
                                            [(r_tot, 1.0), (r_alloc, 1.0)] + [(r, -b) for r, (_, b) in zip(rv, pieces)]
                                            + self._abatement_entries(1.0))
            vmax = max((a + b * info["pv_qmax_kwp"]) for a, b in pieces) if pieces else 0.0
            self.vars["v", f] = self.lp.col(pv["value_factor"], 0.0, max(vmax, 0.0), [(r, 1.0) for r in rv])

    def park_battery(self):
        """bv <= alpha_j + beta_j B (concave curve on the aggregate baseline load), B <= max."""
        st = self.d.storage
        if st is None or "pieces" not in st:
            return
        rows = [self.lp.row(("bat", j), hi=a) for j, (a, _) in enumerate(st["pieces"])]
        ent = [(r, -b) for r, (_, b) in zip(rows, st["pieces"])]
        if ("pbud", st["build_year"]) in self.rows:
            ent.append((self.rows["pbud", st["build_year"]], st["capex_cny_per_kwh"]))
        self.vars["B"] = self.lp.col(-st["capex_cny_per_kwh"] * st["cost_factor"], 0.0, st["max_kwh"], ent)
        self.vars["bv"] = self.lp.col(st["value_factor"], 0.0, max(st["max_value"], 0.0), [(r, 1.0) for r in rows])

    # columns ----------------------------------------------------------------------------------------------
    def column_entries(self, f: int, c) -> tuple[float, list]:
        d, R = self.d, self.rows
        cost = c.npv_cny + float(np.dot(d.df[:d.T], c.subsidy_cny))
        e = [(R["conv", f], 1.0)]
        for t in range(1, d.T + 1):
            if ("pool", t) in R:
                e.append((R["pool", t], c.subsidy_cny[t - 1]))
            if ("co2", t) in R:
                e.append((R["co2", t], c.em_t[t - 1]))
            if ("int", t) in R:
                e.append((R["int", t], c.em_t[t - 1] - d.intensity_target[t - 1] * c.energy_mwh[t - 1]))
        if c.start_year:
            if ("pbud", c.start_year) in R:
                e.append((R["pbud", c.start_year], d.progcost))
            if ("cap", c.start_year) in R:
                e.append((R["cap", c.start_year], 1.0))
        for k, v in c.disc_cny.items():
            if ("disc", *k) in R:
                e.append((R[("disc", *k)], -d.collective[k[0]] * v))
                e.append((R[("cnt", *k)], -float(c.cnt.get(k, 0))))
        if d.pv is not None:
            info = self.infos[f]
            e.append((R["alloc", f], -info["pv_qmax_kwp"] * (1 - c.has_pv)))
            e += [(r, -a * c.ratio_T) for r, (a, _) in zip(R["pvv", f], info["pv_pieces"])]
        return cost, e

    def add_column(self, f: int, j: int, c) -> None:
        cost, e = self.column_entries(f, c)
        # no upper bound: the convexity row implies lambda <= 1, and a bound would carry a dual of its own
        self.lam.append((f, j, self.lp.col(cost, 0.0, math.inf, e, integer=True)))

    def reduced_cost(self, f: int, c, y: np.ndarray) -> float:
        """Reduced cost of column c of firm f at row duals y (its convexity dual included)."""
        cost, e = self.column_entries(f, c)
        return cost - sum(y[r] * v for r, v in e)

    def lagrangian(self, y: np.ndarray, firm_bounds: list[float]) -> float:
        """Lagrangian bound at row duals y >= 0: every row but convexity dualised, each firm at its best plan
        (``firm_bounds``: upper bounds of max_x c_f x - y A_f x from its pricing MILP) and the park's own
        variables at the better end of their boxes:
            L(y) = sum_r y_r b_r + sum_f P_f(y) + sum_j ub_j max(0, c_j - A_j' y)   (j: park-side columns).
        Any y >= 0 gives a bound on the full master LP, hence on the park optimum; at the LP duals L equals the
        Lasdon bound z_LP + sum_f (P_f - sigma_f)."""
        lp = self.lp
        conv = {self.rows["conv", f] for f in range(len(self.infos))}
        lam = {v for _, _, v in self.lam}
        out = float(sum(firm_bounds))
        for r, hi in enumerate(lp.rhi):
            if r not in conv:
                out += y[r] * hi
        for j, cost in enumerate(lp.cost):
            if j in lam:
                continue
            rc = cost - sum(y[r] * v for r, v in lp.entries[j])
            if rc > 0:
                if not np.isfinite(lp.ub[j]):
                    return math.inf
                out += rc * lp.ub[j]
            elif rc < 0 and lp.lb[j] != 0:
                out += rc * lp.lb[j]
        return out

    def duals_by_name(self, y: np.ndarray) -> dict:
        return {name: float(y[r]) for r, name in enumerate(self.lp.rname)}

    def duals_from(self, named: dict, y_now: np.ndarray) -> np.ndarray:
        """A dual vector over this master's rows from duals stored by row name (rows new since: y_now)."""
        return np.array([named.get(name, y_now[r]) for r, name in enumerate(self.lp.rname)])

    def prices(self, y: np.ndarray, f: int) -> tuple[Prices, float]:
        """Dual prices of firm f's use of the coupling rows (the pricing objective of ``FirmModel``) and its
        convexity dual."""
        d, R = self.d, self.rows
        yv = lambda key: float(y[R[key]]) if key in R else 0.0  # noqa: E731
        T = range(1, d.T + 1)
        nopv = ratio = 0.0
        if d.pv is not None:
            info = self.infos[f]
            nopv = yv(("alloc", f)) * info["pv_qmax_kwp"]
            ratio = sum(float(y[r]) * a for r, (a, _) in zip(R["pvv", f], info["pv_pieces"]))
        prices = Prices(
            subsidy_pool_cny_per_cny=tuple(yv(("pool", t)) for t in T),
            park_budget_cny_per_start=tuple(yv(("pbud", t)) * d.progcost for t in T),
            programme_capacity_cny_per_start=tuple(yv(("cap", t)) for t in T),
            co2_target_cny_per_t=tuple(yv(("co2", t)) for t in T),
            co2_intensity_cny_per_t=tuple(yv(("int", t)) for t in T),
            co2_intensity_cny_per_mwh=tuple(yv(("int", t)) * (d.intensity_target[t - 1] if np.isfinite(
                d.intensity_target[t - 1]) else 0.0) for t in T),
            collective_capex_cny_per_cny={(m, t): yv(("disc", m, t)) * d.collective[m] for m, t in self.mt},
            collective_tender_cny_per_firm={(m, t): yv(("cnt", m, t)) for m, t in self.mt},
            shared_pv_no_own_pv_cny=nopv, shared_pv_load_ratio_cny=ratio,
            earliest_later_start_year=d.earliest[f] if d.earliest is not None else 2)
        return prices, yv(("conv", f))
