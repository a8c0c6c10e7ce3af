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


import numpy as np
import pandas as pd


CASH_COLUMNS = ["year", "budget_cny", "upfront_cny", "instalments_cny", "fees_cny", "esco_payments_cny",
                "savings_cny", "tax_cny", "net_cny", "cumulative_cny", "cash_position_cny",
                "energy_bill_before_cny", "energy_bill_after_cny"]


TEXT = {
    "en": {"kWp": "{v} kWp of PV", "kWh": "{v} kWh of storage", "kW_th": "{v} kW_th heat source",
           "MWh/yr": "{v} MWh/yr of end use treated", "site": "whole site",
           "roof": "on roof {id}", "roof_area": "{a:,.0f} m2 usable",
           },
    "zh": {"kWp": "光伏 {v} kWp", "kWh": "储能 {v} kWh", "kW_th": "热源 {v} kW_th",
           "MWh/yr": "覆盖用能 {v} MWh/年", "site": "全厂",
           "roof": "位于屋顶 {id}", "roof_area": "可用 {a:,.0f} 平方米",
           },
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


# ---------------------------------------------------------------------------------------------- small fields
def warnings_of(result) -> list[dict]:
    """``result.warnings`` ({code, text_en, text_zh}), or none while the planner does not give them."""
    return list(getattr(result, "warnings", None) or [])


def tax_basis(result) -> str:
    """'after_tax' or 'pre_tax' (the default until the planner reports the basis of its NPV)."""
    return (result.totals or {}).get("tax_basis") or "pre_tax"
