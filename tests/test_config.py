"""read_yaml, --set parsing, scenarios, precedence, applied overrides, config hash and `pathways validate`."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from pathways.cli import main as cli
from pathways.inputs.overrides import apply_override, compose, load_scenario, parse_set, scenario_dir, split_key
from pathways.inputs.resolve import resolve
from pathways.inputs.yaml_files import read_yaml
from pathways.errors import InputError
from pathways.inputs.schema import Site

FIXTURES = Path(__file__).parent / "fixtures"
SITE_FILE = FIXTURES / "site_ok.yaml"
PARK_FILE = FIXTURES / "park_ok.yaml"
SCEN_A, SCEN_B, SCEN_C = (FIXTURES / f"scenario_{x}.yaml" for x in "abc")

# Small stand-in for pathways.reference.tables.default_assumptions(), so these tests do not depend on data/defaults.yaml.
DEFAULTS = {
    "plan": {"years": 5, "horizon_years": 20},
    "finance": {"discount_rate_real": 0.07, "electricity_price_escalation_real": 0.0},
    "carbon": {"shadow_price_cny_per_t": 0.0, "cea_price_cny_per_t": 62.0},
    "pv": {"albedo": 0.2, "export_allowed": True},
    "subsidies": {"presets": "auto"},
}


def site_dict() -> dict:
    return read_yaml(SITE_FILE)


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def errors_of(func, *args, **kwargs) -> list[str]:
    with pytest.raises(InputError) as info:
        func(*args, **kwargs)
    assert all("\n" not in line for line in info.value.problems)
    return info.value.problems


# ------------------------------------------------------------------------------------------------ read_yaml
def test_read_yaml_reads_exponent_numbers():
    data = read_yaml(SITE_FILE)
    assert data["electricity"]["annual_kwh"] == 2.4e6 and isinstance(data["electricity"]["annual_kwh"], float)


def test_read_yaml_accepts_bom_and_benign_anchors(tmp_path):
    text = "\ufeffbase: &b {tilt_deg: 5, roof_type: metal}\nroofs:\n  - {<<: *b, id: a, area_m2: 10}\n"
    data = read_yaml(write(tmp_path, "a.yaml", text))
    assert data["roofs"][0] == {"tilt_deg": 5, "roof_type": "metal", "id": "a", "area_m2": 10}


def test_duplicate_key_names_key_and_lines(tmp_path):
    path = write(tmp_path, "d.yaml", "name: a\nroofs:\n  - id: r\n    tilt_deg: 5\n    tilt_deg: 6\n")
    [line] = errors_of(read_yaml, path)
    assert line.startswith(f"{path}: line 5: duplicate key 'tilt_deg' (first at line 4)")


# ------------------------------------------------------------------------------------------------ --set
def test_parse_set_values_are_yaml():
    assert parse_set(["a.b=1", "c=0.5", "d=[1, 2]", "e=true", "f=text", "g=", "h=1e5", "a.b=2"]) == {
        "a.b": 2, "c": 0.5, "d": [1, 2], "e": True, "f": "text", "g": None, "h": 1e5}


@pytest.mark.parametrize("item,fragment", [
    ("novalue", "KEY=VALUE"), ("=3", "KEY=VALUE"), ("a..b=1", "dotted key"), ("a=.nan", "finite"),
    ("a=[1, .inf]", "finite"), ("a={b: 1, b: 2}", "duplicate key"), ("a=[", "not valid YAML"),
])
def test_parse_set_rejects(item, fragment):
    [line] = errors_of(parse_set, [item])
    assert fragment in line


def test_split_key():
    assert split_key("roofs[0].tilt_deg") == ["roofs", "0", "tilt_deg"]
    assert split_key("firms[a].roofs[b].x") == ["firms", "a", "roofs", "b", "x"]
    for bad in ("", "a..b", "a[", "a[]", ".a"):
        with pytest.raises(ValueError):
            split_key(bad)


# ------------------------------------------------------------------------------------------------ scenarios
def test_load_scenario_by_name_and_path():
    sc = load_scenario("high_carbon_price")
    assert sc.name == "high_carbon_price" and sc.overrides
    assert load_scenario(SCEN_A).name == "scen_a"


def test_unknown_scenario_name_suggests():
    [line] = errors_of(load_scenario, "high_carbon_prize")
    assert line.startswith("--scenario: 'high_carbon_prize'") and "did you mean 'high_carbon_price'" in line


def test_scenario_name_defaults_to_stem(tmp_path):
    path = write(tmp_path, "my_case.yaml", {"overrides": {"finance.discount_rate": 0.05}})
    assert load_scenario(path).name == "my_case"


def test_compose_conflict_names_both_scenarios_and_key():
    [line] = errors_of(compose, [SCEN_A, SCEN_B])
    assert line.startswith("finance.discount_rate:") and "'scen_a'" in line and "'scen_b'" in line


def test_compose_conflict_on_nested_key(tmp_path):
    whole = write(tmp_path, "whole.yaml", {"name": "whole", "overrides": {"finance": {"discount_rate": 0.1}}})
    [line] = errors_of(compose, [SCEN_A, whole])
    assert "'scen_a'" in line and "'whole'" in line and "finance" in line


def test_compose_without_conflict_keeps_order():
    merged = compose([SCEN_A, SCEN_C])
    assert list(merged) == ["finance.discount_rate", "assumptions.carbon.shadow_price_cny_per_t",
                            "roofs[workshop_a].tilt_deg", "assumptions.pv.albedo"]


def test_same_scenario_twice_is_an_error():
    assert "given twice" in errors_of(compose, [SCEN_A, SCEN_A])[0]


# ------------------------------------------------------------------------------------------------ precedence
def test_precedence_defaults_model_scenarios_set(tmp_path):
    data = site_dict()
    data["assumptions"] = {"carbon": {"shadow_price_cny_per_t": 20.0}}
    path = write(tmp_path, "s.yaml", data)
    # data defaults only where the model is silent
    r = resolve(path, defaults=DEFAULTS)
    assert r.assumptions["carbon"]["cea_price_cny_per_t"] == 62.0          # default
    assert r.assumptions["carbon"]["shadow_price_cny_per_t"] == 20.0       # model > default
    r = resolve(path, scenarios=[SCEN_A], defaults=DEFAULTS)
    assert r.assumptions["carbon"]["shadow_price_cny_per_t"] == 100        # scenario > model
    assert r.model.finance.discount_rate == 0.04
    r = resolve(path, scenarios=[SCEN_A, SCEN_C], set_values=["assumptions.carbon.shadow_price_cny_per_t=300",
                                                               "roofs[0].tilt_deg=30"], defaults=DEFAULTS)
    assert r.assumptions["carbon"]["shadow_price_cny_per_t"] == 300        # --set > scenario
    assert r.model.roofs[0].tilt_deg == 30                                 # --set > later scenario
    assert r.assumptions["pv"]["albedo"] == 0.3                            # second scenario applied


def test_later_scenario_wins_over_earlier_on_model_value():
    r = resolve(SITE_FILE, scenarios=[SCEN_C], defaults=DEFAULTS)
    assert r.model.roofs[0].tilt_deg == 10


def test_mirrored_discount_rate_and_plan():
    r = resolve(SITE_FILE, defaults=DEFAULTS)                              # model 0.06 beats default 0.07
    assert r.model.finance.discount_rate == 0.06 == r.assumptions["finance"]["discount_rate_real"]
    r = resolve(SITE_FILE, set_values=["assumptions.finance.discount_rate_real=0.03"], defaults=DEFAULTS)
    assert r.model.finance.discount_rate == 0.03 == r.assumptions["finance"]["discount_rate_real"]
    r = resolve(SITE_FILE, set_values=["assumptions.finance.discount_rate_real=0.03", "finance.discount_rate=0.05"],
                defaults=DEFAULTS)
    assert r.model.finance.discount_rate == 0.05 == r.assumptions["finance"]["discount_rate_real"]
    minimal = resolve(FIXTURES / "site_minimal.yaml", defaults=DEFAULTS)   # left out: takes the assumption
    assert minimal.model.finance.discount_rate == 0.07
    r = resolve(FIXTURES / "site_minimal.yaml", set_values=["assumptions.plan.years=3"], defaults=DEFAULTS)
    assert r.model.plan.years == 3 == r.assumptions["plan"]["years"] and len(r.model.budget_by_year()) == 3


def test_applied_overrides_recorded():
    r = resolve(SITE_FILE, scenarios=[SCEN_A], set_values=["roofs[office].tilt_deg=12"], defaults=DEFAULTS)
    assert r.applied_overrides == [
        {"key": "finance.discount_rate", "value": 0.04, "previous": 0.06, "source": "scen_a"},
        {"key": "assumptions.carbon.shadow_price_cny_per_t", "value": 100, "previous": 0.0, "source": "scen_a"},
        {"key": "roofs[1].tilt_deg", "value": 12, "previous": 0, "source": "--set"},
    ]
    assert resolve(SITE_FILE, defaults=DEFAULTS).applied_overrides == []


@pytest.mark.parametrize("item,fragment", [
    ("finance.discout_rate=0.05", "did you mean 'finance.discount_rate'"),
    ("roofs[ofice].tilt_deg=3", "did you mean 'office'"),
    ("roofs[9].tilt_deg=3", "2 entries"),
    ("assumptions.carbon.shadow_pric_cny_per_t=1", "did you mean 'assumptions.carbon.shadow_price_cny_per_t'"),
    ("assumptions.carbn.x=1", "did you mean 'assumptions.carbon'"),
    ("plan.years.x=1", "single value"),
    ("sectr=food", "did you mean 'sector'"),
])
def test_unknown_override_key(item, fragment):
    lines = errors_of(resolve, SITE_FILE, set_values=[item], defaults=DEFAULTS)
    assert len(lines) == 1 and fragment in lines[0] and lines[0].endswith("(from --set)"), lines
    assert lines[0].startswith(item.split("=")[0] + ":")


def test_bad_override_value_names_its_source():
    lines = errors_of(resolve, SITE_FILE, scenarios=[SCEN_C], set_values=["roofs[0].azimuth_deg=400"],
                      defaults=DEFAULTS)
    assert lines == ["roofs[0].azimuth_deg: 400 -- must be between 0 and 360 (set by --set)"]
    lines = errors_of(resolve, SITE_FILE, set_values=["assumptions.pv.export_allowed=maybe"], defaults=DEFAULTS)
    assert lines[0].startswith("assumptions.pv.export_allowed: 'maybe' -- must be true or false")


def test_unknown_assumption_in_model_file(tmp_path):
    data = site_dict()
    data["assumptions"] = {"carbon.shadow_price_cny_per_ton": 5}
    lines = errors_of(resolve, write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert lines[0].startswith("assumptions.carbon.shadow_price_cny_per_ton: 5 -- unknown assumption")
    assert "shadow_price_cny_per_t" in lines[0]


def test_dict_input_and_file_input_agree():
    assert resolve(site_dict(), defaults=DEFAULTS).config_hash == resolve(SITE_FILE, defaults=DEFAULTS).config_hash


# ------------------------------------------------------------------------------------------------ hash
def test_config_hash_stable_under_key_reordering(tmp_path):
    data = site_dict()
    reordered = {k: data[k] for k in reversed(list(data))}
    reordered["electricity"] = {k: data["electricity"][k] for k in reversed(list(data["electricity"]))}
    reordered["roofs"] = [{k: r[k] for k in reversed(list(r))} for r in data["roofs"]]
    h1 = resolve(write(tmp_path, "a.yaml", data), defaults=DEFAULTS).config_hash
    h2 = resolve(write(tmp_path, "b.yaml", reordered), defaults=DEFAULTS).config_hash
    assert h1 == h2 and len(h1) == 64


def test_config_hash_changes_with_a_value():
    base = resolve(SITE_FILE, defaults=DEFAULTS).config_hash
    assert resolve(SITE_FILE, set_values=["roofs[0].tilt_deg=6"], defaults=DEFAULTS).config_hash != base
    assert resolve(SITE_FILE, set_values=["assumptions.pv.albedo=0.25"], defaults=DEFAULTS).config_hash != base
    other = copy.deepcopy(DEFAULTS)
    other["carbon"]["cea_price_cny_per_t"] = 70.0
    assert resolve(SITE_FILE, defaults=other).config_hash != base          # data defaults are part of it


def test_explicit_default_value_same_hash(tmp_path):
    data = site_dict()
    del data["digital_maturity"]
    assert resolve(write(tmp_path, "a.yaml", data), defaults=DEFAULTS).config_hash == \
        resolve(SITE_FILE, defaults=DEFAULTS).config_hash


# ------------------------------------------------------------------------------------------------ places
def test_city_resolved_and_province_filled():
    r = resolve(FIXTURES / "site_minimal.yaml", defaults=DEFAULTS)
    assert r.model.province == "Guangdong"


def test_unknown_city_suggests(tmp_path):
    data = site_dict()
    data["city"] = "Suzho"
    lines = errors_of(resolve, write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert len(lines) == 1 and lines[0].startswith("city: 'Suzho'") and "Suzhou" in lines[0]


@pytest.mark.parametrize("field,value,fragment", [
    ("province", "Zhejiang", "Suzhou is in Jiangsu"),
    ("province", "Jiansu", "did you mean 'Jiangsu'"),
])
def test_province_checks(tmp_path, field, value, fragment):
    data = site_dict()
    data[field] = value
    [line] = errors_of(resolve, write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert line.startswith("province:") and fragment in line


def test_location_outside_china(tmp_path):
    data = site_dict()
    del data["city"]
    data["location"] = {"lat_deg": 48.85, "lon_deg": 2.35}
    lines = errors_of(resolve, write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert lines[0].startswith("location.lon_deg: 2.35")


def test_relative_csv_paths(tmp_path):
    (tmp_path / "load.csv").write_text("timestamp,kw\n", encoding="utf-8")
    data = site_dict()
    data["electricity"]["metered_csv"] = "load.csv"
    r = resolve(write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert r.model.electricity.metered_csv == str((tmp_path / "load.csv").resolve())
    data["roofs"][0]["pv_profile_csv"] = "missing.csv"
    [line] = errors_of(resolve, write(tmp_path, "s.yaml", data), defaults=DEFAULTS)
    assert line.startswith("roofs[0].pv_profile_csv:") and "no such file" in line


# ------------------------------------------------------------------------------------------------ parks
def test_park_with_file_reference():
    r = resolve(PARK_FILE, defaults=DEFAULTS)
    a, b = r.model.firms
    assert r.kind == "park"
    assert (a.id, a.tenancy, a.sector, a.city, a.province) == ("dyeing_a", "rented", "textile_dyeing", "Hangzhou",
                                                               "Zhejiang")
    assert b.id == "food_b" and b.plan.years == 5 and a.finance.discount_rate == 0.07
    assert a.budget_by_year() == [300000.0] * 5


def test_park_overrides_per_firm_and_park_assumption():
    r = resolve(PARK_FILE, set_values=["assumptions.finance.discount_rate_real=0.03",
                                       "firms[food_b].finance.discount_rate=0.1"], defaults=DEFAULTS)
    assert [f.finance.discount_rate for f in r.model.firms] == [0.03, 0.1]
    assert [f.assumptions["finance"]["discount_rate_real"] for f in r.model.firms] == [0.03, 0.1]


def test_park_bad_firm_file(tmp_path):
    text = PARK_FILE.read_text(encoding="utf-8").replace("firms/firm_a.yaml", str(FIXTURES / "firms" / "nope.yaml"))
    lines = errors_of(resolve, write(tmp_path, "p.yaml", text), defaults=DEFAULTS, allow_paths=[FIXTURES])
    assert lines[0].startswith("firms[0].file:") and "no such file" in lines[0]


def test_park_firm_error_paths(tmp_path):
    data = read_yaml(PARK_FILE)
    data["firms"][0]["file"] = str(FIXTURES / "firms" / "firm_a.yaml")
    data["firms"][1]["roofs"][0]["tilt_deg"] = 120
    data["firms"][1]["city"] = "Hangzhuo"
    lines = errors_of(resolve, write(tmp_path, "p.yaml", data), defaults=DEFAULTS, allow_paths=[FIXTURES])
    assert lines == ["firms[1].roofs[0].tilt_deg: 120 -- must be between 0 and 90"]
    data["firms"][1]["roofs"][0]["tilt_deg"] = 12
    lines = errors_of(resolve, write(tmp_path, "p.yaml", data), defaults=DEFAULTS, allow_paths=[FIXTURES])
    assert len(lines) == 1 and lines[0].startswith("firms[1].city: 'Hangzhuo'") and "Hangzhou" in lines[0]


def test_scenario_file_as_model_is_refused():
    assert "scenario file" in errors_of(resolve, SCEN_A, defaults=DEFAULTS)[0]


def test_apply_override_dry_run_checks_keys_only():
    assert apply_override(None, Site, "roofs[anything].tilt_deg", 5, DEFAULTS) == "roofs[anything].tilt_deg"
    with pytest.raises(InputError):
        apply_override(None, Site, "roofs[x].tilt", 5, DEFAULTS)


# ------------------------------------------------------------------------------------------------ validate CLI
def test_validate_ok_lines(capsys):
    files = [str(SITE_FILE), str(PARK_FILE), str(SCEN_A), str(FIXTURES / "site_minimal.yaml")]
    assert cli.main(["validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{SITE_FILE}: ok (site 'Suzhou precision machining Co.'") and "2 roofs" in out[0]
    assert out[1].startswith(f"{PARK_FILE}: ok (park 'Shaoxing textile park', 2 firms")
    assert out[2] == f"{SCEN_A}: ok (scenario 'scen_a', 2 overrides)"
    assert len(out) == 4


def test_validate_mixed_good_and_bad(tmp_path, capsys):
    data = site_dict()
    data["roofs"][1]["tilt_deg"] = 95
    data["roofs"][0]["area_m2"] = -5
    bad = write(tmp_path, "bad.yaml", data)
    assert cli.main(["validate", str(SITE_FILE), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{SITE_FILE}: ok")
    err = captured.err.splitlines()
    assert sorted(err) == sorted([f"error: {bad}: roofs[0].area_m2: -5 -- must be > 0 and <= 1000000",
                                  f"error: {bad}: roofs[1].tilt_deg: 95 -- must be between 0 and 90"])


def test_validate_scenario_with_unknown_key(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", {"name": "s", "overrides": {"finance.discout_rate": 0.1}})
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: finance.discout_rate: 0.1") and "'finance.discount_rate'" in err


def test_shipped_scenarios_validate_against_data_defaults():
    """Every scenarios/*.yaml loads and its keys exist for a site or a park (real data/defaults.yaml)."""
    names = sorted(p.stem for p in scenario_dir().glob("*.yaml"))
    assert {"high_carbon_price", "low_discount_rate", "shanghai_pv_subsidy", "tight_budget", "no_reinvest"} <= set(
        names)
    assert cli.main(["validate", *[str(scenario_dir() / f"{n}.yaml") for n in names]]) == 0


def test_shipped_scenarios_apply_to_a_site():
    site_scenarios = ["high_carbon_price", "low_discount_rate", "shanghai_pv_subsidy", "tight_budget",
                      "no_reinvest", "energy_price_rise", "no_export"]
    for name in site_scenarios:
        r = resolve(SITE_FILE, scenarios=[name])
        assert r.applied_overrides and all(a["source"] == name for a in r.applied_overrides)
    r = resolve(SITE_FILE, scenarios=["tight_budget", "low_discount_rate"])
    assert r.model.budget_by_year() == [200000.0] * 5 and r.model.finance.discount_rate == 0.03
