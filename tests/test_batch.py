"""Sweep specs (expansion, validation), run ids, the in-process batch runner, resume, failures, collect and the
re-solve of a built model for budget-only changes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import pathways
from pathways import batch
from pathways.errors import InputError
from pathways.inputs.sweep import latin_hypercube, load_sweep
from pathways.inputs.resolve import resolve

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml")


def write_spec(tmp_path: Path, body: dict, name: str = "sweep.yaml") -> Path:
    body = {"models": [SMALL], "set": {"assumptions.subsidies.presets": "none"}, **body}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def errors_of(tmp_path: Path, body: dict) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_sweep(write_spec(tmp_path, body))
    return exc.value.problems


# ---------------------------------------------------------------------------------------- expansion
def test_grid_is_the_cartesian_product_in_key_order(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, {"points": {"grid": {
        "assumptions.subsidies.solar_capex_share": [0.0, 0.1, 0.2],
        "finance.budget_cny_per_year": [100000, 300000]}}}))
    assert sweep.keys == ["assumptions.subsidies.solar_capex_share", "finance.budget_cny_per_year"]
    assert sweep.points == [{"assumptions.subsidies.solar_capex_share": s, "finance.budget_cny_per_year": b}
                            for s in (0.0, 0.1, 0.2) for b in (100000, 300000)]


def test_list_points_keep_their_own_keys(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, {"points": {"list": [
        {"finance.budget_cny_per_year": 100000}, {"assumptions.subsidies.solar_capex_share": 0.3}]}}))
    assert sweep.keys == ["finance.budget_cny_per_year", "assumptions.subsidies.solar_capex_share"]
    assert len(sweep.points) == 2 and sweep.points[1] == {"assumptions.subsidies.solar_capex_share": 0.3}


def test_latin_hypercube_puts_one_sample_in_every_stratum_and_is_seeded():
    ranges = {"a": (0.0, 0.4), "b": (100.0, 900.0)}
    pts = latin_hypercube(ranges, 17, seed=5)
    for k, (lo, hi) in ranges.items():
        strata = sorted(int((p[k] - lo) / (hi - lo) * 17) for p in pts)
        assert strata == list(range(17))
    assert pts == latin_hypercube(ranges, 17, seed=5)
    assert pts != latin_hypercube(ranges, 17, seed=6)


def test_population_variants_scale_the_base_values_within_the_factors(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, {
        "population": {"variants_per_model": 4, "seed": 1, "scale": {"electricity.annual_kwh": [0.5, 2.0],
                                                                     "finance.budget_cny_per_year": [2.0, 2.0]}},
        "points": {"list": [{"finance.payback_limit_years": 8}]}}))
    assert [m.label for m in sweep.members] == ["site_plan_small"] + [f"site_plan_small~v{i}" for i in range(1, 5)]
    for m in sweep.members[1:]:
        assert 450000 <= m.overrides["electricity.annual_kwh"] <= 1800000        # base 900,000 kWh
        assert m.overrides["finance.budget_cny_per_year"] == [600000.0, 400000.0, 400000.0]  # base x 2
    assert len({m.overrides["electricity.annual_kwh"] for m in sweep.members[1:]}) == 4


def test_park_firms_become_members(tmp_path):
    body = {"park": str(ROOT / "tests" / "fixtures" / "park_ok.yaml"), "points": {"list": [{"plan.years": 3}]}}
    body_path = tmp_path / "p.yaml"
    body_path.write_text(yaml.safe_dump(body), encoding="utf-8")
    sweep = load_sweep(body_path)
    assert [m.label for m in sweep.members] == ["park_ok/dyeing_a", "park_ok/food_b"]
    runs = batch.expand(sweep)
    assert len(runs) == 2 and not any(r.error for r in runs)


# ---------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("body, where, what", [
    ({"points": {"grid": {"finance.budget_cny_per_year": 5}}}, "points.grid.finance.budget_cny_per_year",
     "non-empty list"),
    ({"points": {"grid": {"finance.budgt_cny_per_year": [1]}}}, "finance.budgt_cny_per_year", "budget_cny_per_year"),
    ({"points": {"lhs": {"samples": 4, "ranges": {"finance.discount_rate": [0.1, 0.05]}}}},
     "points.lhs.ranges.finance.discount_rate", "low < high"),
    ({"points": {"grid": {"plan.years": [3]}, "list": [{"plan.years": 3}]}}, "points", "exactly one of"),
    ({"points": {"grid": {"plan.years": [3]}}, "plan": {"objective": "fastest"}}, "plan.objective", "npv"),
    ({"points": {"grid": {"plan.years": [3]}}, "modles": []}, "modles", "did you mean 'models'"),
    ({"points": {"grid": {"plan.years": [3]}}, "models": ["nowhere.yaml"]}, "models[0]", "no such file"),
    ({"points": {"grid": {"plan.years": [3]}}, "population": {"variants_per_model": 2,
                                                              "scale": {"electricity.annual_kwh": [0, 2]}}},
     "population.scale.electricity.annual_kwh", "0 < low"),
])
def test_bad_specs_give_one_line_naming_field_and_value(tmp_path, body, where, what):
    problems = errors_of(tmp_path, body)
    assert len(problems) == 1, problems
    line = problems[0]
    assert "\n" not in line and where in line and what in line and str(tmp_path / "sweep.yaml") in line


def test_bad_value_of_one_point_is_a_failed_run_not_a_spec_error(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, {"points": {"list": [
        {"finance.payback_limit_years": 6}, {"finance.payback_limit_years": -1}]}}))
    runs = batch.expand(sweep)
    assert [bool(r.error) for r in runs] == [False, True]
    assert "finance.payback_limit_years" in runs[1].error and "-1" in runs[1].error


# ---------------------------------------------------------------------------------------- run ids
def test_run_id_follows_the_resolved_configuration_and_settings(tmp_path):
    base = {"points": {"list": [{"finance.payback_limit_years": 8}, {"finance.payback_limit_years": 8.0},
                                {"finance.payback_limit_years": 7}]}}
    runs = batch.expand(load_sweep(write_spec(tmp_path, base)))
    assert len(runs) == 2                       # 8 and 8.0 resolve to the same configuration: one run
    other_gap = batch.expand(load_sweep(write_spec(tmp_path, {**base, "plan": {"gap": 0.01}}, "b.yaml")))
    assert {r.run_id for r in runs}.isdisjoint({r.run_id for r in other_gap})
    again = batch.expand(load_sweep(write_spec(tmp_path, base, "c.yaml")))
    assert [r.run_id for r in again] == [r.run_id for r in runs]
    # the model file already says 8 years: the first point is the unchanged model
    plain = resolve(SMALL, [], {"assumptions.subsidies.presets": "none"})
    assert runs[0].config_hash == plain.config_hash


def test_budget_only_changes_share_a_task(tmp_path):
    sweep = load_sweep(write_spec(tmp_path, {"points": {"grid": {
        "assumptions.subsidies.solar_capex_share": [0.0, 0.2], "finance.budget_cny_per_year": [1e5, 2e5, 4e5]}}}))
    tasks = batch.tasks_of(batch.expand(sweep), sweep)
    assert sorted(len(t["runs"]) for t in tasks) == [3, 3]
    for t in tasks:
        shares = {r["set"]["assumptions.subsidies.solar_capex_share"] for r in t["runs"]}
        assert len(shares) == 1 and t["reuse"]
    assert all(len(t["runs"]) == 1 for t in batch.tasks_of(batch.expand(sweep), sweep, reuse=False))


# ---------------------------------------------------------------------------------------- running
@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    spec = write_spec(tmp, {"plan": {"gap": 1e-6}, "points": {"grid": {
        "assumptions.subsidies.solar_capex_share": [0.0, 0.25], "finance.budget_cny_per_year": [150000, 400000]}}})
    sweep = load_sweep(spec)
    summary = batch.run_batch(sweep, tmp / "out", workers=0, progress=False)
    return sweep, tmp / "out", summary


def test_collect_has_one_row_per_point_with_the_keys_as_columns(small_batch):
    sweep, out, summary = small_batch
    assert (summary.done, summary.failed, summary.infeasible, summary.skipped) == (4, 0, 0, 0)
    df = pathways.collect(out)
    assert len(df) == 4 and df["run_id"].is_unique
    assert list(df.columns[:6]) == ["run_id", "sweep", "point_index", "firm",
                                    "assumptions.subsidies.solar_capex_share", "finance.budget_cny_per_year"]
    got = sorted(zip(df["assumptions.subsidies.solar_capex_share"], df["finance.budget_cny_per_year"]))
    assert got == [(0.0, 150000), (0.0, 400000), (0.25, 150000), (0.25, 400000)]
    assert set(df["status"]) == {"optimal"}
    assert (df.loc[df["assumptions.subsidies.solar_capex_share"] == 0, "subsidy_cny"] == 0).all()
    assert (df.loc[df["assumptions.subsidies.solar_capex_share"] > 0, "subsidy_cny"] > 0).all()
    assert df["reused_model"].sum() == 2        # the second budget of each group re-solves the built model


def test_batch_results_equal_single_plans(small_batch):
    """Every run (rebuilt or re-solved) matches pathways.plan on the same overrides."""
    sweep, out, _ = small_batch
    df = pathways.collect(out)
    acts = pathways.collect(out, actions=True)
    for _, row in df.iterrows():
        sets = {"assumptions.subsidies.presets": "none",
                "assumptions.subsidies.solar_capex_share": row["assumptions.subsidies.solar_capex_share"],
                "finance.budget_cny_per_year": row["finance.budget_cny_per_year"]}
        ref = pathways.plan(SMALL, set_values=[f"{k}={v}" for k, v in sets.items()], alternatives=0, explain=0,
                            gap=1e-6)
        assert row["objective_value"] == pytest.approx(ref.objective_value, rel=1e-5)
        assert row["cumulative_abatement_t"] == pytest.approx(ref.totals["cumulative_abatement_t"], rel=1e-3)
        assert row["config_hash"] == ref.site["config_hash"]
        mine = acts[acts["run_id"] == row["run_id"]]
        assert mine["subsidy_cny"].sum() == pytest.approx(ref.actions["subsidy_cny"].sum(), rel=1e-3, abs=1.0)
        assert row["n_actions"] == len(mine)


def test_results_summary_and_csv(small_batch, tmp_path, capsys):
    _, out, _ = small_batch
    from pathways.cli.main import main
    assert main(["results", str(out), "--csv", str(tmp_path / "r.csv")]) == 0
    text = capsys.readouterr().out
    assert "4 runs (sweep 'sweep': 4 of 4 finished, 0 missing)" in text and "status: optimal 4" in text
    assert len(pd.read_csv(tmp_path / "r.csv")) == 4


def test_resume_runs_only_missing_runs_and_refuses_without_resume(small_batch, tmp_path):
    sweep, out, _ = small_batch
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    files = sorted((copy / "runs").glob("*.parquet"))
    removed = {files[0].stem, files[3].stem}
    for f in (files[0], files[3]):
        f.unlink()
    (copy / "runs" / f".{files[1].name}.999.tmp").write_bytes(b"partial")     # left by a kill mid-write
    with pytest.raises(InputError, match="--resume"):
        batch.run_batch(sweep, copy, workers=0, progress=False)
    s = batch.run_batch(sweep, copy, workers=0, resume=True, progress=False)
    assert (s.skipped, s.done) == (2, 2)
    df = pathways.collect(copy)
    assert len(df) == 4 and df["run_id"].is_unique and removed <= set(df["run_id"])
    assert not list((copy / "runs").glob(".*.tmp"))


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import pathways.model.planner as planner_mod
    real = planner_mod.plan

    def flaky(resolved, **kw):
        if resolved.model.finance.payback_limit_years == 7:
            raise RuntimeError("boom in the solver")
        return real(resolved, **kw)
    monkeypatch.setattr(planner_mod, "plan", flaky)
    sweep = load_sweep(write_spec(tmp_path, {"points": {"list": [
        {"finance.payback_limit_years": 6}, {"finance.payback_limit_years": 7},
        {"finance.payback_limit_years": -2}, {"finance.payback_limit_years": 8}]}}))
    s = batch.run_batch(sweep, tmp_path / "out", workers=0, progress=False)
    assert (s.done, s.failed) == (2, 2)
    df = pathways.collect(tmp_path / "out").set_index("finance.payback_limit_years")
    assert df.loc[7, "status"] == "failed" and df.loc[7, "message"] == "RuntimeError: boom in the solver"
    assert df.loc[-2, "status"] == "failed" and "finance.payback_limit_years: -2" in df.loc[-2, "message"]
    assert set(df.loc[[6, 8], "status"]) == {"optimal"}
    assert batch.finished_ids(tmp_path / "out", retry_failed=True) == set(df.loc[[6, 8], "run_id"])


def test_highs_threads_pinned_after_another_thread_count(monkeypatch):
    """A battery value curve (highspy, default threads) used to fix HiGHS at 2 threads, and plan(threads=1) then
    failed with 'error'; pinning the scheduler first avoids it."""
    import highspy
    highspy.Highs.resetGlobalScheduler(True)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 2)
    h.addVar(0.0, 1.0)
    h.run()                                      # the scheduler now runs 2 threads
    from pathways.model import milp
    monkeypatch.setattr(milp, "_HIGHS_THREADS", None)  # the scheduler was changed behind its back
    batch.pin_highs_threads(1)
    r = pathways.plan(SMALL, set_values=["measures.disable=[pv_bipv_roof]"], alternatives=0, explain=0, threads=1)
    assert r.status == "optimal"
    assert "battery_storage" in {o.measure_id for o in r.problem.options}
