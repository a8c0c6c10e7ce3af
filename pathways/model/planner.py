"""Single-site planning: ``plan(model, ...) -> PlanResult``.

Steps: resolve the model and scenarios, build the Problem, drop (option, mode) pairs that break the per-action
payback limit (judged alone on the baseline site; PV sizes are capped where payback grows with size), solve the
MILP, evaluate the chosen plan exactly, then explain it: why each action, why not the best rejected measures
(with a break-even from a re-solve that forces the measure in), the K best distinct alternative plans (no-good
cuts on the set of options), the payback-first baseline, and the constraints that bind.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from pathways.errors import InputError, problem as pline
from pathways.inputs.resolve import Resolved, resolve
from pathways.inputs.run_options import check_model_argument, check_run_options
from pathways.money.economics import discount_factors, within_limit
from pathways.money.financing import MODES, ContractYear
from pathways.model.evaluator import PlanEvaluation, evaluate, hosted_baseline_cost, owner_cash_by_year
from pathways.model.estimates import plan_estimates
from pathways.model.records import Alternative, Baseline, BindingConstraint, Explanation, PlanResult, Rejection
from pathways.model.warnings import plan_warnings
from pathways.model.milp import PlanModel, solve_with_storage_cuts
from pathways.site.problem import Action, Problem, deemed_saving_cny
from pathways.site.build import SiteContext, build_problem
from pathways.vocabulary import OBJECTIVES


# ----------------------------------------------------------------------------------------- payback filter
def standalone(problem: Problem, option_id: str, mode: str, size: float, year: int = 1):
    """The action alone on the baseline site (its ActionResult)."""
    return evaluate(problem, [Action(option_id, year, mode, size)]).actions[0]


def esco_participates(problem: Problem, o, mode: str, size: float | None = None) -> bool:
    """An investor signs a contract it must recover (``Mode.investor_must_recover``: shared savings, energy-cost
    hosting) only if it recovers its capex and O&M within the term from what the mode's contract pays it when the
    measure saves its deemed saving (for storage: its share of the measured saving of a battery of ``size`` on the
    baseline site), discounted at the site's rate (an assumption)."""
    spec = MODES[mode]
    if not spec.investor_must_recover:
        return True
    econ, terms = problem.econ, problem.terms(mode, o.asset_class)
    if o.kind == "battery":
        size = o.size if size is None else size
        term = min(spec.term_years(terms), o.lifetime_years, problem.horizon)
        income = -standalone(problem, o.option_id, mode, size).flows["esco_payments"][1:term + 1]
        k = np.arange(1, term + 1)
        return float(((income - o.om_at(size)) * (1 + econ.discount_rate) ** -k).sum()) >= o.capex_at(size)
    k = np.arange(1, min(spec.term_years(terms), o.lifetime_years) + 1)
    esc_e, esc_f = (1 + econ.electricity_escalation) ** (k - 1), (1 + econ.fuel_escalation) ** (k - 1)
    de, dfuel = deemed_saving_cny(problem, o)
    he, hf = hosted_baseline_cost(problem, o)
    deemed = de * esc_e + dfuel * esc_f
    year = ContractYear(capex_cny=o.capex_at(o.size), roof_m2=o.size * o.area_m2_per_unit, deemed_saving_cny=deemed,
                        hosted_cost_cny=he * esc_e + hf * esc_f, measured_saving_cny=deemed,
                        hosted_saving_cny=deemed)
    income = -sum(spec.contract(year, terms).values())          # what the owner pays the investor
    npv = float(((income - o.om_at(o.size)) * (1 + econ.discount_rate) ** -k).sum()) - o.capex_at(o.size)
    return npv >= 0


def meets_payback(problem: Problem, option_id: str, mode: str, size: float) -> bool:
    """The owner's per-action payback limit: on the investment payback (net capex / gross saving, the same in
    every financing mode) for the modes where the owner finances the asset (own, guaranteed savings, lease,
    loan), or on the cash payback of the action in its mode when the site chose ``payback_basis: cash``. An
    investor-financed mode asks no investment of the owner and passes on the investment basis."""
    limit = problem.payback_limit_years
    if limit is None:
        return True
    if problem.payback_basis == "cash":
        return within_limit(standalone(problem, option_id, mode, size).cash_payback_years, limit)
    if not MODES[mode].owner_holds:
        return True
    return within_limit(standalone(problem, option_id, "own", size).investment_payback_years, limit)


def payback_filter(problem: Problem) -> dict[tuple[str, str], float | None]:
    """Allowed (option, mode) pairs: the ESCO must participate (``esco_participates``) and the action must meet
    the per-action payback limit (``meets_payback``), with a size cap for PV/batteries where payback grows with
    size."""
    allowed: dict[tuple[str, str], float | None] = {}
    for o in problem.options:
        for mode in o.modes:
            def passes(size: float) -> bool:
                return (esco_participates(problem, o, mode, size)
                        and (problem.payback_limit_years is None or meets_payback(problem, o.option_id, mode, size)))
            if passes(o.size):
                allowed[o.option_id, mode] = None
                continue
            if not o.continuous or not passes(o.size * 1e-3):
                continue
            lo, hi = 0.0, o.size                  # payback grows with size (concave value, linear capex)
            for _ in range(14):
                mid = (lo + hi) / 2
                if passes(mid):
                    lo = mid
                else:
                    hi = mid
            if lo > 0:
                allowed[o.option_id, mode] = lo
    return allowed


# ----------------------------------------------------------------------------------------- baseline
def payback_first_baseline(problem: Problem, allowed=None) -> list[Action]:
    """What SMEs do today: self-invest in measures in order of simple payback while each year's budget lasts
    (no financing, no look-ahead; prerequisites must already be in place; one member per exclusive group)."""
    cands = []
    for o in problem.options:
        if "own" not in o.modes:
            continue
        size = o.size
        if allowed is not None:
            if (o.option_id, "own") not in allowed:
                continue
            size = allowed[o.option_id, "own"] or o.size
        r = standalone(problem, o.option_id, "own", size)
        if np.isfinite(r.investment_payback_years) and r.first_year_net_saving_cny > 0:
            cands.append((r.investment_payback_years, o.option_id, size, r.upfront_cny))
    cands.sort()
    plan: list[Action] = []
    taken_groups: set[str] = set()
    taken_measures: set[str] = set()
    budget = 0.0
    for t in range(1, problem.plan_years + 1):
        left = budget if problem.budget_carry_over else 0.0
        budget = np.inf if problem.budget_cny is None else float(problem.budget_cny[t - 1]) + left
        for pb, oid, size, upfront in cands:
            o = problem.option(oid)
            if oid in {a.option_id for a in plan} or taken_groups & set(o.exclusive_groups):
                continue
            if not set(o.prerequisites) <= taken_measures or upfront > budget:
                continue
            plan.append(Action(oid, t, "own", size))
            budget -= upfront
            taken_groups |= set(o.exclusive_groups)
            taken_measures.add(o.measure_id)
    return plan


# ----------------------------------------------------------------------------------------- helpers
def budget_slack_cny(problem: Problem, ev: PlanEvaluation, year: int) -> float:
    """The least money the plan holds from plan year ``year`` on (``evaluator.cash_position``): negative when the
    plan needs that much more budget; +inf without a budget."""
    if problem.budget_cny is None:
        return float("inf")
    return float(np.min(ev.cash_position_cny[year - 1:]))


def _option_sets(pm: PlanModel, plan: list[Action]) -> pyo.Constraint:
    """No-good cut on the set of options: the next plan differs in at least one option."""
    chosen = {a.option_id for a in plan}
    by_opt: dict[str, list] = {}
    for c in pm.cols:
        by_opt.setdefault(pm.p.options[c[0]].option_id, []).append(c)
    inside = sum(pm.m.x[c] for o in chosen for c in by_opt.get(o, []))
    outside = sum(pm.m.x[c] for o, cs in by_opt.items() if o not in chosen for c in cs)
    return pyo.Constraint(expr=inside - outside <= len(chosen) - 1)


def _summary(problem: Problem, plan: list[Action], ev: PlanEvaluation) -> dict:
    """The fields of a ``PlanSummary`` (the keyword arguments of ``Alternative`` and ``Baseline``)."""
    return {"npv_cny": ev.npv_cny,
            "upfront_cny": float(sum(r.upfront_cny for r in ev.actions)),
            "abatement_t_year_T": float(ev.abatement_t[problem.plan_years - 1]),
            "cumulative_abatement_t": float(ev.abatement_t.sum()),
            "actions": tuple(plan)}


def actions_table(problem: Problem, ev: PlanEvaluation) -> pd.DataFrame:
    """One row per action of an evaluated plan (``PlanResult.actions``; also a park firm's actions)."""
    rows = []
    for r in ev.actions:
        o = problem.option(r.action.option_id)
        rows.append({"measure_id": o.measure_id, "option_id": o.option_id, "family": o.family, "name_en": o.name_en,
                     "name_zh": o.name_zh, "year": r.action.year, "mode": r.action.mode, "size": r.action.size,
                     "size_unit": o.size_unit, "capex_cny": r.capex_cny, "subsidy_cny": r.subsidy_cny,
                     "upfront_cny": r.upfront_cny, "annual_net_savings_cny": r.first_year_net_saving_cny,
                     "gross_saving_cny_per_year": r.gross_saving_cny_per_year,
                     "npv_cny": r.npv_cny, "co2_reduction_t_per_year": r.co2_reduction_t_per_year,
                     "investment_payback_years": r.investment_payback_years,
                     "cash_payback_years": r.cash_payback_years})
    cols = ["measure_id", "option_id", "family", "name_en", "name_zh", "year", "mode", "size", "size_unit",
            "capex_cny", "subsidy_cny", "upfront_cny", "annual_net_savings_cny", "gross_saving_cny_per_year",
            "npv_cny", "co2_reduction_t_per_year", "investment_payback_years", "cash_payback_years"]
    return pd.DataFrame(rows, columns=cols)


def _slack(con) -> float:
    """upper - body of a ``<=`` constraint at the solution."""
    return float(pyo.value(con.upper) - pyo.value(con.body))


def _binding(pm: PlanModel, problem: Problem, plan: list[Action], allowed) -> list[BindingConstraint]:
    out = []
    if problem.budget_cny is not None and hasattr(pm.m, "budget"):
        for t in pm.m.budget:
            slack = _slack(pm.m.budget[t])
            if slack <= 0.005 * max(1.0, float(problem.budget_cny[t - 1])) + 1.0:   # less than 0.5 % left
                out.append(BindingConstraint(family="budget", year=int(t), slack_cny=slack,
                                             text=f"the owner budget of year {t} is spent in full"))
    if hasattr(pm.m, "roof_area"):
        for r in pm.m.roof_area:
            slack = _slack(pm.m.roof_area[r])
            if slack <= 1e-3:
                out.append(BindingConstraint(family="roof_area", roof_id=str(r), slack_m2=slack,
                                             text=f"roof {r} is fully used"))
    for a in plan:
        cap = (allowed or {}).get((a.option_id, a.mode))
        if cap is not None and a.size >= cap * (1 - 1e-6):
            out.append(BindingConstraint(family="payback_limit", option_id=a.option_id,
                                         text=f"{a.option_id} is capped at {cap:,.0f} by the payback limit"))
    if hasattr(pm.m, "portfolio_payback"):
        slack = _slack(pm.m.portfolio_payback)
        if slack <= 1.0:
            out.append(BindingConstraint(family="portfolio_payback", slack_cny=slack,
                                         text="the whole plan sits at the portfolio payback limit"))
    if hasattr(pm.m, "co2_target"):
        for t in pm.m.co2_target:
            slack = _slack(pm.m.co2_target[t])
            if slack <= 1e-3:
                out.append(BindingConstraint(family="co2_target", year=int(t), slack_t=slack,
                                             text=f"the CO2 target of year {t} binds"))
    return out


WHY_TEXT = {
    "en": {"npv": "NPV {v:+,.0f} CNY over {h} years", "payback": "the investment pays back in {v:.1f} years",
           "cash_payback": "the owner's cash is back in {v:.1f} years",
           "co2": "cuts {v:,.1f} tCO2/yr", "budget": " (the budget of that year is binding)",
           "needs": "needs {v} first", "negative": "negative on its own, taken because it unlocks or enables others",
           "context": "alone on the baseline site it meets the payback limit; here other measures take part of its"
                      " savings",
           "mode": {name: mode.why["en"] for name, mode in MODES.items() if mode.why["en"]}},
    "zh": {"npv": "{h}年净现值 {v:+,.0f} 元", "payback": "投资 {v:.1f} 年回收", "cash_payback": "业主现金 {v:.1f} 年回正", "co2": "年减排 {v:,.1f} 吨CO2",
           "budget": "（当年预算已用尽）", "needs": "需先实施 {v}", "negative": "单独看不盈利，但能解锁或增强其他措施",
           "context": "单独评估满足回收期要求；与其他措施叠加后节省被分摊",
           "mode": {name: mode.why["zh"] for name, mode in MODES.items() if mode.why["zh"]}},
}


def why_text(x: Explanation, lang: str = "en") -> str:
    """One line from the fields of an explanation of a chosen action."""
    t = WHY_TEXT[lang]
    parts = [t["npv"].format(v=x.npv_cny, h=x.horizon_years)]
    if x.investment_payback_years is not None and np.isfinite(x.investment_payback_years):
        parts.append(t["payback"].format(v=x.investment_payback_years))
    if x.cash_payback_years is not None and np.isfinite(x.cash_payback_years) \
            and abs(x.cash_payback_years - x.investment_payback_years) > 0.05:
        parts.append(t["cash_payback"].format(v=x.cash_payback_years))
    if x.co2_reduction_t_per_year > 0.05:
        parts.append(t["co2"].format(v=x.co2_reduction_t_per_year))
    if t["mode"].get(x.mode):                 # the contract of a financed mode (``Mode.why``)
        parts.append(t["mode"][x.mode] + (t["budget"] if x.budget_binding else ""))
    if x.prerequisites:
        parts.append(t["needs"].format(v=", ".join(x.prerequisites)))
    if x.npv_cny < 0:
        parts.append(t["negative"])
    if x.over_payback_in_context:
        parts.append(t["context"])
    return "; ".join(parts)


def _explain_chosen(problem: Problem, ev: PlanEvaluation, binding: list[BindingConstraint]) -> list[Explanation]:
    out = []
    budget_years = {b.year for b in binding if b.family == "budget"}
    limit = problem.payback_limit_years
    for r in ev.actions:
        a, o = r.action, problem.option(r.action.option_id)
        x = Explanation(option_id=a.option_id, measure_id=o.measure_id, year=a.year, mode=a.mode, npv_cny=r.npv_cny,
                        horizon_years=problem.horizon, investment_payback_years=r.investment_payback_years,
                        cash_payback_years=r.cash_payback_years,
                        co2_reduction_t_per_year=r.co2_reduction_t_per_year, budget_binding=a.year in budget_years,
                        prerequisites=tuple(o.prerequisites),
                        over_payback_in_context=bool(limit is not None and problem.payback_basis == "investment"
                                                     and MODES[a.mode].owner_holds
                                                     and not within_limit(r.investment_payback_years, limit)))
        out.append(replace(x, why=why_text(x, "en")))
    return out


WHY_NOT_TEXT = {
    "en": {"no_mode_payback": "breaks the payback limit in every financing mode",
           "no_mode_investor": "no investor takes it in any financing mode",
           "exclusive": "exclusive with {rivals}, which is worth more", "loses": "loses {v:,.0f} CNY on its own",
           "overlap": "its savings overlap with the chosen measures, or the budget is better spent elsewhere",
           "budget_only": "it would add NPV{rivals_en} but does not fit the budget",
           "fits": "worth adding if the budget allowed it", "capex": "enters the plan if its capex falls {v:.0f} %",
           "npv": "needs {v:,.0f} CNY more NPV (for example a subsidy) to enter",
           "budget": ", and the year-{t} budget to rise by {v:,.0f} CNY"},
    "zh": {"no_mode_payback": "任何融资方式下都超过回收期限制", "no_mode_investor": "没有投资方愿意以任何方式承接",
           "exclusive": "与已选的 {rivals} 互斥，后者更优", "loses": "单独实施亏损 {v:,.0f} 元",
           "overlap": "与已选措施的节能量重叠，或预算用于其他措施更优", "fits": "预算允许时值得加入",
           "budget_only": "可增加净现值{rivals_zh}，但预算不足",
           "capex": "投资下降 {v:.0f}% 即可入选", "npv": "还需 {v:,.0f} 元净现值（如补贴）才能入选",
           "budget": "，且第{t}年预算需增加 {v:,.0f} 元"},
}


def why_not_text(x: Rejection, lang: str = "en") -> tuple[str, str]:
    """(why not, break-even) sentences of a rejected measure from its fields."""
    t = WHY_NOT_TEXT[lang]
    rivals = ", ".join(x.rivals)
    reason = t[x.reason_code].format(rivals=rivals, v=-x.standalone_npv_cny,
                                     rivals_en=f" (in place of {rivals})" if rivals else "",
                                     rivals_zh=f"（替代 {rivals}）" if rivals else "")
    if x.break_even_kind is None:
        return reason, ""
    be = t[x.break_even_kind].format(v=x.capex_cut_pct if x.break_even_kind == "capex" else x.npv_needed_cny)
    if x.budget_needed_cny:
        be += t["budget"].format(t=x.best_year, v=x.budget_needed_cny)
    return reason, be


def _explain_rejected(problem: Problem, plan: list[Action], plan_npv: float, allowed, n: int) -> list[Rejection]:
    """Why the best measures left out are not in the plan, with a break-even.

    Each candidate is added to the chosen plan in its best year and mode (replacing a chosen member of its
    exclusive group), evaluated exactly, and the NPV loss turned into the capex cut that would make it break even
    there (or the extra NPV, e.g. a subsidy, it needs) and the budget it would need in its year."""
    chosen = {a.option_id for a in plan}
    chosen_groups = {g: a.option_id for a in plan for g in problem.option(a.option_id).exclusive_groups}
    df = discount_factors(problem.econ.discount_rate, problem.horizon)
    ranked = []
    for o in problem.options:
        if o.option_id in chosen:
            continue
        modes = [m for m in o.modes if allowed is None or (o.option_id, m) in allowed]
        if not modes:
            ranked.append((-np.inf, o, [], "no_mode_payback" if problem.payback_limit_years else "no_mode_investor"))
            continue
        best = max((standalone(problem, o.option_id, m, (allowed or {}).get((o.option_id, m)) or o.size)
                    for m in modes), key=lambda r: r.npv_cny)
        ranked.append((best.npv_cny, o, modes, ""))
    ranked.sort(key=lambda c: -c[0])
    out = []
    for npv_alone, o, modes, reason in ranked[:n]:
        item = Rejection(option_id=o.option_id, measure_id=o.measure_id, family=o.family,
                         standalone_npv_cny=npv_alone, reason_code=reason)
        if modes:
            rivals = tuple(sorted({chosen_groups[g] for g in o.exclusive_groups if g in chosen_groups}))
            base = [a for a in plan if a.option_id not in rivals]
            trials = []
            for mode in modes:
                size = (allowed or {}).get((o.option_id, mode)) or o.size
                for t in range(1, problem.plan_years + 1):
                    ev = evaluate(problem, base + [Action(o.option_id, t, mode, size)])
                    trials.append((ev.npv_cny, t, mode, size, budget_slack_cny(problem, ev, t)))
            npv_with, t, mode, size, spare = max(trials)
            loss = plan_npv - npv_with
            capex = o.capex_at(size)
            item = replace(item, npv_loss_if_added_cny=loss, best_year=t, best_mode=mode, rivals=rivals,
                           reason_code=("budget_only" if loss <= 0 else "exclusive" if rivals
                                        else "loses" if npv_alone < 0 else "overlap"),
                           budget_needed_cny=max(0.0, -spare) if np.isfinite(spare) else 0.0)
            if loss <= 0:
                item = replace(item, break_even_kind="fits")
            elif MODES[mode].owner_holds and capex > 0 and loss < capex * df[t - 1]:
                item = replace(item, break_even_kind="capex", capex_cut_pct=100 * loss / (capex * df[t - 1]))
            else:
                item = replace(item, break_even_kind="npv", npv_needed_cny=loss)
        why_not, break_even = why_not_text(item, "en")
        out.append(replace(item, why_not=why_not, break_even=break_even))
    return out


def _infeasibility(pm: PlanModel, problem: Problem, deadline: float) -> str:
    """Which constraint families conflict: re-solve with each optional family relaxed in turn, within what is
    left of the time limit."""
    families, unknown = [], []
    for name in ("budget", "co2_target", "portfolio_payback", "prerequisites"):
        comp = getattr(pm.m, name, None)
        if comp is None:
            continue
        left = deadline - time.perf_counter()
        if left <= 0:
            unknown.append(name)
            continue
        comp.deactivate()
        res = pm.solve(time_limit=min(30.0, left), gap=1e-3)
        comp.activate()
        if res.status == "time_limit" and res.objective is None:
            unknown.append(name)
        elif res.status != "infeasible":
            families.append(name)
    note = f" (not tested within the time limit: {', '.join(unknown)})" if unknown else ""
    if not families and unknown:
        return "infeasible; the conflicting constraint families were not identified within the time limit" + note
    if not families:
        return "the plan is infeasible even with budget, targets and payback limits relaxed" + note
    return "infeasible: conflict between " + " and ".join(families) + " and the measures available" + note


# ----------------------------------------------------------------------------------------- main entry
def plan(model, scenario=(), set_values=(), *, objective: str = "npv", years: int | None = None,
         alternatives: int = 3, explain: int = 5, time_limit: float = 60.0, gap: float = 1e-4,
         threads: int | None = None, co2_target_t=None, allow_paths=()) -> PlanResult:
    """Plan one SME. ``model`` is a path, a dict or a Resolved; ``scenario`` names or files; ``set_values``
    'key=value' strings; ``allow_paths`` folders the model's data files may name besides its own (``--allow-path``,
    ``pathways.paths.resolve_model_path``)."""
    t0 = time.perf_counter()          # the time limit bounds the whole call, building included
    check_run_options(time_limit=time_limit, gap=gap, years=years, alternatives=alternatives, explain=explain,
                      threads=threads)
    check_model_argument(model, scenario, set_values)
    scenarios = [scenario] if isinstance(scenario, str) else list(scenario)
    resolved = (model if isinstance(model, Resolved)
                else resolve(model, scenarios, list(set_values), allow_paths=allow_paths))
    if resolved.kind != "site":
        raise InputError(pline("kind", resolved.kind, "a site model (use `pathways park` for parks)"))
    problem, ctx = build_problem(resolved, years)
    if co2_target_t is not None:
        problem.co2_target_t = np.asarray(co2_target_t, dtype=float)
    if objective not in OBJECTIVES:
        raise InputError(pline("objective", objective, ", ".join(OBJECTIVES)))
    if objective == "min-cost" and problem.co2_target_t is None:
        raise InputError(pline("objective", objective, "min-cost needs a CO2 target (targets or co2_target_t)"))
    allowed = payback_filter(problem)
    pm = PlanModel(problem, objective=objective, allowed=allowed)
    left = t0 + time_limit - time.perf_counter()      # the main solve gets what building left
    res = solve_with_storage_cuts(pm, time_limit=max(left, 1e-3), gap=gap, threads=threads)
    return plan_result(problem, ctx, resolved, pm, res, allowed, objective, alternatives, explain, time_limit, t0)


def plan_result(problem, ctx: SiteContext, resolved, pm, res, allowed, objective, alternatives, explain,
                time_limit, t0) -> PlanResult:
    """The PlanResult of a solved (or failed) PlanModel ``pm``: evaluation, explanations, alternatives and the
    payback-first baseline (used by ``plan`` and by the batch runner, which re-solves one built model)."""
    site_info = {"name": resolved.model.name, "city": ctx.location.name_en, "city_zh": ctx.location.name_zh,
                 "province": ctx.location.province, "station": ctx.location.station_id,
                 "station_distance_km": ctx.location.station_distance_km, "base_year": ctx.base_year,
                 "grid_factor": ctx.grid_factor_source, "subsidy_presets": ctx.subsidy_presets,
                 "tariff": f"{ctx.tariff.province} {ctx.tariff.kind} {ctx.tariff.voltage}",
                 "config_hash": resolved.config_hash}
    empty = pd.DataFrame()
    if res.objective is None:         # no plan at all (an empty plan found by the solver is a plan)
        msg = _infeasibility(pm, problem, t0 + time_limit) if res.status == "infeasible" else res.message
        return PlanResult(status=res.status, objective=objective, objective_value=None, npv_cny=None,
                          milp_npv_cny=None, linearisation_exact=False, mip_gap=None,
                          solve_seconds=res.solve_seconds, total_seconds=time.perf_counter() - t0,
                          actions=actions_table(problem, evaluate(problem, [])), emissions_by_year=empty,
                          cash_flows=empty, totals={}, binding_constraints=[], explanations=[], rejected=[],
                          alternatives=[], baseline=None, applied_overrides=resolved.applied_overrides,
                          site=site_info, message=msg, problem=problem)
    plan_actions = res.plan
    ev = evaluate(problem, plan_actions)
    milp_npv = pm.npv_value()
    exact = abs(milp_npv - ev.npv_cny) <= 1e-6 * max(1.0, abs(ev.npv_cny))
    binding = _binding(pm, problem, plan_actions, allowed)
    H = problem.horizon
    years = np.arange(1, H + 1)
    target = np.full(H, np.nan)
    if problem.co2_target_t is not None:
        target[:len(problem.co2_target_t)] = problem.co2_target_t[:H]
    emissions = pd.DataFrame({"year": years, "baseline_t": ev.baseline_emissions_t, "plan_t": ev.emissions_t,
                              "abatement_t": ev.abatement_t, "target_t": target,
                              "electricity_kwh": ev.electricity_kwh, "grid_import_kwh": ev.grid_import_kwh,
                              "pv_generation_kwh": ev.pv_generation_kwh})
    cash = pd.DataFrame({"point": np.arange(H + 1), **{f"{k}_cny": v for k, v in ev.flows.items()}})
    cash["net_cny"] = ev.net_flow_cny
    cash["cumulative_cny"] = cash["net_cny"].cumsum()
    explanations = _explain_chosen(problem, ev, binding)
    # explanations and alternatives share what the main solve left of the time limit; dropped with a note
    deadline, notes = t0 + time_limit, []
    rejected = []
    if explain and time.perf_counter() < deadline:
        rejected = _explain_rejected(problem, plan_actions, ev.npv_cny, allowed, explain)
    elif explain:
        notes.append("why-not explanations dropped: the time limit was used up")
    alts = []
    cuts = []
    for k in range(alternatives):
        left = deadline - time.perf_counter()
        if left <= 0:
            notes.append(f"alternative plans dropped after {len(alts)} of {alternatives}: the time limit was used up")
            break
        prev = plan_actions if not alts else list(alts[-1].actions)
        name = f"_nogood_{k}"
        pm.m.add_component(name, _option_sets(pm, prev))
        cuts.append(name)
        r = pm.solve(time_limit=min(left, 10.0), gap=5e-3)
        if r.status not in ("optimal", "time_limit", "gap_not_reached") or not r.plan:
            if r.status in ("time_limit", "gap_not_reached"):      # the solver ran out of time before a plan
                notes.append(f"alternative plans dropped after {len(alts)} of {alternatives}: "
                             "the time limit was used up")
            break
        ev_alt = evaluate(problem, r.plan)
        alts.append(Alternative(rank=k + 2, npv_gap_cny=ev.npv_cny - ev_alt.npv_cny,
                                **_summary(problem, r.plan, ev_alt)))
    for name in cuts:
        pm.m.del_component(name)
    base_plan = payback_first_baseline(problem, allowed)
    base_ev = evaluate(problem, base_plan)
    baseline = Baseline(rule="self-invest in measures by shortest simple payback while each year's budget lasts",
                        **_summary(problem, base_plan, base_ev))
    totals = {"npv_cny": ev.npv_cny, "upfront_cny": float(sum(r.upfront_cny for r in ev.actions)),
              "capex_cny": float(sum(r.capex_cny for r in ev.actions)),
              "subsidy_cny": float(sum(r.subsidy_cny for r in ev.actions)),
              "baseline_emissions_t_year1": float(ev.baseline_emissions_t[0]),
              "abatement_t_year_T": float(ev.abatement_t[problem.plan_years - 1]),
              "cumulative_abatement_t": float(ev.abatement_t.sum()),
              "energy_cost_saving_cny_year_T": float(ev.baseline_energy_cost_cny[problem.plan_years - 1]
                                                     - ev.energy_cost_cny[problem.plan_years - 1]),
              "npv_vs_baseline_cny": ev.npv_cny - base_ev.npv_cny,
              "tax_basis": problem.tax_basis, "tax_rate": problem.econ.tax_rate,
              "investment_payback_years": ev.investment_payback_years,
              "cash_payback_years": ev.cash_payback_years,
              "financing_obligation_cny_by_year": [float(v) for v in ev.financing_obligation_cny],
              "min_cash_position_cny": (float(np.min(ev.cash_position_cny))
                                        if problem.budget_cny is not None else None)}
    msg = "" if exact else ("the MILP values PV and interactions with a piecewise-linear curve; "
                            f"its NPV {milp_npv:,.0f} CNY differs from the exact evaluation shown "
                            f"({ev.npv_cny:,.0f} CNY) by {ev.npv_cny - milp_npv:+,.0f} CNY")
    msg = "; ".join(filter(None, [msg, *notes]))
    result = PlanResult(
        status=res.status, objective=objective, objective_value=res.objective, npv_cny=ev.npv_cny,
        milp_npv_cny=milp_npv, linearisation_exact=exact, mip_gap=res.mip_gap, solve_seconds=res.solve_seconds,
        total_seconds=time.perf_counter() - t0, actions=actions_table(problem, ev), emissions_by_year=emissions,
        cash_flows=cash, totals=totals, binding_constraints=binding, explanations=explanations, rejected=rejected,
        alternatives=alts, baseline=baseline, applied_overrides=resolved.applied_overrides, site=site_info,
        message=msg, evaluation=ev, problem=problem, owner_cash=owner_cash_by_year(problem, ev),
        warnings=plan_warnings(problem, ev))
    result.estimates = plan_estimates(result, ctx.catalog.parameters_table, ctx.catalog.financing_table,
                                      resolved.assumptions)
    return result


def pareto(model, scenario=(), set_values=(), points: int = 5, allow_paths=(), **kw) -> pd.DataFrame:
    """Cost-vs-CO2 frontier by epsilon-constraint: max NPV subject to cumulative abatement >= eps."""
    scenarios = [scenario] if isinstance(scenario, str) else list(scenario)
    resolved = (model if isinstance(model, Resolved)
                else resolve(model, scenarios, list(set_values), allow_paths=allow_paths))
    problem, _ = build_problem(resolved)
    allowed = payback_filter(problem)
    top = PlanModel(problem, objective="max-abatement", allowed=allowed).solve(**kw)
    pm = PlanModel(problem, objective="npv", allowed=allowed)
    low = pm.solve(**kw)
    a_low = float(evaluate(problem, low.plan).abatement_t.sum())
    a_high = float(evaluate(problem, top.plan).abatement_t.sum()) if top.plan else a_low
    rows = []
    for eps in np.linspace(a_low, a_high, points):
        pm.m.min_abatement = float(eps) * (1 - 1e-9)
        pm.m.abatement_floor.activate()
        r = pm.solve(**kw)
        if not r.plan:
            continue
        ev = evaluate(problem, r.plan)
        rows.append({"min_cumulative_abatement_t": eps, "npv_cny": ev.npv_cny,
                     "cumulative_abatement_t": float(ev.abatement_t.sum()), "n_actions": len(r.plan),
                     "actions": ", ".join(sorted(a.option_id for a in r.plan))})
    return pd.DataFrame(rows)
