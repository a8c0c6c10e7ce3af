"""Weather reading and repair (pathways.reference.weather), checked against independent calculations."""
from __future__ import annotations

import csv
import gzip

import numpy as np
import pandas as pd
import pvlib
import pytest

from pathways import paths
from pathways.reference import weather
from pathways.errors import InputError
from weather_synth import clear_sky_hourly, write_epw

# Offsets measured on the raw files, from data/weather/README.md (GHI-weighted daily centroid minus solar noon).
README_OFFSETS_H = {"Golmud": 1.40, "Xi'an": 1.32, "Kashgar": 1.10, "Yinchuan": 1.06, "Hangzhou": 1.06,
                    "Fuzhou": 0.92, "Nanjing": 0.90, "Kunming": 0.90, "Shenzhen": 0.00}


def _one_line(exc: InputError, *needles: str) -> None:
    assert len(exc.problems) == 1 and "\n" not in exc.problems[0], exc.problems
    for n in needles:
        assert n in exc.problems[0], exc.problems[0]


def _transit_h(lat: float, lon: float) -> np.ndarray:
    """Solar noon per day from pvlib's SPA transit (independent of weather.solar_noon_h), local hours."""
    days = pd.date_range(f"{weather.TYPICAL_YEAR}-01-01", periods=365, freq="D", tz=weather.TZ)
    tr = pvlib.solarposition.sun_rise_set_transit_spa(days, lat, lon)["transit"]
    return ((tr - days).dt.total_seconds() / 3600.0).to_numpy()


def _centroid_offset_unweighted(ghi: np.ndarray, lat: float, lon: float) -> float:
    g = ghi.reshape(365, 24)
    ok = g.sum(axis=1) > 0
    c = (g * (np.arange(24) + 0.5)).sum(axis=1)[ok] / g.sum(axis=1)[ok]
    return float(np.mean(c - _transit_h(lat, lon)[ok]))


@pytest.fixture(scope="module")
def all_weather():
    return {row.city_en: weather.load_weather(row.file) for row in weather.stations().itertuples()}


def test_stations_table_from_headers():
    st = weather.stations()
    assert len(st) == 24
    assert list(st.columns[:3]) == ["station_id", "city_en", "province"]
    assert (st["source"] == "CSWD").sum() == 23 and st.loc[st["source"] == "SWERA", "city_en"].tolist() == ["Shenzhen"]
    assert st["station_id"].is_unique and st["station_id"].str.fullmatch(r"\d{6}").all()
    # cross-check with the stations table of pathways.reference.cities (built independently from the same headers)
    other = pd.read_csv(paths.DATA_DIR / "stations.csv", dtype={"station_id": str}).set_index("station_id")
    mine = st.set_index("station_id")
    assert set(other.index) == set(mine.index)
    assert (other.loc[mine.index, "station_file"] == mine["file"]).all()
    assert np.allclose(other.loc[mine.index, "lat_deg"], mine["lat_deg"])
    assert np.allclose(other.loc[mine.index, "elevation_m"], mine["elevation_m"])


def test_index_and_columns(all_weather):
    w = all_weather["Beijing"]
    idx = w.data.index
    assert len(idx) == 8760 and str(idx[0]) == f"{weather.TYPICAL_YEAR}-01-01 00:30:00+08:00"
    assert str(idx[-1]) == f"{weather.TYPICAL_YEAR}-12-31 23:30:00+08:00"
    assert list(w.data.columns) == weather.COLUMNS and w.albedo == 0.2
    assert np.isfinite(w.data.to_numpy()).all() and (w.data[["ghi", "dni", "dhi"]].to_numpy() >= 0).all()
    assert weather.load_weather("545110") is w and weather.load_weather("beijing") is w  # in-memory cache


def test_raw_offsets_match_readme(all_weather):
    for city, expected in README_OFFSETS_H.items():
        assert abs(all_weather[city].repair["centroid_offset_h"] - expected) < 0.1, city
    assert all_weather["Shenzhen"].repair["shift_h"] == 0.0


@pytest.mark.parametrize("city", [r.city_en for r in weather.stations().itertuples()])
def test_repaired_station_centroid_and_closure(all_weather, city):
    w = all_weather[city]
    d = w.data
    assert abs(_centroid_offset_unweighted(d["ghi"].to_numpy(), w.lat_deg, w.lon_deg)) < 0.1
    sp = pvlib.solarposition.get_solarposition(d.index, w.lat_deg, w.lon_deg, w.elevation_m, method="ephemeris")
    cz = np.cos(np.radians(sp["zenith"].to_numpy()))
    up = cz > 0
    ratio = (d["dni"].to_numpy()[up] * cz[up] + d["dhi"].to_numpy()[up]).sum() / d["ghi"].to_numpy()[up].sum()
    assert abs(ratio - 1) < 0.02
    # GHI energy is conserved by the repair (shift is a circular interpolation)
    raw = weather._parse_epw(weather._read_bytes(paths.WEATHER_DIR / weather.stations().set_index("city_en")
                                                 .loc[city, "file"]).decode("latin-1"), paths.WEATHER_DIR)[0]
    assert d["ghi"].sum() == pytest.approx(raw["ghi"].sum(), rel=1e-9)


def test_shift_earlier_closed_form():
    x = np.random.default_rng(1).random(8760)
    assert np.allclose(weather.shift_earlier(x, 3.0), np.roll(x, -3))
    y = weather.shift_earlier(x, 0.25)
    assert y.sum() == pytest.approx(x.sum())
    assert y[10] == pytest.approx(0.75 * x[10] + 0.25 * x[11])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    lat, lon = 30.0, 110.0
    truth = clear_sky_hourly(lat, lon, late_h=0.0)
    late = clear_sky_hourly(lat, lon, late_h=0.8)
    d = tmp_path_factory.mktemp("synth")
    return lat, lon, truth, late, d


def test_synthetic_late_series_is_repaired(synthetic):
    lat, lon, truth, late, d = synthetic
    p = write_epw(d / "late.epw", late, lat, lon)
    w = weather.load_weather(p)
    assert w.repair["centroid_offset_h"] == pytest.approx(0.8, abs=0.03)
    assert w.repair["shift_h"] == w.repair["centroid_offset_h"]
    ghi, true = w.data["ghi"].to_numpy(), truth["ghi"].to_numpy()
    assert np.abs(ghi - true).max() < 0.05 * true.max()
    assert (ghi * np.arange(8760)).sum() / ghi.sum() == pytest.approx((true * np.arange(8760)).sum() / true.sum(),
                                                                    abs=0.02)
    # DNI from GHI and DHI at the midpoint is close to the true hourly mean DNI where the sun is well up
    high = (90 - w.sun_zenith_deg) > 15
    dni, tdni = w.data["dni"].to_numpy()[high], truth["dni"].to_numpy()[high]
    assert dni.sum() == pytest.approx(tdni.sum(), rel=0.03)


def test_correct_file_is_not_shifted(synthetic):
    lat, lon, truth, _, d = synthetic
    w = weather.load_weather(write_epw(d / "ok.epw", truth, lat, lon, source="SWERA"))
    assert abs(w.repair["centroid_offset_h"]) < 0.05 and w.repair["shift_h"] == 0.0
    assert np.allclose(w.data["ghi"].to_numpy(), truth["ghi"].to_numpy(), atol=0.1)


def test_user_csv_matches_epw_and_utc_times(synthetic):
    lat, lon, truth, _, d = synthetic
    w_epw = weather.load_weather(write_epw(d / "same.epw", truth, lat, lon, source="SWERA"))
    local = pd.date_range("2019-01-01 00:00", periods=8760, freq="h")
    df = pd.DataFrame({"time": local.strftime("%Y-%m-%d %H:%M"), "ghi": truth["ghi"], "dni": truth["dni"],
                       "dhi": truth["dhi"], "temp_air": 20.0, "wind_speed": 2.0})
    p = d / "site.csv"
    p.write_text(f"# lat_deg: {lat}\n# lon_deg: {lon}\n# elevation_m: 50\n" + df.to_csv(index=False))
    w_csv = weather.load_weather(p)
    assert np.allclose(w_csv.data["ghi"], w_epw.data["ghi"], atol=0.06)
    assert w_csv.source == "CSV" and w_csv.lat_deg == lat
    # the same data with UTC timestamps, rows in UTC order, pressure in hPa, no dni: identical after conversion
    utc = (local.tz_localize("Etc/GMT-8").tz_convert("UTC"))
    df2 = df.drop(columns="dni").assign(time=utc.strftime("%Y-%m-%dT%H:%M+00:00"), pressure=1000.0)
    df2 = pd.concat([df2.iloc[8:], df2.iloc[:8]])  # a UTC file starts at 08:00 local
    p2 = d / "site_utc.csv"
    p2.write_text(df2.to_csv(index=False))
    w2 = weather.load_weather(p2, lat_deg=lat, lon_deg=lon, elevation_m=50)
    assert np.allclose(w2.data["ghi"], w_csv.data["ghi"], atol=1e-9)
    assert np.allclose(w2.data["pressure"], 100000.0)


def test_bad_files_give_one_line_errors(synthetic, tmp_path):
    lat, lon, truth, _, _ = synthetic
    with pytest.raises(InputError) as e:
        weather.load_weather("Bejing")
    _one_line(e.value, "weather", "Beijing")
    short = tmp_path / "short.csv"
    short.write_text("ghi,dhi,temp_air\n" + "1,1,20\n" * 100)
    with pytest.raises(InputError) as e:
        weather.load_weather(short, lat_deg=30, lon_deg=110)
    _one_line(e.value, "weather.rows", "100")
    nolat = tmp_path / "nolat.csv"
    nolat.write_text("ghi,dhi,temp_air\n" + "1,1,20\n" * 8760)
    with pytest.raises(InputError) as e:
        weather.load_weather(nolat)
    _one_line(e.value, "weather.lat_deg")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("GHI,diffuse,temp_air\n" + "1,1,20\n" * 8760)
    with pytest.raises(InputError) as e:
        weather.load_weather(nocol, lat_deg=30, lon_deg=110)
    _one_line(e.value, "weather.columns")
    vals = truth.copy()
    vals.loc[5, "ghi"] = 9999.0  # EPW missing marker
    with pytest.raises(InputError) as e:
        weather.load_weather(write_epw(tmp_path / "miss.epw", vals, lat, lon))
    _one_line(e.value, "weather.ghi[5]")
    bad = tmp_path / "bad.epw"
    bad.write_text("not an epw\n1,2,3\n")
    with pytest.raises(InputError) as e:
        weather.load_weather(bad)
    _one_line(e.value, "LOCATION")


def test_no_unusable_epw_columns_read():
    raw = weather._parse_epw(weather._read_bytes(weather.resolve_path("Beijing")).decode("latin-1"),
                             paths.WEATHER_DIR)[0]
    assert not {"albedo", "precipitable_water", "etr"} & set(raw.columns)
    # the EPW albedo field really is the 999 sentinel in the CSWD files (column 32 of the data rows)
    with gzip.open(weather.resolve_path("Beijing"), "rt", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))[8:20]
    assert {r[32] for r in rows} == {"999.000"}
