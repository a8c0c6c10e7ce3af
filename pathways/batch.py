"""Scenario batches: the expansion of a sweep spec into runs, a resumable Dask runner, ``collect`` and the
``pathways batch`` / ``pathways results`` commands.

A sweep spec (``pathways.inputs.sweep``) names a population of firms and the points over dotted keys; every
(firm, point) pair is one run.

Run id = sha256 of the resolved configuration's ``config_hash`` and the plan settings (first 20 hex digits). Each
finished run is one Parquet file ``DIR/runs/<run_id>.parquet`` (written to a temporary file, then ``os.replace``),
so a batch killed at any moment and resumed ends with every run present exactly once. A failing run is recorded
with its status and message. Runs that differ only in the owner's budget (a mutable Pyomo Param) share one built
model per task and are re-solved; anything else is rebuilt.

Targets: today every run plans one SME (``TARGET_SITE``); a park target (the park planner of issue 4) would add a
``Member`` kind and a runner in ``RUNNERS`` (one run per park and point), with the rest unchanged.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pathways.errors import InputError, problem
from pathways.inputs.resolve import resolve
from pathways.inputs.run_options import check_run_options
from pathways.inputs.sweep import TARGET_SITE, Member, Sweep, load_sweep
from pathways.site.build import build_problem

BATCH_ALTERNATIVES = 0      # batch runs never compute alternatives or explanations
BATCH_EXPLAIN = 0
BATCH_THREADS = 1           # HiGHS threads per worker
MAX_GROUP = 5               # runs per task when a built model is re-solved for budget-only changes
BUDGET_KEY = "finance.budget_cny_per_year"
TOTAL_KEYS = ("upfront_cny", "capex_cny", "subsidy_cny", "baseline_emissions_t_year1", "abatement_t_year_T",
              "cumulative_abatement_t", "energy_cost_saving_cny_year_T", "npv_vs_baseline_cny")
ACTION_KEYS = ("measure_id", "option_id", "family", "year", "mode", "size", "size_unit", "capex_cny", "subsidy_cny",
               "upfront_cny", "npv_cny", "co2_reduction_t_per_year")
OK_STATUSES = ("optimal", "time_limit", "gap_not_reached")   # runs with a plan


# ============================================================================================== runs
@dataclass
class Run:
    run_id: str
    config_hash: str
    group: str
    point_index: int
    point: dict
    member: Member
    error: str = ""             # resolution failed: recorded as a failed run without solving


def _sha(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_settings(plan: dict) -> dict:
    """The settings that, with the resolved configuration, determine a run's result."""
    return {"objective": plan["objective"], "years": plan["years"], "time_limit_s": float(plan["time_limit_s"]),
            "gap": float(plan["gap"]), "alternatives": BATCH_ALTERNATIVES, "explain": BATCH_EXPLAIN,
            "threads": BATCH_THREADS}


def run_id(config_hash: str, settings: dict) -> str:
    return _sha({"config_hash": config_hash, "settings": settings})[:20]


def overrides_of(sweep: Sweep, member: Member, point: dict) -> dict:
    """Population variation < fixed ``set`` < the point (later wins)."""
    return {**member.overrides, **sweep.fixed, **point}


def _budget_free_hash(resolved, settings: dict) -> str | None:
    """Hash of everything but the budget; None when the budget is not a finite number in every plan year."""
    model = resolved.model
    if not all(math.isfinite(b) for b in model.budget_by_year()):
        return None
    tree = model.model_dump(mode="json")
    tree["finance"]["budget_cny_per_year"] = None
    return _sha({"model": tree, "settings": settings})[:20]


def expand(sweep: Sweep) -> list[Run]:
    """Every (firm, point) as a Run with its id; a run whose configuration does not resolve carries the error.
    Runs with the same id (the same resolved configuration) are kept once."""
    settings = plan_settings(sweep.plan)
    runs: list[Run] = []
    seen: set[str] = set()
    for j, point in enumerate(sweep.points):
        for member in sweep.members:
            try:
                r = resolve(member.model, sweep.scenarios, overrides_of(sweep, member, point),
                            allow_paths=member.allow_paths)
            except InputError as exc:
                rid = "bad-" + _sha({"member": member.label, "point": point, "settings": settings})[:16]
                runs.append(Run(rid, "", rid, j, point, member, error="; ".join(exc.problems)))
                continue
            rid = run_id(r.config_hash, settings)
            if rid in seen:
                continue
            seen.add(rid)
            runs.append(Run(rid, r.config_hash, _budget_free_hash(r, settings) or rid, j, point, member))
    return runs


def tasks_of(runs: list[Run], sweep: Sweep, reuse: bool = True) -> list[dict]:
    """Group runs that differ only in the budget (up to MAX_GROUP per task); every other run is its own task."""
    groups: dict[str, list[Run]] = {}
    for r in runs:
        groups.setdefault(r.group if reuse else r.run_id, []).append(r)
    settings = plan_settings(sweep.plan)
    tasks = []
    for rs in groups.values():
        for i in range(0, len(rs), MAX_GROUP):
            chunk = rs[i:i + MAX_GROUP]
            tasks.append({"settings": settings, "reuse": reuse and len(chunk) > 1, "runs": [
                {"run_id": r.run_id, "config_hash": r.config_hash, "model": r.member.model, "kind": r.member.kind,
                 "scenarios": sweep.scenarios, "set": overrides_of(sweep, r.member, r.point), "error": r.error,
                 "allow_paths": list(r.member.allow_paths)}
                for r in chunk]})
    return tasks


# ============================================================================================== worker side


def pin_highs_threads(threads: int = BATCH_THREADS) -> None:
    """Start every worker's HiGHS scheduler with ``threads`` threads (see ``milp.pin_highs_threads``)."""
    from pathways.model.milp import pin_highs_threads as pin
    pin(threads)


def _failed(run: dict, message: str, status: str = "failed") -> dict:
    return {"run_id": run["run_id"], "config_hash": run["config_hash"], "status": status,
            "message": " ".join(str(message).split())[:2000]}


def _record(run: dict, resolved, result, reused: bool) -> dict:
    rec = {"run_id": run["run_id"], "config_hash": run["config_hash"], "status": result.status,
           "message": result.message, "objective_value": result.objective_value, "npv_cny": result.npv_cny,
           "milp_npv_cny": result.milp_npv_cny, "mip_gap": result.mip_gap, "solve_seconds": result.solve_seconds,
           "total_seconds": result.total_seconds, "reused_model": reused,
           "plan_years": int(result.problem.plan_years) if result.problem is not None else None,
           "discount_rate": float(resolved.model.finance.discount_rate)}
    rec.update({k: result.totals.get(k) for k in TOTAL_KEYS})
    acts = result.actions if result.status in OK_STATUSES else result.actions.iloc[0:0]
    rows = [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if k in ACTION_KEYS}
            for row in acts.to_dict(orient="records")]
    rec["n_actions"] = len(rows)
    rec["actions_json"] = json.dumps(rows, allow_nan=False, default=float)
    return rec


def _resolve_checked(run: dict):
    r = resolve(run["model"], run["scenarios"], run["set"], allow_paths=run.get("allow_paths", ()))
    if r.config_hash != run["config_hash"]:
        raise InputError(problem("config_hash", r.config_hash[:12], f"the configuration resolved on this worker "
                                 f"differs from the client's ({run['config_hash'][:12]}); give workers the same "
                                 "files and pathways version"))
    return r


def _run_one(run: dict, s: dict) -> dict:
    from pathways.model.planner import plan

    if run["error"]:
        return _failed(run, run["error"])
    try:
        r = _resolve_checked(run)
        result = plan(r, objective=s["objective"], years=s["years"], alternatives=s["alternatives"],
                      explain=s["explain"], time_limit=s["time_limit_s"], gap=s["gap"], threads=s["threads"])
        return _record(run, r, result, reused=False)
    except InputError as exc:
        return _failed(run, "; ".join(exc.problems))
    except Exception as exc:  # a failing run never stops the sweep
        return _failed(run, f"{type(exc).__name__}: {exc}")


def _run_budget_group(runs: list[dict], s: dict) -> list[dict]:
    """Runs that differ only in the budget: build the problem and Pyomo model once, then for each run set the
    mutable budget Param (and the Problem's budget, used by the baseline and the report) and re-solve."""
    from pathways.model.milp import PlanModel
    from pathways.model.planner import payback_filter, plan_result

    out: list[dict] = []
    pm = None
    for i, run in enumerate(runs):
        t0 = time.perf_counter()
        try:
            r = _resolve_checked(run)
            if pm is None:
                problem_, ctx = build_problem(r, s["years"])
                allowed = payback_filter(problem_)
                pm = PlanModel(problem_, objective=s["objective"], allowed=allowed)
                if problem_.budget_cny is None or not hasattr(pm.m, "budget_cny"):
                    raise LookupError("no budget constraint to re-solve")
            T = problem_.plan_years
            by_year = r.model.budget_by_year()
            budget = np.asarray((by_year + [by_year[-1]] * T)[:T], dtype=float)
            problem_.budget_cny = budget
            for t in pm.m.budget_cny:
                pm.m.budget_cny[t] = float(budget[t - 1])
            res = pm.solve(time_limit=s["time_limit_s"], gap=s["gap"], threads=s["threads"])
            result = plan_result(problem_, ctx, r, pm, res, allowed, s["objective"], s["alternatives"],
                                 s["explain"], s["time_limit_s"], t0)
            out.append(_record(run, r, result, reused=i > 0))
        except Exception:
            # anything unexpected: plan the rest from scratch (each failure is then recorded by _run_one)
            return out + [_run_one(x, s) for x in runs[i:]]
    return out


def run_task(task: dict) -> list[dict]:
    """Worker entry point: plan the runs of one task; never raises for a failing run."""
    pin_highs_threads()
    s = task["settings"]
    runs = task["runs"]
    if task.get("reuse") and all(not r["error"] for r in runs):
        recs = _run_budget_group(runs, s)
    else:
        recs = [RUNNERS[r.get("kind", TARGET_SITE)](r, s) for r in runs]
    try:
        from distributed import get_worker
        worker = get_worker().address
    except Exception:
        worker = f"local:{os.getpid()}"
    for rec in recs:
        rec["worker"] = worker
    return recs


RUNNERS = {TARGET_SITE: _run_one}   # a park runner plugs in here


# ============================================================================================== storage
def _schema():
    import pyarrow as pa

    f64, s = pa.float64(), pa.string()
    fields = [("run_id", s), ("config_hash", s), ("sweep", s), ("point_index", pa.int64()), ("firm", s),
              ("status", s), ("message", s), ("objective_value", f64), ("npv_cny", f64), ("milp_npv_cny", f64),
              ("mip_gap", f64)] + [(k, f64) for k in TOTAL_KEYS] + [
              ("n_actions", pa.int64()), ("plan_years", pa.int64()), ("discount_rate", f64),
              ("solve_seconds", f64), ("total_seconds", f64), ("reused_model", pa.bool_()), ("worker", s),
              ("finished_at", s), ("point_json", s), ("member_json", s), ("actions_json", s)]
    return pa.schema(fields)


def runs_dir(out_dir: str | Path) -> Path:
    return Path(out_dir) / "runs"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_record(out_dir: str | Path, rec: dict) -> Path:
    """One run as ``DIR/runs/<run_id>.parquet`` (temporary file, then rename)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema()
    row = {}
    for f in schema:
        v = rec.get(f.name)
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        row[f.name] = v
    if row.get("actions_json") is None:
        row["actions_json"] = "[]"
    table = pa.Table.from_pylist([row], schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf)
    path = runs_dir(out_dir) / f"{rec['run_id']}.parquet"
    _atomic_write(path, buf.getvalue())
    return path


def finished_ids(out_dir: str | Path, retry_failed: bool = False) -> set[str]:
    """Run ids with a result file (without the failed ones when ``retry_failed``)."""
    files = sorted(runs_dir(out_dir).glob("*.parquet")) if runs_dir(out_dir).is_dir() else []
    out = set()
    for p in files:
        status = run_status(p)
        if status is None:         # truncated or corrupt (e.g. copied half-way): not finished, it runs again
            continue
        if not (retry_failed and status == "failed"):
            out.add(p.stem)
    return out


def run_status(path: Path) -> str | None:
    """The status stored in one run file, or None when the file cannot be read as one run (truncated, empty,
    not Parquet, or without a status)."""
    import pyarrow.parquet as pq

    try:
        col = pq.read_table(path, columns=["status"]).column(0)
        return str(col[0].as_py()) if len(col) == 1 and col[0].as_py() is not None else None
    except Exception:  # pyarrow raises ArrowInvalid, OSError, KeyError... for a damaged file
        return None


def _read_all(out_dir: str | Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = runs_dir(out_dir)
    if not d.is_dir():
        raise InputError(problem("DIR", str(out_dir), "holds no batch results (no runs/ folder); run "
                                 "`pathways batch SWEEP.yaml --out DIR` first"))
    tables, unreadable = [], []
    for p in sorted(d.glob("*.parquet")):
        try:
            tables.append(pq.read_table(p).cast(_schema()))
        except Exception:  # a truncated or foreign file: reported, never a traceback
            unreadable.append(p.name)
    df = (pa.concat_tables(tables) if tables else _schema().empty_table()).to_pandas()
    df.attrs["unreadable_runs"] = unreadable
    return df


def collect(out_dir: str | Path, actions: bool = False) -> pd.DataFrame:
    """All runs under ``DIR`` as one tidy DataFrame: one row per run, the sweep keys as columns (named by their
    dotted keys), totals, status and message. With ``actions=True``: one row per (run, action) instead, with
    the run's firm, status and sweep keys."""
    raw = _read_all(out_dir)
    unreadable = raw.attrs.get("unreadable_runs", [])
    if unreadable:
        import warnings
        warnings.warn(f"{len(unreadable)} run file(s) under {runs_dir(out_dir)} cannot be read (truncated?) and are "
                      f"left out, e.g. {unreadable[0]}; `pathways batch ... --resume` runs them again", stacklevel=2)
    points = [json.loads(p) if isinstance(p, str) else {} for p in raw["point_json"]]
    keys = list(dict.fromkeys(k for p in points for k in p))
    df = raw.drop(columns=["point_json", "actions_json"])
    for k in keys:
        df[k] = [p.get(k) for p in points]
    front = ["run_id", "sweep", "point_index", "firm", *keys, "status"]
    df = df[front + [c for c in df.columns if c not in front]]
    df = df.sort_values(["point_index", "firm", "run_id"], kind="stable").reset_index(drop=True)
    df.attrs["unreadable_runs"] = list(unreadable)
    if not actions:
        return df
    rows = []
    for rid, text in zip(raw["run_id"], raw["actions_json"]):
        for a in json.loads(text or "[]"):
            rows.append({"run_id": rid, **a})
    acts = pd.DataFrame(rows, columns=["run_id", *ACTION_KEYS])
    return df[["run_id", "point_index", "firm", *keys, "status"]].merge(acts, on="run_id", how="inner")


# ============================================================================================== progress
class Progress:
    """A one-line progress bar with rate and ETA on stderr (a line every ~10 s when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None, width: int = 28):
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = self.failed = 0
        self.t0 = time.perf_counter()
        self._last = 0.0

    def update(self, status: str) -> None:
        self.done += 1
        self.failed += status in ("failed", "error")
        now = time.perf_counter()
        if now - self._last >= (0.2 if self.tty else 10.0) or self.done == self.total:
            self._last = now
            self.stream.write(("\r" if self.tty else "") + self.line() + ("" if self.tty else "\n"))
            self.stream.flush()

    def line(self) -> str:
        elapsed = time.perf_counter() - self.t0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        frac = self.done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (f"[{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{self.total} {100 * frac:5.1f}% "
                f"{rate:6.2f} runs/s ETA {_hms(eta)} failed {self.failed}")

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _hms(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


# ============================================================================================== runner
@dataclass
class Summary:
    runs: int = 0
    skipped: int = 0
    done: int = 0                       # optimal or time limit with a plan
    infeasible: int = 0
    failed: int = 0                     # error, failed (bad input, exceptions, lost workers)
    seconds: float = 0.0
    by_status: dict = field(default_factory=dict)

    def text(self) -> str:
        ran = self.done + self.infeasible + self.failed
        rate = ran / self.seconds if self.seconds > 0 else 0.0
        return (f"{self.runs} runs: {self.done} done, {self.infeasible} infeasible, {self.failed} failed, "
                f"{self.skipped} already finished (skipped); {self.seconds:.1f} s, {rate:.2f} runs/s")


def _manifest(sweep: Sweep, runs: list[Run]) -> dict:
    return {"name": sweep.name, "spec": str(sweep.path) if sweep.path else None, "keys": sweep.keys,
            "plan": plan_settings(sweep.plan), "policy": sweep.policy, "firms": [m.label for m in sweep.members],
            "n_points": len(sweep.points),
            "runs": [{"run_id": r.run_id, "point_index": r.point_index, "firm": r.member.label} for r in runs]}


def _client(workers: int, scheduler: str | None):
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise InputError(problem("--scheduler", scheduler, f"no Dask scheduler answers there ({exc}); start "
                                     "one with `dask scheduler` and workers with `dask worker ADDRESS`")) from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster), cluster


def run_batch(sweep: Sweep, out_dir: str | Path, workers: int = 2, scheduler: str | None = None,
              resume: bool = False, retry_failed: bool = False, reuse: bool = True, client=None,
              progress: bool = True, runs: list[Run] | None = None) -> Summary:
    """Run every run of ``sweep`` not yet finished under ``out_dir``. ``workers=0`` runs in this process (no
    Dask); ``client`` uses an existing ``distributed.Client``; ``scheduler`` connects to a running cluster."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    check_out_dir(out)
    with BatchLock(out):
        return _run_batch_locked(sweep, out, workers, scheduler, resume, retry_failed, reuse, client, progress,
                                 runs, t0)


def check_out_dir(out: Path) -> None:
    """Refuse an unusable results directory up front (one line, exit 2): a file, a folder that cannot be made,
    or one this process cannot write into."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(problem("--out", str(out), "is a file; give a directory for the results"))
    try:
        runs_dir(out).mkdir(parents=True, exist_ok=True)
        probe = runs_dir(out) / f".probe.{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(problem("--out", str(out), f"cannot be written ({exc.strerror or exc}); give a "
                                                    "writable directory")) from None


class BatchLock:
    """``DIR/.lock`` held with an exclusive ``flock`` while a batch writes into DIR: a second batch into the same
    folder is refused (InputError, exit 2). The OS drops the lock when the process ends, even when killed, so a
    stale file never blocks a resume. Without ``fcntl`` (Windows) no lock is taken."""

    def __init__(self, out: Path):
        self.path = Path(out) / ".lock"
        self.fh = None

    def __enter__(self) -> "BatchLock":
        try:
            import fcntl
        except ImportError:
            return self
        self.fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.seek(0)
            holder = self.fh.read().strip()[:80]
            self.fh.close()
            self.fh = None
            raise InputError(problem("--out", str(self.path.parent), "another batch is writing into this folder ("
                                     + (holder or "lock held") + "); wait for it to finish or choose another "
                                     "directory")) from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
        self.fh.flush()
        return self

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.close()         # closing the file releases the flock
            self.fh = None


def _run_batch_locked(sweep, out, workers, scheduler, resume, retry_failed, reuse, client, progress, runs,
                      t0) -> Summary:
    rdir = runs_dir(out)
    if rdir.is_dir() and any(rdir.glob("*.parquet")) and not resume:
        n = sum(1 for _ in rdir.glob("*.parquet"))
        raise InputError(problem("--out", str(out), f"already holds {n} results; pass --resume to continue that "
                                 "batch or choose an empty directory"))
    rdir.mkdir(parents=True, exist_ok=True)
    for tmp in rdir.glob(".*.tmp"):     # left by a killed batch
        tmp.unlink(missing_ok=True)
    runs = expand(sweep) if runs is None else runs
    _atomic_write(out / "sweep.json", json.dumps(_manifest(sweep, runs), indent=1, default=str).encode())
    done = finished_ids(out, retry_failed) if resume else set()
    todo = [r for r in runs if r.run_id not in done]
    summary = Summary(runs=len(runs), skipped=len(runs) - len(todo))
    meta = {r.run_id: r for r in todo}
    bar = Progress(len(todo)) if progress and todo else None

    def store(rec: dict) -> None:
        r = meta[rec["run_id"]]
        rec.update({"sweep": sweep.name, "point_index": r.point_index, "firm": r.member.label,
                    "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    "point_json": json.dumps(r.point, default=str),
                    "member_json": json.dumps(r.member.overrides, default=str)})
        write_record(out, rec)
        st = rec["status"]
        summary.by_status[st] = summary.by_status.get(st, 0) + 1
        if st in OK_STATUSES:
            summary.done += 1
        elif st == "infeasible":
            summary.infeasible += 1
        else:
            summary.failed += 1
        if bar:
            bar.update(st)

    tasks = tasks_of(todo, sweep, reuse=reuse)
    try:
        if not tasks:
            pass
        elif workers == 0 and client is None and not scheduler:
            for task in tasks:
                for rec in run_task(task):
                    store(rec)
        else:
            _run_dask(tasks, store, workers, scheduler, client)
    finally:
        if bar:
            bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _run_dask(tasks: list[dict], store, workers: int, scheduler: str | None, client) -> None:
    from distributed import as_completed

    own = client is None
    cluster = None
    if own:
        client, cluster = _client(max(1, workers), scheduler)
    try:
        futures = [client.submit(run_task, t, pure=False, key=f"pathways-run-{t['runs'][0]['run_id']}-{i}")
                   for i, t in enumerate(tasks)]
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in as_completed(futures):
            try:
                recs = fut.result()
            except Exception as exc:  # a lost worker or an unpicklable result: every run of the task fails
                recs = [_failed(r, f"{type(exc).__name__}: {exc}") for r in by_key[fut.key]["runs"]]
            for rec in recs:
                store(rec)
            fut.release()
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


# ============================================================================================== CLI
def run_batch_cli(args: Any) -> int:
    """``pathways batch SWEEP.yaml --out DIR [--workers N] [--scheduler ADDRESS] [--resume] [--dry-run]``."""
    check_run_options(workers=args.workers)
    if not args.dry_run:
        check_out_dir(Path(args.out))
    sweep = load_sweep(args.sweep, allow_paths=getattr(args, "allow_path", None) or ())
    runs = expand(sweep)
    if args.dry_run:
        bad = sum(1 for r in runs if r.error)
        groups = len(tasks_of(runs, sweep))
        print(f"{args.sweep}: ok (sweep {sweep.name!r}, {len(sweep.members)} firms x {len(sweep.points)} points = "
              f"{len(runs)} distinct runs in {groups} tasks; {bad} do not resolve; keys: {', '.join(sweep.keys)})")
        return 0
    summary = run_batch(sweep, args.out, workers=args.workers, scheduler=args.scheduler, resume=args.resume,
                        retry_failed=args.retry_failed, reuse=not args.no_reuse, runs=runs)
    print(summary.text())
    print(f"results: {runs_dir(args.out)} (pathways results {args.out}; pathways.collect({str(args.out)!r}))")
    return 0


def summarize(out_dir: str | Path) -> str:
    """Text summary of a results directory."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = collect(out_dir)
    lines = [f"{out_dir}: {len(df)} runs"]
    unreadable = df.attrs.get("unreadable_runs", [])
    if unreadable:
        lines.append(f"warning: {len(unreadable)} run file(s) cannot be read (truncated?) and are left out, e.g. "
                     f"{unreadable[0]}; `pathways batch SWEEP.yaml --out {out_dir} --resume` runs them again")
    manifest = Path(out_dir) / "sweep.json"
    try:
        m = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else None
        expected = {r["run_id"] for r in m["runs"]} if m else None
    except (OSError, ValueError, KeyError, TypeError):
        lines.append(f"warning: {manifest} cannot be read; the count of missing runs is not known")
        m = expected = None
    if m and expected is not None:
        have = set(df["run_id"])
        lines[0] += (f" (sweep {m['name']!r}: {len(expected & have)} of {len(expected)} finished, "
                     f"{len(expected - have)} missing)")
    if df.empty:
        return "\n".join(lines)
    counts = df["status"].value_counts()
    lines.append("status: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    ok = df[df["status"].isin(OK_STATUSES)]
    if not ok.empty:
        lines.append(f"firms: {df['firm'].nunique()}, points: {df['point_index'].nunique()}, "
                     f"median solve {ok['solve_seconds'].median():.2f} s, median total {ok['total_seconds'].median():.2f} s")
        for col, unit in (("npv_cny", "CNY"), ("cumulative_abatement_t", "t"), ("abatement_t_year_T", "t/yr"),
                          ("subsidy_cny", "CNY")):
            q = ok[col].quantile([0, 0.5, 1]).to_numpy()
            lines.append(f"{col:<24} min {q[0]:>14,.0f}  median {q[1]:>14,.0f}  max {q[2]:>14,.0f} {unit}")
    bad = df[~df["status"].isin(OK_STATUSES)]
    for _, r in bad.head(5).iterrows():
        lines.append(f"{r['status']}: {r['firm']} point {r['point_index']}: {str(r['message'])[:150]}")
    if len(bad) > 5:
        lines.append(f"... and {len(bad) - 5} more not solved")
    return "\n".join(lines)


def run_results_cli(args: Any) -> int:
    """``pathways results DIR [--csv FILE]``."""
    print(summarize(args.dir))
    if args.csv:
        collect(args.dir).to_csv(args.csv, index=False)
        print(f"wrote {args.csv}")
    return 0


__all__ = ["expand", "tasks_of", "run_task", "run_batch", "collect", "summarize", "Run", "Summary", "write_record",
           "finished_ids", "pin_highs_threads"]
