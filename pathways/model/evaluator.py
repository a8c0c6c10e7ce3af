"""Exact year-by-year simulation of a plan: energy by carrier, hourly bills, emissions, owner cash flows and KPIs.

This is what reports show. It follows the energy model written in ``pathways.site.problem`` and the cash-flow
conventions of ``pathways.money.economics``; it does not share code with the MILP, so tests can hold one against the
other. Each yearly flow is booked at the end of its year, each upfront payment at the start of its year.

Attribution to actions (for explanations and ESCO contracts): chain savings are attributed in chain order
(the saving of option i is the remaining fraction before it times its fraction), valued at the load-weighted
average electricity price or the fuel price; a heat source is credited its fuel saving less the electricity it adds;
PV is credited the value of its output on the load left after all other measures, split between segments in
proportion to their generation; a battery the saving of its dispatch on the year's net load (load after all
other measures, less the PV serving the site; usable kWh faded by age, cycle limit, ``pathways.energy.value.
StorageDispatch`` on representative days) and, in kWh and CO2, its net grid import (charging losses less PV
surplus stored) as a negative saving. The attributions add up to the site's saving.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pathways.money.economics import cash_payback_years, discount_factors, investment_payback_years, straight_line
from pathways.money.financing import MODES, ContractYear, replacement_schedule
from pathways.site.problem import Action, Problem, chains, deemed_saving_cny
from pathways.energy.value import StorageDispatch

COMPONENTS = ("upfront", "fees", "energy_savings", "om", "services", "esco_payments", "instalments", "subsidy",
              "carbon_revenue", "tax", "replacement", "residual")
SPEND = ("upfront", "replacement")      # paid at the start of a year from the plan's money (with upfront fees)


@dataclass
class ActionResult:
    action: Action
    capex_cny: float
    subsidy_cny: float                  # upfront subsidy plus the undiscounted sum of yearly subsidies
    upfront_cny: float                  # owner's payment at the start of its year (down payment and fees included)
    first_year_net_saving_cny: float    # owner's net flow attributed to it in its first year
    npv_cny: float                      # discounted attributed owner flows
    co2_reduction_t_per_year: float     # attributed in its first year
    electricity_saving_kwh_per_year: float
    investment_payback_years: float     # net capex / gross first-year saving (independent of financing)
    cash_payback_years: float           # until the owner's cumulative cash of the action turns non-negative
    gross_saving_cny_per_year: float    # first-year saving before financing and tax (of the asset, whoever owns it)
    flows: dict[str, np.ndarray] = field(repr=False, default_factory=dict)


@dataclass
class PlanEvaluation:
    """All arrays are by year k = 1..H (index k - 1) unless named otherwise."""

    npv_cny: float
    flows: dict[str, np.ndarray]                  # owner flows on the time grid 0..H by component
    electricity_kwh: np.ndarray                    # site consumption
    grid_import_kwh: np.ndarray
    pv_generation_kwh: np.ndarray
    pv_self_consumed_kwh: np.ndarray
    pv_exported_kwh: np.ndarray
    fuel_by_carrier: dict[str, np.ndarray]
    energy_cost_cny: np.ndarray                    # electricity bill + fuel, owner's view before contracts
    baseline_energy_cost_cny: np.ndarray
    emissions_t: np.ndarray
    baseline_emissions_t: np.ndarray
    actions: list[ActionResult]
    spend_cny: np.ndarray = None                   # grid 0..H: upfront, upfront fees, replacements paid by the owner
    cash_position_cny: np.ndarray = None           # plan years 1..T: the plan's money after that year's spend
    financing_obligation_cny: np.ndarray = None    # years 1..H: instalments, fees and payments to ESCOs/investors
    investment_payback_years: float = float("inf")
    cash_payback_years: float = float("inf")
    battery_losses_kwh: np.ndarray = None          # years 1..H: charged - discharged kWh of the batteries
    battery_full_cycles: np.ndarray = None         # years 1..H: discharge / usable kWh (the largest battery's)
    # efficiency saving by carrier ("electricity" and each fuel) in the last plan year, as a share of the baseline
    # use: chain items other than heat sources and absolute savings (fuel switching and PV not counted)
    carrier_saving_frac: dict[str, float] = field(default_factory=dict)

    @property
    def abatement_t(self) -> np.ndarray:
        return self.baseline_emissions_t - self.emissions_t

    @property
    def net_flow_cny(self) -> np.ndarray:
        return sum(self.flows.values())


def pv_reference(problem: Problem) -> np.ndarray:
    """The PV profile (kW per kWp) the MILP measures PV in: the first PV option's (zeros without PV)."""
    pv = [o for o in problem.options if o.kind == "pv"]
    return problem.pv_profiles[pv[0].profile_key] if pv else np.zeros(8760)


def battery_fade(o, age: int) -> float:
    """Usable share of a battery's kWh at life age ``age`` (1 = first year): (1 - fade)^(age - 1)."""
    return (1.0 - o.battery_fade_per_year) ** (age - 1)


def storage_dispatch(problem: Problem, o) -> StorageDispatch:
    """The dispatch LP of battery option ``o`` on the problem's baseline load (representative days chosen from the
    baseline load, the reference PV profile and the tariff), built once per problem and battery spec and cached on
    the problem with its solves: the evaluator and the MILP value the battery on the same LP."""
    cache = problem.__dict__.setdefault("_storage_lps", {})
    key = (o.battery_duration_h, o.battery_rte, o.battery_cycles_per_year)
    if key not in cache:
        cache[key] = StorageDispatch(problem.baseline_electricity_kwh * problem.load_shape, pv_reference(problem),
                                     problem.price_cny_per_kwh, problem.export_price_cny_per_kwh,
                                     duration_h=o.battery_duration_h, rte=o.battery_rte,
                                     cycles_per_year=o.battery_cycles_per_year)
    return cache[key]


def battery_dispatch(problem: Problem, o, usable_kwh: float, ratio: float, pv_kw: np.ndarray | None = None):
    """Dispatch of battery ``o`` with ``usable_kwh`` on the load ratio x baseline less ``pv_kw`` (``Dispatch``)."""
    pv = None if pv_kw is None or not np.any(pv_kw) else pv_kw
    return storage_dispatch(problem, o).solve(usable_kwh, ratio, pv_kw=pv)


def _perf(problem: Problem, age: int) -> float:
    e = problem.econ
    return (1.0 - e.degradation_first_year) * (1.0 - e.degradation_per_year) ** (age - 1)


def evaluate(problem: Problem, plan: list[Action]) -> PlanEvaluation:
    p = problem
    H, econ = p.horizon, p.econ
    n_act = len(plan)
    opts = [p.option(a.option_id) for a in plan]
    chain = chains(p)
    opt_index = {o.option_id: i for i, o in enumerate(p.options)}
    act_of_opt = {opt_index[a.option_id]: j for j, a in enumerate(plan)}
    avg_price = p.average_price_cny_per_kwh
    E0 = p.baseline_electricity_kwh
    load0 = E0 * p.load_shape
    C0 = float(load0 @ p.price_cny_per_kwh)
    baseline_fuel = {c: 0.0 for c in p.fuel_price_cny}
    for q in p.fuel_end_uses.values():
        for c, v in q.items():
            baseline_fuel[c] += v
    fuel_cost0 = sum(baseline_fuel[c] * p.fuel_price_cny[c] for c in baseline_fuel)
    fuel_co2_0 = sum(baseline_fuel[c] * p.fuel_co2_t[c] for c in baseline_fuel)

    k_all = np.arange(1, H + 1)
    esc_e = (1 + econ.electricity_escalation) ** (k_all - 1)
    esc_f = (1 + econ.fuel_escalation) ** (k_all - 1)
    esc_c = (1 + econ.carbon_escalation) ** (k_all - 1)

    flows = {c: np.zeros(H + 1) for c in COMPONENTS}
    act_flows = [{c: np.zeros(H + 1) for c in COMPONENTS} for _ in range(n_act)]
    act_kwh = np.zeros((n_act, H))
    act_co2 = np.zeros((n_act, H))
    out = {name: np.zeros(H) for name in ("elec", "imp", "gen", "self", "exp", "cost", "cost0", "em", "em0",
                                          "bat_loss", "bat_cycles")}
    fuel_out = {c: np.zeros(H) for c in p.fuel_price_cny}
    eff_saved = {c: np.zeros(H) for c in ["electricity", *p.fuel_price_cny]}   # efficiency savings by carrier

    def alive(j: int, k: int) -> bool:
        return plan[j].year <= k          # replaced like for like at the end of each life

    def life_age(j: int, k: int) -> int:
        return (k - plan[j].year) % opts[j].lifetime_years + 1

    modes = [MODES[a.mode] for a in plan]
    terms = [p.terms(a.mode, o.asset_class) for a, o in zip(plan, opts)]
    term_years = [mode.term_years(tm) for mode, tm in zip(modes, terms)]

    def in_term(j: int, k: int) -> bool:
        return k - plan[j].year + 1 <= term_years[j]

    gross = np.zeros((n_act, H + 1))       # saving of the asset before financing and tax (investment payback)
    upfront_fee = np.zeros(n_act)

    for k in k_all:
        ki = k - 1
        active = [j for j in range(n_act) if alive(j, k)]
        saved_value = np.zeros(n_act)       # attributed energy saving value (CNY, this year, escalated)
        added_kwh = 0.0
        elec_now = 0.0
        fuel_now = {c: 0.0 for c in p.fuel_price_cny}
        saved_on: dict[str, np.ndarray] = {}     # end use -> saving value attributed to each action on it
        for end_use, items in chain.items():
            before = saved_value.copy()
            is_elec = end_use in p.electricity_end_uses_kwh
            R, R_mgmt, taken = 1.0, None, []
            for i, frac in items:
                j = act_of_opt.get(i)
                if j is None or not alive(j, k):
                    continue
                o = opts[j]
                if end_use == o.heat_end_use:      # a heat source: no boosts
                    f = frac
                else:
                    boost = sum(opts[d].enables.get(o.measure_id, 0.0) for d in active)
                    f = min(frac * (1.0 + boost), 1.0)
                if o.chain_rank == 2 and R_mgmt is None:
                    R_mgmt = R                  # what reaches the management items (last in the chain)
                taken.append((j, o, R * f))
                R *= 1.0 - f
            # management cap: together they leave at least (1 - cap) of R_mgmt; their savings scale alike
            scale = 1.0
            if R_mgmt is not None and R < (1.0 - p.management_cap_frac) * R_mgmt:
                natural, R = R, (1.0 - p.management_cap_frac) * R_mgmt
                scale = (R_mgmt - R) / (R_mgmt - natural)
            for j, o, share in taken:
                share *= scale if o.chain_rank == 2 else 1.0
                heat_item = end_use == o.heat_end_use
                if is_elec:
                    kwh = share * p.electricity_end_uses_kwh[end_use]
                    act_kwh[j, ki] += kwh
                    saved_value[j] += kwh * avg_price * esc_e[ki]
                    act_co2[j, ki] += kwh * p.grid_co2_t_per_kwh[ki]
                    eff_saved["electricity"][ki] += kwh
                else:
                    q = p.fuel_end_uses[end_use]
                    saved_value[j] += sum(share * v * p.fuel_price_cny[c] for c, v in q.items()) * esc_f[ki]
                    act_co2[j, ki] += sum(share * v * p.fuel_co2_t[c] for c, v in q.items())
                    if not heat_item:               # fuel switching is not an efficiency saving
                        for c, v in q.items():
                            eff_saved[c][ki] += share * v
                    else:
                        heat_kwh = share * p.useful_heat_kwh(o, end_use)
                        add = heat_kwh / o.heat_cop
                        added_kwh += add
                        act_kwh[j, ki] -= add
                        saved_value[j] -= add * avg_price * esc_e[ki]
                        act_co2[j, ki] -= add * p.grid_co2_t_per_kwh[ki]
            saved_on[end_use] = saved_value - before
            if is_elec:
                elec_now += R * p.electricity_end_uses_kwh[end_use]
            else:
                for c, v in p.fuel_end_uses[end_use].items():
                    fuel_now[c] += R * v
        for j in active:
            o = opts[j]
            if o.abs_electricity_kwh:
                eff_saved["electricity"][ki] += o.abs_electricity_kwh
                elec_now -= o.abs_electricity_kwh
                act_kwh[j, ki] += o.abs_electricity_kwh
                saved_value[j] += o.abs_electricity_kwh * avg_price * esc_e[ki]
                act_co2[j, ki] += o.abs_electricity_kwh * p.grid_co2_t_per_kwh[ki]
            for c, v in o.abs_fuel.items():
                eff_saved[c][ki] += v
                fuel_now[c] -= v
                saved_value[j] += v * p.fuel_price_cny[c] * esc_f[ki]
                act_co2[j, ki] += v * p.fuel_co2_t[c]
        elec_now += added_kwh
        ratio = elec_now / E0 if E0 > 0 else 0.0
        load = ratio * load0

        # PV: exact hourly self-consumption on the load left after all other measures. PV on a leased roof
        # belongs to the investor and does not serve the site.
        pv_j = [j for j in active if opts[j].kind == "pv"]
        gen_by = {j: plan[j].size * _perf(p, life_age(j, k)) * p.pv_profiles[opts[j].profile_key]
                  for j in pv_j}
        serving = [j for j in pv_j if modes[j].serves_site]
        gen = sum((gen_by[j] for j in serving), np.zeros(8760))
        self_h = np.minimum(load, gen)
        exp_h = gen - self_h
        self_value = float(self_h @ p.price_cny_per_kwh) * esc_e[ki]
        exp_value = float(exp_h @ p.export_price_cny_per_kwh) * esc_e[ki]
        gen_total = float(gen.sum())
        self_kwh = float(self_h.sum())
        pv_share = {j: (float(gen_by[j].sum()) / gen_total if gen_total > 0 else 0.0) for j in serving}
        for j in serving:
            saved_value[j] += pv_share[j] * (self_value + exp_value)
            act_kwh[j, ki] += pv_share[j] * self_kwh
            act_co2[j, ki] += pv_share[j] * self_kwh * p.grid_co2_t_per_kwh[ki]
        # batteries: dispatched on this year's own net load (load x ratio, less the PV serving the site) with the
        # usable kWh of their age; their charging losses raise grid import and emissions
        bat = bat_imp = bat_exp = 0.0
        for j in active:
            if opts[j].kind == "battery":
                d = battery_dispatch(p, opts[j], plan[j].size * battery_fade(opts[j], life_age(j, k)), ratio, gen)
                bat += d.battery_value_cny
                bat_imp += d.import_change_kwh
                bat_exp += d.export_change_kwh
                saved_value[j] += d.battery_value_cny * esc_e[ki]
                act_kwh[j, ki] -= d.import_change_kwh
                act_co2[j, ki] -= d.import_change_kwh * p.grid_co2_t_per_kwh[ki]
                out["bat_loss"][ki] += d.losses_kwh
                out["bat_cycles"][ki] = max(out["bat_cycles"][ki], d.full_cycles)

        elec_bill = (ratio * C0 * esc_e[ki] - float(self_h @ p.price_cny_per_kwh) * esc_e[ki]
                     - float(exp_h @ p.export_price_cny_per_kwh) * esc_e[ki] - bat * esc_e[ki])
        fuel_cost = sum(fuel_now[c] * p.fuel_price_cny[c] for c in fuel_now) * esc_f[ki]
        cost0 = C0 * esc_e[ki] + fuel_cost0 * esc_f[ki]
        imp_kwh = elec_now - self_kwh + bat_imp
        em = imp_kwh * p.grid_co2_t_per_kwh[ki] + sum(fuel_now[c] * p.fuel_co2_t[c] for c in fuel_now)
        em0 = E0 * p.grid_co2_t_per_kwh[ki] + fuel_co2_0
        out["elec"][ki], out["imp"][ki] = elec_now, imp_kwh
        # PV used on site counts what the batteries store (export falls by it)
        out["gen"][ki], out["self"][ki], out["exp"][ki] = gen_total, self_kwh - bat_exp, gen_total - self_kwh + bat_exp
        out["cost"][ki], out["cost0"][ki], out["em"][ki], out["em0"][ki] = elec_bill + fuel_cost, cost0, em, em0
        for c in fuel_now:
            fuel_out[c][ki] = fuel_now[c]

        # Owner flows attributed to each active action.
        credit_kwh = sum(pv_share[j] * self_kwh for j in serving if opts[j].carbon_credit_eligible)
        for j in active:
            o, a = opts[j], plan[j]
            af = act_flows[j]
            age = k - a.year + 1
            term = in_term(j, k)
            energy = saved_value[j]
            if term:                        # the contract's cash of this year (``pathways.money.financing``)
                de, dfuel = deemed_saving_cny(p, o)
                he, hf = hosted_baseline_cost(p, o)
                year = ContractYear(
                    capex_cny=o.capex_at(a.size), roof_m2=a.size * o.area_m2_per_unit,
                    deemed_saving_cny=de * esc_e[ki] + dfuel * esc_f[ki],
                    hosted_cost_cny=he * esc_e[ki] + hf * esc_f[ki], measured_saving_cny=energy,
                    hosted_saving_cny=sum(float(saved_on[e].sum()) for e in hosted_end_uses(o) if e in saved_on),
                    pv_self_cny=pv_share.get(j, 0.0) * self_value, pv_export_cny=pv_share.get(j, 0.0) * exp_value,
                    storage=o.kind == "battery")
                for component, cash in modes[j].contract(year, terms[j]).items():
                    af[component][k] += cash
            af["energy_savings"][k] += energy
            if modes[j].owner_runs(term):
                af["om"][k] -= o.om_at(a.size)
            af["services"][k] -= o.annual_cost_cny
            kwh_subsidy = (o.subsidy_cny_per_kwh * float(gen_by[j].sum())
                           if j in gen_by and age <= o.subsidy_years else 0.0)
            if modes[j].owner_holds:
                af["subsidy"][k] += kwh_subsidy
            carbon = 0.0
            if o.carbon_credit_share > 0:
                carbon = (o.carbon_credit_share * credit_kwh * p.grid_co2_t_per_kwh[ki] * p.credit_price(o)
                          * esc_c[ki])
                af["carbon_revenue"][k] += carbon
            gross[j, k] = energy + kwh_subsidy + carbon - o.om_at(a.size) - o.annual_cost_cny

    for j, (o, a) in enumerate(zip(opts, plan)):
        af = act_flows[j]
        capex = o.capex_at(a.size)
        net_capex = capex - o.subsidy_upfront_at(a.size)
        fin = modes[j].capex(terms[j], econ, a.year)
        af["upfront"] -= fin.upfront * net_capex
        af["instalments"] -= fin.instalments * net_capex
        af["subsidy"] += fin.interest_subsidy * net_capex
        upfront_fee[j] = float(fin.fees.sum()) * net_capex
        points, left, owner_at_h, first_install = replacement_schedule(a.year, o.lifetime_years, H, a.mode,
                                                                       term_years[j])
        for point in points:
            af["replacement"][point] -= capex
        if owner_at_h and econ.residual_to_owner:
            af["residual"][H] += (net_capex if first_install else capex) * left
        if econ.tax_rate:
            # taxable change: yearly owner flows (the upfront fee in the year it is paid) + principal repaid
            # - depreciation of what the owner paid for; the purchase credit in the purchase year
            taxable = sum(af[c] for c in ("fees", "energy_savings", "om", "services", "esco_payments",
                                           "instalments", "subsidy", "carbon_revenue"))
            taxable[a.year] -= upfront_fee[j]
            taxable += fin.principal * net_capex
            if modes[j].owner_holds:
                taxable -= net_capex * straight_line(a.year - 1, o.tax_depreciation_years, H)
            for point in points:
                taxable -= capex * straight_line(point, o.tax_depreciation_years, H)
            af["tax"] -= econ.tax_rate * taxable
            if modes[j].owner_holds:
                af["tax"][a.year] += o.tax_credit_frac * net_capex
        af["fees"] -= fin.fees * net_capex
        for c in COMPONENTS:
            flows[c] += af[c]

    df = discount_factors(econ.discount_rate, H)
    results = []
    for j, (o, a) in enumerate(zip(opts, plan)):
        af = act_flows[j]
        first = sum(af[c][a.year] for c in COMPONENTS if c not in ("upfront", "residual", "replacement"))
        net_capex = o.capex_at(a.size) - o.subsidy_upfront_at(a.size)
        own_cash = sum(af[c] for c in COMPONENTS if c != "residual")
        results.append(ActionResult(
            action=a, capex_cny=o.capex_at(a.size),
            subsidy_cny=(o.subsidy_upfront_at(a.size) if modes[j].owner_holds else 0.0) + float(af["subsidy"].sum()),
            upfront_cny=-float(af["upfront"][a.year - 1]) + upfront_fee[j],
            first_year_net_saving_cny=float(first),
            npv_cny=float(sum(af[c] for c in COMPONENTS) @ df),
            co2_reduction_t_per_year=float(act_co2[j, a.year - 1]),
            electricity_saving_kwh_per_year=float(act_kwh[j, a.year - 1]),
            investment_payback_years=(investment_payback_years(net_capex, gross[j, a.year])
                                      if modes[j].serves_site else float("nan")),   # the investor's asset
            cash_payback_years=cash_payback_years(own_cash, a.year - 1),
            gross_saving_cny_per_year=float(gross[j, a.year]), flows=af))
    # internal (shadow) carbon price: the site's abatement valued at the escalating price, a site-level flow
    flows["internal_carbon_price"] = np.concatenate(
        [[0.0], p.shadow_carbon_price_cny_per_t * esc_c * (out["em0"] - out["em"])])
    npv = float(sum(flows.values()) @ df)
    fees_up = np.bincount([a.year - 1 for a in plan], weights=upfront_fee, minlength=H + 1)[:H + 1]
    spend = -(flows["upfront"] + flows["replacement"]) + fees_up
    yearly = sum(flows[c] for c in COMPONENTS if c not in ("residual", *SPEND)) + fees_up
    obligation = -(flows["instalments"] + flows["fees"] + fees_up + np.minimum(flows["esco_payments"], 0.0))[1:]
    obligation += fees_up[:H]                      # an upfront fee belongs to the year it starts
    T = p.plan_years
    # the plan's investment payback counts what is invested on the owner's site and its saving; PV owned and run
    # by a third party (EMC, roof lease) is not the plan's investment (as in the MILP's portfolio_payback)
    mine = [j for j in range(n_act) if modes[j].plan_investment]
    net_capex_total = sum(opts[j].capex_at(plan[j].size) - opts[j].subsidy_upfront_at(plan[j].size) for j in mine)
    gross_T = float(gross[mine, T].sum()) if mine else 0.0
    return PlanEvaluation(
        npv_cny=npv, flows=flows, electricity_kwh=out["elec"], grid_import_kwh=out["imp"],
        pv_generation_kwh=out["gen"], pv_self_consumed_kwh=out["self"], pv_exported_kwh=out["exp"],
        fuel_by_carrier=fuel_out, energy_cost_cny=out["cost"], baseline_energy_cost_cny=out["cost0"],
        emissions_t=out["em"], baseline_emissions_t=out["em0"], actions=results, spend_cny=spend,
        battery_losses_kwh=out["bat_loss"], battery_full_cycles=out["bat_cycles"],
        cash_position_cny=cash_position(p, spend, yearly),
        financing_obligation_cny=obligation,
        investment_payback_years=investment_payback_years(net_capex_total, gross_T),
        cash_payback_years=cash_payback_years(sum(flows[c] for c in COMPONENTS if c != "residual"), 0),
        carrier_saving_frac={c: float(v[p.plan_years - 1]) / base for c, v in eff_saved.items()
                             if (base := E0 if c == "electricity" else baseline_fuel.get(c, 0.0)) > 0})


def owner_cash_by_year(p: Problem, ev: PlanEvaluation):
    """DataFrame of the owner's cash by year k = 1..H, every column + received, - paid: what is paid at the start of the year
    (upfront, down payments, replacements; upfront fees with the fees) and the flows of the year, the cumulative
    position (residual value excluded: it is not cash) and, in plan years, the plan's money after the year's spend;
    the energy bill before and after the plan (before ESCO contracts)."""
    import pandas as pd
    H, f = p.horizon, ev.flows
    at_start = -(f["upfront"] + f["replacement"])[:H]
    fees_up = ev.spend_cny + f["upfront"] + f["replacement"]      # upfront fees, at the start of their year
    fees = (-f["fees"] - fees_up)[1:] + fees_up[:H]
    savings = sum(f[c][1:] for c in ("energy_savings", "om", "services", "subsidy", "carbon_revenue"))
    table = pd.DataFrame({
        "year": np.arange(1, H + 1),
        "budget_cny": np.concatenate([p.budget_cny[:p.plan_years] if p.budget_cny is not None
                                      else np.full(p.plan_years, np.nan), np.zeros(H - p.plan_years)]),
        "upfront_cny": -at_start + 0.0, "instalments_cny": f["instalments"][1:], "fees_cny": -fees + 0.0,
        "esco_payments_cny": f["esco_payments"][1:], "savings_cny": savings, "tax_cny": f["tax"][1:]})
    table["net_cny"] = table[["upfront_cny", "instalments_cny", "fees_cny", "esco_payments_cny", "savings_cny",
                              "tax_cny"]].sum(axis=1)
    table["cumulative_cny"] = table["net_cny"].cumsum()
    table["cash_position_cny"] = np.concatenate([ev.cash_position_cny, np.full(H - p.plan_years, np.nan)])
    table["energy_bill_before_cny"] = ev.baseline_energy_cost_cny
    table["energy_bill_after_cny"] = ev.energy_cost_cny
    return table


def cash_position(p: Problem, spend: np.ndarray, yearly: np.ndarray) -> np.ndarray:
    """The plan's money after each plan year's spend (plan years 1..T), NaN without a budget.

    At the start of year t the owner puts in that year's budget (with what is left of earlier budgets when
    ``budget_carry_over``) and spends the year's upfront payments, fees and replacements, from the budget first;
    the rest comes from the savings account, which receives the plan's net yearly flows of earlier years (after
    instalments, fees and tax) when ``reinvest_savings``. The position is what the account holds (plus the budget
    carried over); a negative position is money the plan does not have. The MILP's budget rows are the same
    conditions (``pathways.model.milp.PlanModel.budget``)."""
    T = p.plan_years
    if p.budget_cny is None:
        return np.full(T, np.nan)
    account = carry = 0.0
    out = np.zeros(T)
    for t in range(1, T + 1):
        if p.reinvest_savings and t >= 2:
            account += float(yearly[t - 1])
        available = float(p.budget_cny[t - 1]) + (carry if p.budget_carry_over else 0.0)
        from_budget = min(float(spend[t - 1]), available)
        account -= float(spend[t - 1]) - from_budget
        carry = available - from_budget
        out[t - 1] = account + (carry if p.budget_carry_over else 0.0)
    return out


def hosted_end_uses(o) -> set[str]:
    """The end uses an energy-cost hosting contract on option o covers: those the option acts on."""
    return {e for e, _ in o.effects} | ({o.heat_end_use} if o.heat_end_use else set())


def hosted_baseline_cost(p: Problem, o) -> tuple[float, float]:
    """Baseline yearly cost (base-year prices) of electricity and of fuel of the end uses an option acts on."""
    elec = fuel = 0.0
    for end_use in hosted_end_uses(o):
        if end_use in p.electricity_end_uses_kwh:
            elec += p.electricity_end_uses_kwh[end_use] * p.average_price_cny_per_kwh
        elif end_use in p.fuel_end_uses:
            fuel += sum(v * p.fuel_price_cny[c] for c, v in p.fuel_end_uses[end_use].items())
    return elec, fuel
