"""The domain words of pathways, each list defined once.

Schemas (``Literal[...]`` of these tuples), the catalog, the load and site builders, the model, the reports, the CLI
and the UI import their word lists from here; ``tests/test_vocabulary.py`` holds them against the data files
(``data/sectors.csv``, ``data/fuels.csv``, ``data/pv_mounting.csv``, ``data/catalog/*.csv``), checks that every word
has its English and Chinese label where the report or the UI shows it, and that no other module spells one of these
lists out again. Labels stay in the text modules (``planner.WHY_TEXT``, ``ui.texts.NAMES``). Adding a word means
adding it here, to its data rows and to its labels. The financing modes are the exception: each is a registered
record of ``pathways.money.financing`` with its behaviour and its labels, and their names (``FINANCING_MODES``)
and groups are derived there from the registry.

This module imports nothing from the package: it is the root of the import graph.
"""
from __future__ import annotations

#: Measure families of the catalog (data/catalog/measures.csv `family`).
FAMILIES = ("solar", "equipment", "energy_service", "carbon", "digital")

#: Industrial sectors with load defaults (data/sectors.csv `sector`).
SECTORS = ("machinery", "electronics", "textile_dyeing", "food", "building_materials", "plastics_rubber",
           "chemicals", "metal_products", "printing_packaging", "furniture_wood")

#: Shift patterns of a site's working hours (electricity.shifts).
SHIFTS = ("one", "two", "three", "continuous")

#: End uses of a site's electricity (data/sectors.csv `elec_share_<end use>`).
ELECTRIC_END_USES = ("motors_fans_pumps", "compressed_air", "lighting", "hvac", "process_electric", "other_electric")

#: End uses of a site's fuels (data/sectors.csv `fuel_<end use>_...`).
FUEL_END_USES = ("process_heat", "steam", "space_heat")

#: Every end use of a site: electric ones first, then the fuel ones.
END_USES = ELECTRIC_END_USES + FUEL_END_USES

#: What a measure can act on besides one end use (measures.csv `end_use`): all electricity, all energy, nothing.
AGGREGATE_END_USES = ("all_electricity", "all_energy", "none")

#: The `end_use` values a catalog measure may have.
MEASURE_END_USES = END_USES + AGGREGATE_END_USES

#: Fuel carriers a site may burn (data/fuels.csv `carrier`).
FUEL_CARRIERS = ("natural_gas", "coal", "diesel", "lpg", "purchased_steam")

#: Every energy carrier: grid electricity and the fuels (scope.csv `carriers`).
CARRIERS = ("electricity",) + FUEL_CARRIERS

#: Unit of a yearly quantity of each carrier (fuels.csv units are kWh or tCO2 per this unit).
CARRIER_UNITS = {"electricity": "kWh", "natural_gas": "Nm3", "coal": "t", "diesel": "L", "lpg": "kg",
                 "purchased_steam": "t"}

#: Asset classes: financing terms and tax lives differ by class (measures.csv and financing.csv `asset_class`).
ASSET_CLASSES = ("pv", "storage", "equipment", "service")

#: Plan objectives, in the order the CLI and the UI show them.
OBJECTIVES = ("npv", "min-cost", "max-abatement")

#: Roof types a roof segment may have (measures.csv `roof_types`).
ROOF_TYPES = ("metal", "concrete", "facade")

#: PV mountings (data/pv_mounting.csv `mounting`, measures.csv `mounting`).
MOUNTINGS = ("open_rack", "close_roof", "bipv_roof", "bipv_facade")

__all__ = ["FAMILIES", "SECTORS", "SHIFTS", "ELECTRIC_END_USES", "FUEL_END_USES", "END_USES", "AGGREGATE_END_USES",
           "MEASURE_END_USES", "FUEL_CARRIERS", "CARRIERS", "CARRIER_UNITS", "ASSET_CLASSES", "OBJECTIVES",
           "ROOF_TYPES", "MOUNTINGS"]
