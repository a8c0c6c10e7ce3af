"""Cities and weather stations: resolve a city name or coordinates to a province and the nearest weather station.

Data: ``data/cities.csv`` (city-centre coordinates, GeoNames/Wikipedia, rounded to 0.01 deg, about 1 km) and
``data/stations.csv`` (the 24 typical-year weather stations, read from the EPW LOCATION headers in
``data/weather/``); both are built by ``scripts/build_cities.py``.

Assumptions:
- Distances are great-circle (haversine) on a sphere of mean Earth radius 6371.0088 km; the error against the
  WGS84 ellipsoid (< 0.5 %) is irrelevant for choosing a weather station.
- A point given by coordinates takes the province of the nearest listed city. Near a provincial border this can be
  the neighbouring province; pass ``province`` explicitly in the site file when that matters (grid factor, tariff).
- "Inside China" is the bounding box lat 18-54 deg N, lon 73-135 deg E (includes some neighbouring countries).
- Weather of the nearest station can be several hundred km away (e.g. Dalian, Nanning, Haikou); the distance is
  returned so callers can warn.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from pathways import paths
from pathways.errors import InputError, problem, suggest

EARTH_RADIUS_KM = 6371.0088
CHINA_LAT_DEG = (18.0, 54.0)
CHINA_LON_DEG = (73.0, 135.0)

_CITY_COLUMNS = ["city_id", "name_en", "name_zh", "province", "province_zh", "lat_deg", "lon_deg", "station_id",
                 "station_file", "station_distance_km", "coord_source", "aliases"]
_STATION_COLUMNS = ["station_id", "station_file", "station_name", "source_dataset", "lat_deg", "lon_deg",
                    "tz_hours", "elevation_m", "source"]


@dataclass(frozen=True)
class Location:
    """A resolved site location.

    ``name_en``/``name_zh``/``province`` are those of the named city, or of the nearest listed city when the
    location was given by coordinates (then ``city_distance_km`` > 0). ``station_*`` is the nearest of the 24
    weather stations to (``lat_deg``, ``lon_deg``).
    """

    name_en: str
    name_zh: str
    province: str
    lat_deg: float
    lon_deg: float
    station_id: str
    station_file: str
    station_distance_km: float
    city_id: str = ""
    city_distance_km: float = 0.0


def haversine_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Great-circle distance in km between points (numpy broadcasting, degrees in)."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dlon = np.radians(np.asarray(lon2_deg, dtype=float) - np.asarray(lon1_deg, dtype=float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _read_csv(name: str, columns: list[str]) -> pd.DataFrame:
    path = paths.DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing data file (rebuild with scripts/build_cities.py)")
    df = pd.read_csv(path, dtype={"station_id": str}, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    for col in ("lat_deg", "lon_deg"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() | ~num.between(-180, 180)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{path}: row {i + 2}: {col}={df[col].iloc[i]!r} is not a coordinate in degrees")
        df[col] = num.astype(float)
    return df


@lru_cache(maxsize=1)
def load_stations() -> pd.DataFrame:
    """The 24 weather stations: station_id (str, e.g. '583620'), station_file, lat_deg, lon_deg, elevation_m, ..."""
    return _read_csv("stations.csv", _STATION_COLUMNS)


@lru_cache(maxsize=1)
def load_cities() -> pd.DataFrame:
    """All listed cities (see module docstring); ``station_id`` is a string, ``aliases`` ';'-separated."""
    df = _read_csv("cities.csv", _CITY_COLUMNS)
    df["station_distance_km"] = pd.to_numeric(df["station_distance_km"], errors="raise").astype(float)
    known = set(load_stations()["station_id"])
    unknown = ~df["station_id"].isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise ValueError(f"{paths.DATA_DIR / 'cities.csv'}: row {i + 2}: station_id {df['station_id'].iloc[i]!r} "
                         "is not in stations.csv")
    return df


def list_cities() -> pd.DataFrame:
    """A copy of the city table (safe to modify)."""
    return load_cities().copy()


def _norm(name: str) -> str:
    """Lower-case, drop spaces/apostrophes/hyphens and the suffixes 'city', 'shi' and 市."""
    s = str(name).strip().lower()
    s = re.sub(r"[\s'’\-_.]", "", s)
    s = s.removesuffix("市")
    s = s.removesuffix("city")
    return s


@lru_cache(maxsize=1)
def _name_index() -> dict[str, int]:
    """Normalised name (English, Chinese, aliases) -> row position in load_cities()."""
    df = load_cities()
    index: dict[str, int] = {}
    for i, (en, zh, aliases) in enumerate(zip(df["name_en"], df["name_zh"], df["aliases"])):
        names = [en, zh] + [a for a in str(aliases).split(";") if a.strip()]
        for n in names:
            index.setdefault(_norm(n), i)
    return index


def _lookup(name: str) -> int | None:
    index = _name_index()
    key = _norm(name)
    if key in index:
        return index[key]
    if key.endswith("shi") and key[:-3] in index:  # "Suzhoushi", "Suzhou Shi"
        return index[key[:-3]]
    return None


def _nearest_station(lat: float, lon: float) -> tuple[str, str, float]:
    st = load_stations()
    d = haversine_km(lat, lon, st["lat_deg"].to_numpy(), st["lon_deg"].to_numpy())
    k = int(np.argmin(d))
    return str(st["station_id"].iloc[k]), str(st["station_file"].iloc[k]), float(d[k])


def _check_coords(lat_deg, lon_deg) -> list[str]:
    errs = []
    for field, v, (lo, hi) in (("location.lat_deg", lat_deg, CHINA_LAT_DEG), ("location.lon_deg", lon_deg,
                                                                                CHINA_LON_DEG)):
        ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        if not ok or not math.isfinite(float(v)) or not lo <= float(v) <= hi:
            errs.append(problem(field, v, f"a number of degrees within China's bounding box, {lo:g} to {hi:g}"))
    return errs


MAX_CITY_DISTANCE_KM = 400.0   # city and coordinates both given: farther apart is a mistake (the largest listed city
                               # area, Chongqing municipality, reaches ~360 km east of its centre at 106.5 E, 29.6 N)


def resolve_location(name: str | None = None, lat_deg: float | None = None,
                     lon_deg: float | None = None) -> Location:
    """Resolve a city name (English any case, with/without 'shi'/' City'; or Chinese with/without 市) and/or
    coordinates to a :class:`Location`.

    - name only: the city's centre coordinates, province and nearest station.
    - coordinates only: the nearest listed city's names and province, the nearest station to the point.
    - both: the named city's names and province, with the given coordinates (site location overrides the city
      centre, as in the site file) and the station nearest to them.
    Raises InputError for an unknown name (field ``city``, with suggestions in both languages), for only one of
    lat/lon, for coordinates that are not numbers within China's bounding box, or for a city and coordinates more
    than ``MAX_CITY_DISTANCE_KM`` apart (field ``location``).
    """
    have_coords = lat_deg is not None or lon_deg is not None
    if name is None and not have_coords:
        raise InputError(problem("city", None, "a city name (e.g. Suzhou or 苏州) or location lat_deg/lon_deg"))
    if have_coords:
        if lat_deg is None or lon_deg is None:
            missing = "location.lat_deg" if lat_deg is None else "location.lon_deg"
            raise InputError(problem(missing, None, "give both lat_deg and lon_deg"))
        errs = _check_coords(lat_deg, lon_deg)
        if errs:
            raise InputError(errs)
    cities = load_cities()
    if name is not None:
        i = _lookup(name)
        if i is None:
            raise InputError(problem("city", name, f"one of {len(cities)} listed cities (English or Chinese); "
                                     "or give location lat_deg/lon_deg", _suggest_names(name)))
        row = cities.iloc[i]
        city_dist = 0.0
        if have_coords:
            lat, lon = float(lat_deg), float(lon_deg)
            city_dist = float(haversine_km(lat, lon, row["lat_deg"], row["lon_deg"]))
            if city_dist > MAX_CITY_DISTANCE_KM:
                raise InputError(problem("location", {"lat_deg": lat, "lon_deg": lon},
                                         f"{city_dist:,.0f} km from the centre of {row['name_en']}; a site given "
                                         f"with both city and location must lie within {MAX_CITY_DISTANCE_KM:.0f} "
                                         "km of the city's centre: fix one of them or leave the city out"))
        else:
            lat, lon = float(row["lat_deg"]), float(row["lon_deg"])
    else:
        lat, lon = float(lat_deg), float(lon_deg)
        d = haversine_km(lat, lon, cities["lat_deg"].to_numpy(), cities["lon_deg"].to_numpy())
        i = int(np.argmin(d))
        row, city_dist = cities.iloc[i], float(d[i])
    sid, sfile, sdist = _nearest_station(lat, lon)
    return Location(name_en=str(row["name_en"]), name_zh=str(row["name_zh"]), province=str(row["province"]),
                    lat_deg=lat, lon_deg=lon, station_id=sid, station_file=sfile, station_distance_km=sdist,
                    city_id=str(row["city_id"]), city_distance_km=city_dist)


def _suggest_names(name: str) -> list[str]:
    """Up to 3 'did you mean' names shown as 'English (中文)'."""
    df = load_cities()
    label = {}
    for en, zh in zip(df["name_en"], df["name_zh"]):
        label[en] = label[zh] = f"{en} ({zh})"
    raw = str(name).strip()
    cand = suggest(raw, list(label), n=6)
    if not cand:  # try without suffixes
        cand = suggest(_norm(raw), list(label), n=6)
    out: list[str] = []
    for c in cand:
        if label[c] not in out:
            out.append(label[c])
    return out[:3]
