"""Tests of the measure catalog (data/catalog/*.csv) and the `pathways catalog` command.

Expected values are recomputed from the raw CSV files (read with the csv module, not the loader), from
other data files (fuels, PV mountings, defaults) and from the derivations written in the source column.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from pathways import cli
from pathways.catalog import (FAMILIES, FINANCING_MODES, PARAMETERS, Catalog, load_catalog, with_site_changes)
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
    from pathways.economics import DEFAULT_TERMS
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
    path = _broken_copy(tmp_path, "financing.csv", "mode,parameter,value,unit,year,source,is_estimate",
                        "mode,parameter,value,units,year,source,is_estimate")
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
    ("financing.csv", "emc_pv,term_years,25,", "emc_pv,term_yrs,25,", "emc_pv,term_yrs",
     "parameter", "did you mean 'term_years'"),
    ("financing.csv", "emc_pv,term_years,25,yr,2025,", "emc_pv,term_years,25,yr,2025,x,", "emc_pv,term_years",
     "<extra field>", "exactly 7 fields"),
])
def test_more_broken_rows_name_file_row_column(tmp_path, name, old, new, needle, column, allowed):
    path = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(InputError) as exc:
        load_catalog(tmp_path)
    line = exc.value.problems[0]
    assert line.startswith(f"{path} row {_line_of(path, needle)}, column {column!r}:") and allowed in line
