"""Park planner: the best portfolio of a whole industrial park, by Dantzig-Wolfe column generation over per-firm
plans, with a proven bound.

Why this method. Firms are independent except for a handful of park rows per year, so the park problem has the
block-angular form  max sum_f c_f x_f + c_0 y  s.t. x_f in X_f (firm f's own MILP: ``pathways.model.milp.PlanModel``),
sum_f A_f x_f + A_0 y <= b  (coupling rows), y the park's own decisions. A monolithic MILP of 1,000 firms does not
close (issue 4: > 100 % gap after 150 s). Dantzig-Wolfe keeps each firm's MILP intact (its integrality is kept
inside the columns, so the master LP bound equals the Lagrangian dual bound, at least as tight as Lagrangian
relaxation of the coupling rows and much tighter than the monolithic LP relaxation), needs only one MILP per firm
per round (parallel on Dask), and gives a primal plan from a master MILP over the generated columns. Lagrangian
relaxation with subgradients was the alternative: same bound in the limit, but no primal plan without repair and
slow, step-size-dependent convergence.

Columns and master. A column is one firm plan (``pathways.park.firm.Column``): its NPV, park subsidy g[t], start
year in the programme, emissions em[t], final energy e[t], eligible collective capex disc[m,t] and counts cnt[m,t],
own PV flag h and load ratio r. Master variables: lambda[f,c] (convex weights, binary in the final MILP),
collective discounts d[m,t] >= 0 and tender binaries y[m,t], the programme binary w, park PV size S (kWp) with
allocations q[f] and yearly values v[f], park battery size B (kWh) with value bv.
Coupling families (one function each below, rows <= unless said):

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

Bound. For any duals y >= 0 of the non-convexity rows, L(y) = sum_r y_r b_r + sum_f P_f(y) + sum_j ub_j
max(0, c_j - A_j' y) is an upper bound on the park optimum (``Master.lagrangian``; P_f(y) = max over firm f's
plans of its pricing objective, bounded above by the HiGHS dual bound of its pricing MILP, valid at a time limit;
j runs over the park's own variables). At the master LP duals it is the Lasdon bound z_LP + sum_f (P_f - sigma_f).
Firms are priced at Wentges-smoothed duals (``smoothing``), large parks in slices between complete rounds
(``full_pricing_below``); the best bound over complete rounds is kept; gap = (bound - primal) / |primal|.
Before the master MILP, firms split by the LP are priced once per start year (``enrich_columns``); when the LP
takes the programme binary w fractionally and the plan misses the gap, column generation also runs with w = 1
and w = 0 (the bound is then the larger of the two branch bounds).

Roll-out queue (``later_batches``): pilots are open to all firms; later batches follow a queue by energy use and
digital maturity (``rollout_queue``), enforced as bounds on each firm's start variables.

Approximations (stated in every result): park PV value is valued in year T's load and scaled by panel
performance per year (perf x V(q) <= V(perf x q) for a concave V with V(0) = 0: conservative); allocated park PV
is counted as displacing grid power in the CO2 rows; the park battery is valued on the baseline aggregate load;
the collective discount lowers upfront capex only (not O&M set as a share of capex). Park microgrid, EMS platform,
central steam and green-power purchase are not modelled yet: a result says so when the park lists them.
"""
from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pathways.concurrency import HIGHS_LOCK
from pathways.errors import InputError, problem as pline, suggest

MODELLED = ("park_shared_pv", "park_storage", "park_collective_procurement")
# The coupling families, one method of Master each (docs/methodology.md documents each as `park.<name>`).
COUPLING_FAMILIES = ("convexity", "subsidy_pool", "park_budget", "co2_target", "programme_capacity",
                     "collective_procurement", "shared_pv", "park_battery")


# ----------------------------------------------------------------------------------------- execution
class _Runner:
    """Runs per-firm tasks serially in this process (workers=0) or on Dask, each firm pinned to one worker so its
    model stays alive in that worker's cache between rounds."""

    def __init__(self, workers: int | None, scheduler: str | None):
        self.client = self.cluster = None
        if scheduler or (workers or 0) > 0:
            from distributed import Client, LocalCluster
            if scheduler:
                self.client = Client(scheduler)
            else:
                self.cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=40)
                self.client = Client(self.cluster)
            self.addresses = sorted(self.client.scheduler_info()["workers"])
            if not self.addresses:
                raise InputError(pline("scheduler", scheduler, "a Dask scheduler with at least one worker"))

    def map(self, fn, calls: list[tuple], firms: list[int]) -> list:
        if self.client is None:
            return [fn(*args) for args in calls]
        futs = [self.client.submit(fn, *args, workers=[self.addresses[f % len(self.addresses)]],
                                   allow_other_workers=False, pure=False) for args, f in zip(calls, firms)]
        return self.client.gather(futs)

    def close(self, run: str) -> None:
        from pathways.park.firm import drop_run
        if self.client is None:
            drop_run(run)
            return
        try:
            self.client.run(drop_run, run)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


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
        from pathways.energy.value import quiet_highs
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


# ----------------------------------------------------------------------------------------- park data
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
    import pandas as pd
    e, m = pd.Series(np.asarray(energy_mwh, dtype=float)), pd.Series(np.asarray(maturity, dtype=float))
    score = 0.5 * e.rank(pct=True) + 0.5 * m.rank(pct=True)
    order = np.lexsort((np.arange(len(e)), -m.to_numpy(), -e.to_numpy(), -score.to_numpy()))
    queue = np.empty(len(e), dtype=int)
    queue[order] = np.arange(len(e))
    # first year t (1-based) whose cumulative capacity exceeds the place; never before year 2; T + 1 if none
    cum = np.cumsum(np.asarray(capacity, dtype=float)[:T])
    earliest = np.maximum(np.searchsorted(cum, queue, side="right") + 1, 2)
    return queue.tolist(), np.minimum(earliest, T + 1).tolist()


def _npv_factor_asset(df: np.ndarray, H: int, build: int, life: int, om_frac: float) -> float:
    """CNY of NPV per CNY of capex of a park-owned asset built at the start of ``build``: capex, O&M as a share of
    capex each year, like-for-like replacement within H, straight-line residual at H (``pathways.model.economics``)."""
    from pathways.model.economics import replacement_schedule
    points, left, owner_at_h, _ = replacement_schedule(build, life, H, "own", 0)
    f = df[build - 1] + om_frac * float(df[build:H + 1].sum()) + sum(df[p] for p in points)
    return f - (left * df[H] if owner_at_h else 0.0)


def park_data(resolved, infos: list[dict] | None = None) -> ParkData:
    from pathways.reference.catalog import load_catalog
    park = resolved.model
    a = resolved.assumptions
    pa = a["park"]
    T, H = park.plan.years, park.plan.horizon_years
    r = float(a["finance"]["discount_rate_real"])
    df = (1 + r) ** -np.arange(H + 1, dtype=float)
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
    from pathways.reference.cities import resolve_location
    from pathways.reference import tables
    loc = resolve_location(name=park.city, lat_deg=park.location.lat_deg, lon_deg=park.location.lon_deg) \
        if park.location else resolve_location(name=park.city) if park.city else None
    if loc is not None:
        base_year = int(a["grid"]["report_year"]) + 1
        gf = tables.grid_factor_kg_per_kwh(park.province or loc.province, base_year,
                                              basis=a["grid"]["factor_basis"])
        d.grid_t_per_kwh = tables.grid_factor_path(gf.value_kg_per_kwh, H,
                                                      float(a["grid"]["factor_decline_per_year"])) / 1000.0
    if "park_shared_pv" in park.park_options and float(pa["shared_pv_land_m2"]) > 0 and loc is not None:
        from pathways.energy.pv import profile_for_station
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
                "cost_factor": _npv_factor_asset(df, H, build, life, float(P.get("om_frac_capex_per_year", 0.0))),
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
                     "cost_factor": _npv_factor_asset(df, H, build, int(P.get("lifetime_years", 15)),
                                                      float(P.get("om_frac_capex_per_year", 0.0))),
                     "value_factor": float((df[1:] * esc * alive).sum())}
    return d


# ----------------------------------------------------------------------------------------- master
class Master:
    """The restricted master over the generated columns (module docstring: one method per coupling family)."""

    def __init__(self, d: ParkData, infos: list[dict], columns: list[list], fix: dict | None = None):
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

    def prices(self, y: np.ndarray, f: int) -> tuple[dict, float]:
        """Dual prices of firm f's use of the coupling rows (the pricing objective of ``FirmModel``) and its
        convexity dual."""
        d, R = self.d, self.rows
        yv = lambda key: float(y[R[key]]) if key in R else 0.0  # noqa: E731
        T = range(1, d.T + 1)
        p = {"pi_pool": [yv(("pool", t)) for t in T],
             "pi_start": [yv(("pbud", t)) * d.progcost + yv(("cap", t)) for t in T],
             "pi_em": [yv(("co2", t)) + yv(("int", t)) for t in T],
             "pi_energy": [yv(("int", t)) * (d.intensity_target[t - 1] if np.isfinite(d.intensity_target[t - 1])
                                             else 0.0) for t in T],
             "pi_disc": {(m, t): yv(("disc", m, t)) * d.collective[m] for m, t in self.mt},
             "pi_cnt": {(m, t): yv(("cnt", m, t)) for m, t in self.mt}}
        if d.pv is not None:
            info = self.infos[f]
            p["pi_nopv"] = yv(("alloc", f)) * info["pv_qmax_kwp"]
            p["pi_ratio"] = sum(float(y[r]) * a for r, (a, _) in zip(R["pvv", f], info["pv_pieces"]))
        if d.earliest is not None:
            p["earliest_later_start"] = d.earliest[f]
        return p, yv(("conv", f))


# ----------------------------------------------------------------------------------------- result
@dataclass
class ParkResult:
    """``status``: optimal (gap <= target), gap_not_reached (column generation stopped with a larger gap; the plan
    is feasible and the bound proven), time_limit, infeasible."""

    status: str
    objective_cny: float | None
    bound_cny: float | None
    gap: float | None
    mip_gap: float | None
    iterations: int
    solve_seconds: float
    total_seconds: float
    firms: list[dict]
    shared_assets: list[dict]
    rollout: list[dict]
    targets: list[dict]
    spending: list[dict]
    value_of_clustering: dict
    totals: dict
    history: list[dict]
    applied_overrides: list[dict]
    park: dict
    message: str = ""

    def to_dict(self) -> dict:
        from pathways.jsonio import to_jsonable
        return to_jsonable({"status": self.status, "objective": self.objective_cny, "objective_kind": "park_npv",
                  "npv_cny": self.objective_cny, "bound": self.bound_cny, "gap": self.gap, "mip_gap": self.mip_gap,
                  "iterations": self.iterations, "solve_seconds": self.solve_seconds,
                  "total_seconds": self.total_seconds, "totals": self.totals,
                  "value_of_clustering": self.value_of_clustering, "firms": self.firms,
                  "shared_assets": self.shared_assets, "rollout": self.rollout, "targets": self.targets,
                  "spending": self.spending, "history": self.history,
                  "applied_overrides": self.applied_overrides, "park": self.park, "message": self.message})


# ----------------------------------------------------------------------------------------- driver
def _wall(deadline: float) -> float:
    """A ``time.perf_counter()`` deadline on the wall clock (``time.time()``), which the Dask workers share."""
    return time.time() + (deadline - time.perf_counter())


def _firm_specs(resolved, d: ParkData, time_limit: float, gap: float,
                deadline_unix: float | None = None) -> list[dict]:
    from pathways.inputs.config import Resolved
    pool_max = float(np.max(d.pool)) if len(d.pool) and np.isfinite(np.max(d.pool)) else 1e12
    out = []
    for i, firm in enumerate(resolved.model.firms):
        r = Resolved(kind="site", model=firm, assumptions=firm.assumptions, applied_overrides=[],
                     config_hash=f"{resolved.config_hash}:{firm.id}", source_path=resolved.source_path)
        out.append({"firm_id": firm.id, "resolved": r, "collective_measures": frozenset(d.collective),
                    "pool_max_cny": pool_max, "subsidy_share": d.share, "time_limit": time_limit, "gap": gap,
                    "deadline_unix": deadline_unix,
                    "park_pv_profile": None if d.pv is None else d.pv["profile"],
                    "want_load": d.storage is not None, "want_price": d.storage is not None and i == 0})
    return out


def plan_park(model, scenario=(), set_values=(), *, time_limit: float = 120.0, gap: float = 5e-3,
              workers: int | None = 0, scheduler: str | None = None, max_rounds: int = 60,
              firm_gap: float | None = None, pricing_time_limit: float = 3.0, smoothing: float = 0.5,
              full_pricing_below: int = 200, allow_paths=()) -> ParkResult:
    """Plan a park (module docstring). ``model`` is a park YAML path, a dict or a Resolved park. ``workers``:
    0 runs the firms in this process, N > 0 on a local Dask cluster of N single-threaded workers; ``scheduler``
    the address of an existing Dask cluster. Method settings: ``firm_gap`` relative gap of each pricing MILP
    (default a fifth of ``gap``, at most 0.1 %), ``pricing_time_limit`` s per pricing MILP, ``smoothing`` the
    Wentges weight of the best duals (0: plain LP duals), ``full_pricing_below`` parks of more firms are priced
    in slices between complete rounds, ``max_rounds`` of pricing in all. ``allow_paths``: folders the firms' data
    files may name besides the park's own folder (``--allow-path``)."""
    from pathways.inputs.config import Resolved, resolve
    from pathways.park.firm import init_firm, price_firm, report_firm
    t_start = time.perf_counter()
    scenarios = [scenario] if isinstance(scenario, str) else list(scenario)
    resolved = (model if isinstance(model, Resolved)
                else resolve(model, scenarios, list(set_values), allow_paths=allow_paths))
    if resolved.kind != "park":
        raise InputError(pline("kind", resolved.kind, "a park model (a file with firms; use `pathways plan` for sites)"))
    from pathways.inputs.config import check_run_options
    check_run_options(time_limit=time_limit, gap=gap, workers=workers)
    d = park_data(resolved)
    if firm_gap is None:
        # each firm's pricing bound may sit this far above its best value; summed over firms it adds at most
        # firm_gap x (sum of the firms' pricing values) to the park bound: a fifth of the gap target
        firm_gap = min(max(gap / 5, 1e-6), 1e-3)
    run = uuid.uuid4().hex
    runner = _Runner(workers, scheduler)
    try:
        return _solve(resolved, d, runner, run, t_start, time_limit, gap, max_rounds, firm_gap,
                      init_firm, price_firm, report_firm, pricing_time_limit, smoothing, full_pricing_below)
    finally:
        runner.close(run)


def _solve(resolved, d, runner, run, t_start, time_limit, gap, max_rounds, firm_gap, init_firm, price_firm,
           report_firm, pricing_time_limit=3.0, smoothing=0.5, full_pricing_below=200) -> ParkResult:
    # building the firms and their standalone solves end by half the time limit (from the start of plan_park): a
    # firm whose turn comes later keeps only its do-nothing column (``park_firm.init_firm``)
    specs = _firm_specs(resolved, d, time_limit, firm_gap, _wall(t_start + 0.5 * time_limit))
    n = len(specs)
    inits = runner.map(init_firm, [(run, s) for s in specs], list(range(n)))
    infos = [r["info"] for r in inits]
    columns = [r["columns"] for r in inits]
    keys = [{c.key() for c in cols} for cols in columns]
    if d.later_batches == "by_energy_and_maturity":
        maturity = [int(getattr(f, "digital_maturity", 0) or 0) for f in resolved.model.firms]
        d.queue, d.earliest = rollout_queue([i["baseline_energy_mwh"] for i in infos], maturity, d.capacity, d.T)
    columns = [[c for i, c in enumerate(cols) if c.key() not in {x.key() for x in cols[:i]}] for cols in columns]
    if d.storage is not None:
        from pathways.energy.value import battery_value_curve
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
    t_solve = time.perf_counter()
    deadline = t_start + time_limit
    cg = _ColumnGeneration(d, infos, columns, keys, specs, runner, run, price_firm, firm_gap, pricing_time_limit,
                           smoothing, full_pricing_below, max_rounds, gap, t_start)
    best_bound, lp_value, stop, w_lp = cg.run(None, t_start + 0.7 * time_limit)

    def final_mip():
        if lp_value is not None and time.perf_counter() < deadline - 5.0:
            enrich_columns(d, infos, columns, keys, specs, runner, run, price_firm, deadline, pricing_time_limit,
                           firm_gap, cg.history, t_start)
        master = Master(d, infos, columns)
        # the master MILP's dual bound is at most z_LP <= best_bound: its own relative gap need only close what
        # the column generation left of the target (at least a tenth of the target, to finish)
        room = gap - (best_bound - lp_value) / max(abs(lp_value), 1.0) if lp_value is not None else gap
        return master, master.lp.solve(mip=True, time_limit=max(deadline - time.perf_counter(), 1.0),
                                       gap=min(max(room, gap / 10), gap))

    master, mip = final_mip()
    # Branch on the park's programme binary w (collective procurement) when the master LP takes it fractionally
    # and the plan misses the gap: the programme's fixed cost is then paid only in part, which inflates the bound
    # of small parks. The optimum lies in one of the branches w = 0 and w = 1, so max(bound_0, bound_1) is a
    # bound too; each branch runs its own column generation and its columns stay for the final MILP.
    if mip["ok"] and w_lp is not None and 1e-6 < w_lp < 1 - 1e-6 and \
            best_bound - mip["objective"] > gap * abs(mip["objective"]) and \
            time.perf_counter() < t_start + 0.5 * time_limit:
        share = (0.7 * time_limit - (time.perf_counter() - t_start)) / 2
        branch = []
        for value in (1.0, 0.0):
            b, _, why, _ = cg.run({"w": value}, time.perf_counter() + share, label=f"w={value:g}")
            branch.append(b)
            stop = f"{stop}; branch w={value:g}: {why}"
        best_bound = min(best_bound, max(branch))
        master, mip = final_mip()
    rounds, history = cg.rounds, cg.history
    solve_seconds = time.perf_counter() - t_solve
    # firms cut short by the build deadline (not built, or no standalone plan): the master over their columns
    # proves nothing about the park, so an infeasible master is a time limit, not an infeasible park
    truncated = any(not i.get("built", True) or i.get("standalone_status") == "not_solved" for i in infos)
    if not mip["ok"] and "nfeasible" in mip["status"] and truncated:
        best_bound = math.inf if best_bound == -math.inf else best_bound
    best_bound, bound_source, notes = _bound(master, infos, best_bound)
    if not mip["ok"]:
        status = "infeasible" if "nfeasible" in mip["status"] and not truncated else \
            "error" if "nfeasible" not in mip["status"] and "time limit" not in mip["status"].lower() else "time_limit"
        msg = ("the park's coupling rows (targets, budgets, capacity) cannot all be met by the firms' plans"
               if status == "infeasible" else "; ".join(
                   ["no park plan found within the time limit: the plans of the firms built in time cannot meet "
                    "the park's rows (targets, budgets, capacity)" if "nfeasible" in mip["status"]
                    else f"master MILP: {mip['status']}"] + notes))
        return ParkResult(status, None, best_bound if np.isfinite(best_bound) else None, None, None, rounds,
                          solve_seconds, time.perf_counter() - t_start, [], [], [], [], [], {}, {}, history,
                          resolved.applied_overrides, {"name": d.name, "firms": n}, message=msg)
    x = mip["x"]
    primal = float(mip["objective"])
    bound = best_bound if np.isfinite(best_bound) else None
    gap_val = None if bound is None else max(bound - primal, 0.0) / max(abs(primal), 1.0)
    chosen = {}
    for f, j, v in master.lam:
        if x[v] > 0.5:
            chosen[f] = columns[f][j]
    reports = runner.map(report_firm, [(run, specs[f]["firm_id"], chosen[f].plan) for f in range(n)],
                         list(range(n)))
    if gap_val is not None and gap_val <= gap + 1e-12:
        status = "optimal"
    else:
        status = "time_limit" if stop.startswith("time") or bound is None else "gap_not_reached"
    out = _assemble(resolved, d, master, x, chosen, infos, reports, primal, bound, gap_val, mip, rounds,
                    solve_seconds, t_start, history, status)
    out.park["stopped_because"] = stop
    out.park["init_seconds"] = t_solve - t_start
    out.park["bound_source"] = bound_source
    if status != "optimal":
        tail = (f"gap {100 * gap_val:.2f} % above the target {100 * gap:.2f} % ({stop}); the plan is feasible, the "
                f"bound proven" if bound is not None else f"the plan is feasible ({stop})")
        out.message = "; ".join(filter(None, [out.message] + notes + [tail]))
    return out


def _bound(master: Master, infos: list[dict], best_bound: float) -> tuple[float, str | None, list[str]]:
    """The park's bound, where it comes from and notes for the result. The best complete pricing round's bound if
    there was one; otherwise the trivial bound L(0) (``Master.lagrangian`` is valid at any duals y >= 0, and at
    y = 0 each firm's pricing value is bounded by its LP relaxation, ``park_firm.Kernel.relaxation_bound``); when
    a firm has no such bound either (not built in time), none: inf and a note saying why."""
    n = len(infos)
    notes = []
    unbuilt = sum(1 for i in infos if not i.get("built", True))
    unsolved = sum(1 for i in infos if i.get("standalone_status") == "not_solved")
    if unbuilt:
        notes.append(f"{unbuilt} of {n} firms were not built before the build deadline (half the time limit): "
                     "they can only do nothing")
    if unsolved:
        notes.append(f"{unsolved} of {n} firms got no standalone solve before the build deadline")
    if best_bound < math.inf:
        return best_bound, "the best complete round of pricing" if np.isfinite(best_bound) else None, notes
    firm_bounds = [i.get("zero_price_bound_cny") for i in infos]
    missing = sum(b is None for b in firm_bounds)
    if missing:
        return math.inf, None, notes + [f"no bound: {missing} of {n} firms were not priced within the time limit"]
    trivial = master.lagrangian(np.zeros(len(master.lp.rname)), firm_bounds)
    if not np.isfinite(trivial):
        return math.inf, None, notes + ["no bound: no complete round of pricing within the time limit"]
    return trivial, "trivial", notes + ["no complete round of pricing: the bound is the trivial one (each firm's "
                                        "best plan with the park's rows and its integrality relaxed, plus the "
                                        "park's own assets at their best)"]


class _ColumnGeneration:
    """Rounds of pricing and master LP (``_solve``), run at the root and in branches that fix park variables.
    Wentges dual smoothing: firms are priced at y = alpha y_center + (1 - alpha) y_LP, y_center the duals with the
    best Lagrangian bound so far; it damps the zig-zag of the LP duals. A round whose columns do not improve the
    master LP (mispricing) is followed by one at the LP duals, where no improving column proves the master LP
    optimal. Partial pricing for large parks: after a first complete round, rounds price a slice of the firms in
    turn (the master LP and its duals move after each slice); a complete round (every firm at one set of duals,
    the only kind that gives a bound) follows each full pass or a slice that finds few improving columns."""

    def __init__(self, d, infos, columns, keys, specs, runner, run, price_firm, firm_gap, pricing_time_limit,
                 smoothing, full_pricing_below, max_rounds, gap, t_start):
        self.d, self.infos, self.columns, self.keys, self.specs = d, infos, columns, keys, specs
        self.runner, self.run_id, self.price_firm = runner, run, price_firm
        self.firm_gap, self.pricing_time_limit, self.smoothing = firm_gap, pricing_time_limit, smoothing
        self.full_pricing_below, self.max_rounds, self.gap, self.t_start = full_pricing_below, max_rounds, gap, t_start
        self.history: list[dict] = []
        self.rounds = 0

    def run(self, fix: dict | None, stop_at: float, label: str = "root"):
        """Column generation under ``fix`` until the LP is within a quarter of the gap of the bound, no column
        improves it, or ``stop_at``; returns (best bound, last LP value, why it stopped, LP value of w)."""
        d, infos, columns, keys, n = self.d, self.infos, self.columns, self.keys, len(self.specs)
        gap = self.gap
        stop, best_bound, lp_value, w_lp = "round limit", math.inf, None, None
        center, center_bound, alpha = None, math.inf, self.smoothing
        partial = n > self.full_pricing_below
        batch = max(self.full_pricing_below // 2, math.ceil(n / 5)) if partial else n
        order = list(np.random.default_rng(0).permutation(n)) if partial else list(range(n))
        cursor, since_complete, last_improving, k = 0, 0, n, 0
        while self.rounds < self.max_rounds:
            self.rounds += 1
            k += 1
            master = Master(d, infos, columns, fix)
            res = master.lp.solve(mip=False, time_limit=max(stop_at - time.perf_counter(), 1.0))
            if not res["ok"]:
                stop = f"master LP: {res['status']}"
                break
            lp_value = res["objective"]
            w_lp = float(res["x"][master.vars["w"]]) if "w" in master.vars else None
            conv = np.array([isinstance(name, tuple) and name[0] == "conv" for name in master.lp.rname])
            y_lp = np.where(conv, res["y"], np.maximum(res["y"], 0.0))
            full = k == 1 or not partial or since_complete >= n or last_improving < 0.05 * batch
            firms = list(range(n)) if full else [int(order[(cursor + i) % n]) for i in range(batch)]
            if full:
                since_complete = 0
            else:
                cursor, since_complete = (cursor + batch) % n, since_complete + batch
            a_now = alpha if center is not None else 0.0
            y = y_lp if a_now == 0 else a_now * master.duals_from(center, y_lp) + (1 - a_now) * y_lp
            pr = {f: master.prices(y, f) for f in firms}
            limit = max(min(stop_at - time.perf_counter(), self.pricing_time_limit), 0.5)
            out = dict(zip(firms, self.runner.map(
                self.price_firm, [(self.run_id, self.specs[f]["firm_id"], pr[f][0], limit, self.firm_gap,
                                   _wall(stop_at)) for f in firms], firms)))
            unpriced = sum(1 for o in out.values() if o["status"] == "not_priced")
            added = improving = 0
            tol = 1e-7 * max(1.0, abs(lp_value) / n) + 1e-3
            for f, o in out.items():
                c = o["column"]
                if c is None or c.key() in keys[f]:
                    continue
                rc_lp = master.reduced_cost(f, c, y_lp)
                if rc_lp > tol or o["value"] - pr[f][1] > tol:
                    keys[f].add(c.key())
                    columns[f].append(c)
                    added += 1
                    improving += int(rc_lp > tol)
            last_improving = improving
            bound = None
            if full and all(o["bound"] is not None for o in out.values()):
                bound = master.lagrangian(y, [out[f]["bound"] for f in range(n)])
                best_bound = min(best_bound, bound)
                if bound < center_bound:
                    center, center_bound = master.duals_by_name(y), bound
            self.history.append({"round": self.rounds, "branch": label, "firms_priced": len(firms) - unpriced,
                                 "master_lp_cny": lp_value, "lagrangian_bound_cny": bound, "smoothing": a_now,
                                 "columns_added": added, "columns_improving_lp": improving,
                                 "seconds": time.perf_counter() - self.t_start})
            if unpriced:                  # past stop_at, or firms not built: this round proves nothing
                stop = f"time: {unpriced} of {len(firms)} firms not priced in round {self.rounds} by the time limit"
                break
            if full and a_now == 0 and improving == 0:
                stop = "no column with a positive reduced cost left"
                break
            alpha = self.smoothing if improving else 0.0
            if best_bound - lp_value <= 0.25 * gap * max(abs(lp_value), 1.0):
                stop = "master LP within a quarter of the gap target of the bound"
                break
            if time.perf_counter() > stop_at:
                stop = "time: 70 % of the time limit used by column generation"
                break
        if lp_value is None and stop.startswith("master LP") and "nfeasible" in stop:
            best_bound = -math.inf            # an infeasible branch bounds nothing
        return best_bound, lp_value, stop, w_lp


def enrich_columns(d, infos, columns, keys, specs, runner, run, price_firm, deadline, pricing_time_limit,
                   firm_gap, history, t_start, max_firms: int = 60) -> int:
    """Columns for the master MILP where the master LP is fractional: the LP splits a firm between plans when a
    coupling row binds (capacity, pool, tenders), and the MILP then needs that firm's best plan for each way of
    taking part. Each fractional firm (at most ``max_firms``, largest split first) is priced at the final LP duals
    once per programme start year it may take, with the start fixed (0: outside the programme). Columns never
    raise the bound; they only give the MILP better integer combinations."""
    master = Master(d, infos, columns)
    res = master.lp.solve(mip=False, time_limit=max(deadline - time.perf_counter(), 1.0))
    if not res["ok"]:
        return 0
    frac: dict[int, float] = {}
    for f, _, v in master.lam:
        x = float(res["x"][v])
        if 1e-6 < x < 1 - 1e-6:
            frac[f] = max(frac.get(f, 0.0), min(x, 1 - x))
    firms = sorted(frac, key=lambda f: -frac[f])[:max_firms]
    y = res["y"]
    calls, owners = [], []
    for f in firms:
        prices = master.prices(y, f)[0]
        first = d.earliest[f] if d.earliest is not None else 2
        for start in [0, 1] + list(range(max(first, 2), d.T + 1)):
            calls.append((run, specs[f]["firm_id"], {**prices, "force_start": start},
                          max(min(deadline - time.perf_counter(), pricing_time_limit), 0.5), firm_gap,
                          _wall(deadline - 2.0)))
            owners.append(f)
    added = 0
    for f, o in zip(owners, runner.map(price_firm, calls, owners)):
        c = o["column"]
        if c is not None and c.key() not in keys[f]:
            keys[f].add(c.key())
            columns[f].append(c)
            added += 1
    history.append({"round": "enrich", "firms_priced": len(firms), "master_lp_cny": res["objective"],
                    "lagrangian_bound_cny": None, "columns_added": added,
                    "seconds": time.perf_counter() - t_start})
    return added


def _assemble(resolved, d, master, x, chosen, infos, reports, primal, bound, gap_val, mip, rounds, solve_seconds,
              t_start, history, status) -> ParkResult:
    n, T = len(infos), d.T
    V = master.vars
    val = lambda key: float(x[V[key]]) if key in V else 0.0  # noqa: E731
    firms, rollout = [], []
    # programme roll-out: reasons from potential, energy use and digital maturity
    pot = np.array([i["standalone_npv_cny"] for i in infos])
    kwh = np.array([i["annual_kwh"] for i in infos])
    rank_pot = {f: r + 1 for r, f in enumerate(np.argsort(-pot, kind="stable"))}
    rank_kwh = {f: r + 1 for r, f in enumerate(np.argsort(-kwh, kind="stable"))}
    maturity = [int(getattr(resolved.model.firms[f], "digital_maturity", 0) or 0) for f in range(n)]
    discount = {}
    for (m, t) in master.mt:
        dv = val(("d", m, t))
        if dv > 1e-6:
            discount[m, t] = dv
    for f in range(n):
        c, rep, info = chosen[f], reports[f], infos[f]
        q = val(("q", f))
        firm_disc = sum(d.collective[m] * v for (m, t), v in c.disc_cny.items()
                        if (m, t) in discount) if discount else 0.0
        pv_value_year1 = val(("v", f))
        firms.append({"firm_id": d.firm_ids[f], "name": resolved.model.firms[f].name,
                      "sector": resolved.model.firms[f].sector, "tenancy": resolved.model.firms[f].tenancy,
                      "start_year": c.start_year or None, "milp_npv_cny": c.npv_cny, "npv_cny": rep["npv_cny"],
                      "standalone_npv_cny": info["standalone_npv_cny"],
                      "park_subsidy_cny_by_year": c.subsidy_cny.tolist(),
                      "collective_discount_cny": firm_disc,
                      "park_pv_allocated_kwp": q, "park_pv_value_cny_year1": pv_value_year1,
                      "park_pv_firm_saving_cny_year1": pv_value_year1 * (d.pv["discount_frac"] if d.pv else 0.0),
                      "emissions_t_by_year": c.em_t.tolist(), "baseline_emissions_t_by_year": info["em0_t"],
                      "upfront_cny_by_year": rep["upfront_cny_by_year"], "actions": rep["actions"]})
        queued = d.queue is not None
        common = {"potential_npv_cny": pot[f], "potential_rank": rank_pot[f], "energy_use_mwh": kwh[f] / 1e3,
                  "energy_use_rank": rank_kwh[f], "digital_maturity": maturity[f],
                  "queue_place": d.queue[f] + 1 if queued else None,
                  "eligible_for_later_batch_from_year": (d.earliest[f] if d.earliest[f] <= T else None)
                  if queued else 2}
        place = (f"place {d.queue[f] + 1} of {n} in the queue by energy use and digital maturity"
                 + (f", eligible for a later batch from year {d.earliest[f]}" if d.earliest[f] <= T
                    else ", beyond the programme's capacity for later batches")) if queued else ""
        if c.start_year:
            t = c.start_year
            kind = "pilot" if t == 1 else f"batch {t}"
            why = (f"{kind}: potential {pot[f]:,.0f} CNY NPV alone (rank {rank_pot[f]} of {n}), energy use "
                   f"{kwh[f] / 1e3:,.0f} MWh/yr (rank {rank_kwh[f]}), digital maturity {maturity[f]}"
                   + (f"; {place}" if place else "") + "; ")
            uses = []
            if c.subsidy_cny.sum() > 0:
                uses.append(f"park subsidy {c.subsidy_cny.sum():,.0f} CNY")
            if firm_disc > 0:
                uses.append(f"collective procurement {firm_disc:,.0f} CNY")
            why += "joins for " + (" and ".join(uses) if uses else "eligibility")
            if t == 1:
                why += "; a pilot because its early start is worth the most per programme place (pilots are " \
                       "chosen by potential from all firms)"
            elif queued and t == d.earliest[f]:
                why += f"; starts in year {t}, the first year its place in the queue allows"
            elif queued:
                why += f"; starts in year {t}, later than its place allows: its subsidised measures are due then"
            else:
                why += (f"; starts in year {t} because earlier years' programme capacity went to firms whose early "
                        "start is worth more, or its subsidised measures are due then")
            rollout.append({"firm_id": d.firm_ids[f], "year": t, "batch": kind, "reason": why, **common})
        else:
            why = ("its best plan needs no park subsidy or collective tender (it acts alone)" if c.plan
                   else "no measure pays for it under the park's prices")
            rollout.append({"firm_id": d.firm_ids[f], "year": None, "batch": "not in the programme",
                            "reason": why + (f"; {place}" if place else ""), **common})
    rollout.sort(key=lambda r: (r["year"] or 99, r["firm_id"]))
    shared, park_npv = [], 0.0
    S = val("S")
    if d.pv is not None:
        alloc = sum(val(("q", f)) for f in range(n))
        value_y1 = sum(val(("v", f)) for f in range(n))
        capex = S * d.pv["capex_cny_per_kwp"]
        shared.append({"asset": "park_shared_pv", "owner": "park", "size": S, "size_unit": "kWp",
                       "land_m2": d.pv["land_m2"], "build_year": d.pv["build_year"], "capex_cny": capex,
                       "allocated_kwp": alloc, "value_to_firms_cny_year1": value_y1,
                       "sold_to_firms_at_discount_frac": d.pv["discount_frac"],
                       "allocation": {d.firm_ids[f]: val(("q", f)) for f in range(n) if val(("q", f)) > 1e-6},
                       "exported_kwp": S - alloc,
                       "npv_cny": (value_y1 + (S - alloc) * d.pv["yield_kwh_per_kwp"] * master.export_avg)
                       * d.pv["value_factor"] - capex * d.pv["cost_factor"]})
    if d.storage is not None and "B" in V:
        B = val("B")
        shared.append({"asset": "park_storage", "owner": "park", "size": B, "size_unit": "kWh",
                       "build_year": d.storage["build_year"], "capex_cny": B * d.storage["capex_cny_per_kwh"],
                       "value_cny_per_year": val("bv"),
                       "npv_cny": val("bv") * d.storage["value_factor"]
                       - B * d.storage["capex_cny_per_kwh"] * d.storage["cost_factor"]})
    if d.collective and "w" in V:
        shared.append({"asset": "park_collective_procurement", "owner": "park", "size": val("w"),
                       "size_unit": "programme", "tenders": [{"measure_id": m, "year": t, "firms": int(round(sum(
                           chosen[f].cnt.get((m, t), 0) for f in range(n)))), "discount_cny": v}
                           for (m, t), v in sorted(discount.items())]})
    emis = np.sum([chosen[f].em_t for f in range(n)], axis=0)
    base = np.sum([infos[f]["em0_t"] for f in range(n)], axis=0)
    energy = np.sum([chosen[f].energy_mwh for f in range(n)], axis=0)
    targets = []
    for t in range(1, T + 1):
        abat = 0.0
        if d.pv is not None:
            abat = float(d.grid_t_per_kwh[t - 1]) * d.pv["yield_kwh_per_kwp"] * float(d.pv["perf_k"][t - 1]) * \
                sum(val(("q", f)) for f in range(n))
        e_t = float(emis[t - 1]) - abat
        targets.append({"year": t, "baseline_t": float(base[t - 1]), "emissions_t": e_t,
                        "park_pv_abatement_t": abat, "target_t": d.co2_target[t - 1],
                        "intensity_t_per_mwh": e_t / max(float(energy[t - 1]), 1e-9),
                        "intensity_target_t_per_mwh": d.intensity_target[t - 1],
                        "met": bool(e_t <= d.co2_target[t - 1] + 1e-6 * max(1.0, abs(e_t)))})
    spending = []
    for t in range(1, T + 1):
        starts = sum(1 for f in range(n) if chosen[f].start_year == t)
        assets = (S * d.pv["capex_cny_per_kwp"] if d.pv is not None and d.pv["build_year"] == t else 0.0) + \
            (val("B") * d.storage["capex_cny_per_kwh"] if d.storage is not None and d.storage["build_year"] == t
             else 0.0)
        prog = val("w") * (d.coll_setup_cny * (t == 1) + d.coll_annual_cny * (t <= d.coll_years))
        spending.append({"year": t, "firms_starting": starts, "programme_capacity": d.capacity[t - 1],
                         "park_budget_cny": d.budget[t - 1],
                         "park_spend_cny": starts * d.progcost + assets + prog,
                         "park_asset_capex_cny": assets, "programme_cost_cny": starts * d.progcost + prog,
                         "subsidy_pool_cny": d.pool[t - 1],
                         "public_subsidy_paid_cny": float(sum(chosen[f].subsidy_cny[t - 1] for f in range(n)))})
    standalone = float(pot.sum())
    firm_npv = float(sum(c.npv_cny for c in chosen.values()))
    subsidy_npv = float(sum(np.dot(d.df[:T], c.subsidy_cny) for c in chosen.values()))
    disc_npv = float(sum(d.df[t - 1] * v for (m, t), v in discount.items()))
    park_npv = primal - firm_npv - subsidy_npv - disc_npv
    # without every firm's standalone optimum (time limit) there is nothing to measure the value of clustering by
    known = all(i.get("standalone_status") not in ("not_solved", "not_built", None) for i in infos)
    vc = {"park_optimum_cny": primal, "sum_of_standalone_optima_cny": standalone if known else None,
          "value_cny": primal - standalone if known else None,
          "value_frac": (primal - standalone) / max(abs(standalone), 1.0) if known else None,
          "of_which_firm_plans_cny": firm_npv - standalone, "of_which_park_subsidy_cny": subsidy_npv,
          "of_which_collective_discounts_cny": disc_npv, "of_which_park_assets_and_programme_cny": park_npv,
          "note": "standalone = each firm's own optimum with no park (no subsidy pool, tenders or shared assets); "
                  "the park subsidy is public money and counts as value to the park's firms"}
    totals = {"park_npv_cny": primal, "firm_plans_npv_cny": firm_npv, "firm_plans_exact_npv_cny": float(
        sum(r["npv_cny"] for r in reports)), "park_subsidy_npv_cny": subsidy_npv,
        "collective_discount_npv_cny": disc_npv, "park_assets_and_programme_npv_cny": park_npv,
        "firms_in_programme": sum(1 for c in chosen.values() if c.start_year), "firms": n}
    msg = "; ".join(d.notes)
    return ParkResult(status, primal, bound, gap_val, mip["mip_gap"], rounds, solve_seconds,
                      time.perf_counter() - t_start, firms, shared, rollout, targets, spending, vc, totals, history,
                      resolved.applied_overrides, {"name": d.name, "firms": n, "plan_years": T,
                                                   "park_options": list(resolved.model.park_options),
                                                   "config_hash": resolved.config_hash,
                                                   "method": "Dantzig-Wolfe column generation, Lasdon bound"},
                      message=msg)


# ----------------------------------------------------------------------------------------- CLI
def run_park(args) -> int:
    import sys
    res = plan_park(args.model, args.scenario, args.set_values, time_limit=args.time_limit, gap=args.gap,
                    workers=args.workers, scheduler=args.scheduler, allow_paths=getattr(args, "allow_path", None) or ())
    if args.json:
        from pathways.jsonio import emit_json
        emit_json(res.to_dict(), args.json)
    if args.json != "-":
        _print_summary(res)
    from pathways.errors import EXIT_INFEASIBLE, EXIT_OK, EXIT_SOLVER_ERROR, EXIT_TIME_LIMIT
    if res.status == "infeasible":
        print(f"error: {res.message}", file=sys.stderr)
        return EXIT_INFEASIBLE
    if res.objective_cny is not None:
        return EXIT_OK
    print(f"error: {res.message}", file=sys.stderr)
    return EXIT_TIME_LIMIT if res.status == "time_limit" else EXIT_SOLVER_ERROR


def _print_summary(res: ParkResult) -> None:
    print(f"park {res.park.get('name')!r}: {res.park.get('firms')} firms, status {res.status}")
    if res.objective_cny is None:
        print(res.message)
        return
    bound = ("no bound (see the note)" if res.bound_cny is None else
             f"bound {res.bound_cny:,.0f}; gap {100 * res.gap:.3f} %")
    print(f"park NPV {res.objective_cny:,.0f} CNY; {bound}; {res.iterations} rounds; {res.total_seconds:.1f} s")
    v = res.value_of_clustering
    if v.get("value_cny") is None:
        print("value of clustering: not measured (not every firm's standalone optimum was found in the time limit)")
    else:
        print(f"value of clustering {v['value_cny']:,.0f} CNY ({100 * v['value_frac']:.1f} % over "
              f"{v['sum_of_standalone_optima_cny']:,.0f} CNY of standalone optima)")
    for a in res.shared_assets:
        print(f"  {a['asset']}: {a['size']:,.1f} {a['size_unit']}")
    for t in res.targets:
        tgt = "" if t["target_t"] is None or not np.isfinite(t["target_t"]) else f" (target {t['target_t']:,.0f})"
        print(f"  year {t['year']}: CO2 {t['emissions_t']:,.0f} t of baseline {t['baseline_t']:,.0f}{tgt}")
    starts = {}
    for r in res.rollout:
        starts[r["batch"]] = starts.get(r["batch"], 0) + 1
    print("  roll-out: " + ", ".join(f"{k} {v}" for k, v in starts.items()))
    if res.message:
        print("note: " + res.message)
