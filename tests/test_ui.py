"""The web app through Streamlit's AppTest: every page, widgets driven, no exception, key numbers shown.

Uses the small fixture model (tests/fixtures/site_plan_small.yaml, about 1 s per plan) through the
PATHWAYS_UI_EXAMPLES folder list.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import pathways
import pathways.batch
from pathways.inputs.overrides import load_scenario
from pathways.inputs.resolve import resolve
from pathways.ui import fmt, inputs
from pathways.ui.texts import NAMES, TEXT

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
SMALL = FIX / "site_plan_small.yaml"


def go(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its url_path (the pages are callables, which AppTest.switch_page cannot address)."""
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path)
    at.run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


# ---------------------------------------------------------------------------------------------- pure parts
def test_texts_have_the_same_keys_in_both_languages():
    assert TEXT["en"].keys() == TEXT["zh"].keys()
    for kind, by_lang in NAMES.items():
        assert by_lang["en"].keys() == by_lang["zh"].keys(), kind


def test_money_and_numbers_are_formatted_as_users_read_them():
    assert fmt.cny(1234567, "en") == "¥1,234,567"
    assert fmt.cny(1234567, "zh") == "123.5 万元"
    assert fmt.cny(-250_000_000, "zh") == "-2.50 亿元"
    assert fmt.cny(999, "zh") == "999 元"
    assert fmt.cny(5000, "en", signed=True) == "+¥5,000"
    assert fmt.num(float("nan")) == "–" and fmt.num(12345.67, 1, "kWh") == "12,345.7 kWh"
    assert fmt.tonnes(1500, "zh") == "1,500 吨CO2"


def test_action_changes_names_appear_disappear_move_and_financing():
    from pathways.ui.compare import action_changes
    base = [{"option_id": "vsd_fans", "year": 1, "mode": "own"}, {"option_id": "energy_audit", "year": 1, "mode": "own"},
            {"option_id": "led_lighting_controls", "year": 2, "mode": "own"}]
    other = [{"option_id": "vsd_fans", "year": 3, "mode": "own"},
             {"option_id": "led_lighting_controls", "year": 2, "mode": "finance_lease"},
             {"option_id": "vsd_pumps", "year": 2, "mode": "own"}]
    out = action_changes(base, other, "B", "en")
    assert len(out) == 4
    assert any("appears" in c and "pumps" in c for c in out)
    assert any("disappears" in c and "audit" in c.lower() for c in out)
    assert any("from year 1 to year 3" in c for c in out)
    assert any("finance lease" in c for c in out)
    assert all(c.startswith("B: ") for c in out)


def test_resolved_model_and_scenario_files_repeat_the_run(tmp_path):
    r = resolve(SMALL, ["tight_budget"], ["finance.discount_rate=0.05"])
    model = tmp_path / "resolved_model.yaml"
    model.write_text(inputs.model_yaml(r), encoding="utf-8")
    assert resolve(model).config_hash == r.config_hash
    scen = tmp_path / "overrides.yaml"
    scen.write_text(inputs.scenario_yaml(r, "web_app_overrides"), encoding="utf-8")
    assert resolve(SMALL, [load_scenario(scen)]).config_hash == r.config_hash


# ---------------------------------------------------------------------------------------------- My SME
def test_sme_example_plan_shows_the_plan_numbers_charts_and_both_languages(app):
    at = app
    at.selectbox(key="sme_example_en").set_value("site_plan_small").run()
    at.button(key="sme_run").click().run()
    assert not at.exception, at.exception
    assert not errors(at)
    expected = pathways.plan(str(SMALL), alternatives=0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["NPV of the plan"] == fmt.cny(expected.npv_cny, "en")
    assert metrics["CO2 cut in year 3"] == fmt.tonnes(expected.totals["abatement_t_year_T"], "en")
    plan_table = at.table[0].value
    assert len(plan_table) == len(expected.actions)
    assert sorted(plan_table.index) == sorted(expected.actions["year"])
    subheaders = [s.value for s in at.subheader]
    assert "Alternative plans" in subheaders and "Why not the others (with break-even)" in subheaders
    assert len(at.get("vega_lite_chart")) >= 4          # timeline, cash flow, emissions, MACC
    labels = [d.label for d in at.get("download_button")]
    assert "Plan (CSV)" in labels and "Resolved model (YAML)" in labels and any("JSON" in x for x in labels)
    at.radio(key="lang").set_value("zh").run()                # language switch re-renders from the cache
    assert not at.exception
    zh = {m.label: m.value for m in at.metric}
    assert zh["方案净现值"] == fmt.cny(expected.npv_cny, "zh") and "万元" in zh["方案净现值"]
    assert "备选方案" in [s.value for s in at.subheader]
    why_not = at.table[2].value                               # planner's reasons rendered in Chinese
    assert why_not.iloc[0].to_string().count("元") >= 1 and "CNY" not in why_not.to_string()
    assert any("第 1 年自有预算已全部用完" in m.value for m in at.markdown)   # the small site spends its year-1 budget
    charts_before = len(at.get("vega_lite_chart"))
    at.button(key="sme_frontier").click().run()              # cost-abatement frontier from pathways.pareto
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == charts_before + 1
    frontier = pathways.pareto(str(SMALL), points=5)
    assert any(len(tb.value) == len(frontier) and "净现值（元）" in tb.value.columns for tb in at.table)


def test_sme_malformed_upload_shows_the_cli_message_and_the_app_keeps_working(app):
    at = app
    at.radio(key="sme_source_en").set_value("upload").run()
    assert at.button(key="sme_run").disabled
    at.file_uploader(key="sme_up_model").set_value(("broken.yaml", b"name: [unclosed\ncity: Wuxi\n",
                                                    "application/x-yaml")).run()
    assert not at.exception
    lines = errors(at)
    assert any(x.startswith("broken.yaml: line") and "not valid YAML" in x for x in lines), lines
    assert all("pathways-ui-" not in x for x in lines)        # no server paths in the messages
    assert at.button(key="sme_run").disabled
    # a good model plus an uploaded scenario file: validated, planned, overrides listed
    at.file_uploader(key="sme_up_model").set_value(("small.yaml", SMALL.read_bytes(), "application/x-yaml"))
    at.file_uploader(key="sme_up_scen").set_value([("scenario_a.yaml", (FIX / "scenario_a.yaml").read_bytes(),
                                                    "application/x-yaml")])
    at.number_input(key="sme_alt").set_value(0)
    at.run()
    assert not errors(at)
    at.button(key="sme_run").click().run()
    assert not at.exception and not errors(at)
    expected = pathways.plan(str(SMALL), [str(FIX / "scenario_a.yaml")], alternatives=0)
    assert {m.label: m.value for m in at.metric}["NPV of the plan"] == fmt.cny(expected.npv_cny, "en")
    assert "scen_a" in at.table[-1].value.to_string()        # overrides applied, with their source


def test_sme_upload_over_the_size_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_UPLOAD_MB", 0.001)
    at = app
    at.radio(key="sme_source_en").set_value("upload").run()
    at.file_uploader(key="sme_up_model").set_value(("big.yaml", b"#" * 5000, "application/x-yaml")).run()
    assert any(x.startswith("big.yaml:") and "limited to" in x for x in errors(at))


def test_sme_form_validates_overrides_and_plans(app):
    at = app
    at.radio(key="sme_source_en").set_value("form").run()
    assert not at.exception and not errors(at)
    at.text_area(key="sme_set").set_value("finance.discount_rate=abc").run()
    assert any("finance.discount_rate" in x for x in errors(at))
    at.text_area(key="sme_set").set_value("").run()
    at.number_input(key="f_kwh").set_value(1_500_000)
    at.number_input(key="sme_alt").set_value(0)
    at.run()
    assert not errors(at)
    at.button(key="sme_run").click().run()
    assert not at.exception and not errors(at)
    assert at.metric[0].label == "NPV of the plan" and at.metric[0].value.startswith("¥")
    assert "My factory" in at.subheader[0].value


# ---------------------------------------------------------------------------------------------- other pages
def test_compare_shows_deltas_and_changes(app):
    at = go(app, "compare")
    at.selectbox(key="cmp_model_en").set_value("site_plan_small").run()
    assert at.multiselect(key="cmp1_scen").value == ["tight_budget"]
    at.button(key="cmp_run").click().run()
    assert not at.exception and not errors(at)
    a = pathways.plan(str(SMALL), alternatives=0)
    b = pathways.plan(str(SMALL), ["tight_budget"], alternatives=0)
    summary = at.table[0].value
    assert list(summary.index) == ["A", "B"]
    assert summary.loc["B", "Δ NPV of the plan"] == fmt.cny(b.npv_cny - a.npv_cny, "en", signed=True)
    assert summary.loc["A", "Δ NPV of the plan"] == "¥0"
    changes = [m.value for m in at.markdown if m.value.startswith("- B")]
    assert changes and "B: " in changes[0]
    matrix = at.table[1].value
    assert set(matrix.columns) == {"A", "B"} and len(matrix) == len(set(a.actions["option_id"]) | set(b.actions["option_id"]))


TINY_PARK = """\
name: Tiny test park
city: Suzhou
firms:
  - id: a
    name: Firm A
    sector: machinery
    electricity: {annual_kwh: 3000000, shifts: two}
    roofs: [{id: r, area_m2: 1000, tilt_deg: 5, roof_type: metal}]
    finance: {budget_cny_per_year: 60000, payback_limit_years: null, allowed_financing_modes: [own]}
    measures: {disable_families: [carbon, digital, solar, energy_service]}
  - id: b
    name: Firm B
    sector: electronics
    electricity: {annual_kwh: 2000000, shifts: two}
    roofs: [{id: r, area_m2: 1000, tilt_deg: 5, roof_type: metal}]
    finance: {budget_cny_per_year: 30000, payback_limit_years: null, allowed_financing_modes: [own]}
    measures: {disable_families: [carbon, digital, solar, energy_service]}
subsidy_pool_cny_per_year: 40000
programme_capacity_firms_per_year: [1, 2]
targets: {co2_t_per_year: [null, 4000]}
park_options: [park_shared_pv, park_storage]
plan: {years: 2, horizon_years: 10}
"""


def test_park_page_plans_a_park_and_shows_rollout_assets_targets_and_clustering(app, tmp_path, monkeypatch):
    (tmp_path / "tiny_park.yaml").write_text(TINY_PARK, encoding="utf-8")
    monkeypatch.setenv(inputs.EXAMPLES_ENV, os.pathsep.join([str(FIX), str(tmp_path)]))
    at = go(app, "park")
    at.selectbox(key="park_example_en").set_value("tiny_park").run()
    assert not at.exception and not errors(at)
    assert len(at.dataframe[0].value) == 2                   # two firms listed
    at.button(key="park_run").click().run()
    assert not at.exception and not errors(at)
    # planned in a fresh thread, as the app's script runs are: in this thread, after earlier tests solved HiGHS
    # models here and in AppTest's threads, the park master can come back without a bound (reported)
    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(pathways.plan_park, str(tmp_path / "tiny_park.yaml"), time_limit=60.0, gap=0.005,
                               workers=0).result()
    assert expected.status == "optimal"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Park NPV (firms + park)"] == fmt.cny(expected.objective_cny, "en")
    assert metrics["Value of clustering"] == fmt.cny(expected.value_of_clustering.value_cny, "en", signed=True)
    assert metrics["Firms in the programme"] == f"{expected.totals.firms_in_programme} / 2"
    rollout = at.dataframe[1].value
    assert len(rollout) == 2 and "Why this year" in rollout.columns
    assets = at.dataframe[2].value
    assert "Shared PV on park land (ground-mounted)" in set(assets["Asset"])
    targets = at.table[1].value
    assert list(targets["Target"]) == ["–", "4,000 tCO2"] and set(targets["Met"]) == {"yes"}
    firms = at.dataframe[3].value
    assert list(firms["Firm"]) == ["a", "b"]
    assert len(at.get("vega_lite_chart")) == 2               # roll-out and targets
    assert "Park plan (JSON, as `pathways park --json`)" in [d.label for d in at.get("download_button")]
    at.radio(key="lang").set_value("zh").run()               # from the cache, in Chinese
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["园区净现值（企业 + 园区）"] == fmt.cny(expected.objective_cny, "zh")
    # the roll-out rule: switching to the planner's choice makes the shown result stale until it is run again
    rule = at.selectbox(key="park_later_batches_zh")
    assert rule.options == ["按能耗与数字化成熟度排队", "由规划器选择"]
    rule.set_value("optimised").run()
    assert not at.exception and at.warning


def test_park_page_checks_files_and_generates_a_park(app):
    at = go(app, "park")
    at.selectbox(key="park_example_en").set_value("park_ok").run()
    assert not at.exception and not errors(at)
    at.radio(key="park_source_en").set_value("upload").run()
    at.file_uploader(key="park_up").set_value(("park.yaml", (FIX / "park_ok.yaml").read_bytes(),
                                               "application/x-yaml")).run()
    assert not at.exception
    assert any("firms[0].file" in x and "no such file" in x for x in errors(at))   # its firm file was not uploaded
    at.radio(key="park_source_en").set_value("generate").run()
    at.number_input(key="gen_firms").set_value(3).run()
    assert not at.exception and not errors(at)
    assert any(s.value.startswith("Park ok: 3 firms") for s in at.success)
    at.text_input(key="gen_mix").set_value("machinery:1,foo:2").run()
    assert any(x.startswith("--mix: 'foo'") for x in errors(at))


# ---------------------------------------------------------------------------------------------- Policy
def wait_for_sweep(at: AppTest, timeout: float = 120.0) -> AppTest:
    """Rerun the page until the sweep's process has ended (the page polls it on every run)."""
    from pathways.ui.policy import status

    deadline = time.monotonic() + timeout
    while status(at.session_state["pol_job"]) == "running":
        assert time.monotonic() < deadline, "the sweep did not finish"
        time.sleep(0.5)
    at.run()
    assert not at.exception, at.exception
    return at


def build_small_sweep(at: AppTest, levels: str, variants: int) -> AppTest:
    at.multiselect(key="pol_models_en").set_value(["site_plan_small"])
    at.number_input(key="pol_variants").set_value(variants)
    at.text_input(key="pol_values").set_value(levels)
    at.number_input(key="pol_target").set_value(20)            # additional cumulative t: the 20 % design reaches it
    at.number_input(key="pol_workers").set_value(0)          # the CLI plans in its own process, without Dask
    at.run()
    assert not at.exception and not errors(at)
    return at


def test_policy_page_runs_a_sweep_in_a_separate_process_and_shows_the_curves(app):
    at = build_small_sweep(go(app, "policy"), "0.2, 0.4", variants=1)
    assert any("2 firms x 3 designs" in i.value and "6 runs" in i.value for i in at.info)
    at.button(key="pol_run").click().run()
    assert not at.exception
    job = at.session_state["pol_job"]
    assert job["cmd"][1:4] == ["-m", "pathways.cli.main", "policy"] and "--workers" in job["cmd"]
    assert job["proc"].pid != os.getpid()
    assert at.get("progress") or at.success                  # live progress while the process runs
    at = wait_for_sweep(at)
    assert not errors(at)
    assert any(s.value.startswith("Sweep finished: 6 runs -- 6 with a plan") for s in at.success)
    out = Path(job["out"])
    designs = pd.read_csv(out / "policy" / "designs.csv")
    runs = pathways.batch.collect(out)
    key = "assumptions.subsidies.solar_capex_share"
    # the base firm's run at 20 % is the plan of the same firm and subsidy through the public API
    alone = pathways.plan(str(SMALL), set_values=["assumptions.subsidies.presets=none", f"{key}=0.2"], alternatives=0)
    row = runs[(runs["firm"] == "site_plan_small") & (runs[key] == 0.2)].iloc[0]
    assert row["subsidy_cny"] == pytest.approx(alone.totals["subsidy_cny"])
    d20 = designs[designs[key] == 0.2].iloc[0]
    assert d20["subsidy_cny"] == pytest.approx(runs.loc[runs[key] == 0.2, "subsidy_cny"].sum())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Firms"] == "2" and metrics["Designs (incl. no subsidy)"] == "3"
    assert metrics["Largest additional CO2 cut"] == fmt.tonnes(designs["additional_cumulative_abatement_t"].max())
    table = at.dataframe[0].value.set_index("Design")
    assert list(table.index) == ["0 % (no subsidy)", "20 %", "40 %"]
    assert table.loc["20 %", "Public spending"] == fmt.cny(d20["subsidy_cny"], "en")
    assert table.loc["20 %", "CNY per additional t"] == fmt.num(d20["public_cny_per_t_additional"])
    cheapest = pd.read_csv(out / "policy" / "cheapest.csv").iloc[0]
    verdict = next(s.value for s in at.success if s.value.startswith("Cheapest design"))
    assert fmt.cny(cheapest["subsidy_cny"], "en") in verdict
    assert len(at.get("vega_lite_chart")) == 4               # abatement, cost per tonne, uptake, free riders
    labels = [d.label for d in at.get("download_button")]
    assert {"Designs (CSV)", "Uptake by family (CSV)", "Uptake by measure (CSV)", "Report (HTML, works offline)",
            "Sweep spec (YAML)"} <= set(labels)
    at.radio(key="lang").set_value("zh").run()
    assert not at.exception
    assert any(s.value.startswith("扫描完成：共 6 次规划") for s in at.success)
    assert any(fmt.cny(cheapest["subsidy_cny"], "zh") in s.value and "最省方案" in s.value for s in at.success)
    assert "财政支出" in at.dataframe[0].value.columns


def test_policy_page_stops_and_resumes_a_sweep(app):
    at = build_small_sweep(go(app, "policy"), "0.3", variants=0)
    at.button(key="pol_run").click().run()
    at.button(key="pol_stop").click().run()                  # the process is still importing pathways here
    assert not at.exception
    job = at.session_state["pol_job"]
    assert job["proc"].poll() is not None
    assert any(w.value.startswith("Stopped:") for w in at.warning)
    assert not at.button(key="pol_run").disabled
    at.button(key="pol_resume").click().run()
    assert "--resume" in at.session_state["pol_job"]["cmd"]
    at = wait_for_sweep(at)
    assert any(s.value.startswith("Sweep finished: 2 runs") for s in at.success)
    assert len(at.dataframe[0].value) == 2                   # 30 % and no subsidy


def test_policy_page_checks_levels_and_reads_the_shipped_specs(app):
    at = go(app, "policy")
    at.text_input(key="pol_values").set_value("0, 0.1, x").run()
    assert not at.exception
    assert errors(at) == [TEXT["en"]["policy_bad_values"]]
    assert at.button(key="pol_run").disabled
    at.text_input(key="pol_values").set_value("0.1, 1.5").run()
    assert errors(at) == [TEXT["en"]["policy_bad_values"]]
    at.text_input(key="pol_values").set_value("0.1, 0.2").run()
    at.multiselect(key="pol_models_en").set_value([]).run()
    assert errors(at) == [TEXT["en"]["policy_need_models"]]
    at.radio(key="pol_source_en").set_value("shipped").run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="pol_spec").value == "policy_pv_subsidy"
    assert any("20 firms x 5 designs" in i.value and "100 runs" in i.value for i in at.info)
    assert not at.button(key="pol_run").disabled
    at.radio(key="lang").set_value("zh").run()
    assert any("20 家企业" in i.value for i in at.info)


# ---------------------------------------------------------------------------------------------- examples, addresses
def bundled(folder: str) -> dict[str, tuple[str, str]]:
    """stem -> (English name = the model's `name`, Chinese name from texts.EXAMPLE_ZH) of the shipped examples."""
    import yaml

    from pathways.ui.texts import EXAMPLE_ZH
    return {p.stem: (yaml.safe_load(p.read_text(encoding="utf-8"))["name"], EXAMPLE_ZH[p.stem])
            for p in sorted((ROOT / folder).glob("*.yaml"))}


def test_every_bundled_example_has_a_chinese_name():
    from pathways.ui.texts import EXAMPLE_ZH
    assert set(EXAMPLE_ZH) == set(bundled("models")) | set(bundled("models/parks"))


def test_pages_have_addresses_and_list_the_bundled_sites_and_parks_by_name_in_the_chosen_language(app):
    at = app
    urls = {info.get("url_pathname") for info in at._registered_pages.values()}
    assert {"sme", "compare", "park", "policy"} <= urls                   # "" is the hidden start page -> /sme
    assert at.title[0].value == TEXT["en"]["sme_title"]                   # the start page opened the SME page
    sites, parks = bundled("models"), bundled("models/parks")
    box = at.selectbox(key="sme_example_en")
    assert box.options[:len(sites)] == [en for en, _ in sites.values()]
    box.set_value("dongguan_electronics").run()
    at.radio(key="lang").set_value("zh").run()
    box = at.selectbox(key="sme_example_zh")
    assert box.options[:len(sites)] == [zh for _, zh in sites.values()]
    assert box.value == "dongguan_electronics"                            # the choice survives the language switch
    at = go(at, "park")
    assert at.selectbox(key="park_example_zh").options[:len(parks)] == [zh for _, zh in parks.values()]
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="park_example_en").options[:len(parks)] == [en for en, _ in parks.values()]
