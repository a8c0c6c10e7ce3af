"""The financing-mode registry (pathways/money/financing.py): for every registered mode the MILP's cash rows of a
sample action equal the evaluator's cash flows of that action year by year; hand formulas (numpy-financial) for
the borrowed modes and by hand for a contract; a mode missing a part is refused when it is registered."""
from __future__ import annotations

import dataclasses

import numpy as np
import numpy_financial as npf
import pyomo.environ as pyo
import pytest
from pyomo.repn import generate_standard_repn

from pathways.money.economics import discount_factors
from pathways.model.evaluator import COMPONENTS, evaluate
from pathways.money.financing import (MODES, ContractYear, Mode, pay_instalments, pay_nothing, pay_upfront, register,
                                      share_of_savings)
from pathways.model.milp import PlanModel
from pathways.site.problem import Action, Option

from planner_cases import base_problem, pv_option

H, T, YEAR = 12, 3, 2          # horizon, plan years, the sample action's year

LED = Option("led", "led", "equipment", "chain", lifetime_years=25, capex_cny=1_000_000, om_cny_per_year=3_000,
             effects=(("lighting", 0.5),), tax_depreciation_years=10, tax_credit_frac=0.1)


def sample(mode: str):
    """(option, size) of the sample action of ``mode``: LED lighting where the mode finances equipment, else a
    400 kWp PV plant (PV-only modes)."""
    if "equipment" in MODES[mode].asset_classes:
        return dataclasses.replace(LED, modes=(mode,)), LED.size
    if "pv" in MODES[mode].asset_classes:
        return dataclasses.replace(pv_option((mode,)), asset_class="pv", lifetime_years=25), None
    raise AssertionError(f"no sample action for {mode}")


def problem_with(option, tax_rate=0.0, terms=None):
    p = base_problem([option], T=T, H=H, fuel=False, tax_rate=tax_rate)
    p.econ = dataclasses.replace(p.econ, degradation_first_year=0.0, degradation_per_year=0.0)
    for mode, values in (terms or {}).items():
        p.financing_terms[mode, "all"] = values
    return p


def milp_at(p, option_id: str, mode: str, size: float | None):
    """The MILP with the sample action fixed (every other column off), solved: its cash rows at that plan. A PV
    size is set to a breakpoint of the PV value curve, where the MILP's hypograph is exact."""
    pm = PlanModel(p)
    col = next(c for c in pm.cols if p.options[c[0]].option_id == option_id and c[1:] == (YEAR, mode))
    for c in pm.cols:
        pm.m.x[c].fix(1 if c == col else 0)
    if p.options[col[0]].continuous:
        bp = pm.pv_curve["kwp"]
        inner = bp[(bp > 0) & (bp < p.options[col[0]].size)]
        size = float(inner[len(inner) // 2])
        for c in pm.cont_cols:
            pm.m.s[c].fix(size if c == col else 0.0)
    res = pm.solve(time_limit=60)
    assert res.status == "optimal", res.status
    return pm, col, size


@pytest.mark.parametrize("tax_rate", [0.0, 0.25])
@pytest.mark.parametrize("mode", list(MODES))
def test_milp_cash_rows_equal_the_evaluator_for_every_mode(mode, tax_rate):
    option, size = sample(mode)
    p = problem_with(option, tax_rate)
    pm, col, size = milp_at(p, option.option_id, mode, size)
    ev = evaluate(p, [Action(option.option_id, YEAR, mode, size)])
    f = ev.flows
    fees_up = ev.spend_cny + f["upfront"] + f["replacement"]          # upfront fees, at the start of their year
    yearly = sum(f[c] for c in COMPONENTS if c not in ("upfront", "replacement", "residual")) + fees_up
    milp_yearly = np.array([pyo_value(pm.F[k]) for k in range(1, H + 1)])
    scale = max(1.0, float(np.abs(yearly).max()))
    np.testing.assert_allclose(milp_yearly, yearly[1:], rtol=0, atol=1e-7 * scale, err_msg=mode)
    np.testing.assert_allclose([pyo_value(pm.U[t]) for t in range(1, T + 1)], ev.spend_cny[:T], rtol=0,
                               atol=1e-7 * scale, err_msg=mode)
    assert pm.npv_value() == pytest.approx(ev.npv_cny, rel=1e-9, abs=1e-6)
    # the spend of the action's year is a coefficient of its binary (and size) alone
    pm.m.x.unfix()
    pm.m.s.unfix()
    repn = generate_standard_repn(pm.U[YEAR])
    coef = dict(zip([id(v) for v in repn.linear_vars], repn.linear_coefs))
    spend = coef.get(id(pm.m.x[col]), 0.0) + (coef.get(id(pm.m.s[col]), 0.0) * size if col in pm.cont_cols else 0.0)
    assert spend == pytest.approx(ev.spend_cny[YEAR - 1], rel=1e-12, abs=1e-9)


def pyo_value(expr) -> float:
    return float(pyo.value(expr))


def led_saving_cny(p, k: int) -> float:
    """Year-k value of the LED's saving alone: half the 150 MWh of lighting at the load-weighted average price,
    escalated 1 %/yr."""
    return 0.5 * 150_000 * p.average_price_cny_per_kwh * 1.01 ** (k - 1)


@pytest.mark.parametrize("mode,down,rate,n,fee", [("bank_loan", 0.3, 0.045, 5, 0.005),
                                                  ("finance_lease", 0.2, 0.07, 4, 0.02)])
def test_borrowed_modes_by_numpy_financial(mode, down, rate, n, fee):
    """Pre-tax, no inflation: the down payment and the fee on the financed part at the start of year t, then
    numpy-financial's annuity on the financed part for n years, besides the saving less O&M."""
    terms = {mode: {"down_payment_frac": down, "interest_rate": rate, "term_years": n, "fee_frac": fee,
                    "min_ticket_cny": 0.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0}}
    p = problem_with(dataclasses.replace(LED, modes=(mode,)), terms=terms)
    capex, financed = 1_000_000, 1_000_000 * (1 - down)
    hand = [led_saving_cny(p, k) - 3_000 + (npf.pmt(rate, n, financed) if YEAR <= k < YEAR + n else 0.0)
            if k >= YEAR else 0.0 for k in range(1, H + 1)]
    hand_spend = [capex * down + fee * financed if t == YEAR else 0.0 for t in range(1, T + 1)]
    pm, _, _ = milp_at(p, "led", mode, None)
    ev = evaluate(p, [Action("led", YEAR, mode)])
    np.testing.assert_allclose([pyo_value(pm.F[k]) for k in range(1, H + 1)], hand, rtol=1e-9)
    np.testing.assert_allclose([pyo_value(pm.U[t]) for t in range(1, T + 1)], hand_spend, rtol=1e-12)
    np.testing.assert_allclose(ev.flows["instalments"][YEAR:YEAR + n], npf.pmt(rate, n, financed), rtol=1e-12)
    residual = capex * (YEAR - 1 + 25 - H) / 25           # straight-line value left at H on the net capex
    df = discount_factors(0.06, H)
    assert ev.npv_cny == pytest.approx(npf.npv(0.06, [0.0, *hand]) - hand_spend[YEAR - 1] * df[YEAR - 1]
                                       + residual * df[H], rel=1e-9)


def test_shared_savings_and_roof_lease_by_hand():
    """Shared savings: the ESCO pays the capex and keeps its share of the deemed saving for the term, then the owner
    has the saving and the O&M. Roof lease: the owner receives rent per m2 of covered roof for the term, no more."""
    share, term = 0.75, 4
    p = problem_with(dataclasses.replace(LED, modes=("shared_savings",)),
                     terms={"shared_savings": {"esco_share_of_savings": share, "term_years": term}})
    pm, _, _ = milp_at(p, "led", "shared_savings", None)
    hand = [0.0 if k < YEAR else (1 - share) * led_saving_cny(p, k) if k < YEAR + term
            else led_saving_cny(p, k) - 3_000 for k in range(1, H + 1)]
    np.testing.assert_allclose([pyo_value(pm.F[k]) for k in range(1, H + 1)], hand, rtol=1e-9)
    assert all(pyo_value(pm.U[t]) == 0 for t in range(1, T + 1))

    option, _ = sample("roof_lease")
    p = problem_with(option, terms={"roof_lease": {"rent_cny_per_m2_year": 6.0, "term_years": 30}})
    pm, _, size = milp_at(p, option.option_id, "roof_lease", None)
    rent = 6.0 * size * option.area_m2_per_unit
    np.testing.assert_allclose([pyo_value(pm.F[k]) for k in range(1, H + 1)],
                               [rent if k >= YEAR else 0.0 for k in range(1, H + 1)], rtol=1e-9)


# ------------------------------------------------------------------------------------------ a mode missing a part
def good(**changes) -> Mode:
    base = dict(name="test_mode", label={"en": "test", "zh": "测试"}, why={"en": "a test", "zh": "测试"},
                asset_classes=("equipment",), holder="investor_for_term", borrowed=False, plan_investment=True,
                investor_must_recover=False, default_terms={"esco_share_of_savings": 0.5, "term_years": 3},
                capex=pay_nothing, contract=share_of_savings)
    return Mode(**{**base, **changes})


@pytest.mark.parametrize("changes,message", [
    ({"label": {"en": "test"}}, "label needs an 'en' and a 'zh'"),
    ({"label": {"en": "test", "zh": "test"}}, "Chinese"),
    ({"why": {"zh": "测试"}}, "why needs"),
    ({"asset_classes": ("roof",)}, "asset_classes"),
    ({"asset_classes": ()}, "asset_classes"),
    ({"holder": "bank"}, "holder"),
    ({"default_terms": {"term_years": 3}}, "default_terms lacks 'esco_share_of_savings'"),
    ({"default_terms": {"esco_share_of_savings": 0.5}}, "needs term_years"),
    ({"contract": lambda y, terms: {"esco_payments": y.capex_cny ** 2}}, "linear"),
    ({"contract": lambda y, terms: {"esco_payments": 1.0 + y.capex_cny}}, "linear"),
    ({"contract": lambda y, terms: {"bonus": y.capex_cny}}, "components"),
    ({"contract": None}, "functions"),
    ({"holder": "owner"}, "pays 0 per CNY"),
    ({"capex": pay_upfront}, "the owner pays for its capex"),
    ({"borrowed": True, "holder": "owner", "capex": pay_instalments}, "needs down_payment_frac"),
    ({"name": "own"}, "registered twice"),
    ({"name": "Bad Name"}, "lower-case identifier"),
])
def test_a_mode_missing_a_part_is_refused(changes, message):
    before = dict(MODES)
    with pytest.raises(ValueError, match=message):
        register(good(**changes))
    assert MODES == before


def test_a_mode_without_a_part_cannot_be_built():
    with pytest.raises(TypeError, match="contract"):
        Mode(name="half", label={"en": "half", "zh": "半"}, why={"en": "", "zh": ""}, asset_classes=("pv",),
             holder="owner", borrowed=False, plan_investment=True, investor_must_recover=False, default_terms={},
             capex=pay_upfront)


def test_every_registered_mode_is_complete():
    """The shipped modes pass the registration checks (a copy under another name registers) and the contracts
    read only the terms their defaults hold; the good sample registers too."""
    for name, mode in MODES.items():
        assert mode.contract(ContractYear(capex_cny=1.0, deemed_saving_cny=1.0), mode.default_terms) is not None
    before = dict(MODES)
    try:
        for name, mode in before.items():
            register(dataclasses.replace(mode, name=f"copy_of_{name}"))
        register(good())
    finally:
        for name in list(MODES):
            if name not in before:
                del MODES[name]
    assert MODES == before
