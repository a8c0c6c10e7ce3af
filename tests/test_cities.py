"""Cities and stations: lookups, suggestions, nearest station vs brute force, distances vs independent formulas."""
from __future__ import annotations

import gzip
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways import paths
from pathways.reference import cities
from pathways.errors import InputError

R_KM = 6371.0088


def hav_scalar(lat1, lon1, lat2, lon2):
    """Independent scalar haversine (math module, no numpy)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * R_KM * math.asin(math.sqrt(a))


def vincenty_sphere(lat1, lon1, lat2, lon2):
    """Central angle by the spherical Vincenty (atan2) formula: a different closed form."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    num = math.hypot(math.cos(p2) * math.sin(dl),
                     math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl))
    den = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return R_KM * math.atan2(num, den)


def epw_stations():
    """Station id -> (lat, lon, file) read straight from the EPW headers (independent of stations.csv)."""
    out = {}
    for f in sorted(paths.WEATHER_DIR.glob("*.epw.gz")):
        with gzip.open(f, "rt", encoding="latin-1") as fh:
            head = fh.readline().split(",")
        sid = re.search(r"\.(\d{6})_", f.name).group(1)
        out[sid] = (float(head[6]), float(head[7]), f.name)
    return out


STATIONS = epw_stations()


def brute_nearest(lat, lon):
    return min(STATIONS.items(), key=lambda kv: hav_scalar(lat, lon, kv[1][0], kv[1][1]))


def test_24_stations_match_epw_headers():
    st_df = cities.load_stations()
    assert len(STATIONS) == 24 and len(st_df) == 24
    for sid, lat, lon, f in zip(st_df.station_id, st_df.lat_deg, st_df.lon_deg, st_df.station_file):
        assert STATIONS[sid] == (lat, lon, f)


def test_city_table_shape_and_provinces():
    df = cities.list_cities()
    assert len(df) >= 24 + 30
    assert df.city_id.is_unique and df.name_zh.is_unique
    prov = set(__import__("pandas").read_csv(paths.DATA_DIR / "province_regions.csv").province)
    assert set(df.province) <= prov
    assert (df.lat_deg.between(18, 54) & df.lon_deg.between(73, 135)).all()
    assert (df.coord_source.str.len() > 0).all()
    for name in ["Suzhou", "Wuxi", "Ningbo", "Dongguan", "Foshan", "Qingdao", "Xiamen", "Tianjin", "Tangshan",
                 "Dalian", "Shenyang", "Guiyang", "Nanning", "Taiyuan", "Changchun"]:
        assert name in set(df.name_en), name


def test_station_columns_recomputed_independently():
    df = cities.load_cities()
    for lat, lon, sid, sfile, dist in zip(df.lat_deg, df.lon_deg, df.station_id, df.station_file,
                                          df.station_distance_km):
        best_id, (slat, slon, f) = brute_nearest(lat, lon)
        assert sid == best_id and sfile == f
        assert dist == pytest.approx(vincenty_sphere(lat, lon, slat, slon), abs=0.051)  # CSV rounds to 0.1 km


def test_each_weather_city_uses_its_own_station():
    df = cities.load_cities().set_index("name_en")
    own = {"Shanghai": "583620", "Nanjing": "582380", "Hangzhou": "584570", "Guangzhou": "592870",
           "Shenzhen": "594930", "Beijing": "545110", "Kashgar": "517090", "Chongqing": "575160",
           "Xi'an": "570360", "Lhasa": "555910", "Golmud": "528180", "Urumqi": "514630"}
    for name, sid in own.items():
        assert df.loc[name, "station_id"] == sid, name


def test_haversine_known_distance():
    # Beijing (39.9042, 116.4074) - Shanghai (31.2304, 121.4737): about 1067 km great-circle
    d = float(cities.haversine_km(39.9042, 116.4074, 31.2304, 121.4737))
    assert d == pytest.approx(vincenty_sphere(39.9042, 116.4074, 31.2304, 121.4737), rel=1e-9)
    assert 1060 < d < 1075


@pytest.mark.parametrize("name", ["Suzhou", "suzhou", "SUZHOU", "Suzhou City", "suzhou shi", "Suzhoushi",
                                  "苏州", "苏州市", "  Suzhou  "])
def test_name_variants(name):
    loc = cities.resolve_location(name)
    assert (loc.name_en, loc.name_zh, loc.province) == ("Suzhou", "苏州", "Jiangsu")
    assert loc.station_id == "583620" and loc.station_distance_km > 50


@pytest.mark.parametrize("name,en,prov", [("Xian", "Xi'an", "Shaanxi"), ("xi'an", "Xi'an", "Shaanxi"),
                                          ("西安市", "Xi'an", "Shaanxi"), ("Kashi", "Kashgar", "Xinjiang"),
                                          ("台州", "Taizhou", "Zhejiang"), ("泰州", "Taizhou (Jiangsu)", "Jiangsu"),
                                          ("Shijiazhuang", "Shijiazhuang", "Hebei"),
                                          ("Hohhot", "Hohhot", "Inner Mongolia")])
def test_aliases(name, en, prov):
    loc = cities.resolve_location(name)
    assert loc.name_en == en and loc.province == prov


def test_misspelt_name_suggests_both_languages():
    with pytest.raises(InputError) as exc:
        cities.resolve_location("Suzhuo")
    line = str(exc.value)
    assert line.startswith("city: 'Suzhuo'") and "Suzhou (苏州)" in line
    assert len(exc.value.problems) == 1
    with pytest.raises(InputError) as exc:
        cities.resolve_location("苏洲")
    assert "Suzhou (苏州)" in str(exc.value)


def test_unknown_name_without_close_match_still_one_line():
    with pytest.raises(InputError) as exc:
        cities.resolve_location("Atlantis")
    assert len(exc.value.problems) == 1 and exc.value.problems[0].startswith("city: 'Atlantis'")


@pytest.mark.parametrize("lat,lon,field", [(60.0, 120.0, "location.lat_deg"), (30.0, 60.0, "location.lon_deg"),
                                           (float("nan"), 120.0, "location.lat_deg"),
                                           (30.0, float("inf"), "location.lon_deg"),
                                           ("31", 120.0, "location.lat_deg"), (True, 120.0, "location.lat_deg"),
                                           (-31.0, 120.0, "location.lat_deg")])
def test_bad_coordinates(lat, lon, field):
    with pytest.raises(InputError) as exc:
        cities.resolve_location(lat_deg=lat, lon_deg=lon)
    assert exc.value.problems[0].startswith(field)


def test_half_coordinates_and_nothing():
    with pytest.raises(InputError, match="location.lon_deg"):
        cities.resolve_location(lat_deg=31.0)
    with pytest.raises(InputError, match="city"):
        cities.resolve_location()


def test_coordinates_give_nearest_city_province_and_station():
    loc = cities.resolve_location(lat_deg=31.31, lon_deg=120.60)   # Suzhou industrial park area
    assert loc.name_en == "Suzhou" and loc.province == "Jiangsu" and loc.city_distance_km < 5
    sid, (slat, slon, _) = brute_nearest(31.31, 120.60)
    assert loc.station_id == sid
    assert loc.station_distance_km == pytest.approx(hav_scalar(31.31, 120.60, slat, slon), rel=1e-9)


def test_name_and_coordinates_keep_name_use_coordinates():
    loc = cities.resolve_location("Suzhou", lat_deg=31.30, lon_deg=120.62)
    assert loc.name_en == "Suzhou" and (loc.lat_deg, loc.lon_deg) == (31.30, 120.62)
    assert loc.city_distance_km == pytest.approx(hav_scalar(31.30, 120.62, 31.30, 120.58), rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(lat=st.floats(18.0, 54.0), lon=st.floats(73.0, 135.0))
def test_random_points_in_china_always_get_the_brute_force_station(lat, lon):
    loc = cities.resolve_location(lat_deg=lat, lon_deg=lon)
    sid, (slat, slon, f) = brute_nearest(lat, lon)
    d_best = hav_scalar(lat, lon, slat, slon)
    d_got = hav_scalar(lat, lon, *STATIONS[loc.station_id][:2])
    assert d_got == pytest.approx(d_best, abs=1e-6)      # ties may pick either
    assert loc.station_distance_km == pytest.approx(d_best, abs=1e-6)
    assert (paths.WEATHER_DIR / loc.station_file).exists()
    df = cities.load_cities()
    d_city = min(hav_scalar(lat, lon, a, b) for a, b in zip(df.lat_deg, df.lon_deg))
    assert loc.city_distance_km == pytest.approx(d_city, abs=1e-6)


def test_malformed_city_file_names_file_and_row(tmp_path, monkeypatch):
    src = (paths.DATA_DIR / "cities.csv").read_text(encoding="utf-8").splitlines()
    parts = src[3].split(",")
    parts[5] = "north"
    src[3] = ",".join(parts)
    (tmp_path / "cities.csv").write_text("\n".join(src), encoding="utf-8")
    (tmp_path / "stations.csv").write_text((paths.DATA_DIR / "stations.csv").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    cities.load_cities.cache_clear()
    cities.load_stations.cache_clear()
    cities._name_index.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"cities\.csv: row 4: lat_deg='north'"):
            cities.load_cities()
    finally:
        monkeypatch.undo()
        cities.load_cities.cache_clear()
        cities.load_stations.cache_clear()
        cities._name_index.cache_clear()
