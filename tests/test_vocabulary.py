"""The domain words are defined once (pathways/vocabulary.py) and agree with the data files and the labels."""
from __future__ import annotations

import ast
import csv
import re
import typing
from pathlib import Path

import pytest

from pathways import vocabulary as v
from pathways.money import financing as f          # the financing modes' names and groups, derived from its registry

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pathways"
DATA = ROOT / "data"
WORD_LISTS = {name: getattr(v, name) for name in v.__all__ if isinstance(getattr(v, name), tuple)}
MODE_LISTS = {name: getattr(f, name) for name in ("FINANCING_MODES", "OWN_LIKE", "BORROWED", "THIRD_PARTY",
                                                  "PV_ONLY_MODES", "PV_MODES", "BATTERY_MODES")}
CJK = re.compile(r"[\u4e00-\u9fff]")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def split(cell: str) -> set[str]:
    return {x for x in cell.split(";") if x}


# ------------------------------------------------------------------------------------------ the module itself
def test_vocabulary_imports_nothing_from_the_package():
    tree = ast.parse((PACKAGE / "vocabulary.py").read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [(getattr(n, "module", None), n.level if isinstance(n, ast.ImportFrom) else 0) for n in imports] \
        == [("__future__", 0)]


def test_every_word_list_is_documented_and_has_no_repeats():
    lines = (PACKAGE / "vocabulary.py").read_text(encoding="utf-8").splitlines()
    for name, words in WORD_LISTS.items():
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{name} = "))
        assert lines[at - 1].startswith("#: ") and len(lines[at - 1]) > 10, f"{name} has no one-line comment"
        assert len(set(words)) == len(words) > 0, name
        assert all(isinstance(w, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", w) for w in words), name


def test_mode_groups_partition_the_modes():
    assert set(f.OWN_LIKE) | set(f.THIRD_PARTY) == set(f.FINANCING_MODES)
    assert not set(f.OWN_LIKE) & set(f.THIRD_PARTY)
    assert set(f.BORROWED) < set(f.OWN_LIKE)
    assert set(f.PV_ONLY_MODES) < set(f.THIRD_PARTY)
    assert set(f.PV_MODES) < set(f.FINANCING_MODES) and set(f.PV_ONLY_MODES) < set(f.PV_MODES)
    assert set(f.BATTERY_MODES) < set(f.FINANCING_MODES) and not set(f.BATTERY_MODES) & set(f.PV_ONLY_MODES)
    assert "own" in f.PV_MODES and "own" in f.BATTERY_MODES


def test_end_uses_and_carriers_are_built_from_their_parts():
    assert v.END_USES == v.ELECTRIC_END_USES + v.FUEL_END_USES
    assert not set(v.ELECTRIC_END_USES) & set(v.FUEL_END_USES)
    assert v.MEASURE_END_USES == v.END_USES + v.AGGREGATE_END_USES
    assert v.CARRIERS == ("electricity",) + v.FUEL_CARRIERS
    assert tuple(v.CARRIER_UNITS) == v.CARRIERS


def test_old_names_are_the_vocabulary_objects():
    """Modules that kept their old names re-export the vocabulary's tuples rather than copies."""
    from pathways.reference import catalog
    from pathways.cli import main as cli
    from pathways.energy import heat as heat_demand
    from pathways.energy import load
    from pathways.site import problem
    from pathways.energy import pv
    from pathways.inputs import schema
    from pathways.site import build as site
    from pathways.site import sizing
    assert schema.FINANCING_MODES is catalog.FINANCING_MODES is f.FINANCING_MODES
    assert schema.FAMILIES is catalog.FAMILIES is v.FAMILIES
    assert schema.SECTORS is load.SECTORS is v.SECTORS
    assert load.SHIFTS is heat_demand.SHIFTS is schema.SHIFTS is v.SHIFTS
    assert site.ELECTRIC_END_USES is load.ELECTRIC_END_USES is catalog.ELECTRIC_END_USES is v.ELECTRIC_END_USES
    assert heat_demand.HEAT_END_USES is load.FUEL_END_USES is v.FUEL_END_USES
    assert catalog.END_USES is v.MEASURE_END_USES and catalog.SCOPE_CARRIERS is v.CARRIERS
    assert (sizing.PV_MODES, sizing.BATTERY_MODES) == (f.PV_MODES, f.BATTERY_MODES)
    assert problem.ASSET_CLASSES is catalog.ASSET_CLASSES is v.ASSET_CLASSES
    assert pv.MOUNTINGS is schema.MOUNTINGS is v.MOUNTINGS
    assert schema.CARRIER_UNITS is v.CARRIER_UNITS
    assert catalog.CARRIER_UNITS == {c: v.CARRIER_UNITS[c] for c in v.FUEL_CARRIERS}
    assert cli.OBJECTIVES is v.OBJECTIVES


def test_schema_literals_are_the_vocabulary():
    from pathways.inputs import schema
    for alias, words in [(schema.Family, v.FAMILIES), (schema.Sector, v.SECTORS),
                         (schema.FinancingMode, f.FINANCING_MODES), (schema.ElectricEndUse, v.ELECTRIC_END_USES),
                         (schema.FuelEndUse, v.FUEL_END_USES), (schema.FuelCarrier, v.FUEL_CARRIERS),
                         (schema.Shift, v.SHIFTS), (schema.RoofType, v.ROOF_TYPES), (schema.Mounting, v.MOUNTINGS)]:
        assert typing.get_args(alias) == words
    with pytest.raises(schema.InputError) as err:
        schema.validate_model(schema.Fuel, {"carrier": "natural_gaz", "annual_quantity": 1.0, "end_use": "steam"})
    assert str(err.value).startswith("carrier: 'natural_gaz' -- must be one of " + ", ".join(v.FUEL_CARRIERS))


# ------------------------------------------------------------------------------------------ one definition
def string_collections(tree: ast.AST):
    """Tuple, list and set literals made only of string constants (``Literal["a", "b"]`` holds one too)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            yield node.lineno, frozenset(e.value for e in node.elts)


def test_no_other_module_spells_out_a_word_list():
    lists = {frozenset(words): name for name, words in {**WORD_LISTS, **MODE_LISTS}.items() if len(words) >= 3}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "vocabulary.py" and path.parent == PACKAGE:
            continue
        for line, words in string_collections(ast.parse(path.read_text(encoding="utf-8"))):
            if words in lists:
                found.append(f"{path.relative_to(ROOT)}:{line} repeats vocabulary.{lists[words]}")
    assert found == []


def test_the_scan_finds_a_repeat():
    """The scan above would see a copy, in whatever order and container."""
    source = 'X = ("lpg", "coal", "diesel", "purchased_steam", "natural_gas")\nY: Literal["one", "two"]\n'
    assert frozenset(v.FUEL_CARRIERS) in {words for _, words in string_collections(ast.parse(source))}


def test_objectives_in_the_order_the_cli_shows(capsys):
    from pathways.cli.main import build_parser
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--help"])
    shown = re.search(r"--objective \{([^}]*)\}", capsys.readouterr().out).group(1)
    assert tuple(shown.split(",")) == v.OBJECTIVES == ("npv", "min-cost", "max-abatement")
    assert build_parser().parse_args(["plan", "m.yaml"]).objective == v.OBJECTIVES[0]
    from pathways.inputs import sweep
    from pathways.model import planner
    assert planner.OBJECTIVES is sweep.OBJECTIVES is v.OBJECTIVES


# ------------------------------------------------------------------------------------------ data files
def test_sectors_csv_has_every_sector_and_end_use():
    table = rows(DATA / "sectors.csv")
    assert {r["sector"] for r in table} == set(v.SECTORS)
    for sector in v.SECTORS:
        params = {r["parameter"]: r["value"] for r in table if r["sector"] == sector}
        assert {p[len("elec_share_"):] for p in params if p.startswith("elec_share_")} == set(v.ELECTRIC_END_USES)
        fuel = {p[len("fuel_"):-len("_carrier")]: val for p, val in params.items()
                if p.startswith("fuel_") and p.endswith("_carrier")}
        assert set(fuel) == set(v.FUEL_END_USES), sector
        assert set(fuel.values()) <= set(v.FUEL_CARRIERS), sector
        assert params["default_shifts"] in v.SHIFTS


def test_fuels_csv_has_every_fuel_carrier_in_its_unit():
    table = rows(DATA / "fuels.csv")
    assert {r["carrier"] for r in table} == set(v.FUEL_CARRIERS)
    for r in table:
        if r["parameter"] == "lhv_kwh_per_unit":
            assert r["unit"] == "kWh/" + v.CARRIER_UNITS[r["carrier"]]


def test_pv_mounting_and_heat_hours_use_the_vocabulary():
    assert {r["mounting"] for r in rows(DATA / "pv_mounting.csv")} == set(v.MOUNTINGS)
    heat = rows(DATA / "heat_hours.csv")
    assert {r["end_use"] for r in heat} == set(v.FUEL_END_USES)
    assert {r["key"] for r in heat if r["end_use"] != "space_heat"} == set(v.SHIFTS)


def test_measures_csv_uses_the_vocabulary():
    table = rows(DATA / "catalog" / "measures.csv")
    assert {r["family"] for r in table} == set(v.FAMILIES)
    modes = [split(r["financing_modes"]) for r in table]
    assert set().union(*modes) == set(f.FINANCING_MODES)
    assert {r["end_use"] for r in table} <= set(v.MEASURE_END_USES)
    assert {r["asset_class"] for r in table} == set(v.ASSET_CLASSES)
    assert set().union(*(split(r["roof_types"]) for r in table)) == set(v.ROOF_TYPES)
    assert {r["mounting"] for r in table if r["mounting"]} <= set(v.MOUNTINGS)
    assert {r["replaces_carrier"] for r in table if r["replaces_carrier"]} <= set(v.FUEL_CARRIERS)
    for r, m in zip(table, modes):   # the site offers PV and storage only in these modes: none may be lost
        allowed = {"roof_kwp": f.PV_MODES, "battery_kwh": f.BATTERY_MODES}.get(r["sizing_rule"])
        if allowed is not None:
            assert m <= set(allowed), r["measure_id"]
        else:
            assert not m & set(f.PV_ONLY_MODES), r["measure_id"]


def test_scope_and_financing_csv_use_the_vocabulary():
    scope = rows(DATA / "catalog" / "scope.csv")
    assert set().union(*(split(r["end_uses"]) for r in scope)) <= set(v.END_USES)
    assert set().union(*(split(r["carriers"]) for r in scope)) <= set(v.CARRIERS)
    fin = rows(DATA / "catalog" / "financing.csv")
    assert {r["mode"] for r in fin} == set(f.FINANCING_MODES)
    assert {r["asset_class"] for r in fin} <= {"all", *v.ASSET_CLASSES}
    subsidies = DATA / "catalog" / "interest_subsidies.csv"
    if subsidies.exists():
        assert {r["mode"] for r in rows(subsidies)} <= set(f.FINANCING_MODES)


# ------------------------------------------------------------------------------------------ labels
def assert_labels(table: dict[str, dict[str, str]], words, what: str) -> None:
    for lg in ("en", "zh"):
        missing = [w for w in words if not str(table[lg].get(w, "")).strip()]
        assert missing == [], f"{what}: no {lg} label for {missing}"
    assert all(CJK.search(table["zh"][w]) for w in words), f"{what}: a zh label without Chinese"


def test_report_labels_every_mode_and_asset_class():
    from pathways.model import planner
    from pathways.results import report
    from pathways.model import estimates
    assert_labels(f.MODE_TEXT, f.FINANCING_MODES, "financing.MODE_TEXT")
    assert report.MODE_TEXT is f.MODE_TEXT
    assert_labels(estimates.CLASS_SUFFIX, v.ASSET_CLASSES, "estimates.CLASS_SUFFIX")
    # why_text names the contract of every mode but own
    why = {lg: planner.WHY_TEXT[lg]["mode"] for lg in ("en", "zh")}
    assert_labels(why, [m for m in f.FINANCING_MODES if m != "own"], "planner.WHY_TEXT mode")


def test_ui_labels_every_word_it_shows():
    from pathways.ui import texts
    for kind, words in [("sector", v.SECTORS), ("family", v.FAMILIES), ("shifts", v.SHIFTS),
                        ("carrier", v.FUEL_CARRIERS), ("end_use", v.END_USES), ("mode", f.FINANCING_MODES)]:
        assert_labels(texts.NAMES[kind], words, f"ui.texts.NAMES[{kind!r}]")
    for prefix, words in [("obj_", v.OBJECTIVES), ("lever_", v.FAMILIES)]:
        assert_labels({lg: {w: texts.TEXT[lg].get(prefix + w, "") for w in words} for lg in ("en", "zh")}, words,
                      f"ui.texts.TEXT {prefix}*")
