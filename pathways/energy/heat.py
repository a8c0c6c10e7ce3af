"""Sizing heat sources from the heat demand: full-load hours per end use and the site's own heat equipment.

A heat source that covers a share s of the useful heat Q (kWh/yr) of a fuel end use needs the capacity
    kW_th = min(s x Q / h, C)
where h is the full-load hours of that end use (heat per year / capacity) and C the capacity of the boiler or
furnace the site lists for it (``equipment:`` in the site file; no bound when none is listed). h comes from
the listed equipment's ``full_load_hours`` when given, else from ``data/heat_hours.csv``: space heat by the
site's climate zone (``data/climate_zones.csv``: GB 50176-2016 zones by province, city rows where a city lies
outside its province's main zone), process heat and steam by the site's shift pattern. The equipment's
``efficiency`` replaces the catalog's ``replaced_boiler_efficiency`` (useful heat = fuel x LHV x efficiency).

Which equipment serves which end use: its ``end_use`` field, else its kind (``HEAT_EQUIPMENT_END_USE``); a unit
with a ``fuel`` serves only heat sources replacing that fuel (or replacing any fuel). Several units of one end use
add their capacities; their efficiency and hours are capacity-weighted means (exact for hours: the group's
heat / capacity).
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache

from pathways import paths
from pathways.errors import InputError, problem
from pathways.vocabulary import FUEL_END_USES as HEAT_END_USES, SHIFTS

CLIMATE_ZONES = ("severe_cold", "cold", "hot_summer_cold_winter", "hot_summer_warm_winter", "mild")
# kinds of equipment that burn fuel for heat, with the end use they serve when the site does not say
HEAT_EQUIPMENT_END_USE = {
    "steam_boiler": "steam", "gas_boiler": "steam", "coal_boiler": "steam", "oil_boiler": "steam",
    "hot_water_boiler": "space_heat", "thermal_oil_heater": "process_heat", "furnace": "process_heat",
    "kiln": "process_heat", "roller_kiln": "process_heat", "tunnel_kiln": "process_heat", "oven": "process_heat",
    "dryer": "process_heat", "stenter": "process_heat",
}


@dataclass(frozen=True)
class FullLoadHours:
    end_use: str
    key: str                 # climate zone (space_heat) or shift pattern (process_heat, steam)
    hours: float
    low: float
    high: float
    source: str
    is_estimate: bool


@dataclass(frozen=True)
class HeatEquipment:
    """The site's heat equipment of one end use (all listed units together)."""

    capacity_kw: float       # inf when no unit gives a capacity
    efficiency: float        # 0 when no unit gives one
    full_load_hours: float   # 0 when no unit gives them
    ids: tuple[str, ...]


def _read(name: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    path = paths.DATA_DIR / name
    if not path.is_file():
        raise InputError(problem(str(path), "missing", f"the shipped table data/{name}"))
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != columns:
            raise InputError(problem(f"{path} row 1", reader.fieldnames, "columns " + ", ".join(columns)))
        rows = list(enumerate(reader, start=2))
    for line, r in rows:
        if not r["source"] or r["is_estimate"] not in ("true", "false"):
            raise InputError(problem(f"{path} row {line}", r["source"], "a source and is_estimate true/false"))
    return rows


@lru_cache(maxsize=4)
def _hours_table(data_dir: str) -> dict[tuple[str, str], FullLoadHours]:
    del data_dir  # cache key only
    out = {}
    for line, r in _read("heat_hours.csv", ("end_use", "key", "full_load_hours", "low", "high", "unit", "year",
                                            "source", "is_estimate")):
        allowed = CLIMATE_ZONES if r["end_use"] == "space_heat" else SHIFTS
        if r["end_use"] not in HEAT_END_USES or r["key"] not in allowed:
            raise InputError(problem(f"data/heat_hours.csv row {line}", f"{r['end_use']}/{r['key']}",
                                     "a heat end use with a climate zone (space_heat) or shift pattern"))
        try:
            h, lo, hi = float(r["full_load_hours"]), float(r["low"]), float(r["high"])
        except ValueError:
            raise InputError(problem(f"data/heat_hours.csv row {line}", r["full_load_hours"], "numbers")) from None
        if not 0 < lo <= h <= hi <= 8760:
            raise InputError(problem(f"data/heat_hours.csv row {line}", h, "0 < low <= hours <= high <= 8760"))
        out[r["end_use"], r["key"]] = FullLoadHours(r["end_use"], r["key"], h, lo, hi, r["source"],
                                                     r["is_estimate"] == "true")
    return out


@lru_cache(maxsize=4)
def _zones_table(data_dir: str) -> dict[str, str]:
    del data_dir
    out = {}
    for line, r in _read("climate_zones.csv", ("region", "climate_zone", "year", "source", "is_estimate")):
        if r["climate_zone"] not in CLIMATE_ZONES:
            raise InputError(problem(f"data/climate_zones.csv row {line}", r["climate_zone"],
                                     "one of " + ", ".join(CLIMATE_ZONES)))
        out[r["region"]] = r["climate_zone"]
    return out


def climate_zone(city_id: str, province: str) -> str:
    """The site's climate zone: its city's row, else its province's row of data/climate_zones.csv."""
    zones = _zones_table(str(paths.DATA_DIR))
    zone = zones.get(city_id) or zones.get(province)
    if zone is None:
        raise InputError(problem("province", province, "a province listed in data/climate_zones.csv"))
    return zone


def default_full_load_hours(end_use: str, zone: str, shifts: str) -> FullLoadHours:
    """Default full-load hours of a heat source for ``end_use`` (space heat by ``zone``, else by ``shifts``)."""
    key = zone if end_use == "space_heat" else shifts
    table = _hours_table(str(paths.DATA_DIR))
    if (end_use, key) not in table:
        raise InputError(problem("data/heat_hours.csv", f"{end_use}/{key}", "a row for every heat end use and key"))
    return table[end_use, key]


def heat_equipment(equipment, end_use: str, carrier: str | None) -> HeatEquipment | None:
    """The listed units (schema ``Equipment``) serving ``end_use`` and burning ``carrier`` (or any fuel)."""
    units = [u for u in equipment
             if (u.end_use or HEAT_EQUIPMENT_END_USE.get(u.kind)) == end_use
             and (u.fuel is None or not carrier or u.fuel == carrier)]
    if not units:
        return None

    def weighted(name: str) -> float:
        given = [(u.capacity_kw * u.count, getattr(u, name)) for u in units
                 if getattr(u, name) is not None and u.capacity_kw]
        if not given:   # no capacities: a plain mean of the values given
            values = [getattr(u, name) for u in units if getattr(u, name) is not None]
            return sum(values) / len(values) if values else 0.0
        return sum(c * v for c, v in given) / sum(c for c, _ in given)

    caps = [u.capacity_kw * u.count for u in units if u.capacity_kw]
    return HeatEquipment(capacity_kw=sum(caps) if caps else math.inf, efficiency=weighted("efficiency"),
                         full_load_hours=weighted("full_load_hours"), ids=tuple(u.id for u in units))


def heat_source_kw(share: float, useful_heat_kwh: float, hours: float, capacity_kw: float = math.inf) -> float:
    """kW_th = min(share x useful heat / full-load hours, capacity of the equipment it replaces)."""
    return min(share * useful_heat_kwh / hours, capacity_kw)
