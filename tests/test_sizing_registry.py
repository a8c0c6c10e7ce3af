"""Issue 13: the sizing rules live in one registry (``pathways.site.sizing``). Each registered rule builds the options
of a small measure with sizes written out here from the rule's formula; the catalog accepts exactly the registered
rules; ``build_problem`` calls the rule the catalog row names and stops with one line on an unknown one."""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from pathways.errors import InputError
from pathways.inputs.resolve import resolve
from pathways.reference.catalog import Measure, load_catalog
from pathways.reference.cities import resolve_location
from pathways.reference.tables import load_fuels
from pathways.site import build
from pathways.site.problem import Option
from pathways.site.sizing import SIZING_RULES, SiteSizing, SizingRule, rule_of

CAT = Path(__file__).resolve().parent.parent / "data" / "catalog"
FUELS = load_fuels()
LHV_GAS = FUELS["natural_gas"].lhv_kwh_per_unit
COMMON = dict(measure_id="m", family="equipment", lifetime_years=10)


def measure(rule: str, end_use: str = "none", roof_types=(), mounting=None, **params) -> Measure:
    return Measure(measure_id="m", family="equipment", name_en="m", name_zh="m", description_en="m", sizing_rule=rule,
                   size_unit=SIZING_RULES[rule].size_unit, end_use=end_use, scale="individual", exclusive_group=None,
                   prerequisites=(), enables=(), financing_modes=("own",), roof_types=tuple(roof_types),
                   mounting=mounting, replaces_carrier=None, source_note="test", params=params)


def sizing(roofs=(), equipment=(), load_kw=None, elec=None, fuel_use=None, site_mwh=0.0) -> SiteSizing:
    site = resolve({"name": "t", "city": "Suzhou", "sector": "machinery", "roofs": list(roofs),
                    "equipment": list(equipment), "electricity": {"annual_kwh": 1.0e6, "shifts": "two"}}).model
    return SiteSizing(site=site, source_path=None, location=resolve_location(name="Suzhou"), province="Jiangsu",
                      load_kw=np.full(8760, 100.0) if load_kw is None else load_kw, elec_end_uses_kwh=elec or {},
                      fuel_use=fuel_use or {}, fuels=FUELS, site_mwh=site_mwh)


def options(rule: str, m: Measure, site: SiteSizing, modes=("own",)) -> dict[str, Option]:
    return {o.option_id: o for o in SIZING_RULES[rule].options(m, site, tuple(modes), dict(COMMON))}


def case_roof_kwp():
    roofs = [{"id": "hall", "area_m2": 1000, "usable_fraction": 0.6, "tilt_deg": 5, "roof_type": "metal"},
             {"id": "annex", "area_m2": 400, "tilt_deg": 0, "roof_type": "concrete"},          # not a metal roof
             {"id": "rented", "area_m2": 500, "usable_fraction": 0.5, "tilt_deg": 5, "roof_type": "metal",
              "owned": False}]
    site = sizing(roofs=roofs)
    site.pv_profiles.update({"hall:close_roof": np.zeros(8760), "rented:close_roof": np.zeros(8760)})
    m = measure("roof_kwp", roof_types=("metal",), mounting="close_roof", w_per_m2=180.0, capex_cny_per_unit=3000.0)
    opts = options("roof_kwp", m, site, modes=("own", "emc_pv", "roof_lease"))
    assert set(opts) == {"m@hall", "m@rented"}
    hall, rented = opts["m@hall"], opts["m@rented"]
    assert hall.size == pytest.approx(1000 * 0.6 * 180 / 1000) and rented.size == pytest.approx(500 * 0.5 * 180 / 1000)
    assert hall.area_m2_per_unit == pytest.approx(1000 / 180) and hall.size_unit == "kWp" and hall.continuous
    assert hall.capex_at(10.0) == pytest.approx(10 * 3000.0)
    assert hall.roof_id == "hall" and hall.exclusive_groups == ("roof_pv@hall",)
    assert hall.modes == ("own", "emc_pv", "roof_lease") and rented.modes == ("own", "emc_pv")   # a tenant's roof
    assert site.roof_area_m2 == {"hall": pytest.approx(600.0), "rented": pytest.approx(250.0)}


def case_battery_kwh():
    load = np.full(8760, 100.0)
    load[4000] = 250.0                                     # the peak
    m = measure("battery_kwh", capex_cny_per_unit=900.0, duration_h=4.0, round_trip_efficiency=0.9,
                degradation_frac_per_year=0.02, cycles_per_year=300.0)
    (o,) = options("battery_kwh", m, sizing(load_kw=load)).values()
    assert o.kind == "battery" and o.size_unit == "kWh" and o.continuous
    assert o.size == pytest.approx(250.0 * 4.0) and o.kw_per_unit == pytest.approx(1 / 4.0)
    assert (o.battery_duration_h, o.battery_rte, o.battery_fade_per_year, o.battery_cycles_per_year) == \
        (4.0, 0.9, 0.02, 300.0)


def case_heat_kw():
    gas_nm3, eff, hours, cap_kw = 100_000.0, 0.9, 4000.0, 150.0
    boiler = {"id": "b1", "kind": "gas_boiler", "fuel": "natural_gas", "capacity_kw": cap_kw, "efficiency": eff,
              "full_load_hours": hours}
    site = sizing(equipment=[boiler], fuel_use={"steam": {"natural_gas": gas_nm3}})
    m = measure("heat_kw", end_use="steam", capex_cny_per_unit=2000.0, cop=3.0, replaced_boiler_efficiency=0.8,
                max_share_of_heat_demand=0.8)
    opts = options("heat_kw", m, site)
    heat_kwh = gas_nm3 * LHV_GAS * eff                     # the listed boiler's efficiency, not the catalog's 0.8
    full, half = opts["m"], opts["m@half"]
    assert full.size == pytest.approx(min(0.8 * heat_kwh / hours, cap_kw))
    assert half.size == pytest.approx(min(0.4 * heat_kwh / hours, cap_kw))
    assert full.size == cap_kw and half.size < cap_kw      # the case exercises the cap and the formula
    assert half.capex_cny == pytest.approx(2000.0 * 0.4 * heat_kwh / hours) and half.kw_per_unit == 1.0
    assert (half.heat_end_use, half.heat_share, half.heat_cop, half.replaced_efficiency) == ("steam", 0.4, 3.0, eff)
    assert full.exclusive_groups == ("heat_source@steam",) and not full.continuous
    assert options("heat_kw", m, sizing(fuel_use={"process_heat": {"natural_gas": gas_nm3}})) == {}  # no steam here


def case_end_use_kwh():
    site = sizing(elec={"lighting": 120_000.0})
    m = measure("end_use_kwh", end_use="lighting", capex_cny_per_unit=300.0, capex_fixed_cny=1000.0,
                electricity_saving_frac=0.5, annual_cost_cny_per_unit=2.0)
    (o,) = options("end_use_kwh", m, site).values()
    assert o.size == pytest.approx(120.0) and o.size_unit == "MWh/yr" and o.kind == "chain"
    assert o.capex_cny == pytest.approx(300.0 * 120.0 + 1000.0) and o.annual_cost_cny == pytest.approx(2.0 * 120.0)
    assert o.effects == (("lighting", 0.5),) and o.kw_per_unit == 0.0
    assert options("end_use_kwh", dataclasses.replace(m, end_use="hvac"), site) == {}   # the site has no hvac


def case_fixed():
    m = measure("fixed", capex_fixed_cny=50_000.0, capex_cny_per_mwh_site=10.0)
    (o,) = options("fixed", m, sizing(site_mwh=2000.0)).values()
    assert (o.kind, o.size, o.size_unit, o.effects) == ("fixed", 1.0, "site", ())
    assert o.capex_cny == pytest.approx(50_000.0 + 10.0 * 2000.0)


CASES = {"roof_kwp": case_roof_kwp, "battery_kwh": case_battery_kwh, "heat_kw": case_heat_kw,
         "end_use_kwh": case_end_use_kwh, "fixed": case_fixed}


def test_every_registered_rule_has_a_case_here():
    assert set(CASES) == set(SIZING_RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_builds_the_expected_options(rule):
    CASES[rule]()


def test_unknown_rule_in_build_problem_is_one_line_naming_it_and_the_registered_ones(monkeypatch):
    cat = load_catalog()
    cat.measures["vsd_fans"] = dataclasses.replace(cat.measures["vsd_fans"], sizing_rule="per_employee")
    monkeypatch.setattr(build, "load_catalog", lambda: cat)
    with pytest.raises(InputError) as exc:
        build.build_problem(resolve({"name": "t", "city": "Suzhou", "sector": "machinery",
                                     "electricity": {"annual_kwh": 1.0e6, "shifts": "two"}}))
    (line,) = exc.value.problems
    assert "\n" not in line and "vsd_fans" in line and "'per_employee'" in line
    assert re.search("one of (.*?)(;|$)", line).group(1).split(", ") == list(SIZING_RULES)


def test_rule_of_suggests_the_nearest_rule():
    with pytest.raises(InputError, match="did you mean 'roof_kwp'"):
        rule_of("roof_kw")


def test_the_catalog_accepts_exactly_the_registered_rules(tmp_path, monkeypatch):
    shutil.copytree(CAT, tmp_path / "catalog")
    path = tmp_path / "catalog" / "measures.csv"
    text = path.read_text(encoding="utf-8")
    row = next(x for x in text.splitlines() if x.startswith("energy_audit,"))
    assert ",fixed,site," in row
    path.write_text(text.replace(row, row.replace(",fixed,site,", ",audit_days,site,")), encoding="utf-8")
    with pytest.raises(InputError) as exc:                 # not registered: the error lists the registry
        load_catalog(tmp_path)
    (line,) = [x for x in exc.value.problems if "sizing_rule" in x]
    assert "'audit_days'" in line and line.split("one of ")[1].split(";")[0].split(", ") == list(SIZING_RULES)

    def audit_days(m, site, modes, common):                # registered: the catalog loads and build uses it
        days = 1.0 + site.site_mwh / 1000.0
        return [Option(option_id=m.measure_id, kind="fixed", modes=modes, size=days, size_unit="site",
                       capex_cny=m.params["capex_fixed_cny"] * days, **common)]
    monkeypatch.setitem(SIZING_RULES, "audit_days", SizingRule("audit_days", "site", audit_days,
                                                               required=("capex_fixed_cny",)))
    cat = load_catalog(tmp_path)
    assert cat.measures["energy_audit"].sizing_rule == "audit_days"
    monkeypatch.setattr(build, "load_catalog", lambda: cat)
    problem, _ = build.build_problem(resolve({"name": "t", "city": "Suzhou", "sector": "machinery", "fuels": [],
                                              "electricity": {"annual_kwh": 1.0e6, "shifts": "two"}}))
    audit = problem.option("energy_audit")
    assert audit.size == pytest.approx(1.0 + 1.0e6 / 1e3 / 1000.0)      # no fuels: site energy = 1,000 MWh/yr
    assert audit.capex_cny == pytest.approx(cat.measures["energy_audit"].params["capex_fixed_cny"] * audit.size)
