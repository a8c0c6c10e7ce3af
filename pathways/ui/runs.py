"""Cached calls into the public API: plans and frontiers keyed by the resolved configuration, catalog names,
cities, and weather warm-up.

Results are cached with ``st.cache_resource`` (shared by all sessions, returned as the same object: treat them
as read-only) under ``(config_hash, digest of the CSV files the model names, settings)``.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

import pathways
from pathways.inputs.resolve import Resolved
from pathways.reference.catalog import load_catalog
from pathways.reference.cities import list_cities, resolve_location
from pathways.reference.weather import load_weather


@st.cache_resource(show_spinner=False)
def measure_names() -> dict[str, tuple[str, str]]:
    """measure_id -> (English name, Chinese name) from the catalog."""
    return {mid: (m.name_en, m.name_zh) for mid, m in load_catalog().measures.items()}


def measure_name(option_id: str, lang: str) -> str:
    """Display name of an option (``measure@variant`` keeps the variant in brackets)."""
    mid, _, variant = str(option_id).partition("@")
    en_zh = measure_names().get(mid)
    base = (en_zh[1] if lang == "zh" else en_zh[0]) if en_zh else mid
    return f"{base} [{variant}]" if variant else base


@st.cache_data(show_spinner=False)
def cities() -> pd.DataFrame:

    return list_cities()[["name_en", "name_zh", "province", "province_zh"]]


def province_name(province: str, lang: str) -> str:
    if lang != "zh":
        return province
    c = cities()
    hit = c.loc[c["province"] == province, "province_zh"]
    return str(hit.iloc[0]) if len(hit) else province


@st.cache_resource(show_spinner=False, max_entries=32)
def warm_up(city: str) -> str:
    """Import the solver stack and load (and repair) the weather of the city's station once per process, while
    the user fills in the page, so the first plan is faster. Returns the station id."""
    from pathways.model import planner  # noqa: F401  (Pyomo and HiGHS take about a second to import)

    try:
        loc = resolve_location(name=city)
        load_weather(loc.station_file)
        return loc.station_id
    except Exception:  # a bad city is reported by validation, not here
        return ""


def files_digest(resolved: Resolved) -> str:
    """sha256 of the data files a site names (their content is not part of the config hash; ``resolve`` confined
    them to the model's folder and checked their size)."""
    m = resolved.model
    names = [getattr(m.electricity, "metered_csv", None)] + [getattr(r, "pv_profile_csv", None) for r in m.roofs]
    names.append(getattr(m, "weather_file", None))
    h = hashlib.sha256()
    for name in names:
        if name and Path(name).is_file():
            h.update(Path(name).read_bytes())
    return h.hexdigest()[:16]


def run_key(resolved: Resolved, **settings) -> tuple:
    return (resolved.config_hash, files_digest(resolved), tuple(sorted(settings.items())))


@st.cache_resource(show_spinner=False, max_entries=64)
def _plan(key: tuple, _resolved: Resolved):
    return pathways.plan(_resolved, **dict(key[2]))


def plan(resolved: Resolved, **settings):
    """``pathways.plan`` on a resolved model, cached by run key (raises InputError for bad input)."""
    return _plan(run_key(resolved, **settings), resolved)


@st.cache_resource(show_spinner=False, max_entries=16)
def _pareto(key: tuple, _resolved: Resolved) -> pd.DataFrame:
    return pathways.pareto(_resolved, **dict(key[2]))


def pareto(resolved: Resolved, points: int = 5) -> pd.DataFrame:
    return _pareto(run_key(resolved, points=points), resolved)
