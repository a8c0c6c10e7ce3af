"""Economics: conventions checked against numpy-financial and hand-built cash flows."""
import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings, strategies as st

from pathways.economics import ActionInputs, Economics, annuity_factor, cash_flows


def hand_flows_own(t, L, capex, saving, om, r_e, H, sub_up=0.0):
    """Owner flows of an 'own' action written out year by year (independent of the vectorised code):
    bought at the start of year t, replaced at full capex whenever a life ends before H, residual at H."""
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


@settings(max_examples=60, deadline=None)
@given(t=st.integers(1, 5), L=st.integers(1, 30), capex=st.floats(1e3, 1e7),
       saving=st.floats(0, 3e6, allow_subnormal=False), om=st.floats(0, 1e5, allow_subnormal=False),
       r=st.floats(0.0, 0.15, allow_subnormal=False), e=st.floats(-0.02, 0.03, allow_subnormal=False))
def test_own_npv_and_irr_equal_numpy_financial(t, L, capex, saving, om, r, e):
    econ = Economics(discount_rate=r, horizon_years=20, electricity_escalation=e)
    cf = cash_flows(ActionInputs(start_year=t, lifetime_years=L, mode="own", capex_cny=capex,
                                 electricity_saving_cny_per_year=saving, om_cny_per_year=om), econ)
    hand = hand_flows_own(t, L, capex, saving, om, e, 20)
    np.testing.assert_allclose(cf.net[0], hand, rtol=1e-12, atol=1e-6)
    assert cf.npv_cny()[0] == pytest.approx(npf.npv(r, hand), rel=1e-9, abs=1e-6)
    ours, theirs = cf.irr()[0], npf.irr(hand)
    if saving - om > 1e-3 * capex and np.isfinite(ours):  # well-posed conventional flows
        # conventional flows (one sign change): one IRR, the same as numpy-financial's
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-9)


def test_irr_equals_numpy_financial_on_a_known_case():
    flows = [-1000.0, 300.0, 400.0, 500.0]
    from pathways.economics import irr
    assert irr(np.array(flows)) == pytest.approx(npf.irr(flows), abs=1e-9)
    assert np.isnan(irr(np.array([100.0, 100.0])))


def test_payback_and_first_year():
    econ = Economics(discount_rate=0.05)
    cf = cash_flows(ActionInputs(start_year=2, lifetime_years=10, mode="own", capex_cny=100_000,
                                 subsidy_upfront_cny=20_000, electricity_saving_cny_per_year=25_000,
                                 om_cny_per_year=5_000), econ)
    assert cf.upfront_owner_cny[0] == pytest.approx(80_000)
    assert cf.first_year_net_saving_cny[0] == pytest.approx(20_000)
    assert cf.simple_payback_years()[0] == pytest.approx(4.0)
    # upfront at the start of year 2 = point 1; first saving at the end of year 2 = point 2
    assert cf.net[0, 1] == pytest.approx(-80_000)
    assert cf.net[0, 2] == pytest.approx(20_000)


def test_shared_savings_owner_share():
    econ = Economics(discount_rate=0.0, horizon_years=10)
    terms = {"shared_savings": {"esco_share_of_savings": 0.8, "term_years": 5}}
    cf = cash_flows(ActionInputs(start_year=1, lifetime_years=10, mode="shared_savings", capex_cny=1e6,
                                 electricity_saving_cny_per_year=300_000, om_cny_per_year=10_000, terms=terms), econ)
    # 5 years at 20 % of savings, no O&M, then 5 years of full savings less O&M; nothing upfront.
    assert cf.upfront_owner_cny[0] == 0
    assert cf.npv_cny()[0] == pytest.approx(5 * 60_000 + 5 * 290_000)
    assert cf.simple_payback_years()[0] == 0


def test_emc_pv_and_roof_lease():
    econ = Economics(discount_rate=0.0, horizon_years=20, degradation_first_year=0.0, degradation_per_year=0.0)
    terms = {"emc_pv": {"discount_frac": 0.15, "term_years": 25},
             "roof_lease": {"rent_cny_per_m2_year": 5.0, "term_years": 25}}
    cf = cash_flows(ActionInputs(start_year=1, lifetime_years=25, mode=["emc_pv", "roof_lease"],
                                 capex_cny=2.9e6, electricity_saving_cny_per_year=800_000, degrades=True,
                                 roof_area_m2=6_000, om_cny_per_year=40_000, terms=terms), econ)
    npv = cf.npv_cny()
    assert npv[0] == pytest.approx(20 * 0.15 * 800_000)
    assert npv[1] == pytest.approx(20 * 5.0 * 6_000)


def test_energy_cost_hosting():
    econ = Economics(discount_rate=0.0, horizon_years=10)
    terms = {"energy_cost_hosting": {"discount_frac": 0.1, "term_years": 8}}
    cf = cash_flows(ActionInputs(start_year=1, lifetime_years=15, mode="energy_cost_hosting", capex_cny=5e5,
                                 electricity_saving_cny_per_year=200_000, baseline_cost_cny_per_year=1e6,
                                 om_cny_per_year=5_000, terms=terms), econ)
    # 8 years of 10 % of the baseline bill, then 2 years of savings less O&M; after the term the asset is the
    # owner's, who is credited its residual value (5 of 15 years left) at H.
    assert cf.npv_cny()[0] == pytest.approx(8 * 100_000 + 2 * 195_000 + 5e5 * 5 / 15)


def test_finance_lease_payments_discount_to_principal():
    rate, years = 0.05, 5
    econ = Economics(discount_rate=rate, horizon_years=20)
    terms = {"finance_lease": {"down_payment_frac": 0.2, "interest_rate": rate, "term_years": years}}
    cf = cash_flows(ActionInputs(start_year=3, lifetime_years=15, mode="finance_lease", capex_cny=1e6,
                                 terms=terms), econ)
    lease = cf.components["contract"][0]
    # discounted at the lease rate to the start of year 3 (point 2), the payments equal the financed 80 %
    pv = sum(lease[k] / (1 + rate) ** (k - 2) for k in range(len(lease)))
    assert pv == pytest.approx(-800_000, rel=1e-9)
    assert cf.components["upfront"][0, 2] == pytest.approx(-200_000)
    assert annuity_factor(0.0, 4) == 0.25


def test_per_kwh_subsidy_and_degradation():
    econ = Economics(discount_rate=0.0, horizon_years=20, degradation_first_year=0.01, degradation_per_year=0.004)
    cf = cash_flows(ActionInputs(start_year=1, lifetime_years=25, mode="own", capex_cny=1e6,
                                 generation_kwh_per_year=1e6, subsidy_cny_per_kwh=0.05, subsidy_years=5,
                                 degrades=True), econ)
    expected = sum(0.05 * 1e6 * 0.99 * 0.996 ** n for n in range(5))
    assert cf.components["subsidy"][0].sum() == pytest.approx(expected)
    # 5 of 25 years of life remain after year 20: residual 20 % of capex
    assert cf.components["residual"][0, 20] == pytest.approx(0.2e6)


def test_money_scaling_is_linear():
    econ = Economics(discount_rate=0.07)
    kw = dict(start_year=[1, 2, 3], lifetime_years=[10, 15, 25], mode=["own", "shared_savings", "finance_lease"])
    base = cash_flows(ActionInputs(capex_cny=[1e5, 2e5, 3e5], electricity_saving_cny_per_year=[3e4, 5e4, 4e4], **kw),
                      econ).npv_cny()
    scaled = cash_flows(ActionInputs(capex_cny=[1e6, 2e6, 3e6], electricity_saving_cny_per_year=[3e5, 5e5, 4e5], **kw),
                        econ).npv_cny()
    np.testing.assert_allclose(scaled, 10 * base, rtol=1e-12)


def test_replacement_schedule_by_hand():
    from pathways.economics import replacement_schedule
    # own, bought in year 2, 6-year life, H = 20: replaced at points 7, 13, 19; the last install has 5 of 6 left
    assert replacement_schedule(2, 6, 20, "own") == ([7, 13, 19], 5 / 6, True, False)
    # shared savings with a 5-year term: the ESCO owns nothing past year 5, so the owner pays every replacement
    assert replacement_schedule(1, 4, 20, "shared_savings", 5)[0] == [8, 12, 16]
    # roof lease: never the owner's
    assert replacement_schedule(1, 10, 20, "roof_lease", 25) == ([], 0.0, False, False)
    # a life that outlasts the horizon: no replacement, residual on the first installation
    assert replacement_schedule(3, 25, 20, "own") == ([], 7 / 25, True, True)


def test_unknown_mode_rejected():
    with pytest.raises(ValueError, match="mode"):
        ActionInputs(start_year=1, lifetime_years=5, mode="barter")
