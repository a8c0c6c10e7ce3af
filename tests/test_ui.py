"""The web app through Streamlit's AppTest: every page, widgets driven, no exception, key numbers shown.

Uses the small fixture model (tests/fixtures/site_plan_small.yaml, about 1 s per plan) through the
PATHWAYS_UI_EXAMPLES folder list.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import pathways
from pathways.config import load_scenario, resolve
from pathways.ui import fmt, inputs
from pathways.ui.texts import NAMES, TEXT

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
SMALL = FIX / "site_plan_small.yaml"


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv(inputs.EXAMPLES_ENV, str(FIX))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    at.radio(key="lang").set_value("en").run()
    return at


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
    at.selectbox(key="sme_example").set_value("site_plan_small").run()
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


def test_park_page_checks_a_park_file_and_says_what_is_coming(app):
    at = go(app, "park")
    assert any("park planner" in i.value for i in at.info)
    at.selectbox(key="park_example").set_value("park_ok").run()
    assert not at.exception and not errors(at)
    assert len(at.table[0].value) == 2                       # two firms listed
    assert at.button(key="park_run").disabled or hasattr(pathways, "plan_park")
    at.file_uploader(key="park_up").set_value(("park.yaml", (FIX / "park_ok.yaml").read_bytes(),
                                               "application/x-yaml")).run()
    assert not at.exception
    assert any("firms[0].file" in x and "no such file" in x for x in errors(at))   # its firm file was not uploaded


def test_policy_page_says_what_is_coming_and_checks_values(app):
    at = go(app, "policy")
    assert any("batch engine" in i.value for i in at.info)
    at.text_input(key="pol_values").set_value("0, 0.1, x").run()
    assert not at.exception
    assert errors(at) == [TEXT["en"]["policy_bad_values"]]
    at.text_input(key="pol_values").set_value("0, 0.1, 0.2").run()
    assert any("3 points" in c.value for c in at.caption)
