"""Exact year-by-year simulation of a plan: energy by carrier, hourly bills, emissions, owner cash flows and KPIs.

This is what reports show. It follows the energy model written in ``pathways.problem`` and the cash-flow
conventions of ``pathways.economics``; it does not share code with the MILP, so tests can hold one against the
other. Each yearly flow is booked at the end of its year, each upfront payment at the start of its year.

Attribution to actions (for explanations and ESCO contracts): chain savings are attributed in chain order
(the saving of option i is the remaining fraction before it times its fraction), valued at the load-weighted
average electricity price or the fuel price; a heat source is credited its fuel saving less the electricity it adds;
PV is credited the value of its output on the load left after all other measures, split between segments in
proportion to their generation; a battery its curve value. The attributions add up to the site's saving.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .economics import annuity_factor, discount_factors, replacement_schedule
from .problem import OWN_LIKE, Action, Problem, chains, deemed_saving_cny

COMPONENTS = ("upfront", "energy_savings", "om", "services", "contract", "subsidy", "carbon_revenue", "replacement",
              "residual")


@dataclass
class ActionResult:
    action: Action
    capex_cny: float
    subsidy_cny: float                  # upfront subsidy plus the undiscounted sum of yearly subsidies
    upfront_cny: float                  # owner's payment at the start of its year
    first_year_net_saving_cny: float    # owner's net flow attributed to it in its first year
    npv_cny: float                      # discounted attributed owner flows
    co2_reduction_t_per_year: float     # attributed in its first year
    electricity_saving_kwh_per_year: float
    flows: dict[str, np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def simple_payback_years(self) -> float:
        s = self.first_year_net_saving_cny
        return max(self.upfront_cny, 0.0) / s if s > 0 else float("inf")


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

    @property
    def abatement_t(self) -> np.ndarray:
        return self.baseline_emissions_t - self.emissions_t

    @property
    def net_flow_cny(self) -> np.ndarray:
        return sum(self.flows.values())


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
    out = {name: np.zeros(H) for name in ("elec", "imp", "gen", "self", "exp", "cost", "cost0", "em", "em0")}
    fuel_out = {c: np.zeros(H) for c in p.fuel_price_cny}

    def alive(j: int, k: int) -> bool:
        return plan[j].year <= k          # replaced like for like at the end of each life

    def life_age(j: int, k: int) -> int:
        return (k - plan[j].year) % opts[j].lifetime_years + 1

    def in_term(j: int, k: int) -> bool:
        m = plan[j].mode
        return m not in OWN_LIKE and m != "own" and k - plan[j].year + 1 <= p.term(m, "term_years")

    for k in k_all:
        ki = k - 1
        active = [j for j in range(n_act) if alive(j, k)]
        saved_value = np.zeros(n_act)       # attributed energy saving value (CNY, this year, escalated)
        added_kwh = 0.0
        elec_now = 0.0
        fuel_now = {c: 0.0 for c in p.fuel_price_cny}
        for end_use, items in chain.items():
            is_elec = end_use in p.electricity_end_uses_kwh
            R = 1.0
            for i, frac in items:
                j = act_of_opt.get(i)
                if j is None or not alive(j, k):
                    continue
                o = opts[j]
                if o.kind == "heat" and end_use == o.heat_end_use:
                    f = frac
                else:
                    boost = sum(opts[d].enables.get(o.measure_id, 0.0) for d in active)
                    f = min(frac * (1.0 + boost), 1.0)
                share = R * f
                if is_elec:
                    kwh = share * p.electricity_end_uses_kwh[end_use]
                    act_kwh[j, ki] += kwh
                    saved_value[j] += kwh * avg_price * esc_e[ki]
                    act_co2[j, ki] += kwh * p.grid_co2_t_per_kwh[ki]
                else:
                    q = p.fuel_end_uses[end_use]
                    saved_value[j] += sum(share * v * p.fuel_price_cny[c] for c, v in q.items()) * esc_f[ki]
                    act_co2[j, ki] += sum(share * v * p.fuel_co2_t[c] for c, v in q.items())
                    if o.kind == "heat" and end_use == o.heat_end_use:
                        heat_kwh = share * p.useful_heat_kwh(o, end_use)
                        add = heat_kwh / o.heat_cop
                        added_kwh += add
                        act_kwh[j, ki] -= add
                        saved_value[j] -= add * avg_price * esc_e[ki]
                        act_co2[j, ki] -= add * p.grid_co2_t_per_kwh[ki]
                R *= 1.0 - f
            if is_elec:
                elec_now += R * p.electricity_end_uses_kwh[end_use]
            else:
                for c, v in p.fuel_end_uses[end_use].items():
                    fuel_now[c] += R * v
        for j in active:
            o = opts[j]
            if o.abs_electricity_kwh:
                elec_now -= o.abs_electricity_kwh
                act_kwh[j, ki] += o.abs_electricity_kwh
                saved_value[j] += o.abs_electricity_kwh * avg_price * esc_e[ki]
                act_co2[j, ki] += o.abs_electricity_kwh * p.grid_co2_t_per_kwh[ki]
            for c, v in o.abs_fuel.items():
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
        serving = [j for j in pv_j if plan[j].mode != "roof_lease"]
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
        bat = sum((float(np.interp(plan[j].size, *opts[j].battery_curve)) for j in active
                   if opts[j].kind == "battery"), 0.0)
        for j in active:
            if opts[j].kind == "battery":
                saved_value[j] += float(np.interp(plan[j].size, *opts[j].battery_curve)) * esc_e[ki]

        elec_bill = (ratio * C0 * esc_e[ki] - float(self_h @ p.price_cny_per_kwh) * esc_e[ki]
                     - float(exp_h @ p.export_price_cny_per_kwh) * esc_e[ki] - bat * esc_e[ki])
        fuel_cost = sum(fuel_now[c] * p.fuel_price_cny[c] for c in fuel_now) * esc_f[ki]
        cost0 = C0 * esc_e[ki] + fuel_cost0 * esc_f[ki]
        em = (elec_now - self_kwh) * p.grid_co2_t_per_kwh[ki] + sum(fuel_now[c] * p.fuel_co2_t[c] for c in fuel_now)
        em0 = E0 * p.grid_co2_t_per_kwh[ki] + fuel_co2_0
        out["elec"][ki], out["imp"][ki] = elec_now, elec_now - self_kwh
        out["gen"][ki], out["self"][ki], out["exp"][ki] = gen_total, self_kwh, gen_total - self_kwh
        out["cost"][ki], out["cost0"][ki], out["em"][ki], out["em0"][ki] = elec_bill + fuel_cost, cost0, em, em0
        for c in fuel_now:
            fuel_out[c][ki] = fuel_now[c]

        # Owner flows attributed to each active action.
        abatement = em0 - em
        for j in active:
            o, a = opts[j], plan[j]
            af = act_flows[j]
            age = k - a.year + 1
            term = in_term(j, k)
            energy = saved_value[j]
            if a.mode in ("shared_savings", "energy_cost_hosting") and term:
                de, dfuel = deemed_saving_cny(p, o)
                deemed = de * esc_e[ki] + dfuel * esc_f[ki]
                if a.mode == "shared_savings":
                    af["contract"][k] -= p.term("shared_savings", "esco_share_of_savings") * deemed
                else:
                    hosted_e, hosted_f = _hosted_baseline_cost(p, o)
                    hosted = hosted_e * esc_e[ki] + hosted_f * esc_f[ki]
                    af["contract"][k] += p.term("energy_cost_hosting", "discount_frac") * hosted - deemed
            elif a.mode == "emc_pv" and term:
                af["contract"][k] -= pv_share[j] * ((1 - p.term("emc_pv", "discount_frac")) * self_value
                                                    + exp_value)
            elif a.mode == "roof_lease" and term:
                af["contract"][k] += p.term("roof_lease", "rent_cny_per_m2_year") * a.size * o.area_m2_per_unit
            elif a.mode == "guaranteed_savings" and term:
                af["contract"][k] -= p.term("guaranteed_savings", "fee_frac_capex_per_year") * o.capex_at(a.size)
            elif a.mode == "finance_lease" and age <= p.term("finance_lease", "term_years"):
                net = o.capex_at(a.size) - o.subsidy_upfront_at(a.size)
                years = int(p.term("finance_lease", "term_years"))
                af["contract"][k] -= (annuity_factor(p.term("finance_lease", "interest_rate"), years)
                                      * (1 - p.term("finance_lease", "down_payment_frac")) * net)
            af["energy_savings"][k] += energy
            owner_runs_it = a.mode in OWN_LIKE or not term
            if owner_runs_it and a.mode != "roof_lease":
                af["om"][k] -= o.om_at(a.size)
            af["services"][k] -= o.annual_cost_cny
            if a.mode in OWN_LIKE and age <= o.subsidy_years:
                gen_j = float(gen_by[j].sum()) if j in gen_by else 0.0
                af["subsidy"][k] += o.subsidy_cny_per_kwh * gen_j
            if o.carbon_credit_share > 0:
                af["carbon_revenue"][k] += (o.carbon_credit_share * max(abatement, 0.0)
                                            * p.credit_price(o) * esc_c[ki])

    for j, (o, a) in enumerate(zip(opts, plan)):
        af = act_flows[j]
        net_capex = o.capex_at(a.size) - o.subsidy_upfront_at(a.size)
        if a.mode in ("own", "guaranteed_savings"):
            af["upfront"][a.year - 1] -= net_capex
        elif a.mode == "finance_lease":
            af["upfront"][a.year - 1] -= p.term("finance_lease", "down_payment_frac") * net_capex
        term = 0 if a.mode in OWN_LIKE else int(p.term(a.mode, "term_years"))
        points, left, owner_at_h, first_install = replacement_schedule(a.year, o.lifetime_years, H, a.mode, term)
        for point in points:
            af["replacement"][point] -= o.capex_at(a.size)
        if owner_at_h:
            af["residual"][H] += (net_capex if first_install else o.capex_at(a.size)) * left
        for c in COMPONENTS:
            flows[c] += af[c]

    df = discount_factors(econ.discount_rate, H)
    results = []
    for j, (o, a) in enumerate(zip(opts, plan)):
        af = act_flows[j]
        first = sum(af[c][a.year] for c in COMPONENTS if c not in ("upfront", "residual", "replacement"))
        results.append(ActionResult(
            action=a, capex_cny=o.capex_at(a.size),
            subsidy_cny=(o.subsidy_upfront_at(a.size) if a.mode in OWN_LIKE else 0.0) + float(af["subsidy"].sum()),
            upfront_cny=-float(af["upfront"].sum()), first_year_net_saving_cny=float(first),
            npv_cny=float(sum(af[c] for c in COMPONENTS) @ df),
            co2_reduction_t_per_year=float(act_co2[j, a.year - 1]),
            electricity_saving_kwh_per_year=float(act_kwh[j, a.year - 1]), flows=af))
    # internal (shadow) carbon price: the site's abatement valued at the escalating price, a site-level flow
    flows["internal_carbon_price"] = np.concatenate(
        [[0.0], p.shadow_carbon_price_cny_per_t * esc_c * (out["em0"] - out["em"])])
    npv = float(sum(flows.values()) @ df)
    return PlanEvaluation(
        npv_cny=npv, flows=flows, electricity_kwh=out["elec"], grid_import_kwh=out["imp"],
        pv_generation_kwh=out["gen"], pv_self_consumed_kwh=out["self"], pv_exported_kwh=out["exp"],
        fuel_by_carrier=fuel_out, energy_cost_cny=out["cost"], baseline_energy_cost_cny=out["cost0"],
        emissions_t=out["em"], baseline_emissions_t=out["em0"], actions=results)


def _hosted_baseline_cost(p: Problem, o) -> tuple[float, float]:
    """Baseline yearly cost (base-year prices) of electricity and of fuel of the end uses an option acts on."""
    elec = fuel = 0.0
    for end_use in {e for e, _ in o.effects} | ({o.heat_end_use} if o.heat_end_use else set()):
        if end_use in p.electricity_end_uses_kwh:
            elec += p.electricity_end_uses_kwh[end_use] * p.average_price_cny_per_kwh
        elif end_use in p.fuel_end_uses:
            fuel += sum(v * p.fuel_price_cny[c] for c, v in p.fuel_end_uses[end_use].items())
    return elec, fuel
