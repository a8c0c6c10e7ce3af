"""The typed result of one plan (``PlanResult``) and the small records it is built from.

Every record is a frozen dataclass whose field names carry their units (``_cny``, ``_t`` for tCO2, ``_m2``,
``_years``, ``_pct``); ``PlanResult.to_dict()`` is the JSON of ``pathways plan --json``, where each record is a dict
of its field names (``pathways.jsonio.to_jsonable``). Sizes (``Action.size``) are in the option's own unit, which
the actions table names in ``size_unit``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

from pathways.jsonio import to_jsonable
from pathways.model.evaluator import PlanEvaluation
from pathways.site.problem import Action, Problem


@dataclass(frozen=True)
class BindingConstraint:
    """A constraint that limits the plan. ``family`` is the MILP's constraint family (``milp.CONSTRAINT_FAMILIES``:
    budget, roof_area, portfolio_payback, co2_target) or ``payback_limit`` (the per-action payback filter caps
    the size of ``option_id``); the index fields that do not apply are None, and so are slacks in other units."""

    family: str
    text: str                                 # English sentence
    year: int | None = None                   # plan year (budget, co2_target)
    roof_id: str | None = None                # roof_area
    option_id: str | None = None              # payback_limit
    slack_cny: float | None = None            # budget, portfolio_payback
    slack_m2: float | None = None             # roof_area
    slack_t: float | None = None              # co2_target (tCO2)

    def slacks(self) -> dict[str, float]:
        """{field name: value} of the slacks this constraint has."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name.startswith("slack_") and getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Explanation:
    """Why an action of the plan was chosen: its exact figures in the plan (``evaluator.ActionResult``)."""

    option_id: str
    measure_id: str
    year: int
    mode: str
    npv_cny: float
    horizon_years: int
    investment_payback_years: float           # NaN when the owner invests nothing, inf when it never pays back
    cash_payback_years: float
    co2_reduction_t_per_year: float
    budget_binding: bool                      # the budget of its year is spent in full
    prerequisites: tuple[str, ...]            # measure ids it needs first
    over_payback_in_context: bool             # meets the payback limit alone but not among the other actions
    why: str = ""                             # English sentence (``planner.why_text``)


@dataclass(frozen=True)
class Rejection:
    """Why a measure is left out, and what would bring it in. ``reason_code``: no_mode_payback, no_mode_investor,
    exclusive, loses, overlap, budget_only. The trial fields (``best_year`` on) are None when no financing mode
    is allowed; ``break_even_kind`` fits (the budget alone keeps it out), capex (``capex_cut_pct``) or npv
    (``npv_needed_cny``)."""

    option_id: str
    measure_id: str
    family: str
    standalone_npv_cny: float                 # its best mode alone on the baseline site (-inf: no mode allowed)
    reason_code: str
    why_not: str = ""                         # English sentences (``planner.why_not_text``)
    break_even: str = ""
    best_year: int | None = None              # the plan year and mode where adding it loses least
    best_mode: str | None = None
    rivals: tuple[str, ...] = ()              # chosen options of its exclusive groups, replaced in the trial
    npv_loss_if_added_cny: float | None = None
    budget_needed_cny: float | None = None    # extra budget of best_year the trial needs
    break_even_kind: str | None = None
    capex_cut_pct: float | None = None        # the capex cut (percent) that makes it break even
    npv_needed_cny: float | None = None       # the extra NPV (e.g. a subsidy) it needs


@dataclass(frozen=True)
class PlanSummary:
    """A whole plan in a few figures: exact NPV, upfront money, abatement in the last plan year and over the
    horizon, and its actions."""

    npv_cny: float
    upfront_cny: float
    abatement_t_year_T: float
    cumulative_abatement_t: float
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Alternative(PlanSummary):
    """The K-th best plan with a different set of options (rank 2 is the second best)."""

    rank: int
    npv_gap_cny: float                        # the plan's NPV minus this one's


@dataclass(frozen=True)
class Baseline(PlanSummary):
    """Today's practice on the same site: the payback-first rule's plan (``planner.payback_first_baseline``)."""

    rule: str


@dataclass(kw_only=True)
class PlanResult:
    """Typed result of one plan; ``to_dict()`` is the documented JSON contract (see README)."""

    status: str                              # optimal | time_limit | gap_not_reached | infeasible | error
    objective: str
    objective_value: float | None
    npv_cny: float | None                    # exact evaluator NPV of the plan
    milp_npv_cny: float | None               # the MILP's own (linearised) NPV of the plan
    linearisation_exact: bool
    mip_gap: float | None
    solve_seconds: float
    total_seconds: float
    actions: pd.DataFrame                    # planner.actions_table
    emissions_by_year: pd.DataFrame          # year, baseline_t, plan_t, abatement_t, target_t, *_kwh
    cash_flows: pd.DataFrame                 # point (0 = start of year 1), one *_cny column per flow, net, cumulative
    totals: dict[str, Any]
    binding_constraints: list[BindingConstraint]
    explanations: list[Explanation]
    rejected: list[Rejection]
    alternatives: list[Alternative]
    baseline: Baseline | None
    applied_overrides: list[dict]
    site: dict
    message: str = ""
    evaluation: PlanEvaluation | None = field(default=None, repr=False)
    problem: Problem | None = field(default=None, repr=False)
    owner_cash: pd.DataFrame = field(default_factory=pd.DataFrame)   # the owner's cash by year (see evaluator)
    warnings: list[dict] = field(default_factory=list)               # {code, text_en, text_zh}
    estimates: list[dict] = field(default_factory=list)              # {figure, value, unit, source}

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "status": self.status, "objective": self.objective_value, "objective_kind": self.objective,
            "npv_cny": self.npv_cny, "milp_npv_cny": self.milp_npv_cny,
            "linearisation_exact": self.linearisation_exact, "mip_gap": self.mip_gap,
            "solve_seconds": self.solve_seconds, "total_seconds": self.total_seconds,
            "actions": self.actions.to_dict(orient="records"), "totals": self.totals,
            "emissions_by_year": self.emissions_by_year.to_dict(orient="records"),
            "cash_flows": self.cash_flows.to_dict(orient="records"),
            "binding_constraints": self.binding_constraints, "explanations": self.explanations,
            "rejected": self.rejected, "alternatives": self.alternatives, "baseline": self.baseline,
            "applied_overrides": self.applied_overrides, "site": self.site, "message": self.message,
            "owner_cash": self.owner_cash.to_dict(orient="records"), "warnings": self.warnings,
            "estimates": self.estimates})
