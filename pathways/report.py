"""Human and JSON output of a plan, and the ``pathways plan`` command.

Exit codes: 0 plan found, 2 bad input, 3 infeasible, 4 time limit without any plan.
"""
from __future__ import annotations

import sys

import numpy as np

from .errors import EXIT_INFEASIBLE, EXIT_OK, EXIT_TIME_LIMIT
from .jsonio import emit_json

MODE_TEXT = {
    "en": {"own": "self-invest", "emc_pv": "third-party EMC PV", "roof_lease": "roof lease",
           "shared_savings": "ESCO shared savings", "guaranteed_savings": "ESCO guaranteed savings",
           "energy_cost_hosting": "energy-cost hosting", "finance_lease": "finance lease"},
    "zh": {"own": "自投", "emc_pv": "合同能源管理光伏", "roof_lease": "屋顶租赁", "shared_savings": "节能效益分享",
           "guaranteed_savings": "节能量保证", "energy_cost_hosting": "能源费用托管", "finance_lease": "融资租赁"},
}
TEXT = {
    "en": {"title": "Decarbonisation plan", "year": "Year", "measure": "Measure", "financing": "Financing",
           "size": "Size", "upfront": "Upfront CNY", "saving": "Net saving CNY/yr", "co2": "tCO2/yr",
           "payback": "Payback yr", "first": "first steps", "totals": "Totals", "npv": "NPV (exact evaluation)",
           "why": "Why", "why_not": "Best measures left out", "alternatives": "Alternative plans",
           "baseline": "Payback-first rule (today's practice)", "binding": "Binding constraints",
           "emissions": "Emissions tCO2 (baseline -> plan)", "none": "no action pays off under these constraints",
           "totals_line": "Totals: NPV (exact evaluation) {npv:,.0f} CNY; upfront {upfront:,.0f} CNY; abatement in "
                          "year {T}: {abated:,.0f} tCO2 of {base:,.0f} tCO2 in year 1"},
    "zh": {"title": "降碳路径规划", "year": "年份", "measure": "措施", "financing": "融资方式", "size": "规模",
           "upfront": "前期投入(元)", "saving": "年净节省(元)", "co2": "减排(吨/年)", "payback": "回收期(年)",
           "first": "第一步", "totals": "合计", "npv": "净现值(精确评估)", "why": "原因", "why_not": "未选入的主要措施",
           "alternatives": "备选方案", "baseline": "按回收期排序的传统做法", "binding": "起约束作用的条件",
           "emissions": "排放(吨CO2, 基准 -> 方案)", "none": "在这些约束下没有可盈利的措施",
           "totals_line": "合计: 净现值(精确评估) {npv:,.0f} 元; 前期投入 {upfront:,.0f} 元; 第{T}年减排 {abated:,.0f} 吨CO2 "
                          "(第1年基准排放 {base:,.0f} 吨)"},
}


def format_plan(result, lang: str = "en") -> str:
    t, modes = TEXT[lang], MODE_TEXT[lang]
    s = result.site
    lines = [f"{t['title']}: {s['name']} ({s['city']} {s['city_zh']}, {s['province']}; "
             f"weather station {s['station']} {s['station_distance_km']:.0f} km)", ""]
    acts = result.actions
    if result.status == "infeasible":
        return "\n".join(lines + [result.message])
    if acts.empty:
        lines.append(t["none"])
    else:
        name_col = "name_zh" if lang == "zh" else "name_en"
        header = (f"{t['year']:>4}  {t['measure']:<42} {t['financing']:<22} {t['size']:>14} {t['upfront']:>13} "
                  f"{t['saving']:>17} {t['co2']:>9} {t['payback']:>10}")
        lines += [header, "-" * len(header)]
        first_year = int(acts["year"].min())
        for _, r in acts.sort_values(["year", "upfront_cny"], ascending=[True, False]).iterrows():
            mark = "*" if r["year"] == first_year else " "
            name = f"{r[name_col]}" + (f" [{r['option_id'].split('@')[1]}]" if "@" in r["option_id"] else "")
            pb = "-" if not np.isfinite(r["simple_payback_years"]) else f"{r['simple_payback_years']:.1f}"
            lines.append(f"{mark}{r['year']:>3}  {name[:42]:<42} {modes.get(r['mode'], r['mode']):<22} "
                         f"{r['size']:>9,.0f} {r['size_unit']:<4} {r['upfront_cny']:>13,.0f} "
                         f"{r['annual_net_savings_cny']:>17,.0f} {r['co2_reduction_t_per_year']:>9,.1f} {pb:>10}")
        lines.append(f"(* = {t['first']})")
    tot = result.totals
    lines += ["", t["totals_line"].format(npv=tot.get("npv_cny", 0), upfront=tot.get("upfront_cny", 0),
                                         T=result.problem.plan_years if result.problem else "",
                                         abated=tot.get("abatement_t_year_T", 0),
                                         base=tot.get("baseline_emissions_t_year1", 0))]
    if not result.emissions_by_year.empty:
        e = result.emissions_by_year.head(result.problem.plan_years if result.problem else 5)
        lines.append(t["emissions"] + ": " + ", ".join(f"{int(r.year)}: {r.baseline_t:,.0f} -> {r.plan_t:,.0f}"
                                                        for r in e.itertuples()))
    if result.binding_constraints:
        lines += ["", t["binding"] + ": " + "; ".join(b["text"] for b in result.binding_constraints)]
    if result.explanations:
        from .planner import why_text
        lines += ["", t["why"] + ":"] + [f"  {x['option_id']} ({t['year']} {x['year']}): {why_text(x, lang)}"
                                         for x in result.explanations]
    if result.rejected:
        lines += ["", t["why_not"] + ":"]
        from .planner import why_not_text
        for x in result.rejected:
            reason, break_even = why_not_text(x, lang)
            lines.append(f"  {x['option_id']}: {reason}" + (f"; {break_even}" if break_even else ""))
    if result.alternatives:
        lines += ["", t["alternatives"] + ":"]
        for a in result.alternatives:
            lines.append(f"  #{a['rank']}: NPV {a['npv_cny']:,.0f} CNY ({-a['npv_gap_cny']:+,.0f}), "
                         f"{len(a['actions'])} actions")
    b = result.baseline
    if b:
        lines += ["", f"{t['baseline']}: NPV {b['npv_cny']:,.0f} CNY, cumulative abatement "
                      f"{b['cumulative_abatement_t']:,.0f} t (plan: {tot.get('cumulative_abatement_t', 0):,.0f} t)"]
    if result.message:
        lines += ["", result.message]
    lines.append(f"[{result.status}, gap {result.mip_gap or 0:.2e}, solver {result.solve_seconds:.2f} s, "
                 f"total {result.total_seconds:.2f} s]")
    return "\n".join(lines)


def run_plan(args) -> int:
    from .planner import plan
    result = plan(args.model, args.scenario, args.set_values, objective=args.objective, years=args.years,
                  alternatives=args.alternatives, time_limit=args.time_limit, gap=args.gap)
    if args.json:
        emit_json(result.to_dict(), args.json)
    if args.json != "-":
        print(format_plan(result, args.lang))
    if result.status == "infeasible":
        print(f"error: {result.message}", file=sys.stderr)
        return EXIT_INFEASIBLE
    if result.actions.empty and result.status == "time_limit":
        return EXIT_TIME_LIMIT
    return EXIT_OK
