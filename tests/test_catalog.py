"""Tests of the measure catalog (data/catalog/*.csv) and the `pathways catalog` command.

Expected values are recomputed from the raw CSV files (read with the csv module, not the loader), from
other data files (fuels, PV mountings, defaults) and from the derivations written in the source column.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pathways.cli import main as cli
from pathways.reference.catalog import (ASSET_CLASSES, FAMILIES, FINANCING_MODES, PARAMETERS, Catalog, load_catalog,
                              with_site_changes)
from pathways.errors import InputError
from pathways.paths import DATA_DIR

CAT = DATA_DIR / "catalog"


def _rows(name: str) -> list[dict[str, str]]:
    with (CAT / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


REG = {r["measure_id"]: r for r in _rows("measures.csv")}
PAR: dict[str, dict[str, float]] = {}
for _r in _rows("parameters.csv"):
    PAR.setdefault(_r["measure_id"], {})[_r["parameter"]] = float(_r["value"])


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


# ------------------------------------------------------------------------------------------ registry content
def test_at_least_35_measures_in_all_five_families(cat):
    assert len(cat.measures) >= 35
    assert len(cat.measures) == len(REG)
    assert {m.family for m in cat.measures.values()} == set(FAMILIES)
    for fam in FAMILIES:
        assert len(cat.by_family(fam)) >= 3, fam


def test_required_measures_present(cat):
    required = {
        "pv_bapv_metal", "pv_bapv_concrete", "pv_bipv_roof", "pv_bipv_facade", "battery_storage",
        "ashp_space_heat", "hthp_steam_gas", "hthp_steam_coal", "electric_boiler_gas", "vsd_fans", "vsd_pumps",
        "ie4_ie5_motors", "compressed_air_upgrade", "led_lighting_controls", "waste_heat_recovery",
        "boiler_economiser_insulation", "efficient_chiller_hvac", "energy_audit", "carbon_inventory_iso14064",
        "third_party_verification", "product_carbon_footprint_iso14067", "carbon_inclusion_enrolment",
        "green_certificate_purchase", "ets_ccer_readiness", "ems_submetering", "mes_aps",
        "predictive_maintenance", "energy_ai_optimisation",
    }
    assert required <= set(cat.measures)


def test_cluster_only_options(cat):
    cluster = {mid for mid, r in REG.items() if r["scale"] == "cluster"}
    assert {"park_shared_pv", "park_storage", "park_microgrid", "park_ems_platform",
            "park_collective_procurement", "park_central_steam"} <= cluster
    assert all(cat.measures[mid].scale == "cluster" for mid in cluster)
    # the report's individual options stay individual
    assert cat.measures["pv_bapv_metal"].scale == "individual"


def test_rooftop_pv_and_heat_source_groups(cat):
    pv = {mid: m for mid, m in cat.measures.items() if m.sizing_rule == "roof_kwp" and m.scale == "individual"}
    assert set(pv) == {"pv_bapv_metal", "pv_bapv_concrete", "pv_bipv_roof", "pv_bipv_facade"}
    assert all(m.exclusive_group == "roof_pv" for m in pv.values())
    assert {m.mounting for m in pv.values()} == {"close_roof", "open_rack", "bipv_roof", "bipv_facade"}
    assert cat.measures["pv_bipv_facade"].roof_types == ("facade",)
    assert cat.measures["pv_bapv_concrete"].roof_types == ("concrete",)
    heat = [m for m in cat.measures.values() if m.sizing_rule == "heat_kw"]
    assert len(heat) >= 5 and all(m.exclusive_group == "heat_source" for m in heat)


def test_prerequisites_from_the_brief(cat):
    assert "carbon_inventory_iso14064" in cat.measures["third_party_verification"].prerequisites
    assert "carbon_inventory_iso14064" in cat.measures["carbon_inclusion_enrolment"].prerequisites
    assert "ems_submetering" in cat.measures["predictive_maintenance"].prerequisites
    assert "energy_audit" in cat.measures["compressed_air_upgrade"].prerequisites


def test_referential_integrity_from_raw_csv():
    ids = set(REG)
    assert len(ids) == len(_rows("measures.csv")), "duplicate measure ids"
    for mid, r in REG.items():
        for col in ("prerequisites", "enables"):
            for ref in filter(None, r[col].split(";")):
                assert ref in ids and ref != mid, (mid, col, ref)
    for r in _rows("parameters.csv"):
        assert r["measure_id"] in ids
    # every measure has capex and a lifetime
    for mid in ids:
        assert "lifetime_years" in PAR[mid], mid
        assert {"capex_cny_per_unit", "capex_fixed_cny", "capex_cny_per_mwh_site"} & set(PAR[mid]), mid


def test_no_prerequisite_cycles_in_shipped_data():
    graph = {mid: [p for p in r["prerequisites"].split(";") if p] for mid, r in REG.items()}
    order: list[str] = []
    done: set[str] = set()

    def visit(n, path=()):
        assert n not in path, path + (n,)
        if n in done:
            return
        for p in graph[n]:
            visit(p, path + (n,))
        done.add(n)
        order.append(n)

    for n in graph:
        visit(n)
    assert len(order) == len(graph)


def test_financing_mode_rules(cat):
    for m in cat.measures.values():
        assert "own" in m.financing_modes, m.measure_id
        assert set(m.financing_modes) <= set(FINANCING_MODES)
        if m.sizing_rule != "roof_kwp":
            assert not {"emc_pv", "roof_lease"} & set(m.financing_modes), m.measure_id
    assert {"emc_pv", "roof_lease"} <= set(cat.measures["pv_bapv_metal"].financing_modes)
    assert {"shared_savings", "guaranteed_savings", "energy_cost_hosting"} <= set(
        cat.measures["vsd_fans"].financing_modes)
    assert "finance_lease" in cat.measures["hthp_steam_gas"].financing_modes


# ------------------------------------------------------------------------------------------ parameter rows
def test_every_parameter_row_has_unit_year_source_flag():
    for name in ("parameters.csv", "financing.csv"):
        rows = _rows(name)
        assert rows
        for r in rows:
            assert r["unit"].strip() and r["source"].strip(), r
            assert 1990 <= int(r["year"]) <= 2035, r
            assert r["is_estimate"] in ("true", "false"), r
            float(r["value"])
            if r["is_estimate"] == "true":
                assert "estimate" in r["source"].lower() or "ESTIMATE" in r["source"], r


def test_parameter_names_are_documented():
    for r in _rows("parameters.csv"):
        assert r["parameter"] in PARAMETERS, r["parameter"]


def test_plausible_ranges(cat):
    for mid, p in PAR.items():
        assert 3 <= p["lifetime_years"] <= 30, mid
        for name, v in p.items():
            if name.endswith("_frac") or name.endswith("_share") or name in (
                    "replaced_boiler_efficiency", "round_trip_efficiency", "max_share_of_heat_demand"):
                assert 0 <= v <= 1, (mid, name)
    for mid, m in cat.measures.items():
        if m.sizing_rule == "roof_kwp":
            assert 2000 <= PAR[mid]["capex_cny_per_unit"] <= 5000, mid    # 2-5 CNY/Wp
            assert 40 <= PAR[mid]["w_per_m2"] <= 230, mid                  # below a 23 % module's 230 W/m2
        if m.sizing_rule == "battery_kwh":
            assert 300 <= PAR[mid]["capex_cny_per_unit"] <= 2000, mid      # 0.3-2 CNY/Wh
            assert 0.75 <= PAR[mid]["round_trip_efficiency"] <= 0.95
        if m.sizing_rule == "heat_kw":
            cop = PAR[mid]["cop"]
            assert (1.5 <= cop <= 5) if "hp" in mid else (0.7 <= cop <= 1.0), mid
            assert 100 <= PAR[mid]["capex_cny_per_unit"] <= 8000, mid


def test_bipv_premium_matches_report():
    # iResearch 2023 S15: BIPV costs 0.3-0.5 CNY/W more than BAPV
    premium_cny_per_w = (PAR["pv_bipv_roof"]["capex_cny_per_unit"] - PAR["pv_bapv_metal"]["capex_cny_per_unit"]) / 1000
    assert 0.3 <= premium_cny_per_w <= 0.5


def test_end_use_capex_follows_stated_derivation():
    # capex per MWh/yr = capex per kW / (hours x load / 1000) x share of the end use (numbers from the sources)
    assert PAR["vsd_fans"]["capex_cny_per_unit"] == pytest.approx(500 / (3000 * 0.7 / 1000) * 0.30, rel=0.05)
    assert PAR["vsd_pumps"]["capex_cny_per_unit"] == pytest.approx(500 / (3000 * 0.7 / 1000) * 0.25, rel=0.05)
    assert PAR["ie4_ie5_motors"]["capex_cny_per_unit"] == pytest.approx(400 / 2.1 * 0.6, rel=0.05)
    assert PAR["compressed_air_upgrade"]["capex_cny_per_unit"] == pytest.approx(1500 / (5000 * 0.75 / 1000), rel=0.05)
    assert PAR["vsd_fans"]["electricity_saving_frac"] == pytest.approx(0.30 * 0.30)
    # IEC 60034-30-1, 11 kW 4-pole: IE3 91.4 %, IE4 93.3 %, IE5 94.6 %; the source takes 3 % for a mix
    assert (1 - 91.4 / 93.3) <= PAR["ie4_ie5_motors"]["electricity_saving_frac"] / 0.6 <= (1 - 91.4 / 94.6)


def test_simple_paybacks_of_end_use_retrofits_are_plausible():
    """Payback = capex per MWh/yr / (saving fraction x energy price per MWh), at 0.70 CNY/kWh electricity and
    gas at 3.8 CNY/Nm3 / 10.81 kWh/Nm3; vendor and literature paybacks are 0.5-12 years."""
    power, gas = 700.0, 3.8 / 10.8142 * 1000
    for mid, r in REG.items():
        if r["sizing_rule"] != "end_use_kwh" or r["family"] != "equipment":
            continue
        p = PAR[mid]
        saving = p.get("electricity_saving_frac", 0) * power + p.get("fuel_saving_frac", 0) * gas
        assert saving > 0, mid
        assert 0.5 <= p["capex_cny_per_unit"] / saving <= 12, mid


def test_consistent_with_other_data_files(cat):
    fuels = {(r["carrier"], r["parameter"]): float(r["value"])
             for r in csv.DictReader((DATA_DIR / "fuels.csv").open(encoding="utf-8"))}
    for m in cat.measures.values():
        if m.replaces_carrier and m.measure_id != "electric_furnace":
            assert m.param("replaced_boiler_efficiency") == fuels[(m.replaces_carrier, "boiler_efficiency")]
    density = {r["mounting"]: float(r["value"])
               for r in csv.DictReader((DATA_DIR / "pv_mounting.csv").open(encoding="utf-8"))
               if r["parameter"] == "density_wp_per_m2"}
    for mid in ("pv_bapv_metal", "pv_bapv_concrete", "pv_bipv_roof", "pv_bipv_facade"):
        assert PAR[mid]["w_per_m2"] == density[REG[mid]["mounting"]], mid
    defaults = yaml.safe_load((DATA_DIR / "defaults.yaml").read_text(encoding="utf-8"))
    # a direct-fired furnace loses more than a boiler of the same fuel
    furnace = cat.measures["electric_furnace"]
    assert furnace.param("replaced_boiler_efficiency") < fuels[(furnace.replaces_carrier, "boiler_efficiency")]
    gec = defaults["carbon"]["gec_price_cny_per_mwh"]["value"]
    assert PAR["green_certificate_purchase"]["annual_cost_cny_per_unit"] == gec


def test_financing_table_has_the_contract_terms(cat):
    from pathways.money.financing import DEFAULT_TERMS
    for mode, terms in DEFAULT_TERMS.items():
        assert set(terms) <= set(cat.financing[mode]), mode      # economics finds every term it uses
    assert cat.financing["emc_pv"]["discount_frac"] == pytest.approx(0.15)     # 85 % of the tariff
    assert cat.financing["emc_pv"]["term_years"] == 25
    shares = [r for r in _rows("financing.csv") if r["parameter"] == "contract_share_2021"]
    assert sum(float(r["value"]) for r in shares) == pytest.approx(0.326 + 0.243 + 0.134 + 0.087 + 0.009)


def test_excluded_has_ccus_with_reason(cat):
    row = cat.excluded.set_index("item_id").loc["ccus"]
    assert "cost" in row["reason_en"] and "S17" in row["source"]
    assert "ccus" not in cat.measures


# ------------------------------------------------------------------------------------------ loader behaviour
def test_loader_returns_independent_copies():
    a, b = load_catalog(), load_catalog()
    a.measures.pop("vsd_fans")
    a.financing["emc_pv"]["term_years"] = 1
    assert "vsd_fans" in b.measures and b.financing["emc_pv"]["term_years"] == 25


def test_measure_param_helper(cat):
    m = cat.measures["battery_storage"]
    assert m.param("duration_h") == PAR["battery_storage"]["duration_h"]
    assert m.param("cop") is None and m.param("cop", 1.0) == 1.0
    assert "capex_cny_per_unit" in m.estimated and "round_trip_efficiency" not in m.estimated
    with pytest.raises(InputError, match="did you mean 'solar'"):
        cat.by_family("solr")


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    shutil.copytree(CAT, tmp_path / "catalog")
    path = tmp_path / "catalog" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_broken_family_gives_one_line(tmp_path):
    path = _broken_copy(tmp_path, "measures.csv", "vsd_pumps,equipment,", "vsd_pumps,equipmnt,")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert len(exc.value.problems) == 1
    line = exc.value.problems[0]
    assert "\n" not in line
    assert str(path) in line and f"row {_line_of(path, 'vsd_pumps,')}" in line and "'family'" in line
    assert "'equipmnt'" in line and "did you mean 'equipment'" in line


def test_broken_number_in_parameters(tmp_path):
    path = _broken_copy(tmp_path, "parameters.csv", "vsd_fans,lifetime_years,12,", "vsd_fans,lifetime_years,twelve,")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path / "catalog")    # the catalog folder itself also works
    assert exc.value.problems == [
        f"{path} row {_line_of(path, 'vsd_fans,lifetime_years')}, column 'value': 'twelve' -- a number"]


def test_fraction_out_of_range_and_wrong_unit(tmp_path):
    path = _broken_copy(tmp_path, "parameters.csv", "vsd_fans,electricity_saving_frac,0.09,fraction",
                        "vsd_fans,electricity_saving_frac,9,percent")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert len(exc.value.problems) == 2
    assert all(str(path) in p for p in exc.value.problems)
    assert any("'value'" in p and "[0, 1]" in p for p in exc.value.problems)
    assert any("'unit'" in p and "'percent'" in p for p in exc.value.problems)


AUDIT_ROW = "fixed,site,all_energy,individual,,,,own,,,,iResearch 2023 China SME Green Low-Carbon Development Path Report S9"


def test_unknown_prerequisite_and_cycle(tmp_path):
    path = _broken_copy(tmp_path, "measures.csv", AUDIT_ROW, AUDIT_ROW.replace(",,,,own", ",,ems_submetring,,own"))
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert len(exc.value.problems) == 1
    assert "'prerequisites'" in exc.value.problems[0] and "did you mean 'ems_submetering'" in exc.value.problems[0]
    shutil.rmtree(tmp_path / "catalog")
    # energy_audit requiring compressed_air_upgrade closes a cycle (compressed_air_upgrade requires energy_audit)
    path = _broken_copy(tmp_path, "measures.csv", AUDIT_ROW,
                        AUDIT_ROW.replace(",,,,own", ",,compressed_air_upgrade,,own"))
    with pytest.raises(InputError, match="cycle") as exc:
        load_catalog(tmp_path)
    assert str(path) in exc.value.problems[0]


def test_missing_capex_and_missing_column(tmp_path):
    path = _broken_copy(tmp_path, "parameters.csv", "led_lighting_controls,capex_cny_per_unit",
                        "led_lighting_controls,capex_cny_per_unitx")
    with pytest.raises(InputError, match="did you mean 'capex_cny_per_unit'"):
        load_catalog(tmp_path)
    shutil.rmtree(tmp_path / "catalog")
    path = _broken_copy(tmp_path, "financing.csv", "mode,asset_class,parameter,value,unit,year,source,is_estimate",
                        "mode,asset_class,parameter,value,units,year,source,is_estimate")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert exc.value.problems[0].startswith(f"{path} row 1, column 'unit'")


# ------------------------------------------------------------------------------------------ site changes
def test_disable_cascades_to_dependants(cat):
    out = with_site_changes(cat, disable=["ems_submetering"])
    for gone in ("ems_submetering", "predictive_maintenance", "energy_ai_optimisation"):
        assert gone not in out.measures
    assert "ems_submetering" in out.disabled["predictive_maintenance"]
    assert "ems_submetering" in cat.measures          # the input catalog is unchanged
    out = with_site_changes(cat, disable=["compressed_air_upgrade"])
    assert "compressed_air_upgrade" not in out.measures["ems_submetering"].enables
    assert "compressed_air_upgrade" in cat.measures["ems_submetering"].enables
    out = with_site_changes(cat, disable=["carbon_inventory_iso14064"])
    assert not {"third_party_verification", "carbon_inclusion_enrolment", "ets_ccer_readiness"} & set(out.measures)


def test_disable_families(cat):
    out = with_site_changes(cat, disable_families=["digital", "carbon"])
    assert {m.family for m in out.measures.values()} == {"solar", "equipment", "energy_service"}
    assert len(out.measures) == sum(1 for r in REG.values() if r["family"] not in ("digital", "carbon"))


def test_unknown_ids_and_families_name_the_path(cat):
    with pytest.raises(InputError) as exc:
        with_site_changes(cat, disable=["vsd_fans", "vsd_pump"], disable_families=["digitl"])
    assert exc.value.problems[0].startswith("measures.disable[1]: 'vsd_pump'")
    assert "did you mean 'vsd_pumps'" in exc.value.problems[0]
    assert exc.value.problems[1].startswith("measures.disable_families[0]: 'digitl'")
    assert "did you mean 'digital'" in exc.value.problems[1]


def test_param_overrides(cat):
    out = with_site_changes(cat, params={"pv_bapv_metal": {"capex_cny_per_unit": 2500, "lifetime_years": 30}})
    m = out.measures["pv_bapv_metal"]
    assert m.param("capex_cny_per_unit") == 2500 and m.param("lifetime_years") == 30
    assert m.param("w_per_m2") == PAR["pv_bapv_metal"]["w_per_m2"]
    assert "capex_cny_per_unit" not in m.estimated
    rows = out.sources("pv_bapv_metal")
    assert (rows["source"].str.startswith("site override")).sum() == 2
    assert cat.measures["pv_bapv_metal"].param("capex_cny_per_unit") == PAR["pv_bapv_metal"]["capex_cny_per_unit"]
    with pytest.raises(InputError) as exc:
        with_site_changes(cat, params={"vsd_fan": {"lifetime_years": 5},
                                       "vsd_fans": {"electricity_saving_frac": 1.5, "capex_per_unit": 3}})
    lines = exc.value.problems
    assert len(lines) == 3
    assert lines[0].startswith("measures.params.vsd_fan:") and "did you mean 'vsd_fans'" in lines[0]
    assert lines[1].startswith("measures.params.vsd_fans.electricity_saving_frac: 1.5") and "[0, 1]" in lines[1]
    assert lines[2].startswith("measures.params.vsd_fans.capex_per_unit") and "capex_cny_per_unit" in lines[2]


QUOTE = {"id": "vendor_kiln_retrofit", "family": "equipment", "name_en": "Kiln insulation retrofit (quote)",
         "capex_cny": 120000, "annual_electricity_saving_kwh": 5000, "annual_fuel_saving": {"natural_gas": 8000},
         "om_cny_per_year": 1000, "lifetime_years": 10, "financing_modes": ["shared_savings"],
         "prerequisites": ["energy_audit"]}


def test_custom_measure_becomes_fixed_with_absolute_savings(cat):
    out = with_site_changes(cat, custom=[QUOTE])
    m = out.measures["vendor_kiln_retrofit"]
    assert m.custom and m.sizing_rule == "fixed" and m.family == "equipment"
    assert dict(m.params) == {"capex_fixed_cny": 120000, "lifetime_years": 10, "om_cny_per_year": 1000,
                              "annual_electricity_saving_kwh": 5000, "annual_fuel_saving_natural_gas": 8000}
    assert m.financing_modes == ("own", "shared_savings")
    assert m.prerequisites == ("energy_audit",)
    rows = out.sources("vendor_kiln_retrofit")
    assert set(rows["unit"]) >= {"CNY", "Nm3/yr", "kWh/yr"}
    # disabling its prerequisite disables the quote too
    out = with_site_changes(cat, disable=["energy_audit"], custom=[QUOTE])
    assert "vendor_kiln_retrofit" in out.disabled


def test_custom_measure_errors(cat):
    bad = dict(QUOTE, id="vsd_fans", family="equipmnt", annual_fuel_saving={"gas": 1},
               financing_modes=["emc_pv", "own"], prerequisites=["audit"], colour="red")
    del bad["lifetime_years"]
    with pytest.raises(InputError) as exc:
        with_site_changes(cat, custom=[QUOTE, bad])
    text = "\n".join(exc.value.problems)
    assert "measures.custom[1].colour" in text
    assert "measures.custom[1].lifetime_years: None -- required" in text
    assert "measures.custom[1].id: 'vsd_fans'" in text
    assert "measures.custom[1].family: 'equipmnt'" in text and "did you mean 'equipment'" in text
    assert "measures.custom[1].annual_fuel_saving.gas" in text
    assert "measures.custom[1].financing_modes[0]: 'emc_pv'" in text
    with pytest.raises(InputError, match=r"measures.custom\[0\].prerequisites\[0\]: 'audit'.*'energy_audit'"):
        with_site_changes(cat, custom=[dict(QUOTE, prerequisites=["audit"])])


# ------------------------------------------------------------------------------------------ CLI
def test_cli_family_table(capsys):
    assert cli.main(["catalog", "--family", "carbon"]) == 0
    out = capsys.readouterr().out
    carbon = [mid for mid, r in REG.items() if r["family"] == "carbon"]
    for mid in carbon:
        assert mid in out and REG[mid]["name_zh"] in out
    assert "pv_bapv_metal" not in out
    assert "green_certificate_purchase  [carbon, individual]" in out
    assert "annual_cost_cny_per_unit = 6.94 CNY/yr per MWh/yr  [sourced, 2025]" in out
    assert "[estimate, 2025]" in out
    n_rows = sum(1 for r in _rows("parameters.csv") if r["measure_id"] in carbon)
    assert f"{len(carbon)} measures, {n_rows} parameters" in out


def test_cli_json_matches_csv(capsys):
    assert cli.main(["catalog", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["measure_id"] for r in records] == list(REG)
    raw = _rows("parameters.csv")
    for rec in records:
        mine = [r for r in raw if r["measure_id"] == rec["measure_id"]]
        assert [(p["parameter"], p["value"], p["is_estimate"]) for p in rec["parameters"]] == [
            (r["parameter"], float(r["value"]), r["is_estimate"] == "true") for r in mine]


def test_cli_unknown_family_exits_2(capsys):
    assert cli.main(["catalog", "--family", "solr"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("error: --family: 'solr' -- one of solar, equipment, energy_service, carbon, digital; "
                           "did you mean 'solar'?")


@pytest.mark.parametrize("name, old, new, needle, column, allowed", [
    ("parameters.csv", "vsd_pumps,lifetime_years,12,", "vsd_pumps,lifetime_years,inf,", "vsd_pumps,lifetime_years",
     "value", "a finite number"),
    ("measures.csv", "vsd_pumps,equipment,", "vsd_fans,equipment,", "Variable-speed drives on pumps",
     "measure_id", "unique ids (first defined in row"),
    ("parameters.csv", "vsd_pumps,lifetime_years,12,yr,2025", "vsd_pumps,lifetime_years,12,yr,2025x",
     "vsd_pumps,lifetime_years", "year", "a year between 1990 and 2035"),
    ("financing.csv", "emc_pv,all,term_years,25,", "emc_pv,all,term_yrs,25,", "emc_pv,all,term_yrs",
     "parameter", "did you mean 'term_years'"),
    ("financing.csv", "emc_pv,all,term_years,25,yr,2025,", "emc_pv,all,term_years,25,yr,2025,x,",
     "emc_pv,all,term_years", "<extra field>", "exactly 8 fields"),
])
def test_more_broken_rows_name_file_row_column(tmp_path, name, old, new, needle, column, allowed):
    path = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    line = exc.value.problems[0]
    assert line.startswith(f"{path} row {_line_of(path, needle)}, column {column!r}:") and allowed in line


# ------------------------------------------------------------------------------------------ issue 11: money data
NEW_FIN_PARAMS = {"fee_frac", "deposit_frac", "min_ticket_cny", "interest_subsidy_pp", "interest_subsidy_years",
                  "interest_subsidy_valid_from_year", "interest_subsidy_valid_to_year", "reference_rate_lpr_1y",
                  "reference_rate_lpr_5y"}
NEW_MEASURE_PARAMS = ("tax_depreciation_years", "tax_credit_frac", "carbon_credit_eligible")


def _fin_terms(mode: str, cls: str) -> dict[str, float]:
    """Terms of (mode, class) from the raw CSV: the class's rows over the mode's `all` rows."""
    out: dict[str, float] = {}
    for want in ("all", cls):
        out.update({r["parameter"]: float(r["value"]) for r in _rows("financing.csv")
                    if r["mode"] == mode and r["asset_class"] == want})
    return out


def _subsidy(province: str, mode: str, cls: str) -> dict[str, float]:
    return {r["parameter"]: float(r["value"]) for r in _rows("interest_subsidies.csv")
            if (r["province"], r["mode"], r["asset_class"]) == (province, mode, cls)}


def test_financing_terms_fall_back_to_all(cat):
    for mode in FINANCING_MODES:
        assert cat.financing[mode] == _fin_terms(mode, "all"), mode      # existing callers: the `all` rows
        for cls in ASSET_CLASSES:
            assert cat.financing_terms(mode, cls) == _fin_terms(mode, cls), (mode, cls)
    lease_pv = cat.financing_terms("finance_lease", "pv")
    assert lease_pv["term_years"] == _fin_terms("finance_lease", "pv")["term_years"] != \
        cat.financing["finance_lease"]["term_years"]                     # the pv row wins over the fallback
    assert cat.financing_terms("finance_lease", "service") == cat.financing["finance_lease"]   # no service rows
    assert cat.financing_by_class[("shared_savings", "storage")]["esco_share_of_savings"] == pytest.approx(0.85)
    with pytest.raises(InputError, match="did you mean 'storage'"):
        cat.financing_terms("finance_lease", "storag")
    with pytest.raises(InputError, match="did you mean 'bank_loan'"):
        cat.financing_terms("bank_lone", "pv")


def test_bank_loan_terms_from_lpr_and_min_tickets(cat):
    loan = cat.financing["bank_loan"]
    assert loan["reference_rate_lpr_1y"] == pytest.approx(0.030) and loan["reference_rate_lpr_5y"] == 0.035
    assert loan["reference_rate_lpr_1y"] < loan["interest_rate"] <= loan["reference_rate_lpr_1y"] + 0.02
    for cls in ASSET_CLASSES:   # a lease needs a bigger ticket than a loan, and charges a fee on the financed part
        lease = cat.financing_terms("finance_lease", cls)
        assert lease["min_ticket_cny"] >= 500_000 > cat.financing_terms("bank_loan", cls)["min_ticket_cny"]
        assert 0.01 <= lease["fee_frac"] <= 0.03 and 0.05 <= lease["interest_rate"] <= 0.08


def test_interest_subsidies_by_year_and_province(cat):
    nat = _fin_terms("bank_loan", "equipment")
    assert (nat["interest_subsidy_pp"], nat["interest_subsidy_years"]) == (0.015, 2)   # MOF 2024/2026: 1.5 pp, 2 yr
    got = cat.financing_terms("bank_loan", "equipment", year=2025)
    assert got["interest_subsidy_pp"] == nat["interest_subsidy_pp"]
    assert cat.financing_terms("bank_loan", "equipment", year=int(nat["interest_subsidy_valid_to_year"]) + 1)[
        "interest_subsidy_pp"] == 0.0                                     # expired programme
    assert cat.financing_terms("bank_loan", "pv", year=2025)["interest_subsidy_pp"] == 0.0   # renewal only
    assert cat.financing_terms("finance_lease", "equipment", year=2025)["interest_subsidy_pp"] == 0.0
    js = _subsidy("Jiangsu", "bank_loan", "equipment")
    assert js["interest_subsidy_pp"] * js["interest_subsidy_years"] > 0.015 * 2        # worth more than national
    got = cat.financing_terms("bank_loan", "equipment", province="Jiangsu", year=2025)
    assert (got["interest_subsidy_pp"], got["interest_subsidy_years"]) == (js["interest_subsidy_pp"],
                                                                           js["interest_subsidy_years"])
    gd = _subsidy("Guangdong", "bank_loan", "all")
    assert gd["interest_subsidy_pp"] * gd["interest_subsidy_years"] < 0.015 * 2
    got = cat.financing_terms("bank_loan", "equipment", province="Guangdong", year=2025)
    assert got["interest_subsidy_pp"] == 0.015                            # national is worth more: kept, not summed
    got = cat.financing_terms("bank_loan", "pv", province="Guangdong", year=2026)
    assert (got["interest_subsidy_pp"], got["interest_subsidy_years"]) == (gd["interest_subsidy_pp"],
                                                                           gd["interest_subsidy_years"])
    assert cat.financing_terms("bank_loan", "pv", province="Guangdong", year=2024)["interest_subsidy_pp"] == 0.0
    assert cat.financing_terms("bank_loan", "equipment", province="Zhejiang", year=2025)[
        "interest_subsidy_pp"] == 0.015                                   # no provincial programme found


def test_bank_loan_offered_wherever_finance_lease_is_and_named_everywhere(cat):
    from pathways.model import planner
    from pathways.money import financing
    from pathways.inputs import schema
    for m in cat.measures.values():
        assert ("finance_lease" in m.financing_modes) == ("bank_loan" in m.financing_modes), m.measure_id
    assert set(FINANCING_MODES) == set(schema.FINANCING_MODES) == set(financing.FINANCING_MODES)
    for lang in ("en", "zh"):
        assert set(FINANCING_MODES) <= set(financing.MODE_TEXT[lang]), lang
        assert {"finance_lease", "bank_loan"} <= set(planner.WHY_TEXT[lang]["mode"]), lang
    assert financing.MODE_TEXT["zh"]["bank_loan"] == "银行贷款"


def test_asset_classes_and_tax_parameters(cat):
    lives_by_class = {"pv": {10}, "storage": {10}, "equipment": {3, 5, 10}, "service": {1, 5, 10}}
    for mid, m in cat.measures.items():
        assert m.asset_class == REG[mid]["asset_class"] and m.asset_class in ASSET_CLASSES, mid
        assert m.asset_class == {"roof_kwp": "pv", "battery_kwh": "storage"}.get(m.sizing_rule, m.asset_class)
        assert set(NEW_MEASURE_PARAMS) <= set(PAR[mid]), mid
        # minimum lives of EIT regulations art. 60 (3 electronic, 5 tools, 10 machinery) or expensed (1)
        assert m.tax_depreciation_years == PAR[mid]["tax_depreciation_years"] in lives_by_class[m.asset_class], mid
        assert m.tax_credit_frac in (0.0, 0.10), mid
        if m.tax_credit_frac:
            assert m.asset_class == "equipment" and "qualifying item" in _param_row(mid, "tax_credit_frac")["source"]
    qualifying = {mid for mid, m in cat.measures.items() if m.tax_credit_frac}
    assert {"ie4_ie5_motors", "compressed_air_upgrade", "efficient_chiller_hvac"} <= qualifying
    assert not qualifying & {"pv_bapv_metal", "battery_storage", "energy_audit", "vsd_fans"}


def _param_row(mid: str, name: str) -> dict[str, str]:
    return next(r for r in _rows("parameters.csv") if r["measure_id"] == mid and r["parameter"] == name)


def test_carbon_credit_eligibility_and_shares(cat):
    eligible = {mid for mid, m in cat.measures.items() if m.carbon_credit_eligible}
    assert eligible == {mid for mid, m in cat.measures.items() if m.sizing_rule == "roof_kwp"}   # distributed PV only
    assert cat.measures["ets_ccer_readiness"].param("carbon_credit_share") == 0.0
    assert "no CCER methodology" in _param_row("ets_ccer_readiness", "carbon_credit_share")["source"]
    src = _param_row("carbon_inclusion_enrolment", "carbon_credit_share")["source"]
    assert "carbon_credit_eligible = 1" in src and "distributed PV" in src
    for mid in ("vsd_fans", "led_lighting_controls", "ems_submetering"):
        assert "no CCER methodology" in _param_row(mid, "carbon_credit_eligible")["source"], mid


def test_new_rows_have_unit_year_source_and_estimates_give_a_range():
    new_rows = [r for r in _rows("financing.csv")
                if r["parameter"] in NEW_FIN_PARAMS or r["mode"] == "bank_loan" or r["asset_class"] != "all"]
    new_rows += _rows("interest_subsidies.csv")
    new_rows += [r for r in _rows("parameters.csv") if r["parameter"] in NEW_MEASURE_PARAMS]
    assert len(new_rows) > 3 * len(REG)
    for r in new_rows:
        assert r["unit"].strip() and r["source"].strip() and 1990 <= int(r["year"]) <= 2035, r
        float(r["value"])
        if r["is_estimate"] == "true":
            assert r["source"].startswith("ESTIMATE:"), r
            assert re.search(r"range \d[\d.]*(-| to )\d", r["source"]), r     # "range lo-hi" in the unit
        else:
            assert re.search(r"20[0-2]\d", r["source"]), r      # a dated document


def test_loader_copies_financing_by_class():
    a, b = load_catalog(), load_catalog()
    a.financing_by_class[("finance_lease", "pv")]["term_years"] = 99
    a.interest_subsidies[("Jiangsu", "bank_loan", "equipment")]["interest_subsidy_pp"] = 0.5
    assert b.financing_by_class[("finance_lease", "pv")]["term_years"] != 99
    assert b.interest_subsidies[("Jiangsu", "bank_loan", "equipment")]["interest_subsidy_pp"] != 0.5


@pytest.mark.parametrize("name, old, new, needle, column, allowed", [
    ("measures.csv", "own;emc_pv;roof_lease;finance_lease;bank_loan,metal,close_roof,,", None,
     "pv_bapv_metal,", "asset_class", "'pv' for sizing_rule roof_kwp"),
    ("financing.csv", "finance_lease,pv,term_years,", "finance_lease,pvv,term_years,", "finance_lease,pvv,",
     "asset_class", "did you mean 'pv'"),
    ("financing.csv", "emc_pv,all,term_years,", "emc_pv,storage,term_years,", "emc_pv,storage,",
     "asset_class", "all or pv for a PV-only mode"),
    ("financing.csv", "finance_lease,storage,term_years,", "finance_lease,pv,term_years,",
     "finance_lease,pv,term_years,6", "parameter", "once per mode and asset_class"),
    ("parameters.csv", "vsd_fans,tax_depreciation_years,10,", "vsd_fans,tax_depreciation_years,2.5,",
     "vsd_fans,tax_depreciation_years", "value", "a whole number >= 1"),
    ("parameters.csv", "vsd_fans,carbon_credit_eligible,0,", "vsd_fans,carbon_credit_eligible,2,",
     "vsd_fans,carbon_credit_eligible", "value", "0 or 1"),
    ("interest_subsidies.csv", "Jiangsu,bank_loan,equipment,interest_subsidy_pp,",
     "Jiangsuu,bank_loan,equipment,interest_subsidy_pp,", "Jiangsuu,", "province", "did you mean 'Jiangsu'"),
    ("interest_subsidies.csv", "Guangdong,bank_loan,all,interest_subsidy_valid_from_year,2025,",
     "Guangdong,bank_loan,all,interest_subsidy_valid_from_year,1999,", "interest_subsidy_valid_from_year,1999",
     "value", "a calendar year between 2000 and 2100"),
])
def test_money_data_errors_name_file_row_column(tmp_path, name, old, new, needle, column, allowed):
    if new is None:   # measures.csv: change the last column (asset_class) of the pv_bapv_metal row
        text = (CAT / name).read_text(encoding="utf-8")
        line = next(x for x in text.splitlines() if x.startswith("pv_bapv_metal,"))
        old, new = line, line[: line.rindex(",")] + ",equipment"
    path = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    line = exc.value.problems[0]
    assert "\n" not in line
    assert line.startswith(f"{path} row {_line_of(path, needle)}, column {column!r}:") and allowed in line, line


def test_subsidy_sets_must_be_complete_and_ordered(tmp_path):
    path = _broken_copy(tmp_path, "interest_subsidies.csv", "Guangdong,bank_loan,all,interest_subsidy_years,1,",
                        "Guangdong,bank_loan,pv,interest_subsidy_years,1,")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert exc.value.problems == [f"{path} Guangdong bank_loan all: 'no interest_subsidy_years' -- "
                                  "interest_subsidy_pp > 0 needs interest_subsidy_pp, interest_subsidy_years, "
                                  "interest_subsidy_valid_from_year, interest_subsidy_valid_to_year"]
    shutil.rmtree(tmp_path / "catalog")
    path = _broken_copy(tmp_path, "financing.csv", "bank_loan,equipment,interest_subsidy_valid_to_year,2026,",
                        "bank_loan,equipment,interest_subsidy_valid_to_year,2023,")
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    assert len(exc.value.problems) == 1 and "2024..2023" in exc.value.problems[0]
    assert "valid_to_year >= valid_from_year" in exc.value.problems[0]


def test_custom_measure_asset_class(cat):
    spec = {"id": "vq", "family": "equipment", "name_en": "Quote", "capex_cny": 1e5, "lifetime_years": 10,
            "asset_class": "storage"}
    assert with_site_changes(cat, custom=[spec]).measures["vq"].asset_class == "storage"
    del spec["asset_class"]
    assert with_site_changes(cat, custom=[spec]).measures["vq"].asset_class == "equipment"
    with pytest.raises(InputError) as exc:
        with_site_changes(cat, custom=[{**spec, "asset_class": "batery"}])
    assert exc.value.problems == ["measures.custom[0].asset_class: 'batery' -- one of pv, storage, equipment, "
                                  "service"] or "did you mean" in exc.value.problems[0]


def test_tax_parameter_overrides_are_checked(cat):
    changed = with_site_changes(cat, params={"pv_bapv_metal": {"tax_depreciation_years": 1}})
    assert changed.measures["pv_bapv_metal"].tax_depreciation_years == 1      # 2023 No. 37 one-off deduction
    with pytest.raises(InputError) as exc:
        with_site_changes(cat, params={"pv_bapv_metal": {"tax_depreciation_years": 0.5}})
    assert "a whole number >= 1" in exc.value.problems[0]
