"""The typed records of a plan result: in JSON each is a dict of its field names; the why-not sentences read the
break-even in its unit-named field; the binding constraints of a planned site carry their slack in its unit."""
from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

import pathways
from pathways.jsonio import to_jsonable
from pathways.model.planner import why_not_text
from pathways.model.records import Alternative, Baseline, BindingConstraint, Explanation, Rejection
from pathways.site.problem import Action

SMALL = str(Path(__file__).parent / "fixtures" / "site_plan_small.yaml")


def test_records_serialise_as_dicts_of_their_field_names():
    r = Rejection(option_id="pv@hall", measure_id="pv", family="solar", standalone_npv_cny=float("-inf"),
                  reason_code="no_mode_payback", rivals=("pv_bipv",))
    d = to_jsonable(r)
    assert list(d) == [f.name for f in fields(Rejection)]
    assert d["standalone_npv_cny"] is None and d["rivals"] == ["pv_bipv"] and d["best_year"] is None
    b = Baseline(npv_cny=1.0, upfront_cny=2.0, abatement_t_year_T=3.0, cumulative_abatement_t=4.0,
                 actions=(Action("led", 1, "own", 72.0),), rule="payback first")
    assert to_jsonable(b)["actions"] == [{"option_id": "led", "year": 1, "mode": "own", "size": 72.0}]
    json.dumps(to_jsonable([r, b]), allow_nan=False)


def test_slacks_are_the_slack_fields_that_apply():
    roof = BindingConstraint(family="roof_area", text="roof hall is fully used", roof_id="hall", slack_m2=0.0)
    assert roof.slacks() == {"slack_m2": 0.0}
    assert BindingConstraint(family="payback_limit", text="capped", option_id="pv").slacks() == {}


def test_why_not_reads_the_break_even_in_its_unit():
    common = dict(option_id="vsd_fans", measure_id="vsd_fans", family="equipment", standalone_npv_cny=-2500.0,
                  reason_code="loses", best_year=2, best_mode="own", npv_loss_if_added_cny=9000.0)
    capex = Rejection(**common, break_even_kind="capex", capex_cut_pct=12.4, budget_needed_cny=5000.0)
    assert why_not_text(capex, "en") == ("loses 2,500 CNY on its own",
                                         "enters the plan if its capex falls 12 %, and the year-2 budget to rise by "
                                         "5,000 CNY")
    npv = Rejection(**common, break_even_kind="npv", npv_needed_cny=40000.0, budget_needed_cny=0.0)
    assert why_not_text(npv, "en")[1] == "needs 40,000 CNY more NPV (for example a subsidy) to enter"
    none = Rejection(option_id="pv", measure_id="pv", family="solar", standalone_npv_cny=float("-inf"),
                     reason_code="no_mode_payback")
    assert why_not_text(none, "en") == ("breaks the payback limit in every financing mode", "")


@pytest.fixture(scope="module")
def small():
    return pathways.plan(SMALL, alternatives=1)


def test_a_plan_is_built_from_records_with_units_in_their_names(small):
    r = small
    assert all(isinstance(x, Explanation) for x in r.explanations)
    assert all(isinstance(x, Rejection) for x in r.rejected) and r.rejected
    assert all(isinstance(x, Alternative) for x in r.alternatives) and isinstance(r.baseline, Baseline)
    assert all(c.endswith(("_cny", "point")) for c in r.cash_flows.columns)
    data = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    for key, cls in (("explanations", Explanation), ("rejected", Rejection), ("binding_constraints",
                                                                              BindingConstraint)):
        assert data[key] and all(set(x) == {f.name for f in fields(cls)} for x in data[key])
    assert set(data["baseline"]) == {f.name for f in fields(Baseline)}


def test_binding_budget_and_roof_carry_their_slack(small):
    r = small
    acts = r.actions
    by_family = {b.family: b for b in r.binding_constraints}
    budget = by_family["budget"]                 # 300,000 CNY in year 1 of the fixture, no carry-over into year 1
    assert budget.year == 1
    assert budget.slack_cny == pytest.approx(300_000 - acts.loc[acts["year"] == 1, "upfront_cny"].sum(), abs=1.0)
    roof = by_family["roof_area"]                # 2,500 m2 x 0.7 usable, all of it under PV
    pv = acts[acts["size_unit"] == "kWp"].iloc[0]
    used_m2 = pv["size"] * r.problem.option(pv["option_id"]).area_m2_per_unit
    assert roof.roof_id == "hall" and roof.slack_m2 == pytest.approx(2500 * 0.7 - used_m2, abs=1e-6)
    assert roof.slack_cny is None and budget.slack_m2 is None
