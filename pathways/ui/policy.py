"""Policy page: a subsidy sweep over a population of firms, run by ``pathways policy`` in a separate process.

The sweep spec is a shipped one (``scenarios/sweeps/*.yaml``) or built in the page (example models, seeded
variants, one subsidy lever with its levels, an abatement target) and written to the session folder. Run starts
``python -m pathways.cli.main policy SPEC --out DIR --workers N`` with ``subprocess.Popen`` (its own process group, so
Stop ends it and its Dask workers), with DIR a fresh folder in the session folder. Progress is polled once a second
by a fragment: total runs from ``DIR/sweep.json``, finished runs from the count of ``DIR/runs/*.parquet``. A
stopped (or failed) sweep is continued with ``--resume`` on the same DIR. When the process ends, the policy tables
``DIR/policy/{designs,families,measures,cheapest}.csv`` are drawn (Altair) and offered for download with
``policy.html`` and the spec.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st
import yaml

from pathways.inputs.overrides import scenario_dir
from pathways.inputs.sweep import load_sweep
from pathways.errors import InputError
from pathways.batch import collect
from pathways.policy import TARGET_METRICS, policy_settings, with_counterfactuals
from pathways.vocabulary import FAMILIES
from pathways.ui import charts, runs
from pathways.ui.downloads import csv_bytes
from pathways.ui.fmt import MISSING, cny, num, tonnes
from pathways.ui.inputs import clean, example_name, examples, pick, session_dir, show_problems
from pathways.ui.texts import lang, name, t

PREFIX = "assumptions.subsidies."
LEVERS = tuple(f"{PREFIX}{f}_capex_share" for f in FAMILIES)
DEFAULT_MODELS = ("dongguan_electronics", "chengdu_food_processing")
VARIANT_SCALE = {"electricity.annual_kwh": [0.5, 1.5], "finance.budget_cny_per_year": [0.5, 1.5],
                 "roofs.0.area_m2": [0.5, 1.5]}
POLL_SECONDS = 1.0
PACKAGE_ROOT = Path(__file__).resolve().parents[2]      # the folder holding the pathways package


# ---------------------------------------------------------------------------------------------- small helpers
def parse_values(text: str) -> list[float] | None:
    """Comma-separated shares of capex (0..1), in the order given, without repeats; None when malformed."""
    try:
        values = [float(v) for v in (text or "").replace("，", ",").split(",") if v.strip()]
    except ValueError:
        return None
    if not values or any(not 0 <= v <= 1 for v in values):
        return None
    return list(dict.fromkeys(values))


def lever_family(key: str) -> str | None:
    if key.startswith(PREFIX) and key.endswith("_capex_share"):
        fam = key[len(PREFIX):-len("_capex_share")]
        return fam if fam in FAMILIES else None
    return None


def lever_name(key: str) -> str:
    fam = lever_family(key)
    return t(f"lever_{fam}") if fam else key


def pct(v) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return MISSING
    if v != v:
        return MISSING
    return f"{v * 100:.0f} %" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v * 100:.1f} %"


def key_value(key: str, v) -> str:
    return pct(v) if str(key).endswith("_share") else f"{v:g}" if isinstance(v, float) else str(v)


def design_label(row, keys: list[str]) -> str:
    """``20 %`` for a one-lever sweep; ``solar_capex_share 15 % · ...`` over several keys; no subsidy marked."""
    if len(keys) == 1:
        text = key_value(keys[0], row[keys[0]])
    else:
        text = " · ".join(f"{k.rsplit('.', 1)[-1]} {key_value(k, row[k])}" for k in keys)
    if bool(row.get("is_counterfactual", False)):
        text += f" ({t('policy_no_subsidy')})"
    return text


def hms(seconds: float) -> str:
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return "--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------------------------------------- the spec
def shipped_specs() -> dict[str, str]:
    folder = scenario_dir() / "sweeps"
    return {p.stem: str(p) for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def build_spec(models: list[str], variants: int, seed: int, lever: str, levels: list[float], metric: str,
               value_t: float, time_limit_s: float, discount: float) -> dict:
    """A sweep spec (the YAML ``pathways policy`` reads) for one subsidy lever over example models."""
    spec = {"name": "web_app_policy",
            "description": f"{lever} at {', '.join(f'{v:g}' for v in levels)} over {len(models)} firm(s) "
                           f"and {variants} variant(s) of each (built in the web app)",
            "models": [str(Path(m).resolve()) for m in models]}
    if variants:
        spec["population"] = {"variants_per_model": int(variants), "seed": int(seed), "scale": VARIANT_SCALE}
    spec.update({"set": {"assumptions.subsidies.presets": "none"},
                 "plan": {"objective": "npv", "time_limit_s": float(time_limit_s)},
                 "points": {"grid": {lever: [float(v) for v in levels]}},
                 "policy": {"public_discount_rate": float(discount),
                            "abatement_target": {"metric": metric, "value_t": float(value_t)}}})
    return spec


def write_spec(spec: dict) -> Path:
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    path = session_dir() / f"policy_sweep_{hashlib.sha256(text.encode()).hexdigest()[:10]}.yaml"
    if not path.is_file():
        path.write_text(text, encoding="utf-8")
    return path


@st.cache_data(show_spinner=False, max_entries=64)
def _check(path: str, mtime: float) -> dict:
    """What the sweep would run (or the CLI's problem lines): validated like ``pathways policy`` does."""
    del mtime

    try:
        sweep = load_sweep(path)
        ps = policy_settings(sweep)
        full = with_counterfactuals(sweep, ps)
    except InputError as exc:
        return {"ok": False, "problems": list(exc.problems)}
    except Exception as exc:  # never a traceback in the page
        return {"ok": False, "problems": [f"{type(exc).__name__}: {exc}"]}
    return {"ok": True, "name": sweep.name, "description": sweep.description, "firms": len(sweep.members),
            "designs": len(full.points), "added": len(full.points) - len(sweep.points),
            "runs": len(sweep.members) * len(full.points), "keys": list(sweep.keys), "levers": ps.subsidy_keys}


def check(path: Path) -> dict:
    return _check(str(path), path.stat().st_mtime)


def _builder() -> tuple[Path | None, list[str]]:
    ex = examples("site")
    default = [m for m in DEFAULT_MODELS if m in ex] or list(ex)[:2]
    chosen = pick(st.multiselect, t("policy_models"), list(ex), "pol_models", default,
                  format_func=lambda k: example_name(ex[k]))
    c1, c2 = st.columns(2)
    variants = c1.number_input(t("policy_variants"), min_value=0, max_value=20, value=1, step=1, key="pol_variants")
    seed = c2.number_input(t("policy_seed"), min_value=0, value=7, step=1, key="pol_seed")
    with c1:
        lever = pick(st.selectbox, t("policy_lever"), LEVERS, "pol_lever", LEVERS[0], format_func=lever_name)
    levels = parse_values(c2.text_input(t("policy_values"), value="0.1, 0.2, 0.3", key="pol_values"))
    with c1:
        metric = pick(st.selectbox, t("policy_target_metric"), TARGET_METRICS, "pol_metric",
                      "additional_cumulative_abatement_t", format_func=lambda m: t(f"tm_{m}"))
    value_t = c2.number_input(t("policy_target_value"), min_value=0.0, value=1000.0, step=100.0, format="%.0f",
                              key="pol_target")
    with st.expander(t("policy_settings")):
        e1, e2 = st.columns(2)
        time_limit = e1.number_input(t("policy_time_limit"), min_value=1.0, max_value=3600.0, value=60.0, step=10.0,
                                     key="pol_time_limit")
        discount = e2.number_input(t("policy_discount"), min_value=0.0, max_value=0.5, value=0.04, step=0.01,
                                   format="%.2f", key="pol_discount")
    problems = []
    if not chosen:
        problems.append(t("policy_need_models"))
    if levels is None:
        problems.append(t("policy_bad_values"))
    if problems:
        return None, problems
    spec = build_spec([ex[m] for m in chosen], int(variants), int(seed), lever, levels, metric, value_t, time_limit,
                      discount)
    return write_spec(spec), []


def _shipped() -> Path | None:
    specs = shipped_specs()
    if not specs:
        st.caption(t("policy_no_specs"))
        return None
    labels = list(specs)
    index = labels.index("policy_pv_subsidy") if "policy_pv_subsidy" in labels else 0
    return Path(specs[st.selectbox(t("policy_spec"), labels, index=index, key="pol_spec")])


# ---------------------------------------------------------------------------------------------- the process
def _popen(cmd: list[str], job_dir: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"
    kw = {"start_new_session": True} if os.name == "posix" else {
        "creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    with open(job_dir / "stdout.txt", "ab") as out, open(job_dir / "stderr.txt", "ab") as err:
        return subprocess.Popen(cmd, cwd=str(PACKAGE_ROOT), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, **kw)


def start(spec: Path, workers: int, job: dict | None = None) -> dict:
    """Start ``pathways policy`` on a new results folder, or with ``--resume`` on the folder of ``job``."""
    if job is None:
        job_dir = Path(tempfile.mkdtemp(prefix="policy-", dir=session_dir()))
        job = {"dir": str(job_dir), "out": str(job_dir / "out"), "spec": str(spec)}
    resume = "proc" in job
    cmd = [sys.executable, "-m", "pathways.cli.main", "policy", job["spec"], "--out", job["out"],
           "--workers", str(int(workers))] + (["--resume"] if resume else [])
    job.update({"workers": int(workers), "cmd": cmd, "started": time.time(), "stopped": False,
                "done0": counts(job["out"])[1], "proc": _popen(cmd, Path(job["dir"]))})
    return job


def status(job: dict) -> str:
    """running, stopped, failed or done."""
    rc = job["proc"].poll()
    if rc is None:
        return "running"
    if job.get("stopped"):
        return "stopped"
    if rc == 0 and (Path(job["out"]) / "policy" / "designs.csv").is_file():
        return "done"
    return "failed"


def stop(job: dict) -> None:
    """End the sweep's process group (the CLI and its Dask workers); finished runs stay on disk."""
    proc = job["proc"]
    if proc.poll() is not None:
        return
    job["stopped"] = True

    def kill(sig) -> None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, sig)
            else:
                proc.terminate()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    kill(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        kill(getattr(signal, "SIGKILL", signal.SIGTERM))
        proc.wait(timeout=10)
    if os.name == "posix":       # a worker that outlived its parent
        kill(signal.SIGKILL)


_MANIFESTS: dict[tuple, tuple[int, dict]] = {}     # (path, mtime) -> parsed manifest (polled every second)


def manifest(out: str | Path) -> tuple[int | None, dict]:
    """(number of runs, name / keys / policy / firms) from ``DIR/sweep.json``; (None, {}) before it is written."""
    p = Path(out) / "sweep.json"
    try:
        key = (str(p), p.stat().st_mtime_ns)
        if key not in _MANIFESTS:
            data = json.loads(p.read_text(encoding="utf-8"))
            if len(_MANIFESTS) > 64:
                _MANIFESTS.clear()
            _MANIFESTS[key] = (len(data.get("runs", [])),
                               {k: data.get(k) for k in ("name", "keys", "policy", "firms", "spec")})
        return _MANIFESTS[key]
    except (OSError, ValueError):
        return None, {}


def counts(out: str | Path) -> tuple[int | None, int]:
    """(total runs or None, finished runs): the manifest and the result files."""
    total, _ = manifest(out)
    rdir = Path(out) / "runs"
    done = sum(1 for _ in rdir.glob("*.parquet")) if rdir.is_dir() else 0
    return total, done if total is None else min(done, total)


def _log_tail(job: dict, name: str = "stderr.txt", lines: int = 15) -> list[str]:
    p = Path(job["dir"]) / name
    if not p.is_file():
        return []
    text = p.read_text(encoding="utf-8", errors="replace").replace("\r", "\n")
    return clean([x for x in text.splitlines() if x.strip()][-lines:])


SUMMARY = re.compile(r"(?P<runs>\d+) runs: (?P<done>\d+) done, (?P<infeasible>\d+) infeasible, (?P<failed>\d+) "
                     r"failed, (?P<skipped>\d+) already finished \(skipped\); (?P<seconds>[\d.]+) s")


def run_summary(job: dict) -> dict | None:
    """The counts of the CLI's summary line (``Summary.text``) of the last start of the job."""
    for line in reversed(_log_tail(job, "stdout.txt", 400)):
        hit = SUMMARY.search(line)
        if hit:
            return hit.groupdict()
    return None


@st.fragment(run_every=POLL_SECONDS)
def _progress(job: dict) -> None:
    if status(job) != "running":
        st.rerun()          # the whole page: results, error or the stopped state
        return
    total, done = counts(job["out"])
    if total is None:
        st.progress(0.0, text=t("policy_preparing"))
    elif done >= total:
        st.progress(1.0, text=t("policy_analysing"))
    else:
        elapsed = time.time() - job["started"]
        ran = done - min(job.get("done0", 0), done)
        eta = (total - done) * elapsed / ran if ran else float("nan")
        st.progress(done / total if total else 0.0, text=t("policy_progress", done=done, total=total) + " · "
                    + t("policy_eta", elapsed=hms(elapsed), eta=hms(eta)))


# ---------------------------------------------------------------------------------------------- page
def page() -> None:
    st.title(t("policy_title"))
    st.caption(t("policy_intro"))
    source = pick(st.radio, t("policy_source"), ("build", "shipped"), "pol_source", "build",
                  format_func=lambda s: t(f"pol_src_{s}"), horizontal=True)
    if source == "build":
        spec, problems = _builder()
    else:
        spec, problems = _shipped(), []
    for line in problems:
        st.error(line)
    info = check(spec) if spec is not None else None
    if info is not None and not info["ok"]:
        show_problems(clean(info["problems"]))
    elif info is not None:
        if source == "shipped" and info.get("description"):
            st.caption(info["description"])
        st.info(t("policy_summary", firms=num(info["firms"]), designs=num(info["designs"]), added=info["added"],
                  runs=num(info["runs"])))
        st.caption(t("policy_keys", keys=", ".join(info["keys"]), levers=", ".join(info["levers"])))
        with st.expander(t("policy_show_spec")):
            st.code(spec.read_text(encoding="utf-8"), language="yaml")
    job = st.session_state.get("pol_job")
    running = job is not None and status(job) == "running"
    c1, c2 = st.columns([1, 3])
    workers = c1.number_input(t("policy_workers"), min_value=0, max_value=max(1, os.cpu_count() or 1),
                              value=min(2, os.cpu_count() or 1), step=1, key="pol_workers")
    ok = info is not None and info["ok"]
    if running:
        c2.caption(t("policy_busy"))
    if st.button(t("policy_run"), type="primary", disabled=not ok or running, key="pol_run"):
        job = start(spec, int(workers))
        st.session_state["pol_job"] = job
    if job is not None:
        show_job(job, int(workers))


def show_job(job: dict, workers: int) -> None:
    state = status(job)
    if state == "running":
        st.caption(t("policy_running_note"))
        _progress(job)
        st.button(t("policy_stop"), key="pol_stop", on_click=stop, args=(job,))
        return
    total, done = counts(job["out"])
    if state in ("stopped", "failed"):
        if state == "stopped":
            st.warning(t("policy_stopped", done=done, total=total if total is not None else "?"))
        else:
            st.error(t("policy_failed", code=job["proc"].returncode))
            tail = _log_tail(job)
            if tail:
                st.code("\n".join(tail), language="text")
        if st.button(t("policy_resume"), key="pol_resume"):
            start(Path(job["spec"]), workers, job)
            st.rerun()
        return
    summary = run_summary(job) or {"runs": total, "done": done, "infeasible": MISSING, "failed": MISSING,
                                   "skipped": MISSING, "seconds": MISSING}
    st.success(t("policy_done", **summary))
    try:
        show_results(job)
    except Exception as exc:  # a page never shows a traceback
        st.error(t("error", msg=" ".join(str(exc).split())[:300]))


# ---------------------------------------------------------------------------------------------- results
@st.cache_data(show_spinner=False, max_entries=16)
def _tables(folder: str, mtime: float) -> dict[str, pd.DataFrame]:
    del mtime
    return {n: pd.read_csv(Path(folder) / f"{n}.csv") for n in ("designs", "families", "measures", "cheapest")}


@st.cache_data(show_spinner=False, max_entries=8)
def _runs_csv(out: str, mtime: float) -> bytes:
    del mtime

    return csv_bytes(collect(out))


@st.cache_data(show_spinner=False, max_entries=8)
def _zip(out: str, spec: str, mtime: float) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted((Path(out) / "policy").iterdir()):
            z.write(p, f"policy/{p.name}")
        z.write(spec, "sweep.yaml")
        z.writestr("runs.csv", _runs_csv(out, mtime))
    return buf.getvalue()


def _long(df: pd.DataFrame, x: pd.Series, cols: dict[str, str], scale: float = 1.0) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"x": x.to_numpy(), "y": df[c].astype(float).to_numpy() * scale,
                                    "series": label, "design": df["design"].to_numpy()}) for c, label in cols.items()],
                     ignore_index=True)


def show_results(job: dict) -> None:
    lg = lang()
    out = Path(job["out"])
    folder = out / "policy"
    _, man = manifest(out)
    keys = list(man.get("keys") or [])
    pol = man.get("policy") or {}
    levers = pol.get("subsidy_keys") or [k for k in keys if k.startswith(PREFIX)]
    tb = _tables(str(folder), (folder / "designs.csv").stat().st_mtime)
    designs, families, measures, cheapest = (tb[n].copy() for n in ("designs", "families", "measures", "cheapest"))
    single = len(keys) == 1
    for df in (designs, families, measures, cheapest):
        df["key"] = [json.dumps([float(r[k]) if isinstance(r[k], (int, float)) else str(r[k]) for k in keys])
                     for _, r in df.iterrows()] if len(df) else []
    designs["design"] = [design_label(r, keys) for _, r in designs.iterrows()] if len(designs) else []
    if single:
        designs = designs.sort_values(keys[0], kind="stable").reset_index(drop=True)
        xcol, x_title = keys[0], lever_name(keys[0])
        x_format = ".0%" if keys[0].endswith("_share") else ",.4g"
    else:
        designs = designs.sort_values(["subsidy_cny", "design"], kind="stable").reset_index(drop=True)
        xcol, x_title, x_format = "subsidy_cny", t("ax_spending"), ",.0f"
    x_of = dict(zip(designs["key"], designs[xcol].astype(float)))
    label_of = dict(zip(designs["key"], designs["design"]))
    for df in (families, measures):
        df["design"] = df["key"].map(label_of)
    order = list(designs["design"])

    st.header(t("policy_results", name=man.get("name") or Path(job["spec"]).stem))
    # the target and the cheapest design reaching it
    target = pol.get("abatement_target")
    metric = (target or {}).get("metric", "abatement_t_per_year")
    c = cheapest.iloc[0] if len(cheapest) else None
    m = st.columns(4)
    m[0].metric(t("pm_designs"), num(len(designs)))
    m[1].metric(t("pm_firms"), num(designs["firms"].max() if len(designs) else 0))
    m[2].metric(t("pm_best_add"), tonnes(designs["additional_cumulative_abatement_t"].max(), lg))
    if c is not None and float(c["subsidy_cny"]) > 0:
        m[3].metric(t("pm_free"), pct(c["free_rider_share"]))
    if not target:
        st.info(t("policy_no_target"))
    else:
        what = dict(metric=t(f"tm_{metric}"), value=tonnes(target.get("value_t"), lg))
        if c is None:
            st.warning(t("policy_no_design", best=tonnes(designs[metric].max(), lg), **what))
        elif float(c["subsidy_cny"]) <= 0:
            st.success(t("policy_cheapest_free", reached=tonnes(c[metric], lg), **what))
        else:
            st.success(t("policy_cheapest", design=design_label(c, keys), spend=cny(c["subsidy_cny"], lg),
                         disc=cny(c["subsidy_discounted_cny"], lg), reached=tonnes(c[metric], lg), **what))

    # curves
    paid = designs[~designs["is_counterfactual"].astype(bool)]
    x_all, x_paid = designs[xcol].astype(float), paid[xcol].astype(float)
    c1, c2 = st.columns(2)
    c1.altair_chart(charts.policy_curve(
        _long(designs, x_all, {"cumulative_abatement_t": t("s_total"),
                               "additional_cumulative_abatement_t": t("s_additional")}),
        t("ch_abatement"), x_title, t("ax_t"), x_format, lines=single), width="stretch")
    c2.altair_chart(charts.policy_curve(
        _long(paid, x_paid, {"public_cny_per_t_gross": t("s_gross"), "public_cny_per_t_additional": t("s_add_cost")}),
        t("ch_cost"), x_title, t("ax_cny_t"), x_format, lines=single), width="stretch")
    c1, c2 = st.columns(2)
    fams = {f for f in map(lever_family, levers) if f}
    subsidised = measures[measures["family"].isin(fams)] if len(measures) else measures
    if len(subsidised):       # uptake of the measures the lever pays for
        up = pd.DataFrame({"x": subsidised["key"].map(x_of), "y": subsidised["share_of_firms"].astype(float),
                           "series": [runs.measure_name(m, lg) for m in subsidised["measure_id"]],
                           "design": subsidised["design"]})
        title = t("ch_uptake_measures")
    else:
        up = pd.DataFrame({"x": families["key"].map(x_of), "y": families["share_of_firms"].astype(float),
                           "series": [name("family", f) for f in families["family"]], "design": families["design"]})
        title = t("ch_uptake")
    if len(up):
        c1.altair_chart(charts.policy_curve(up, title, x_title, t("ax_share"), x_format, ".0%", lines=single),
                        width="stretch")
    c2.altair_chart(charts.policy_curve(
        _long(paid, x_paid, {"free_rider_share": t("s_fr_adopt"), "free_rider_spending_share": t("s_fr_money")}),
        t("ch_free"), x_title, t("ax_share"), x_format, ".0%", lines=single), width="stretch")

    # tables
    st.subheader(t("policy_designs"))
    meets = designs["meets_target"] if "meets_target" in designs else pd.Series([None] * len(designs))
    table = pd.DataFrame({
        t("col_design"): designs["design"],
        t("col_planned"): [f"{int(a)} / {int(b)}" for a, b in zip(designs["firms_planned"], designs["firms"])],
        t("col_spending"): [cny(v, lg) for v in designs["subsidy_cny"]],
        t("col_spending_disc"): [cny(v, lg) for v in designs["subsidy_discounted_cny"]],
        t("col_abat_T"): [num(v) for v in designs["abatement_t_per_year"]],
        t("col_abat_cum"): [num(v) for v in designs["cumulative_abatement_t"]],
        t("col_add_cum"): [num(v) for v in designs["additional_cumulative_abatement_t"]],
        t("col_cny_t"): [num(v) for v in designs["public_cny_per_t_gross"]],
        t("col_cny_t_add"): [num(v) for v in designs["public_cny_per_t_additional"]],
        t("col_free"): [pct(v) for v in designs["free_rider_share"]],
        t("col_meets"): [MISSING if v is None or v != v else t("yes") if bool(v) else t("no") for v in meets],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if len(measures):
        st.subheader(t("policy_measures"))
        ms = measures.assign(measure=[runs.measure_name(x, lg) for x in measures["measure_id"]])
        pivot = ms.pivot_table(index="measure", columns="design", values="share_of_firms", aggfunc="first")
        pivot = pivot[[d for d in order if d in pivot.columns]].rename_axis(columns=None)
        pivot = pivot[(pivot.fillna(0) > 0).any(axis=1)]
        pivot = pivot.sort_values(list(pivot.columns[::-1]), ascending=False, kind="stable")
        st.dataframe(pivot.map(pct).rename_axis(t("col_measure")), width="stretch")

    # downloads
    st.subheader(t("downloads"))
    cols = st.columns(4)
    for i, n in enumerate(("designs", "families", "measures", "cheapest")):
        cols[i].download_button(t(f"pdl_{n}"), (folder / f"{n}.csv").read_bytes(), f"{n}.csv", "text/csv",
                                key=f"pol_dl_{n}")
    cols = st.columns(4)
    if (folder / "policy.html").is_file():
        cols[0].download_button(t("pdl_html"), (folder / "policy.html").read_bytes(), "policy.html", "text/html",
                                key="pol_dl_html")
    spec = Path(job["spec"])
    cols[1].download_button(t("pdl_spec"), spec.read_bytes(), spec.name, "application/x-yaml", key="pol_dl_spec")
    stamp = (folder / "designs.csv").stat().st_mtime
    cols[2].download_button(t("pdl_runs"), _runs_csv(str(out), stamp), "runs.csv", "text/csv", key="pol_dl_runs")
    cols[3].download_button(t("pdl_zip"), _zip(str(out), str(spec), stamp), "policy_results.zip", "application/zip",
                            key="pol_dl_zip")
    st.caption(t("policy_repeat"))
    st.code(f"pathways policy {spec.name} --out results --workers {job.get('workers', 2)}", language="bash")
