"""Compare page: one model, two to four variants (scenarios and --set overrides), planned side by side with the
differences highlighted: actions that appear, disappear, move year or change financing; NPV, abatement and payback
deltas against the first variant."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from pathways.errors import InputError
from pathways.ui import charts, runs
from pathways.ui.downloads import csv_bytes, json_bytes
from pathways.ui.fmt import cny, num, tonnes, years
from pathways.ui.inputs import (clean, example_name, examples, pick, save_uploads, scenario_controls, scenario_yaml, try_resolve,
                     uploader)
from pathways.ui.texts import lang, name, t

DEFAULT_SCENARIOS = ((), ("tight_budget",), ("high_carbon_price",), ("low_discount_rate",))
LABELS = ("A", "B", "C", "D")
GOOD, BAD, MOVED = "background-color: #c8e6c9", "background-color: #ffcdd2", "background-color: #fff3c4"


def action_changes(base: list[dict], other: list[dict], label: str, lg: str) -> list[str]:
    """Readable differences of ``other`` against ``base`` (lists of {option_id, year, mode})."""
    b = {a["option_id"]: a for a in base}
    o = {a["option_id"]: a for a in other}
    prefix = f"{label}: " if label else ""
    out = []

    def fmt(key, **kw):
        return t(key, lg, name="§", **kw).replace("§: ", prefix).replace("§：", prefix)

    for oid in sorted(set(o) - set(b), key=lambda x: (o[x]["year"], x)):
        out.append(fmt("cmp_appears", measure=runs.measure_name(oid, lg), year=o[oid]["year"],
                       mode=name("mode", o[oid]["mode"], lg)))
    for oid in sorted(set(b) - set(o), key=lambda x: (b[x]["year"], x)):
        out.append(fmt("cmp_disappears", measure=runs.measure_name(oid, lg), year=b[oid]["year"]))
    for oid in sorted(set(b) & set(o)):
        if b[oid]["year"] != o[oid]["year"]:
            out.append(fmt("cmp_moves", measure=runs.measure_name(oid, lg), y0=b[oid]["year"], y1=o[oid]["year"]))
        if b[oid]["mode"] != o[oid]["mode"]:
            out.append(fmt("cmp_mode", measure=runs.measure_name(oid, lg), m0=name("mode", b[oid]["mode"], lg),
                           m1=name("mode", o[oid]["mode"], lg)))
    return out


def _payback(res) -> float:
    saving = float(res.actions["annual_net_savings_cny"].sum()) if not res.actions.empty else 0.0
    return float(res.totals.get("upfront_cny", 0.0)) / saving if saving > 0 else float("nan")


def page() -> None:
    st.title(t("cmp_title"))
    ex = examples("site")
    options = (["__sme__"] if "sme_model" in st.session_state else []) + list(ex)
    choice = pick(st.selectbox, t("cmp_model"), options, "cmp_model",
                  format_func=lambda o: t("cmp_current") if o == "__sme__" else example_name(ex[o]))
    if choice == "__sme__":
        model, base_scen, base_sets = st.session_state["sme_model"]
    else:
        model, base_scen, base_sets = ex.get(choice), (), ()
    problems: list[str] = []
    uploaded = save_uploads(uploader("upload_scenarios", ["yaml", "yml"], "cmp_up_scen", multiple=True), problems,
                            "scenarios")
    for line in problems:
        st.error(line)
    n = st.slider(t("cmp_n"), 2, 4, 2, key="cmp_n")
    variants = []
    for i, col in enumerate(st.columns(n)):
        with col:
            label = st.text_input(t("cmp_label"), value=LABELS[i], key=f"cmp_label_{i}").strip() or LABELS[i]
            scen, sets = scenario_controls(f"cmp{i}", default=DEFAULT_SCENARIOS[i],
                                           extra=tuple(str(p) for p in uploaded))
            variants.append((label, list(base_scen) + scen, list(base_sets) + sets))
    if st.button(t("cmp_run"), type="primary", disabled=model is None, key="cmp_run"):
        st.session_state["cmp_last"] = (model, variants)
    if "cmp_last" in st.session_state:
        show_comparison(*st.session_state["cmp_last"])


def show_comparison(model, variants) -> None:
    lg = lang()
    done, seen = [], set()
    for i, (label, scen, sets) in enumerate(variants):
        label = label if label not in seen else f"{label}{i + 1}"
        seen.add(label)
        resolved, lines = try_resolve(model, scen, sets)
        if resolved is None:
            for line in lines:
                st.error(t("cmp_failed", name=label, msg=line))
            continue
        try:
            with st.spinner(t("cmp_running", name=label)):
                res = runs.plan(resolved, objective="npv", alternatives=0)
        except InputError as exc:
            for line in clean(exc.problems):
                st.error(t("cmp_failed", name=label, msg=line))
            continue
        if res.status == "infeasible" or res.problem is None or not res.totals:
            st.error(t("cmp_failed", name=label, msg=res.message or res.status))
            continue
        done.append((label, resolved, res, scen, sets))
    if len(done) < 2:
        st.warning(t("cmp_need_two"))
        return
    base_label, _, base = done[0][:3]
    T = base.problem.plan_years
    summary = []
    for label, resolved, res, *_ in done:
        tot, btot = res.totals, base.totals
        summary.append({"variant": label, "npv_cny": tot["npv_cny"], "d_npv_cny": tot["npv_cny"] - btot["npv_cny"],
                        "upfront_cny": tot["upfront_cny"], "d_upfront_cny": tot["upfront_cny"] - btot["upfront_cny"],
                        "abatement_t_year_T": tot["abatement_t_year_T"],
                        "cumulative_abatement_t": tot["cumulative_abatement_t"],
                        "d_cumulative_abatement_t": tot["cumulative_abatement_t"] - btot["cumulative_abatement_t"],
                        "payback_years": _payback(res), "d_payback_years": _payback(res) - _payback(base),
                        "n_actions": len(res.actions), "config_hash": res.site["config_hash"]})
    sdf = pd.DataFrame(summary)
    st.subheader(t("cmp_summary", base=base_label))
    shown = pd.DataFrame({
        t("col_variant"): sdf["variant"],
        t("m_npv"): sdf["npv_cny"].map(lambda x: cny(x, lg)),
        t("cmp_delta", what=t("m_npv")): sdf["d_npv_cny"].map(lambda x: cny(x, lg, signed=True)),
        t("m_upfront"): sdf["upfront_cny"].map(lambda x: cny(x, lg)),
        t("m_abatement", T=T): sdf["abatement_t_year_T"].map(lambda x: tonnes(x, lg)),
        t("col_abatement_cum"): sdf["cumulative_abatement_t"].map(lambda x: tonnes(x, lg)),
        t("cmp_delta", what=t("col_abatement_cum")): sdf["d_cumulative_abatement_t"].map(
            lambda x: tonnes(x, lg, signed=True)),
        t("m_payback"): sdf["payback_years"].map(lambda x: years(x, lg)),
        t("cmp_delta", what=t("m_payback")): sdf["d_payback_years"].map(lambda x: num(x, 1, signed=True)),
        t("col_n_actions"): sdf["n_actions"]}).set_index(t("col_variant"))
    good_up = [t("cmp_delta", what=t("m_npv")), t("cmp_delta", what=t("col_abatement_cum"))]
    good_down = [t("cmp_delta", what=t("m_payback"))]

    def colour(col: pd.Series) -> list[str]:
        if col.name not in good_up + good_down:
            return [""] * len(col)
        sign = {"+": 1, "-": -1}
        out = [""]                       # the first variant is the reference
        for v in col.iloc[1:]:
            s = sign.get(str(v)[:1], 0) * (1 if col.name in good_up else -1)
            out.append(GOOD if s > 0 else BAD if s < 0 else "")
        return out
    st.table(shown.style.apply(colour))

    st.subheader(t("cmp_matrix"))
    per = {label: {r.option_id: r for r in res.actions.itertuples()} for label, _, res, *_ in done}
    all_ids = sorted({oid for d in per.values() for oid in d},
                     key=lambda o: (min(d[o].year for d in per.values() if o in d), o))
    matrix = pd.DataFrame(
        {label: [f"{per[label][o].year} · {name('mode', per[label][o].mode)}" if o in per[label] else t("cmp_not_in")
                 for o in all_ids] for label, *_ in done},
        index=[runs.measure_name(o, lg) for o in all_ids])
    matrix.index.name = t("col_measure")

    def mark(row: pd.Series) -> list[str]:
        b = row.iloc[0]
        styles = [""]
        for v in row.iloc[1:]:
            if v == b:
                styles.append("")
            elif b == t("cmp_not_in"):
                styles.append(GOOD)
            elif v == t("cmp_not_in"):
                styles.append(BAD)
            else:
                styles.append(MOVED)
        return styles
    st.table(matrix.style.apply(mark, axis=1))

    st.subheader(t("cmp_changes", base=base_label))
    base_actions = base.actions[["option_id", "year", "mode"]].to_dict(orient="records")
    for label, _, res, *_ in done[1:]:
        changes = action_changes(base_actions, res.actions[["option_id", "year", "mode"]].to_dict(orient="records"),
                                 label, lg)
        st.markdown("\n".join(f"- {c}" for c in changes) if changes else f"- {t('cmp_same', name=label, base=base_label)}")
    st.altair_chart(charts.variants_emissions({label: res.emissions_by_year for label, _, res, *_ in done}, T),
                    width="stretch")

    st.subheader(t("downloads"))
    cols = st.columns(2 + len(done))
    cols[0].download_button(t("cmp_dl"), csv_bytes(sdf), "comparison.csv", "text/csv", key="cmp_dl_csv")
    payload = {"variants": [{"variant": label, "scenarios": [Path(s).name for s in scen], "set": list(sets),
                             "summary": {k: (None if isinstance(x, float) and not np.isfinite(x) else x)
                                         for k, x in row.items()},
                             "actions": res.actions[["option_id", "year", "mode", "size"]].to_dict(orient="records")}
                            for (label, _, res, scen, sets), row in zip(done, summary)]}
    cols[1].download_button(t("cmp_dl_json"), json_bytes(payload), "comparison.json", "application/json",
                            key="cmp_dl_json")
    for i, (label, resolved, *_) in enumerate(done):
        cols[2 + i].download_button(t("cmp_dl_scen", name=label), scenario_yaml(resolved, f"variant_{label}")
                                    .encode("utf-8"), f"variant_{label}.yaml", "application/x-yaml",
                                    key=f"cmp_dl_scen_{i}")
