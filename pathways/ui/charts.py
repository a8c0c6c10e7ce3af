"""Altair charts (Vega is bundled with Streamlit: nothing is fetched at run time). Titles come from texts.py."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from pathways.ui.texts import t


def timeline(rows: pd.DataFrame, plan_years: int) -> alt.Chart:
    """Gantt-like: one bar per action from its start year to the end of the plan; colour = family.
    ``rows`` has columns measure, family, year, mode, upfront."""
    df = rows.assign(start=rows["year"] - 0.5, end=plan_years + 0.5)
    return alt.Chart(df, title=t("timeline")).mark_bar(cornerRadius=3).encode(
        x=alt.X("start:Q", title=t("col_year"), scale=alt.Scale(domain=[0.5, plan_years + 0.5]),
                axis=alt.Axis(values=list(range(1, plan_years + 1)), format="d")),
        x2="end:Q",
        y=alt.Y("measure:N", sort=alt.EncodingSortField("year", order="ascending"), title=None,
                axis=alt.Axis(labelLimit=320)),
        color=alt.Color("family:N", title=t("col_family"), scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("measure:N", title=t("col_measure")), alt.Tooltip("year:Q", title=t("col_year")),
                 alt.Tooltip("mode:N", title=t("col_mode")), alt.Tooltip("upfront:N", title=t("col_upfront"))],
    ).properties(height=max(120, 30 * len(df)))


def owner_cash(cash: pd.DataFrame) -> alt.Chart:
    """The owner's net cash by plan year (bars) and its cumulative position (line), from
    ``pathways.results.owner.owner_cash_table``."""
    df = pd.DataFrame({"year": cash["year"], "net": cash["net_cny"], "cum": cash["cumulative_cny"]})
    base = alt.Chart(df, title=t("owner_cash_title"))
    bars = base.mark_bar(opacity=0.75).encode(
        x=alt.X("year:O", title=t("col_year")),
        y=alt.Y("net:Q", title=t("cny"), axis=alt.Axis(format=",.0f")),
        color=alt.condition(alt.datum.net >= 0, alt.value("#2e7d32"), alt.value("#c62828")),
        tooltip=[alt.Tooltip("year:O", title=t("col_year")), alt.Tooltip("net:Q", title=t("cash_net"), format=",.0f"),
                 alt.Tooltip("cum:Q", title=t("cash_cum"), format=",.0f")])
    line = base.mark_line(point=True, color="#1565c0").encode(x="year:O", y="cum:Q")
    return (bars + line).properties(height=300)


def energy_bill(cash: pd.DataFrame) -> alt.Chart:
    """The site's energy bill by plan year without and with the plan."""
    df = pd.concat([pd.DataFrame({"year": cash["year"], "series": t(key), "cny": cash[col]})
                    for key, col in (("bill_before", "energy_bill_before_cny"), ("bill_after", "energy_bill_after_cny"))],
                   ignore_index=True)
    return alt.Chart(df, title=t("bill_title")).mark_line(point=True).encode(
        x=alt.X("year:O", title=t("col_year")),
        y=alt.Y("cny:Q", title=t("cny"), axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=True)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(scheme="tableau10")),
        tooltip=["series:N", alt.Tooltip("year:O", title=t("col_year")), alt.Tooltip("cny:Q", format=",.0f")],
    ).properties(height=260)


def emissions(em: pd.DataFrame, plan_years: int, baseline_rule: pd.Series | None = None) -> alt.Chart:
    """Baseline vs plan vs targets (and the payback-first practice when given), over the plan years + 5."""
    n = min(len(em), plan_years + 5)
    e = em.head(n)
    parts = [pd.DataFrame({"year": e["year"], "series": t("em_baseline"), "t": e["baseline_t"]}),
             pd.DataFrame({"year": e["year"], "series": t("em_plan"), "t": e["plan_t"]})]
    if baseline_rule is not None:
        parts.append(pd.DataFrame({"year": e["year"], "series": t("em_base_rule"), "t": baseline_rule.head(n)}))
    if "target_t" in e and e["target_t"].notna().any():
        parts.append(pd.DataFrame({"year": e["year"], "series": t("em_target"), "t": e["target_t"]}).dropna())
    return _emission_lines(pd.concat(parts, ignore_index=True), t("em_title"), zero=True, tip=",.1f", height=300)


def _emission_lines(df: pd.DataFrame, title: str, zero: bool, tip: str, height: int) -> alt.Chart:
    """tCO2 by year, one line per ``series`` (columns year, series, t)."""
    return alt.Chart(df, title=title).mark_line(point=True).encode(
        x=alt.X("year:O", title=t("em_year")),
        y=alt.Y("t:Q", title=t("em_t"), axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=zero)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(scheme="tableau10")),
        strokeDash=alt.StrokeDash("series:N", title=None),
        tooltip=["series:N", "year:O", alt.Tooltip("t:Q", format=tip)],
    ).properties(height=height)


def macc_table(actions: pd.DataFrame, horizon: int, names: pd.Series) -> tuple[pd.DataFrame, list[str]]:
    """Cost per tonne of each action (-NPV over the tonnes of the horizon), sorted cheapest first, with the bar
    edges; and the names of actions that cut no CO2."""
    co2 = actions["co2_reduction_t_per_year"].astype(float)
    keep = co2 > 1e-6
    df = pd.DataFrame({"measure": names[keep].to_numpy(), "co2": co2[keep].to_numpy(),
                       "cost": (-actions["npv_cny"][keep] / (co2[keep] * horizon)).to_numpy()})
    df = df.sort_values("cost", kind="stable").reset_index(drop=True)
    df["x1"] = df["co2"].cumsum()
    df["x0"] = df["x1"] - df["co2"]
    return df, list(names[~keep])


def macc(df: pd.DataFrame) -> alt.Chart:
    return alt.Chart(df, title=t("macc_title")).mark_rect(stroke="white").encode(
        x=alt.X("x0:Q", title=t("macc_x"), axis=alt.Axis(format=",.0f")), x2="x1:Q",
        y=alt.Y("cost:Q", title=t("macc_y"), axis=alt.Axis(format=",.0f")), y2=alt.datum(0),
        color=alt.condition(alt.datum.cost <= 0, alt.value("#2e7d32"), alt.value("#ef6c00")),
        tooltip=[alt.Tooltip("measure:N", title=t("col_measure")),
                 alt.Tooltip("co2:Q", title=t("col_co2"), format=",.1f"),
                 alt.Tooltip("cost:Q", title=t("col_cost_per_t"), format=",.0f")],
    ).properties(height=300)


def frontier(df: pd.DataFrame) -> alt.Chart:
    return alt.Chart(df, title=t("frontier_title")).mark_line(point=True).encode(
        x=alt.X("cumulative_abatement_t:Q", title=t("frontier_x"), axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(zero=False)),
        y=alt.Y("npv_cny:Q", title=t("frontier_y"), axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("cumulative_abatement_t:Q", format=",.0f"), alt.Tooltip("npv_cny:Q", format=",.0f"),
                 "n_actions:Q"],
    ).properties(height=300)


def variants_emissions(series: dict[str, pd.DataFrame], plan_years: int) -> alt.Chart:
    parts = []
    for label, em in series.items():
        e = em.head(plan_years + 5)
        parts.append(pd.DataFrame({"year": e["year"], "series": label, "t": e["plan_t"]}))
    first = next(iter(series.values())).head(plan_years + 5)
    parts.append(pd.DataFrame({"year": first["year"], "series": t("em_baseline"), "t": first["baseline_t"]}))
    df = pd.concat(parts, ignore_index=True)
    return alt.Chart(df, title=t("cmp_em_title")).mark_line(point=True).encode(
        x=alt.X("year:O", title=t("em_year")),
        y=alt.Y("t:Q", title=t("em_t"), axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=True)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(scheme="tableau10")), tooltip=["series:N", "year:O", alt.Tooltip("t:Q", format=",.1f")],
    ).properties(height=300)


def finite(x) -> float:
    x = float(x)
    return x if np.isfinite(x) else float("nan")


# ---------------------------------------------------------------------------------------------- policy
def policy_curve(df: pd.DataFrame, title: str, x_title: str, y_title: str, x_format: str = ",.0f",
                 y_format: str = ",.0f", lines: bool = True) -> alt.Chart:
    """Curves over the designs of a subsidy sweep. ``df`` is long: x, y, series, design (tooltip label).
    ``lines=False`` (designs over several levers, not ordered along one axis) draws points only."""
    data = df.dropna(subset=["x", "y"]).sort_values(["series", "x"], kind="stable")
    base = alt.Chart(data, title=title)
    mark = base.mark_line(point=True) if lines else base.mark_circle(size=80)
    return mark.encode(
        x=alt.X("x:Q", title=x_title, axis=alt.Axis(format=x_format), scale=alt.Scale(zero=True)),
        y=alt.Y("y:Q", title=y_title, axis=alt.Axis(format=y_format), scale=alt.Scale(zero=True)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(scheme="tableau10"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=480)),
        tooltip=[alt.Tooltip("design:N", title=t("col_design")), alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("y:Q", title=y_title, format=y_format)],
    ).properties(height=300)


# ---------------------------------------------------------------------------------------------- park
def park_rollout(df: pd.DataFrame) -> alt.Chart:
    """Firms joining the park programme per year (bars) against the programme capacity (line).
    ``df``: year, series, n."""
    starting, capacity = t("pk_s_starting"), t("pk_s_capacity")
    base = alt.Chart(df, title=t("pk_rollout_chart"))
    bars = base.transform_filter(alt.datum.series == starting).mark_bar(opacity=0.8).encode(
        x=alt.X("year:O", title=t("col_year")), y=alt.Y("n:Q", title=t("pk_firms_axis")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[starting, capacity],
                                                                range=["#1565c0", "#ef6c00"])),
        tooltip=[alt.Tooltip("year:O", title=t("col_year")), alt.Tooltip("n:Q", title=starting)])
    line = base.transform_filter(alt.datum.series == capacity).mark_line(point=True, strokeDash=[4, 3]).encode(
        x="year:O", y="n:Q", color="series:N",
        tooltip=[alt.Tooltip("year:O", title=t("col_year")), alt.Tooltip("n:Q", title=capacity)])
    return (bars + line).properties(height=260)


def park_targets(df: pd.DataFrame) -> alt.Chart:
    """Park emissions: baseline, plan and targets by year. ``df``: year, series, t."""
    return _emission_lines(df, t("pk_targets_chart"), zero=False, tip=",.0f", height=280)
