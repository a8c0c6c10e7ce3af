"""Policy metrics against hand-computed small cases (synthetic result tables), the counterfactual points, the
settings' errors, and one end-to-end `pathways policy` run on a tiny population."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

import pathways
from pathways import policy
from pathways.errors import InputError
from pathways.inputs.sweep import load_sweep

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml")
S = "assumptions.subsidies.solar_capex_share"
P = "assumptions.carbon.carbon_inclusion_price_cny_per_t"


def settings(keys=(S,), rate=0.1, metric=None, target=None) -> policy.PolicySettings:
    return policy.PolicySettings([S], {S: 0.0}, rate, metric, target, list(keys))


def tables_case():
    """Three firms; subsidy share 0 and 0.2.

    share 0  : A adopts pv (10 t/yr, 100 t cumulative); B adopts led (5, 50); C nothing (0, 0).
    share 0.2: A adopts pv, subsidy 1000 in year 1 (12, 120); B adopts pv (subsidy 2000, year 2) and led (15, 150);
               C adopts pv, subsidy 3000 in year 1 (8, 80).
    """
    runs = pd.DataFrame([
        ("a0", "A", 0.0, 10, 100), ("b0", "B", 0.0, 5, 50), ("c0", "C", 0.0, 0, 0),
        ("a2", "A", 0.2, 12, 120), ("b2", "B", 0.2, 15, 150), ("c2", "C", 0.2, 8, 80)],
        columns=["run_id", "firm", S, "abatement_t_year_T", "cumulative_abatement_t"]).assign(status="optimal")
    actions = pd.DataFrame([
        ("a0", "pv_bapv_metal", "solar", 1, 0.0), ("b0", "led", "equipment", 1, 0.0),
        ("a2", "pv_bapv_metal", "solar", 1, 1000.0), ("b2", "pv_bapv_metal", "solar", 2, 2000.0),
        ("b2", "led", "equipment", 1, 0.0), ("c2", "pv_bapv_metal", "solar", 1, 3000.0)],
        columns=["run_id", "measure_id", "family", "year", "subsidy_cny"])
    return runs, actions


def test_design_metrics_by_hand():
    runs, actions = tables_case()
    t = policy.policy_tables(runs, actions, settings())
    d = t["designs"].set_index(S)
    sub = d.loc[0.2]
    assert sub["abatement_t_per_year"] == 35 and sub["cumulative_abatement_t"] == 350
    assert sub["additional_abatement_t_per_year"] == 35 - 15
    assert sub["additional_cumulative_abatement_t"] == 350 - 150
    assert sub["subsidy_cny"] == 6000
    assert sub["subsidy_discounted_cny"] == pytest.approx(1000 + 2000 / 1.1 + 3000)
    assert sub["public_cny_per_t_gross"] == pytest.approx(6000 / 350)
    assert sub["public_cny_per_t_additional"] == pytest.approx(6000 / 200)
    assert sub["public_cny_per_t_additional_discounted"] == pytest.approx((4000 + 2000 / 1.1) / 200)
    # subsidised adoptions: A pv, B pv, C pv; only A adopts pv without the subsidy
    assert (sub["subsidised_adoptions"], sub["free_rider_adoptions"]) == (3, 1)
    assert sub["free_rider_share"] == pytest.approx(1 / 3)
    assert sub["free_rider_spending_share"] == pytest.approx(1000 / 6000)
    assert (sub["firms_subsidised"], sub["firms_compared"], sub["firms_failed"]) == (3, 3, 0)
    zero = d.loc[0.0]
    assert bool(zero["is_counterfactual"]) and zero["subsidy_cny"] == 0
    assert zero["additional_cumulative_abatement_t"] == 0 and math.isnan(zero["public_cny_per_t_additional"])
    assert math.isnan(zero["free_rider_share"])


def test_uptake_by_measure_and_family_by_hand():
    runs, actions = tables_case()
    t = policy.policy_tables(runs, actions, settings())
    m = t["measures"].set_index([S, "measure_id"])
    pv = m.loc[(0.2, "pv_bapv_metal")]
    assert (pv["firms_adopting"], pv["share_of_firms"]) == (3, 1.0)
    assert (pv["firms_adopting_without_subsidy"], pv["additional_adopters"]) == (1, 2)
    assert (pv["firms_subsidised"], pv["free_riders"], pv["subsidy_cny"]) == (3, 1, 6000)
    assert m.loc[(0.0, "pv_bapv_metal"), "share_of_firms"] == pytest.approx(1 / 3)
    led = m.loc[(0.2, "led")]
    assert (led["firms_adopting"], led["firms_subsidised"], led["free_riders"]) == (1, 0, 0)
    f = t["families"].set_index([S, "family"])
    assert f.loc[(0.2, "solar"), "firms_adopting"] == 3 and f.loc[(0.2, "equipment"), "firms_adopting"] == 1
    assert f.loc[(0.0, "solar"), "share_of_firms"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("metric, target, expected", [
    ("abatement_t_per_year", 20, 0.2),                 # share 0 gives only 15 t/yr
    ("abatement_t_per_year", 10, 0.0),                 # no subsidy already reaches it: cheapest = 0 CNY
    ("additional_cumulative_abatement_t", 150, 0.2),
    ("cumulative_abatement_t", 1000, None),            # nothing reaches it
])
def test_cheapest_design_reaching_a_target(metric, target, expected):
    runs, actions = tables_case()
    t = policy.policy_tables(runs, actions, settings(metric=metric, target=target))
    if expected is None:
        assert t["cheapest"].empty
    else:
        assert t["cheapest"][S].tolist() == [expected]


def test_cheapest_prefers_less_spending_among_designs_reaching_the_target():
    designs = pd.DataFrame({S: [0.1, 0.2, 0.3], "abatement_t_per_year": [50, 80, 90],
                            "subsidy_cny": [100.0, 300.0, 200.0], "subsidy_discounted_cny": [90.0, 250.0, 180.0]})
    assert policy.cheapest_design(designs, "abatement_t_per_year", 60)[S].tolist() == [0.3]
    assert policy.cheapest_design(designs, "abatement_t_per_year", 40)[S].tolist() == [0.1]


def test_failed_firms_are_left_out_of_the_comparison():
    runs, actions = tables_case()
    runs = pd.concat([runs, pd.DataFrame([
        {"run_id": "d0", "firm": "D", S: 0.0, "abatement_t_year_T": 4, "cumulative_abatement_t": 40,
         "status": "optimal"},
        {"run_id": "d2", "firm": "D", S: 0.2, "abatement_t_year_T": float("nan"),
         "cumulative_abatement_t": float("nan"), "status": "failed"}])])
    d = policy.policy_tables(runs, actions, settings())["designs"].set_index(S)
    assert (d.loc[0.2, "firms"], d.loc[0.2, "firms_failed"], d.loc[0.2, "firms_compared"]) == (4, 1, 3)
    assert d.loc[0.2, "additional_cumulative_abatement_t"] == 200      # D's 40 t at share 0 are not compared
    assert d.loc[0.0, "cumulative_abatement_t"] == 190


def test_counterfactual_is_taken_within_the_same_context():
    """With a second (non-subsidy) key, each design compares with no subsidy at the same carbon price."""
    rows, acts = [], []
    for price, base in ((40, 10), (60, 20)):
        for share, extra in ((0.0, 0), (0.2, 5)):
            rid = f"{price}-{share}"
            rows.append({"run_id": rid, "firm": "A", S: share, P: price, "abatement_t_year_T": base + extra,
                         "cumulative_abatement_t": 10 * (base + extra), "status": "optimal"})
            acts.append({"run_id": rid, "measure_id": "pv", "family": "solar", "year": 1,
                         "subsidy_cny": 500.0 if share else 0.0})
    ps = policy.PolicySettings([S], {S: 0.0}, 0.0, None, None, [S, P])
    d = policy.policy_tables(pd.DataFrame(rows), pd.DataFrame(acts), ps)["designs"].set_index([S, P])
    assert d.loc[(0.2, 40), "additional_abatement_t_per_year"] == 5
    assert d.loc[(0.2, 60), "additional_abatement_t_per_year"] == 5
    assert d.loc[(0.2, 60), "public_cny_per_t_additional"] == pytest.approx(500 / 50)


def _spec(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"models": [SMALL], **body}), encoding="utf-8")
    return path


def test_counterfactual_points_are_added_once(tmp_path):
    sweep = load_sweep(_spec(tmp_path, {"points": {"grid": {S: [0.1, 0.2], P: [40, 60]}}}))
    ps = policy.policy_settings(sweep)
    assert ps.subsidy_keys == [S]
    full = policy.with_counterfactuals(sweep, ps)
    assert full.points[4:] == [{S: 0.0, P: 40}, {S: 0.0, P: 60}]
    assert len(sweep.points) == 4                       # the original sweep is unchanged
    again = policy.with_counterfactuals(full, ps)
    assert again.points == full.points


@pytest.mark.parametrize("body, where", [
    ({"abatement_target": {"metric": "tonnes", "value_t": 5}}, "policy.abatement_target.metric"),
    ({"subsidy_keys": ["assumptions.subsidies.digital_capex_share"]}, "policy.subsidy_keys"),
    ({"public_discount_rate": 1.5}, "policy.public_discount_rate"),
    ({"free_riders": True}, "policy.free_riders"),
])
def test_bad_policy_settings_give_one_line(tmp_path, body, where):
    sweep = load_sweep(_spec(tmp_path, {"points": {"grid": {S: [0.1]}}, "policy": body}))
    with pytest.raises(InputError) as exc:
        policy.policy_settings(sweep)
    assert len(exc.value.problems) == 1 and where in exc.value.problems[0]


def test_policy_command_end_to_end(tmp_path, capsys):
    spec = _spec(tmp_path, {
        "set": {"assumptions.subsidies.presets": "none"},
        "population": {"variants_per_model": 1, "seed": 2, "scale": {"roofs.hall.area_m2": [0.4, 0.6]}},
        "points": {"grid": {S: [0.3]}},
        "policy": {"public_discount_rate": 0.05, "abatement_target": {"metric": "abatement_t_per_year",
                                                                      "value_t": 1}}})
    from pathways.cli.main import main
    out = tmp_path / "out"
    assert main(["policy", str(spec), "--out", str(out), "--workers", "0"]) == 0
    text = capsys.readouterr().out
    assert "cheapest design reaching abatement_t_per_year >= 1 t: solar_capex_share=0 (0 CNY" in text
    files = {p.name for p in (out / "policy").iterdir()}
    assert {"designs.csv", "measures.csv", "families.csv", "cheapest.csv", "policy.html", "abatement.png"} <= files
    runs = pathways.collect(out)
    acts = pathways.collect(out, actions=True)
    assert len(runs) == 4 and set(runs[S]) == {0.0, 0.3}          # 2 firms x (0.3 and its counterfactual 0)
    designs = pd.read_csv(out / "policy" / "designs.csv").set_index(S)
    sub = acts[acts[S] == 0.3]
    assert designs.loc[0.3, "subsidy_cny"] == pytest.approx(sub["subsidy_cny"].sum())
    assert designs.loc[0.3, "subsidy_discounted_cny"] == pytest.approx(
        (sub["subsidy_cny"] * 1.05 ** -(sub["year"] - 1)).sum())
    gained = runs[runs[S] == 0.3]["cumulative_abatement_t"].sum() - runs[runs[S] == 0.0]["cumulative_abatement_t"].sum()
    assert designs.loc[0.3, "additional_cumulative_abatement_t"] == pytest.approx(gained)
    assert designs.loc[0.3, "subsidy_cny"] > 0
    page = (out / "policy" / "policy.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<title>" in page and "http" not in page.replace("http://www.w3.org", "")
