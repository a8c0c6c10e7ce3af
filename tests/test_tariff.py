"""Tariff engine against hand transcriptions of the provincial rules and published price tables.

The expected hourly periods below are written out again by hand from params.md §2.2 (independently of
data/tariffs/*.csv) and expanded with Python's ``datetime`` calendar, not the engine's numpy calendar.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from pathways.errors import InputError
from pathways.energy.tariff import (PERIODS, VOLTAGES, annual_basic_charge_cny, annual_energy_cost_cny, build_tariff,
                             describe, export_value_cny, peak_valley_ratio, provinces)

DAYS = [dt.date(2023, 1, 1) + dt.timedelta(d) for d in range(365)]
# State Council 2023 holiday notice, written out by date
HOLIDAYS = {
    "new_year": ["2023-01-01", "2023-01-02"],
    "spring_festival": [f"2023-01-{d}" for d in range(21, 28)],
    "qingming": ["2023-04-05"],
    "labour_day": ["2023-04-29", "2023-04-30", "2023-05-01", "2023-05-02", "2023-05-03"],
    "dragon_boat": ["2023-06-22", "2023-06-23", "2023-06-24"],
    "mid_autumn": ["2023-09-29"],
    "national_day": [f"2023-10-0{d}" for d in range(1, 7)] + ["2023-09-30"],
}
HOLIDAY_OF = {dt.date.fromisoformat(d): name for name, ds in HOLIDAYS.items() for d in ds}
MAKEUP = {dt.date.fromisoformat(d) for d in
          ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"]}


def rest_day(day: dt.date) -> bool:
    return day in HOLIDAY_OF or (day.weekday() >= 5 and day not in MAKEUP)


def hrs(*spans: tuple[int, int]) -> list[int]:
    """Clock hours of spans (a, b) = a:00-b:00, wrapping past midnight."""
    out = []
    for a, b in spans:
        out += list(range(a, b)) if a < b else list(range(a, 24)) + list(range(0, b))
    return out


def day_from(assign: dict[str, list[int]]) -> list[str]:
    labels = ["flat"] * 24
    for period, hours in assign.items():
        for h in hours:
            labels[h] = period
    return labels


# --- hand rules, two-part users (>= 315 kVA): (labels of the day, {period: ratio to flat}) -----------------
def jiangsu(day):
    if day.month in (6, 7, 8, 12, 1, 2):
        lab = day_from({"peak": hrs((14, 22)), "valley": hrs((0, 6), (11, 13))})
    else:
        lab = day_from({"peak": hrs((15, 22)), "valley": hrs((2, 6), (10, 14))})
    return lab, {"peak": 1.8, "valley": 0.35}


def zhejiang(day):
    if day.month in (1, 7, 8, 12):
        lab = day_from({"critical": hrs((9, 11), (15, 17)), "peak": hrs((8, 9), (17, 23)),
                        "valley": hrs((0, 8), (11, 13))})
    else:
        lab = day_from({"peak": hrs((8, 11), (13, 17)), "valley": hrs((0, 8), (11, 13))})
    if HOLIDAY_OF.get(day) in ("spring_festival", "labour_day", "national_day"):
        for h in hrs((10, 14)):
            lab[h] = "deep_valley"
    return lab, {"critical": 2.05, "peak": 1.85, "valley": 0.4, "deep_valley": 0.2}


def guangdong(day):
    lab = day_from({"peak": hrs((10, 12), (14, 19)), "valley": hrs((0, 8))})
    if day.month in (7, 8, 9):
        for h in hrs((11, 12), (15, 17)):
            lab[h] = "critical"
    return lab, {"peak": 1.7, "valley": 0.38, "critical": 1.7 * 1.25}


def shanghai(day):
    if day.month in (7, 8, 9):
        lab = day_from({"peak": hrs((8, 15), (18, 21)), "valley": hrs((22, 6))})
        if day.month in (7, 8):
            for h in hrs((12, 14)):
                lab[h] = "critical"
    else:
        lab = day_from({"peak": hrs((8, 11), (18, 21)), "valley": hrs((22, 6))})
        if day.month in (1, 12):
            for h in hrs((19, 21)):
                lab[h] = "critical"
    if day in HOLIDAY_OF or (day.month in (2, 3, 4, 5, 6, 9, 10, 11) and rest_day(day)):
        for h in hrs((0, 6), (22, 24)):
            lab[h] = "deep_valley"
    if day.month in (1, 7, 8, 9, 12):
        ratios = {"peak": 1.8, "valley": 0.4, "critical": 1.8 * 1.25}
    else:
        ratios = {"peak": 1.6, "valley": 0.5}
    return lab, {**ratios, "deep_valley": 0.2}


def shandong(day):
    m = day.month
    if m in (1, 2, 12):
        lab = day_from({"valley": hrs((2, 6), (10, 15)), "peak": hrs((7, 9), (16, 21))})
        deep, crit = hrs((11, 14)), hrs((16, 19))
    elif m in (3, 4, 5):
        lab = day_from({"valley": hrs((10, 15)), "peak": hrs((17, 22))})
        deep, crit = hrs((11, 14)), hrs((17, 20))
    elif m == 6:
        lab = day_from({"valley": hrs((7, 12)), "peak": hrs((16, 23))})
        deep, crit = [], hrs((17, 22))
    elif m in (7, 8):
        lab = day_from({"valley": hrs((1, 6)), "peak": hrs((16, 23))})
        deep, crit = [], hrs((17, 22))
    else:
        lab = day_from({"valley": hrs((10, 15)), "peak": hrs((16, 21))})
        deep, crit = hrs((11, 14)), hrs((17, 19))
    for h in deep:
        lab[h] = "deep_valley"
    for h in crit:
        lab[h] = "critical"
    return lab, {"peak": 1.7, "valley": 0.3, "critical": 2.0, "deep_valley": 0.1}


def beijing(day):
    lab = day_from({"peak": hrs((10, 13), (17, 22)), "valley": hrs((23, 7))})
    crit = hrs((11, 13), (16, 17)) if day.month in (7, 8) else hrs((18, 21)) if day.month in (1, 12) else []
    for h in crit:
        lab[h] = "critical"
    return lab, {"peak": 1.6, "valley": 0.4, "critical": 1.6 * 1.2}


def anhui(day):
    if day.month in (7, 8, 9):
        lab = day_from({"peak": hrs((16, 24)), "valley": hrs((2, 9), (11, 13))})
    elif day.month in (1, 12):
        lab = day_from({"peak": hrs((15, 23)), "valley": hrs((12, 14), (23, 6))})
    else:
        lab = day_from({"peak": hrs((6, 8), (16, 22)), "valley": hrs((11, 14), (23, 6))})
    # two-part industry: deep valley 11-15 on holidays of 3 days or more (2023: all but Qingming)
    if day in HOLIDAY_OF and HOLIDAY_OF[day] != "qingming":
        for h in hrs((11, 15)):
            lab[h] = "deep_valley"
    peak = 1.843 if day.month in (1, 7, 8, 9, 12) else 1.74
    return lab, {"peak": peak, "valley": 0.382, "deep_valley": 0.382 * 0.8}


def hubei(day):
    if day.month in (7, 8):
        lab = day_from({"critical": hrs((20, 22)), "peak": hrs((16, 20), (22, 24)), "valley": hrs((0, 6), (12, 14))})
    else:
        lab = day_from({"critical": hrs((18, 20)), "peak": hrs((16, 18), (20, 24)), "valley": hrs((0, 6), (12, 14))})
    return lab, {"critical": 2.0, "peak": 1.49, "valley": 0.45}


def chongqing(day):
    lab = day_from({"peak": hrs((11, 17), (20, 22)), "valley": hrs((0, 8))})
    if day.month in (1, 7, 8, 12):
        for h in hrs((12, 14)):
            lab[h] = "critical"
    return lab, {"peak": 1.6, "valley": 0.38, "critical": 1.6 * 1.2}


HAND_RULES = {"Jiangsu": jiangsu, "Zhejiang": zhejiang, "Guangdong": guangdong, "Shanghai": shanghai,
              "Shandong": shandong, "Beijing": beijing, "Anhui": anhui, "Hubei": hubei, "Chongqing": chongqing}


def hand_year(rule) -> tuple[list[str], list[float]]:
    """Period label and ratio to flat of every hour of 2023 from a hand rule."""
    labels, ratios = [], []
    for day in DAYS:
        lab, r = rule(day)
        labels += lab
        ratios += [1.0 if p == "flat" else r[p] for p in lab]
    return labels, ratios


@pytest.mark.parametrize("province", list(HAND_RULES))
def test_hourly_periods_and_ratios_match_hand_rule(province):
    labels, ratios = hand_year(HAND_RULES[province])
    t = build_tariff(province, contracted_kva=630, flat_price_cny_per_kwh=1.0, float_share=1.0)
    assert t.price_cny_per_kwh.shape == t.period.shape == (8760,)
    assert list(t.period) == labels
    np.testing.assert_allclose(t.price_cny_per_kwh, ratios, rtol=0, atol=1e-12)


@pytest.mark.parametrize("province", list(HAND_RULES))
def test_constant_load_cost_is_sum_of_hours_times_price(province):
    flat, share = 0.8, 0.7
    labels, ratios = hand_year(HAND_RULES[province])
    counts = Counter(zip(labels, ratios))   # hours in each (period, ratio)
    expected = sum(n * flat * (1 + share * (r - 1)) for (_, r), n in counts.items())
    t = build_tariff(province, contracted_kva=630, flat_price_cny_per_kwh=flat, float_share=share)
    assert annual_energy_cost_cny(np.ones(8760), t) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("province", list(HAND_RULES))
def test_valley_only_load_costs_valley_price(province):
    flat, share = 0.75, 1.0
    labels, ratios = hand_year(HAND_RULES[province])
    valley = np.array([p == "valley" for p in labels])
    load = np.where(valley, 2.0, 0.0)
    t = build_tariff(province, contracted_kva=630, flat_price_cny_per_kwh=flat, float_share=share)
    valley_prices = {flat * r for p, r in zip(labels, ratios) if p == "valley"}
    expected = sum(2.0 * flat * r for p, r in zip(labels, ratios) if p == "valley")
    if len(valley_prices) == 1:   # one valley price all year: valley price x kWh
        expected_simple = valley_prices.pop() * load.sum()
        assert expected == pytest.approx(expected_simple)
    assert annual_energy_cost_cny(load, t) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("province", list(HAND_RULES))
def test_flat_option_costs_8760_times_price(province):
    t = build_tariff(province, kind="flat", flat_price_cny_per_kwh=0.66)
    assert set(t.period) == {"flat"}
    assert annual_energy_cost_cny(np.ones(8760), t) == pytest.approx(8760 * 0.66)
    assert peak_valley_ratio(t) == 1.0


def test_guangdong_published_ratios_and_critical_months():
    t = build_tariff("Guangdong", contracted_kva=630, flat_price_cny_per_kwh=0.7, float_share=1.0)
    p, per = t.price_cny_per_kwh, t.period
    assert np.unique(p[per == "peak"]) == pytest.approx([0.7 * 1.7])
    assert np.unique(p[per == "valley"]) == pytest.approx([0.7 * 0.38])
    assert np.unique(p[per == "critical"]) == pytest.approx([0.7 * 1.7 * 1.25])
    month = np.repeat([d.month for d in DAYS], 24)
    assert set(month[per == "critical"]) == {7, 8, 9}
    assert (per == "critical").sum() == 3 * (31 + 31 + 30)   # 3 critical hours a day in Jul-Sep
    assert peak_valley_ratio(t) == pytest.approx(1.7 / 0.38)


def test_beijing_reproduces_official_july_2024_price_table():
    """SGCC Beijing agency-purchase table, Jul 2024 (params.md §2.3), with the default data."""
    two = build_tariff("Beijing", voltage="1-10kV", contracted_kva=630)
    one = build_tariff("北京", voltage="1-10kV", contracted_kva=200)
    for t, table in ((two, {"critical": 1.057777, "peak": 0.926841, "flat": 0.681335, "valley": 0.435829}),
                     (one, {"critical": 1.339479, "peak": 1.192176, "flat": 0.864835, "valley": 0.578412})):
        for period, price in table.items():
            assert np.unique(t.price_cny_per_kwh[t.period == period]) == pytest.approx([price], abs=2e-6)


def test_chongqing_reproduces_official_february_2025_price_table():
    t = build_tariff("Chongqing", voltage="1-10kV", contracted_kva=800)
    for period, price in {"peak": 1.133067, "flat": 0.762307, "valley": 0.379188}.items():
        assert np.unique(t.price_cny_per_kwh[t.period == period]) == pytest.approx([price], abs=2e-6)


def test_user_class_selects_published_multipliers():
    def peak_ratio(**kw):
        t = build_tariff(flat_price_cny_per_kwh=1.0, float_share=1.0, **kw)
        return float(np.unique(t.price_cny_per_kwh[t.period == "peak"])[0])

    assert peak_ratio(province="Jiangsu", contracted_kva=630) == pytest.approx(1.8)
    assert peak_ratio(province="Jiangsu", contracted_kva=200) == pytest.approx(1.7)
    assert peak_ratio(province="Jiangsu", contracted_kva=80) == pytest.approx(1.6)
    assert peak_ratio(province="Beijing", contracted_kva=200, voltage="1-10kV") == pytest.approx(1.8)
    assert peak_ratio(province="Beijing", contracted_kva=200, voltage="<1kV") == pytest.approx(1.71)
    sh = build_tariff("Shanghai", contracted_kva=100, flat_price_cny_per_kwh=1.0, float_share=1.0)
    assert set(sh.period) == {"peak", "valley"}   # single-part: 6-22 peak, 22-6 valley
    assert (sh.period.reshape(365, 24)[:, 6:22] == "peak").all()


def test_half_hour_boundary_averages_the_two_slots():
    """Heilongjiang peak 9:00-11:30: hour 11-12 is half peak (x1.5), half flat."""
    t = build_tariff("Heilongjiang", flat_price_cny_per_kwh=1.0, float_share=1.0)
    assert t.price_cny_per_kwh[11] == pytest.approx((1.5 + 1.0) / 2)
    assert t.price_cny_per_kwh[23] == pytest.approx((1.0 + 0.5) / 2)   # 23:00-23:30 flat, 23:30- valley


@pytest.mark.parametrize("province", provinces())
def test_every_province_resolves_without_nan(province):
    for kva in (None, 50, 630):
        for voltage in VOLTAGES:
            t = build_tariff(province, contracted_kva=kva, voltage=voltage)
            assert t.price_cny_per_kwh.shape == (8760,)
            assert np.isfinite(t.price_cny_per_kwh).all() and (t.price_cny_per_kwh > 0).all()
            assert np.isin(t.period, PERIODS).all()
            assert np.isfinite(t.export_price_cny_per_kwh).all() and (t.export_price_cny_per_kwh > 0).all()
            assert t.sources
    assert "peak" in describe(t) or "valley" in describe(t)


def test_all_31_provinces_in_english_and_chinese():
    english = ["Jiangsu", "Zhejiang", "Guangdong", "Shanghai", "Shandong", "Beijing", "Anhui", "Hubei",
               "Chongqing", "Tianjin", "Hebei", "Fujian", "Henan", "Hunan", "Jiangxi", "Sichuan", "Yunnan",
               "Guangxi", "Hainan", "Guizhou", "Shaanxi", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
               "Heilongjiang", "Gansu", "Qinghai", "Ningxia", "Xinjiang", "Tibet"]
    chinese = ("江苏 浙江 广东 上海 山东 北京 安徽 湖北 重庆 天津 河北 福建 河南 湖南 江西 四川 "
               "云南 广西 海南 贵州 陕西 山西 内蒙古 辽宁 吉林 黑龙江 甘肃 青海 宁夏 新疆 西藏").split()
    for en, zh in zip(english, chinese):
        assert build_tariff(en).province == en
        assert build_tariff(zh) is build_tariff(en)   # cached, same object
        assert build_tariff(zh + ("省" if len(zh) == 2 else "")).province == en


def test_national_estimate_fills_missing_ratios():
    t = build_tariff("Henan", contracted_kva=630, flat_price_cny_per_kwh=1.0, float_share=1.0)
    assert np.unique(t.price_cny_per_kwh[t.period == "peak"]) == pytest.approx([1.6])
    assert np.unique(t.price_cny_per_kwh[t.period == "valley"]) == pytest.approx([0.4])
    assert any(e.startswith("tou_multipliers.csv: National") for e in t.estimates)
    gd = build_tariff("Guangdong", contracted_kva=630).estimates
    assert not any(e.startswith("tou_multipliers.csv") for e in gd)


def test_basic_charge_capacity_and_demand():
    t = build_tariff("Guangdong", contracted_kva=630)
    assert annual_basic_charge_cny(t) == pytest.approx(22.6 * 630 * 12)   # params.md §2.3 Huizhou rate
    assert annual_basic_charge_cny(t, contracted_kva=314.9) == 0.0
    assert annual_basic_charge_cny(build_tariff("Guangdong", contracted_kva=200)) == 0.0
    assert annual_basic_charge_cny(build_tariff("Guangdong")) == 0.0
    # demand billing from an hourly load: monthly maxima found with datetime, not the engine's calendar
    rng = np.random.default_rng(1)
    load = rng.uniform(50, 400, 8760)
    monthly_max = {}
    for h, kw in enumerate(load):
        m = (dt.datetime(2023, 1, 1) + dt.timedelta(hours=h)).month
        monthly_max[m] = max(monthly_max.get(m, 0.0), kw)
    assert annual_basic_charge_cny(t, max_demand_kw=load) == pytest.approx(36.1 * sum(monthly_max.values()))
    assert annual_basic_charge_cny(t, max_demand_kw=300.0) == pytest.approx(36.1 * 300 * 12)
    assert annual_basic_charge_cny(t, max_demand_kw=[100.0] * 12) == pytest.approx(36.1 * 1200)


def test_export_value_is_coal_benchmark_times_085():
    t = build_tariff("Guangdong")
    assert export_value_cny(np.ones(8760), t) == pytest.approx(8760 * 0.453 * 0.85)
    t2 = build_tariff("Jiangsu", export_price_cny_per_kwh=0.3)
    exp = np.zeros(8760)
    exp[10:20] = 5.0
    assert export_value_cny(exp, t2) == pytest.approx(50 * 0.3)


def test_arrays_read_only_and_cached():
    t = build_tariff("Jiangsu", contracted_kva=630)
    assert build_tariff("jiangsu", contracted_kva=630.0) is t
    with pytest.raises(ValueError):
        t.price_cny_per_kwh[0] = 0.0


def test_bad_input_raises_one_line_per_problem():
    with pytest.raises(InputError) as exc:
        build_tariff("Jiangsy")
    assert exc.value.problems[0].startswith("electricity.tariff.province: 'Jiangsy'")
    assert "'Jiangsu'" in exc.value.problems[0]
    with pytest.raises(InputError) as exc:
        build_tariff("Jiangsu", kind="tuo", voltage="66kV", flat_price_cny_per_kwh=-1, year=2031)
    paths = [p.split(":")[0] for p in exc.value.problems]
    assert paths == ["electricity.tariff.kind", "electricity.tariff.voltage",
                     "electricity.tariff.flat_price_cny_per_kwh", "electricity.tariff.year"]
    t = build_tariff("Jiangsu")
    with pytest.raises(InputError, match="load_kw"):
        annual_energy_cost_cny(np.ones(8759), t)
    with pytest.raises(InputError, match="load_kw"):
        annual_energy_cost_cny(-np.ones(8760), t)


def test_describe_names_hours_and_prices():
    text = describe(build_tariff("Jiangsu", contracted_kva=630, flat_price_cny_per_kwh=1.0, float_share=1.0))
    assert "Jiangsu" in text and "江苏" in text
    assert "peak 14-22 @ 1.8000" in text and "valley 2-6,10-14 @ 0.3500" in text
