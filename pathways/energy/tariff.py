"""Chinese commercial & industrial electricity tariffs as hourly price arrays.

``build_tariff(province, ...)`` turns the provincial time-of-use (TOU) rules in ``data/tariffs/`` into
8760-hour arrays (typical non-leap year, hour-ending index 0 = 1 Jan 00:00-01:00 local time, day-of-week
and holiday calendar of 2023, which starts on a Sunday). Money is CNY; energy kWh; a 1 kW load for one hour
is 1 kWh.

Assumptions (each one stated once, here):

* Price of one half-hour slot = ``flat * (1 + float_share * (multiplier - 1))``. ``flat`` is the all-in
  flat-period (平段) energy price of the user's class; ``multiplier`` is the period's published ratio to
  flat (peak 1.7 means +70 %); ``float_share`` is the fraction of the flat price the ratio acts on (several
  provinces float only the energy-purchase component, not T&D, system-operation fees or government funds).
  ``float_share = 1`` reproduces the published ratios exactly. The Beijing and Chongqing shares are derived
  from official price tables; the others are flagged estimates (``data/tariffs/float_share.csv``).
* Rules are stored in half-hour slots (a few provinces have :30 boundaries). An hour's price is the mean of
  its two slots; its period label is the label of the first slot.
* Hours a rule does not name are flat ("其余为平段"). Critical-peak and deep-valley overlays replace the
  base period in the months / day types they name. Weather-triggered critical peaks (e.g. Guangdong's
  >= 35 degC days) and on-demand critical peaks are not modelled.
* User class: contracted transformer capacity >= 315 kVA -> two-part tariff (energy + basic charge);
  otherwise single-part (no basic charge); ``None`` means single-part >= 100 kVA.
* ``kind="flat"``: the non-TOU option, one price all year equal to the flat level.
* Export (PV surplus) price: provincial coal benchmark x market factor 0.85 (post-2025 market exposure,
  an estimate), constant over the year.
* Basic charge: CNY per kVA-month of contracted capacity, or CNY per kW-month of monthly maximum demand.
  The 105 %-overrun penalty and minimum declared demand of the NDRC rule are not modelled.
"""
from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pathways.errors import InputError, problem, suggest
from pathways.paths import DATA_DIR

TARIFF_DIR = DATA_DIR / "tariffs"
PERIODS = ("critical", "peak", "flat", "valley", "deep_valley")
_CODE = {p: i for i, p in enumerate(PERIODS)}
KINDS = ("tou", "flat")
VOLTAGES = ("<1kV", "1-10kV", "35kV", "110kV")
HOURS_PER_YEAR = 8760
SLOTS_PER_HOUR = 2
SLOTS_PER_DAY = 24 * SLOTS_PER_HOUR
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_VOLTAGE_ALIASES = {
    "<1kv": "<1kV", "lt1kv": "<1kV", "0.4kv": "<1kV", "380v": "<1kV", "400v": "<1kV", "220v": "<1kV",
    "1-10kv": "1-10kV", "10kv": "1-10kV", "1-10(20)kv": "1-10kV", "20kv": "1-10kV", "1~10kv": "1-10kV",
    "35kv": "35kV", "35-110kv": "35kV", "110kv": "110kV", "110kv+": "110kV", "220kv": "110kV",
}


@dataclass(frozen=True, eq=False)
class Tariff:
    """One user's electricity tariff as hourly arrays (8760, read-only).

    ``price_cny_per_kwh`` / ``export_price_cny_per_kwh``: CNY/kWh per hour; ``period``: label per hour
    (one of ``PERIODS``); ``multipliers``: (12, 5) ratio to flat by month and period (columns in
    ``PERIODS`` order, NaN where the period does not occur). Basic-charge rates are the province's rates
    and apply only when the contracted capacity is >= ``two_part_threshold_kva``.
    """

    province: str
    kind: str
    voltage: str
    user_class: str
    contracted_kva: float | None
    year: int
    tou_rule: str
    flat_price_cny_per_kwh: float
    float_share: float
    price_cny_per_kwh: np.ndarray
    period: np.ndarray
    export_price_cny_per_kwh: np.ndarray
    multipliers: np.ndarray
    basic_charge_cny_per_kva_month: float
    basic_charge_cny_per_kw_month: float
    two_part_threshold_kva: float
    sources: tuple[str, ...]
    estimates: tuple[str, ...]


# ----------------------------------------------------------------------------------------- data loading
def _read_csv(name: str, required: tuple[str, ...]) -> list[dict]:
    """Rows of ``data/tariffs/<name>`` as dicts (with ``_where`` = "file:line"); checks the columns."""
    path: Path = TARIFF_DIR / name
    if not path.exists():
        raise InputError(problem(str(path), "missing", "the tariff data file shipped in data/tariffs/"))
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(problem(str(path), reader.fieldnames, f"columns {list(required)}; missing {missing}"))
        rows = []
        for i, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items()}
            row["_where"] = f"{path}:{i}"
            rows.append(row)
    return rows


def _float(row: dict, col: str = "value") -> float:
    try:
        x = float(row[col])
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise InputError(problem(f"{row['_where']}.{col}", row[col], "a finite number"))
    return x


def _is_est(row: dict) -> bool:
    flag = row.get("is_estimate", "").lower()
    if flag not in ("true", "false"):
        raise InputError(problem(f"{row['_where']}.is_estimate", flag, "true or false"))
    return flag == "true"


def _parse_months(text: str, where: str) -> np.ndarray:
    """'1;7-9;12' -> boolean mask of length 12 (index 0 = January)."""
    mask = np.zeros(12, bool)
    for part in text.split(";"):
        m = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2}))?\s*", part)
        a, b = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (0, 0)
        if not (m and 1 <= a <= b <= 12):
            raise InputError(problem(f"{where}.months", text, "months like '1;7-9;12' (1-12, ranges a-b with a<=b)"))
        mask[a - 1:b] = True
    return mask


def _minutes(text: str, where: str) -> int:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text.strip())
    minutes = int(m.group(1)) * 60 + int(m.group(2) or 0) if m else -1
    if not m or not 0 <= minutes <= 1440 or minutes % (60 // SLOTS_PER_HOUR):
        raise InputError(problem(f"{where}.hours", text, "clock times H or H:MM on the half hour, 0-24"))
    return minutes


def _parse_hours(text: str, where: str) -> np.ndarray:
    """'7:30-10:30;22-2' -> boolean mask over the 48 half-hour slots of a day (wraps past midnight)."""
    mask = np.zeros(SLOTS_PER_DAY, bool)
    for part in text.split(";"):
        if part.count("-") != 1:
            raise InputError(problem(f"{where}.hours", text, "intervals like '8-11;13:30-17'"))
        a, b = (_minutes(t, where) // (60 // SLOTS_PER_HOUR) for t in part.split("-"))
        if a == b:
            raise InputError(problem(f"{where}.hours", text, "non-empty intervals"))
        idx = np.arange(a, b) if a < b else np.r_[np.arange(a, SLOTS_PER_DAY), np.arange(0, b)]
        mask[idx % SLOTS_PER_DAY] = True
    return mask


@functools.lru_cache(maxsize=None)
def _tables() -> dict:
    """All tariff tables, parsed once."""
    return {
        "provinces": _read_csv("provinces.csv", ("province", "name_zh", "aliases", "tou_rule")),
        "periods": _read_csv("tou_periods.csv", ("rule", "user_class", "months", "day_type", "layer", "period",
                                                  "hours", "year", "source", "is_estimate")),
        "multipliers": _read_csv("tou_multipliers.csv", ("rule", "user_class", "months", "period", "value",
                                                          "unit", "year", "source", "is_estimate")),
        "float_share": _read_csv("float_share.csv", ("rule", "user_class", "value", "unit", "year", "source",
                                                      "is_estimate")),
        "price_levels": _read_csv("price_levels.csv", ("province", "voltage", "user_class", "value", "unit",
                                                        "year", "source", "is_estimate")),
        "basic_charge": _read_csv("basic_charge.csv", ("province", "parameter", "value", "unit", "year",
                                                        "source", "is_estimate")),
        "export": _read_csv("export_price.csv", ("province", "parameter", "value", "unit", "year", "source",
                                                  "is_estimate")),
        "holidays": _read_csv("holidays.csv", ("date", "name", "kind", "year", "source", "is_estimate")),
    }


@functools.lru_cache(maxsize=None)
def _province_index() -> dict[str, tuple[str, str, str]]:
    """Normalised name -> (English province, Chinese name, TOU rule key)."""
    index = {}
    for row in _tables()["provinces"]:
        entry = (row["province"], row["name_zh"], row["tou_rule"])
        for name in [row["province"], row["name_zh"], *row["aliases"].split(";")]:
            if name:
                index[_norm(name)] = entry
    return index


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def provinces() -> list[str]:
    """English names of the provinces with a tariff rule (the 31 of mainland China, plus extras)."""
    return [row["province"] for row in _tables()["provinces"]]


def resolve_province(name: str, path: str = "electricity.tariff.province") -> tuple[str, str, str]:
    """(English name, Chinese name, TOU rule key) for an English or Chinese province name."""
    key = _norm(name)
    index = _province_index()
    if key not in index:
        for suffix in ("省", "市", "自治区", "province", "shi", "sheng"):
            if key.endswith(suffix) and key[: -len(suffix)] in index:
                key = key[: -len(suffix)]
                break
    if key not in index:
        names = provinces() + [row["name_zh"] for row in _tables()["provinces"]]
        raise InputError(problem(path, name, "a province of China in English or Chinese (e.g. Jiangsu, 江苏)",
                                 suggest(str(name), names)))
    return index[key]


# ----------------------------------------------------------------------------------------- calendar
@functools.lru_cache(maxsize=None)
def _calendar(year: int) -> dict:
    """Per-day arrays for ``year``: month (1-12), weekend flag, holiday names ('' if none), makeup workday."""
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    holiday = np.full(days.size, "", dtype=object)
    makeup = np.zeros(days.size, bool)
    for row in _tables()["holidays"]:
        if row["year"] != str(year):
            continue
        i = int((np.datetime64(row["date"]) - days[0]).astype(int))
        if not 0 <= i < days.size:
            raise InputError(problem(f"{row['_where']}.date", row["date"], f"a date in {year}"))
        if row["kind"] == "holiday":
            holiday[i] = row["name"]
        elif row["kind"] == "makeup_workday":
            makeup[i] = True
        else:
            raise InputError(problem(f"{row['_where']}.kind", row["kind"], "holiday or makeup_workday"))
    restday = ((weekday >= 5) & ~makeup) | (holiday != "")
    return {"month": months, "weekday": weekday, "holiday": holiday, "restday": restday}


def calendar_years() -> list[int]:
    """Years whose holiday calendar is shipped (and non-leap, so the year has 8760 hours)."""
    years = sorted({int(r["year"]) for r in _tables()["holidays"]})
    return [y for y in years if not (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))]


def month_of_hour(year: int = 2023) -> np.ndarray:
    """Month (1-12) of each of the 8760 hours."""
    return np.repeat(_calendar(year)["month"], 24)


def _day_mask(day_type: str, cal: dict, where: str) -> np.ndarray:
    if day_type == "all":
        return np.ones(cal["month"].size, bool)
    if day_type == "restday":
        return cal["restday"].copy()
    if day_type == "workday":
        return ~cal["restday"]
    if day_type == "holiday":
        return cal["holiday"] != ""
    if day_type.startswith("holiday:"):
        names = day_type.split(":", 1)[1].split("+")
        return np.isin(cal["holiday"], names)
    raise InputError(problem(f"{where}.day_type", day_type, "all, workday, restday, holiday or holiday:name+name"))


# ----------------------------------------------------------------------------------------- rule engine
def _class_candidates(user_class: str, voltage: str, kva: float | None) -> tuple[str, ...]:
    """Row classes that apply to a user, most specific first."""
    if user_class == "two_part":
        return ("two_part", "any")
    out = []
    if kva is not None and kva < 100:
        out.append("single_part_lt100kva")
    if voltage == "<1kV":
        out.append("single_part_lt1kv")
    return (*out, "single_part", "any")


def _pick(rows: list[dict], key: str, value: str, classes: tuple[str, ...]) -> dict | None:
    """The row with ``row[key] == value`` whose user_class is the most specific of ``classes``."""
    best, best_rank = None, len(classes)
    for row in rows:
        if row[key] == value and row["user_class"] in classes:
            rank = classes.index(row["user_class"])
            if rank < best_rank:
                best, best_rank = row, rank
    return best


def _slot_periods(rule: str, classes: tuple[str, ...], cal: dict, used: list[dict]) -> np.ndarray:
    """(days, 48) period codes. Layer-1 rows must not overlap; unnamed slots are flat; layer-2 rows overlay."""
    rows = [r for r in _tables()["periods"] if r["rule"] == rule and r["user_class"] in classes]
    if not rows:
        raise InputError(problem(str(TARIFF_DIR / "tou_periods.csv"), rule, "a rule with rows for this user class"))
    codes = np.full((cal["month"].size, SLOTS_PER_DAY), -1, dtype=np.int8)
    for layer in ("1", "2"):
        for row in (r for r in rows if r["layer"] == layer):
            where = row["_where"]
            if row["period"] not in _CODE:
                raise InputError(problem(f"{where}.period", row["period"], f"one of {list(PERIODS)}"))
            days = _parse_months(row["months"], where)[cal["month"] - 1] & _day_mask(row["day_type"], cal, where)
            mask = days[:, None] & _parse_hours(row["hours"], where)[None, :]
            if layer == "1" and (codes[mask] >= 0).any():
                raise InputError(problem(where, row["hours"], "base-layer hours that do not overlap another row"))
            codes[mask] = _CODE[row["period"]]
            used.append(row)
        if layer == "1":
            codes[codes < 0] = _CODE["flat"]
    bad = [r for r in rows if r["layer"] not in ("1", "2")]
    if bad:
        raise InputError(problem(f"{bad[0]['_where']}.layer", bad[0]["layer"], "1 (base) or 2 (overlay)"))
    return codes


def _multiplier_table(rule: str, classes: tuple[str, ...]) -> tuple[np.ndarray, list[dict]]:
    """(12, 5) ratio to flat by month and period from the rule's rows (NaN where none), and those rows."""
    table = np.full((12, len(PERIODS)), np.nan)
    table[:, _CODE["flat"]] = 1.0
    rows = [r for r in _tables()["multipliers"] if r["rule"] == rule and r["user_class"] in classes]
    # least specific class first, so that more specific classes overwrite
    for row in sorted(rows, key=lambda r: -classes.index(r["user_class"])):
        if row["period"] not in _CODE or row["period"] == "flat":
            raise InputError(problem(f"{row['_where']}.period", row["period"], "critical, peak, valley or deep_valley"))
        value = _float(row)
        if not 0 < value < 10:
            raise InputError(problem(f"{row['_where']}.value", value, "a ratio to flat between 0 and 10"))
        table[_parse_months(row["months"], row["_where"]), _CODE[row["period"]]] = value
    return table, rows


def _row_for(table: str, province: str, classes: tuple[str, ...], **match) -> dict:
    """Row of ``province`` (else of 'default') in a long table matching ``match``; among rows with a
    ``user_class`` column, the one whose class comes first in ``classes``."""
    rows = _tables()[table]
    for prov in (province, "default"):
        cands = [r for r in rows if r["province"] == prov and all(r[k] == v for k, v in match.items())]
        if cands and "user_class" in cands[0]:
            cands = sorted((r for r in cands if r["user_class"] in classes),
                           key=lambda r: classes.index(r["user_class"]))
        if cands:
            return cands[0]
    raise InputError(problem(str(TARIFF_DIR / f"{table}.csv"), match, "a 'default' row for this parameter"))


# ----------------------------------------------------------------------------------------- public API
def build_tariff(province: str, kind: str = "tou", voltage: str = "1-10kV",
                 flat_price_cny_per_kwh: float | None = None, contracted_kva: float | None = None,
                 year: int = 2023, float_share: float | None = None,
                 export_price_cny_per_kwh: float | None = None) -> Tariff:
    """Hourly tariff of a C&I user in ``province`` (English or Chinese name).

    ``flat_price_cny_per_kwh``: the all-in flat-period price (default from ``price_levels.csv``, mostly an
    estimate). ``contracted_kva`` >= 315 selects the two-part tariff. ``float_share`` and
    ``export_price_cny_per_kwh`` override the data defaults. Results are cached; arrays are read-only.
    """
    errors = []
    prov, _zh, _rule = resolve_province(province)
    kind_n = str(kind).strip().lower()
    if kind_n not in KINDS:
        errors.append(problem("electricity.tariff.kind", kind, "tou or flat", suggest(str(kind), KINDS)))
    volt = _VOLTAGE_ALIASES.get(re.sub(r"[\s_]", "", str(voltage)).lower())
    if volt is None:
        errors.append(problem("electricity.tariff.voltage", voltage, f"one of {list(VOLTAGES)}",
                              suggest(str(voltage), VOLTAGES)))
    checks = (("flat_price_cny_per_kwh", flat_price_cny_per_kwh, False, 5.0, "CNY/kWh"),
              ("export_price_cny_per_kwh", export_price_cny_per_kwh, True, 5.0, "CNY/kWh"),
              ("float_share", float_share, False, 1.0, "fraction"),
              ("contracted_kva", contracted_kva, True, 1e7, "kVA"))
    for name, value, zero_ok, hi, unit in checks:
        ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                               and math.isfinite(value) and (value > 0 or (zero_ok and value == 0)) and value <= hi)
        if not ok:
            low = "[0" if zero_ok else "(0"
            errors.append(problem(f"electricity.tariff.{name}", value, f"a number in {low}, {hi:g}] {unit}"))
    if year not in calendar_years():
        errors.append(problem("electricity.tariff.year", year,
                              f"a calendar year shipped in data/tariffs/holidays.csv: {calendar_years()}"))
    if errors:
        raise InputError(errors)
    return _build(prov, kind_n, volt, None if flat_price_cny_per_kwh is None else float(flat_price_cny_per_kwh),
                  None if contracted_kva is None else float(contracted_kva), int(year),
                  None if float_share is None else float(float_share),
                  None if export_price_cny_per_kwh is None else float(export_price_cny_per_kwh))


@functools.lru_cache(maxsize=256)
def _build(prov: str, kind: str, volt: str, flat_price: float | None, kva: float | None, year: int,
           float_share: float | None, export_price: float | None) -> Tariff:
    _p, _zh, rule = resolve_province(prov)
    used: list[dict] = []
    threshold_row = _row_for("basic_charge", prov, (), parameter="two_part_threshold")
    threshold = _float(threshold_row)
    user_class = "two_part" if kva is not None and kva >= threshold else "single_part"
    classes = _class_candidates(user_class, volt, kva)
    if user_class == "single_part":
        user_class = classes[0]
    used.append(threshold_row)

    level_row = _row_for("price_levels", prov, classes, voltage=volt)
    flat = _float(level_row) if flat_price is None else flat_price
    if flat_price is None:
        used.append(level_row)

    cal = _calendar(year)
    day_month = cal["month"] - 1
    if kind == "flat":
        price = np.full(HOURS_PER_YEAR, flat)
        period = np.full(HOURS_PER_YEAR, "flat", dtype="<U11")
        mult = np.full((12, len(PERIODS)), np.nan)
        mult[:, _CODE["flat"]] = 1.0
        share = 0.0
    else:
        codes = _slot_periods(rule, classes, cal, used)
        own, own_rows = _multiplier_table(rule, classes)
        national, national_rows = _multiplier_table("National", classes)
        present = np.zeros_like(own, dtype=bool)
        present[day_month[:, None], codes] = True
        borrowed = present & np.isnan(own)
        mult = np.where(present, np.where(np.isnan(own), national, own), np.nan)
        used += own_rows + [r for r in national_rows if borrowed[:, _CODE[r["period"]]].any()]
        slot_mult = mult[day_month[:, None], codes]
        if np.isnan(slot_mult).any():
            d, s = np.argwhere(np.isnan(slot_mult))[0]
            raise InputError(problem(str(TARIFF_DIR / "tou_multipliers.csv"),
                                     f"{rule} {PERIODS[codes[d, s]]} month {day_month[d] + 1}",
                                     "a multiplier for every period the rule uses"))
        if float_share is None:
            share_row = _pick(_tables()["float_share"], "rule", rule, classes) or \
                _pick(_tables()["float_share"], "rule", "National", classes)
            share = _float(share_row)
            used.append(share_row)
        else:
            share = float_share
        slot_price = flat * (1.0 + share * (slot_mult - 1.0))
        price = slot_price.reshape(-1, 24, SLOTS_PER_HOUR).mean(axis=2).ravel()
        period = np.asarray(PERIODS, dtype="<U11")[codes[:, ::SLOTS_PER_HOUR].ravel()]
        if any(r.get("day_type", "all") != "all" for r in used):
            used.extend(r for r in _tables()["holidays"] if r["year"] == str(year))

    if export_price is None:
        coal_row = _row_for("export", prov, (), parameter="coal_benchmark")
        factor_row = _row_for("export", prov, (), parameter="market_factor")
        export_price = _float(coal_row) * _float(factor_row)
        used += [coal_row, factor_row]
    cap_row = _row_for("basic_charge", prov, (), parameter="capacity_rate")
    dem_row = _row_for("basic_charge", prov, (), parameter="demand_rate")
    used += [cap_row, dem_row]

    sources = tuple(dict.fromkeys(row["source"] for row in used))
    estimates = tuple(dict.fromkeys(_estimate_note(row) for row in used if row.get("is_estimate") and _is_est(row)))
    export = np.full(HOURS_PER_YEAR, export_price)
    for arr in (price, period, export, mult):
        arr.setflags(write=False)
    return Tariff(province=prov, kind=kind, voltage=volt, user_class=user_class, contracted_kva=kva, year=year,
                  tou_rule=rule if kind == "tou" else "", flat_price_cny_per_kwh=flat, float_share=share,
                  price_cny_per_kwh=price, period=period, export_price_cny_per_kwh=export, multipliers=mult,
                  basic_charge_cny_per_kva_month=_float(cap_row), basic_charge_cny_per_kw_month=_float(dem_row),
                  two_part_threshold_kva=threshold, sources=sources, estimates=estimates)


def _estimate_note(row: dict) -> str:
    """One line naming an estimated data row: file, key, value and source."""
    file = Path(row["_where"].rsplit(":", 1)[0]).name
    key = " ".join(row.get(k, "") for k in ("rule", "province", "user_class", "months", "parameter", "period",
                                              "voltage") if row.get(k))
    return f"{file}: {key} = {row.get('value') or row.get('hours')} ({row['source']})"


def _hourly(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (HOURS_PER_YEAR,):
        raise InputError(problem(name, f"array of shape {arr.shape}", f"an hourly array of {HOURS_PER_YEAR} values"))
    if not np.isfinite(arr).all() or (arr < 0).any():
        bad = arr[~(np.isfinite(arr) & (arr >= 0))][0]
        raise InputError(problem(name, float(bad), "finite kW >= 0 in every hour (exports go to export_value_cny)"))
    return arr


def annual_energy_cost_cny(load_kw: np.ndarray, tariff: Tariff) -> float:
    """Energy charge of an hourly grid import (kW averaged over each hour = kWh), CNY per year."""
    return float(_hourly(load_kw, "load_kw") @ tariff.price_cny_per_kwh)


def export_value_cny(export_kw: np.ndarray, tariff: Tariff) -> float:
    """Revenue of an hourly export to the grid at the tariff's export price, CNY per year."""
    return float(_hourly(export_kw, "export_kw") @ tariff.export_price_cny_per_kwh)


def annual_basic_charge_cny(tariff: Tariff, contracted_kva: float | None = None,
                            max_demand_kw=None) -> float:
    """Two-part basic charge, CNY per year; 0 below the 315 kVA threshold.

    Capacity billing (default): rate (CNY/kVA-month) x contracted kVA x 12. Demand billing when
    ``max_demand_kw`` is given: rate (CNY/kW-month) x the sum of the 12 monthly maxima;
    ``max_demand_kw`` may be one number (every month), 12 monthly values or an 8760 hourly load.
    """
    kva = tariff.contracted_kva if contracted_kva is None else contracted_kva
    if kva is not None and not (isinstance(kva, (int, float)) and math.isfinite(kva) and kva >= 0):
        raise InputError(problem("electricity.tariff.contracted_kva", kva, "a number of kVA >= 0"))
    if kva is None or kva < tariff.two_part_threshold_kva:
        return 0.0
    if max_demand_kw is None:
        return float(tariff.basic_charge_cny_per_kva_month * kva * 12)
    md = np.asarray(max_demand_kw, dtype=float)
    if md.ndim == 0:
        monthly = np.full(12, float(md))
    elif md.shape == (12,):
        monthly = md
    elif md.shape == (HOURS_PER_YEAR,):
        monthly = np.zeros(12)
        np.maximum.at(monthly, month_of_hour(tariff.year) - 1, md)
    else:
        raise InputError(problem("max_demand_kw", f"array of shape {md.shape}",
                                 "a number, 12 monthly or 8760 hourly values"))
    if not np.isfinite(monthly).all() or (monthly < 0).any():
        raise InputError(problem("max_demand_kw", monthly.tolist(), "finite kW >= 0"))
    return float(tariff.basic_charge_cny_per_kw_month * monthly.sum())


def peak_valley_ratio(tariff: Tariff) -> float:
    """Highest peak-period price / lowest valley-period price (critical and deep valley excluded); 1 if flat."""
    peak = tariff.price_cny_per_kwh[tariff.period == "peak"]
    valley = tariff.price_cny_per_kwh[tariff.period == "valley"]
    if peak.size == 0 or valley.size == 0:
        return 1.0
    return float(peak.max() / valley.min())


def _runs(hours: np.ndarray) -> str:
    """[0,1,2,5,6] -> '0-3,5-7' (clock hours, end exclusive)."""
    if hours.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(hours) != 1)
    starts = np.r_[hours[0], hours[breaks + 1]]
    ends = np.r_[hours[breaks], hours[-1]] + 1
    return ",".join(f"{a}-{b}" for a, b in zip(starts, ends))


def _month_list(months: list[int]) -> str:
    """[1, 2, 6, 7, 8, 12] -> 'Jan-Feb, Jun-Aug, Dec'."""
    out = []
    for run in _runs(np.asarray(months) - 1).split(","):
        a, b = map(int, run.split("-"))
        out.append(MONTH_NAMES[a] if b - a == 1 else f"{MONTH_NAMES[a]}-{MONTH_NAMES[b - 1]}")
    return ", ".join(out)


def describe(tariff: Tariff) -> str:
    """Human summary: class, flat price, day patterns by month (hours and CNY/kWh), export and basic charge."""
    _p, zh, _r = resolve_province(tariff.province)
    cls = {"two_part": f"two-part (>= {tariff.two_part_threshold_kva:g} kVA)"}.get(tariff.user_class,
                                                                                    tariff.user_class.replace("_", " "))
    kind = "time-of-use" if tariff.kind == "tou" else "flat (non-TOU)"
    lines = [f"{tariff.province} ({zh}) {kind} tariff, {cls}, {tariff.voltage}; flat price "
             f"{tariff.flat_price_cny_per_kwh:.4f} CNY/kWh" + (f", TOU float share {tariff.float_share:.2f}"
                                                               if tariff.kind == "tou" else "")]
    days_price = tariff.price_cny_per_kwh.reshape(-1, 24)
    days_period = tariff.period.reshape(-1, 24)
    month = _calendar(tariff.year)["month"]

    def pattern(d: int) -> str:
        parts = []
        for name in PERIODS:
            hrs = np.flatnonzero(days_period[d] == name)
            if hrs.size:
                prices = np.unique(np.round(days_price[d, hrs], 4))
                parts.append(f"{name.replace('_', ' ')} {_runs(hrs)} @ " + "/".join(f"{x:.4f}" for x in prices))
        return "; ".join(parts)

    patterns = [pattern(d) for d in range(days_price.shape[0])]
    main_by_month, exceptions = {}, {}
    for m in range(1, 13):
        idx = np.flatnonzero(month == m)
        values, counts = np.unique([patterns[d] for d in idx], return_counts=True)
        main_by_month[m] = values[np.argmax(counts)]
        for v, c in zip(values, counts):
            if v != main_by_month[m]:
                exceptions.setdefault(v, []).append((m, int(c)))
    groups: dict[str, list[int]] = {}
    for m, pat in main_by_month.items():
        groups.setdefault(pat, []).append(m)
    for pat, months in groups.items():
        lines.append(f"  {_month_list(months)}: {pat}")
    for pat, where in exceptions.items():
        n = sum(c for _, c in where)
        lines.append(f"  exception on {n} day(s) ({_month_list([m for m, _ in where])}; holidays/rest days): {pat}")
    lines.append(f"  export (PV surplus): {tariff.export_price_cny_per_kwh[0]:.4f} CNY/kWh")
    lines.append(f"  basic charge at >= {tariff.two_part_threshold_kva:g} kVA: "
                 f"{tariff.basic_charge_cny_per_kva_month:g} CNY/kVA-month (capacity) or "
                 f"{tariff.basic_charge_cny_per_kw_month:g} CNY/kW-month (max demand)")
    if tariff.kind == "tou":
        lines.append(f"  peak/valley price ratio {peak_valley_ratio(tariff):.2f}")
    if tariff.estimates:
        lines.append(f"  estimates used: {len(tariff.estimates)} (see Tariff.estimates)")
    return "\n".join(lines)
