"""The park plan as a result (``ParkResult``): per-firm plans, the roll-out, shared assets, targets, the park's
spending by year, totals and the value of clustering, assembled (``park_result``) from the master MILP's solution
(``MasterSolution``) and how the solve ended (``ParkSolveStatus``); ``print_summary`` for the CLI."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pathways.jsonio import to_jsonable
from pathways.park.data import ParkData
from pathways.park.master import Master

CLUSTERING_NOTE = ("standalone = each firm's own optimum with no park (no subsidy pool, tenders or shared assets); "
                   "the park subsidy is public money and counts as value to the park's firms")


@dataclass(frozen=True)
class ParkTotals:
    """The park plan's NPVs in CNY (the park's objective and its parts) and firm counts."""

    park_npv_cny: float
    firm_plans_npv_cny: float                 # the firms' plans as the master values them (linearised MILP)
    firm_plans_exact_npv_cny: float           # the same plans by the exact evaluator
    park_subsidy_npv_cny: float
    collective_discount_npv_cny: float
    park_assets_and_programme_npv_cny: float
    firms_in_programme: int
    firms: int


@dataclass(frozen=True)
class ValueOfClustering:
    """The park optimum against the sum of the firms' standalone optima, CNY NPV; None where not every firm's
    standalone optimum was found in the time limit."""

    park_optimum_cny: float
    sum_of_standalone_optima_cny: float | None
    value_cny: float | None
    value_frac: float | None
    of_which_firm_plans_cny: float
    of_which_park_subsidy_cny: float
    of_which_collective_discounts_cny: float
    of_which_park_assets_and_programme_cny: float
    note: str = CLUSTERING_NOTE


@dataclass(frozen=True)
class ParkSolveStatus:
    """How the park's solve ended: status, the proven bound and gap (None: none), rounds of pricing, times (s),
    the column generation's history and the message; for a plan also why column generation stopped, the time
    spent building the firms and where the bound comes from."""

    status: str
    bound_cny: float | None
    gap: float | None
    iterations: int
    solve_seconds: float
    total_seconds: float
    history: list[dict]
    message: str = ""
    stopped_because: str | None = None
    init_seconds: float | None = None
    bound_source: str | None = None


@dataclass(frozen=True)
class MasterSolution:
    """The master MILP's park plan: the master, its solution vector ``x``, each firm's chosen column (firm index ->
    ``pathways.park.firm.Column``), its objective (CNY) and relative MIP gap."""

    master: Master
    x: np.ndarray
    chosen: dict[int, Any]
    objective_cny: float
    mip_gap: float | None

    def value(self, key) -> float:
        """Value of the park variable ``key`` of ``Master.vars`` (0 if the master has none)."""
        V = self.master.vars
        return float(self.x[V[key]]) if key in V else 0.0


@dataclass(kw_only=True)
class ParkResult:
    """``status``: optimal (gap <= target), gap_not_reached (column generation stopped with a larger gap; the plan
    is feasible and the bound proven), time_limit, infeasible, error. Without a plan (``objective_cny`` None) the
    tables are empty and ``totals``, ``value_of_clustering`` None."""

    status: str
    objective_cny: float | None
    bound_cny: float | None
    gap: float | None
    mip_gap: float | None
    iterations: int
    solve_seconds: float
    total_seconds: float
    firms: list[dict] = field(default_factory=list)
    shared_assets: list[dict] = field(default_factory=list)
    rollout: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    spending: list[dict] = field(default_factory=list)
    value_of_clustering: ValueOfClustering | None = None
    totals: ParkTotals | None = None
    history: list[dict] = field(default_factory=list)
    applied_overrides: list[dict] = field(default_factory=list)
    park: dict = field(default_factory=dict)
    message: str = ""

    def to_dict(self) -> dict:
        record = lambda r: dataclasses.asdict(r) if r is not None else {}  # noqa: E731
        return to_jsonable({"status": self.status, "objective": self.objective_cny, "objective_kind": "park_npv",
                            "npv_cny": self.objective_cny, "bound": self.bound_cny, "gap": self.gap,
                            "mip_gap": self.mip_gap, "iterations": self.iterations,
                            "solve_seconds": self.solve_seconds, "total_seconds": self.total_seconds,
                            "totals": record(self.totals), "value_of_clustering": record(self.value_of_clustering),
                            "firms": self.firms, "shared_assets": self.shared_assets, "rollout": self.rollout,
                            "targets": self.targets, "spending": self.spending, "history": self.history,
                            "applied_overrides": self.applied_overrides, "park": self.park,
                            "message": self.message})


def no_plan_result(resolved, d: ParkData, run: ParkSolveStatus) -> ParkResult:
    """The result of a solve that found no park plan (infeasible, time limit, solver error)."""
    return ParkResult(status=run.status, objective_cny=None, bound_cny=run.bound_cny, gap=run.gap, mip_gap=None,
                      iterations=run.iterations, solve_seconds=run.solve_seconds, total_seconds=run.total_seconds,
                      history=run.history, applied_overrides=resolved.applied_overrides,
                      park={"name": d.name, "firms": len(d.firm_ids)}, message=run.message)


def park_result(resolved, d: ParkData, infos: list[dict], reports: list[dict], sol: MasterSolution,
                run: ParkSolveStatus) -> ParkResult:
    """The park plan ``sol`` as a result: ``infos[f]`` what the master knew about firm f (its standalone optimum
    and baseline), ``reports[f]`` the exact evaluation of its chosen plan (``pathways.park.firm.report_firm``)."""
    n = len(infos)
    discount = {(m, t): sol.value(("d", m, t)) for (m, t) in sol.master.mt if sol.value(("d", m, t)) > 1e-6}
    firms, rollout = _firms_and_rollout(resolved, d, infos, reports, sol, discount)
    chosen = sol.chosen
    standalone = float(np.array([i["standalone_npv_cny"] for i in infos]).sum())
    primal = sol.objective_cny
    firm_npv = float(sum(c.npv_cny for c in chosen.values()))
    subsidy_npv = float(sum(np.dot(d.df[:d.T], c.subsidy_cny) for c in chosen.values()))
    disc_npv = float(sum(d.df[t - 1] * v for (m, t), v in discount.items()))
    park_npv = primal - firm_npv - subsidy_npv - disc_npv
    # without every firm's standalone optimum (time limit) there is nothing to measure the value of clustering by
    known = all(i.get("standalone_status") not in ("not_solved", "not_built", None) for i in infos)
    vc = ValueOfClustering(
        park_optimum_cny=primal, sum_of_standalone_optima_cny=standalone if known else None,
        value_cny=primal - standalone if known else None,
        value_frac=(primal - standalone) / max(abs(standalone), 1.0) if known else None,
        of_which_firm_plans_cny=firm_npv - standalone, of_which_park_subsidy_cny=subsidy_npv,
        of_which_collective_discounts_cny=disc_npv, of_which_park_assets_and_programme_cny=park_npv)
    totals = ParkTotals(
        park_npv_cny=primal, firm_plans_npv_cny=firm_npv,
        firm_plans_exact_npv_cny=float(sum(r["npv_cny"] for r in reports)), park_subsidy_npv_cny=subsidy_npv,
        collective_discount_npv_cny=disc_npv, park_assets_and_programme_npv_cny=park_npv,
        firms_in_programme=sum(1 for c in chosen.values() if c.start_year), firms=n)
    park = {"name": d.name, "firms": n, "plan_years": d.T, "park_options": list(resolved.model.park_options),
            "config_hash": resolved.config_hash, "method": "Dantzig-Wolfe column generation, Lasdon bound",
            "stopped_because": run.stopped_because, "init_seconds": run.init_seconds,
            "bound_source": run.bound_source}
    return ParkResult(status=run.status, objective_cny=primal, bound_cny=run.bound_cny, gap=run.gap,
                      mip_gap=sol.mip_gap, iterations=run.iterations, solve_seconds=run.solve_seconds,
                      total_seconds=run.total_seconds, firms=firms, shared_assets=_shared_assets(d, sol, discount),
                      rollout=rollout, targets=_targets(d, infos, sol), spending=_spending(d, sol),
                      value_of_clustering=vc, totals=totals, history=run.history,
                      applied_overrides=resolved.applied_overrides, park=park, message=run.message)


def _firms_and_rollout(resolved, d: ParkData, infos, reports, sol: MasterSolution,
                       discount: dict) -> tuple[list[dict], list[dict]]:
    """Per-firm rows and the roll-out rows with the reason of each firm's batch (from potential, energy use and
    digital maturity)."""
    n, T = len(infos), d.T
    val = sol.value
    firms, rollout = [], []
    pot = np.array([i["standalone_npv_cny"] for i in infos])
    kwh = np.array([i["annual_kwh"] for i in infos])
    rank_pot = {f: r + 1 for r, f in enumerate(np.argsort(-pot, kind="stable"))}
    rank_kwh = {f: r + 1 for r, f in enumerate(np.argsort(-kwh, kind="stable"))}
    maturity = [int(getattr(resolved.model.firms[f], "digital_maturity", 0) or 0) for f in range(n)]
    for f in range(n):
        c, rep, info = sol.chosen[f], reports[f], infos[f]
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
    return firms, rollout


def _shared_assets(d: ParkData, sol: MasterSolution, discount: dict) -> list[dict]:
    """The park's own assets: shared PV with its allocation, the battery, the collective programme's tenders."""
    n, val, V = len(d.firm_ids), sol.value, sol.master.vars
    shared = []
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
                       "npv_cny": (value_y1 + (S - alloc) * d.pv["yield_kwh_per_kwp"] * sol.master.export_avg)
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
                           sol.chosen[f].cnt.get((m, t), 0) for f in range(n)))), "discount_cny": v}
                           for (m, t), v in sorted(discount.items())]})
    return shared


def _targets(d: ParkData, infos: list[dict], sol: MasterSolution) -> list[dict]:
    """The park's CO2 by plan year against its baseline and targets (allocated park PV counted as abatement)."""
    n, val = len(infos), sol.value
    emis = np.sum([sol.chosen[f].em_t for f in range(n)], axis=0)
    base = np.sum([infos[f]["em0_t"] for f in range(n)], axis=0)
    energy = np.sum([sol.chosen[f].energy_mwh for f in range(n)], axis=0)
    targets = []
    for t in range(1, d.T + 1):
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
    return targets


def _spending(d: ParkData, sol: MasterSolution) -> list[dict]:
    """The park's money by plan year: programme starts and costs, asset capex, budget, subsidy pool and paid."""
    n, val, chosen = len(d.firm_ids), sol.value, sol.chosen
    S = val("S")
    spending = []
    for t in range(1, d.T + 1):
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
    return spending


def print_summary(res: ParkResult) -> None:
    """The park result in a few lines for the terminal."""
    print(f"park {res.park.get('name')!r}: {res.park.get('firms')} firms, status {res.status}")
    if res.objective_cny is None:
        print(res.message)
        return
    bound = ("no bound (see the note)" if res.bound_cny is None else
             f"bound {res.bound_cny:,.0f}; gap {100 * res.gap:.3f} %")
    print(f"park NPV {res.objective_cny:,.0f} CNY; {bound}; {res.iterations} rounds; {res.total_seconds:.1f} s")
    v = res.value_of_clustering
    if v.value_cny is None:
        print("value of clustering: not measured (not every firm's standalone optimum was found in the time limit)")
    else:
        print(f"value of clustering {v.value_cny:,.0f} CNY ({100 * v.value_frac:.1f} % over "
              f"{v.sum_of_standalone_optima_cny:,.0f} CNY of standalone optima)")
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
