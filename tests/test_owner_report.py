"""The owner's report (pathways.results.owner and the CLI text): cash table, paybacks, first steps, estimates,
warnings, both languages and the -v switch, on a real plan of the small fixture site."""
from __future__ import annotations

import copy
import csv
import re
from pathlib import Path

import pandas as pd
import pytest

import pathways
from pathways.model import estimates
from pathways.results import owner as rep
from pathways.cli.main import main
from pathways.paths import DATA_DIR
from pathways.results.report import TEXT, format_plan

SMALL = str(Path(__file__).parent / "fixtures" / "site_plan_small.yaml")


@pytest.fixture(scope="module")
def res():
    return pathways.plan(SMALL, alternatives=0, explain=0)


def test_cash_table_adds_up_year_by_year(res):
    cash = rep.owner_cash_table(res)
    assert list(cash.columns) == rep.CASH_COLUMNS
    assert list(cash["year"]) == list(range(1, res.problem.horizon + 1))
    running = 0.0
    for row in cash.itertuples():           # every column + received, - paid
        net = (row.upfront_cny + row.instalments_cny + row.fees_cny + row.esco_payments_cny + row.savings_cny
               + row.tax_cny)
        assert row.net_cny == pytest.approx(net, abs=1e-6)
        running += net
        assert row.cumulative_cny == pytest.approx(running, abs=1e-6)
    # year 1 pays the upfront of the actions that start in year 1, as the plan table lists them (the table's upfront
    # includes a loan's arrangement fee, which the cash table shows under fees; no yearly fee in this plan)
    year1 = res.actions.loc[res.actions["year"] == 1, "upfront_cny"].sum()
    assert -(cash["upfront_cny"].iloc[0] + cash["fees_cny"].iloc[0]) == pytest.approx(year1, rel=1e-9)
    # the bill saving in the last plan year is the one the plan's totals state
    T = res.problem.plan_years
    saved = cash["energy_bill_before_cny"].iloc[T - 1] - cash["energy_bill_after_cny"].iloc[T - 1]
    assert saved == pytest.approx(res.totals["energy_cost_saving_cny_year_T"], rel=1e-9)
    # an owner budget is shown for each plan year and none after
    assert list(cash["budget_cny"].iloc[:T]) == list(res.problem.budget_cny)
    assert (cash["budget_cny"].iloc[T:] == 0).all()


def test_first_steps_put_prerequisites_first_then_npv_per_cny_of_upfront():
    acts = pd.DataFrame([
        {"option_id": "energy_audit", "measure_id": "energy_audit", "year": 1, "upfront_cny": 30_000,
         "npv_cny": -5_000},
        {"option_id": "compressed_air_upgrade", "measure_id": "compressed_air_upgrade", "year": 1,
         "upfront_cny": 10_000, "npv_cny": 130_000},
        {"option_id": "led_lighting_controls", "measure_id": "led_lighting_controls", "year": 1,
         "upfront_cny": 50_000, "npv_cny": 200_000},
        {"option_id": "pv_bapv_metal@hall", "measure_id": "pv_bapv_metal", "year": 2, "upfront_cny": 1_000,
         "npv_cny": 1_000_000},
        {"option_id": "vsd_fans", "measure_id": "vsd_fans", "year": 1, "upfront_cny": 0.0, "npv_cny": 10_000},
    ])
    pre = {"compressed_air_upgrade": ("energy_audit",), "led_lighting_controls": ("ems_platform",)}  # not in plan
    out = rep.order_first_steps(acts, pre)
    # year 1: no upfront first (vsd_fans); LED 200k/50k = 4.0 beats the audit (-5k/30k); the compressed-air upgrade
    # (130k/10k = 13) waits for the audit it needs; the PV of year 2 comes last whatever its ratio
    assert list(out["option_id"]) == ["vsd_fans", "led_lighting_controls", "energy_audit", "compressed_air_upgrade",
                                      "pv_bapv_metal@hall"]
    assert list(out["step"]) == [1, 2, 3, 4, 5]
    assert out.loc[out["option_id"] == "led_lighting_controls", "npv_per_upfront"].iloc[0] == pytest.approx(4.0)


def test_first_steps_of_a_real_plan_respect_its_prerequisites(res):
    steps = rep.first_steps(res)
    assert sorted(steps["option_id"]) == sorted(res.actions["option_id"])
    position = {m: i for i, m in enumerate(steps["measure_id"])}
    checked = 0
    for i, oid in enumerate(steps["option_id"]):
        for need in res.problem.option(oid).prerequisites:
            if need in position:
                assert position[need] < i, (oid, need)
                checked += 1
    assert checked >= 1, "the small site's plan has an action with a prerequisite in the plan"
    assert list(steps["year"]) == sorted(steps["year"])


def test_estimates_name_catalog_parameters_and_assumptions_with_their_sources(res):
    est = estimates.plan_estimates(res)
    by_key = {x["key"]: x for x in est}
    in_plan = set(res.actions["measure_id"])
    with open(DATA_DIR / "catalog" / "parameters.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["measure_id"] in in_plan]
    estimated = [r for r in rows if r["is_estimate"] == "true"]
    sourced = [r for r in rows if r["is_estimate"] == "false"]
    assert estimated, "the plan's measures have estimated parameters"
    for r in estimated:
        x = by_key[f"{r['measure_id']}.{r['parameter']}"]
        assert x["source"] == r["source"] and x["source"].startswith("ESTIMATE")
        assert x["value"] == pytest.approx(float(r["value"])) and x["unit"] == r["unit"]
    for r in sourced:
        assert f"{r['measure_id']}.{r['parameter']}" not in by_key
    # the default real discount rate is an estimate the NPV rests on ...
    assert by_key["finance.discount_rate_real"]["value"] == pytest.approx(0.06)
    assert by_key["finance.discount_rate_real"]["source"].startswith("ESTIMATE")
    # ... unless the owner sets it
    own = pathways.plan(SMALL, set_values=["finance.discount_rate=0.08"], alternatives=0, explain=0)
    assert "finance.discount_rate_real" not in {x["key"] for x in estimates.plan_estimates(own)}


def test_sizes_say_what_they_are_in_both_languages():
    assert rep.size_text(105.4, "kWp") == "105 kWp of PV" and rep.size_text(105.4, "kWp", "zh") == "光伏 105 kWp"
    assert rep.size_text(500, "kWh") == "500 kWh of storage" and "储能" in rep.size_text(500, "kWh", "zh")
    assert rep.size_text(79, "kW_th") == "79 kW_th heat source" and "热源" in rep.size_text(79, "kW_th", "zh")
    assert rep.size_text(1234.5, "MWh/yr") == "1,234 MWh/yr of end use treated"
    assert rep.size_text(1, "site") == "whole site" and rep.size_text(1, "site", "zh") == "全厂"


def test_report_texts_exist_in_both_languages():
    assert TEXT["en"].keys() == TEXT["zh"].keys()
    assert rep.TEXT["en"].keys() == rep.TEXT["zh"].keys()
    assert estimates.ESTIMATE_TEXT["en"].keys() == estimates.ESTIMATE_TEXT["zh"].keys()
    assert all(en and zh for en, zh in estimates.PARAM_NAMES.values())


def _english_words(text: str, allowed: set[str]) -> set[str]:
    """ASCII words that are not ids (with _ @ . / or digits), units or names the user or catalog gave."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_@./\-]*", text))
    return {w for w in words if not re.search(r"[_@./0-9]", w) and w not in allowed}


def test_reports_have_their_sections_and_the_chinese_one_no_english(res):
    en, zh = format_plan(res, "en"), format_plan(res, "zh")
    for key in ("plan", "cash", "estimates", "why"):
        assert TEXT["en"][key] in en and TEXT["zh"][key] in zh
    for key in ("co2", "inv_payback", "cash_payback", "c_instalments", "c_cum", "c_bill_before", "c_bill_after"):
        assert TEXT["en"][key] in en and TEXT["zh"][key] in zh
    assert "tCO2/yr cut in its first year" in en
    after = res.totals.get("tax_basis", "pre_tax") == "after_tax"
    assert ("after tax" if after else "before tax") in en and ("税后" if after else "税前") in zh
    for r in res.actions.itertuples():                       # full names, not truncated ids
        assert r.name_en in en and r.name_zh in zh
    pv = res.actions[res.actions["size_unit"] == "kWp"]
    assert not pv.empty and "on roof hall (1,750 m2 usable)" in en   # 2,500 m2 x 0.7 usable
    allowed = {"kWp", "kWh", "MWh", "CO2", "W", "m2", "hall"} | set(res.site["name"].split())
    allowed |= {w for name in res.actions["name_zh"] for w in re.findall(r"[A-Za-z]+", name)}
    body = zh
    for src in sorted({x["source"] for x in estimates.plan_estimates(res)}, key=len, reverse=True):
        body = body.replace(src, "")                          # cited sources stay in the language they are in
    assert _english_words(body, allowed) == set()


def test_warnings_are_printed_first_and_tax_basis_follows_the_result(res):
    r = copy.copy(res)
    r.warnings = [{"code": "carrier_saving", "text_en": "electricity saving of 41 % is implausible",
                   "text_zh": "电力节省 41% 不可信"}]
    r.totals = {**res.totals, "tax_basis": "after_tax"}
    en, zh = format_plan(r, "en"), format_plan(r, "zh")
    assert en.index("!! WARNING: electricity saving of 41 % is implausible") < en.index(TEXT["en"]["plan"])
    assert "!! 警告: 电力节省 41% 不可信" in zh
    assert "after tax" in en and "before tax" not in en and "税后" in zh


def test_solver_internals_only_with_verbose(capsys):
    assert main(["plan", SMALL, "--alternatives", "0"]) == 0
    out = capsys.readouterr().out
    assert "[solver:" not in out and "gap" not in out and "MILP" not in out and "linearised" not in out
    assert main(["plan", SMALL, "--alternatives", "0", "-v"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\[solver: \w+, gap [0-9.e+-]+, solver [0-9.]+ s, total [0-9.]+ s\]", out)
    assert "MILP's own (linearised) NPV" in out


def test_estimates_name_the_inflation_rate_when_a_plan_borrows(res):
    # the small site's plan finances its PV with a bank loan; the instalments are turned into real money with the
    # estimated inflation rate of data/defaults.yaml
    assert res.actions["mode"].isin(["finance_lease", "bank_loan"]).any()
    assert "finance.inflation_rate" in {e["key"] for e in estimates.plan_estimates(res)}
