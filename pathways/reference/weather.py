"""Typical-year hourly weather: read the shipped EPW files (or a user's EPW / CSV) and repair known defects.

A :class:`Weather` holds 8760 hourly rows of a typical (non-leap) year. Row ``i`` is hour ``i`` of the year in local
standard time UTC+8 (hour-ending index of ``docs/conventions.md``: row 0 = 1 Jan 00:00-01:00); the DataFrame index
is the *midpoint* of each hour (00:30, 01:30, ...), tz UTC+8, year ``TYPICAL_YEAR``. Columns (all hourly means):

- ``ghi``, ``dni``, ``dhi`` [W/m2] global horizontal, direct normal, diffuse horizontal irradiance
- ``temp_air`` [degC] dry-bulb temperature, ``wind_speed`` [m/s] at 10 m, ``pressure`` [Pa]

Sun angles at the interval midpoints (``sun_zenith_deg`` apparent i.e. refraction-corrected, ``sun_azimuth_deg``)
are computed once (pvlib NREL SPA, numpy) and kept as numpy arrays on the object; the PV chain reuses them.

Repairs (see ``data/weather/README.md``; all applied by :func:`load_weather`):

1. Time stamps. The GHI-weighted daily centroid of the radiation (hour midpoints as clock times) is compared with
   solar noon (12 h + (120 deg E - lon)/15 deg per h - equation of time, Spencer 1971). The offset (annual mean of the
   daily offsets, weighted by daily GHI) is removed by shifting GHI and DHI earlier by that many hours with linear
   interpolation between hourly means (energy-conserving; the year is treated as circular, nights are zero).
   CSWD files are always shifted; other files (SWERA, user files) only when ``|offset| > SHIFT_THRESHOLD_H``
   (0.25 h), i.e. when the file is clearly mis-stamped. Temperature and wind are not shifted.
2. Closure. GHI and DHI are kept as measured (DHI limited to [0, GHI]); DNI is recomputed as
   ``(GHI - DHI) / cos(zenith)`` with the sun at the interval midpoint. Low sun: with the apparent zenith >= 88 deg the
   beam is set to 0 and the whole GHI counted as diffuse; DNI is also capped at 1.1 x the Ineichen clear-sky DNI for a
   very clean atmosphere (Linke turbidity 2) at the site's altitude, and DHI takes the remainder, so GHI is always
   conserved and ``DNI cosZ + DHI = GHI`` holds in every hour with the sun up at the midpoint.
3. Unusable EPW columns (albedo 999, precipitation 999, extraterrestrial 9999) are never read; albedo is the explicit
   ``Weather.albedo`` (0.2 default).

User CSV files (``load_weather("my.csv", lat_deg=.., lon_deg=..)``): a header row, then 8760 hourly rows (8784 with
29 Feb accepted; 29 Feb is dropped). Lines starting with ``#`` before the header may carry metadata
``# lat_deg: 31.3``, ``# lon_deg: 120.6``, ``# elevation_m: 5``, ``# name: my site`` (arguments win). Columns
(case-insensitive; aliases in brackets):

- ``time`` (optional) [timestamp, timestamp, period_start]: start of each hour. Without a UTC offset it is local
  standard time UTC+8; with an offset (e.g. ``2019-01-01T00:00+00:00``) it is converted to UTC+8. Rows are
  re-ordered by (month, day, hour) of the local time, so any year mix (TMY) is fine. Without ``time`` the rows must
  start at 1 Jan 00:00-01:00 local.
- ``ghi`` [W/m2] (required) [ghi_w_m2, g(h)], ``dhi`` [W/m2] (required) [dhi_w_m2, gd(h)],
  ``dni`` [W/m2] (optional, recomputed anyway) [dni_w_m2, gb(n)],
- ``temp_air`` [degC] (required) [temp_air_c, t2m, dry_bulb, temperature],
- ``wind_speed`` [m/s] (optional, default 1.0) [wind_speed_m_s, ws10m, wind],
- ``pressure`` [Pa; values below 2000 are read as hPa] (optional, default from elevation) [pressure_pa, sp].
"""
from __future__ import annotations

import gzip
import hashlib
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pathways import paths
from pathways.errors import InputError, problem, suggest

TYPICAL_YEAR = 2019  # any non-leap year; only used to label the typical year's timestamps
TZ = "Etc/GMT-8"  # UTC+8 (the POSIX sign is inverted)
TZ_OFFSET_H = 8.0
HOURS = 8760
ALBEDO = 0.2
SHIFT_THRESHOLD_H = 0.25
ZENITH_ZERO_DNI_DEG = 88.0
CLEARSKY_LINKE = 2.0
CLEARSKY_TOLERANCE = 1.1
REPAIR_VERSION = "weather-1"  # bump when the repair changes (it keys the PV disk cache)
COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure"]

# Display names where the EPW header name differs from the name used in the README / cities table.
_DISPLAY = {"Chongqing Shapingba": "Chongqing", "Xian": "Xi'an", "Kashi": "Kashgar", "SHENZHEN": "Shenzhen"}


@dataclass(eq=False)
class Weather:
    """Hourly typical-year weather of one place, repaired (see module docstring). Do not mutate a cached object.

    ``key`` identifies the content (sha256 of the file bytes + repair version + location) and keys caches.
    ``repair`` records what was done: ``centroid_offset_h`` measured before, ``shift_h`` applied,
    ``closure_before`` (energy-weighted (DNI cosZ + DHI)/GHI of the file), ``dni_capped_hours``, ``filled_values``.
    """

    data: pd.DataFrame
    lat_deg: float
    lon_deg: float
    elevation_m: float
    name: str
    source: str  # CSWD, SWERA, EPW (other EPW), CSV
    file: str
    key: str
    sun_zenith_deg: np.ndarray = field(repr=False)
    sun_azimuth_deg: np.ndarray = field(repr=False)
    station_id: str | None = None
    albedo: float = ALBEDO
    repair: dict = field(default_factory=dict)


# ---------------------------------------------------------------- calendar helpers

def hour_index() -> pd.DatetimeIndex:
    """Mid-hour timestamps of the typical year (00:30 ... 23:30), tz UTC+8."""
    return pd.date_range(f"{TYPICAL_YEAR}-01-01 00:30", periods=HOURS, freq="h", tz=TZ)


def solar_noon_h(lon_deg: float) -> np.ndarray:
    """Solar noon [h, local standard time UTC+8] for each of the 365 days (equation of time: Spencer 1971)."""
    from pvlib.solarposition import equation_of_time_spencer71

    doy = np.arange(1, 366)
    return 12.0 + (TZ_OFFSET_H * 15.0 - lon_deg) / 15.0 - equation_of_time_spencer71(doy) / 60.0


def centroid_offset_h(ghi: np.ndarray, lon_deg: float) -> float:
    """GHI-weighted daily centroid minus solar noon [h], averaged over the year weighted by daily GHI.

    ``ghi`` is the 8760 hourly series (row i = hour i, value at the hour's midpoint). 0 for a correctly stamped
    hour-ending file; positive when the radiation is stamped late.
    """
    g = np.asarray(ghi, float).reshape(365, 24)
    t_mid = np.arange(24) + 0.5
    daily = g.sum(axis=1)
    ok = daily > 0
    centroid = (g[ok] * t_mid).sum(axis=1) / daily[ok]
    offset = centroid - solar_noon_h(lon_deg)[ok]
    return float(np.average(offset, weights=daily[ok]))


def shift_earlier(x: np.ndarray, hours: float) -> np.ndarray:
    """Move a circular hourly series ``hours`` earlier (fractional, linear interpolation; preserves the sum)."""
    k = int(np.floor(hours))
    f = hours - k
    a = np.roll(x, -k)
    return (1.0 - f) * a + f * np.roll(a, -1)


def closure(ghi, dni, dhi, zenith_deg) -> float:
    """Energy-weighted closure sum(DNI cosZ + DHI) / sum(GHI) over hours with the sun up."""
    cz = np.cos(np.radians(zenith_deg))
    up = (cz > 0) & (ghi > 0)
    return float((dni[up] * cz[up] + dhi[up]).sum() / ghi[up].sum())


# ---------------------------------------------------------------- stations

def _station_files() -> list[Path]:
    return sorted(paths.WEATHER_DIR.glob("*.epw.gz"))


def _location_line(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="latin-1") as fh:
        return fh.readline().strip().split(",")


_STATIONS: pd.DataFrame | None = None


def stations() -> pd.DataFrame:
    """The shipped stations, one row each, from the EPW LOCATION headers in ``data/weather``.

    Columns: station_id (str, WMO number as in the file, e.g. '545110'), city_en, province, file (name in
    data/weather), lat_deg, lon_deg, elevation_m, source (CSWD or SWERA).
    """
    global _STATIONS
    if _STATIONS is None:
        rows = []
        for p in _station_files():
            loc = _location_line(p)
            city = loc[1].strip()
            province = loc[2].strip()
            if province in ("", "-"):  # SWERA header has no province: take it from the file name
                province = p.name.split("_", 1)[1].split(".")[0]
            rows.append({"station_id": loc[5].strip(), "city_en": _DISPLAY.get(city, city.title() if city.isupper()
                                                                              else city),
                         "province": province, "file": p.name, "lat_deg": float(loc[6]), "lon_deg": float(loc[7]),
                         "elevation_m": float(loc[9]), "source": loc[4].strip()})
        _STATIONS = pd.DataFrame(rows)
    return _STATIONS.copy()


_NAMES: dict[str, str] | None = None


def _resolve_station_file(name: str) -> Path | None:
    """A shipped station file from a station_id, file name or city name (case-insensitive), or None."""
    global _NAMES
    if _NAMES is None:
        st = stations()
        names: dict[str, str] = {}
        for col in ("city_en", "file", "station_id"):  # later columns win on a clash
            names.update({str(v).lower(): f for v, f in zip(st[col], st["file"])})
        _NAMES = names
    f = _NAMES.get(str(name).strip().lower())
    return None if f is None else paths.WEATHER_DIR / f


# ---------------------------------------------------------------- readers

_EPW_COLS = {0: "year", 1: "month", 2: "day", 3: "hour", 6: "temp_air", 9: "pressure", 13: "ghi", 14: "dni",
             15: "dhi", 21: "wind_speed"}
_EPW_MISSING = {"temp_air": 99.9, "pressure": 999999.0, "ghi": 9999.0, "dni": 9999.0, "dhi": 9999.0,
                "wind_speed": 999.0}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (gunzipped), at most ``paths.MAX_WEATHER_MB`` MB before and after unpacking."""
    raw = paths.read_model_file("weather", path, paths.MAX_WEATHER_MB)
    if raw[:2] == b"\x1f\x8b":
        limit = paths.MAX_WEATHER_MB * 1024 * 1024
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise InputError(problem("weather", str(path), f"unreadable gzip file ({type(exc).__name__})")) from None
        if len(raw) > limit:
            raise InputError(problem("weather", str(path), f"unpacks to more than the {paths.MAX_WEATHER_MB} MB "
                                     "limit"))
    return raw


def _parse_epw(text: str, path: Path) -> tuple[pd.DataFrame, dict]:
    lines = text.splitlines()
    if not lines or not lines[0].upper().startswith("LOCATION"):
        raise InputError(problem("weather", str(path), "EPW file must start with a LOCATION header line"))
    loc = lines[0].split(",")
    try:
        meta = {"name": loc[1].strip(), "source": loc[4].strip() or "EPW", "station_id": loc[5].strip() or None,
                "lat_deg": float(loc[6]), "lon_deg": float(loc[7]), "tz_h": float(loc[8]),
                "elevation_m": float(loc[9])}
    except (IndexError, ValueError):
        raise InputError(problem("weather", str(path), "EPW LOCATION line needs name,...,lat,lon,tz,elevation"))\
            from None
    start = next((i + 1 for i, ln in enumerate(lines[:20]) if ln.upper().startswith("DATA PERIODS")), 8)
    try:
        df = pd.read_csv(io.StringIO("\n".join(lines[start:])), header=None, usecols=list(_EPW_COLS),
                         names=range(max(_EPW_COLS) + 1), index_col=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(problem("weather", str(path), f"unreadable EPW data rows ({type(exc).__name__})")) from None
    df = df.rename(columns=_EPW_COLS)
    for col, miss in _EPW_MISSING.items():
        df[col] = pd.to_numeric(df[col], errors="coerce")
        df.loc[df[col] >= miss, col] = np.nan
    return df, meta


_CSV_ALIASES = {
    "time": ["time", "timestamp", "period_start", "datetime"],
    "ghi": ["ghi", "ghi_w_m2", "g(h)"], "dni": ["dni", "dni_w_m2", "gb(n)"], "dhi": ["dhi", "dhi_w_m2", "gd(h)"],
    "temp_air": ["temp_air", "temp_air_c", "t2m", "dry_bulb", "temperature"],
    "wind_speed": ["wind_speed", "wind_speed_m_s", "ws10m", "wind"], "pressure": ["pressure", "pressure_pa", "sp"],
}


def _parse_csv(text: str, path: Path) -> tuple[pd.DataFrame, dict]:
    meta: dict = {"name": path.stem, "source": "CSV", "station_id": None}
    lines = text.splitlines()
    body_start = 0
    for i, ln in enumerate(lines):
        if not ln.startswith("#"):
            body_start = i
            break
        m = re.match(r"#\s*(\w+)\s*[:=]\s*(.+)", ln)
        if m:
            k, v = m.group(1).lower(), m.group(2).strip()
            meta[k] = v if k == "name" else _float_or_error(f"weather.{k}", v, path)
    try:
        df = pd.read_csv(io.StringIO("\n".join(lines[body_start:])))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(problem("weather", str(path), f"unreadable CSV ({type(exc).__name__})")) from None
    lower = {str(c).strip().lower(): c for c in df.columns}
    out = pd.DataFrame(index=df.index)
    for col, names in _CSV_ALIASES.items():
        src = next((lower[n] for n in names if n in lower), None)
        if src is not None:
            out[col] = df[src] if col == "time" else pd.to_numeric(df[src], errors="coerce")
    missing = [c for c in ("ghi", "dhi", "temp_air") if c not in out]
    if missing:
        # the header is the file's first line: named by count only, never echoed
        raise InputError(problem("weather.columns", f"{len(df.columns)} columns of {path.name}, none named "
                                 f"{missing[0]}", "a CSV needs columns ghi, dhi, temp_air (optional: time, dni, "
                                 "wind_speed, pressure)"))
    if "time" in out:
        t = pd.to_datetime(out["time"], errors="coerce", utc=False, format="mixed")
        if t.isna().any():
            i = int(np.flatnonzero(t.isna())[0])
            raise InputError(problem(f"weather.time[{i}]", f"row {i + 1} of {path.name}",
                                     "a timestamp like 2019-01-01 00:00"))
        if getattr(t.dt, "tz", None) is not None:
            t = t.dt.tz_convert(TZ)
        out["month"], out["day"], out["hour"] = t.dt.month, t.dt.day, t.dt.hour + 1
    else:
        n = len(out)
        if n in (HOURS, HOURS + 24):
            idx = pd.date_range("2020-01-01" if n == HOURS + 24 else f"{TYPICAL_YEAR}-01-01", periods=n, freq="h")
            out["month"], out["day"], out["hour"] = idx.month, idx.day, idx.hour + 1
    out = out.drop(columns=["time"], errors="ignore")
    if "wind_speed" not in out:
        out["wind_speed"] = 1.0
    if "pressure" not in out:
        out["pressure"] = np.nan
    elif out["pressure"].median() < 2000:  # hPa
        out["pressure"] = out["pressure"] * 100.0
    if "dni" not in out:
        out["dni"] = np.nan
    return out, meta


def _float_or_error(path: str, v, file: Path) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InputError(problem(path, f"a header line of {file.name}", "a number")) from None


def _to_typical_year(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Order rows by (month, day, hour), drop 29 Feb, check that exactly the 8760 hours of a year are present."""
    if not {"month", "day", "hour"} <= set(df.columns):
        raise InputError(problem("weather.rows", len(df), f"{HOURS} hourly rows (or 8784 for a leap year), "
                                 "or a time column"))
    df = df[~((df["month"] == 2) & (df["day"] == 29))]
    if len(df) != HOURS:
        raise InputError(problem("weather.rows", len(df), f"{HOURS} hourly rows (8784 with 29 Feb)"))
    key = (df["month"].astype(int) * 100 + df["day"].astype(int)) * 100 + df["hour"].astype(int)
    if key.duplicated().any():
        i = int(np.flatnonzero(key.duplicated().to_numpy())[0])
        raise InputError(problem(f"weather.rows[{i}]", f"{df['month'].iloc[i]}/{df['day'].iloc[i]} hour "
                                 f"{df['hour'].iloc[i]}", "each hour of the year exactly once"))
    df = df.assign(_k=key.to_numpy()).sort_values("_k")
    expected = hour_index() - pd.Timedelta(minutes=30)
    want = (expected.month * 100 + expected.day) * 100 + expected.hour + 1
    if not np.array_equal(df["_k"].to_numpy(), np.asarray(want)):
        raise InputError(problem("weather.rows", "hours 1-24 of each day", "hour-ending hours 1..24 of every day"))
    return df.drop(columns="_k").reset_index(drop=True)


def _check_values(df: pd.DataFrame, path: Path, filled: dict) -> None:
    """Radiation must be complete and plausible; gaps in temperature / wind / pressure are interpolated."""
    for col in ("ghi", "dhi"):
        v = df[col].to_numpy(float)
        bad = ~np.isfinite(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(problem(f"weather.{col}[{i}]", df[col].iloc[i], f"a value in W/m2 for every hour "
                                     f"({int(bad.sum())} missing in {path.name})"))
        if (v < -10).any() or (v > 1500).any():
            i = int(np.flatnonzero((v < -10) | (v > 1500))[0])
            raise InputError(problem(f"weather.{col}[{i}]", float(v[i]), "0-1500 W/m2"))
        df[col] = np.clip(v, 0.0, None)
    limits = {"temp_air": (-60.0, 60.0, "degC"), "wind_speed": (0.0, 75.0, "m/s"), "pressure": (4e4, 1.1e5, "Pa")}
    for col, (lo, hi, unit) in limits.items():
        v = df[col].to_numpy(float)
        bad = np.isfinite(v) & ((v < lo) | (v > hi))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(problem(f"weather.{col}[{i}]", float(v[i]), f"{lo:g} to {hi:g} {unit}"))
        n = int(np.isnan(v).sum())
        if n and col != "pressure":
            if n > HOURS // 2:
                raise InputError(problem(f"weather.{col}", f"{n} missing", "at most half the hours missing"))
            df[col] = pd.Series(v).interpolate(limit_direction="both").to_numpy()
            filled[col] = n


# ---------------------------------------------------------------- repair

def _sun(index: pd.DatetimeIndex, lat: float, lon: float, elev: float, pressure: np.ndarray,
         temp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pvlib import spa

    unixtime = index.as_unit("ns").asi8 / 1e9
    delta_t = spa.calculate_deltat(TYPICAL_YEAR, 6)
    app_zen, _, _, _, azimuth, _ = spa.solar_position_numpy(
        unixtime, lat, lon, elev, pressure / 100.0, temp, delta_t, 0.5667, numthreads=1, sst=False, esd=False)
    return np.asarray(app_zen, float), np.asarray(azimuth, float)


def _clearsky_dni(zen: np.ndarray, pressure: np.ndarray, elev: float, doy: np.ndarray) -> np.ndarray:
    from pvlib import atmosphere, clearsky, irradiance

    am_rel = atmosphere.get_relative_airmass(np.where(zen < 90, zen, np.nan))
    am_abs = atmosphere.get_absolute_airmass(am_rel, pressure)
    with np.errstate(divide="ignore", invalid="ignore"):
        cs = clearsky.ineichen(zen, am_abs, CLEARSKY_LINKE, altitude=elev,
                               dni_extra=irradiance.get_extra_radiation(doy))
    return np.nan_to_num(np.asarray(cs["dni"], float))


def repair(df: pd.DataFrame, lat: float, lon: float, elev: float, source: str) -> tuple[pd.DataFrame, np.ndarray,
                                                                                          np.ndarray, dict]:
    """Apply the time-stamp and closure repairs to 8760 ordered rows. Returns (data, zenith, azimuth, info)."""
    from pvlib import atmosphere

    idx = hour_index()
    pressure = df["pressure"].to_numpy(float)
    if np.isnan(pressure).all():
        pressure = np.full(HOURS, atmosphere.alt2pres(elev))
    else:
        pressure = pd.Series(pressure).interpolate(limit_direction="both").to_numpy()
    temp = df["temp_air"].to_numpy(float)
    zen, azi = _sun(idx, lat, lon, elev, pressure, temp)

    ghi = df["ghi"].to_numpy(float)
    dhi = np.minimum(df["dhi"].to_numpy(float), ghi)
    dni_raw = df["dni"].to_numpy(float)
    info: dict = {}
    if np.isfinite(dni_raw).all() and ghi.sum() > 0:
        info["closure_before"] = round(closure(ghi, dni_raw, dhi, zen), 4)
    offset = centroid_offset_h(ghi, lon) if ghi.sum() > 0 else 0.0
    shift = offset if (source == "CSWD" or abs(offset) > SHIFT_THRESHOLD_H) else 0.0
    info["centroid_offset_h"] = round(offset, 3)
    info["shift_h"] = round(shift, 3)
    if shift:
        ghi = shift_earlier(ghi, shift)
        dhi = np.minimum(shift_earlier(dhi, shift), ghi)

    cz = np.cos(np.radians(zen))
    beam_ok = zen < ZENITH_ZERO_DNI_DEG
    dni = np.where(beam_ok, (ghi - dhi) / np.where(beam_ok, cz, 1.0), 0.0)
    cap = CLEARSKY_TOLERANCE * _clearsky_dni(zen, pressure, elev, idx.day_of_year.to_numpy())
    capped = dni > cap
    info["dni_capped_hours"] = int(capped.sum())
    beam_h = np.clip(dni * cz, 0, None)
    info["dni_cap_beam_moved_to_diffuse"] = round(float(((dni - cap) * cz)[capped].sum() / max(beam_h.sum(), 1e-9)), 4)
    dni = np.clip(np.minimum(dni, cap), 0.0, None)
    dhi = np.where(cz > 0, np.clip(ghi - dni * np.clip(cz, 0, None), 0.0, None), ghi)
    out = pd.DataFrame({"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": temp,
                        "wind_speed": df["wind_speed"].to_numpy(float), "pressure": pressure}, index=idx)
    return out, zen, azi, info


# ---------------------------------------------------------------- public loader

_CACHE: dict[str, Weather] = {}
_LOCK = threading.Lock()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, cached by (path, size, mtime)."""
    st = path.stat()
    k = (str(path), st.st_size, st.st_mtime_ns)
    h = _DIGESTS.get(k)
    if h is None:
        h = hashlib.sha256(path.read_bytes()).hexdigest()
        _DIGESTS[k] = h
    return h


_DIGESTS: dict[tuple, str] = {}


def resolve_path(station_or_path: str | Path) -> Path:
    """The file for a station id / station file name / station city name, or an existing user path."""
    p = Path(station_or_path)
    if p.is_file():
        return p
    hit = _resolve_station_file(str(station_or_path))
    if hit is not None:
        return hit
    st = stations()
    raise InputError(problem("weather", str(station_or_path), "an existing EPW/CSV file, or a station id, file or "
                             "city of data/weather", suggest(str(station_or_path),
                                                             list(st["city_en"]) + list(st["station_id"]))))


def weather_key(path: Path, lat_deg: float | None = None, lon_deg: float | None = None,
                elevation_m: float | None = None) -> str:
    """Content key of a weather file (sha256 of its bytes + overrides + repair version)."""
    extra = f"|{lat_deg}|{lon_deg}|{elevation_m}|{REPAIR_VERSION}"
    return hashlib.sha256((file_digest(path) + extra).encode()).hexdigest()[:32]


def load_weather(station_or_path: str | Path, lat_deg: float | None = None, lon_deg: float | None = None,
                 elevation_m: float | None = None) -> Weather:
    """Load and repair a shipped station (id, file name or city, e.g. ``'Beijing'``) or a user EPW / CSV file.

    ``lat_deg``/``lon_deg``/``elevation_m`` override (EPW) or supply (CSV) the location; a CSV without them raises
    InputError. Results are cached in memory by file content; treat the returned object as read-only.
    """
    path = resolve_path(station_or_path)
    key = weather_key(path, lat_deg, lon_deg, elevation_m)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    raw = _read_bytes(path)
    text = raw.decode("utf-8-sig", errors="replace")
    is_epw = text[:8].upper().startswith("LOCATION") or ".epw" in path.name.lower()
    df, meta = (_parse_epw if is_epw else _parse_csv)(text, path)
    for k, v in (("lat_deg", lat_deg), ("lon_deg", lon_deg), ("elevation_m", elevation_m)):
        if v is not None:
            meta[k] = float(v)
    for k in ("lat_deg", "lon_deg"):
        if k not in meta:
            raise InputError(problem(f"weather.{k}", None, f"{k} for {path.name}: pass --lat/--lon (or --city) or "
                                     f"a '# {k}: value' line at the top of the CSV"))
    lat, lon = float(meta["lat_deg"]), float(meta["lon_deg"])
    if not -90 <= lat <= 90:
        raise InputError(problem("weather.lat_deg", lat, "-90 to 90 degrees"))
    if not -180 <= lon <= 360:
        raise InputError(problem("weather.lon_deg", lon, "-180 to 180 degrees"))
    if is_epw and abs(meta.get("tz_h", TZ_OFFSET_H) - TZ_OFFSET_H) > 1e-6:
        raise InputError(problem("weather.time_zone", meta["tz_h"], "an EPW in UTC+8 (China standard time)"))
    elev = float(meta.get("elevation_m", 0.0))
    df = _to_typical_year(df, path)
    filled: dict = {}
    _check_values(df, path, filled)
    data, zen, azi, info = repair(df, lat, lon, elev, str(meta["source"]).upper())
    info["filled_values"] = filled
    data.flags.allows_duplicate_labels = False
    w = Weather(data=data, lat_deg=lat, lon_deg=lon, elevation_m=elev, name=str(meta.get("name") or path.stem),
                source=str(meta["source"]).upper(), file=str(path), key=key, sun_zenith_deg=zen,
                sun_azimuth_deg=azi, station_id=meta.get("station_id") if path.parent == paths.WEATHER_DIR else None,
                repair=info)
    for a in (w.sun_zenith_deg, w.sun_azimuth_deg):
        a.setflags(write=False)
    with _LOCK:
        _CACHE[key] = w
    return w


def clear_cache() -> None:
    """Forget loaded weather (memory only)."""
    with _LOCK:
        _CACHE.clear()
        _DIGESTS.clear()
