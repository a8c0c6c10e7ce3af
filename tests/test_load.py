"""Tests of pathways.energy.load: sector defaults, synthetic profiles, metered CSV, fuel use.

Expected values come from the Python calendar (datetime), hand-built series and independent pandas
computations, never from numbers the module printed.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pathways import paths
from pathways.errors import InputError
from pathways.energy.load import (
    ELECTRIC_END_USES, FUEL_END_USES, SECTORS, SHIFTS, fuel_use_by_end_use, hourly_load_kw, load_from_csv,
    load_sector_defaults,
)

REPO = Path(__file__).resolve().parent.parent


def _csv_rows() -> list[dict]:
    with (paths.DATA_DIR / "sectors.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _day_index(month: int, day: int) -> int:
    return (dt.date(2023, month, day) - dt.date(2023, 1, 1)).days


def _day(load: np.ndarray, month: int, day: int) -> np.ndarray:
    i = _day_index(month, day)
    return load[24 * i: 24 * i + 24]


# ---------------------------------------------------------------- sector data
def test_sectors_match_conventions():
    text = (REPO / "docs" / "conventions.md").read_text(encoding="utf-8")
    block = text.split("## Sectors")[1].split("##")[0]
    assert set(re.findall(r"`([a-z_]+)`", block)) == set(SECTORS)


def test_sectors_csv_every_row_sourced_and_complete():
    rows = _csv_rows()
    assert rows, "data/sectors.csv is empty"
    for r in rows:
        assert r["unit"] and r["source"] and r["year"].isdigit() and r["is_estimate"] in ("true", "false"), r
    params = {}
    for r in rows:
        params.setdefault(r["sector"], set()).add(r["parameter"])
    assert set(params) == set(SECTORS)
    assert len({frozenset(p) for p in params.values()}) == 1  # same parameters for every sector


@pytest.mark.parametrize("sector", SECTORS)
def test_sector_defaults_consistent(sector):
    d = load_sector_defaults(sector)
    raw = {r["parameter"]: r["value"] for r in _csv_rows() if r["sector"] == sector}
    assert set(d.elec_shares) == set(ELECTRIC_END_USES)
    assert sum(float(raw[f"elec_share_{e}"]) for e in ELECTRIC_END_USES) == pytest.approx(1.0, abs=1e-9)
    assert all(0 <= v <= 1 for v in d.elec_shares.values())
    assert sum(d.digital_maturity_probs) == pytest.approx(1.0, abs=1e-9)
    for lo_hi, mid in ((d.roof_area_m2_range, d.roof_area_m2), (d.annual_kwh_range, d.annual_kwh),
                       (d.budget_cny_per_year_range, d.budget_cny_per_year)):
        assert 0 < lo_hi[0] <= mid <= lo_hi[1]
    assert 0 < d.base_load_share_closed < 1
    assert d.default_shifts in SHIFTS
    assert d.annual_kwh == float(raw["annual_kwh"])


def test_unknown_sector_suggests():
    with pytest.raises(InputError) as e:
        load_sector_defaults("machinary")
    assert len(e.value.problems) == 1
    assert e.value.problems[0].startswith("sector: 'machinary'") and "'machinery'" in e.value.problems[0]


# ---------------------------------------------------------------- synthetic profile
@pytest.mark.parametrize("sector", SECTORS)
@pytest.mark.parametrize("shifts", SHIFTS)
def test_profile_sums_exactly(sector, shifts):
    x = hourly_load_kw(1_234_567.0, sector, shifts)
    assert x.shape == (8760,) and x.dtype == float
    assert np.all(x > 0)
    assert x.sum() == pytest.approx(1_234_567.0, rel=1e-12)


def test_one_shift_hours_and_weekends():
    d = load_sector_defaults("furniture_wood")
    x = hourly_load_kw(1e6, "furniture_wood", "one")
    for month, day in ((3, 15), (4, 12), (10, 18)):          # Wednesdays, by the Python calendar
        assert dt.date(2023, month, day).weekday() == 2
        day_kw = _day(x, month, day)
        open_kw = day_kw[8]
        np.testing.assert_allclose(day_kw[[8, 9, 10, 11, 13, 14, 15, 16]], open_kw, rtol=1e-12)
        np.testing.assert_allclose(day_kw[12], 0.7 * open_kw, rtol=1e-12)
        closed = np.r_[0:8, 17:24]
        np.testing.assert_allclose(day_kw[closed], d.base_load_share_closed * open_kw, rtol=1e-12)
    sat = _day(x, 3, 18)
    assert dt.date(2023, 3, 18).weekday() == 5
    np.testing.assert_allclose(sat, d.base_load_share_closed * _day(x, 3, 17)[8], rtol=0.02)  # HVAC day drift
    np.testing.assert_allclose(sat, sat[0], rtol=1e-12)


def test_weekends_follow_2023_calendar():
    x = hourly_load_kw(1e6, "machinery", "two").reshape(365, 24)
    noon = x[:, 12]
    weekend = np.array([(dt.date(2023, 1, 1) + dt.timedelta(days=i)).weekday() >= 5 for i in range(365)])
    sf = np.zeros(365, bool)
    sf[_day_index(1, 21): _day_index(1, 30) + 1] = True
    closed = weekend | sf
    assert noon[closed].max() < 0.3 * noon[~closed].min()
    assert weekend[0]                                          # 1 Jan 2023 is a Sunday


def test_three_shift_weekend_reduced_not_closed():
    x = hourly_load_kw(1e6, "electronics", "three")
    mon, sun = _day(x, 5, 8), _day(x, 5, 7)
    np.testing.assert_allclose(mon, mon[0], rtol=1e-12)
    assert sun[3] / mon[3] == pytest.approx(0.5, rel=0.01)


@pytest.mark.parametrize("shifts,first_closed,last_closed", [
    ("one", (1, 21), (1, 30)), ("two", (1, 21), (1, 30)), ("three", (1, 21), (1, 25))])
def test_spring_festival_default(shifts, first_closed, last_closed):
    d = load_sector_defaults("machinery")
    x = hourly_load_kw(1e6, "machinery", shifts)
    peak = _day(x, 2, 1)[10]                                   # Wed 1 Feb, open
    i0, i1 = _day_index(*first_closed), _day_index(*last_closed)
    days = x.reshape(365, 24)
    np.testing.assert_allclose(days[i0:i1 + 1], d.base_load_share_closed * peak, rtol=0.01)
    assert days[i1 + 1, 10] == pytest.approx(peak, rel=0.01)     # first day after: a working day
    assert days[i0 - 2, 10] == pytest.approx(peak, rel=0.01)     # Thu 19 Jan: working


def test_spring_festival_override_and_continuous():
    x0 = hourly_load_kw(1e6, "machinery", "two", spring_festival_days=0).reshape(365, 24)
    assert x0[_day_index(1, 23), 10] == pytest.approx(x0[_day_index(1, 16), 10], rel=0.01)  # Mondays
    c = hourly_load_kw(1e6, "chemicals", "continuous").reshape(365, 24)
    assert c[_day_index(1, 23), 10] == pytest.approx(c[_day_index(1, 16), 10], rel=0.01)
    c20 = hourly_load_kw(1e6, "chemicals", "continuous", spring_festival_days=20).reshape(365, 24)
    d = load_sector_defaults("chemicals")
    assert c20[_day_index(2, 9), 3] == pytest.approx(d.base_load_share_closed * c20[_day_index(2, 10), 3],
                                                     rel=0.01)


def test_seasonal_hvac_mild():
    x = hourly_load_kw(1e6, "electronics", "continuous").reshape(365, 24).sum(1)
    jul, apr, jan = x[_day_index(7, 24)], x[_day_index(4, 20)], x[_day_index(1, 10)]
    assert jul > jan > apr
    assert 1.05 < jul / apr < 1.6                                # mild: HVAC share 35 %


def test_other_year_calendar():
    x = hourly_load_kw(1e6, "machinery", "two", year=2024).reshape(365, 24)
    assert x[0, 10] > 2 * x[6, 10]                               # Mon 1 Jan 2024 open, Sun 7 Jan closed
    assert dt.date(2024, 1, 1).weekday() == 0 and dt.date(2024, 1, 7).weekday() == 6


def test_bad_profile_input_reports_every_field():
    with pytest.raises(InputError) as e:
        hourly_load_kw(-5, "machinery", "tw0", spring_festival_days=90)
    lines = e.value.problems
    assert len(lines) == 3
    assert lines[0].startswith("electricity.annual_kwh: -5")
    assert lines[1].startswith("electricity.shifts: 'tw0'") and "'two'" in lines[1]
    assert lines[2].startswith("electricity.spring_festival_shutdown_days: 90")


# ---------------------------------------------------------------- metered CSV
def _write(path: Path, stamps, values, col="kw") -> Path:
    pd.DataFrame({"timestamp": [str(s) for s in stamps], col: values}).to_csv(path, index=False)
    return path


def _year_hours(year=2023):
    return pd.date_range(f"{year}-01-01", periods=8760, freq="h")


def test_csv_hourly_roundtrip(tmp_path):
    rng = np.random.default_rng(1)
    truth = rng.uniform(50, 500, 8760)
    m = load_from_csv(_write(tmp_path / "a.csv", _year_hours(), truth))
    np.testing.assert_allclose(m.load_kw, truth, rtol=1e-12)
    assert (m.n_missing_hours, m.n_gaps, m.interval_minutes) == (0, 0, 60)


def test_csv_15min_kwh_is_summed_to_hourly_kw(tmp_path):
    rng = np.random.default_rng(2)
    stamps = pd.date_range("2023-01-01", periods=8760 * 4, freq="15min")
    kwh = rng.uniform(0, 100, len(stamps))
    m = load_from_csv(_write(tmp_path / "q.csv", stamps, kwh, col="kWh"))
    np.testing.assert_allclose(m.load_kw, kwh.reshape(8760, 4).sum(1), rtol=1e-12)
    assert m.interval_minutes == 15


def test_csv_gaps_linear_and_hour_of_week(tmp_path):
    rng = np.random.default_rng(3)
    truth = rng.uniform(100, 200, 8760)
    stamps = _year_hours()
    short = np.arange(1000, 1004)                 # 4 h gap -> linear
    long_ = np.arange(3000, 3048)                 # 48 h gap -> same hour of week
    keep = np.ones(8760, bool)
    keep[short] = keep[long_] = False
    m = load_from_csv(_write(tmp_path / "g.csv", stamps[keep], truth[keep]))
    a, b = truth[999], truth[1004]
    np.testing.assert_allclose(m.load_kw[short], a + (b - a) * np.arange(1, 5) / 5, rtol=1e-12)
    df = pd.DataFrame({"kw": truth[keep]}, index=stamps[keep])
    how = df.groupby([df.index.day_of_week, df.index.hour])["kw"].mean()
    want = [how[(t.day_of_week, t.hour)] for t in stamps[long_]]
    np.testing.assert_allclose(m.load_kw[long_], want, rtol=1e-12)
    np.testing.assert_allclose(m.load_kw[keep], truth[keep], rtol=1e-12)
    assert (m.n_missing_hours, m.n_gaps, m.longest_gap_hours) == (52, 2, 48)
    assert (m.n_filled_linear, m.n_filled_hour_of_week) == (4, 48)
    assert "52 of 8760 hours missing" in m.gap_report()


def test_csv_gap_wraps_year_end(tmp_path):
    truth = np.linspace(10, 20, 8760)
    keep = np.ones(8760, bool)
    keep[[0, 8758, 8759]] = False
    m = load_from_csv(_write(tmp_path / "w.csv", _year_hours()[keep], truth[keep]))
    a, b = truth[8757], truth[1]
    np.testing.assert_allclose(m.load_kw[[8758, 8759, 0]], a + (b - a) * np.arange(1, 4) / 4, rtol=1e-12)
    assert (m.n_gaps, m.longest_gap_hours) == (1, 3)


def test_csv_leap_year_drops_feb29_and_partial_year(tmp_path):
    stamps = pd.date_range("2024-02-01", "2024-03-31 23:00", freq="h")
    vals = np.where(stamps.month == 3, 300.0, 100.0)
    vals[(stamps.month == 2) & (stamps.day == 29)] = 999.0
    m = load_from_csv(_write(tmp_path / "l.csv", stamps, vals))
    assert np.all(m.load_kw[_day_index(3, 1) * 24:_day_index(4, 1) * 24] == 300.0)
    assert np.all(m.load_kw[_day_index(2, 1) * 24:_day_index(3, 1) * 24] == 100.0)
    assert 999.0 not in m.load_kw
    assert m.n_missing_hours == 8760 - 59 * 24


def test_csv_multi_year_average_and_timezone(tmp_path):
    s1 = _year_hours(2022)
    s2 = _year_hours(2023)
    stamps = [t.tz_localize("UTC+08:00").tz_convert("UTC").isoformat() for t in s1.append(s2)]
    vals = np.r_[np.full(8760, 100.0), np.full(8760, 300.0)]
    vals[5] = 500.0
    p = tmp_path / "tz.csv"
    pd.DataFrame({"Timestamp": stamps, "kW": vals}).to_csv(p, index=False)
    m = load_from_csv(p)
    assert m.years == (2022, 2023)
    assert m.load_kw[5] == pytest.approx(400.0) and m.load_kw[6] == pytest.approx(200.0)


@pytest.mark.parametrize("case,expect", [
    ("nonnumeric", "[row 12].kw: 'not a number'"),      # the cell's text is never echoed (issue 12)
    ("negative", "[row 12].kw: -3.0"),
    ("short", "fewer|at least 4 weeks"),
    ("duplicate", "appears twice"),
    ("badtime", "[row 12].timestamp: 'not a date-time'"),
    ("columns", "columns"),
])
def test_csv_bad_files_one_line(tmp_path, case, expect):
    stamps = [str(s) for s in _year_hours()[:2000]]
    vals = ["1.5"] * 2000
    if case == "nonnumeric":
        vals[10] = "abc"
    elif case == "negative":
        vals[10] = "-3"
    elif case == "short":
        stamps, vals = stamps[:600], vals[:600]
    elif case == "duplicate":
        stamps[10] = stamps[9]
    elif case == "badtime":
        stamps[10] = "yesterday"
    col = "power" if case == "columns" else "kw"
    p = tmp_path / "bad.csv"
    pd.DataFrame({"timestamp": stamps, col: vals}).to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        load_from_csv(p)
    assert len(e.value.problems) == 1 and "\n" not in e.value.problems[0]
    line = e.value.problems[0]
    assert line.startswith("electricity.metered_csv")
    assert re.search(expect, line) if "|" in expect else expect in line
    assert "abc" not in line and "yesterday" not in line and "power" not in line


def test_csv_missing_file(tmp_path):
    with pytest.raises(InputError, match="electricity.metered_csv"):
        load_from_csv(tmp_path / "nope.csv")


# ---------------------------------------------------------------- fuels
def test_fuel_default_from_csv():
    raw = {(r["sector"], r["parameter"]): r["value"] for r in _csv_rows()}
    got = fuel_use_by_end_use(None, "textile_dyeing", 5_000_000)
    for e in FUEL_END_USES:
        q = float(raw[("textile_dyeing", f"fuel_{e}_qty_per_mwh_elec")]) * 5000
        carrier = raw[("textile_dyeing", f"fuel_{e}_carrier")]
        assert got[e] == ({carrier: pytest.approx(q)} if q > 0 else {})


def test_fuel_site_list_aggregates():
    fuels = [{"carrier": "natural_gas", "annual_quantity": 100, "end_use": "steam"},
             {"carrier": "natural_gas", "annual_quantity": 50, "end_use": "steam"},
             {"carrier": "coal", "annual_quantity": 20, "end_use": "process_heat"}]
    got = fuel_use_by_end_use(fuels, "food", 1e6)
    assert got == {"steam": {"natural_gas": 150.0}, "process_heat": {"coal": 20.0}, "space_heat": {}}
    assert fuel_use_by_end_use([], "food", 1e6) == {e: {} for e in FUEL_END_USES}


def test_fuel_bad_entries():
    with pytest.raises(InputError) as e:
        fuel_use_by_end_use([{"carrier": "natral_gas", "annual_quantity": -1, "end_use": "stem"}], "food", 1e6)
    lines = e.value.problems
    assert len(lines) == 3
    assert lines[0].startswith("fuels[0].carrier: 'natral_gas'") and "'natural_gas'" in lines[0]
    assert lines[1].startswith("fuels[0].end_use: 'stem'") and "'steam'" in lines[1]
    assert lines[2].startswith("fuels[0].annual_quantity: -1")
