"""Park planner: the best portfolio of a whole industrial park, by Dantzig-Wolfe column generation over per-firm
plans, with a proven bound (``plan_park``; the CLI command ``run_park``).

Why this method. Firms are independent except for a handful of park rows per year, so the park problem has the
block-angular form  max sum_f c_f x_f + c_0 y  s.t. x_f in X_f (firm f's own MILP: ``pathways.model.milp.PlanModel``),
sum_f A_f x_f + A_0 y <= b  (coupling rows), y the park's own decisions. A monolithic MILP of 1,000 firms does not
close (issue 4: > 100 % gap after 150 s). Dantzig-Wolfe keeps each firm's MILP intact (its integrality is kept
inside the columns, so the master LP bound equals the Lagrangian dual bound, at least as tight as Lagrangian
relaxation of the coupling rows and much tighter than the monolithic LP relaxation), needs only one MILP per firm
per round (parallel on Dask), and gives a primal plan from a master MILP over the generated columns. Lagrangian
relaxation with subgradients was the alternative: same bound in the limit, but no primal plan without repair and
slow, step-size-dependent convergence.

The pieces: the park's data (``pathways.park.data``), the master LP with its coupling families, Lagrangian bound and
dual prices (``pathways.park.master``), each firm's pricing MILP (``pathways.park.firm``), the result
(``pathways.park.result``). Here: the rounds of pricing and master LP, the bound kept, the master MILP.

Bound. The Lagrangian bound L(y) of ``Master.lagrangian`` at the duals each complete round prices the firms at.
Firms are priced at Wentges-smoothed duals (``smoothing``), large parks in slices between complete rounds
(``full_pricing_below``); the best bound over complete rounds is kept; gap = (bound - primal) / |primal|.
Before the master MILP, firms split by the LP are priced once per start year (``enrich_columns``); when the LP
takes the programme binary w fractionally and the plan misses the gap, column generation also runs with w = 1
and w = 0 (the bound is then the larger of the two branch bounds).

Roll-out queue (``later_batches``): pilots are open to all firms; later batches follow a queue by energy use and
digital maturity (``pathways.park.data.rollout_queue``), enforced as bounds on each firm's start variables.

Approximations (stated in every result): park PV value is valued in year T's load and scaled by panel
performance per year (perf x V(q) <= V(perf x q) for a concave V with V(0) = 0: conservative); allocated park PV
is counted as displacing grid power in the CO2 rows; the park battery is valued on the baseline aggregate load;
the collective discount lowers upfront capex only (not O&M set as a share of capex). Park microgrid, EMS platform,
central steam and green-power purchase are not modelled yet: a result says so when the park lists them.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pathways.errors import EXIT_INFEASIBLE, EXIT_OK, EXIT_SOLVER_ERROR, EXIT_TIME_LIMIT, InputError, problem as pline
from pathways.inputs.resolve import Resolved, resolve
from pathways.inputs.run_options import check_run_options
from pathways.jsonio import emit_json
from pathways.park.data import ParkData, add_battery_curve, park_data, rollout_queue
from pathways.park.master import Master
from pathways.park.result import MasterSolution, ParkResult, ParkSolveStatus, no_plan_result, park_result, print_summary


# ----------------------------------------------------------------------------------------- execution
class Runner:
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

    def close(self, drop_run: Callable[[str], int], run: str) -> None:
        """Drop the run's firms from every worker's cache (``drop_run``) and stop the cluster."""
        if self.client is None:
            drop_run(run)
            return
        try:
            self.client.run(drop_run, run)
        finally:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def wall_clock(deadline: float) -> float:
    """A ``time.perf_counter()`` deadline on the wall clock (``time.time()``), which the Dask workers share."""
    return time.time() + (deadline - time.perf_counter())


@dataclass
class FirmTasks:
    """The per-firm tasks of one run on the runner: build (``init_firm``), price (``price_firm``) and report
    (``report_firm``) of ``pathways.park.firm``, passed in so that tests may replace them."""

    runner: Runner
    run: str
    specs: list[dict]
    init_firm: Callable
    price_firm: Callable
    report_firm: Callable

    def init(self) -> list[dict]:
        return self.runner.map(self.init_firm, [(self.run, s) for s in self.specs], list(range(len(self.specs))))

    def price(self, calls: list[tuple], firms: list[int]) -> list[dict]:
        """``calls[i]`` = (prices, time limit s, relative gap, wall-clock deadline) of firm ``firms[i]``."""
        return self.runner.map(self.price_firm, [(self.run, self.specs[f]["firm_id"], *c)
                                                 for f, c in zip(firms, calls)], firms)

    def report(self, chosen: dict) -> list[dict]:
        n = len(self.specs)
        return self.runner.map(self.report_firm, [(self.run, self.specs[f]["firm_id"], chosen[f].plan)
                                                  for f in range(n)], list(range(n)))


@dataclass
class ColumnPool:
    """Every firm's columns so far (``columns[f]``), their keys and what the master needs about each firm."""

    infos: list[dict]
    columns: list[list]
    keys: list[set] = field(default_factory=list)

    def __post_init__(self):
        self.columns = [[c for i, c in enumerate(cols) if c.key() not in {x.key() for x in cols[:i]}]
                        for cols in self.columns]
        self.keys = [{c.key() for c in cols} for cols in self.columns]

    def is_new(self, f: int, c) -> bool:
        return c is not None and c.key() not in self.keys[f]

    def add(self, f: int, c) -> None:
        self.keys[f].add(c.key())
        self.columns[f].append(c)


@dataclass(frozen=True)
class Settings:
    """Method settings of ``plan_park`` (its docstring)."""

    gap: float
    max_rounds: int
    firm_gap: float
    pricing_time_limit_s: float
    smoothing: float
    full_pricing_below: int


# ----------------------------------------------------------------------------------------- driver
def firm_specs(resolved, d: ParkData, time_limit: float, gap: float,
               deadline_unix: float | None = None) -> list[dict]:
    """Each firm's inputs to ``pathways.park.firm.init_firm``: its resolved site model and the park's terms."""
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
    from pathways.park.firm import drop_run, init_firm, price_firm, report_firm  # pyomo: loaded when planning
    t_start = time.perf_counter()
    scenarios = [scenario] if isinstance(scenario, str) else list(scenario)
    resolved = (model if isinstance(model, Resolved)
                else resolve(model, scenarios, list(set_values), allow_paths=allow_paths))
    if resolved.kind != "park":
        raise InputError(pline("kind", resolved.kind,
                               "a park model (a file with firms; use `pathways plan` for sites)"))
    check_run_options(time_limit=time_limit, gap=gap, workers=workers)
    d = park_data(resolved)
    if firm_gap is None:
        # each firm's pricing bound may sit this far above its best value; summed over firms it adds at most
        # firm_gap x (sum of the firms' pricing values) to the park bound: a fifth of the gap target
        firm_gap = min(max(gap / 5, 1e-6), 1e-3)
    settings = Settings(gap=gap, max_rounds=max_rounds, firm_gap=firm_gap, pricing_time_limit_s=pricing_time_limit,
                        smoothing=smoothing, full_pricing_below=full_pricing_below)
    run = uuid.uuid4().hex
    runner = Runner(workers, scheduler)
    try:
        # building the firms and their standalone solves end by half the time limit (from the start of plan_park):
        # a firm whose turn comes later keeps only its do-nothing column (``pathways.park.firm.init_firm``)
        specs = firm_specs(resolved, d, time_limit, firm_gap, wall_clock(t_start + 0.5 * time_limit))
        tasks = FirmTasks(runner, run, specs, init_firm, price_firm, report_firm)
        return solve_park(resolved, d, tasks, settings, t_start, time_limit)
    finally:
        runner.close(drop_run, run)


def solve_park(resolved, d: ParkData, tasks: FirmTasks, settings: Settings, t_start: float,
               time_limit: float) -> ParkResult:
    """Build the firms, run column generation (and its branches on w), solve the master MILP and assemble the
    result; every phase within ``time_limit`` s from ``t_start`` (``time.perf_counter()``)."""
    gap = settings.gap
    inits = tasks.init()
    pool = ColumnPool([r["info"] for r in inits], [r["columns"] for r in inits])
    infos, columns = pool.infos, pool.columns
    if d.later_batches == "by_energy_and_maturity":
        maturity = [int(getattr(f, "digital_maturity", 0) or 0) for f in resolved.model.firms]
        d.queue, d.earliest = rollout_queue([i["baseline_energy_mwh"] for i in infos], maturity, d.capacity, d.T)
    if d.storage is not None:
        add_battery_curve(d, infos)
    t_solve = time.perf_counter()
    deadline = t_start + time_limit
    cg = ColumnGeneration(d, pool, tasks, settings, t_start)
    best_bound, lp_value, stop, w_lp = cg.run(None, t_start + 0.7 * time_limit)

    def final_mip():
        if lp_value is not None and time.perf_counter() < deadline - 5.0:
            enrich_columns(d, pool, tasks, settings, deadline, cg.history, t_start)
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
    solve_seconds = time.perf_counter() - t_solve
    # firms cut short by the build deadline (not built, or no standalone plan): the master over their columns
    # proves nothing about the park, so an infeasible master is a time limit, not an infeasible park
    truncated = any(not i.get("built", True) or i.get("standalone_status") == "not_solved" for i in infos)
    if not mip["ok"] and "nfeasible" in mip["status"] and truncated:
        best_bound = math.inf if best_bound == -math.inf else best_bound
    best_bound, bound_source, notes = park_bound(master, infos, best_bound)
    if not mip["ok"]:
        status = "infeasible" if "nfeasible" in mip["status"] and not truncated else \
            "error" if "nfeasible" not in mip["status"] and "time limit" not in mip["status"].lower() else "time_limit"
        msg = ("the park's coupling rows (targets, budgets, capacity) cannot all be met by the firms' plans"
               if status == "infeasible" else "; ".join(
                   ["no park plan found within the time limit: the plans of the firms built in time cannot meet "
                    "the park's rows (targets, budgets, capacity)" if "nfeasible" in mip["status"]
                    else f"master MILP: {mip['status']}"] + notes))
        return no_plan_result(resolved, d, ParkSolveStatus(
            status=status, bound_cny=best_bound if np.isfinite(best_bound) else None, gap=None,
            iterations=cg.rounds, solve_seconds=solve_seconds, total_seconds=time.perf_counter() - t_start,
            history=cg.history, message=msg))
    x = mip["x"]
    primal = float(mip["objective"])
    bound = best_bound if np.isfinite(best_bound) else None
    gap_val = None if bound is None else max(bound - primal, 0.0) / max(abs(primal), 1.0)
    chosen = {f: columns[f][j] for f, j, v in master.lam if x[v] > 0.5}
    reports = tasks.report(chosen)
    if gap_val is not None and gap_val <= gap + 1e-12:
        status, msg = "optimal", "; ".join(d.notes)
    else:
        status = "time_limit" if stop.startswith("time") or bound is None else "gap_not_reached"
        tail = (f"gap {100 * gap_val:.2f} % above the target {100 * gap:.2f} % ({stop}); the plan is feasible, the "
                f"bound proven" if bound is not None else f"the plan is feasible ({stop})")
        msg = "; ".join(filter(None, ["; ".join(d.notes)] + notes + [tail]))
    solution = MasterSolution(master=master, x=x, chosen=chosen, objective_cny=primal, mip_gap=mip["mip_gap"])
    return park_result(resolved, d, infos, reports, solution, ParkSolveStatus(
        status=status, bound_cny=bound, gap=gap_val, iterations=cg.rounds, solve_seconds=solve_seconds,
        total_seconds=time.perf_counter() - t_start, history=cg.history, message=msg, stopped_because=stop,
        init_seconds=t_solve - t_start, bound_source=bound_source))


def park_bound(master: Master, infos: list[dict], best_bound: float) -> tuple[float, str | None, list[str]]:
    """The park's bound, where it comes from and notes for the result. The best complete pricing round's bound if
    there was one; otherwise the trivial bound L(0) (``Master.lagrangian`` is valid at any duals y >= 0, and at
    y = 0 each firm's pricing value is bounded by its LP relaxation, ``pathways.park.firm.Kernel.relaxation_bound``);
    when a firm has no such bound either (not built in time), none: inf and a note saying why."""
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


class ColumnGeneration:
    """Rounds of pricing and master LP (``solve_park``), run at the root and in branches that fix park variables.
    Wentges dual smoothing: firms are priced at y = alpha y_center + (1 - alpha) y_LP, y_center the duals with the
    best Lagrangian bound so far; it damps the zig-zag of the LP duals. A round whose columns do not improve the
    master LP (mispricing) is followed by one at the LP duals, where no improving column proves the master LP
    optimal. Partial pricing for large parks: after a first complete round, rounds price a slice of the firms in
    turn (the master LP and its duals move after each slice); a complete round (every firm at one set of duals,
    the only kind that gives a bound) follows each full pass or a slice that finds few improving columns."""

    def __init__(self, d: ParkData, pool: ColumnPool, tasks: FirmTasks, settings: Settings, t_start: float):
        self.d, self.pool, self.tasks, self.settings, self.t_start = d, pool, tasks, settings, t_start
        self.history: list[dict] = []
        self.rounds = 0

    def run(self, fix: dict | None, stop_at: float, label: str = "root"):
        """Column generation under ``fix`` until the LP is within a quarter of the gap of the bound, no column
        improves it, or ``stop_at``; returns (best bound, last LP value, why it stopped, LP value of w)."""
        d, pool, s = self.d, self.pool, self.settings
        n = len(pool.infos)
        gap = s.gap
        stop, best_bound, lp_value, w_lp = "round limit", math.inf, None, None
        center, center_bound, alpha = None, math.inf, s.smoothing
        partial = n > s.full_pricing_below
        batch = max(s.full_pricing_below // 2, math.ceil(n / 5)) if partial else n
        order = list(np.random.default_rng(0).permutation(n)) if partial else list(range(n))
        cursor, since_complete, last_improving, k = 0, 0, n, 0
        while self.rounds < s.max_rounds:
            self.rounds += 1
            k += 1
            master = Master(d, pool.infos, pool.columns, fix)
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
            limit = max(min(stop_at - time.perf_counter(), s.pricing_time_limit_s), 0.5)
            out = dict(zip(firms, self.tasks.price([(pr[f][0], limit, s.firm_gap, wall_clock(stop_at))
                                                    for f in firms], firms)))
            unpriced = sum(1 for o in out.values() if o["status"] == "not_priced")
            added = improving = 0
            tol = 1e-7 * max(1.0, abs(lp_value) / n) + 1e-3
            for f, o in out.items():
                c = o["column"]
                if not pool.is_new(f, c):
                    continue
                rc_lp = master.reduced_cost(f, c, y_lp)
                if rc_lp > tol or o["value"] - pr[f][1] > tol:
                    pool.add(f, c)
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
            alpha = s.smoothing if improving else 0.0
            if best_bound - lp_value <= 0.25 * gap * max(abs(lp_value), 1.0):
                stop = "master LP within a quarter of the gap target of the bound"
                break
            if time.perf_counter() > stop_at:
                stop = "time: 70 % of the time limit used by column generation"
                break
        if lp_value is None and stop.startswith("master LP") and "nfeasible" in stop:
            best_bound = -math.inf            # an infeasible branch bounds nothing
        return best_bound, lp_value, stop, w_lp


def enrich_columns(d: ParkData, pool: ColumnPool, tasks: FirmTasks, settings: Settings, deadline: float,
                   history: list[dict], t_start: float, max_firms: int = 60) -> int:
    """Columns for the master MILP where the master LP is fractional: the LP splits a firm between plans when a
    coupling row binds (capacity, pool, tenders), and the MILP then needs that firm's best plan for each way of
    taking part. Each fractional firm (at most ``max_firms``, largest split first) is priced at the final LP duals
    once per programme start year it may take, with the start fixed (0: outside the programme). Columns never
    raise the bound; they only give the MILP better integer combinations."""
    master = Master(d, pool.infos, pool.columns)
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
            calls.append((dataclasses.replace(prices, force_start_year=start),
                          max(min(deadline - time.perf_counter(), settings.pricing_time_limit_s), 0.5),
                          settings.firm_gap, wall_clock(deadline - 2.0)))
            owners.append(f)
    added = 0
    for f, o in zip(owners, tasks.price(calls, owners)):
        c = o["column"]
        if pool.is_new(f, c):
            pool.add(f, c)
            added += 1
    history.append({"round": "enrich", "firms_priced": len(firms), "master_lp_cny": res["objective"],
                    "lagrangian_bound_cny": None, "columns_added": added,
                    "seconds": time.perf_counter() - t_start})
    return added


# ----------------------------------------------------------------------------------------- CLI
def run_park(args) -> int:
    """``pathways park PARK.yaml ...``: plan, print the summary and/or write the JSON; the exit code."""
    res = plan_park(args.model, args.scenario, args.set_values, time_limit=args.time_limit, gap=args.gap,
                    workers=args.workers, scheduler=args.scheduler, allow_paths=getattr(args, "allow_path", None) or ())
    if args.json:
        emit_json(res.to_dict(), args.json)
    if args.json != "-":
        print_summary(res)
    if res.status == "infeasible":
        print(f"error: {res.message}", file=sys.stderr)
        return EXIT_INFEASIBLE
    if res.objective_cny is not None:
        return EXIT_OK
    print(f"error: {res.message}", file=sys.stderr)
    return EXIT_TIME_LIMIT if res.status == "time_limit" else EXIT_SOLVER_ERROR
