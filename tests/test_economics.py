"""The owner's cash model: conventions, financing, tax and paybacks against numpy-financial and hand computations."""
import dataclasses

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings, strategies as st

from pathways.money.economics import (Economics, annuity_factor, cash_payback_years, discount_factors,
                                      investment_payback_years, irr, straight_line, within_limit)
from pathways.money.financing import DEFAULT_TERMS, financing, replacement_schedule
from pathways.model.evaluator import evaluate
from pathways.site.problem import Action, Option

from planner_cases import base_problem


def hand_flows_own(t, L, capex, saving, om, r_e, H, sub_up=0.0):
    """Owner flows of an 'own' action written out year by year: bought at the start of year t, replaced at full
    capex whenever a life ends before H, residual at H."""
    flows = [0.0] * (H + 1)
    flows[t - 1] -= capex - sub_up
    for year in range(t, H + 1):
        flows[year] += saving * (1 + r_e) ** (year - 1) - om
    install, basis = t - 1, capex - sub_up
    while install + L < H:
        install += L
        flows[install] -= capex
        basis = capex
    flows[H] += basis * (install + L - H) / L
    return flows


def one_option_problem(option, H=20, **kw):
    return base_problem([option], T=3, H=H, fuel=False, **kw)


LED = Option("led", "led", "equipment", "chain", modes=("own", "finance_lease", "bank_loan"), lifetime_years=25,
             capex_cny=1_000_000, effects=(("lighting", 0.5),), tax_depreciation_years=10)


def led_saving_cny(problem, k):
    """First-year-k value of LED's saving: 50 % of the lighting kWh at the load-weighted average price."""
    return 0.5 * 150_000 * problem.average_price_cny_per_kwh * 1.01 ** (k - 1)


@settings(max_examples=40, deadline=None)
@given(t=st.integers(1, 3), L=st.integers(1, 30), r=st.floats(0.0, 0.15, allow_subnormal=False))
def test_evaluator_own_npv_equals_numpy_financial(t, L, r):
    option = dataclasses.replace(LED, lifetime_years=L)
    problem = one_option_problem(option, rate=r)
    ev = evaluate(problem, [Action("led", t, "own")])
    s1 = led_saving_cny(problem, 1)
    hand = hand_flows_own(t, L, 1_000_000, s1, 0.0, 0.01, 20)
    np.testing.assert_allclose(ev.net_flow_cny - ev.flows["internal_carbon_price"], hand, rtol=1e-9, atol=1e-6)
    assert ev.npv_cny == pytest.approx(npf.npv(r, hand), rel=1e-9, abs=1e-6)


def test_irr_equals_numpy_financial_on_a_known_case():
    flows = [-1000.0, 300.0, 400.0, 500.0]
    assert irr(np.array(flows)) == pytest.approx(npf.irr(flows), abs=1e-9)
    assert np.isnan(irr(np.array([100.0, 100.0])))
    assert discount_factors(0.1, 2) == pytest.approx([1.0, 1 / 1.1, 1 / 1.21])


@pytest.mark.parametrize("inflation", [0.0, 0.02])
def test_loan_schedule_equals_numpy_financial(inflation):
    terms = {"down_payment_frac": 0.3, "interest_rate": 0.045, "term_years": 5, "fee_frac": 0.01,
             "interest_subsidy_pp": 0.01, "interest_subsidy_years": 2}
    econ = Economics(horizon_years=20, inflation_rate=inflation)
    t = 2
    fin = financing("bank_loan", terms, econ, t)
    financed = 0.7
    assert fin.upfront[t - 1] == pytest.approx(0.3) and fin.fees[t - 1] == pytest.approx(0.01 * financed)
    for j in range(1, 6):                       # loan year j is paid at point t - 1 + j
        k = t - 1 + j
        deflate = (1 + inflation) ** (t - 1 - k)
        assert fin.instalments[k] == pytest.approx(-npf.pmt(0.045, 5, financed) * deflate, rel=1e-12)
        assert fin.interest[k] == pytest.approx(-npf.ipmt(0.045, j, 5, financed) * deflate, rel=1e-12)
        assert fin.principal[k] == pytest.approx(-npf.ppmt(0.045, j, 5, financed) * deflate, rel=1e-12)
        balance_before = financed + sum(npf.ppmt(0.045, i, 5, financed) for i in range(1, j))
        expected_sub = 0.01 * balance_before * deflate if j <= 2 else 0.0
        assert fin.interest_subsidy[k] == pytest.approx(expected_sub, rel=1e-9, abs=1e-15)
    assert fin.instalments[t + 5:].sum() == 0.0
    if inflation == 0.0:
        assert fin.principal.sum() == pytest.approx(financed, rel=1e-12)
    else:                                      # inflation erodes a nominal debt: it costs less in real terms
        assert fin.instalments.sum() < annuity_factor(0.045, 5) * financed * 5


def test_own_and_third_party_financing():
    econ = Economics(horizon_years=10)
    own = financing("own", {}, econ, 3)
    assert own.upfront[2] == 1.0 and own.upfront.sum() == 1.0 and not own.instalments.any()
    ss = financing("shared_savings", DEFAULT_TERMS["shared_savings"], econ, 1)
    assert not (ss.upfront.any() or ss.instalments.any() or ss.fees.any())


def test_straight_line_depreciation_by_hand():
    # paid at the start of year 3 (point 2), 10-year tax life, H = 8: 1/10 at the ends of years 3..8
    dep = straight_line(2, 10, 8)
    assert dep.tolist() == [0, 0, 0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert straight_line(0, 3, 10).sum() == pytest.approx(1.0)


def test_paybacks_by_hand():
    assert investment_payback_years(80_000, 20_000) == 4.0
    assert investment_payback_years(0, 5) == 0.0 and investment_payback_years(10, 0) == np.inf
    # -100 at point 1, +30 a year from point 2: cumulative -70, -40, -10, +20 -> 3 + 10/30 years
    flows = np.array([0, -100, 30, 30, 30, 30, 30], dtype=float)
    assert cash_payback_years(flows, 1) == pytest.approx(3 + 10 / 30)
    assert cash_payback_years(np.array([0.0, 5.0]), 0) == 0.0
    assert cash_payback_years(np.array([-5.0, 1.0]), 0) == np.inf
    # a payback exactly at the limit passes despite float noise (0.7 CNY/kWh flat averages to 0.6999999999999996)
    avg = float(np.full(8760, 1 / 8760) @ np.full(8760, 0.7))
    assert avg != 0.7 and within_limit(70_000 / (100_000 * avg), 1.0)
    assert not within_limit(1.001, 1.0)


def test_tax_and_credit_by_hand():
    """After tax, an owned LED: tax = 25 % x (saving - depreciation) each year, credit 10 % of the investment in
    the purchase year."""
    option = dataclasses.replace(LED, tax_credit_frac=0.1)
    problem = one_option_problem(option, tax_rate=0.25)
    ev = evaluate(problem, [Action("led", 1, "own")])
    tax = ev.flows["tax"]
    for k in range(1, 21):
        dep = 100_000 if k <= 10 else 0.0
        credit = 100_000 if k == 1 else 0.0
        assert tax[k] == pytest.approx(-0.25 * (led_saving_cny(problem, k) - dep) + credit, rel=1e-9)
    assert tax[0] == 0.0


def test_loan_in_the_evaluator_by_hand():
    """A bank loan: 30 % down + fee at the start of year 1, annuity at points 1..5, interest and depreciation
    deductible, principal not."""
    terms = {"down_payment_frac": 0.3, "interest_rate": 0.05, "term_years": 5, "fee_frac": 0.02,
             "min_ticket_cny": 0.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0}
    problem = one_option_problem(LED, tax_rate=0.25)
    problem.financing_terms[("bank_loan", "all")] = terms
    r = evaluate(problem, [Action("led", 1, "bank_loan")]).actions[0]
    pay = 700_000 * 0.05 / (1 - 1.05 ** -5)
    assert r.flows["upfront"][0] == pytest.approx(-300_000)
    assert r.flows["fees"][0] == pytest.approx(-14_000)
    assert r.flows["instalments"][1:6] == pytest.approx([-pay] * 5)
    balance = 700_000.0
    for k in range(1, 6):
        interest = 0.05 * balance
        fee = 14_000 if k == 1 else 0.0
        taxable = led_saving_cny(problem, k) - interest - 100_000 - fee
        assert r.flows["tax"][k] == pytest.approx(-0.25 * taxable, rel=1e-9)
        balance -= pay - interest
    assert r.upfront_cny == pytest.approx(314_000)
    # the investment payback ignores financing: net capex / gross first-year saving
    assert r.investment_payback_years == pytest.approx(1_000_000 / led_saving_cny(problem, 1))


def test_energy_cost_hosting_takes_every_saving_on_the_end_use():
    """During a hosting term the owner's saving on the hosted end use is the fixed discount, whatever other
    measures save there."""
    air = Option("air", "air", "equipment", "chain", modes=("own", "energy_cost_hosting"), lifetime_years=10,
                 capex_cny=90_000, effects=(("compressed_air", 0.25),))
    other = Option("leak", "leak", "equipment", "chain", modes=("own",), lifetime_years=10, capex_cny=10_000,
                   effects=(("compressed_air", 0.1),))
    problem = base_problem([air, other], T=2, H=12, fuel=False)
    ev = evaluate(problem, [Action("air", 1, "energy_cost_hosting"), Action("leak", 1, "own")])
    disc = problem.term("energy_cost_hosting", "discount_frac")
    term = int(problem.term("energy_cost_hosting", "term_years"))
    avg = problem.average_price_cny_per_kwh
    for k in range(1, term + 1):
        baseline = 250_000 * avg * 1.01 ** (k - 1)
        owner_on_air = sum(ev.flows[c][k] for c in ("energy_savings", "esco_payments"))
        assert owner_on_air == pytest.approx(disc * baseline, rel=1e-9)
    k = term + 1                                  # after the term both savings are the owner's
    both = 1 - (1 - 0.1) * (1 - 0.25)
    assert ev.flows["energy_savings"][k] + ev.flows["esco_payments"][k] == pytest.approx(
        both * 250_000 * avg * 1.01 ** (k - 1), rel=1e-9)


def test_tenant_horizon_leaves_no_residual():
    problem = one_option_problem(LED)
    problem.econ = dataclasses.replace(problem.econ, residual_to_owner=False, horizon_years=8)
    ev = evaluate(problem, [Action("led", 1, "own")])
    assert ev.flows["residual"].sum() == 0.0 and len(ev.emissions_t) == 8


def test_replacement_schedule_by_hand():
    # own, bought in year 2, 6-year life, H = 20: replaced at points 7, 13, 19; the last install has 5 of 6 left
    assert replacement_schedule(2, 6, 20, "own") == ([7, 13, 19], 5 / 6, True, False)
    # shared savings with a 5-year term: the ESCO owns nothing past year 5, so the owner pays every replacement
    assert replacement_schedule(1, 4, 20, "shared_savings", 5)[0] == [8, 12, 16]
    # roof lease: never the owner's
    assert replacement_schedule(1, 10, 20, "roof_lease", 25) == ([], 0.0, False, False)
    # a life that outlasts the horizon: no replacement, residual on the first installation
    assert replacement_schedule(3, 25, 20, "own") == ([], 7 / 25, True, True)


def test_tax_status_selects_the_rate_and_basis_switches_tax_off():
    from pathlib import Path

    from pathways.inputs.resolve import resolve
    from pathways.site.build import tax_settings
    site = str(Path(__file__).parent / "fixtures" / "site_plan_small.yaml")
    assert tax_settings(resolve(site)) == ("after_tax", 0.25)          # EIT Law art. 4
    assert tax_settings(resolve(site, [], ["finance.tax_status=small_low_profit"])) == ("after_tax", 0.05)
    assert tax_settings(resolve(site, [], ["finance.tax_status=high_tech"])) == ("after_tax", 0.15)
    assert tax_settings(resolve(site, [], ["finance.tax_status=high_tech", "finance.tax_rate=0.2"]))[1] == 0.2
    assert tax_settings(resolve(site, [], ["finance.tax_basis=pre_tax"]))[0] == "pre_tax"


def test_default_terms_cover_every_financing_mode():
    from pathways.money.financing import FINANCING_MODES
    assert set(DEFAULT_TERMS) == set(FINANCING_MODES)


def test_payback_limit_uses_the_investment_payback_at_the_limit_exactly():
    """A flat 0.70 CNY/kWh tariff averages to 0.6999999999999996: a payback exactly at the limit passes; a lease
    of the same LED no longer passes on its down payment when the investment pays back too slowly."""
    from pathways.model.planner import payback_filter
    flat = one_option_problem(LED)
    flat.price_cny_per_kwh = np.full(8760, 0.70)
    saving = 0.5 * 150_000 * 0.70                         # LED's first-year saving at 0.70 CNY/kWh
    led = dataclasses.replace(LED, capex_cny=3.0 * saving)    # investment payback 3.0 years by construction
    flat.options = [led]
    flat.payback_limit_years = 3.0
    assert flat.average_price_cny_per_kwh != 0.70
    allowed = payback_filter(flat)
    assert {("led", "own"), ("led", "bank_loan")} <= set(allowed)
    flat.payback_limit_years = 2.9                         # below the investment payback: no mode passes
    assert not [k for k in payback_filter(flat) if k[0] == "led"]


def test_carbon_credits_only_on_eligible_pv_abatement():
    """A carbon-inclusion enrolment sells credits on the self-consumed output of eligible PV only: efficiency
    savings earn nothing, PV earns share x price x grid factor x self-consumed kWh."""
    from planner_cases import pv_option
    inclusion = Option("inclusion", "inclusion", "carbon", "fixed", modes=("own",), lifetime_years=30,
                       carbon_credit_share=0.5, credit_price_cny_per_t=60.0)
    pv = dataclasses.replace(pv_option(("own",)), carbon_credit_eligible=True)
    problem = base_problem([LED, inclusion, pv], T=1, H=5, fuel=False)
    no_pv = evaluate(problem, [Action("led", 1, "own"), Action("inclusion", 1, "own")])
    assert no_pv.flows["carbon_revenue"].sum() == 0.0
    ev = evaluate(problem, [Action("led", 1, "own"), Action("inclusion", 1, "own"), Action("pv@roof_a", 1, "own", 300)])
    for k in range(1, 6):
        expected = 0.5 * 60.0 * 1.03 ** (k - 1) * problem.grid_co2_t_per_kwh[k - 1] * ev.pv_self_consumed_kwh[k - 1]
        assert ev.flows["carbon_revenue"][k] == pytest.approx(expected, rel=1e-9)
