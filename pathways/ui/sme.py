"""My SME page: an example, a form or uploaded files -> validated model -> plan, charts, explanations,
alternatives, today's-practice comparison and downloads.

The plan is shown as soon as the main solve is done (``alternatives=0``); the alternative plans are a second
cached call (the same plan with ``alternatives=K``), so they appear below while the user reads the plan.
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd
import streamlit as st

from pathways.results import owner as rep
from pathways.errors import InputError
from pathways.model.planner import why_not_text, why_text
from pathways.model.records import BindingConstraint
from pathways.money.financing import FINANCING_MODES
from pathways.vocabulary import FUEL_CARRIERS, FUEL_END_USES, OBJECTIVES, ROOF_TYPES, SECTORS, SHIFTS
from pathways.ui import charts, runs
from pathways.ui.compare import action_changes
from pathways.ui.downloads import plan_downloads
from pathways.ui.fmt import cny, num, tonnes, years
from pathways.ui import inputs
from pathways.ui.inputs import (clean, example_name, examples, pick, save_uploads, scenario_controls, show_problems, try_resolve,
                     uploader)
from pathways.ui.texts import COLUMNS, TEXT, lang, name, t

MODES = FINANCING_MODES
CARRIERS = FUEL_CARRIERS   # the fuels a site may list


# ---------------------------------------------------------------------------------------------- inputs
def _example() -> tuple[str | None, list[str]]:
    ex = examples("site")
    if not ex:
        return None, []
    label = pick(st.selectbox, t("example"), list(ex), "sme_example", format_func=lambda k: example_name(ex[k]))
    return ex[label], []


def _upload() -> tuple[str | None, list[str], list[str]]:
    st.caption(t("upload_limit", mb=inputs.MAX_UPLOAD_MB))
    problems: list[str] = []
    model = save_uploads([uploader("upload_model", ["yaml", "yml"], "sme_up_model")], problems)
    scen = save_uploads(uploader("upload_scenarios", ["yaml", "yml"], "sme_up_scen", multiple=True), problems,
                        "scenarios")
    save_uploads([uploader("upload_csv", ["csv"], "sme_up_csv")], problems)
    if not model and not problems:
        st.info(t("need_model"))
    return (str(model[0]) if model else None), [str(p) for p in scen], problems


def _rows(df: pd.DataFrame) -> list[dict]:
    """data_editor rows as dicts, without empty cells (so validation names what is missing)."""
    out = []
    for rec in df.to_dict(orient="records"):
        row = {k: v for k, v in rec.items() if v is not None and not (isinstance(v, float) and np.isnan(v))}
        if row:
            out.append(row)
    return out


def _form() -> tuple[dict, list[str]]:
    lg = lang()
    c = runs.cities()
    labels = {r.name_en: (f"{r.name_zh} {r.name_en}" if lg == "zh" else f"{r.name_en} ({r.name_zh})")
              for r in c.itertuples()}
    cities = list(labels)
    col1, col2 = st.columns(2)
    site_name = col1.text_input(t("form_name"), value=t("form_default_name"), key="f_name")
    with col2:
        city = pick(st.selectbox, t("form_city"), cities, "f_city", "Suzhou", format_func=labels.get)
    with col1:
        sector = pick(st.selectbox, t("form_sector"), SECTORS, "f_sector", format_func=lambda s: name("sector", s))
    with col2:
        shifts = pick(st.selectbox, t("form_shifts"), SHIFTS, "f_shifts", "two",
                      format_func=lambda s: name("shifts", s))
    kwh = col1.number_input(t("form_kwh"), min_value=0.0, value=2_000_000.0, step=100_000.0, format="%.0f",
                            key="f_kwh")
    plan_years = col2.number_input(t("form_years"), min_value=1, max_value=10, value=5, step=1, key="f_years")
    cols = COLUMNS[lg]
    st.caption(t("form_fuels"))
    fuels = st.data_editor(
        pd.DataFrame([{"carrier": "natural_gas", "annual_quantity": 150000.0, "end_use": "process_heat"}]),
        num_rows="dynamic", key="f_fuels", width="stretch",
        column_config={"carrier": st.column_config.SelectboxColumn(cols["carrier"], options=CARRIERS,
                                                                   format_func=lambda c: name("carrier", c)),
                       "annual_quantity": st.column_config.NumberColumn(cols["annual_quantity"], min_value=0),
                       "end_use": st.column_config.SelectboxColumn(cols["end_use"], options=FUEL_END_USES,
                                                                   format_func=lambda e: name("end_use", e))})
    st.caption(t("form_roofs"))
    roofs = st.data_editor(
        pd.DataFrame([{"id": "workshop", "area_m2": 5000.0, "usable_fraction": 0.7, "tilt_deg": 5.0,
                       "azimuth_deg": 180.0, "roof_type": "metal"}]),
        num_rows="dynamic", key="f_roofs", width="stretch",
        column_config={k: (st.column_config.SelectboxColumn(cols[k], options=ROOF_TYPES)
                           if k == "roof_type" else
                           st.column_config.TextColumn(cols[k]) if k == "id" else
                           st.column_config.NumberColumn(cols[k])) for k in cols if k in
                       ("id", "area_m2", "usable_fraction", "tilt_deg", "azimuth_deg", "roof_type")})
    col1, col2 = st.columns(2)
    budget = col1.number_input(t("form_budget"), min_value=0.0, value=800_000.0, step=50_000.0, format="%.0f",
                               key="f_budget")
    payback = col2.number_input(t("form_payback"), min_value=0.5, max_value=30.0, value=6.0, step=0.5,
                                key="f_payback")
    modes = pick(st.multiselect, t("form_modes"), MODES, "f_modes", list(MODES), format_func=lambda m: name("mode", m))
    reinvest = st.checkbox(t("form_reinvest"), value=False, key="f_reinvest")
    problems: list[str] = []
    csv = save_uploads([uploader("upload_csv", ["csv"], "f_csv")], problems, "form")
    model = {"name": site_name, "city": city, "sector": sector,
             "electricity": {"annual_kwh": kwh, "shifts": shifts,
                             **({"metered_csv": csv[0].name} if csv else {})},     # in the form folder
             "fuels": _rows(fuels), "roofs": _rows(roofs),
             "finance": {"budget_cny_per_year": budget, "payback_limit_years": payback,
                         "reinvest_savings": reinvest, "allowed_financing_modes": modes or None},
             "plan": {"years": int(plan_years)}}
    return model, problems


# ---------------------------------------------------------------------------------------------- page
def page() -> None:
    st.title(t("sme_title"))
    kinds = ("example", "form", "upload")
    source = pick(st.radio, t("source"), kinds, "sme_source", format_func=lambda k: t(f"src_{k}"), horizontal=True)
    uploaded_scen: list[str] = []
    problems: list[str] = []
    if source == "example":
        model, _ = _example()
    elif source == "form":
        model, problems = _form()
    else:
        model, uploaded_scen, problems = _upload()
    with st.expander(t("settings"), expanded=False):
        scenarios, sets = scenario_controls("sme")
        col1, col2 = st.columns(2)
        with col1:
            objective = pick(st.selectbox, t("objective"), OBJECTIVES, "sme_obj", format_func=lambda o: t(f"obj_{o}"))
        n_alt = col2.number_input(t("alternatives"), min_value=0, max_value=5, value=3, step=1, key="sme_alt")
    resolved, lines = (try_resolve(model, scenarios + uploaded_scen, sets) if model is not None else (None, []))
    show_problems(problems + lines)
    if resolved is not None:
        st.session_state["sme_model"] = (model, tuple(scenarios + uploaded_scen), tuple(sets))
        runs.warm_up(resolved.model.city or "")
    settings = {"objective": objective, "alternatives": int(n_alt)}
    if st.button(t("run"), type="primary", disabled=resolved is None, key="sme_run"):
        st.session_state["sme_last"] = (resolved, settings)
    last = st.session_state.get("sme_last")
    if last is not None:
        if resolved is None or last[0].config_hash != resolved.config_hash or last[1] != settings:
            st.info(t("stale"))
        show_results(*last)


def show_results(resolved, settings: dict) -> None:
    lg = lang()
    quick = {"objective": settings["objective"], "alternatives": 0}
    try:
        with st.spinner(t("running")):
            res = runs.plan(resolved, **quick)
    except InputError as exc:
        show_problems(clean(exc.problems))
        return
    s = res.site
    st.subheader(t("results_for", name=s["name"], city=s["city_zh"] if lg == "zh" else s["city"],
                   province=runs.province_name(s["province"], lg), hash=s["config_hash"][:12]))
    if res.status == "infeasible":
        st.error(t("infeasible", msg=res.message))
        return
    if res.status != "optimal" and res.actions.empty:
        st.error(t("time_limit", msg=res.message))
        return
    problem = res.problem
    T, H = problem.plan_years, problem.horizon
    acts = res.actions
    tot = res.totals
    for w in rep.warnings_of(res):
        st.warning(w["text_zh"] if lg == "zh" else w["text_en"], icon="⚠️")
    inv_payback, cash_payback = rep.plan_paybacks(res)
    m = st.columns(4) + st.columns(3)
    m[0].metric(t("m_npv"), cny(tot["npv_cny"], lg))
    m[1].metric(t("m_upfront"), cny(tot["upfront_cny"], lg))
    m[2].metric(t("m_inv_payback"), years(inv_payback, lg))
    m[3].metric(t("m_cash_payback"), years(cash_payback, lg))
    m[4].metric(t("m_abatement", T=T), tonnes(tot["abatement_t_year_T"], lg))
    m[5].metric(t("m_cum", H=H), tonnes(tot["cumulative_abatement_t"], lg))
    m[6].metric(t("m_vs_base"), cny(tot["npv_vs_baseline_cny"], lg, signed=True))
    st.caption(t("npv_basis", H=H, r=problem.econ.discount_rate * 100,
                 basis=t("after_tax" if rep.tax_basis(res) == "after_tax" else "before_tax")))
    with st.expander(t("solver_details")):             # the solver's internals, only when asked
        st.caption(t("solved", status=res.status, total=res.total_seconds, solver=res.solve_seconds))
        if res.message:
            st.caption(t("note", msg=res.message))
    if acts.empty:
        st.warning(t("no_actions"))
        return
    roofs = getattr(resolved.model, "roofs", None)
    names = pd.Series([rep.measure_label(res, r, lg, roofs) for _, r in acts.iterrows()], index=acts.index)
    rows = pd.DataFrame({"measure": names, "family": acts["family"].map(lambda f: name("family", f)),
                         "year": acts["year"], "mode": acts["mode"].map(lambda x: name("mode", x)),
                         "upfront": acts["upfront_cny"].map(lambda x: cny(x, lg))})
    st.altair_chart(charts.timeline(rows, T), width="stretch")
    st.subheader(t("plan_table"))
    st.caption(t("plan_order"))
    steps = rep.first_steps(res)
    table = pd.DataFrame({
        t("col_year"): steps["year"], t("col_step"): steps["step"],
        t("col_measure"): [rep.measure_label(res, r, lg, roofs) for _, r in steps.iterrows()],
        t("col_mode"): steps["mode"].map(lambda x: name("mode", x)),
        t("col_size"): [rep.size_text(v, u, lg) for v, u in zip(steps["size"], steps["size_unit"])],
        t("col_upfront"): steps["upfront_cny"].map(lambda x: cny(x, lg)),
        t("col_saving"): steps["annual_net_savings_cny"].map(lambda x: cny(x, lg)),
        t("col_npv"): steps["npv_cny"].map(lambda x: cny(x, lg)),
        t("col_co2_first"): steps["co2_reduction_t_per_year"].map(lambda x: num(x, 1)),
        t("col_inv_payback"): steps["investment_payback_years"].map(lambda x: num(x, 1)),
        t("col_cash_payback"): steps["cash_payback_years"].map(lambda x: num(x, 1))})
    st.table(table.set_index(t("col_year")))
    _owner_cash(res)
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.owner_cash(rep.owner_cash_table(res)), width="stretch")
    c2.altair_chart(charts.emissions(res.emissions_by_year, T), width="stretch")
    _macc_and_frontier(resolved, acts, names, H)
    _explanations(res)
    _baseline(res)
    _estimates(res, resolved)
    full = _alternatives(resolved, settings, res)
    plan_downloads(full or res, resolved, settings, "sme")
    if resolved.applied_overrides:
        with st.expander(t("overrides_applied")):
            st.table(pd.DataFrame(resolved.applied_overrides).astype(str))


CASH_COLUMNS = (("year", "col_year"), ("budget_cny", "c_budget"), ("upfront_cny", "c_upfront"),
                ("instalments_cny", "c_instalments"), ("fees_cny", "c_fees"), ("esco_payments_cny", "c_esco"),
                ("savings_cny", "c_savings"), ("tax_cny", "c_tax"), ("net_cny", "c_net"), ("cumulative_cny", "c_cum"),
                ("cash_position_cny", "c_position"), ("energy_bill_before_cny", "c_bill_before"),
                ("energy_bill_after_cny", "c_bill_after"))


def _owner_cash(res) -> None:
    """The owner's cash by year and the energy bill before and after (pathways.results.owner.owner_cash_table)."""
    lg = lang()
    cash = rep.owner_cash_table(res)
    if cash.empty:
        return
    st.subheader(t("cash_table"))
    st.caption(t("cash_note"))
    cols = [(c, k) for c, k in CASH_COLUMNS if c in cash and (c == "year" or cash[c].notna().any())]
    def money(x: float) -> str:
        return cny(round(x) + 0 if np.isfinite(x) else x, lg)      # no "-¥0" for nothing paid
    st.dataframe(pd.DataFrame({t(k): (cash[c] if c == "year" else cash[c].map(money)) for c, k in cols})
                 .set_index(t("col_year")), width="stretch")
    st.altair_chart(charts.energy_bill(cash), width="stretch")


def _estimates(res, resolved) -> None:
    """The estimated figures the plan rests on, with their sources."""
    lg = lang()
    est = res.estimates
    if not est:
        return
    with st.expander(t("estimates_title", n=len(est))):
        st.dataframe(pd.DataFrame({
            t("est_figure"): [x.get("figure_zh", x["figure"]) if lg == "zh" else x["figure"] for x in est],
            t("est_value"): [str(x["value"]) for x in est],
            t("est_unit"): [rep.unit_text(str(x["unit"]), lg) for x in est],
            t("est_source"): [x["source"] for x in est]}), width="stretch", hide_index=True)


def _macc_and_frontier(resolved, acts, names, H) -> None:
    lg = lang()
    df, skipped = charts.macc_table(acts, H, names)
    c1, c2 = st.columns(2)
    with c1:
        if not df.empty:
            st.altair_chart(charts.macc(df), width="stretch")
        st.caption(t("macc_caption", H=H, skipped=", ".join(skipped) or "–"))
    with c2:
        st.markdown(f"**{t('frontier')}**")
        st.caption(t("frontier_help"))
        key = ("frontier", resolved.config_hash)
        if st.button(t("frontier_run"), key="sme_frontier"):
            st.session_state["sme_frontier_for"] = key
        if st.session_state.get("sme_frontier_for") == key:
            try:
                with st.spinner(t("frontier_running")):
                    fr = runs.pareto(resolved, points=5)
            except InputError as exc:
                show_problems(clean(exc.problems))
                return
            if fr.empty:
                st.info(t("frontier_empty"))
            else:
                st.altair_chart(charts.frontier(fr), width="stretch")
                st.table(pd.DataFrame({t("frontier_x"): fr["cumulative_abatement_t"].map(lambda x: num(x)),
                                       t("frontier_y"): fr["npv_cny"].map(lambda x: cny(x, lg)),
                                       t("col_n_actions"): fr["n_actions"]}))


def _explanations(res) -> None:
    """Why / why not in the chosen language (the planner's codes and numbers, rendered by the planner)."""
    lg = lang()
    st.subheader(t("why"))
    label = {r["option_id"]: rep.measure_label(res, r, lg) for _, r in res.actions.iterrows()}
    why = [{t("col_year"): x.year,
            t("col_measure"): label.get(x.option_id) or runs.measure_name(x.option_id, lg),
            t("col_why"): why_text(x, lg)} for x in sorted(res.explanations, key=lambda x: x.year)]
    st.table(pd.DataFrame(why).set_index(t("col_year")))
    if res.binding_constraints:
        st.markdown(f"**{t('binding')}**: " + "; ".join(binding_text(b, lg) for b in res.binding_constraints))
    if res.rejected:
        st.subheader(t("why_not"))
        rows = []
        for x in res.rejected:
            reason, break_even = why_not_text(x, lg)
            rows.append({t("col_measure"): runs.measure_name(x.option_id, lg),
                         t("col_npv"): cny(x.standalone_npv_cny, lg),
                         t("col_year"): "–" if x.best_year is None else str(x.best_year),
                         t("col_mode"): name("mode", x.best_mode) if x.best_mode else "–",
                         t("col_why_not"): reason, t("col_break_even"): break_even or "–"})
        st.table(pd.DataFrame(rows).set_index(t("col_measure")))


def binding_text(b: BindingConstraint, lg: str) -> str:
    key = f"bind_{b.family}"
    if key not in TEXT[lg]:
        return b.text
    return t(key, lg, year=b.year or "", roof_id=b.roof_id or "", measure=runs.measure_name(b.option_id or "", lg))


def _baseline(res) -> None:
    lg = lang()
    b, tot = res.baseline, res.totals
    if b is None:
        return
    st.subheader(t("baseline_title"))
    c = st.columns(4)
    c[0].metric(t("plan_npv"), cny(tot["npv_cny"], lg))
    c[1].metric(t("base_npv"), cny(b.npv_cny, lg), cny(tot["npv_cny"] - b.npv_cny, lg, signed=True))
    c[2].metric(t("plan_cum"), tonnes(tot["cumulative_abatement_t"], lg))
    c[3].metric(t("base_cum"), tonnes(b.cumulative_abatement_t, lg),
                tonnes(tot["cumulative_abatement_t"] - b.cumulative_abatement_t, lg, signed=True))
    with st.expander(t("base_actions")):
        st.table(pd.DataFrame([{t("col_year"): a.year, t("col_measure"): runs.measure_name(a.option_id, lg),
                                t("col_mode"): name("mode", a.mode)} for a in b.actions]))


def _alternatives(resolved, settings, res):
    """Second call with K alternatives (cached); returns that full result (for the downloads) or None."""
    if settings["alternatives"] <= 0:
        return None
    lg = lang()
    st.subheader(t("alternatives_title"))
    try:
        with st.spinner(t("running_alts")):
            full = runs.plan(resolved, **settings)
    except InputError as exc:
        show_problems(clean(exc.problems))
        return None
    if not full.alternatives:
        st.info(t("no_alternatives"))
        return full
    plan_actions = res.actions[["option_id", "year", "mode"]].to_dict(orient="records")
    rows = []
    for a in full.alternatives:
        changes = action_changes(plan_actions, [asdict(x) for x in a.actions], "", lg)
        rows.append({t("col_rank"): a.rank, t("col_npv"): cny(a.npv_cny, lg),
                     t("col_gap"): cny(a.npv_gap_cny, lg), t("col_upfront"): cny(a.upfront_cny, lg),
                     t("col_abatement_cum"): num(a.cumulative_abatement_t),
                     t("col_n_actions"): len(a.actions), t("col_diff"): "; ".join(changes) or "–"})
    st.table(pd.DataFrame(rows).set_index(t("col_rank")))
    return full
