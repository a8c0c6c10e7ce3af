"""Policy analysis of subsidy sweeps over a population of firms: ``pathways policy SWEEP.yaml --out DIR``.

The sweep (``pathways.batch``) plans every firm at every design point; a design is one combination of the sweep's
key values. The *subsidy keys* (``policy.subsidy_keys``; default: the sweep keys under ``assumptions.subsidies.``)
are the policy levers; the *counterfactual* of a design is the same point with every subsidy key at its no-subsidy
value (``policy.no_subsidy``; default 0) and is added to the sweep when missing. Per design:

* uptake: firms adopting each measure (any of its options) and each family (at least one measure of it);
* abatement of the population: in plan year T (tCO2/yr) and cumulative over the horizon (tCO2);
* public spending: upfront subsidies paid (``subsidy_cny`` of the actions; capex-share subsidies), undiscounted
  and discounted to the start of plan year 1 at ``policy.public_discount_rate`` (paid at the start of the action's
  year: factor (1 + r)^-(year - 1));
* additional abatement: abatement at the design minus abatement at its counterfactual, summed over the firms with
  a plan at both points (what the subsidy really causes);
* public CNY per tCO2: spending / cumulative abatement (gross) and spending on the compared firms / additional
  cumulative abatement (NaN when the subsidy adds no abatement);
* free riders: a subsidised adoption (firm, measure with subsidy > 0) is a free rider when the firm adopts the same
  measure at the counterfactual; the share of subsidised adoptions and of subsidy money going to free riders;
* the cheapest design reaching ``policy.abatement_target`` ({metric, value_t}): least undiscounted spending among
  designs whose metric (``TARGET_METRICS``) reaches the value.

Tables (CSV), charts (PNG through matplotlib) and one self-contained interactive HTML page (inline SVG with
tooltips, sortable tables; no network) are written to ``DIR/policy/``. Per-kWh feed-in subsidies of the subsidy
presets are not counted as public spending (only upfront capex subsidies are in the results).
"""
from __future__ import annotations

import copy
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pathways.batch import collect, run_batch
from pathways.errors import InputError, problem, suggest
from pathways.inputs.sweep import load_sweep

POLICY_KEYS = ("subsidy_keys", "no_subsidy", "public_discount_rate", "abatement_target")
TARGET_METRICS = ("abatement_t_per_year", "cumulative_abatement_t", "additional_abatement_t_per_year",
                  "additional_cumulative_abatement_t")
SUBSIDY_PREFIX = "assumptions.subsidies."
DEFAULT_PUBLIC_DISCOUNT_RATE = 0.06
OK_STATUSES = ("optimal", "time_limit", "gap_not_reached")


@dataclass
class PolicySettings:
    subsidy_keys: list[str]
    no_subsidy: dict[str, Any]
    public_discount_rate: float = DEFAULT_PUBLIC_DISCOUNT_RATE
    target_metric: str | None = None
    target_t: float | None = None
    keys: list[str] = field(default_factory=list)   # every sweep key (subsidy keys and the context keys)


def policy_settings(sweep) -> PolicySettings:
    """Validate the ``policy`` section of a sweep (one line per problem)."""
    label = f"{sweep.path}: policy" if sweep.path else "policy"
    body = sweep.policy or {}
    bad = []
    for k in body:
        if k not in POLICY_KEYS:
            bad.append(problem(f"{label}.{k}", body[k], "unknown key; allowed: " + ", ".join(POLICY_KEYS),
                               suggest(str(k), POLICY_KEYS)))
    keys = list(sweep.keys)
    subsidy_keys = body.get("subsidy_keys", [k for k in keys if k.startswith(SUBSIDY_PREFIX)])
    if not isinstance(subsidy_keys, list) or not subsidy_keys or not all(isinstance(k, str) for k in subsidy_keys):
        bad.append(problem(f"{label}.subsidy_keys", subsidy_keys, "must be a non-empty list of sweep keys (the "
                           "default takes the sweep keys under assumptions.subsidies.)"))
        subsidy_keys = []
    for k in subsidy_keys:
        if k not in keys:
            bad.append(problem(f"{label}.subsidy_keys", k, "must be one of the sweep keys: " + ", ".join(keys),
                               suggest(k, keys)))
    no_subsidy = body.get("no_subsidy", {})
    if not isinstance(no_subsidy, dict) or any(k not in subsidy_keys for k in no_subsidy):
        bad.append(problem(f"{label}.no_subsidy", no_subsidy, "must map subsidy keys to their no-subsidy value"))
        no_subsidy = {}
    rate = body.get("public_discount_rate", DEFAULT_PUBLIC_DISCOUNT_RATE)
    if not (isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate < 1):
        bad.append(problem(f"{label}.public_discount_rate", rate, "must be a number from 0 to below 1 (real, "
                                                                   "per year)"))
    metric = value = None
    target = body.get("abatement_target")
    if target is not None:
        if not isinstance(target, dict) or set(target) - {"metric", "value_t"} or "value_t" not in target:
            bad.append(problem(f"{label}.abatement_target", target, "must be {metric: ..., value_t: number}"))
        else:
            metric, value = target.get("metric", "abatement_t_per_year"), target["value_t"]
            if metric not in TARGET_METRICS:
                bad.append(problem(f"{label}.abatement_target.metric", metric, "must be one of "
                                   + ", ".join(TARGET_METRICS), suggest(str(metric), TARGET_METRICS)))
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0):
                bad.append(problem(f"{label}.abatement_target.value_t", value, "must be a number of tCO2 >= 0"))
    if bad:
        raise InputError(bad)
    return PolicySettings(list(subsidy_keys), {k: no_subsidy.get(k, 0.0) for k in subsidy_keys}, float(rate),
                          metric, None if value is None else float(value), keys)


def with_counterfactuals(sweep, ps: PolicySettings):
    """A copy of the sweep with the no-subsidy counterpart of every point added where missing."""
    out = copy.copy(sweep)
    seen = {_design_key(p, ps.keys) for p in sweep.points}
    points = list(sweep.points)
    for p in sweep.points:
        cf = {**p, **ps.no_subsidy}
        if _design_key(cf, ps.keys) not in seen:
            seen.add(_design_key(cf, ps.keys))
            points.append(cf)
    out.points = points
    return out


def _design_key(point: dict, keys: list[str]) -> str:
    return json.dumps([point.get(k) for k in keys], default=str)


def _value(v: Any) -> Any:
    """Sweep values from a DataFrame cell as plain Python (numpy scalars and arrays to numbers and lists)."""
    if isinstance(v, np.ndarray):
        return [_value(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


# ============================================================================================== metrics
def policy_tables(runs: pd.DataFrame, actions: pd.DataFrame, ps: PolicySettings) -> dict[str, pd.DataFrame]:
    """The policy tables from tidy run and action tables (``pathways.collect``): ``designs`` (one row per design),
    ``measures`` and ``families`` (uptake), ``cheapest`` (zero or one row).

    ``runs`` needs: run_id, firm, status, the sweep keys, abatement_t_year_T, cumulative_abatement_t.
    ``actions`` needs: run_id, measure_id, family, year, subsidy_cny."""
    keys, r = ps.keys, ps.public_discount_rate
    runs = runs.copy()
    runs["design"] = [_design_key({k: _value(row[k]) for k in keys}, keys) for _, row in runs.iterrows()]
    runs["counterfactual"] = [_design_key({**{k: _value(row[k]) for k in keys}, **ps.no_subsidy}, keys)
                              for _, row in runs.iterrows()]
    ok = runs[runs["status"].isin(OK_STATUSES)]
    acts = actions[["run_id", "measure_id", "family", "year", "subsidy_cny"]].merge(
        ok[["run_id", "firm", "design"]], on="run_id", how="inner")
    acts = acts.assign(subsidy_cny=acts["subsidy_cny"].fillna(0.0),
                       subsidy_discounted_cny=acts["subsidy_cny"].fillna(0.0) * (1 + r) ** -(acts["year"] - 1.0))
    # adoption and subsidy per (design, firm, measure)
    per = acts.groupby(["design", "firm", "measure_id", "family"], as_index=False)[
        ["subsidy_cny", "subsidy_discounted_cny"]].sum()
    adopted = {(d, f): set(g["measure_id"]) for (d, f), g in per.groupby(["design", "firm"])}
    abat = ok.set_index(["design", "firm"])[["abatement_t_year_T", "cumulative_abatement_t"]]

    designs, measures, families = [], [], []
    for design, g in runs.groupby("design", sort=False):
        first = g.iloc[0]
        values = {k: _value(first[k]) for k in keys}
        cf = first["counterfactual"]
        ok_firms = sorted(set(g.loc[g["status"].isin(OK_STATUSES), "firm"]))
        cf_firms = set(ok.loc[ok["design"] == cf, "firm"])
        both = [f for f in ok_firms if f in cf_firms]
        mine = per[per["design"] == design]
        sub = mine[mine["subsidy_cny"] > 0]
        sub_both = sub[sub["firm"].isin(both)]
        free = sub_both[np.array([m in adopted.get((cf, f), set())
                                  for f, m in zip(sub_both["firm"], sub_both["measure_id"])], dtype=bool)]
        a_d = abat.loc[[(design, f) for f in ok_firms]].sum() if ok_firms else pd.Series(0.0, abat.columns)
        a_cf = abat.loc[[(cf, f) for f in both]].sum() if both else pd.Series(0.0, abat.columns)
        a_d_both = abat.loc[[(design, f) for f in both]].sum() if both else pd.Series(0.0, abat.columns)
        additional_cum = float(a_d_both["cumulative_abatement_t"] - a_cf["cumulative_abatement_t"])
        spend, spend_disc = float(mine["subsidy_cny"].sum()), float(mine["subsidy_discounted_cny"].sum())
        spend_both = float(mine.loc[mine["firm"].isin(both), "subsidy_cny"].sum())
        spend_both_disc = float(mine.loc[mine["firm"].isin(both), "subsidy_discounted_cny"].sum())
        designs.append({
            **values, "is_counterfactual": design == cf, "firms": int(g["firm"].nunique()),
            "firms_planned": len(ok_firms), "firms_failed": int(g["firm"].nunique()) - len(ok_firms),
            "firms_compared": len(both),
            "firms_subsidised": int(sub["firm"].nunique()),
            "abatement_t_per_year": float(a_d["abatement_t_year_T"]),
            "cumulative_abatement_t": float(a_d["cumulative_abatement_t"]),
            "additional_abatement_t_per_year": float(a_d_both["abatement_t_year_T"] - a_cf["abatement_t_year_T"]),
            "additional_cumulative_abatement_t": additional_cum,
            "subsidy_cny": spend, "subsidy_discounted_cny": spend_disc,
            "public_cny_per_t_gross": _ratio(spend, float(a_d["cumulative_abatement_t"])),
            "public_cny_per_t_additional": _ratio(spend_both, additional_cum),
            "public_cny_per_t_additional_discounted": _ratio(spend_both_disc, additional_cum),
            "subsidised_adoptions": len(sub_both), "free_rider_adoptions": len(free),
            "free_rider_share": len(free) / len(sub_both) if len(sub_both) else float("nan"),
            "free_rider_spending_share": _ratio(float(free["subsidy_cny"].sum()), float(sub_both["subsidy_cny"].sum())),
        })
        n = len(ok_firms)
        for (mid, fam), mg in mine.groupby(["measure_id", "family"]):
            firms_m = set(mg["firm"])
            cf_adopters = {f for f in both if mid in adopted.get((cf, f), set())}
            subsidised = set(mg.loc[mg["subsidy_cny"] > 0, "firm"])
            measures.append({**values, "measure_id": mid, "family": fam, "firms_adopting": len(firms_m),
                             "share_of_firms": len(firms_m) / n if n else float("nan"),
                             "firms_adopting_without_subsidy": len(cf_adopters),
                             "additional_adopters": len({f for f in firms_m if f in both} - cf_adopters),
                             "firms_subsidised": len(subsidised),
                             "free_riders": len(subsidised & cf_adopters),
                             "subsidy_cny": float(mg["subsidy_cny"].sum())})
        for fam, fg in mine.groupby("family"):
            families.append({**values, "family": fam, "firms_adopting": int(fg["firm"].nunique()),
                             "share_of_firms": fg["firm"].nunique() / n if n else float("nan"),
                             "measures_adopted": len(fg), "subsidy_cny": float(fg["subsidy_cny"].sum())})
    designs_df = pd.DataFrame(designs)
    m_cols = [*keys, "measure_id", "family", "firms_adopting", "share_of_firms", "firms_adopting_without_subsidy",
              "additional_adopters", "firms_subsidised", "free_riders", "subsidy_cny"]
    f_cols = [*keys, "family", "firms_adopting", "share_of_firms", "measures_adopted", "subsidy_cny"]
    tables = {"designs": designs_df, "measures": pd.DataFrame(measures, columns=m_cols),
              "families": pd.DataFrame(families, columns=f_cols)}
    tables["cheapest"] = cheapest_design(designs_df, ps.target_metric, ps.target_t)
    if ps.target_metric is not None and not designs_df.empty:
        designs_df["meets_target"] = designs_df[ps.target_metric] >= ps.target_t
    return tables


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else float("nan")


def cheapest_design(designs: pd.DataFrame, metric: str | None, target_t: float | None) -> pd.DataFrame:
    """The design with the least undiscounted public spending whose ``metric`` reaches ``target_t`` (ties: less
    discounted spending, then more abatement); empty when none does or no target is set."""
    if metric is None or designs.empty:
        return designs.iloc[0:0]
    hit = designs[designs[metric] >= target_t - 1e-9]
    if hit.empty:
        return hit
    return hit.sort_values(["subsidy_cny", "subsidy_discounted_cny", metric],
                           ascending=[True, True, False], kind="stable").head(1)


# ============================================================================================== charts
def _label(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={_fmt(_value(row[k]))}" for k in keys)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _series(designs: pd.DataFrame, ps: PolicySettings) -> dict[str, pd.DataFrame]:
    """Designs split by context (the values of the non-subsidy keys), each sorted by spending."""
    context = [k for k in ps.keys if k not in ps.subsidy_keys]
    if not context:
        return {"all designs": designs.sort_values("subsidy_cny")}
    out = {}
    for _, g in designs.groupby([designs[k].astype(str) for k in context], sort=False):
        out[_label(g.iloc[0], context)] = g.sort_values("subsidy_cny")
    return out


CHARTS = (
    ("abatement", "Abatement bought by public spending", "public spending, million CNY (undiscounted)",
     "cumulative abatement, ktCO2", [("cumulative_abatement_t", "total"),
                                     ("additional_cumulative_abatement_t", "additional")]),
    ("cost_per_t", "Public cost per additional tonne", "public spending, million CNY (undiscounted)",
     "CNY per additional tCO2", [("public_cny_per_t_additional", "CNY per additional t")]),
    ("free_riders", "Share of subsidised adoptions that would happen anyway", "public spending, million CNY "
     "(undiscounted)", "free-rider share", [("free_rider_share", "adoptions"),
                                            ("free_rider_spending_share", "money")]),
)
SCALE = {"cumulative_abatement_t": 1e-3, "additional_cumulative_abatement_t": 1e-3}


def write_png_charts(tables: dict[str, pd.DataFrame], ps: PolicySettings, out: Path) -> list[Path]:
    """PNG charts through matplotlib (Agg); returns the files written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    designs, files = tables["designs"], []
    for name, title, xlabel, ylabel, cols in CHARTS:
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        for ctx, g in _series(designs, ps).items():
            for col, what in cols:
                y = g[col] * SCALE.get(col, 1.0)
                ax.plot(g["subsidy_cny"] / 1e6, y, marker="o", label=f"{what} ({ctx})" if len(cols) > 1 or
                        ctx != "all designs" else what)
        cheap = tables["cheapest"]
        if name == "abatement" and ps.target_metric in ("cumulative_abatement_t", "additional_cumulative_abatement_t"):
            ax.axhline(ps.target_t * 1e-3, color="grey", ls="--", lw=1, label="target")
        if name == "abatement" and not cheap.empty:
            c = cheap.iloc[0]
            ax.plot([c["subsidy_cny"] / 1e6], [c["cumulative_abatement_t"] * 1e-3], marker="*", ms=16, color="red",
                    ls="none", label="cheapest design reaching the target")
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        files.append(path)
    fam = tables["families"]
    if not fam.empty:
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        spend = tables["designs"].assign(design=lambda d: [_label(r, ps.keys) for _, r in d.iterrows()])
        fam = fam.assign(design=[_label(r, ps.keys) for _, r in fam.iterrows()]).merge(
            spend[["design", "subsidy_cny"]].rename(columns={"subsidy_cny": "spending_cny"}), on="design")
        for family, g in fam.groupby("family"):
            g = g.sort_values("spending_cny")
            ax.plot(g["spending_cny"] / 1e6, g["share_of_firms"], marker="o", label=family)
        ax.set(title="Uptake by family", xlabel="public spending, million CNY (undiscounted)",
               ylabel="share of firms adopting", ylim=(0, 1.05))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / "uptake_families.png"
        fig.savefig(path)
        plt.close(fig)
        files.append(path)
    return files


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def svg_chart(series: dict[str, list[tuple[float, float, str]]], title: str, xlabel: str, ylabel: str,
              width: int = 640, height: int = 360) -> str:
    """A line chart as inline SVG; every point has a tooltip (``<title>``). ``series``: name -> [(x, y, tip)]."""
    pts = [(x, y) for s in series.values() for x, y, _ in s if math.isfinite(x) and math.isfinite(y)]
    left, right, top, bottom = 70, 20, 30, 80
    if not pts:
        return f'<svg width="{width}" height="60"><text x="10" y="30">{html.escape(title)}: no data</text></svg>'
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(0.0, min(p[1] for p in pts)), max(p[1] for p in pts)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    sx = lambda x: left + (x - x0) / (x1 - x0) * (width - left - right)  # noqa: E731
    sy = lambda y: height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" class="chart">',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#444"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#444"/>']
    for i in range(5):
        xv, yv = x0 + i * (x1 - x0) / 4, y0 + i * (y1 - y0) / 4
        out.append(f'<text x="{sx(xv):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
                   f'{xv:,.3g}</text>')
        out.append(f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" text-anchor="end" font-size="11">{yv:,.3g}</text>')
        out.append(f'<line x1="{left}" y1="{sy(yv):.1f}" x2="{width - right}" y2="{sy(yv):.1f}" stroke="#eee"/>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - bottom + 34}" text-anchor="middle" '
               f'font-size="12">{html.escape(xlabel)}</text>')
    out.append(f'<text transform="translate(16,{(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle" '
               f'font-size="12">{html.escape(ylabel)}</text>')
    for n, (name, s) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        good = [(x, y, tip) for x, y, tip in s if math.isfinite(x) and math.isfinite(y)]
        if len(good) > 1:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in good)
            out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y, tip in good:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{color}"><title>'
                       f'{html.escape(tip)}</title></circle>')
        out.append(f'<rect x="{left + 10 + 150 * (n % 4)}" y="{height - 30 + 14 * (n // 4)}" width="10" height="10" '
                   f'fill="{color}"/><text x="{left + 24 + 150 * (n % 4)}" y="{height - 21 + 14 * (n // 4)}" '
                   f'font-size="11">{html.escape(name[:24])}</text>')
    out.append("</svg>")
    return "\n".join(out)


_SORT_JS = """<script>
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], i = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = th.dataset.asc !== '1'; th.dataset.asc = asc ? '1' : '0';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v, nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>"""


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cells = []
        for c in df.columns:
            v = _value(r[c])
            shown = f"{v:,.4g}" if isinstance(v, float) and math.isfinite(v) and abs(v) < 1e4 else (
                f"{v:,.0f}" if isinstance(v, float) and math.isfinite(v) else ("" if isinstance(v, float) else str(v)))
            cells.append(f'<td data-v="{html.escape(str(v))}">{html.escape(shown)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def write_html(tables: dict[str, pd.DataFrame], ps: PolicySettings, title: str, path: Path) -> Path:
    """One self-contained page: charts as inline SVG with tooltips and sortable tables (click a header)."""
    designs = tables["designs"]
    charts = []
    for name, ctitle, xlabel, ylabel, cols in CHARTS:
        series = {}
        for ctx, g in _series(designs, ps).items():
            for col, what in cols:
                name_s = what if ctx == "all designs" else f"{what} ({ctx})"
                series[name_s] = [(row["subsidy_cny"] / 1e6, float(row[col]) * SCALE.get(col, 1.0),
                                   f"{_label(row, ps.keys)}: {what} {float(row[col]) * SCALE.get(col, 1.0):,.3g}, "
                                   f"spending {row['subsidy_cny']:,.0f} CNY") for _, row in g.iterrows()]
        charts.append(svg_chart(series, ctitle, xlabel, ylabel))
    cheap = tables["cheapest"]
    if ps.target_metric is None:
        verdict = "No abatement target set (policy.abatement_target)."
    elif cheap.empty:
        best = designs[ps.target_metric].max() if not designs.empty else float("nan")
        verdict = (f"No design reaches {ps.target_metric} >= {ps.target_t:,.0f} t (best in the sweep: "
                   f"{best:,.0f} t).")
    else:
        c = cheap.iloc[0]
        verdict = (f"Cheapest design reaching {ps.target_metric} >= {ps.target_t:,.0f} t: {_label(c, ps.keys)} "
                   f"&mdash; {c['subsidy_cny']:,.0f} CNY public spending ({c['subsidy_discounted_cny']:,.0f} CNY "
                   f"discounted), {c[ps.target_metric]:,.0f} t.")
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{verdict}</p>",
            "<p>Hover over a point for its design; click a column header to sort. Spending = upfront capex "
            f"subsidies; discounted at {ps.public_discount_rate:.1%} to the start of plan year 1.</p>",
            *charts, "<h2>Designs</h2>", _html_table(designs), "<h2>Uptake by family</h2>",
            _html_table(tables["families"]), "<h2>Uptake by measure</h2>", _html_table(tables["measures"])]
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + html.escape(title) + "</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;font-size:12px;"
            "margin-bottom:2em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{cursor:pointer;"
            "background:#f4f4f4}svg.chart{margin:1em 1em 0 0}</style></head><body>"
            + "\n".join(body) + _SORT_JS + "</body></html>")
    path.write_text(page, encoding="utf-8")
    return path


def write_outputs(tables: dict[str, pd.DataFrame], ps: PolicySettings, out: Path, title: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ("designs", "measures", "families", "cheapest"):
        path = out / f"{name}.csv"
        tables[name].to_csv(path, index=False)
        files.append(path)
    try:
        files += write_png_charts(tables, ps, out)
    except ImportError:
        print("note: matplotlib is not installed; PNG charts skipped (the HTML page has the charts)")
    files.append(write_html(tables, ps, title, out / "policy.html"))
    return files


# ============================================================================================== CLI
def analyse(out_dir: str | Path, ps: PolicySettings, title: str = "Subsidy sweep") -> tuple[dict, list[Path]]:
    """Policy tables and files from a finished batch directory."""
    runs = collect(out_dir)
    missing = [k for k in ps.keys if k not in runs.columns]
    if missing:
        raise InputError(problem("DIR", str(out_dir), f"results lack the sweep key {missing[0]!r}"))
    tables = policy_tables(runs, collect(out_dir, actions=True), ps)
    return tables, write_outputs(tables, ps, Path(out_dir) / "policy", title)


def run_policy_cli(args: Any) -> int:
    """``pathways policy SWEEP.yaml --out DIR``: the sweep with counterfactual points, then the policy tables."""
    sweep = load_sweep(args.sweep, allow_paths=getattr(args, "allow_path", None) or ())
    ps = policy_settings(sweep)
    full = with_counterfactuals(sweep, ps)
    summary = run_batch(full, args.out, workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                        retry_failed=args.retry_failed, reuse=not args.no_reuse)
    print(summary.text())
    tables, files = analyse(args.out, ps, title=f"Policy analysis: {sweep.name}")
    d = tables["designs"]
    cols = [*ps.keys, "firms_planned", "abatement_t_per_year", "additional_cumulative_abatement_t", "subsidy_cny",
            "public_cny_per_t_additional", "free_rider_share"]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        print(d[cols].to_string(index=False))
    cheap = tables["cheapest"]
    if ps.target_metric is not None:
        if cheap.empty:
            print(f"no design reaches {ps.target_metric} >= {ps.target_t:,.0f} t")
        else:
            c = cheap.iloc[0]
            print(f"cheapest design reaching {ps.target_metric} >= {ps.target_t:,.0f} t: {_label(c, ps.keys)} "
                  f"({c['subsidy_cny']:,.0f} CNY public spending, {c[ps.target_metric]:,.0f} t)")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


__all__ = ["policy_settings", "with_counterfactuals", "policy_tables", "cheapest_design", "analyse",
           "write_outputs", "svg_chart", "PolicySettings", "TARGET_METRICS"]
