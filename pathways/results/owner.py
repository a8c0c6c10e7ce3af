"""What the owner's report shows besides the plan table: the owner's cash by year, both paybacks, the order of
the first steps, the estimated figures the plan rests on, readable sizes and roofs, warnings and the tax basis.

Used by the CLI text (``pathways.results.report``) and the app's My SME page. Each function reads a ``PlanResult``; where
the planner already gives a field (``owner_cash``, ``investment_payback_years``, ``cash_payback_years``,
``estimates``, ``warnings``, ``totals["tax_basis"]``) that field is used as it is.

Conventions of ``owner_cash_table`` (the planner's ``PlanResult.owner_cash``): CNY by year y = 1..H, every money
column + received, - paid; net = upfront + instalments + fees + ESCO payments + savings + tax. Upfront payments
and replacements fall at the start of a year, the rest at its end. Residual values at the horizon and the
internal (shadow) carbon price are not cash and are left out.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from pathways.model.financing import MODES
from pathways.reference.catalog import load_catalog
from pathways.reference.tables import assumption_sources

CASH_COLUMNS = ["year", "budget_cny", "upfront_cny", "instalments_cny", "fees_cny", "esco_payments_cny",
                "savings_cny", "tax_cny", "net_cny", "cumulative_cny", "cash_position_cny",
                "energy_bill_before_cny", "energy_bill_after_cny"]

# the financing modes' names in the owner's words, by language (``pathways.model.financing.Mode.label``)
MODE_TEXT = {lang: {name: mode.label[lang] for name, mode in MODES.items()} for lang in ("en", "zh")}
# default assumptions (data/defaults.yaml) a single-site plan uses, by what makes them matter
ALWAYS_USED = ("finance.discount_rate_real", "finance.electricity_price_escalation_real",
               "finance.fuel_price_escalation_real", "grid.report_year", "grid.factor_decline_per_year")
CARBON_USED = ("carbon.price_escalation_real_per_year", "carbon.carbon_inclusion_price_cny_per_t",
               "carbon.ccer_price_cny_per_t")
PV_USED = ("pv.lifetime_years", "pv.albedo", "pv.min_self_consumption_share")
MANAGEMENT_FAMILIES = ("energy_service", "carbon", "digital")    # capped by savings.management_cap_frac
MIRRORS = {"finance.discount_rate_real": "finance.discount_rate"}   # model keys that set an assumption

TEXT = {
    "en": {"kWp": "{v} kWp of PV", "kWh": "{v} kWh of storage", "kW_th": "{v} kW_th heat source",
           "MWh/yr": "{v} MWh/yr of end use treated", "site": "whole site",
           "roof": "on roof {id}", "roof_area": "{a:,.0f} m2 usable",
           "param": "{measure}: {what}", "financing": "{mode} contract: {what}", "assumption": "assumption {key}"},
    "zh": {"kWp": "光伏 {v} kWp", "kWh": "储能 {v} kWh", "kW_th": "热源 {v} kW_th",
           "MWh/yr": "覆盖用能 {v} MWh/年", "site": "全厂",
           "roof": "位于屋顶 {id}", "roof_area": "可用 {a:,.0f} 平方米",
           "param": "{measure}：{what}", "financing": "{mode}合同：{what}", "assumption": "假设 {key}"},
}
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
UNITS_ZH = {
    "CNY": "元", "CNY/yr": "元/年", "CNY per kWp": "元/kWp", "CNY per kWh": "元/kWh", "CNY per kW_th": "元/kW_th",
    "CNY per MWh/yr": "元/(MWh/年)", "CNY per MWh/yr site": "元/(MWh/年 全厂用能)",
    "CNY/yr per MWh/yr": "元/年 每MWh/年", "CNY/m2/yr": "元/平方米/年", "CNY/tCO2": "元/吨CO2", "W/m2": "W/m2",
    "fraction": "比例", "fraction of capex/yr": "占投资比例/年", "fraction/yr": "比例/年", "h": "小时",
    "kWh_th/kWh_e": "kWh_th/kWh_e", "yr": "年", "year": "年", "years": "年", "1/yr": "1/年",
    "1/yr (real)": "1/年（实际值）", "1/yr (CPI)": "1/年（居民消费价格指数）", "fraction of financed amount": "占融资额比例", "flag": "标记",
    "fraction of an end use's energy left after the other measures": "占其他措施实施后该用能剩余量的比例",
}
ASSET_CLASSES = {"en": {"pv": " (PV)", "storage": " (storage)", "equipment": " (equipment)", "service": " (services)"},
                 "zh": {"pv": "（光伏）", "storage": "（储能）", "equipment": "（设备）", "service": "（服务）"}}


def unit_text(unit: str, lang: str = "en") -> str:
    return UNITS_ZH.get(unit, unit) if lang == "zh" else unit


def size_text(size: float, unit: str, lang: str = "en") -> str:
    """What a size is: '105 kWp of PV', '33 kW_th heat source', '72 MWh/yr of end use treated', 'whole site'."""
    t = TEXT[lang]
    if unit in t:
        return t[unit].format(v=f"{size:,.0f}")
    return f"{size:,.0f} {unit}"


def roof_text(result, roof_id: str, lang: str = "en", roofs=None) -> str:
    """'on roof hall (Main hall, 1,750 m2 usable)': the roof id, its name or description when the site file gives
    one (``roofs``: the model's roof segments), and the usable area the planner counted."""
    t = TEXT[lang]
    extra = []
    for r in roofs or ():
        get = r.get if isinstance(r, dict) else (lambda k, r=r: getattr(r, k, None))
        if get("id") == roof_id:
            extra += [str(x) for x in (get("name"), get("description")) if x]
    area = getattr(result.problem, "roof_area_m2", {}).get(roof_id) if result.problem is not None else None
    if area:
        extra.append(t["roof_area"].format(a=area))
    sep = "，" if lang == "zh" else ", "
    inner = sep.join(extra)
    return t["roof"].format(id=roof_id) + ((f"（{inner}）" if lang == "zh" else f" ({inner})") if inner else "")


def measure_label(result, row, lang: str = "en", roofs=None) -> str:
    """Full measure name in the language, with the roof it sits on (PV) or its size step (``@half``)."""
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    roof_id = ""
    if result.problem is not None:
        try:
            roof_id = result.problem.option(row["option_id"]).roof_id
        except (KeyError, StopIteration, ValueError):
            roof_id = ""
    if roof_id:
        return f"{name} {roof_text(result, roof_id, lang, roofs)}"
    _, _, variant = str(row["option_id"]).partition("@")
    return f"{name} [{variant}]" if variant else name


# ---------------------------------------------------------------------------------------------- owner cash
def owner_cash_table(result) -> pd.DataFrame:
    """The owner's cash by year (``PlanResult.owner_cash``, built by ``evaluator.owner_cash_by_year``: every money
    column + received, - paid, a row's six flow columns add up to its net)."""
    given = getattr(result, "owner_cash", None)
    return given if isinstance(given, pd.DataFrame) and not given.empty else pd.DataFrame(columns=CASH_COLUMNS)


def action_paybacks(result) -> pd.DataFrame:
    """option_id, investment_payback_years, cash_payback_years of each action in the plan."""
    cols = ["option_id", "investment_payback_years", "cash_payback_years"]
    return result.actions[cols].astype({c: float for c in cols[1:]}).reset_index(drop=True)


def plan_paybacks(result) -> tuple[float, float]:
    """(investment, cash) payback of the whole plan in years (NaN without a plan)."""
    tot = result.totals or {}
    return (float(tot.get("investment_payback_years", float("nan"))),
            float(tot.get("cash_payback_years", float("nan"))))


# ---------------------------------------------------------------------------------------------- first steps
def order_first_steps(actions: pd.DataFrame, prerequisites: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Actions in the order to take them: by plan year; an action whose prerequisite (a measure id) is in the plan
    comes after it; then by NPV per CNY of upfront (no upfront: first), then by NPV. Adds ``step`` (1..n) and
    ``npv_per_upfront``."""
    df = actions.reset_index(drop=True).copy()
    up = df["upfront_cny"].astype(float).to_numpy()
    npv = df["npv_cny"].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(up > 1e-9, npv / np.where(up > 1e-9, up, 1.0), np.where(npv >= 0, np.inf, -np.inf))
    df["npv_per_upfront"] = ratio
    in_plan = set(df["measure_id"])
    left = list(range(len(df)))
    placed: set[str] = set()
    order: list[int] = []
    while left:
        ready = [i for i in left
                 if set(prerequisites.get(df.at[i, "option_id"], ())) & in_plan <= placed] or left
        i = min(ready, key=lambda i: (int(df.at[i, "year"]), -ratio[i], -npv[i], str(df.at[i, "option_id"])))
        order.append(i)
        left.remove(i)
        placed.add(df.at[i, "measure_id"])
    out = df.loc[order].reset_index(drop=True)
    out.insert(0, "step", np.arange(1, len(out) + 1))
    return out


def first_steps(result) -> pd.DataFrame:
    """``result.actions`` in first-steps order (``order_first_steps``) with both paybacks joined."""
    acts = result.actions
    if acts.empty:
        return acts.assign(step=pd.Series(dtype=int), npv_per_upfront=pd.Series(dtype=float))
    pre = {}
    for oid in acts["option_id"]:
        try:
            pre[oid] = tuple(result.problem.option(oid).prerequisites)
        except (AttributeError, KeyError, StopIteration, ValueError):
            pre[oid] = ()
    pb = action_paybacks(result)
    base = acts.drop(columns=[c for c in ("investment_payback_years", "cash_payback_years") if c in acts])
    return order_first_steps(base.merge(pb, on="option_id", how="left"), pre)


# ---------------------------------------------------------------------------------------------- estimates
def _lookup(tree: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree


def _user_set(result, key: str, default: Any, assumptions: dict | None) -> bool:
    """Whether the site, a scenario or --set gave the assumption ``key`` a value of its own."""
    if assumptions is not None:
        value = _lookup(assumptions, key)
        return value is not None and value != default
    if key == "finance.discount_rate_real" and result.problem is not None:
        return not math.isclose(result.problem.econ.discount_rate, float(default), rel_tol=1e-12)
    keys = {f"assumptions.{key}", MIRRORS.get(key)}
    return any(o.get("key") in keys for o in (result.applied_overrides or []))


def _financing_estimates(result, financing: pd.DataFrame) -> list[dict]:
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
                                                          ASSET_CLASSES[lg].get(r.asset_class, r.asset_class))
                     for lg in ("en", "zh")}
            out.append({"figure": TEXT["en"]["financing"].format(mode=names["en"], what=what[0]),
                        "figure_zh": TEXT["zh"]["financing"].format(mode=names["zh"], what=what[1]),
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
        out.append({"figure": TEXT["en"]["param"].format(measure=names[r.measure_id][0], what=what[0]),
                    "figure_zh": TEXT["zh"]["param"].format(measure=names[r.measure_id][1], what=what[1]),
                    "key": f"{r.measure_id}.{r.parameter}", "value": float(r.value), "unit": r.unit,
                    "source": r.source})
    out += _financing_estimates(result, financing)
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
        if _user_set(result, key, default, assumptions):
            continue
        out.append({"figure": TEXT["en"]["assumption"].format(key=key),
                    "figure_zh": TEXT["zh"]["assumption"].format(key=key), "key": key, "value": default,
                    "unit": table.at[key, "unit"], "source": table.at[key, "source"]})
    return out


# ---------------------------------------------------------------------------------------------- small fields
def warnings_of(result) -> list[dict]:
    """``result.warnings`` ({code, text_en, text_zh}), or none while the planner does not give them."""
    return list(getattr(result, "warnings", None) or [])


def tax_basis(result) -> str:
    """'after_tax' or 'pre_tax' (the default until the planner reports the basis of its NPV)."""
    return (result.totals or {}).get("tax_basis") or "pre_tax"
