"""The estimates a plan rests on: the estimated catalog parameters of the measures it takes, the estimated contract
terms of the financing modes it uses and the estimated default assumptions that matter to it (``plan_estimates``,
stored in ``PlanResult.estimates`` and shown by the reports)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pathways.money.financing import MODE_TEXT, MODES
from pathways.reference.catalog import load_catalog
from pathways.reference.tables import assumption_sources

ESTIMATE_TEXT = {
    "en": {"param": "{measure}: {what}", "financing": "{mode} contract: {what}", "assumption": "assumption {key}"},
    "zh": {"param": "{measure}：{what}", "financing": "{mode}合同：{what}", "assumption": "假设 {key}"},
}
# default assumptions (data/defaults.yaml) a single-site plan uses, by what makes them matter
ALWAYS_USED = ("finance.discount_rate_real", "finance.electricity_price_escalation_real",
               "finance.fuel_price_escalation_real", "grid.report_year", "grid.factor_decline_per_year")
CARBON_USED = ("carbon.price_escalation_real_per_year", "carbon.carbon_inclusion_price_cny_per_t",
               "carbon.ccer_price_cny_per_t")
PV_USED = ("pv.lifetime_years", "pv.albedo", "pv.min_self_consumption_share")
MANAGEMENT_FAMILIES = ("energy_service", "carbon", "digital")    # capped by savings.management_cap_frac
MIRRORS = {"finance.discount_rate_real": "finance.discount_rate"}   # model keys that set an assumption
PARAM_NAMES = {
    "capex_cny_per_unit": ("capex per unit of size", "单位规模投资"),
    "capex_fixed_cny": ("fixed capex", "固定投资"),
    "capex_cny_per_mwh_site": ("capex per MWh/yr of site energy", "每MWh/年全厂用能的投资"),
    "annual_cost_cny": ("yearly service fee", "年服务费"),
    "annual_cost_cny_per_unit": ("yearly fee per unit of size", "单位规模年费用"),
    "om_frac_capex_per_year": ("operation and maintenance", "运维费用"),
    "lifetime_years": ("lifetime", "使用寿命"),
    "w_per_m2": ("PV power per m2 of roof", "每平方米屋顶光伏功率"),
    "cop": ("coefficient of performance", "能效系数"),
    "electricity_saving_frac": ("electricity saving", "节电比例"),
    "fuel_saving_frac": ("fuel saving", "节约燃料比例"),
    "site_energy_saving_frac": ("saving on the end uses it acts on", "所作用用能环节的节能比例"),
    "enable_boost_frac": ("boost to other measures", "对其他措施的增强"),
    "rebound_frac": ("rebound", "反弹效应"),
    "max_share_of_heat_demand": ("largest share of the heat demand served", "可承担热负荷的最大比例"),
    "replaced_boiler_efficiency": ("efficiency of the boiler replaced", "被替换锅炉效率"),
    "degradation_frac_per_year": ("degradation", "年衰减"),
    "round_trip_efficiency": ("round-trip efficiency", "往返效率"),
    "carbon_credit_share": ("share of the abatement sold as credits", "作为碳信用出售的减排比例"),
    "scope2_cover_frac": ("share of scope-2 emissions covered", "覆盖的范围二排放比例"),
    "capex_discount_frac_equipment": ("equipment capex discount", "设备投资折扣"),
    "capex_discount_frac_solar": ("solar capex discount", "光伏投资折扣"),
    "esco_share_of_savings": ("ESCO's share of the savings", "节能服务公司分享比例"),
    "term_years": ("term", "合同期限"),
    "guaranteed_saving_frac": ("guaranteed saving", "保证节能比例"),
    "fee_frac_capex_per_year": ("yearly fee", "年服务费"),
    "discount_frac": ("discount to the owner", "给业主的折扣"),
    "rent_cny_per_m2_year": ("roof rent", "屋顶租金"),
    "interest_rate": ("interest rate", "利率"),
    "down_payment_frac": ("down payment", "首付比例"),
    "fee_frac": ("arrangement fee", "手续费比例"),
    "deposit_frac": ("deposit", "保证金比例"),
    "min_ticket_cny": ("smallest amount financed", "最低融资额"),
    "interest_subsidy_pp": ("interest subsidy", "贴息"),
    "tax_credit_frac": ("income-tax credit on the purchase", "购置抵免所得税比例"),
    "tax_depreciation_years": ("tax depreciation period", "税务折旧年限"),
    "carbon_credit_eligible": ("eligible for carbon credits", "可申请碳信用"),
    "duration_h": ("storage duration", "储能时长"),
    "first_year_degradation_frac": ("first-year degradation", "首年衰减"),
}
CLASS_SUFFIX = {"en": {"pv": " (PV)", "storage": " (storage)", "equipment": " (equipment)", "service": " (services)"},
                 "zh": {"pv": "（光伏）", "storage": "（储能）", "equipment": "（设备）", "service": "（服务）"}}


def value_at_key(tree: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def user_set(result, key: str, default: Any, assumptions: dict | None) -> bool:
    """Whether the site, a scenario or --set gave the assumption ``key`` a value of its own."""
    if assumptions is not None:
        value = value_at_key(assumptions, key)
        return value is not None and value != default
    if key == "finance.discount_rate_real" and result.problem is not None:
        return not math.isclose(result.problem.econ.discount_rate, float(default), rel_tol=1e-12)
    keys = {f"assumptions.{key}", MIRRORS.get(key)}
    return any(o.get("key") in keys for o in (result.applied_overrides or []))


def financing_estimates(result, financing: pd.DataFrame) -> list[dict]:
    """Estimated contract terms of the (mode, asset class) pairs the plan uses: the asset class's own row of a
    term, else the mode's ``all`` row."""
    pairs = []
    for r in result.actions.itertuples():
        if r.mode == "own":
            continue
        try:
            cls = getattr(result.problem.option(r.option_id), "asset_class", "all")
        except (AttributeError, KeyError, StopIteration, ValueError):
            cls = "all"
        if (r.mode, cls) not in pairs:
            pairs.append((r.mode, cls))
    fin = financing.assign(asset_class=financing["asset_class"] if "asset_class" in financing else "all")
    out, seen = [], set()
    for mode, cls in pairs:
        rows = fin[(fin["mode"] == mode) & fin["asset_class"].isin([cls, "all"])]
        rows = rows.assign(own_row=rows["asset_class"] == cls).sort_values("own_row", kind="stable")
        for r in rows.drop_duplicates("parameter", keep="last").itertuples():
            key = f"{mode}.{r.parameter}" if r.asset_class == "all" else f"{mode}.{r.asset_class}.{r.parameter}"
            if not bool(r.is_estimate) or key in seen:
                continue
            seen.add(key)
            what = PARAM_NAMES.get(r.parameter, (r.parameter, r.parameter))
            names = {lg: MODE_TEXT[lg].get(mode, mode) + ("" if r.asset_class == "all" else
                                                          CLASS_SUFFIX[lg].get(r.asset_class, r.asset_class))
                     for lg in ("en", "zh")}
            out.append({"figure": ESTIMATE_TEXT["en"]["financing"].format(mode=names["en"], what=what[0]),
                        "figure_zh": ESTIMATE_TEXT["zh"]["financing"].format(mode=names["zh"], what=what[1]),
                        "key": key, "value": float(r.value), "unit": r.unit, "source": r.source})
    return out


def plan_estimates(result, parameters: pd.DataFrame | None = None, financing: pd.DataFrame | None = None,
                   assumptions: dict | None = None) -> list[dict]:
    """The estimated figures the plan rests on, each ``{figure, figure_zh, key, value, unit, source}``:
    catalog parameters of the measures in the plan and the contract terms of the financing modes it uses
    (``is_estimate`` rows of the catalog; ``parameters``/``financing`` default to the shipped catalog, pass the
    site's catalog tables to honour its overrides), and the default assumptions the plan uses that are estimates
    and that the site, a scenario or --set did not replace (``assumptions``: the merged assumptions, if known)."""
    acts = result.actions
    if acts.empty:
        return []
    if parameters is None or financing is None:
        cat = load_catalog()
        parameters = cat.parameters_table if parameters is None else parameters
        financing = cat.financing_table if financing is None else financing
    out: list[dict] = []
    names = {r.measure_id: (r.name_en, r.name_zh) for r in acts.itertuples()}
    rows = parameters[parameters["measure_id"].isin(names)].drop_duplicates(["measure_id", "parameter"], keep="last")
    for r in rows[rows["is_estimate"].astype(bool)].itertuples():
        what = PARAM_NAMES.get(r.parameter, (r.parameter, r.parameter))
        out.append({"figure": ESTIMATE_TEXT["en"]["param"].format(measure=names[r.measure_id][0], what=what[0]),
                    "figure_zh": ESTIMATE_TEXT["zh"]["param"].format(measure=names[r.measure_id][1], what=what[1]),
                    "key": f"{r.measure_id}.{r.parameter}", "value": float(r.value), "unit": r.unit,
                    "source": r.source})
    out += financing_estimates(result, financing)
    used = list(ALWAYS_USED)
    ev = result.evaluation
    carbon = ("carbon_revenue", "internal_carbon_price")
    if ev is not None and any(np.any(ev.flows.get(c, 0)) for c in carbon):
        used += CARBON_USED
    if (acts["size_unit"] == "kWp").any():
        used += PV_USED
    if acts["family"].isin(MANAGEMENT_FAMILIES).any():
        used.append("savings.management_cap_frac")
    if any(MODES[m].borrowed for m in acts["mode"]):   # nominal instalments turned into real money
        used.append("finance.inflation_rate")
    table = assumption_sources().set_index("key")
    for key in used:
        if key not in table.index or not bool(table.at[key, "is_estimate"]):
            continue
        default = table.at[key, "value"]
        if user_set(result, key, default, assumptions):
            continue
        out.append({"figure": ESTIMATE_TEXT["en"]["assumption"].format(key=key),
                    "figure_zh": ESTIMATE_TEXT["zh"]["assumption"].format(key=key), "key": key, "value": default,
                    "unit": table.at[key, "unit"], "source": table.at[key, "source"]})
    return out
