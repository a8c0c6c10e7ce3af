"""Site electricity load: sector defaults, synthetic hourly profiles, metered data, and fuel use by end use.

Time grid: every hourly array is the 8760-hour typical (non-leap) year, hour-ending index 0 = 1 Jan
00:00-01:00 local standard time (UTC+8), kW averaged over the hour (= kWh in that hour).

Synthetic profile (``hourly_load_kw``), assumptions:

* Activity levels per hour (1 = full production load). ``one``: weekdays 08-17 (lunch hour 12-13 at 0.7);
  ``two``: weekdays 06-22; ``three``: 24 h on weekdays, 0.5 on weekends; ``continuous``: 24/7.
  Outside these hours the load is the sector's ``base_load_share_closed`` times the operating load
  (security lighting, IT, refrigeration, standby). Public holidays other than Spring Festival and the
  make-up working weekends (调休) are not modelled.
* Spring Festival: the factory is closed (base load only) from Chinese New Year's Eve for
  ``spring_festival_days`` days. In 2023 the official holiday is 21-27 Jan (7 days); the default 10 days
  for ``one``/``two`` adds a 3-day extension (28-30 Jan, reopening on 31 Jan, the 10th day of the lunar
  year, as migrant workers return late); ``three`` closes 5 days (21-25 Jan); ``continuous`` does not
  close. (conventions.md still says the typical-year date 2 Feb: the real 2023 dates are used here.)
* Mild seasonality: the sector's HVAC share of electricity is scaled day by day by a cooling bump peaking
  in late July and a smaller heating bump peaking in mid January (East-China climate), normalised so the
  annual HVAC energy is unchanged. Everything else is flat across the year.
* The profile is scaled so it sums to ``annual_kwh`` (to floating-point rounding).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from pathways import paths
from pathways.paths import MAX_CSV_MB, read_model_file
from pathways.errors import InputError, problem, suggest
from pathways.vocabulary import ELECTRIC_END_USES, FUEL_CARRIERS, FUEL_END_USES, SECTORS, SHIFTS

HOURS = 8760
DAYS = 365
#: Default Spring Festival closure in days per shift pattern (see module docstring).
SPRING_FESTIVAL_DEFAULT_DAYS: dict[str, int] = {"one": 10, "two": 10, "three": 5, "continuous": 0}
#: Chinese New Year (first day of the lunar year); the closure starts the day before (New Year's Eve).
CHINESE_NEW_YEAR: dict[int, str] = {
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13",
    2030: "2030-02-03",
}
_MAX_SPRING_FESTIVAL_DAYS = 40
_CUM_DAYS = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334])  # non-leap day-of-year offsets


# --------------------------------------------------------------------------------------------------
# Sector defaults
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectorDefaults:
    """Default energy profile of one sector (all values from ``data/sectors.csv``; nearly all estimates).

    ``fuel_qty_per_mwh_elec[end_use]`` is the annual fuel quantity in the carrier's own unit
    (Nm3, t, L, kg) per MWh of site electricity; ``fuel_carrier[end_use]`` names the carrier.
    ``base_load_share_closed`` is the closed-hour load as a share of the operating-hour load.
    Ranges are (min, max) per firm, for a park generator. ``digital_maturity_probs`` are the shares of
    firms at maturity levels 1..5.
    """

    sector: str
    elec_shares: dict[str, float]
    fuel_qty_per_mwh_elec: dict[str, float]
    fuel_carrier: dict[str, str]
    elec_intensity_kwh_per_10k_cny_output: float
    default_shifts: str
    base_load_share_closed: float
    roof_area_m2: float
    roof_area_m2_range: tuple[float, float]
    annual_kwh: float
    annual_kwh_range: tuple[float, float]
    budget_cny_per_year: float
    budget_cny_per_year_range: tuple[float, float]
    digital_maturity_probs: tuple[float, float, float, float, float]
    sources: dict[str, str] = field(default_factory=dict, repr=False)
    estimates: frozenset[str] = field(default_factory=frozenset, repr=False)


def _check_sector(sector: object, path: str = "sector") -> str:
    if sector not in SECTORS:
        raise InputError(problem(path, sector, "one of " + ", ".join(SECTORS), suggest(str(sector), SECTORS)))
    return str(sector)


def sectors_file() -> Path:
    """The shipped sector defaults, ``data/sectors.csv``."""
    return paths.DATA_DIR / "sectors.csv"


@lru_cache(maxsize=4)
def read_sector_rows(file: str) -> dict[str, dict[str, tuple[str, str, bool]]]:
    """Rows of sectors.csv as {sector: {parameter: (value, source, is_estimate)}}."""
    p = Path(file)
    if not p.is_file():
        raise InputError(problem(str(p), "missing", "the shipped sector defaults file data/sectors.csv"))
    out: dict[str, dict[str, tuple[str, str, bool]]] = {}
    with p.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        need = {"sector", "parameter", "value", "unit", "year", "source", "is_estimate"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise InputError(problem(f"{p}", reader.fieldnames, "columns " + ", ".join(sorted(need))))
        for i, row in enumerate(reader, start=2):
            if not row["source"] or row["is_estimate"] not in ("true", "false") or not row["unit"]:
                raise InputError(problem(f"{p} row {i}", row, "unit, source and is_estimate true/false"))
            out.setdefault(row["sector"], {})[row["parameter"]] = (
                row["value"], row["source"], row["is_estimate"] == "true")
    return out


def load_sector_defaults(sector: str) -> SectorDefaults:
    """Defaults of one sector from ``data/sectors.csv``; unknown sector -> InputError with suggestions."""
    _check_sector(sector)
    file = sectors_file()
    rows = read_sector_rows(str(file)).get(sector)
    if rows is None:
        raise InputError(problem(f"{file}", sector, "a block of rows for every sector"))

    def num(name: str) -> float:
        if name not in rows:
            raise InputError(problem(f"{file} [{sector}]", name, "a row for this parameter"))
        try:
            return float(rows[name][0])
        except ValueError:
            raise InputError(problem(f"{file} [{sector}].{name}", rows[name][0], "a number")) from None

    def text(name: str, allowed: tuple[str, ...]) -> str:
        value = rows.get(name, ("",))[0]
        if value not in allowed:
            raise InputError(problem(f"{file} [{sector}].{name}", value, "one of " + ", ".join(allowed)))
        return value

    shares = {e: num(f"elec_share_{e}") for e in ELECTRIC_END_USES}
    if abs(sum(shares.values()) - 1.0) > 1e-6:
        raise InputError(problem(f"{file} [{sector}].elec_share_*", sum(shares.values()), "shares summing to 1"))
    probs = tuple(num(f"digital_maturity_p{i}") for i in range(1, 6))
    return SectorDefaults(
        sector=sector,
        elec_shares=shares,
        fuel_qty_per_mwh_elec={e: num(f"fuel_{e}_qty_per_mwh_elec") for e in FUEL_END_USES},
        fuel_carrier={e: text(f"fuel_{e}_carrier", FUEL_CARRIERS) for e in FUEL_END_USES},
        elec_intensity_kwh_per_10k_cny_output=num("elec_intensity_kwh_per_10k_cny_output"),
        default_shifts=text("default_shifts", SHIFTS),
        base_load_share_closed=num("base_load_share_closed"),
        roof_area_m2=num("roof_area_m2"),
        roof_area_m2_range=(num("roof_area_m2_min"), num("roof_area_m2_max")),
        annual_kwh=num("annual_kwh"),
        annual_kwh_range=(num("annual_kwh_min"), num("annual_kwh_max")),
        budget_cny_per_year=num("budget_cny_per_year"),
        budget_cny_per_year_range=(num("budget_cny_per_year_min"), num("budget_cny_per_year_max")),
        digital_maturity_probs=probs,  # type: ignore[arg-type]
        sources={k: v[1] for k, v in rows.items()},
        estimates=frozenset(k for k, v in rows.items() if v[2]),
    )


# --------------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------------
def typical_days(year: int) -> np.ndarray:
    """The 365 dates (datetime64[D]) of ``year`` on the typical-year grid (29 Feb dropped)."""
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    return days[days != np.datetime64(f"{year}-02-29")] if len(days) == 366 else days


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 .. Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def spring_festival_mask(year: int, n_days: int) -> np.ndarray:
    """Boolean (365,) mask of typical-year days closed for Spring Festival: ``n_days`` from New Year's Eve."""
    if year not in CHINESE_NEW_YEAR:
        raise InputError(problem("year", year, f"a year in {min(CHINESE_NEW_YEAR)}-{max(CHINESE_NEW_YEAR)}"))
    days = typical_days(year)
    start = np.datetime64(CHINESE_NEW_YEAR[year]) - np.timedelta64(1, "D")
    return (days >= start) & (days < start + np.timedelta64(int(n_days), "D"))


def hvac_season_weight(n_days: int = DAYS) -> np.ndarray:
    """Daily HVAC weight (mean 1): cooling bump peaking on day 205 (late July), heating bump (0.4x) on day 15."""
    d = np.arange(n_days)
    cool = np.maximum(0.0, np.cos(2 * np.pi * (d - 205) / 365.0))
    heat = np.maximum(0.0, np.cos(2 * np.pi * (d - 15) / 365.0))
    w = 0.4 + 1.2 * cool + 0.5 * heat
    return w / w.mean()


def activity_matrix(shifts: str, base_share: float, workday: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """(365, 24) activity (1 = full operating load, ``base_share`` when closed) for a shift pattern."""
    n = len(workday)
    act = np.full((n, 24), base_share)
    wk = workday[:, None]
    hour = np.arange(24)[None, :]
    if shifts == "one":
        on = wk & (hour >= 8) & (hour < 17)
        act[on] = 1.0
        act[wk[:, 0], 12] = max(0.7, base_share)
    elif shifts == "two":
        act[wk & (hour >= 6) & (hour < 22)] = 1.0
    elif shifts == "three":
        act[:] = max(0.5, base_share)
        act[workday] = 1.0
    else:  # continuous
        act[:] = 1.0
    act[closed] = base_share
    return act


def hourly_load_kw(annual_kwh: float, sector: str, shifts: str | None = None, *,
                   spring_festival_days: int | None = None, year: int = 2023) -> np.ndarray:
    """Synthetic 8760-hour load (kW) of a site; sums to ``annual_kwh``. See the module docstring.

    ``shifts`` defaults to the sector's default pattern; ``spring_festival_days`` to
    ``SPRING_FESTIVAL_DEFAULT_DAYS[shifts]``. ``year`` sets the weekdays and the Spring Festival date.
    """
    problems = []
    if not isinstance(annual_kwh, (int, float, np.floating, np.integer)) or not math.isfinite(annual_kwh) \
            or annual_kwh < 0:
        problems.append(problem("electricity.annual_kwh", annual_kwh, "a finite number >= 0 (kWh per year)"))
    if sector not in SECTORS:
        problems.append(problem("sector", sector, "one of " + ", ".join(SECTORS), suggest(str(sector), SECTORS)))
    if shifts is not None and shifts not in SHIFTS:
        problems.append(problem("electricity.shifts", shifts, "one of " + ", ".join(SHIFTS),
                                suggest(str(shifts), SHIFTS)))
    if spring_festival_days is not None and (
            isinstance(spring_festival_days, bool) or not isinstance(spring_festival_days, (int, np.integer))
            or not 0 <= spring_festival_days <= _MAX_SPRING_FESTIVAL_DAYS):
        problems.append(problem("electricity.spring_festival_shutdown_days", spring_festival_days,
                                f"a whole number of days 0-{_MAX_SPRING_FESTIVAL_DAYS}"))
    if problems:
        raise InputError(problems)
    defaults = load_sector_defaults(sector)
    shifts = shifts or defaults.default_shifts
    n_sf = SPRING_FESTIVAL_DEFAULT_DAYS[shifts] if spring_festival_days is None else int(spring_festival_days)

    days = typical_days(year)
    closed = spring_festival_mask(year, n_sf)
    workday = (weekday(days) < 5) & ~closed
    act = activity_matrix(shifts, defaults.base_load_share_closed, workday, closed)
    hvac = defaults.elec_shares["hvac"]
    season = (1.0 - hvac) + hvac * hvac_season_weight(len(days))
    shape = (act * season[:, None]).ravel()
    return float(annual_kwh) * shape / shape.sum()


# --------------------------------------------------------------------------------------------------
# Metered data
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeteredLoad:
    """Metered load on the 8760 typical-year grid, with a report of the gaps that were filled."""

    load_kw: np.ndarray
    interval_minutes: int
    years: tuple[int, ...]
    n_missing_hours: int
    n_gaps: int
    longest_gap_hours: int
    n_filled_linear: int
    n_filled_hour_of_week: int
    max_linear_gap_h: int

    @property
    def annual_kwh(self) -> float:
        return float(self.load_kw.sum())

    def gap_report(self) -> str:
        """One line for the user."""
        if self.n_missing_hours == 0:
            return "metered load: complete, no gaps"
        return (f"metered load: {self.n_missing_hours} of 8760 hours missing in {self.n_gaps} gaps "
                f"(longest {self.longest_gap_hours} h); {self.n_filled_linear} h filled linearly "
                f"(gaps <= {self.max_linear_gap_h} h), {self.n_filled_hour_of_week} h with the "
                f"same-hour-of-week mean")


_TIME_COLUMNS = ("timestamp", "time", "datetime")


def load_from_csv(path: str | Path, *, max_linear_gap_h: int = 6,
                  field_path: str = "electricity.metered_csv") -> MeteredLoad:
    """Read metered load from a CSV and put it on the 8760 typical-year grid.

    Format: a header row with a time column (``timestamp``, ``time`` or ``datetime``) and one value column,
    ``kw`` (average power over the interval) or ``kwh`` (energy in the interval); names are
    case-insensitive. Timestamps are local standard time (UTC+8; zone-aware stamps are converted) and mark
    the START of each interval, at a regular 15-, 30- or 60-minute step. Empty value cells count as gaps.

    Placement: hourly means of kW are put on the grid by month, day and hour (29 Feb dropped; several
    years averaged slot by slot), so the load keeps the weekdays of the metered year. Gaps (also the part
    of the year not covered) are filled: runs of at most ``max_linear_gap_h`` hours linearly between their
    neighbours (the year wraps around), longer runs with the mean of the same hour of the week over the
    data. Needs at least 4 weeks (672 hours) of data; a short record gives a flat, season-less year.
    """
    import pandas as pd

    import io

    p = Path(path)
    if not p.is_file():
        raise InputError(problem(field_path, str(path), "an existing CSV file"))
    raw = read_model_file(field_path, p, MAX_CSV_MB)      # size-limited before reading
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad file
        raise InputError(problem(field_path, str(path), f"a readable CSV ({type(exc).__name__})")) from None
    # messages name rows and columns, never the file's text (its header or cells)
    cols = {str(c).strip().lower(): c for c in df.columns}
    tcol = next((cols[c] for c in _TIME_COLUMNS if c in cols), None)
    vname = "kw" if "kw" in cols else "kwh" if "kwh" in cols else None
    if tcol is None or vname is None:
        raise InputError(problem(f"{field_path} columns", f"{len(df.columns)} columns of {p.name}",
                                 "a 'timestamp' column and a 'kw' or 'kwh' column"))
    if len(df) == 0:
        raise InputError(problem(field_path, str(path), "at least 4 weeks of rows"))
    raw_t = df[tcol].str.strip()
    raw_v = df[cols[vname]].str.strip()

    t = pd.to_datetime(raw_t, errors="coerce", format="mixed")
    bad = t.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(problem(f"{field_path}[row {i + 2}].{tcol}", "not a date-time",
                                 "a date-time such as 2023-01-01 00:00"))
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None) + pd.Timedelta(hours=8)
    v = pd.to_numeric(raw_v, errors="coerce").to_numpy(dtype=float)
    nonnum = np.isnan(v) & (raw_v != "").to_numpy() | np.isinf(v)
    if nonnum.any():
        i = int(np.argmax(nonnum))
        raise InputError(problem(f"{field_path}[row {i + 2}].{vname}", "not a number", f"a number ({vname})"))
    neg = v < 0
    if neg.any():
        i = int(np.argmax(neg))
        raise InputError(problem(f"{field_path}[row {i + 2}].{vname}", float(v[i]), f"a {vname} value >= 0"))
    dup = t.duplicated().to_numpy()
    if dup.any():
        i = int(np.argmax(dup))
        raise InputError(problem(f"{field_path}[row {i + 2}].{tcol}", str(t.iloc[i]),
                                 "unique timestamps (this one appears twice)"))

    tv = np.sort(t.to_numpy().astype("datetime64[m]"))
    step = int(np.median(np.diff(tv).astype(np.int64))) if len(tv) > 1 else 0
    if step not in (15, 30, 60):
        raise InputError(problem(f"{field_path}.{tcol}", f"{step} min step",
                                 "a regular step of 15, 30 or 60 minutes"))
    kw = v * (60.0 / step) if vname == "kwh" else v

    stamps = t.to_numpy().astype("datetime64[h]")
    ok = ~np.isnan(kw)
    stamps, kw = stamps[ok], kw[ok]
    hours_u, inv = np.unique(stamps, return_inverse=True)
    hourly = np.bincount(inv, weights=kw) / np.bincount(inv)
    dt = pd.DatetimeIndex(hours_u)
    month, day, hod = dt.month.to_numpy(), dt.day.to_numpy(), dt.hour.to_numpy()
    keep = ~((month == 2) & (day == 29))
    slot = (_CUM_DAYS[month[keep] - 1] + day[keep] - 1) * 24 + hod[keep]
    sums = np.bincount(slot, weights=hourly[keep], minlength=HOURS)
    counts = np.bincount(slot, minlength=HOURS)
    n_have = int((counts > 0).sum())
    if n_have < 4 * 168:
        raise InputError(problem(field_path, f"{n_have} hours with data",
                                 "at least 4 weeks (672 hours) of readings"))
    load = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    # hour-of-week means in the data's own calendar; slots get the weekday of the dominant metered year
    how_data = weekday(hours_u.astype("datetime64[D]")) * 24 + (hours_u - hours_u.astype("datetime64[D]")
                                                                 ).astype(np.int64)
    how_sum = np.bincount(how_data, weights=hourly, minlength=168)
    how_cnt = np.bincount(how_data, minlength=168)
    hod_data = how_data % 24
    hod_mean = np.bincount(hod_data, weights=hourly, minlength=24) / np.maximum(
        np.bincount(hod_data, minlength=24), 1)
    how_mean = np.where(how_cnt > 0, how_sum / np.maximum(how_cnt, 1), np.tile(hod_mean, 7))
    years, ycount = np.unique(dt.year.to_numpy(), return_counts=True)
    main_year = int(years[np.argmax(ycount)])
    slot_how = np.repeat(weekday(typical_days(main_year)) * 24, 24) + np.tile(np.arange(24), DAYS)

    filled, n_gaps, longest, n_lin, n_how = _fill_gaps(load, how_mean[slot_how], max_linear_gap_h)
    return MeteredLoad(load_kw=filled, interval_minutes=step, years=tuple(int(y) for y in years),
                       n_missing_hours=int(np.isnan(load).sum()), n_gaps=n_gaps, longest_gap_hours=longest,
                       n_filled_linear=n_lin, n_filled_hour_of_week=n_how, max_linear_gap_h=max_linear_gap_h)


def _fill_gaps(x: np.ndarray, fallback: np.ndarray, max_linear: int) -> tuple[np.ndarray, int, int, int, int]:
    """Fill NaN runs of a cyclic series: linear for runs <= ``max_linear``, ``fallback`` for longer ones.

    Returns (filled, number of runs, longest run, hours filled linearly, hours filled from fallback).
    """
    n = len(x)
    miss = np.isnan(x)
    if not miss.any():
        return x.copy(), 0, 0, 0, 0
    k = int(np.argmax(~miss))                      # rotate so that index 0 holds data
    v = np.roll(x, -k)
    m = np.roll(miss, -k)
    ext = np.append(v, v[0])                       # position n = first value again (cyclic)
    ext_m = np.append(m, False)
    idx = np.arange(n + 1)
    prev = np.maximum.accumulate(np.where(~ext_m, idx, 0))
    nxt = np.minimum.accumulate(np.where(~ext_m, idx, n)[::-1])[::-1]
    run = (nxt - prev - 1)[:n]
    frac = (idx[:n] - prev[:n]) / np.maximum(nxt[:n] - prev[:n], 1)
    lin = ext[prev[:n]] + (ext[nxt[:n]] - ext[prev[:n]]) * frac
    short = m & (run <= max_linear)
    long_ = m & (run > max_linear)
    out = np.where(short, lin, np.where(long_, np.roll(fallback, -k), v))
    starts = m & ~np.roll(m, 1)                    # index 0 holds data, so no run wraps past it
    n_gaps = int(starts.sum())
    longest = int(run[m].max())
    return np.roll(out, k), n_gaps, longest, int(short.sum()), int(long_.sum())


# --------------------------------------------------------------------------------------------------
# Fuel use
# --------------------------------------------------------------------------------------------------
def fuel_use_by_end_use(fuels: list[dict] | None, sector: str, annual_kwh: float
                        ) -> dict[str, dict[str, float]]:
    """Annual fuel quantity by end use and carrier, {end_use: {carrier: quantity in carrier unit}}.

    ``fuels`` is the site's list of ``{carrier, annual_quantity, end_use}`` (quantities of one carrier and
    end use are added up); an empty list means the site burns no fuel. ``None`` uses the sector default,
    ``fuel_qty_per_mwh_elec * annual_kwh / 1000`` with the default carrier of each end use. Every fuel end
    use is a key of the result; zero quantities are left out of the inner dicts.
    """
    _check_sector(sector)
    out: dict[str, dict[str, float]] = {e: {} for e in FUEL_END_USES}
    if fuels is None:
        if not math.isfinite(annual_kwh) or annual_kwh < 0:
            raise InputError(problem("electricity.annual_kwh", annual_kwh, "a finite number >= 0 (kWh per year)"))
        d = load_sector_defaults(sector)
        for e in FUEL_END_USES:
            q = d.fuel_qty_per_mwh_elec[e] * annual_kwh / 1000.0
            if q > 0:
                out[e][d.fuel_carrier[e]] = q
        return out
    problems = []
    for i, f in enumerate(fuels):
        if not isinstance(f, dict):
            problems.append(problem(f"fuels[{i}]", f, "a mapping {carrier, annual_quantity, end_use}"))
            continue
        c, e, q = f.get("carrier"), f.get("end_use"), f.get("annual_quantity")
        bad = False
        if c not in FUEL_CARRIERS:
            problems.append(problem(f"fuels[{i}].carrier", c, "one of " + ", ".join(FUEL_CARRIERS),
                                    suggest(str(c), FUEL_CARRIERS)))
            bad = True
        if e not in FUEL_END_USES:
            problems.append(problem(f"fuels[{i}].end_use", e, "one of " + ", ".join(FUEL_END_USES),
                                    suggest(str(e), FUEL_END_USES)))
            bad = True
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not math.isfinite(q) or q < 0:
            problems.append(problem(f"fuels[{i}].annual_quantity", q, "a finite number >= 0 in the carrier's unit"))
            bad = True
        if not bad and q > 0:
            out[e][c] = out[e].get(c, 0.0) + float(q)
    if problems:
        raise InputError(problems)
    return out
