"""PV chain (pathways.energy.pv): closed forms, a pvlib ModelChain peer, caches, user profiles and the CLI."""
from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pvlib
import pytest

from pathways import paths
from pathways.cli import main as cli
from pathways.energy import pv
from pathways.reference import weather
from pathways.errors import InputError
from weather_synth import clear_sky_hourly, write_epw


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")


@pytest.fixture(scope="module")
def beijing():
    return weather.load_weather("Beijing")


def _one_line(exc: InputError, *needles: str) -> None:
    assert len(exc.problems) >= 1 and all("\n" not in p for p in exc.problems), exc.problems
    for n in needles:
        assert any(n in p for p in exc.problems), exc.problems


def test_horizontal_poa_equals_ghi(beijing):
    """Perez at tilt 0: isotropic + circumsolar = DHI and no horizon band, no ground view: POA = GHI (zenith<85)."""
    r = pv.simulate(beijing, 0.0, 180.0, "open_rack")
    z = beijing.sun_zenith_deg
    m = z < 85
    assert np.allclose(r["poa_global"][m], beijing.data["ghi"].to_numpy()[m], rtol=1e-9, atol=1e-6)
    assert np.allclose(r["poa_ground"], 0.0)


def test_sapm_temperature_closed_form(beijing):
    r = pv.simulate(beijing, 30.0, 180.0, "open_rack")
    e, ta, ws = r["poa_global"], beijing.data["temp_air"].to_numpy(), beijing.data["wind_speed"].to_numpy()
    a, b, dt = -3.56, -0.075, 3.0  # King 2004, open rack glass/polymer
    expect = e * np.exp(a + b * ws) + ta + e / 1000.0 * dt
    assert np.allclose(r["temp_cell"], expect)


def test_dc_to_ac_clips_and_has_pvwatts_efficiency(beijing):
    r = pv.simulate(beijing, 30.0, 180.0, "open_rack")
    ac, dc = r["ac"], r["dc"]
    assert ac.max() == pytest.approx(1 / 1.2) and (ac >= 0).all()
    # PVWatts inverter at 50 % of the inverter DC rating: eta = (eta_nom/eta_ref)(-0.0162 z - 0.0059/z + 0.9858)
    pdc0 = 1 / 1.2 / 0.96
    i = np.argmin(np.abs(dc - 0.5 * pdc0))
    z = dc[i] / pdc0
    eta = 0.96 / 0.9637 * (-0.0162 * z - 0.0059 / z + 0.9858)
    assert ac[i] == pytest.approx(dc[i] * eta, rel=1e-9)
    night = (beijing.sun_zenith_deg > 91) & (beijing.data["ghi"].to_numpy() == 0)
    assert (ac[night] == 0).all()


def test_against_pvlib_modelchain(beijing):
    """Beam-only IAM variant of our chain vs an independently built pvlib ModelChain with the same models."""
    w = beijing
    mod = {"pdc0": 1.0, "gamma_pdc": -0.0037, **pv.SPECTRAL_DESOTO}
    system = pvlib.pvsystem.PVSystem(surface_tilt=30, surface_azimuth=180, albedo=0.2, module_parameters=mod,
                                     temperature_model_parameters={"a": -3.56, "b": -0.075, "deltaT": 3},
                                     inverter_parameters={"pdc0": 1 / 1.2 / 0.96, "eta_inv_nom": 0.96})
    loc = pvlib.location.Location(w.lat_deg, w.lon_deg, "Etc/GMT-8", w.elevation_m)

    def physical_ar(mc):
        mc.results.aoi_modifier = pvlib.iam.physical(mc.results.aoi, n_ar=1.3)

    mc = pvlib.modelchain.ModelChain(system, loc, transposition_model="perez", aoi_model=physical_ar,
                                     spectral_model="sapm", temperature_model="sapm", dc_model="pvwatts",
                                     ac_model="pvwatts", losses_model="pvwatts")
    mc.run_model(w.data[["ghi", "dni", "dhi", "temp_air", "wind_speed"]])
    theirs = mc.results.ac.fillna(0).clip(lower=0).to_numpy()
    ours = pv.simulate(w, 30.0, 180.0, "open_rack", diffuse_iam=False)["ac"]
    assert ours.sum() == pytest.approx(theirs.sum(), rel=0.005)
    up = w.sun_zenith_deg < 90  # below the horizon at the midpoint, ModelChain drops the light, we keep it diffuse
    assert np.abs(ours - theirs)[up].max() < 0.01
    assert 0 < ours[~up].sum() < 0.003 * ours.sum()
    # diffuse IAM costs a little (1-3 %), never gains
    full = pv.simulate(w, 30.0, 180.0, "open_rack")["ac"].sum()
    assert 0.97 * ours.sum() < full < ours.sum()


@pytest.fixture(scope="module")
def symmetric_weather(tmp_path_factory):
    d = tmp_path_factory.mktemp("sym")
    lat, lon = 35.0, 120.0
    return weather.load_weather(write_epw(d / "cs.epw", clear_sky_hourly(lat, lon), lat, lon, source="SWERA"))


def test_east_west_symmetry_on_clear_sky(symmetric_weather):
    east = pv.annual_yield(symmetric_weather, 20.0, 90.0, "close_roof")
    west = pv.annual_yield(symmetric_weather, 20.0, 270.0, "close_roof")
    south = pv.annual_yield(symmetric_weather, 20.0, 180.0, "close_roof")
    north = pv.annual_yield(symmetric_weather, 20.0, 0.0, "close_roof")
    assert east == pytest.approx(west, rel=0.01)
    assert north < east < south


def test_peak_hour_follows_solar_noon():
    """Hour-ending index: the mean south-array output peaks in the clock hour holding solar noon's closest midpoint."""
    for city in ("Beijing", "Urumqi"):
        w = weather.load_weather(city)
        prof = pv.hourly_ac_per_kwp(w, 20.0, 180.0, "open_rack").reshape(365, 24).mean(axis=0)
        noon = float(np.mean(weather.solar_noon_h(w.lon_deg)))
        assert abs(np.argmax(prof) + 0.5 - noon) <= 0.5 + 1e-9, (city, noon, np.argmax(prof))


def test_monthly_sums_to_annual_and_calendar(beijing):
    m = pv.monthly_kwh_per_kwp(beijing, 30.0, 180.0, "open_rack")
    h = pv.hourly_ac_per_kwp(beijing, 30.0, 180.0, "open_rack")
    assert m.shape == (12,) and m.sum() == pytest.approx(pv.annual_yield(beijing, 30.0, 180.0, "open_rack"))
    idx = weather.hour_index()
    assert np.allclose(m, pd.Series(h, index=idx).groupby(idx.month).sum().to_numpy())


def test_mountings_order_by_cooling(beijing):
    y = {m: pv.annual_yield(beijing, 30.0, 180.0, m) for m in ("open_rack", "close_roof", "bipv_roof")}
    assert y["open_rack"] > y["close_roof"] > y["bipv_roof"]
    facade = pv.annual_yield(beijing, 90.0, 180.0, "bipv_facade")
    assert 0.5 * y["open_rack"] < facade < 0.85 * y["open_rack"]


def test_installable_kwp_closed_form():
    with open(paths.DATA_DIR / "pv_mounting.csv", newline="") as fh:
        rows = {(r["mounting"], r["parameter"]): r for r in csv.DictReader(fh)}
    for m in pv.MOUNTINGS:
        r = rows[(m, "density_wp_per_m2")]
        assert r["unit"] and r["year"] and r["source"] and r["is_estimate"] in ("true", "false")
        assert pv.installable_kwp(5000, 0.7, m) == pytest.approx(5000 * 0.7 * float(r["value"]) / 1000)
    assert pv.installable_kwp(1000, 1.0, "close_roof") == pytest.approx(170.0)  # params.md ESTIMATE 170 Wp/m2
    assert pv.installable_kwp(1000, 1.0, "open_rack") == pytest.approx(110.0)
    with pytest.raises(InputError) as e:
        pv.installable_kwp(100, 0.5, "open_rak")
    _one_line(e.value, "mounting", "open_rack")
    with pytest.raises(InputError) as e:
        pv.installable_kwp(-1, 1.5, "open_rack")
    assert len(e.value.problems) == 2


def test_angle_validation(beijing):
    for tilt, az, field in ((-1, 180, "tilt_deg"), (91, 180, "tilt_deg"), (30, 361, "azimuth_deg"),
                            (30, float("nan"), "azimuth_deg")):
        with pytest.raises(InputError) as e:
            pv.hourly_ac_per_kwp(beijing, tilt, az, "open_rack")
        _one_line(e.value, field)


def test_memory_and_disk_caches(monkeypatch):
    a = pv.profile_for_station("Hefei", 20.0, 180.0, "open_rack")
    assert not a.flags.writeable and a is pv.profile_for_station("583210", 20.0, 180.0, "open_rack")
    files = list((paths.CACHE_DIR / "pv").glob("*.npy"))
    assert len(files) == 1
    pv.clear_caches()

    def boom(*args, **kwargs):
        raise AssertionError("pvlib chain rerun despite the disk cache")

    monkeypatch.setattr(pv, "simulate", boom)
    b = pv.profile_for_station("Hefei", 20.0, 180.0, "open_rack")
    assert np.array_equal(a, b)
    with pytest.raises(AssertionError):  # a different orientation is not in the cache
        pv.profile_for_station("Hefei", 25.0, 180.0, "open_rack")


def test_corrupt_disk_cache_is_recomputed():
    a = pv.profile_for_station("Wuhan", 20.0, 180.0, "close_roof")
    f = next((paths.CACHE_DIR / "pv").glob("*.npy"))
    np.save(f, np.zeros(10))
    pv.clear_caches()
    b = pv.profile_for_station("Wuhan", 20.0, 180.0, "close_roof")
    assert np.array_equal(a, b)


def test_user_profile(tmp_path):
    good = np.clip(np.sin(np.linspace(0, 365 * 2 * np.pi, 8760)), 0, None) * 0.8
    p = tmp_path / "p.csv"
    p.write_text("kw_per_kwp\n" + "\n".join(f"{v:.6f}" for v in good))
    assert np.allclose(pv.read_user_profile(p), good, atol=1e-6)
    cases = [(good[:100], "pv_profile.rows"), (np.where(np.arange(8760) == 7, np.nan, good), "pv_profile[7]"),
             (np.where(np.arange(8760) == 9, -0.1, good), "pv_profile[9]"),
             (np.where(np.arange(8760) == 11, 1.5, good), "pv_profile[11]")]
    for vals, field in cases:
        p.write_text("\n".join(f"{v:.6f}" for v in vals))  # NaN is written as 'nan'
        with pytest.raises(InputError) as e:
            pv.read_user_profile(p)
        _one_line(e.value, field)


def test_assumptions_serialisable():
    a = pv.assumptions()
    json.dumps(a)
    assert a["system_losses_pct"] == 14.08 and a["dc_ac_ratio"] == 1.2 and a["inverter_eff_nominal_pct"] == 96
    assert a["system_losses_pct"] == pytest.approx(pvlib.pvsystem.pvwatts_losses(), abs=0.005)


def test_cli_yield_json(capsys):
    rc = cli.main(["yield", "--city", "Beijing", "--tilt", "30", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    st = weather.stations().set_index("city_en").loc["Beijing"]
    expect = pv.annual_yield(weather.load_weather(st["file"]), 30.0, 180.0, "open_rack")
    assert out["annual_kwh_per_kwp"] == pytest.approx(expect, abs=0.06)
    assert len(out["monthly_kwh_per_kwp"]) == 12
    assert sum(out["monthly_kwh_per_kwp"]) == pytest.approx(expect, abs=1.0)
    assert out["station"]["file"] == st["file"] and "assumptions" in out


def test_cli_yield_human_and_errors(capsys, tmp_path):
    assert cli.main(["yield", "--city", "苏州", "--tilt", "10", "--mounting", "close_roof"]) == 0
    text = capsys.readouterr().out
    assert "kWh/kWp" in text and "km away" in text and "Dec" in text
    assert cli.main(["yield", "--city", "Beijing", "--tilt", "95"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--tilt" in err[0]
    assert cli.main(["yield", "--lat", "31", "--tilt", "10"]) == 2
    assert "--lat/--lon" in capsys.readouterr().err


def test_cli_own_weather_csv(capsys, tmp_path):
    lat, lon = 31.3, 120.6
    cs = clear_sky_hourly(lat, lon)
    local = pd.date_range("2019-01-01 00:00", periods=8760, freq="h")
    p = tmp_path / "own.csv"
    pd.DataFrame({"time": local.strftime("%Y-%m-%d %H:%M"), "ghi": cs["ghi"], "dhi": cs["dhi"],
                  "temp_air": 15.0}).to_csv(p, index=False)
    assert cli.main(["yield", "--lat", str(lat), "--lon", str(lon), "--weather", str(p), "--tilt", "20",
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    w = weather.load_weather(p, lat_deg=lat, lon_deg=lon)
    assert out["annual_kwh_per_kwp"] == pytest.approx(pv.annual_yield(w, 20, 180, "open_rack"), abs=0.06)
    assert out["station"]["source"] == "CSV"
