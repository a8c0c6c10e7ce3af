"""Schema limits: every field's range, unknown keys with suggestions, cross-field rules, one line per problem."""
from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml

from pathways.errors import InputError
from pathways.inputs.schema import Park, Scenario, Site, per_year, validate_model

FIXTURES = Path(__file__).parent / "fixtures"
SITE = yaml.safe_load((FIXTURES / "site_ok.yaml").read_text(encoding="utf-8"))
SITE["electricity"]["annual_kwh"] = 2_400_000  # PyYAML reads 2.4e6 as text; the fixture is for our loader


def with_value(tree: dict, dotted: str, value) -> dict:
    """Copy of ``tree`` with ``a.b[1].c`` set (or deleted when value is DELETE)."""
    out = copy.deepcopy(tree)
    node = out
    parts = dotted.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return out


DELETE = object()


def problems_of(cls, data) -> list[str]:
    with pytest.raises(InputError) as info:
        validate_model(cls, data)
    lines = info.value.problems
    assert lines and all(isinstance(x, str) and "\n" not in x for x in lines)
    return lines


def test_valid_site_validates():
    site = validate_model(Site, SITE)
    assert site.roofs[1].mounting == "open_rack"
    assert site.electricity.tariff.contracted_kva == 630
    assert site.budget_by_year() == [800000, 500000, 500000, 500000, 500000]


# (dotted path, bad value, fragment of the "allowed" text)
BAD_FIELDS = [
    ("name", "", "must not be empty"),
    ("name", 12, "text"),
    ("sector", "machine", "machinery"),
    ("electricity.annual_kwh", 0, "> 0"),
    ("electricity.annual_kwh", -5, "> 0"),
    ("electricity.annual_kwh", "2400000", "must be a number"),
    ("electricity.annual_kwh", math.nan, "finite"),
    ("electricity.annual_kwh", math.inf, "finite"),
    ("electricity.annual_kwh", True, "must be a number"),
    ("electricity.shifts", "four", "one, two, three, continuous"),
    ("electricity.spring_festival_shutdown_days", 41, "between 0 and 40"),
    ("electricity.tariff.kind", "flatt", "tou, flat"),
    ("electricity.tariff.contracted_kva", 0, "> 0"),
    ("fuels[0].carrier", "gas", "natural_gas"),
    ("fuels[0].annual_quantity", -1, "between 0 and"),
    ("fuels[0].end_use", "lighting", "process_heat"),
    ("roofs[0].area_m2", -100, "> 0"),
    ("roofs[0].usable_fraction", 0, "> 0 and <= 1"),
    ("roofs[0].usable_fraction", 1.2, "> 0 and <= 1"),
    ("roofs[0].tilt_deg", 95, "between 0 and 90"),
    ("roofs[0].tilt_deg", -1, "between 0 and 90"),
    ("roofs[0].azimuth_deg", 400, "between 0 and 360"),
    ("roofs[0].roof_type", "tin", "metal, concrete, facade"),
    ("roofs[0].owned", "yes", "true or false"),
    ("roofs[0].mounting", "tracker", "open_rack"),
    ("roofs[0].id", "a b", "an id"),
    ("equipment[0].capacity_kw", 0, "> 0"),
    ("equipment[0].age_years", -2, "between 0 and 100"),
    ("finance.discount_rate", 0.31, "between 0 and 0.3"),
    ("finance.discount_rate", -0.01, "between 0 and 0.3"),
    ("finance.budget_cny_per_year", -1, ">= 0"),
    ("finance.budget_cny_per_year", "lots", ">= 0"),
    ("finance.payback_limit_years", 0, "> 0"),
    ("finance.portfolio_payback_limit_years", -3, "> 0"),
    ("finance.reinvest_savings", "no", "true or false"),
    ("finance.allowed_financing_modes", ["own", "leasing"], "finance_lease"),
    ("finance.allowed_financing_modes", ["own", "bank_lone"], "did you mean 'bank_loan'"),
    ("finance.tax_rate", 0.6, "between 0 and 0.5"),
    ("finance.tax_rate", -0.01, "between 0 and 0.5"),
    ("finance.tax_basis", "post_tax", "one of after_tax, pre_tax"),
    ("finance.payback_basis", "cashflow", "one of investment, cash"),
    ("finance.budget_carry_over", "yes", "true or false"),
    ("tenancy_years_left", 0, "between 1 and 40"),
    ("tenancy_years_left", 41, "between 1 and 40"),
    ("tenancy_years_left", 2.5, "whole number"),
    ("plan.years", 0, "between 1 and 15"),
    ("plan.years", 16, "between 1 and 15"),
    ("plan.years", 5.5, "whole number"),
    ("plan.horizon_years", 41, "between 1 and 40"),
    ("digital_maturity", 0, "between 1 and 5"),
    ("digital_maturity", 6, "between 1 and 5"),
    ("measures.disable_families", ["solar", "wind"], "energy_service"),
    ("measures.disable", "pv_rooftop", "list"),
    ("end_use_shares", {"lighting": 1.5}, "must be <= 1"),
    ("location", {"lat_deg": 95, "lon_deg": 120}, "between -90 and 90"),
]


@pytest.mark.parametrize("path,value,allowed", BAD_FIELDS, ids=[f"{p}={v!r}" for p, v, _ in BAD_FIELDS])
def test_each_field_limit(path, value, allowed):
    lines = problems_of(Site, with_value(SITE, path, value))
    assert len(lines) == 1, lines
    head = path.split(".")[0] if path in ("end_use_shares", "location") else path
    assert lines[0].startswith(head), lines
    assert allowed in lines[0], lines


def test_list_item_path_and_budget_length():
    lines = problems_of(Site, with_value(SITE, "finance.budget_cny_per_year", [1, -2, 3, 4, 5]))
    assert lines == ["finance.budget_cny_per_year[1]: -2 -- must be a number >= 0 (at most 1e+12)"]
    lines = problems_of(Site, with_value(SITE, "finance.budget_cny_per_year", [1, 2]))
    assert lines[0].startswith("finance.budget_cny_per_year: [1.0, 2.0] -- must have 5 entries")


def test_several_problems_one_line_each():
    bad = with_value(SITE, "roofs[0].tilt_deg", 95)
    bad = with_value(bad, "roofs[1].azimuth_deg", 400)
    bad = with_value(bad, "electricity.annual_kwh", -1)
    lines = problems_of(Site, bad)
    assert sorted(line.split(":")[0] for line in lines) == ["electricity.annual_kwh", "roofs[0].tilt_deg",
                                                            "roofs[1].azimuth_deg"]
    assert "roofs[0].tilt_deg: 95 -- must be between 0 and 90" in lines


@pytest.mark.parametrize("path,key,hint", [
    ("", "sectr", "sector"),
    ("roofs[0]", "tilt", "tilt_deg"),
    ("electricity", "annual_kw", "annual_kwh"),
    ("electricity.tariff", "contracted_kv", "contracted_kva"),
    ("finance", "budget_cny", "budget_cny_per_year"),
])
def test_unknown_key_suggests(path, key, hint):
    bad = copy.deepcopy(SITE)
    node = bad
    for part in path.replace("]", "").replace("[", ".").split(".") if path else []:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[key] = 1
    lines = problems_of(Site, bad)
    dotted = f"{path}.{key}" if path else key
    assert len(lines) == 1 and lines[0].startswith(f"{dotted}: ") and f"did you mean '{hint}'" in lines[0], lines


def test_missing_required_fields():
    lines = problems_of(Site, with_value(SITE, "sector", DELETE))
    assert lines == ["sector: (missing) -- required"]
    lines = problems_of(Site, with_value(SITE, "roofs[0].tilt_deg", DELETE))
    assert lines == ["roofs[0].tilt_deg: (missing) -- required"]


def test_city_or_location_required():
    lines = problems_of(Site, with_value(SITE, "city", DELETE))
    assert len(lines) == 1 and lines[0].startswith("city: (missing)") and "location" in lines[0]
    site = validate_model(Site, with_value(with_value(SITE, "city", DELETE), "location",
                                           {"lat_deg": 31.3, "lon_deg": 120.6}))
    assert site.city is None and site.location.lat_deg == 31.3


def test_cross_field_rules():
    two = copy.deepcopy(SITE)
    two["roofs"][1]["id"] = "workshop_a"
    assert problems_of(Site, two) == ["roofs[1].id: 'workshop_a' -- must be unique among roofs"]
    lines = problems_of(Site, with_value(SITE, "end_use_shares", {"lighting": 0.3, "hvac": 0.3}))
    assert lines[0].startswith("end_use_shares:") and "sum to 1" in lines[0]
    ok = validate_model(Site, with_value(SITE, "end_use_shares", {"lighting": 0.25, "hvac": 0.75}))
    assert ok.end_use_shares["hvac"] == 0.75
    lines = problems_of(Site, with_value(SITE, "plan", {"years": 10, "horizon_years": 5}))
    assert lines[0].startswith("plan.horizon_years: 5 -- must be >= plan.years (10)")
    flat = with_value(SITE, "electricity.tariff.kind", "flat")
    assert problems_of(Site, flat)[0].startswith("electricity.tariff.flat_price_cny_per_kwh: (missing)") or \
        problems_of(Site, flat)[0].startswith("electricity.tariff.flat_price_cny_per_kwh: None")
    facade = with_value(SITE, "roofs[0].mounting", "bipv_facade")
    assert problems_of(Site, facade)[0].startswith("roofs[0].mounting: 'bipv_facade' -- bipv_facade needs")


def test_nan_in_free_mappings():
    lines = problems_of(Site, with_value(SITE, "measures.params", {"pv_rooftop": {"capex_cny_per_kwp": math.nan}}))
    assert lines == ["measures.params.pv_rooftop.capex_cny_per_kwp: nan -- must be a finite number"]
    lines = problems_of(Site, with_value(SITE, "assumptions", {"carbon": {"x": math.inf}}))
    assert lines == ["assumptions.carbon.x: inf -- must be a finite number"]


def test_budget_by_year_forms():
    site = validate_model(Site, with_value(SITE, "finance.budget_cny_per_year", 300000))
    assert site.budget_by_year() == [300000.0] * 5
    site = validate_model(Site, with_value(SITE, "finance.budget_cny_per_year", None))
    assert site.budget_by_year() == [math.inf] * 5
    assert per_year([1, 2], 2) == [1.0, 2.0]


def test_integer_ids_become_text():
    site = validate_model(Site, with_value(SITE, "roofs[0].id", 7))
    assert site.roofs[0].id == "7"


PARK = {
    "name": "Test park", "city": "Hangzhou",
    "firms": [
        {"name": "A", "sector": "food", "electricity": {"annual_kwh": 1000000}},
        {"id": "b", "tenancy": "rented", "name": "B", "sector": "textile_dyeing",
         "electricity": {"annual_kwh": 2000000}, "city": "Ningbo"},
    ],
    "budget_cny_per_year": [1, 2, 3],
    "targets": {"co2_t_per_year": [None, 100, 90]},
    "programme_capacity_firms_per_year": 10,
    "tariff": {"kind": "flat", "flat_price_cny_per_kwh": 0.7},
    "plan": {"years": 3, "horizon_years": 15},
}


def test_park_inherits_and_fills_ids():
    park = validate_model(Park, PARK)
    a, b = park.firms
    assert a.id == "firm_1" and a.city == "Hangzhou" and a.plan.years == 3 and a.tenancy == "owned"
    assert a.electricity.tariff.kind == "flat"
    assert b.id == "b" and b.city == "Ningbo" and b.tenancy == "rented"
    assert park.budget_by_year() == [1, 2, 3] and park.capacity_by_year() == [10, 10, 10]
    assert park.subsidy_pool_by_year() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("path,value,fragment", [
    ("firms", [], "at least 1"),
    ("firms[1].tenancy", "leased", "owned, rented"),
    ("firms[1].id", "firm_1", "unique"),
    ("budget_cny_per_year", [1, 2], "3 entries"),
    ("targets.co2_t_per_year", [1, -2, 3], ">= 0 or null"),
    ("targets.co2_t_per_year", [1, 2], "3 entries"),
    ("programme_capacity_firms_per_year", 2.5, "whole number"),
    ("park_options", ["a", "a"], "once"),
    ("firms[0].plan", {"years": 4}, "park's plan.years"),
])
def test_park_limits(path, value, fragment):
    lines = problems_of(Park, with_value(PARK, path, value))
    assert len(lines) == 1 and fragment in lines[0], lines
    assert lines[0].startswith(path.split("[")[0]), lines


def test_park_unknown_firm_key_suggests():
    bad = with_value(PARK, "firms[0].sectr", "food")
    lines = problems_of(Park, bad)
    assert any(x.startswith("firms[0].sectr:") and "'sector'" in x for x in lines), lines


def test_scenario_schema():
    sc = validate_model(Scenario, {"name": "x", "overrides": {"finance.discount_rate": 0.05}})
    assert sc.overrides == {"finance.discount_rate": 0.05}
    lines = problems_of(Scenario, {"name": "x", "overides": {}})
    assert lines[0].startswith("overides:") and "'overrides'" in lines[0]
    lines = problems_of(Scenario, {"overrides": {"a.b": math.nan}})
    assert lines == ["overrides.'a.b': nan -- must be a finite number"]


def test_non_mapping_input():
    with pytest.raises(InputError) as info:
        validate_model(Site, [1, 2])
    assert "mapping" in info.value.problems[0]


def test_money_model_settings_default_and_accept_valid_values():
    """Issue 11 settings: defaults are documented ones, the allowed values pass through unchanged."""
    site = validate_model(Site, SITE)
    assert (site.finance.budget_carry_over, site.finance.payback_basis) == (False, "investment")
    assert site.finance.tax_basis is None and site.finance.tax_rate is None and site.tenancy_years_left is None
    data = with_value(with_value(SITE, "finance.tax_basis", "pre_tax"), "finance.tax_rate", 0.05)
    data = with_value(with_value(data, "finance.payback_basis", "cash"), "finance.budget_carry_over", True)
    data = with_value(with_value(data, "tenancy_years_left", 7), "finance.allowed_financing_modes",
                      ["own", "bank_loan"])
    site = validate_model(Site, data)
    assert (site.finance.tax_basis, site.finance.tax_rate, site.finance.payback_basis) == ("pre_tax", 0.05, "cash")
    assert site.finance.budget_carry_over is True and site.tenancy_years_left == 7
    assert site.finance.allowed_financing_modes == ["own", "bank_loan"]
