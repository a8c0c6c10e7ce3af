"""Human and JSON output of a plan, and the ``pathways plan`` command.

Exit codes: 0 plan found (status optimal, time_limit or gap_not_reached, with the gap reached), 2 bad input,
3 infeasible, 4 time limit without any plan, 5 solver error.
"""
from __future__ import annotations

import sys
import unicodedata

import numpy as np

from pathways.errors import EXIT_INFEASIBLE, EXIT_OK, EXIT_SOLVER_ERROR, EXIT_TIME_LIMIT
from pathways.jsonio import emit_json
from pathways.reference.cities import list_cities
from pathways.money.financing import MODE_TEXT
from pathways.results.owner import (first_steps, measure_label, owner_cash_table, plan_paybacks, size_text, tax_basis, unit_text, warnings_of)
from pathways.model.records import PlanResult

TEXT = {
    "en": {"title": "Decarbonisation plan", "station": "weather station {id}, {km:.0f} km",
           "warning": "!! WARNING", "plan": "The plan, first steps first (prerequisites before what needs them, "
                                          "then most NPV per CNY of upfront)",
           "step": "#", "year": "Year", "measure": "Measure", "financing": "Financing", "size": "Size",
           "upfront": "Upfront CNY", "saving": "Net saving CNY/yr", "npv": "NPV CNY",
           "co2": "tCO2/yr cut in its first year", "inv_payback": "Investment payback yr",
           "cash_payback": "Cash payback yr", "first": "* = first steps (plan year 1)",
           "none": "no action pays off under these constraints",
           "before_tax": "before tax", "after_tax": "after tax",
           "totals_line": "Totals: NPV over {H} years {basis} (real, discounted at {r:.1%}) {npv:,.0f} CNY; "
                          "upfront {upfront:,.0f} CNY; investment payback {inv} yr; cash payback {cash} yr; "
                          "CO2 cut in year {T}: {abated:,.0f} tCO2 of {base:,.0f} tCO2 in year 1",
           "emissions": "Emissions tCO2 per year (baseline -> plan)",
           "cash": "The owner's cash by year (CNY; + received, - paid; upfront at the start of a year, the rest at "
                   "its end)",
           "c_year": "Year", "c_budget": "Budget", "c_upfront": "Upfront", "c_instalments": "Instalments",
           "c_fees": "Fees", "c_esco": "ESCO payments", "c_savings": "Net savings", "c_tax": "Tax", "c_net": "Net",
           "c_cum": "Cumulative", "c_position": "Cash position", "c_bill_before": "Energy bill before",
           "c_bill_after": "Energy bill after",
           "cash_note": "Net savings = energy saving - O&M - service fees + subsidies + carbon revenue. Energy bill: "
                        "electricity and fuel, without the plan (before) and with it (after).",
           "binding": "What limits the plan",
           "bind_budget": "the owner budget of year {year} is spent in full",
           "bind_roof_area": "roof {roof_id} is fully used", "bind_payback_limit": "{measure} is capped by the payback limit",
           "bind_portfolio_payback": "the whole plan sits at the portfolio payback limit",
           "bind_co2_target": "the CO2 target of year {year} binds",
           "why": "Why", "why_not": "Best measures left out",
           "alternatives": "Alternative plans", "alt_line": "#{rank}: NPV {npv:,.0f} CNY ({gap:+,.0f}), {n} actions",
           "baseline": "Payback-first rule (today's practice)",
           "baseline_line": "NPV {npv:,.0f} CNY, cumulative CO2 cut {base:,.0f} tCO2 (this plan: {plan:,.0f} tCO2)",
           "estimates": "Figures the plan rests on that are estimates (value, unit, source)",
           "solver": "[solver: {status}, gap {gap}, solver {solver:.2f} s, total {total:.2f} s]",
           "milp_npv": "MILP's own (linearised) NPV {v:,.0f} CNY", "slack": "slack"},
    "zh": {"title": "降碳路径规划", "station": "气象站 {id}，距离 {km:.0f} 公里",
           "warning": "!! 警告", "plan": "实施方案，按先后顺序（先做前提措施，再按每元前期投入的净现值从高到低）",
           "step": "序号", "year": "年份", "measure": "措施", "financing": "融资方式", "size": "规模",
           "upfront": "前期投入(元)", "saving": "年净节省(元/年)", "npv": "净现值(元)",
           "co2": "首年减排(吨CO2/年)", "inv_payback": "投资回收期(年)", "cash_payback": "现金回收期(年)",
           "first": "* = 第一步（规划第1年）", "none": "在这些约束下没有可盈利的措施",
           "before_tax": "税前", "after_tax": "税后",
           "totals_line": "合计：{H}年{basis}净现值（实际值，折现率 {r:.1%}）{npv:,.0f} 元；前期投入 {upfront:,.0f} 元；"
                          "投资回收期 {inv} 年；现金回收期 {cash} 年；第{T}年减排 {abated:,.0f} 吨CO2"
                          "（第1年基准排放 {base:,.0f} 吨CO2）",
           "emissions": "每年排放(吨CO2，基准 -> 方案)",
           "cash": "业主逐年现金流（元；+ 收入，- 支出；前期投入计在年初，其余计在年末）",
           "c_year": "年份", "c_budget": "预算", "c_upfront": "前期投入", "c_instalments": "分期付款",
           "c_fees": "手续费", "c_esco": "付给节能服务公司", "c_savings": "净节省", "c_tax": "税", "c_net": "净现金流",
           "c_cum": "累计", "c_position": "资金余额", "c_bill_before": "改造前能源费用", "c_bill_after": "改造后能源费用",
           "cash_note": "净节省 = 节能收益 - 运维费 - 服务费 + 补贴 + 碳收益。能源费用：电费和燃料费，未实施方案（改造前）"
                        "与实施方案后（改造后）。",
           "binding": "限制方案的条件",
           "bind_budget": "第 {year} 年自有预算已全部用完", "bind_roof_area": "屋顶 {roof_id} 已全部利用",
           "bind_payback_limit": "{measure} 的规模受回收期上限限制",
           "bind_portfolio_payback": "整体方案已达到组合回收期上限",
           "bind_co2_target": "第 {year} 年的减排目标起约束作用",
           "why": "选择原因", "why_not": "未选入的主要措施",
           "alternatives": "备选方案", "alt_line": "#{rank}：净现值 {npv:,.0f} 元（{gap:+,.0f}），{n} 项措施",
           "baseline": "按回收期排序的传统做法",
           "baseline_line": "净现值 {npv:,.0f} 元，累计减排 {base:,.0f} 吨CO2（本方案：{plan:,.0f} 吨CO2）",
           "estimates": "方案所依据的估计值（数值、单位、来源）",
           "solver": "[求解状态：{status}，间隙 {gap}，求解 {solver:.2f} 秒，总计 {total:.2f} 秒]",
           "milp_npv": "混合整数规划自身（线性化）净现值 {v:,.0f} 元", "slack": "松弛量"},
}


def _width(s: str) -> int:
    """Terminal columns of a string (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _table(headers: list[str], rows: list[list[str]], left: int = 0) -> list[str]:
    """Aligned text table: the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(_width(x) for x in col) for col in zip(headers, *rows)]

    def line(cells):
        return "  ".join((c + " " * (w - _width(c))) if i < left else (" " * (w - _width(c)) + c)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(headers), "-" * (sum(widths) + 2 * (len(widths) - 1)), *map(line, rows)]


def _years(x: float, H: int) -> str:
    """Years with one decimal; '>H' when it never pays back; '-' when it is not the owner's investment."""
    return "-" if np.isnan(x) else f">{H}" if not np.isfinite(x) else f"{x:.1f}"


def _value(v) -> str:
    if isinstance(v, (bool, str)) or v is None:
        return str(v)
    v = float(v)
    return f"{v:,.0f}" if v == int(v) and abs(v) >= 10000 else f"{v:g}"


def _place(s: dict, lang: str) -> str:
    if lang != "zh":
        return f"{s['city']} {s['city_zh']}, {s['province']}"
    c = list_cities()
    hit = c.loc[c["province"] == s["province"], "province_zh"]
    return f"{s['city_zh']}，{hit.iloc[0] if len(hit) else s['province']}"


def format_plan(result: PlanResult, lang: str = "en", verbose: bool = False, roofs=None) -> str:
    """The owner's report as text. ``verbose`` adds the solver's internals; ``roofs`` (the model's roof
    segments) lets a roof's name or description show next to its id."""
    from pathways.model.planner import why_not_text, why_text
    t, modes = TEXT[lang], MODE_TEXT[lang]
    s = result.site
    lines = [f"{t['title']}: {s['name']} ({_place(s, lang)}; "
             + t["station"].format(id=s["station"], km=s["station_distance_km"]) + ")", ""]
    for w in warnings_of(result):
        lines += [f"{t['warning']}: {w['text_zh'] if lang == 'zh' else w['text_en']}"]
    if warnings_of(result):
        lines.append("")
    if result.status == "infeasible":
        return "\n".join(lines + [result.message])
    p = result.problem
    H = p.horizon if p else 0
    acts = first_steps(result)
    if acts.empty:
        lines.append(t["none"])
    else:
        first_year = int(acts["year"].min())
        rows = [[("*" if r["year"] == first_year else " ") + str(r["step"]), str(r["year"]),
                 measure_label(result, r, lang, roofs), modes.get(r["mode"], r["mode"]),
                 size_text(r["size"], r["size_unit"], lang), f"{r['upfront_cny']:,.0f}",
                 f"{r['annual_net_savings_cny']:,.0f}", f"{r['npv_cny']:,.0f}",
                 f"{r['co2_reduction_t_per_year']:,.1f}", _years(r["investment_payback_years"], H),
                 _years(r["cash_payback_years"], H)] for _, r in acts.iterrows()]
        lines += [t["plan"] + ":"] + _table([t[k] for k in ("step", "year", "measure", "financing", "size", "upfront",
                                                           "saving", "npv", "co2", "inv_payback", "cash_payback")],
                                          rows, left=4) + [f"({t['first']})"]
    tot = result.totals
    inv, cash_pb = plan_paybacks(result)
    lines += ["", t["totals_line"].format(
        H=H, basis=t["after_tax" if tax_basis(result) == "after_tax" else "before_tax"],
        r=p.econ.discount_rate if p else 0.0, npv=tot.get("npv_cny", 0), upfront=tot.get("upfront_cny", 0),
        inv=_years(inv, H), cash=_years(cash_pb, H), T=p.plan_years if p else "",
        abated=tot.get("abatement_t_year_T", 0), base=tot.get("baseline_emissions_t_year1", 0))]
    if not result.emissions_by_year.empty:
        e = result.emissions_by_year.head(p.plan_years if p else 5)
        lines.append(t["emissions"] + ": " + ", ".join(f"{int(r.year)}: {r.baseline_t:,.0f} -> {r.plan_t:,.0f}"
                                                        for r in e.itertuples()))
    cash = owner_cash_table(result)
    if not acts.empty and len(cash):
        cols = [("year", "c_year"), ("budget_cny", "c_budget"), ("upfront_cny", "c_upfront"),
                ("instalments_cny", "c_instalments"), ("fees_cny", "c_fees"), ("esco_payments_cny", "c_esco"),
                ("savings_cny", "c_savings"), ("tax_cny", "c_tax"), ("net_cny", "c_net"), ("cumulative_cny", "c_cum"),
                ("cash_position_cny", "c_position"), ("energy_bill_before_cny", "c_bill_before"),
                ("energy_bill_after_cny", "c_bill_after")]
        cols = [(c, k) for c, k in cols if c in cash and (c == "year" or cash[c].notna().any())]
        rows = [[str(int(v)) if c == "year" else ("-" if not np.isfinite(v) else f"{round(v) + 0:,.0f}")
                 for c, _ in cols for v in [float(r[c])]] for _, r in cash.iterrows()]
        lines += ["", t["cash"] + ":"] + _table([t[k] for _, k in cols], rows) + [t["cash_note"]]
    if result.binding_constraints:
        names = {r["option_id"]: measure_label(result, r, lang, roofs) for _, r in acts.iterrows()}
        texts = []
        for b in result.binding_constraints:
            key = f"bind_{b.family}"
            text = (t[key].format(year=b.year or "", roof_id=b.roof_id or "",
                                  measure=names.get(b.option_id, b.option_id or ""))
                    if key in t else b.text)
            if verbose:
                text += "".join(f" ({t['slack']} {v:,.3g})" for v in b.slacks().values())
            texts.append(text)
        lines += ["", t["binding"] + ": " + "; ".join(texts)]
    label = {r["option_id"]: measure_label(result, r, lang, roofs) for _, r in acts.iterrows()}

    def name_of(oid: str) -> str:
        if oid in label or p is None:
            return label.get(oid, oid)
        o = p.option(oid)
        return measure_label(result, {"option_id": oid, "name_en": o.name_en or oid, "name_zh": o.name_zh or oid},
                                 lang, roofs)
    if result.explanations:
        lines += ["", t["why"] + ":"] + [f"  {name_of(x.option_id)} ({t['year']} {x.year}): {why_text(x, lang)}"
                                         for x in result.explanations]
    if result.rejected:
        lines += ["", t["why_not"] + ":"]
        for x in result.rejected:
            reason, break_even = why_not_text(x, lang)
            lines.append(f"  {name_of(x.option_id)}: {reason}" + (f"; {break_even}" if break_even else ""))
    if result.alternatives:
        lines += ["", t["alternatives"] + ":"] + [
            "  " + t["alt_line"].format(rank=a.rank, npv=a.npv_cny, gap=-a.npv_gap_cny, n=len(a.actions))
            for a in result.alternatives]
    b = result.baseline
    if b is not None:
        lines += ["", f"{t['baseline']}: " + t["baseline_line"].format(
            npv=b.npv_cny, base=b.cumulative_abatement_t, plan=tot.get("cumulative_abatement_t", 0))]
    estimates = result.estimates
    if estimates:
        lines += ["", t["estimates"] + ":"]
        for x in estimates:
            figure = x.get("figure_zh", x["figure"]) if lang == "zh" else x["figure"]
            lines.append(f"  {figure} = {_value(x['value'])} {unit_text(str(x['unit']), lang)} -- {x['source']}")
    # the solver's own words: the status, its gap, the MILP's linearised NPV (only with -v, unless no plan)
    if result.message and (verbose or acts.empty):
        lines += ["", result.message]
    if verbose:
        gap = "-" if result.mip_gap is None else f"{result.mip_gap:.2e}"      # no bound: no gap to report
        lines += ["", t["solver"].format(status=result.status, gap=gap, solver=result.solve_seconds,
                                         total=result.total_seconds)]
        if result.milp_npv_cny is not None:
            lines.append(t["milp_npv"].format(v=result.milp_npv_cny))
    return "\n".join(lines)

def run_plan(args) -> int:
    from pathways.model.planner import plan
    result = plan(args.model, args.scenario, args.set_values, objective=args.objective, years=args.years,
                  alternatives=args.alternatives, time_limit=args.time_limit, gap=args.gap,
                  allow_paths=getattr(args, "allow_path", None) or ())
    if args.json:
        emit_json(result.to_dict(), args.json)
    no_plan = result.objective_value is None
    if result.status == "infeasible":
        if args.json != "-":
            print(format_plan(result, args.lang, verbose=getattr(args, "verbose", False)))
        print(f"error: {result.message}", file=sys.stderr)
        return EXIT_INFEASIBLE
    if no_plan:                 # no plan to print: one line saying why, never "no action pays off"
        if result.status == "time_limit":
            print(f"error: time limit of {args.time_limit:g} s reached before any plan was found (building "
                  f"included); raise --time-limit", file=sys.stderr)
            return EXIT_TIME_LIMIT
        print(f"error: solver {result.status}: {result.message or 'no plan'}", file=sys.stderr)
        return EXIT_SOLVER_ERROR
    if args.json != "-":
        print(format_plan(result, args.lang, verbose=getattr(args, "verbose", False)))
    if result.status == "error":
        print(f"error: solver error: {result.message}", file=sys.stderr)
        return EXIT_SOLVER_ERROR
    return EXIT_OK
