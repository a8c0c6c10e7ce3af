"""Park page: load, upload or generate a park, check it with the CLI's messages, plan it with
``pathways.plan_park`` and show the roll-out schedule, shared assets, targets against the plan, per-firm plans,
the park's spending and the value of clustering (``ParkResult``: lists of dicts, the records ``totals`` and
``value_of_clustering``, ``to_dict()``).

The park is planned in this process (``workers=0``) under the time limit set in the page, and cached by the
resolved configuration and the settings, so switching language or coming back does not solve again.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st
import yaml

import pathways
from pathways.errors import InputError
from pathways.park.generate import generate_park
from pathways.ui import charts, runs
from pathways.ui.downloads import csv_bytes, json_bytes
from pathways.ui.fmt import MISSING, cny, num, tonnes
from pathways.ui.inputs import (clean, example_name, examples, pick, save_uploads, session_dir, show_problems, try_resolve,
                     uploader)
from pathways.ui.texts import TEXT, lang, name, t


def park_planner():
    """``pathways.plan_park`` (None in an install without the park planner)."""
    return getattr(pathways, "plan_park", None)


def firms_table(park) -> pd.DataFrame:
    return pd.DataFrame([{t("col_firm"): f.id, t("col_sector"): name("sector", f.sector),
                          t("col_kwh"): num(f.electricity.annual_kwh),
                          t("col_roofs"): num(sum(r.area_m2 for r in f.roofs)),
                          t("col_tenancy"): t(f"tenancy_{f.tenancy}") if f.tenancy in ("owned", "rented")
                          else str(f.tenancy)} for f in park.firms])


def _finite(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------- inputs
def _generate() -> tuple[str | None, list[str]]:
    c = runs.cities()
    lg = lang()
    labels = {r.name_en: (f"{r.name_zh} {r.name_en}" if lg == "zh" else f"{r.name_en} ({r.name_zh})")
              for r in c.itertuples()}
    c1, c2 = st.columns(2)
    n = c1.number_input(t("gen_firms"), min_value=1, max_value=500, value=8, step=1, key="gen_firms")
    seed = c2.number_input(t("gen_seed"), min_value=0, value=1, step=1, key="gen_seed")
    with c1:
        city = pick(st.selectbox, t("form_city"), list(labels), "gen_city", "Suzhou", format_func=labels.get)
    mix = c2.text_input(t("gen_mix"), value="machinery:0.6,electronics:0.4", key="gen_mix", help=t("gen_mix_help"))
    cut = c1.number_input(t("gen_cut"), min_value=0.0, max_value=0.9, value=0.10, step=0.05, format="%.2f",
                          key="gen_cut")
    try:
        park = generate_park(int(n), int(seed), city, mix, target_cut=float(cut))
    except InputError as exc:
        return None, list(exc.problems)
    text = yaml.safe_dump(park, allow_unicode=True, sort_keys=False)
    path = session_dir("generated") / f"generated_park_{int(n)}_{int(seed)}.yaml"
    path.write_text(text, encoding="utf-8")
    st.download_button(t("gen_download"), text.encode("utf-8"), path.name, "application/x-yaml", key="gen_dl")
    return str(path), []


def _source() -> tuple[str | None, list[str]]:
    ex = examples("park")
    options = (["example"] if ex else []) + ["upload", "generate"]
    src = pick(st.radio, t("source"), options, "park_source", options[0], format_func=lambda s: t(f"park_src_{s}"),
               horizontal=True)
    problems: list[str] = []
    if src == "example":
        return ex[pick(st.selectbox, t("park_example"), list(ex), "park_example",
                       format_func=lambda k: example_name(ex[k]))], problems
    if src == "upload":
        up = save_uploads([uploader("park_file", ["yaml", "yml"], "park_up")], problems, "park")
        if not up and not problems:
            st.info(t("park_need_file"))
        return (str(up[0]) if up else None), problems
    return _generate()


# ---------------------------------------------------------------------------------------------- page
@st.cache_resource(show_spinner=False, max_entries=16)
def _plan(key: tuple, _resolved):
    return park_planner()(_resolved, time_limit=key[1], gap=key[2], workers=0)


def page() -> None:
    st.title(t("park_title"))
    planner = park_planner()
    if planner is None:
        st.info(t("park_pending"))
    path, problems = _source()
    show_problems(clean(problems))
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
    with st.expander(t("park_firms") + f" ({len(park.firms)})", expanded=len(park.firms) <= 10):
        st.dataframe(firms_table(park), hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    time_limit = c1.number_input(t("park_time_limit"), min_value=5.0, max_value=3600.0, value=60.0, step=10.0,
                                 key="park_time_limit")
    gap = c2.number_input(t("park_gap"), min_value=0.0, max_value=50.0, value=0.5, step=0.1, format="%.1f",
                          key="park_gap") / 100
    rules = ["by_energy_and_maturity", "optimised"]
    with c3:
        rule = pick(st.selectbox, t("park_later_batches"), rules, "park_later_batches", park.later_batches,
                    format_func=lambda r: t(f"park_rule_{r}"))
    if rule != park.later_batches:
        resolved = replace(resolved, model=park.model_copy(update={"later_batches": rule}),
                           config_hash=f"{resolved.config_hash}:{rule}")
    key = (resolved.config_hash, float(time_limit), float(gap))
    if st.button(t("park_run"), type="primary", disabled=planner is None, key="park_run"):
        with st.spinner(t("park_running", n=len(park.firms), s=time_limit)):
            try:
                st.session_state["park_result"] = (key, _plan(key, resolved))
            except Exception as exc:  # a page never shows a traceback
                st.session_state.pop("park_result", None)
                lines = getattr(exc, "problems", None) or [" ".join(str(exc).split())[:300]]
                show_problems(clean(list(lines)))
    held = st.session_state.get("park_result")
    if held is None:
        return
    if held[0] != key:
        st.warning(t("stale"))
    show_park_result(held[1])


# ---------------------------------------------------------------------------------------------- result
def _status(res) -> None:
    lg = lang()
    status = t(f"pk_st_{res.status}") if f"pk_st_{res.status}" in TEXT["en"] else res.status
    st.caption(t("pk_status", status=status, gap=num(100 * res.gap, 2) if _finite(res.gap) is not None else MISSING,
                 bound=cny(res.bound_cny, lg), rounds=res.iterations, seconds=res.total_seconds))
    if res.message:
        st.caption(t("note", msg=res.message))


def _reason(r: dict, n: int, lg: str) -> str:
    if r.get("year") is None:
        return t("pk_reason_out")
    return t("pk_reason", npv=cny(r["potential_npv_cny"], lg), prank=r["potential_rank"], n=n,
             mwh=num(r["energy_use_mwh"]), erank=r["energy_use_rank"], maturity=r["digital_maturity"])


def show_park_result(res) -> None:
    lg = lang()
    if res.objective_cny is None:
        st.error(t("pk_no_plan", status=res.status, msg=res.message))
        return
    st.header(t("pk_results", name=res.park.get("name", "")))
    _status(res)
    vc, totals = res.value_of_clustering, res.totals
    firms = res.firms
    n = len(firms)
    m = st.columns(4)
    m[0].metric(t("pk_npv"), cny(res.objective_cny, lg))
    m[1].metric(t("pk_value"), cny(vc.value_cny, lg, signed=True),
                f"{100 * vc.value_frac:+.1f} %" if _finite(vc.value_frac) is not None else None)
    m[2].metric(t("pk_in_programme"), f"{totals.firms_in_programme} / {totals.firms}")
    m[3].metric(t("pk_subsidy"), cny(sum(s.get("public_subsidy_paid_cny", 0.0) for s in res.spending), lg))

    # value of clustering
    st.subheader(t("pk_value_title"))
    parts = [("pk_vc_standalone", vc.sum_of_standalone_optima_cny),
             ("pk_vc_firms", vc.of_which_firm_plans_cny), ("pk_vc_subsidy", vc.of_which_park_subsidy_cny),
             ("pk_vc_discounts", vc.of_which_collective_discounts_cny),
             ("pk_vc_assets", vc.of_which_park_assets_and_programme_cny),
             ("pk_vc_park", vc.park_optimum_cny)]
    st.table(pd.DataFrame({t("pk_col_part"): [t(k) for k, _ in parts],
                           t("col_npv"): [cny(v, lg, signed=k not in ("pk_vc_standalone", "pk_vc_park"))
                                          for k, v in parts]}).set_index(t("pk_col_part")))
    st.caption(t("pk_vc_note"))

    # roll-out
    st.subheader(t("pk_rollout"))
    ro = pd.DataFrame(res.rollout)
    if len(ro):
        names = {f["firm_id"]: f.get("name") or f["firm_id"] for f in firms}
        table = pd.DataFrame({
            t("col_year"): [MISSING if y is None or y != y else int(y) for y in ro["year"]],
            t("col_firm"): [f"{names.get(f, f)} ({f})" for f in ro["firm_id"]],
            t("pk_col_why"): [_reason(r, n, lg) for r in res.rollout]})
        st.dataframe(table, hide_index=True, width="stretch")
    sp = pd.DataFrame(res.spending)
    if len(sp):
        df = pd.concat([pd.DataFrame({"year": sp["year"], "series": t("pk_s_starting"), "n": sp["firms_starting"]}),
                        pd.DataFrame({"year": sp["year"], "series": t("pk_s_capacity"),
                                      "n": [_finite(x) for x in sp["programme_capacity"]]})], ignore_index=True)
        st.altair_chart(charts.park_rollout(df.dropna()), width="stretch")

    # shared assets
    st.subheader(t("pk_assets"))
    assets = [a for a in res.shared_assets if (_finite(a.get("size")) or 0) > 1e-6]
    if not assets:
        st.caption(t("pk_no_assets"))
    else:
        st.dataframe(pd.DataFrame({
            t("pk_col_asset"): [runs.measure_name(a["asset"], lg) for a in assets],
            t("col_size"): [num(a["size"], 1, a.get("size_unit", "")) if a.get("size_unit") != "programme"
                            else t("yes") for a in assets],
            t("pk_col_build"): [a.get("build_year", MISSING) for a in assets],
            t("col_upfront"): [cny(a.get("capex_cny"), lg) for a in assets],
            t("col_npv"): [cny(a.get("npv_cny"), lg) for a in assets]}), hide_index=True, width="stretch")
        for a in assets:
            if a.get("allocation"):
                st.caption(t("pk_allocation", asset=runs.measure_name(a["asset"], lg), alloc=", ".join(
                    f"{k}: {num(v, 1)} kWp" for k, v in a["allocation"].items())))
            if a.get("tenders"):
                st.markdown(f"**{t('pk_tenders')}**")
                st.dataframe(pd.DataFrame({
                    t("col_measure"): [runs.measure_name(x["measure_id"], lg) for x in a["tenders"]],
                    t("col_year"): [x["year"] for x in a["tenders"]],
                    t("pk_col_firms"): [x["firms"] for x in a["tenders"]],
                    t("pk_col_discount"): [cny(x["discount_cny"], lg) for x in a["tenders"]]}),
                    hide_index=True, width="stretch")

    # targets
    st.subheader(t("pk_targets"))
    tg = pd.DataFrame(res.targets)
    if len(tg):
        parts = [pd.DataFrame({"year": tg["year"], "series": t("em_baseline"), "t": tg["baseline_t"]}),
                 pd.DataFrame({"year": tg["year"], "series": t("em_plan"), "t": tg["emissions_t"]}),
                 pd.DataFrame({"year": tg["year"], "series": t("em_target"),
                               "t": [_finite(x) for x in tg["target_t"]]})]
        st.altair_chart(charts.park_targets(pd.concat(parts, ignore_index=True).dropna()), width="stretch")
        st.table(pd.DataFrame({
            t("col_year"): tg["year"], t("pk_col_baseline"): [tonnes(x, lg) for x in tg["baseline_t"]],
            t("pk_col_plan"): [tonnes(x, lg) for x in tg["emissions_t"]],
            t("pk_col_target"): [tonnes(_finite(x), lg) for x in tg["target_t"]],
            t("pk_col_met"): [t("yes") if x else t("no") for x in tg["met"]]}).set_index(t("col_year")))

    # spending
    if len(sp):
        st.subheader(t("pk_spending"))
        st.table(pd.DataFrame({
            t("col_year"): sp["year"], t("pk_col_budget"): [cny(_finite(x), lg) for x in sp["park_budget_cny"]],
            t("pk_col_spend"): [cny(x, lg) for x in sp["park_spend_cny"]],
            t("pk_col_pool"): [cny(_finite(x), lg) for x in sp["subsidy_pool_cny"]],
            t("pk_col_paid"): [cny(x, lg) for x in sp["public_subsidy_paid_cny"]]}).set_index(t("col_year")))

    # per-firm plans
    st.subheader(t("pk_firm_plans"))
    ft = pd.DataFrame({
        t("col_firm"): [f["firm_id"] for f in firms],
        t("pk_col_name"): [f.get("name") or "" for f in firms],
        t("col_sector"): [name("sector", f.get("sector", "")) for f in firms],
        t("pk_col_start"): [f["start_year"] if f.get("start_year") else MISSING for f in firms],
        t("pk_col_alone"): [cny(f.get("standalone_npv_cny"), lg) for f in firms],
        t("pk_col_in_park"): [cny(f.get("npv_cny"), lg) for f in firms],
        t("pk_col_subsidy"): [cny(float(np.sum(f.get("park_subsidy_cny_by_year") or [0.0])), lg) for f in firms],
        t("pk_col_discount"): [cny(f.get("collective_discount_cny"), lg) for f in firms],
        t("col_actions"): [len(f.get("actions") or []) for f in firms]})
    st.dataframe(ft, hide_index=True, width="stretch")
    ids = [f["firm_id"] for f in firms]
    if ids:
        fid = st.selectbox(t("pk_pick_firm"), ids, key="park_firm_pick")
        f = firms[ids.index(fid)]
        acts = f.get("actions") or []
        if not acts:
            st.caption(t("no_actions"))
        else:
            st.dataframe(pd.DataFrame({
                t("col_year"): [a.get("year") for a in acts],
                t("col_measure"): [runs.measure_name(a.get("option_id") or a.get("measure_id"), lg) for a in acts],
                t("col_mode"): [name("mode", a.get("mode", "")) for a in acts],
                t("col_upfront"): [cny(a.get("upfront_cny"), lg) for a in acts],
                t("col_npv"): [cny(a.get("npv_cny"), lg) for a in acts],
                t("col_co2"): [num(a.get("co2_reduction_t_per_year"), 1) for a in acts]}),
                hide_index=True, width="stretch")

    # downloads
    st.subheader(t("downloads"))
    cols = st.columns(4)
    cols[0].download_button(t("pk_dl_json"), json_bytes(res.to_dict()), "park_plan.json", "application/json",
                            key="park_dl_json")
    flat = pd.DataFrame([{k: v for k, v in f.items() if not isinstance(v, (list, dict))} for f in firms])
    cols[1].download_button(t("pk_dl_firms"), csv_bytes(flat), "park_firms.csv", "text/csv", key="park_dl_firms")
    cols[2].download_button(t("pk_dl_rollout"), csv_bytes(ro), "park_rollout.csv", "text/csv", key="park_dl_rollout")
    cols[3].download_button(t("pk_dl_targets"), csv_bytes(tg), "park_targets.csv", "text/csv", key="park_dl_targets")
