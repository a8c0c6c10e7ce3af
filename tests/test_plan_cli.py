"""The plan command and Python API: JSON contract, exit codes, baseline, explanations."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pathways
from pathways.cli.main import main
from pathways.model.evaluator import evaluate
from pathways.model.planner import payback_first_baseline

SMALL = str(Path(__file__).parent / "fixtures" / "site_plan_small.yaml")
ACTION_KEYS = {"measure_id", "family", "year", "mode", "size", "size_unit", "capex_cny", "subsidy_cny", "upfront_cny",
               "annual_net_savings_cny", "gross_saving_cny_per_year", "npv_cny", "co2_reduction_t_per_year",
               "investment_payback_years", "cash_payback_years"}
TOP_KEYS = {"status", "objective", "npv_cny", "mip_gap", "solve_seconds", "actions", "totals", "emissions_by_year",
            "binding_constraints", "alternatives", "baseline", "applied_overrides", "owner_cash", "warnings",
            "estimates"}


@pytest.fixture(scope="module")
def small_result():
    return pathways.plan(SMALL, alternatives=2)


def test_json_contract(tmp_path):
    out = tmp_path / "plan.json"
    proc = subprocess.run([sys.executable, "-m", "pathways.cli.main", "plan", SMALL, "--json", str(out),
                           "--alternatives", "1", "--set", "finance.discount_rate=0.07"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert TOP_KEYS <= set(data)
    assert data["status"] == "optimal"
    assert data["actions"], "the small site has paying measures"
    for a in data["actions"]:
        assert ACTION_KEYS <= set(a)
        assert a["mode"] in ("own", "emc_pv", "roof_lease", "shared_savings", "guaranteed_savings",
                             "energy_cost_hosting", "finance_lease", "bank_loan")
        assert 1 <= a["year"] <= 3
    assert data["applied_overrides"][0]["key"] == "finance.discount_rate"
    assert len(data["emissions_by_year"]) == 12
    # the human table is printed too
    assert "Decarbonisation plan" in proc.stdout


def test_json_to_stdout_is_pure_json():
    proc = subprocess.run([sys.executable, "-m", "pathways.cli.main", "plan", SMALL, "--json", "-", "--alternatives", "0"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0
    json.loads(proc.stdout)


def test_exit_codes(capsys, tmp_path):
    assert main(["plan", SMALL, "--set", "finance.discount_rate=7"]) == 2
    assert "finance.discount_rate" in capsys.readouterr().err
    assert main(["plan", SMALL, "--alternatives", "0", "--set", "co2_target_t_per_year=[0,0,0]"]) == 3
    err = capsys.readouterr().err
    assert "co2_target" in err and "infeasible" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncity: Atlantis\n")
    assert main(["plan", str(bad)]) == 2


def test_api_result_is_typed_and_consistent(small_result):
    r = small_result
    assert r.status == "optimal"
    assert isinstance(r.actions, pd.DataFrame) and isinstance(r.emissions_by_year, pd.DataFrame)
    ev = evaluate(r.problem, [x.action for x in r.evaluation.actions])
    assert ev.npv_cny == pytest.approx(r.npv_cny, rel=1e-12)
    # the MILP's own NPV is the exact one or, with PV, within the curve tolerance of it
    assert abs(r.milp_npv_cny - r.npv_cny) <= 0.01 * abs(r.npv_cny)
    assert r.linearisation_exact == (abs(r.milp_npv_cny - r.npv_cny) <= 1e-6 * max(1.0, abs(r.npv_cny)))
    if not r.linearisation_exact:
        assert "differs from the exact evaluation" in r.message
    # every action has an explanation, and the alternatives are distinct and not better
    assert {x.option_id for x in r.explanations} == set(r.actions["option_id"])
    sets = [frozenset(r.actions["option_id"])] + [frozenset(a.option_id for a in alt.actions)
                                                  for alt in r.alternatives]
    assert len(set(sets)) == len(sets)
    for alt in r.alternatives:
        assert alt.npv_cny <= r.npv_cny + 0.01 * abs(r.npv_cny)


def test_milp_beats_payback_first_baseline(small_result):
    r = small_result
    base = payback_first_baseline(r.problem)
    base_npv = evaluate(r.problem, base).npv_cny
    assert r.baseline.npv_cny == pytest.approx(base_npv, rel=1e-9) or r.baseline.npv_cny <= r.npv_cny
    assert r.npv_cny >= r.baseline.npv_cny - 0.005 * abs(r.npv_cny)


def test_budget_respected(small_result):
    r = small_result
    for t in range(1, 4):
        spent = r.actions.loc[r.actions["year"] == t, "upfront_cny"].sum()
        assert spent <= r.problem.budget_cny[t - 1] + 1.0


def test_rejected_have_break_even(small_result):
    for item in small_result.rejected:
        assert item.why_not
        if item.npv_loss_if_added_cny is not None:
            assert item.break_even


def test_validate_checks_measure_ids_against_the_catalog(tmp_path, capsys):
    bad = tmp_path / "typo.yaml"
    bad.write_text("name: t\ncity: Wuxi\nsector: machinery\nelectricity: {annual_kwh: 900000}\n"
                   "measures: {disable: [vsd_fanz]}\n")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "measures.disable[0]" in err and "vsd_fans" in err


def test_validate_checks_park_options_against_the_catalog(tmp_path, capsys):
    bad = tmp_path / "park.yaml"
    bad.write_text("name: p\ncity: Suzhou\nfirms:\n  - {name: a, sector: machinery, electricity: {annual_kwh: 900000}}\n"
                   "park_options: [park_pv_aggregation]\n")
    assert main(["validate", str(bad)]) == 2
    assert "park_options[0]" in capsys.readouterr().err
