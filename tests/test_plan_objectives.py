"""Objectives (max abatement, min cost for a target, Pareto), custom measures and the time-limit exit code."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import pathways
from pathways.cli.main import main
from pathways.errors import InputError

SMALL = Path(__file__).parent / "fixtures" / "site_plan_small.yaml"


@pytest.fixture(scope="module")
def npv_plan():
    return pathways.plan(str(SMALL), alternatives=0, explain=0)


def test_max_abatement_abates_at_least_as_much(npv_plan):
    r = pathways.plan(str(SMALL), objective="max-abatement", alternatives=0, explain=0)
    assert r.status == "optimal"
    assert r.totals["cumulative_abatement_t"] >= npv_plan.totals["cumulative_abatement_t"] - 1e-6
    assert r.npv_cny <= npv_plan.npv_cny + 1e-6 * abs(npv_plan.npv_cny) + 1.0


def test_min_cost_meets_the_target(npv_plan):
    em = npv_plan.emissions_by_year["baseline_t"].to_numpy()
    target = [None, float(em[1] * 0.8), float(em[2] * 0.75)]
    r = pathways.plan(str(SMALL), set_values=[f"co2_target_t_per_year={target}".replace("None", "null")],
                      objective="min-cost", alternatives=0, explain=0)
    assert r.status == "optimal"
    plan_em = r.emissions_by_year["plan_t"].to_numpy()
    assert plan_em[1] <= target[1] * (1 + 1e-3) and plan_em[2] <= target[2] * (1 + 1e-3)
    with pytest.raises(InputError, match="min-cost needs a CO2 target"):
        pathways.plan(str(SMALL), objective="min-cost", alternatives=0, explain=0)


def test_pareto_frontier_trades_npv_for_abatement():
    front = pathways.pareto(str(SMALL), points=3)
    assert len(front) >= 2
    ab = front["cumulative_abatement_t"].to_numpy()
    npv = front["npv_cny"].to_numpy()
    order = np.argsort(ab)
    # more abatement never comes with more NPV than the NPV-optimal plan (small tolerance for PV curve error)
    assert np.all(np.diff(npv[order]) <= 0.01 * np.abs(npv).max())


def test_custom_measure_enters_the_optimisation(tmp_path):
    site = yaml.safe_load(SMALL.read_text())
    site["measures"]["custom"] = [{
        "id": "vendor_oven_burner", "family": "equipment", "name_en": "Vendor quote: regenerative oven burner",
        "capex_cny": 60000, "annual_electricity_saving_kwh": 0, "annual_fuel_saving": {"natural_gas": 12000},
        "om_cny_per_year": 1000, "lifetime_years": 10, "financing_modes": ["own"]}]
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True))
    r = pathways.plan(str(path), alternatives=0, explain=0)
    # 12,000 Nm3 x 3.8 CNY = 45.6k CNY/yr for 60k CNY: it pays back in ~1.4 years and must be chosen
    assert "vendor_oven_burner" in set(r.actions["measure_id"])
    row = r.actions.set_index("measure_id").loc["vendor_oven_burner"]
    # before tax and financing; after 25 % tax on the saving less 6,000 CNY/yr of depreciation (10-year life)
    assert row["gross_saving_cny_per_year"] == pytest.approx(12000 * 3.8 - 1000, rel=0.02)
    assert row["annual_net_savings_cny"] == pytest.approx(12000 * 3.8 - 1000 - 0.25 * (12000 * 3.8 - 1000 - 6000),
                                                          rel=0.02)


def test_time_limit_without_plan_exits_4(monkeypatch):
    from pathways.model import milp

    def no_solution(self, *a, **k):
        return milp.SolveResult("time_limit", None, None, None, 0.0, 0.0, message="time limit")
    monkeypatch.setattr(milp.PlanModel, "solve", no_solution)
    assert main(["plan", str(SMALL), "--alternatives", "0"]) == 4


def test_own_weather_file_replaces_the_station(tmp_path):
    import gzip
    import shutil

    from pathways.inputs.resolve import resolve
    from pathways.paths import WEATHER_DIR
    from pathways.energy.pv import profile_for_station
    from pathways.site.build import build_problem

    epw = tmp_path / "beijing.epw"
    with gzip.open(WEATHER_DIR / "CHN_Beijing.Beijing.545110_CSWD.epw.gz") as src, open(epw, "wb") as dst:
        shutil.copyfileobj(src, dst)
    site = yaml.safe_load(SMALL.read_text())
    site["weather_file"] = "beijing.epw"
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True))
    problem, _ = build_problem(resolve(str(path)))
    own = problem.pv_profiles["hall:close_roof"]
    station = profile_for_station("545110", 5, 180, "close_roof")
    wuxi, _ = build_problem(resolve(str(SMALL)))
    # Beijing's sunshine, not the Wuxi site's nearest station
    assert own.sum() == pytest.approx(station.sum(), rel=0.01)
    assert abs(wuxi.pv_profiles["hall:close_roof"].sum() - own.sum()) > 0.03 * own.sum()


def test_per_kw_storage_subsidy_is_an_equivalent_capex_share():
    from pathways.inputs.resolve import resolve
    from pathways.model.evaluator import evaluate
    from pathways.site.problem import Action
    from pathways.site.build import build_problem

    r = resolve(str(Path(__file__).parent.parent / "models" / "suzhou_machining.yaml"),
                set_values=["assumptions.subsidies.presets=zhaoqing_hitech_storage"])
    problem, _ = build_problem(r)
    bat = problem.option("battery_storage")
    size_kwh = 1000.0
    ev = evaluate(problem, [Action("battery_storage", 1, "own", size_kwh)])
    # 150 CNY per kW of a 2-hour battery of 1,000 kWh (500 kW): 75,000 CNY, under the 1 M CNY cap
    assert ev.actions[0].upfront_cny == pytest.approx(bat.capex_at(size_kwh) - 150.0 * size_kwh / 2.0, rel=1e-9)
