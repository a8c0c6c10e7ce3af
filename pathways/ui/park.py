"""Park page. Today: load or upload a park file, check it with the CLI's messages and list its firms. The park
planner (issue 4) fills in the rest through ``show_park_result``.

Expected API (tell the lead if it differs): ``pathways.plan_park(model, scenario=(), set_values=(), time_limit=...,
gap=...) -> ParkResult`` accepting a ``Resolved`` like ``pathways.plan``, with ``totals`` (dict, incl.
``value_of_clustering_cny``), ``to_dict()``, and DataFrames ``rollout`` (firm_id, batch, year, reason),
``shared_assets`` (asset, owner, size, year), ``firms`` (firm_id, option_id, year, mode, ...) and ``targets``
(year, target_t, plan_t), plus ``bound`` and ``gap``.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import pathways
from .fmt import cny, num
from .inputs import examples, save_uploads, show_problems, try_resolve, uploader
from .texts import lang, name, t


def park_planner():
    """``pathways.plan_park`` once the park planner is merged, else None."""
    return getattr(pathways, "plan_park", None)


def firms_table(park) -> pd.DataFrame:
    return pd.DataFrame([{t("col_firm"): f.id, t("col_sector"): name("sector", f.sector),
                          t("col_kwh"): num(f.electricity.annual_kwh),
                          t("col_roofs"): num(sum(r.area_m2 for r in f.roofs)),
                          t("col_tenancy"): f.tenancy} for f in park.firms])


def page() -> None:
    st.title(t("park_title"))
    planner = park_planner()
    if planner is None:
        st.info(t("park_pending"))
    ex = examples("park")
    path = None
    if ex:
        path = ex[st.selectbox(t("park_example"), list(ex), key="park_example")]
    else:
        st.caption(t("park_none"))
    problems: list[str] = []
    up = save_uploads([uploader("park_file", ["yaml", "yml"], "park_up")], problems)
    path = str(up[0]) if up else path
    show_problems(problems)
    if path is None:
        return
    resolved, lines = try_resolve(path)
    show_problems(lines)
    if resolved is None:
        return
    if resolved.kind != "park":
        st.error(t("park_not_park"))
        return
    park = resolved.model
    st.success(t("park_ok", n=len(park.firms), years=park.plan.years))
    st.subheader(t("park_firms"))
    st.table(firms_table(park))
    if st.button(t("park_run"), type="primary", disabled=planner is None, key="park_run"):
        try:
            show_park_result(planner(resolved))
        except Exception as exc:  # a page never shows a traceback
            st.error(t("error", msg=" ".join(str(exc).split())[:300]))


def show_park_result(result) -> None:
    """Generic view until the park planner's result is known: totals as metrics, every table as a table."""
    totals = getattr(result, "totals", {}) or {}
    cols = st.columns(max(1, min(4, len(totals))))
    for i, (k, v) in enumerate(list(totals.items())[:8]):
        cols[i % len(cols)].metric(k, cny(v, lang()) if k.endswith("_cny") else num(v, 1))
    st.subheader(t("result_tables"))
    for attr in ("rollout", "shared_assets", "targets", "firms"):
        df = getattr(result, attr, None)
        if isinstance(df, pd.DataFrame) and not df.empty:
            st.markdown(f"**{attr}**")
            st.dataframe(df, width="stretch")
