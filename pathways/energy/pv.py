"""Hourly PV yield per kWp of one roof segment (pvlib, PVWatts-like chain), installable kWp, and ``pathways yield``.

Chain, per hour, with the sun at the interval midpoint (angles from :mod:`pathways.reference.weather`, repaired weather):

1. Transposition: Perez 1990 (``allsitescomposite1990``) split into isotropic, circumsolar and horizon-band parts;
   ground-reflected light with albedo 0.2 (``Weather.albedo``), isotropic view factor. Hours with the sun below
   the horizon at the midpoint but diffuse light left in them (a few, after the time-stamp repair) use the isotropic
   sky model.
2. Reflection (IAM): pvlib ``iam.physical`` (Fresnel + Bouguer, glass n 1.526, K 4/m, L 2 mm, anti-reflective
   coating n 1.3) on the beam and the circumsolar part; the isotropic sky, horizon band and ground parts get
   pvlib's Marion (2017) integration of the same model over their view (``iam.marion_diffuse``).
3. Spectrum: air-mass modifier of De Soto et al. (2006) for crystalline silicon, the SAPM polynomial
   ``f = 0.918093 + 0.086257 AM - 0.024459 AM^2 + 0.002816 AM^3 - 0.000126 AM^4`` of the absolute air mass
   (Kasten-Young 1989 relative air mass x pressure / 101325), as PVWatts v8 uses it.
4. Cell temperature, parameters per mounting in ``data/pv_mounting.csv``, driven by the plane-of-array irradiance
   before reflection losses, dry-bulb temperature and 10 m wind speed. open_rack: SAPM open rack glass/polymer;
   bipv_roof and bipv_facade: SAPM insulated back (King et al. 2004). close_roof: SAM's NOCT model (pvlib
   ``noct_sam``, NOCT 45 degC, 2 in standoff -> +6 K), because BAPV on colour-steel roofs sits on clamps and rails
   5-10 cm above the sheet; SAPM "close roof mount" (little or no gap) runs about 11 K hotter (-4 % energy) and
   would disagree with PVWatts' roof mount (INOCT 49 degC, 2-6 in standoff) by more than the 3 % peer tolerance.
5. DC: PVWatts, ``P_dc = E_eff / 1000 * (1 + gamma (T_cell - 25))`` per kWp, gamma -0.37 %/K (PVWatts v8 standard
   module), times (1 - 14.08 %) system losses (pvlib ``pvwatts_losses`` defaults: soiling 2, shading 3,
   mismatch 2, wiring 2, connections 0.5, LID 1.5, nameplate 1, availability 3 %).
6. AC: PVWatts inverter (pvlib ``inverter.pvwatts``), nominal efficiency 96 %, reference 96.37 %, DC/AC ratio 1.2,
   so AC is clipped at 1/1.2 = 0.833 kW per kWp DC.

No row-to-row shading, snow, degradation or curtailment (applied elsewhere, if at all). Output arrays follow
``docs/conventions.md``: 8760 floats, row 0 = 1 Jan 00:00-01:00 UTC+8, kW per kWp averaged over the hour.

Caches: profiles are kept in memory (dict / ``functools.lru_cache``) and on disk as ``.npy`` under
``pathways.paths.CACHE_DIR / "pv"``, keyed by a hash of the weather file's bytes, the location overrides, tilt,
azimuth, mounting and ``MODEL_VERSION``. Returned arrays are read-only views of the cache: copy before changing.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from pathways import paths
from pathways.paths import MAX_CSV_MB, read_model_file
from pathways.reference.cities import resolve_location
from pathways.errors import InputError, problem, suggest
from pathways.vocabulary import MOUNTINGS
from pathways.reference.weather import HOURS, Weather, clear_cache as clear_weather_cache, load_weather, resolve_path, weather_key

MODEL_VERSION = "pv-1"  # bump whenever the chain changes: it keys the disk cache
LOSSES_PCT = 14.08
DC_AC_RATIO = 1.2
INV_EFF_NOM = 0.96
INV_EFF_REF = 0.9637
GAMMA_PDC_PER_K = -0.0037
IAM_PARAMS = {"n": 1.526, "K": 4.0, "L": 0.002, "n_ar": 1.3}
SPECTRAL_DESOTO = {"A0": 0.918093, "A1": 0.086257, "A2": -0.024459, "A3": 0.002816, "A4": -0.000126}
MAX_PROFILE_KW_PER_KWP = 1.2
_MONTH_START = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30]) * 24


# ---------------------------------------------------------------- data: densities and temperature coefficients

@lru_cache(maxsize=1)
def mounting_table() -> pd.DataFrame:
    """``data/pv_mounting.csv``: columns mounting, parameter, value, unit, year, source, is_estimate."""
    path = paths.DATA_DIR / "pv_mounting.csv"
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from None
    need = {"mounting", "parameter", "value", "unit", "year", "source", "is_estimate"}
    if not need <= set(df.columns):
        raise ValueError(f"{path}: columns {sorted(need - set(df.columns))} missing")
    vals = pd.to_numeric(df["value"], errors="coerce")
    if vals.isna().any():
        i = int(np.flatnonzero(vals.isna().to_numpy())[0])
        raise ValueError(f"{path}: row {i + 2}: value {df['value'].iloc[i]!r} is not a number")
    df["value"] = vals.astype(float)
    for m in MOUNTINGS:
        have = set(df.loc[df["mounting"] == m, "parameter"])
        if "density_wp_per_m2" not in have:
            raise ValueError(f"{path}: no row for mounting {m!r}, parameter 'density_wp_per_m2'")
        if not ({"sapm_a", "sapm_b", "sapm_delta_t_c"} <= have or {"noct_c", "mount_standoff_in",
                                                                    "module_efficiency"} <= have):
            raise ValueError(f"{path}: mounting {m!r} needs sapm_a, sapm_b, sapm_delta_t_c or noct_c, "
                             "mount_standoff_in, module_efficiency")
    return df


def _temp_model(mounting: str) -> tuple[str, dict]:
    """('sapm', {a, b, deltaT}) or ('noct_sam', {noct, module_efficiency, mount_standoff}) for a mounting."""
    df = mounting_table()
    have = set(df.loc[df["mounting"] == mounting, "parameter"])
    if "sapm_a" in have:
        return "sapm", {"a": _param(mounting, "sapm_a"), "b": _param(mounting, "sapm_b"),
                        "deltaT": _param(mounting, "sapm_delta_t_c")}
    return "noct_sam", {"noct": _param(mounting, "noct_c"), "module_efficiency": _param(mounting, "module_efficiency"),
                        "mount_standoff": _param(mounting, "mount_standoff_in")}


def _param(mounting: str, parameter: str) -> float:
    df = mounting_table()
    return float(df.loc[(df["mounting"] == mounting) & (df["parameter"] == parameter), "value"].iloc[0])


def _check_mounting(mounting: str, path: str = "mounting") -> str:
    if mounting not in MOUNTINGS:
        raise InputError(problem(path, mounting, "one of " + ", ".join(MOUNTINGS), suggest(str(mounting), MOUNTINGS)))
    return mounting


def _check_angles(tilt_deg: float, azimuth_deg: float, tilt_path: str = "tilt_deg",
                  azimuth_path: str = "azimuth_deg") -> tuple[float, float]:
    errs = []
    try:
        tilt = float(tilt_deg)
    except (TypeError, ValueError):
        tilt = float("nan")
    try:
        az = float(azimuth_deg)
    except (TypeError, ValueError):
        az = float("nan")
    if not 0.0 <= tilt <= 90.0:
        errs.append(problem(tilt_path, tilt_deg, "0 to 90 degrees (0 = flat, 90 = vertical facade)"))
    if not 0.0 <= az <= 360.0:
        errs.append(problem(azimuth_path, azimuth_deg, "0 to 360 degrees clockwise from north "
                                                                  "(90 east, 180 south, 270 west)"))
    if errs:
        raise InputError(errs)
    return tilt, az % 360.0


def installable_kwp(area_m2: float, usable_fraction: float, mounting: str) -> float:
    """DC kWp that fits on ``area_m2`` x ``usable_fraction`` at the mounting's density (``data/pv_mounting.csv``).

    Densities are per m2 of usable area and already include row spacing (open_rack) or edge losses (flush/BIPV).
    """
    _check_mounting(mounting)
    errs = []
    if not (isinstance(area_m2, (int, float)) and np.isfinite(area_m2) and area_m2 >= 0):
        errs.append(problem("area_m2", area_m2, "a non-negative area in m2"))
    if not (isinstance(usable_fraction, (int, float)) and 0 <= usable_fraction <= 1):
        errs.append(problem("usable_fraction", usable_fraction, "a fraction between 0 and 1"))
    if errs:
        raise InputError(errs)
    return float(area_m2) * float(usable_fraction) * _param(mounting, "density_wp_per_m2") / 1000.0


def assumptions() -> dict:
    """The model's fixed assumptions, for writing next to any result."""
    dens = {m: _param(m, "density_wp_per_m2") for m in MOUNTINGS}
    return {
        "model_version": MODEL_VERSION,
        "chain": "pvlib, PVWatts-like (pvwatts_dc + pvwatts inverter)",
        "transposition": "Perez 1990 allsitescomposite1990, components; albedo 0.2 isotropic ground",
        "iam": "physical (n 1.526, K 4/m, L 2 mm, AR coating n 1.3) on beam+circumsolar; Marion 2017 integration "
               "for sky, horizon and ground diffuse",
        "spectral": "De Soto 2006 c-Si air-mass modifier (SAPM polynomial of absolute air mass)",
        "temperature": "open_rack: SAPM open rack glass/polymer; close_roof: SAM NOCT model (NOCT 45 degC, "
                       "2 in standoff, +6 K); bipv_roof/bipv_facade: SAPM insulated back (King 2004)",
        "gamma_pdc_pct_per_k": GAMMA_PDC_PER_K * 100,
        "system_losses_pct": LOSSES_PCT,
        "dc_ac_ratio": DC_AC_RATIO,
        "inverter_eff_nominal_pct": INV_EFF_NOM * 100,
        "albedo": 0.2,
        "sun_position": "NREL SPA at the midpoint of each hour, refraction-corrected",
        "weather_repair": "CSWD radiation time shift to solar-noon centroid; DNI recomputed from GHI and DHI",
        "density_wp_per_m2": dens,
        "density_is_estimate": True,
        "not_modelled": "row shading, snow, degradation, curtailment, bifacial gain",
    }


# ---------------------------------------------------------------- the chain

_GEOM: dict[str, dict[str, np.ndarray]] = {}
_LOCK = threading.Lock()


def _geometry(w: Weather) -> dict[str, np.ndarray]:
    """Per-weather arrays that do not depend on the array orientation (cached by weather key)."""
    g = _GEOM.get(w.key)
    if g is not None:
        return g
    from pvlib import atmosphere, irradiance

    zen = w.sun_zenith_deg
    with np.errstate(invalid="ignore", divide="ignore"):
        am_rel = np.asarray(atmosphere.get_relative_airmass(np.where(zen < 90, zen, np.nan)), float)
        am_abs = am_rel * w.data["pressure"].to_numpy() / 101325.0
        c = SPECTRAL_DESOTO
        spec = c["A0"] + am_abs * (c["A1"] + am_abs * (c["A2"] + am_abs * (c["A3"] + am_abs * c["A4"])))
    spec = np.where(np.isfinite(spec), np.maximum(spec, 0.0), 0.0)
    doy = np.repeat(np.arange(1, 366), 24)
    g = {"am_rel": am_rel, "spectral": spec, "dni_extra": np.asarray(irradiance.get_extra_radiation(doy), float),
         "ghi": w.data["ghi"].to_numpy(float), "dni": w.data["dni"].to_numpy(float),
         "dhi": w.data["dhi"].to_numpy(float), "temp_air": w.data["temp_air"].to_numpy(float),
         "wind_speed": w.data["wind_speed"].to_numpy(float)}
    with _LOCK:
        _GEOM[w.key] = g
    return g


@lru_cache(maxsize=512)
def _diffuse_iam(tilt_deg: float) -> tuple[float, float, float]:
    """Marion integration of the physical IAM: (sky, horizon, ground)."""
    from pvlib import iam

    d = iam.marion_diffuse("physical", tilt_deg, **IAM_PARAMS)
    return float(d["sky"]), float(d["horizon"]), float(d["ground"])


def simulate(weather: Weather | str | Path, tilt_deg: float, azimuth_deg: float, mounting: str, *,
             diffuse_iam: bool = True) -> dict[str, np.ndarray]:
    """Run the chain once; returns 8760 arrays: poa_global, poa_beam, poa_sky, poa_ground [W/m2], effective
    [W/m2 after IAM and spectrum], temp_cell [degC], dc and ac [kW per kWp DC].

    ``diffuse_iam=False`` applies the IAM to the beam only (as pvlib's ModelChain does); used for peer checks.
    """
    from pvlib import iam, irradiance, inverter, temperature

    _check_mounting(mounting)
    tilt, az = _check_angles(tilt_deg, azimuth_deg)
    w = weather if isinstance(weather, Weather) else load_weather(weather)
    g = _geometry(w)
    zen, sazi = w.sun_zenith_deg, w.sun_azimuth_deg
    dni, dhi, ghi = g["dni"], g["dhi"], g["ghi"]

    aoi = np.asarray(irradiance.aoi(tilt, az, zen, sazi), float)
    cos_aoi = np.cos(np.radians(aoi))
    beam = np.where(zen < 90, dni * np.clip(cos_aoi, 0, None), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        comp = irradiance.perez(tilt, az, dhi, dni, g["dni_extra"], zen, sazi, g["am_rel"], return_components=True)
    iso = np.nan_to_num(np.asarray(comp["poa_isotropic"], float))
    circ = np.nan_to_num(np.asarray(comp["poa_circumsolar"], float))
    hor = np.nan_to_num(np.asarray(comp["poa_horizon"], float))
    night_diffuse = ~np.isfinite(g["am_rel"]) & (dhi > 0)
    iso = np.where(night_diffuse, dhi * (1 + np.cos(np.radians(tilt))) / 2, iso)
    sky = iso + circ + hor
    ground = ghi * w.albedo * (1 - np.cos(np.radians(tilt))) / 2
    poa_global = beam + sky + ground

    iam_beam = np.asarray(iam.physical(np.where(aoi < 90, aoi, 90.0), **IAM_PARAMS), float)
    if diffuse_iam:
        k_sky, k_hor, k_gnd = _diffuse_iam(round(tilt, 3))
        optical = (beam + circ) * iam_beam + iso * k_sky + hor * k_hor + ground * k_gnd
    else:
        optical = beam * iam_beam + sky + ground
    effective = np.clip(optical, 0, None) * g["spectral"]
    effective = np.where(night_diffuse, np.clip(optical, 0, None), effective)  # no air mass: no spectral factor

    model, tp = _temp_model(mounting)
    if model == "sapm":
        temp_cell = temperature.sapm_cell(poa_global, g["temp_air"], g["wind_speed"], tp["a"], tp["b"], tp["deltaT"])
    else:
        temp_cell = temperature.noct_sam(poa_global, g["temp_air"], g["wind_speed"], tp["noct"],
                                         tp["module_efficiency"], mount_standoff=tp["mount_standoff"])
    temp_cell = np.asarray(temp_cell, float)
    dc = effective / 1000.0 * (1.0 + GAMMA_PDC_PER_K * (temp_cell - 25.0)) * (1.0 - LOSSES_PCT / 100.0)
    dc = np.clip(dc, 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        ac = np.asarray(inverter.pvwatts(dc, 1.0 / DC_AC_RATIO / INV_EFF_NOM, INV_EFF_NOM, INV_EFF_REF), float)
    ac = np.clip(np.nan_to_num(ac), 0.0, None)
    return {"poa_global": poa_global, "poa_beam": beam, "poa_sky": sky, "poa_ground": ground,
            "effective": effective, "temp_cell": temp_cell, "dc": dc, "ac": ac}


_PROFILES: dict[tuple, np.ndarray] = {}
_MAX_PROFILES = 1024


def hourly_ac_per_kwp(weather: Weather | str | Path, tilt_deg: float, azimuth_deg: float,
                      mounting: str) -> np.ndarray:
    """AC output [kW per kWp DC] for each of the 8760 hours (read-only array, cached in memory by weather key)."""
    _check_mounting(mounting)
    tilt, az = _check_angles(tilt_deg, azimuth_deg)
    w = weather if isinstance(weather, Weather) else load_weather(weather)
    key = (w.key, round(tilt, 6), round(az, 6), mounting)
    hit = _PROFILES.get(key)
    if hit is None:
        hit = simulate(w, tilt, az, mounting)["ac"]
        hit.setflags(write=False)
        with _LOCK:
            if len(_PROFILES) >= _MAX_PROFILES:  # bounded: about 70 kB per profile
                _PROFILES.clear()
            _PROFILES[key] = hit
    return hit


def monthly_from_hourly(profile: np.ndarray) -> np.ndarray:
    """Sum an 8760 hourly array by calendar month (12 values)."""
    return np.add.reduceat(np.asarray(profile, float), _MONTH_START)


def monthly_kwh_per_kwp(weather: Weather | str | Path, tilt_deg: float, azimuth_deg: float,
                        mounting: str) -> np.ndarray:
    """AC energy [kWh per kWp] of each calendar month (12 values)."""
    return monthly_from_hourly(hourly_ac_per_kwp(weather, tilt_deg, azimuth_deg, mounting))


def annual_yield(weather: Weather | str | Path, tilt_deg: float, azimuth_deg: float, mounting: str) -> float:
    """AC energy [kWh per kWp per year] of the typical year."""
    return float(hourly_ac_per_kwp(weather, tilt_deg, azimuth_deg, mounting).sum())


# ---------------------------------------------------------------- station profiles with the disk cache

def _disk_path(wkey: str, tilt: float, az: float, mounting: str) -> Path:
    h = hashlib.sha256(f"{wkey}|{tilt:.6f}|{az:.6f}|{mounting}|{MODEL_VERSION}".encode()).hexdigest()[:40]
    return paths.CACHE_DIR / "pv" / f"{h}.npy"


def _disk_read(p: Path) -> np.ndarray | None:
    try:
        a = np.load(p, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if a.shape != (HOURS,) or a.dtype != np.float64 or not np.isfinite(a).all():
        return None
    return a


def _disk_write(p: Path, a: np.ndarray) -> None:
    """Atomic write (temp file + rename); a read-only or full cache directory is not an error."""
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, a, allow_pickle=False)
        os.replace(tmp, p)
    except OSError:
        pass


@lru_cache(maxsize=1024)
def _profile_cached(wkey: str, file: str, tilt: float, az: float, mounting: str, lat_deg: float | None,
                    lon_deg: float | None, use_disk: bool) -> np.ndarray:
    p = _disk_path(wkey, tilt, az, mounting)
    a = _disk_read(p) if use_disk else None
    if a is None:
        w = load_weather(file, lat_deg=lat_deg, lon_deg=lon_deg)
        a = np.array(hourly_ac_per_kwp(w, tilt, az, mounting))
        if use_disk:
            _disk_write(p, a)
    a.setflags(write=False)
    return a


def profile_for_station(station_id_or_file: str | Path, tilt_deg: float, azimuth_deg: float, mounting: str, *,
                        lat_deg: float | None = None, lon_deg: float | None = None,
                        use_disk_cache: bool = True) -> np.ndarray:
    """Hourly AC [kW per kWp] for a shipped station (id, file name or city) or a user weather file, using the
    memory cache, then the disk cache, then pvlib. ``lat_deg``/``lon_deg`` locate a user CSV (see weather)."""
    _check_mounting(mounting)
    tilt, az = _check_angles(tilt_deg, azimuth_deg)
    path = resolve_path(station_id_or_file)
    wkey = weather_key(path, lat_deg, lon_deg, None)
    return _profile_cached(wkey, str(path), round(tilt, 6), round(az, 6), mounting, lat_deg, lon_deg,
                           bool(use_disk_cache))


def clear_caches(disk: bool = False) -> None:
    """Empty the in-memory caches (profiles, geometry, loaded weather); with ``disk=True`` also the .npy files."""
    with _LOCK:
        _PROFILES.clear()
        _GEOM.clear()
    _profile_cached.cache_clear()
    _diffuse_iam.cache_clear()
    clear_weather_cache()
    if disk:
        for f in (paths.CACHE_DIR / "pv").glob("*.npy"):
            try:
                f.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------- user production profile

def read_user_profile(path: str | Path, field: str = "pv_profile") -> np.ndarray:
    """A user's own PV production profile: CSV with 8760 hourly values of AC kW per kWp (hour-ending order,
    row 0 = 1 Jan 00:00-01:00 UTC+8). One column, or a column named ``kw_per_kwp``; a header row is optional.
    Values must be finite, >= 0 and <= 1.2 kW/kWp. Returns a float array."""
    import io

    p = Path(path)
    if not p.is_file():
        raise InputError(problem(field, str(path), "an existing CSV file with 8760 values of kW per kWp"))
    raw = read_model_file(field, p, MAX_CSV_MB)             # size-limited before reading
    try:
        df = pd.read_csv(io.BytesIO(raw), header=None, dtype=str, skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(problem(field, str(path), f"a readable CSV ({type(exc).__name__})")) from None
    # messages name rows and columns, never the file's text (its header or cells)
    head = [str(v).strip().lower() for v in df.iloc[0]]
    has_header = pd.to_numeric(pd.Series(df.iloc[0]), errors="coerce").isna().all()
    col = 0
    if has_header:
        if "kw_per_kwp" in head:
            col = head.index("kw_per_kwp")
        elif df.shape[1] > 1:
            raise InputError(problem(f"{field}.columns", f"{len(head)} columns of {p.name}",
                                     "one column, or a column named 'kw_per_kwp'"))
        df = df.iloc[1:]
    elif df.shape[1] > 1:
        raise InputError(problem(f"{field}.columns", df.shape[1], "one column of values (or a 'kw_per_kwp' header)"))
    raw = df.iloc[:, col]
    v = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    if len(v) != HOURS:
        raise InputError(problem(f"{field}.rows", len(v), f"{HOURS} hourly values (a non-leap typical year)"))
    bad = ~np.isfinite(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(problem(f"{field}[{i}]", "not a number", f"a number (kW per kWp); {int(bad.sum())} rows bad"))
    for mask, allowed in ((v < 0, ">= 0 kW per kWp"),
                          (v > MAX_PROFILE_KW_PER_KWP, f"<= {MAX_PROFILE_KW_PER_KWP} kW per kWp "
                                                       "(is it kW of the whole system instead of per kWp?)")):
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise InputError(problem(f"{field}[{i}]", float(v[i]), allowed))
    return v


# ---------------------------------------------------------------- CLI

def run_yield(args) -> int:
    """``pathways yield``: annual and monthly kWh/kWp of one orientation at a city, coordinates or own weather."""
    tilt, az = _check_angles(args.tilt, args.azimuth, "--tilt", "--azimuth")
    mounting = _check_mounting(args.mounting, "--mounting")
    if (args.lat is None) != (args.lon is None):
        raise InputError(problem("--lat/--lon", [args.lat, args.lon], "give both latitude and longitude"))

    loc = resolve_location(name=args.city, lat_deg=args.lat, lon_deg=args.lon)
    if args.weather:
        path = resolve_path(args.weather)
        is_epw = ".epw" in path.name.lower()
        lat_o, lon_o = (None, None) if is_epw else (loc.lat_deg, loc.lon_deg)
        w = load_weather(path, lat_deg=lat_o, lon_deg=lon_o)
        station = {"id": w.station_id, "name": w.name, "file": str(path), "source": w.source,
                   "lat_deg": w.lat_deg, "lon_deg": w.lon_deg, "distance_km": None}
        prof = profile_for_station(path, tilt, az, mounting, lat_deg=lat_o, lon_deg=lon_o)
    else:
        w = load_weather(loc.station_file)
        station = {"id": loc.station_id, "name": w.name, "file": loc.station_file, "source": w.source,
                   "lat_deg": w.lat_deg, "lon_deg": w.lon_deg, "distance_km": round(loc.station_distance_km, 1)}
        prof = profile_for_station(loc.station_file, tilt, az, mounting)
    monthly = monthly_from_hourly(prof)
    annual = float(prof.sum())
    if args.json:
        out = {"annual_kwh_per_kwp": round(annual, 1),
               "monthly_kwh_per_kwp": [round(float(x), 1) for x in monthly],
               "peak_ac_kw_per_kwp": round(float(prof.max()), 4),
               "location": {"name_en": loc.name_en, "name_zh": loc.name_zh, "province": loc.province,
                            "lat_deg": loc.lat_deg, "lon_deg": loc.lon_deg},
               "station": station, "tilt_deg": tilt, "azimuth_deg": az, "mounting": mounting,
               "weather_repair": w.repair, "assumptions": assumptions()}
        print(json.dumps(out, ensure_ascii=False))
        return 0
    dist = f", {station['distance_km']:.0f} km away" if station["distance_km"] is not None else ""
    print(f"PV yield at {loc.name_en} ({loc.name_zh}, {loc.province}), lat {loc.lat_deg:.2f} lon {loc.lon_deg:.2f}")
    print(f"weather: {station['name']} [{station['source']}] {Path(str(station['file'])).name}{dist}; "
          f"time shift {w.repair.get('shift_h', 0):+.2f} h applied")
    print(f"array: tilt {tilt:g} deg, azimuth {az:g} deg, {mounting}; losses {LOSSES_PCT} %, DC/AC {DC_AC_RATIO}, "
          f"inverter {INV_EFF_NOM * 100:g} %")
    print(f"annual: {annual:.0f} kWh/kWp")
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    print("monthly kWh/kWp: " + "  ".join(f"{n} {v:.0f}" for n, v in zip(names, monthly)))
    return 0
