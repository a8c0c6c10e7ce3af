"""Plausibility warnings on an evaluated plan, in English and Chinese (``PlanResult.warnings``).

``carrier_saving_above_envelope``: the plan's efficiency measures save more than ``Problem.carrier_warning_frac``
(data/defaults.yaml ``savings.carrier_warning_frac``, 30 %: the IEA envelope of 10-30 % SME saving potential
quoted by iResearch 2023 S7) of the site's yearly use of one carrier in the last plan year
(``PlanEvaluation.carrier_saving_frac``; heat sources switching fuel to electricity and PV are not counted).
"""
from __future__ import annotations

from pathways.model.evaluator import PlanEvaluation
from pathways.site.problem import Problem

CARRIER_NAMES = {"electricity": ("electricity", "电力"), "natural_gas": ("natural gas", "天然气"),
                 "coal": ("coal", "煤"), "diesel": ("diesel", "柴油"), "lpg": ("LPG", "液化石油气"),
                 "purchased_steam": ("purchased steam", "外购蒸汽")}
REL_TOL = 1e-9    # a saving exactly at the threshold does not warn


def plan_warnings(problem: Problem, evaluation: PlanEvaluation) -> list[dict]:
    """Warnings of the plan as dicts {code, text_en, text_zh}, one per carrier above the saving envelope."""
    limit = problem.carrier_warning_frac
    out = []
    for carrier, frac in sorted(evaluation.carrier_saving_frac.items()):
        if frac <= limit * (1 + REL_TOL):
            continue
        en, zh = CARRIER_NAMES.get(carrier, (carrier, carrier))
        out.append({
            "code": "carrier_saving_above_envelope",
            "text_en": (f"The plan's efficiency measures save {frac:.0%} of the site's {en} in year "
                        f"{problem.plan_years}, above the {limit:.0%} that SME energy-saving studies support "
                        "(IEA via iResearch 2023); check the savings of overlapping measures before relying on it."),
            "text_zh": (f"本方案的节能措施在第{problem.plan_years}年节约全厂{zh}用量的{frac:.0%}，"
                        f"高于中小企业节能潜力研究支持的{limit:.0%}（IEA，见艾瑞2023报告）；"
                        "请先核实相互重叠措施的节能量再据此决策。"),
        })
    return out
