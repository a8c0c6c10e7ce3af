"""Tests of pathways.energy.value against direct 8760-hour sums, closed forms and an independently built LP."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.errors import InputError
from pathways.energy.value import _BatteryLP, battery_value_curve, exact_pv_value, pv_value_curve

H = np.arange(8760)
HOD = H % 24
DOY = H // 24


def synthetic_pv(seed: int) -> np.ndarray:
    """kW per kWp: half-sine day, seasonal amplitude, random daily cloudiness."""
    rng = np.random.default_rng(seed)
    season = 0.8 + 0.2 * np.cos(2 * np.pi * (DOY - 172) / 365)
    clear = np.clip(np.sin(np.pi * (HOD + 0.5 - 6) / 12.5), 0, None) * season
    return 0.85 * clear * np.repeat(rng.uniform(0.1, 1.0, 365), 24)


def synthetic_load(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 100)
    work = ((HOD >= 7) & (HOD < 20)) & (np.repeat(np.arange(365) % 7, 24) < 5)
    return np.where(work, 400.0, 80.0) * rng.uniform(0.8, 1.2, 8760)


def tou_price() -> np.ndarray:
    return np.where(((HOD >= 8) & (HOD < 11)) | ((HOD >= 17) & (HOD < 22)), 1.2, np.where(HOD < 8, 0.3, 0.7))


# ---------------------------------------------------------------- PV
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), export=st.floats(0.0, 0.6), frac=st.lists(st.floats(0, 1), min_size=5,
                                                                               max_size=5))
def test_pv_curve_within_half_percent_of_direct_sum(seed, export, frac):
    pv, load, price = synthetic_pv(seed), synthetic_load(seed), tou_price()
    max_kwp = 2500.0
    curve = pv_value_curve(pv, load, price, export, max_kwp)
    sizes = np.array(frac) * max_kwp
    direct = np.array([np.sum(price * np.minimum(load, s * pv) + export * (s * pv - np.minimum(load, s * pv)))
                       for s in sizes])
    got = curve.at(sizes)
    assert np.all(np.abs(got - direct) <= 0.005 * np.abs(direct) + 1e-6)
    assert np.all(got <= direct + 1e-6 * (1 + np.abs(direct)))      # chords of a concave curve lie below
    assert curve.is_concave
    assert 2 <= len(curve.breakpoints) <= 40


def test_pv_curve_shape_and_balances():
    pv, load, price = synthetic_pv(1), synthetic_load(1), tou_price()
    c = pv_value_curve(pv, load, price, 0.35, 3000.0)
    assert c.breakpoints[0] == 0 and c.breakpoints[-1] == 3000.0 and c.value_cny[0] == 0
    assert np.all(np.diff(c.slopes) <= 1e-9)
    np.testing.assert_allclose(c.self_consumed_kwh + c.exported_kwh, c.breakpoints * pv.sum(), rtol=1e-12)
    for s, sc in zip(c.breakpoints, c.self_consumed_kwh):
        assert sc == pytest.approx(np.minimum(load, s * pv).sum(), rel=1e-10, abs=1e-9)
    np.testing.assert_allclose(c.value_cny, exact_pv_value(c.breakpoints, pv, load, price, 0.35), rtol=1e-10)
    assert c.max_rel_error <= 0.005


def test_pv_closed_form_single_kink():
    pv = np.where((HOD >= 6) & (HOD < 18), 1.0, 0.0)
    load = np.full(8760, 100.0)
    c = pv_value_curve(pv, load, np.full(8760, 0.8), 0.3, 400.0)
    hours = 365 * 12
    expected = lambda s: 0.8 * hours * min(100, s) + 0.3 * hours * max(s - 100, 0)  # noqa: E731
    assert list(c.breakpoints) == [0.0, 100.0, 400.0]
    for s in (0, 37, 100, 250, 400):
        assert c.at(s) == pytest.approx(expected(s), rel=1e-12)
    assert c.max_rel_error == pytest.approx(0.0, abs=1e-12)


def test_pv_zero_load_zero_export_is_worthless():
    c = pv_value_curve(synthetic_pv(2), np.zeros(8760), tou_price(), 0.0, 1000.0)
    assert np.all(c.value_cny == 0) and np.all(c.self_consumed_kwh == 0)
    assert c.at(512.0) == 0.0


def test_pv_export_above_price_not_concave_but_within_tol():
    pv, load = synthetic_pv(3), synthetic_load(3)
    price = np.where((HOD >= 10) & (HOD < 14), 0.1, 0.9)           # deep-valley midday below export
    c = pv_value_curve(pv, load, price, 0.4, 2000.0)
    assert not c.is_concave
    s = np.linspace(0, 2000, 57)
    direct = exact_pv_value(s, pv, load, price, 0.4)
    assert np.all(np.abs(c.at(s) - direct) <= 0.005 * np.abs(direct) + 1e-6)


def test_pv_bad_inputs():
    with pytest.raises(InputError, match=r"^load_kw: 'shape \(10,\)'"):
        pv_value_curve(synthetic_pv(0), np.ones(10), tou_price(), 0.3, 100)
    with pytest.raises(InputError, match=r"^pv_kw_per_kwp: -1.0"):
        pv_value_curve(-np.ones(8760), np.ones(8760), tou_price(), 0.3, 100)
    with pytest.raises(InputError, match=r"^max_kwp"):
        pv_value_curve(synthetic_pv(0), np.ones(8760), tou_price(), 0.3, 0)
    c = pv_value_curve(synthetic_pv(0), np.ones(8760), tou_price(), 0.3, 100)
    with pytest.raises(InputError, match=r"^size"):
        c.at(101)


# ---------------------------------------------------------------- battery
RTE = 0.88
ETA = np.sqrt(RTE)


def two_price(p_low=0.3, p_high=1.0):
    return np.where(HOD < 12, p_low, p_high)


@pytest.mark.parametrize("method", ["repdays", "full"])
def test_battery_two_price_closed_form(method):
    sizes = [100.0, 500.0, 1000.0]
    c = battery_value_curve(np.full(8760, 2000.0), np.zeros(8760), two_price(), 0.0, sizes, 2.0, RTE, method)
    expected = 365 * np.array(sizes) * (1.0 * ETA - 0.3 / ETA)
    np.testing.assert_allclose(c.value_cny[1:], expected, rtol=1e-6)
    np.testing.assert_allclose(c.discharged_kwh[1:], 365 * np.array(sizes) * ETA, rtol=1e-6)
    assert c.value_cny[0] == 0


@pytest.mark.parametrize("method", ["repdays", "full"])
def test_battery_no_export_caps_discharge_at_load(method):
    load = np.where(HOD < 12, 2000.0, 20.0)                       # 240 kWh/day in the high hours
    c = battery_value_curve(load, np.zeros(8760), two_price(), 0.2, [1000.0], 2.0, RTE, method)
    assert c.value_cny[1] == pytest.approx(365 * 240 * (1.0 - 0.3 / RTE), rel=1e-6)


@pytest.mark.parametrize("method", ["repdays", "full"])
def test_battery_pv_shifting_closed_form(method):
    load = np.full(8760, 200.0)
    pv = np.where((HOD >= 10) & (HOD < 14), 225.0, 0.0)           # 25 kW x 4 h = 100 kWh surplus a day
    c = battery_value_curve(load, pv, np.full(8760, 1.0), 0.3, [1000.0], 2.0, RTE, method)
    assert c.value_cny[1] == pytest.approx(365 * 100 * (RTE * 1.0 - 0.3), rel=1e-6)
    assert c.exported_kwh[1] == pytest.approx(0.0, abs=1e-4)
    assert c.self_consumed_kwh[1] == pytest.approx(365 * 4 * 225, rel=1e-9)


def test_battery_lp_matches_independent_linprog():
    """One day, PV surplus and TOU prices: the module's LP against a dense scipy linprog built here."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(7)
    load = rng.uniform(50, 300, 24)
    pv = np.clip(np.sin(np.pi * (np.arange(24) - 6) / 12), 0, None) * 400
    price, export = tou_price()[:24], 0.35
    E, P = 300.0, 150.0
    D, S = np.maximum(load - pv, 0), np.maximum(pv - load, 0)
    lp = _BatteryLP(D, S, price, np.full(24, export), np.ones(24), 24, RTE)
    value, _, _ = lp.solve(E, P)
    # variables per hour t: cg, cs, d, soc at index 4t..4t+3
    n = 24
    c = np.zeros(4 * n)
    A_eq = np.zeros((n, 4 * n))
    A_ub = np.zeros((n, 4 * n))
    bounds = []
    for t in range(n):
        c[4 * t:4 * t + 3] = [price[t], export, -price[t]]
        A_eq[t, 4 * t + 3] = 1
        A_eq[t, 4 * ((t - 1) % n) + 3] = -1
        A_eq[t, 4 * t] = A_eq[t, 4 * t + 1] = -ETA
        A_eq[t, 4 * t + 2] = 1 / ETA
        A_ub[t, 4 * t] = A_ub[t, 4 * t + 1] = 1
        bounds += [(0, P), (0, min(S[t], P)), (0, min(D[t], P)), (0, E)]
    ref = linprog(c, A_ub=A_ub, b_ub=np.full(n, P), A_eq=A_eq, b_eq=np.zeros(n), bounds=bounds)
    assert ref.status == 0
    assert value == pytest.approx(-ref.fun, rel=1e-7)


@pytest.fixture(scope="module")
def site():
    pv, load = synthetic_pv(11), synthetic_load(11)
    price = tou_price() * np.where((DOY >= 181) & (DOY < 243), 1.1, 1.0)
    return load, pv * 800.0, price


def test_battery_concave_and_monotone(site):
    load, pv, price = site
    sizes = np.linspace(0, 4000, 11)
    for method in ("repdays", "full"):
        c = battery_value_curve(load, pv, price, 0.35, sizes, method=method)
        assert np.all(np.diff(c.value_cny) >= -1e-6)
        assert np.all(np.diff(c.slopes) <= 1e-6 * np.abs(c.slopes).max()), method
        assert c.is_concave


@pytest.mark.parametrize("seed,kwp", [(0, 200.0), (1, 1500.0), (2, 1500.0)])
def test_battery_repdays_within_3_percent_of_full_year(seed, kwp):
    pv, load, price = synthetic_pv(seed), synthetic_load(seed), tou_price()
    sizes = [100.0, 500.0, 1500.0, 4000.0]
    rep = battery_value_curve(load, pv * kwp, price, 0.35, sizes, method="repdays")
    full = battery_value_curve(load, pv * kwp, price, 0.35, sizes, method="full")
    np.testing.assert_allclose(rep.value_cny[1:], full.value_cny[1:], rtol=0.03)


def test_battery_bad_inputs():
    z = np.zeros(8760)
    with pytest.raises(InputError, match=r"^method: 'kmeans'"):
        battery_value_curve(z, z, z, 0.0, [10.0], method="kmeans")
    with pytest.raises(InputError, match=r"^rte"):
        battery_value_curve(z, z, z, 0.0, [10.0], rte=1.5)
    with pytest.raises(InputError, match=r"^sizes_kwh"):
        battery_value_curve(z, z, z, 0.0, [-1.0])


# ---------------------------------------------------------------- integration with other modules
def test_integration_jiangsu_machinery_real_pv_and_tariff():
    """Nanjing weather (pvlib via pathways.energy.pv) and the Jiangsu TOU tariff (pathways.energy.tariff)."""
    from pathways.energy.load import hourly_load_kw
    from pathways.energy.pv import profile_for_station
    from pathways.energy.tariff import build_tariff

    t = build_tariff("Jiangsu")
    price, export = t.price_cny_per_kwh, t.export_price_cny_per_kwh
    pv = np.asarray(profile_for_station("582380", 5, 180, "close_roof", use_disk_cache=False))
    load = hourly_load_kw(2_000_000, "machinery", "two")
    c = pv_value_curve(pv, load, price, export, 2000.0)
    s = np.linspace(0, 2000, 41)
    direct = np.array([np.sum(price * np.minimum(load, x * pv) + export * (x * pv - np.minimum(load, x * pv)))
                       for x in s])
    assert np.all(np.abs(c.at(s) - direct) <= 0.005 * np.abs(direct) + 1e-6)
    sizes = [250.0, 1000.0, 3000.0]
    rep = battery_value_curve(load, pv * 1500, price, export, sizes)
    full = battery_value_curve(load, pv * 1500, price, export, sizes, method="full")
    np.testing.assert_allclose(rep.value_cny[1:], full.value_cny[1:], rtol=0.04)
    assert rep.is_concave and full.is_concave
