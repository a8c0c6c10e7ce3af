"""Reference tables: provenance on every row, known values, the grid-factor year rule (brute force), fuel factors
against closed forms and IPCC 2006 defaults, subsidy presets and stacking, default assumptions."""
from __future__ import annotations

import csv

import numpy as np
import pytest
import yaml

from pathways import paths
from pathways.reference import tables as ref
from pathways.errors import InputError

MY_CSVS = ["grid_factors.csv", "carbon_prices.csv", "fuels.csv"]


def rows(name):
    with open(paths.DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------------------------------ provenance

@pytest.mark.parametrize("name", MY_CSVS)
def test_every_csv_row_has_provenance(name):
    data = rows(name)
    assert data
    for i, r in enumerate(data, start=2):
        for col in ("unit", "year", "source", "is_estimate"):
            assert r[col].strip(), f"{name} row {i}: empty {col}"
        assert 1990 <= int(r["year"]) <= 2100
        assert r["is_estimate"] in ("true", "false")
        if r["is_estimate"] == "false":
            assert "ESTIMATE" not in r["source"], f"{name} row {i}: source says ESTIMATE but flag is false"


def test_every_yaml_leaf_has_provenance():
    def leaves(node, path=""):
        if isinstance(node, dict) and "value" in node:
            yield path, node
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, f"{path}.{k}" if path else k)
    tree = yaml.safe_load((paths.DATA_DIR / "defaults.yaml").read_text(encoding="utf-8"))
    found = list(leaves(tree))
    assert len(found) >= 20
    subs = yaml.safe_load((paths.DATA_DIR / "subsidies.yaml").read_text(encoding="utf-8"))
    rules = [(f"{n}.rules[{i}]", r) for n, p in subs["presets"].items() for i, r in enumerate(p["rules"])]
    assert rules
    for where, leaf in found + rules:
        for k in ("unit", "year", "source", "is_estimate"):
            assert leaf.get(k) not in (None, ""), f"{where}: missing {k}"
        assert isinstance(leaf["is_estimate"], bool) and isinstance(leaf["year"], int)
        if "ESTIMATE" in str(leaf["source"]).split(":")[0]:
            assert leaf["is_estimate"], where


# ------------------------------------------------------------------------------------------ grid factors

@pytest.mark.parametrize("scope,name,year,value", [
    ("national", "China", 2023, 0.5306), ("national", "China", 2022, 0.5366), ("national", "China", 2021, 0.5568),
    ("national_residual", "China", 2023, 0.6096), ("national_fossil", "China", 2023, 0.8273),
    ("region", "East China", 2023, 0.5500), ("region", "South China", 2023, 0.4042),
    ("province", "Jiangsu", 2022, 0.5978), ("province", "Yunnan", 2022, 0.1073),
    ("province", "Hebei", 2022, 0.7252)])
def test_known_grid_values(scope, name, year, value):
    df = ref.load_grid_factors()
    hit = df[(df.scope == scope) & (df.name == name) & (df.year == year)]
    assert len(hit) == 1 and hit.value_kg_per_kwh.iloc[0] == value


def test_default_location_factor_2025_is_national_2023():
    gf = ref.grid_factor_kg_per_kwh("Jiangsu", 2025)
    assert (gf.value_kg_per_kwh, gf.year_used, gf.scope) == (0.5306, 2023, "national")
    assert "MEE" in gf.source
    assert ref.grid_factor_kg_per_kwh(None, 2025, "market").value_kg_per_kwh == 0.6096
    assert ref.grid_factor_kg_per_kwh("Zhejiang", 2025, "regional").value_kg_per_kwh == 0.5500
    assert ref.grid_factor_kg_per_kwh("广东省", 2024, "provincial").value_kg_per_kwh == 0.4403


def _brute_year(years, y):
    target = y - 2
    ok = [t for t in years if t <= target]
    return max(ok) if ok else min(years)


@pytest.mark.parametrize("basis,province", [("location", None), ("market", None), ("regional", "Henan"),
                                            ("provincial", "Shandong"), ("provincial", "Tibet")])
def test_year_rule_brute_force(basis, province):
    data = rows("grid_factors.csv")
    scope = {"location": "national", "market": "national_residual", "regional": "region",
             "provincial": "province"}[basis]
    name = {"location": "China", "market": "China", "regional": "Central China"}.get(basis, province)
    table = {(r["scope"], r["name"], int(r["year"])): float(r["value_kg_per_kwh"]) for r in data}
    if not any(k[0] == scope and k[1] == name for k in table):     # Tibet: no provincial row -> region
        scope, name = "region", "Southwest"
    years = sorted(k[2] for k in table if k[0] == scope and k[1] == name)
    for y in range(2010, 2041):
        gf = ref.grid_factor_kg_per_kwh(province, y, basis)
        exp_year = _brute_year(years, y)
        assert (gf.year_used, gf.scope, gf.name) == (exp_year, scope, name)
        assert gf.value_kg_per_kwh == table[(scope, name, exp_year)]
        assert (gf.note == "") == (exp_year == y - 2 and not (province == "Tibet"))


def test_every_province_maps_to_a_region_with_factors():
    pr = rows("province_regions.csv")
    assert len(pr) == 31
    grid = rows("grid_factors.csv")
    regions = {r["name"] for r in grid if r["scope"] == "region"}
    provinces = {r["name"] for r in grid if r["scope"] == "province"}
    assert {r["grid_region"] for r in pr} == regions
    assert provinces <= {r["province"] for r in pr}
    members = {r["province"]: r["grid_region"] for r in pr}
    for p in ("Shanghai", "Jiangsu", "Zhejiang", "Anhui", "Fujian"):
        assert members[p] == "East China"
    for p in ("Guangdong", "Guangxi", "Yunnan", "Guizhou", "Hainan"):
        assert members[p] == "South China"
    # every city's province is known
    with open(paths.DATA_DIR / "cities.csv", encoding="utf-8") as fh:
        assert {r["province"] for r in csv.DictReader(fh)} <= set(members)


def test_grid_factor_bad_input():
    with pytest.raises(InputError) as exc:
        ref.grid_factor_kg_per_kwh("Jiangsuu", 2025, "provincial")
    assert exc.value.problems[0].startswith("province: 'Jiangsuu'") and "Jiangsu (江苏)" in str(exc.value)
    with pytest.raises(InputError, match="grid.factor_basis: 'residual'.*regional"):
        ref.grid_factor_kg_per_kwh("Jiangsu", 2025, "residual")
    with pytest.raises(InputError, match="grid.report_year"):
        ref.grid_factor_kg_per_kwh("Jiangsu", 25, "location")
    with pytest.raises(InputError, match="grid.report_year"):
        ref.grid_factor_kg_per_kwh("Jiangsu", "2025", "location")
    with pytest.raises(InputError, match="province: None"):
        ref.grid_factor_kg_per_kwh(None, 2025, "regional")


def test_grid_factor_path_closed_form():
    path = ref.grid_factor_path(0.5306, 20, 0.02)
    assert len(path) == 20 and path[0] == 0.5306
    assert path[-1] == pytest.approx(0.5306 * 0.98 ** 19, rel=1e-12)
    assert np.all(np.diff(path) < 0)
    with pytest.raises(InputError, match="grid.factor_decline_per_year"):
        ref.grid_factor_path(0.5, 5, 1.5)
    rising = ref.grid_factor_path(0.5, 3, -0.05)      # defaults.yaml allows down to -0.05/yr: a rising factor
    assert rising == pytest.approx([0.5, 0.5 * 1.05, 0.5 * 1.05 ** 2], rel=1e-12)


@pytest.mark.parametrize("decline", [None, 0.035, -0.03])
def test_site_and_park_grid_factors_follow_the_path(decline):
    """A site's and a park's yearly grid factor in t/kWh: f(report_year + 1) / 1000 x (1 - decline)^t, t = 0..H-1,
    the decline from defaults.yaml (0.02) unless set."""
    from pathways.inputs.resolve import resolve
    from pathways.park.data import park_data
    from pathways.site.build import build_problem

    sets = [] if decline is None else [f"assumptions.grid.factor_decline_per_year={decline}"]
    d = 0.02 if decline is None else decline
    site = resolve(paths.MODELS_DIR / "suzhou_machining.yaml", set_values=sets)
    problem, ctx = build_problem(site)
    g = site.assumptions["grid"]
    f = ref.grid_factor_kg_per_kwh(ctx.location.province, int(g["report_year"]) + 1, g["factor_basis"])
    H = problem.econ.horizon_years
    assert problem.grid_co2_t_per_kwh == pytest.approx(f.value_kg_per_kwh / 1000 * (1 - d) ** np.arange(H),
                                                       rel=1e-12)
    park = resolve(paths.MODELS_DIR / "parks" / "suzhou_machinery_electronics_park.yaml", set_values=sets)
    H = park.model.plan.horizon_years
    f = ref.grid_factor_kg_per_kwh("Jiangsu", int(park.assumptions["grid"]["report_year"]) + 1,
                                   park.assumptions["grid"]["factor_basis"])
    assert park_data(park).grid_t_per_kwh == pytest.approx(f.value_kg_per_kwh / 1000 * (1 - d) ** np.arange(H),
                                                          rel=1e-12)


def test_malformed_grid_file_names_file_and_row(tmp_path, monkeypatch):
    lines = (paths.DATA_DIR / "grid_factors.csv").read_text(encoding="utf-8").splitlines()
    parts = next(csv.reader([lines[5]]))
    parts[3] = "0,53"          # value with a decimal comma -> quoted, not a number
    import io
    buf = io.StringIO()
    csv.writer(buf).writerow(parts)
    lines[5] = buf.getvalue().strip()
    (tmp_path / "grid_factors.csv").write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    ref.load_grid_factors.cache_clear()
    try:
        with pytest.raises(ref.DataFileError, match=r"grid_factors\.csv: row 6: value_kg_per_kwh='0,53'"):
            ref.load_grid_factors()
    finally:
        monkeypatch.undo()
        ref.load_grid_factors.cache_clear()


# ------------------------------------------------------------------------------------------ carbon prices

def test_carbon_prices_known_and_implied():
    df = ref.load_carbon_prices()

    def val(instr, stat, year, region="national"):
        hit = df[(df.instrument == instr) & (df.statistic == stat) & (df.year == year) & (df.region == region)]
        assert len(hit) == 1
        return float(hit.value.iloc[0])
    # inputs are rounded (CNY 14.63 bn +-0.005, 235 Mt +-0.5) -> implied price known to about +-0.15
    assert val("cea", "annual_avg", 2025) == pytest.approx(14.63e9 / 235e6, abs=0.15)
    assert val("cea", "annual_avg", 2024) == pytest.approx(18.114e9 / 189e6, abs=0.05)  # volume-weighted
    assert val("cea", "year_end_close", 2023) == pytest.approx(97.49 / 1.2275, abs=0.05)
    assert val("ccer", "annual_avg", 2025) == pytest.approx(626e6 / 8.84e6, abs=0.1)
    assert val("carbon_inclusion", "trade_price", 2020, "Guangdong") == 36.0


def test_defaults_agree_with_carbon_table():
    d = ref.default_assumptions()["carbon"]
    df = ref.load_carbon_prices()

    def one(instr, stat):
        return float(df[(df.instrument == instr) & (df.statistic == stat) & (df.year == 2025)].value.iloc[0])
    assert d["cea_price_cny_per_t"] == one("cea", "annual_avg")
    assert d["ccer_price_cny_per_t"] == one("ccer", "annual_avg")
    assert d["carbon_inclusion_price_cny_per_t"] == one("carbon_inclusion", "default")
    assert d["gec_price_cny_per_mwh"] == one("gec", "price_distributed")
    assert d["cea_price_low_cny_per_t"] < d["cea_price_cny_per_t"] < d["cea_price_high_cny_per_t"]


# ------------------------------------------------------------------------------------------ fuels

IPCC_T_CO2_PER_GJ = {"natural_gas": 0.0561, "coal": 0.0946, "diesel": 0.0741, "lpg": 0.0631}  # IPCC 2006 V2 T1.4


def test_fuels_all_carriers_and_closed_forms():
    fuels = ref.load_fuels()
    assert set(fuels) == {"natural_gas", "coal", "diesel", "lpg", "purchased_steam"}
    ng = fuels["natural_gas"]
    assert ng.unit == "Nm3"
    assert ng.lhv_kwh_per_unit == pytest.approx(389.31 / 1e4 * 1e6 / 3600, rel=1e-4)  # GJ per 10^4 Nm3 -> kWh/Nm3
    assert ng.co2_t_per_unit == pytest.approx(0.038931 * 0.0153 * 0.99 * 44 / 12, rel=1e-4)
    coal = fuels["coal"]
    assert coal.lhv_kwh_per_unit == pytest.approx(5500 * 4.1868 / 3.6, rel=0.02)   # 5,500 kcal/kg price basis
    assert fuels["diesel"].lhv_kwh_per_unit == pytest.approx(43.33 * 0.84 / 3.6, rel=1e-4)
    steam = fuels["purchased_steam"]
    assert steam.co2_t_per_unit == pytest.approx(0.11 * steam.lhv_kwh_per_unit * 0.0036, rel=1e-4)
    for f in fuels.values():
        assert f.cny_per_kwh_useful_heat == pytest.approx(
            f.price_cny_per_unit / f.lhv_kwh_per_unit / f.boiler_efficiency)
        assert 0.5 < f.boiler_efficiency <= 1.0
        assert set(f.sources) == set(ref.FUEL_PARAMETERS) == set(f.is_estimate)


@pytest.mark.parametrize("carrier", list(IPCC_T_CO2_PER_GJ))
def test_fuel_co2_intensity_against_ipcc_2006(carrier):
    f = ref.load_fuels()[carrier]
    t_per_gj = f.co2_t_per_unit / (f.lhv_kwh_per_unit * 0.0036)
    ipcc = IPCC_T_CO2_PER_GJ[carrier]
    # Chinese defaults apply oxidation rates < 1 -> at most the IPCC default, within 7 %
    assert 0.93 * ipcc <= t_per_gj <= 1.001 * ipcc
    assert f.co2_kg_per_kwh_fuel == pytest.approx(t_per_gj * 3.6, rel=1e-9)


def test_unknown_fuel():
    with pytest.raises(InputError, match=r"fuels.carrier: 'gas'"):
        ref.fuel("gas")


# ------------------------------------------------------------------------------------------ subsidies

def test_presets_parse_and_shanghai_values():
    presets = ref.load_subsidy_presets()
    sh = presets["shanghai_re_2022_2026"]
    assert sh.years_valid == (2022, 2026) and sh.province == "Shanghai"
    rates = {r.applies_to: r.cny_per_kwh for r in sh.rules}
    assert rates[("bipv_roof", "bipv_facade")] == 0.30 and rates[("open_rack", "close_roof")] == 0.05
    for p in presets.values():
        for r in p.rules:
            assert r.kind in ref.RULE_KINDS
            set_fields = {k for k in ("share", "cap_cny", "cny_per_kw", "cny_per_kwh", "cny_per_t", "n_years")
                          if getattr(r, k) is not None}
            assert set_fields <= set(ref.RULE_KINDS[r.kind])
            assert ref.RULE_KINDS[r.kind][0] in set_fields


def test_auto_selection():
    names = lambda ps: {p.name for p in ps}
    assert names(ref.presets_for_site("Shanghai", "Shanghai", 2025)) == {"shanghai_re_2022_2026"}
    assert names(ref.presets_for_site("上海", None, 2027)) == set()
    assert names(ref.presets_for_site("Zhejiang", "Wenzhou", 2022)) == {"wenzhou_1000_firms_2021_2024"}
    assert names(ref.presets_for_site("Zhejiang", "Wenzhou", 2021)) == {"wenzhou_1000_firms_2021_2024"}  # county never
    assert names(ref.presets_for_site("Guangdong", "Guangzhou", 2024)) == {"guangzhou_storage_2023"}
    assert names(ref.presets_for_site("Jiangsu", "Suzhou", 2025)) == set()


def test_subsidy_terms_brute_force():
    sh = ref.select_presets(["shanghai_re_2022_2026"])
    t = ref.subsidy_terms(sh, "pv_x", "solar", "bipv_facade", capex_cny=1e6, size_kw=200)
    assert (t.upfront_cny, t.cny_per_kwh, t.n_years) == (0.0, 0.30, 5)
    t = ref.subsidy_terms(sh, "heat_pump", "equipment", None, capex_cny=1e6)
    assert t == ref.SubsidyTerms(0.0, 0.0, 0.0, 0)
    gz = ref.select_presets(["guangzhou_storage_2023", "zhaoqing_hitech_storage"])
    for capex, kw in [(1e6, 500), (50e6, 10_000), (1e5, 5_000)]:
        expected = min(min(0.30 * capex, 10e6) + min(150 * kw, 1e6), capex)
        got = ref.subsidy_terms(gz, "battery_storage", None, None, capex_cny=capex, size_kw=kw).upfront_cny
        assert got == pytest.approx(expected)


def test_select_unknown_preset():
    with pytest.raises(InputError) as exc:
        ref.select_presets(["shanghai_re_2022_2025"])
    assert "shanghai_re_2022_2026" in str(exc.value)


def test_malformed_subsidy_rule_names_file_and_rule(tmp_path, monkeypatch):
    text = (paths.DATA_DIR / "subsidies.yaml").read_text(encoding="utf-8")
    (tmp_path / "subsidies.yaml").write_text(text.replace("kind: per_kw\n", "kind: per_kilowatt\n", 1),
                                             encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    ref.load_subsidy_presets.cache_clear()
    try:
        with pytest.raises(ref.DataFileError, match=r"subsidies\.yaml: presets\.taishun_rooftop_2021\.rules\[0\]: "
                                                    r"kind='per_kilowatt'"):
            ref.load_subsidy_presets()
    finally:
        monkeypatch.undo()
        ref.load_subsidy_presets.cache_clear()


# ------------------------------------------------------------------------------------------ defaults

def test_default_assumptions_values_and_copy():
    d = ref.default_assumptions()
    assert d["plan"] == {"years": 5, "horizon_years": 20}
    assert d["finance"]["discount_rate_real"] == 0.06
    assert d["grid"]["factor_basis"] in ref.GRID_BASES
    assert 0 < d["pv"]["degradation_per_year"] < d["pv"]["degradation_first_year"] < 0.05
    d["finance"]["discount_rate_real"] = 0.5
    assert ref.default_assumptions()["finance"]["discount_rate_real"] == 0.06


def test_assumption_sources_matches_values():
    src = ref.assumption_sources()
    d = ref.default_assumptions()

    def flat(node, path=""):
        for k, v in node.items():
            p = f"{path}.{k}" if path else k
            if isinstance(v, dict):
                yield from flat(v, p)
            else:
                yield p, v
    assert dict(flat(d)) == dict(zip(src.key, src.value))
    assert src.key.is_unique and (src.source.str.len() > 10).all()


def test_defaults_missing_provenance_is_reported(tmp_path, monkeypatch):
    text = (paths.DATA_DIR / "defaults.yaml").read_text(encoding="utf-8")
    (tmp_path / "defaults.yaml").write_text(text.replace(
        "{value: 0.06, unit: \"1/yr (real)\", year: 2025,", "{value: 0.06, year: 2025,"), encoding="utf-8")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path)
    ref._defaults_tree.cache_clear()
    try:
        with pytest.raises(ref.DataFileError, match=r"defaults\.yaml: finance\.discount_rate_real: missing unit"):
            ref.default_assumptions()
    finally:
        monkeypatch.undo()
        ref._defaults_tree.cache_clear()


def test_money_model_defaults_tax_and_inflation():
    """Issue 11: tax basis and rates (EIT Law arts. 4 and 28, MOF/STA 2023 No. 12) and the CPI expectation."""
    d = ref.default_assumptions()
    assert d["tax"]["basis"] == "after_tax"
    assert d["tax"]["corporate_rate"] == 0.25
    assert d["tax"]["rate_small_low_profit"] == pytest.approx(0.25 * 0.20)   # 25 % of income taxed at 20 %
    assert d["tax"]["rate_high_tech"] == 0.15
    assert "corporate_tax_rate" not in d["finance"]          # moved to tax.corporate_rate (one place, read)
    assert 0.0 <= d["finance"]["inflation_rate"] <= 0.02      # between 2025 CPI (0 %) and the 2 % target
    src = ref.assumption_sources().set_index("key")
    assert src.loc["finance.inflation_rate", "is_estimate"]
    assert src.loc["finance.inflation_rate", "source"].startswith("ESTIMATE:")
    assert "range 0-0.02" in src.loc["finance.inflation_rate", "source"]
    for key, needle in (("tax.corporate_rate", "art. 4"), ("tax.rate_high_tech", "art. 28"),
                        ("tax.rate_small_low_profit", "2023 No. 12")):
        assert needle in src.loc[key, "source"] and not src.loc[key, "is_estimate"], key
    ranges = ref.assumption_ranges()
    assert ranges["tax"]["basis"]["choices"] == ["after_tax", "pre_tax"]
    assert ranges["tax"]["corporate_rate"]["range"] == [0, 0.5]
