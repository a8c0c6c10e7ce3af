"""Build data/grid_factors.csv, data/province_regions.csv, data/carbon_prices.csv and data/fuels.csv.

The numbers are transcribed from the project's sourced parameter compilation (params.md sections 1, 2.5, 6, which
cite the primary documents given in each row's `source`), or derived here from named standard factors (fuels).
Run: python scripts/build_reference_tables.py   (rewrites the four files; deterministic)
"""
from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"

# ------------------------------------------------------------------------------------------------ grid factors
SRC_2021 = ("MEE & NBS Announcement 2024 No.12 (2024-04-12), 2021 electricity CO2 factors; via szcbn.com/newsinfo/"
            "7157203.html and Beijing News (daydaynews.cc/zh-hant/finance/3899452.html)")
SRC_2022 = ("MEE & NBS announcement 2024-12-20, 2022 electricity CO2 factors; via Beijing News "
            "(daydaynews.cc/zh-hant/finance/3899452.html)")
SRC_2023 = ("MEE & NBS announcement Jan 2026, 2023 electricity CO2 factors; via Guangming Daily "
            "(163.com/dy/article/KIQVBKCG05567I2C.html) and China Electric Power News 2026-01-15")
SRC_REGION_2021 = ("2021 regional factors (MEE/NBS 2024 No.12) as transcribed in a public GitHub data file "
                   "electricityEmissionFactors (code index id 18672665361)")
SRC_PROV = ("MEE/NBS provincial factors as transcribed in a public GitHub data file electricityEmissionFactors "
            "(code index id 18672665361); 2022 values match the official top/bottom five quoted by Beijing News")

NATIONAL = [  # scope, year, value, source, confidence
    ("national", 2021, 0.5568, SRC_2021, "H"), ("national", 2022, 0.5366, SRC_2022, "H"),
    ("national", 2023, 0.5306, SRC_2023, "H"),
    ("national_residual", 2021, 0.5942, SRC_2021, "H"), ("national_residual", 2022, 0.5856, SRC_2022, "H"),
    ("national_residual", 2023, 0.6096, SRC_2023, "H"),
    ("national_fossil", 2021, 0.8426, SRC_2021, "H"), ("national_fossil", 2022, 0.8325, SRC_2022, "H"),
    ("national_fossil", 2023, 0.8273, SRC_2023, "H"),
]
REGIONS = {  # name: (2021, 2022, 2023)
    "North China": (0.7120, 0.6776, 0.6361), "Northeast": (0.6012, 0.5564, 0.5122),
    "East China": (0.5992, 0.5617, 0.5500), "Central China": (0.5354, 0.5395, 0.5271),
    "Northwest": (0.5951, 0.5857, 0.5543), "South China": (0.4326, 0.3869, 0.4042),
    "Southwest": (0.2113, 0.2268, 0.2472),
}
PROVINCES = {  # name: (2021, 2022)
    "Jiangsu": (0.6451, 0.5978), "Zhejiang": (0.5422, 0.5153), "Shanghai": (0.5834, 0.5849),
    "Guangdong": (0.4715, 0.4403), "Shandong": (0.6838, 0.6410), "Beijing": (0.5688, 0.5580),
    "Tianjin": (0.7355, 0.7041), "Hebei": (0.7901, 0.7252), "Anhui": (0.7075, 0.6782),
    "Fujian": (0.4711, 0.4092), "Henan": (0.6369, 0.6058), "Hubei": (0.3672, 0.4364),
    "Hunan": (0.5138, 0.4900), "Jiangxi": (0.5835, 0.5752), "Sichuan": (0.1255, 0.1404),
    "Chongqing": (0.4743, 0.5227), "Yunnan": (0.1235, 0.1073), "Guangxi": (0.5154, 0.4044),
    "Hainan": (0.4524, 0.4184), "Guizhou": (0.5182, 0.4989), "Shaanxi": (0.6336, 0.6558),
    "Shanxi": (0.7222, 0.7096), "Inner Mongolia": (0.7025, 0.6849), "Liaoning": (0.5876, 0.5626),
    "Jilin": (0.5629, 0.4932), "Heilongjiang": (0.6342, 0.5368), "Gansu": (0.4955, 0.4772),
    "Qinghai": (0.1326, 0.1567), "Ningxia": (0.6546, 0.6423), "Xinjiang": (0.6577, 0.6231),
}
# province -> (province_zh, grid region). East China and South China memberships are stated in params.md 1.2;
# the rest follow the regional-grid split of the MEE/NBS 2021-2023 announcements (Southwest = Sichuan, Chongqing,
# Tibet). Inner Mongolia is split (west: North China, east: Northeast); mapped to North China (Hohhot, Baotou,
# Ordos are in the west).
REGION_OF = {
    "Beijing": ("北京", "North China"), "Tianjin": ("天津", "North China"), "Hebei": ("河北", "North China"),
    "Shanxi": ("山西", "North China"), "Shandong": ("山东", "North China"),
    "Inner Mongolia": ("内蒙古", "North China"),
    "Liaoning": ("辽宁", "Northeast"), "Jilin": ("吉林", "Northeast"), "Heilongjiang": ("黑龙江", "Northeast"),
    "Shanghai": ("上海", "East China"), "Jiangsu": ("江苏", "East China"), "Zhejiang": ("浙江", "East China"),
    "Anhui": ("安徽", "East China"), "Fujian": ("福建", "East China"),
    "Henan": ("河南", "Central China"), "Hubei": ("湖北", "Central China"), "Hunan": ("湖南", "Central China"),
    "Jiangxi": ("江西", "Central China"),
    "Shaanxi": ("陕西", "Northwest"), "Gansu": ("甘肃", "Northwest"), "Qinghai": ("青海", "Northwest"),
    "Ningxia": ("宁夏", "Northwest"), "Xinjiang": ("新疆", "Northwest"),
    "Guangdong": ("广东", "South China"), "Guangxi": ("广西", "South China"), "Yunnan": ("云南", "South China"),
    "Guizhou": ("贵州", "South China"), "Hainan": ("海南", "South China"),
    "Sichuan": ("四川", "Southwest"), "Chongqing": ("重庆", "Southwest"), "Tibet": ("西藏", "Southwest"),
}
REGION_ZH = {"North China": "华北", "Northeast": "东北", "East China": "华东", "Central China": "华中",
             "Northwest": "西北", "South China": "南方", "Southwest": "西南"}


def grid_rows() -> list[list]:
    rows = []
    for scope, year, v, src, conf in NATIONAL:
        rows.append([scope, "China", year, v, "kgCO2/kWh", src, conf, False])
    for name, vals in REGIONS.items():
        for year, v in zip((2021, 2022, 2023), vals):
            src = {2021: SRC_REGION_2021, 2022: SRC_2022, 2023: SRC_2023}[year]
            rows.append(["region", name, year, v, "kgCO2/kWh", src, "M" if year == 2021 else "H", False])
    for name, vals in PROVINCES.items():
        for year, v in zip((2021, 2022), vals):
            rows.append(["province", name, year, v, "kgCO2/kWh", SRC_PROV, "M", False])
    return rows


# ------------------------------------------------------------------------------------------------ carbon prices
L25 = "2025 carbon-market review, lvxunhk.com/newsdetail.aspx?bsid=4066"
CARBON = [  # instrument, region, statistic, year, value, unit, source, confidence, is_estimate, note
    ("cea", "national", "first_day_close", 2021, 52.78, "CNY/tCO2", "tanpaifang.com/tanjiaoyi/2022/0224/82902.html", "M", False, "launch 2021-07-16, opening 48"),
    ("cea", "national", "year_end_close", 2021, 54.22, "CNY/tCO2", "Shanghai Environment and Energy Exchange via cmgroup.net", "H", False, ""),
    ("cea", "national", "year_end_close", 2023, 79.4, "CNY/tCO2", "implied by the 2024 close +22.75 %; Science & Technology Daily via dxknews.com", "H", False, "implied"),
    ("cea", "national", "year_end_close", 2024, 97.49, "CNY/tCO2", "Science & Technology Daily via dxknews.com", "H", False, ""),
    ("cea", "national", "compliance_year_avg", 2022, 52.84, "CNY/tCO2", "SEEE via The Paper (tm-ep.cn/en/index.php/ld-30-120)", "M", False, "Jul 2021-Jul 2022"),
    ("cea", "national", "compliance_year_avg", 2023, 57.05, "CNY/tCO2", "SEEE via The Paper (tm-ep.cn/en/index.php/ld-30-120)", "M", False, "Jul 2022-Jul 2023"),
    ("cea", "national", "compliance_year_avg", 2024, 80.08, "CNY/tCO2", "SEEE via The Paper (tm-ep.cn/en/index.php/ld-30-120)", "M", False, "Jul 2023-Jul 2024"),
    ("cea", "national", "compliance_year_avg", 2025, 89.06, "CNY/tCO2", "SEEE via The Paper (tm-ep.cn/en/index.php/ld-30-120)", "M", False, "Jul 2024-Jul 2025"),
    ("cea", "national", "annual_avg", 2024, 95.8, "CNY/tCO2", "MEE 2025-01-06 (People's Daily): 189 Mt, CNY 18.114 bn", "H", False, "volume-weighted, implied"),
    ("cea", "national", "annual_avg", 2025, 62.36, "CNY/tCO2", L25, "M", False, "235 Mt, CNY 14.63 bn, -35.06 % y/y"),
    ("cea", "national", "all_time_high", 2024, 105.66, "CNY/tCO2", "Caixin 2025-09-08; Securities Times via reportify.ai", "M", False, "2024-11-13"),
    ("cea", "national", "scenario_low", 2025, 60.0, "CNY/tCO2", "ESTIMATE: near the 2025 average 62.36 (params.md 6.1)", "E", True, ""),
    ("cea", "national", "scenario_base", 2025, 75.0, "CNY/tCO2", "ESTIMATE: mid-2025 level (params.md 6.1)", "E", True, ""),
    ("cea", "national", "scenario_high", 2025, 105.0, "CNY/tCO2", "ESTIMATE: all-time high 105.66 (params.md 6.1)", "E", True, ""),
    ("cea", "national", "survey_expectation", 2025, 87.0, "CNY/tCO2", "China Carbon Pricing Survey 2021 via tanpaifang.com", "M", False, "expectation made in 2021"),
    ("cea", "national", "survey_expectation", 2030, 139.0, "CNY/tCO2", "China Carbon Pricing Survey 2021 via tanpaifang.com", "M", False, "expectation made in 2021"),
    ("ccer", "national", "annual_avg", 2025, 70.76, "CNY/tCO2", L25, "M", False, "8.84 Mt, CNY 626 M"),
    ("ccer", "national", "range_low", 2025, 60.0, "CNY/tCO2", "theedgesingapore.com; ditan.com/carbon/ccer/8214.html", "M", False, "2025 trading range"),
    ("ccer", "national", "range_high", 2025, 80.0, "CNY/tCO2", "theedgesingapore.com; ditan.com/carbon/ccer/8214.html", "M", False, "2025 trading range"),
    ("ccer", "national", "offset_limit_share", 2025, 0.05, "fraction of allowances", "Bloomberg via theedgesingapore.com", "M", False, "CCER use in national ETS compliance"),
    ("pilot_ets", "pilots", "annual_avg", 2025, 40.36, "CNY/tCO2", L25, "M", False, "all regional pilot markets, 26.16 Mt"),
    ("carbon_inclusion", "Guangdong", "trade_price", 2020, 36.0, "CNY/tCO2", "People's Daily en.people.cn/n3/2020/0707/c90000-9707586.html", "M", False, "PHCER, forestry"),
    ("carbon_inclusion", "Beijing", "annual_avg", 2018, 22.68, "CNY/tCO2", "Beijing Carbon Market Annual Report 2018 via gdnykx.cnjournals.org", "M", False, "forestry carbon sink"),
    ("carbon_inclusion", "national", "default", 2025, 40.0, "CNY/tCO2", "ESTIMATE: SME credits under city schemes, range 20-60, below CCER and pilot ETS (params.md 6.2)", "E", True, "no post-2020 carbon-inclusion price found"),
    ("gec", "national", "price_centralised", 2025, 7.82, "CNY/MWh", "Fudan index Aug 2025 via reportify.ai", "M", False, "2025 vintage; 1 certificate = 1 MWh"),
    ("gec", "national", "price_distributed", 2025, 6.94, "CNY/MWh", "Fudan index Aug 2025 via reportify.ai", "M", False, "2025 vintage; 1 certificate = 1 MWh"),
    ("gec", "national", "price_biomass", 2025, 6.77, "CNY/MWh", "Fudan index Aug 2025 via reportify.ai", "M", False, "2025 vintage; 1 certificate = 1 MWh"),
    ("eu_cbam", "EU", "definitive_phase_start", 2026, 2026, "year", "EU DG TAXUD 2025-10-20", "H", False, "transitional reporting 2023-10-01 to 2025-12-31; certificates for 2026 imports sold from Feb 2027"),
    ("eu_cbam", "EU", "de_minimis_t_per_year", 2025, 50.0, "t goods/yr per importer", "Reg. (EU) 2025/2083; DG TAXUD; EP OEIL", "H", False, "iron/steel, aluminium, cement, fertiliser"),
    ("eu_ets", "EU", "typical_price", 2025, 75.0, "EUR/tCO2", "ESTIMATE: EUA traded roughly 60-85 EUR/t in 2025; not in the source compilation, verify", "E", True, "context for CBAM exposure only"),
    ("fx", "EU", "cny_per_eur", 2025, 8.0, "CNY/EUR", "ESTIMATE: 2025 range about 7.6-8.4; verify", "E", True, "for converting EU prices"),
]

# ------------------------------------------------------------------------------------------------ fuels
# Primitive factors: NDRC GHG accounting guidelines for enterprises (2015, other industrial sectors, appendix
# table; same values as GB/T 32150-2015 appendix), transcribed in a public GitHub file (code index id
# 18294087442). Per unit: LHV GJ, carbon content tC/GJ, oxidation rate.
GUIDE = ("NDRC GHG accounting guideline for industrial enterprises (2015) / GB/T 32150-2015 appendix defaults, "
         "as transcribed in a public GitHub file (code index id 18294087442)")
C_TO_CO2 = 44.0 / 12.0
GJ_TO_KWH = 1e6 / 3600.0
FUEL_PRIMITIVES = {  # carrier: (unit, LHV GJ per unit, tC per GJ, oxidation, note)
    "natural_gas": ("Nm3", 389.31 / 1e4, 0.01530, 0.99, "389.31 GJ per 10^4 Nm3"),
    "coal": ("t", 23.204, 0.02618, 0.93, "bituminous coal (烟煤); close to the 5,500 kcal/kg price basis"),
    "diesel": ("L", 43.33e-3 * 0.84, 0.02020, 0.98, "43.33 GJ/t x 0.84 kg/L (0# diesel density, ESTIMATE)"),
    "lpg": ("kg", 47.31e-3, 0.01720, 0.99, "47.31 GJ/t"),
}
STEAM_HEAT_GJ_PER_T = (2769.0 - 84.0) / 1000.0  # saturated steam ~0.8 MPa(a) minus 20 C condensate (IAPWS tables)
HEAT_CO2_T_PER_GJ = 0.11


def fuel_rows() -> list[list]:
    rows = []
    for carrier, (unit, gj, c, ox, note) in FUEL_PRIMITIVES.items():
        est = carrier == "diesel"
        rows.append([carrier, "lhv_kwh_per_unit", round(gj * GJ_TO_KWH, 4), f"kWh/{unit}", 2015, GUIDE, est,
                     note])
        rows.append([carrier, "co2_t_per_unit", round(gj * c * ox * C_TO_CO2, 7), f"tCO2/{unit}", 2015, GUIDE,
                     est, f"LHV x {c} tC/GJ x oxidation {ox} x 44/12"])
    rows += [
        ["purchased_steam", "lhv_kwh_per_unit", round(STEAM_HEAT_GJ_PER_T * GJ_TO_KWH, 4), "kWh/t", 2025,
         "ESTIMATE: enthalpy of saturated steam at about 0.8 MPa (2769 kJ/kg) minus 20 C condensate (84 kJ/kg), "
         "IAPWS-IF97 steam tables", True, "useful heat delivered per tonne; condensate not returned"],
        ["purchased_steam", "co2_t_per_unit", round(STEAM_HEAT_GJ_PER_T * HEAT_CO2_T_PER_GJ, 7), "tCO2/t", 2015,
         "0.11 tCO2/GJ default factor for purchased heat (NDRC industrial GHG accounting guidelines 2015) x the "
         "heat content above", True, "scope 2 (indirect)"],
        ["natural_gas", "price_cny_per_unit", 3.8, "CNY/Nm3", 2025,
         "ESTIMATE: East-China delivered industrial gas 3.4-4.5; LNG wholesale 3,500-4,300 CNY/t (SunSirs, SCI99) "
         "plus city-gas margin (params.md 2.5)", True, ""],
        ["coal", "price_cny_per_unit", 800.0, "CNY/t", 2025,
         "ESTIMATE: delivered 5,500 kcal steam coal East China 750-900; Bohai-Rim spot 650-865 in 2025 (CCTD, "
         "SunSirs) plus freight (params.md 2.5)", True, ""],
        ["diesel", "price_cny_per_unit", 7.2, "CNY/L", 2025,
         "ESTIMATE: 0# diesel retail about 7.0-7.6 CNY/L in 2025 under NDRC price caps; not in the source "
         "compilation, verify", True, ""],
        ["lpg", "price_cny_per_unit", 5.5, "CNY/kg", 2025,
         "ESTIMATE: bulk/bottled industrial LPG about 4,500-6,500 CNY/t in 2025; not in the source compilation, "
         "verify", True, ""],
        ["purchased_steam", "price_cny_per_unit", 250.0, "CNY/t", 2025,
         "ESTIMATE: industrial-park steam in East China about 200-320 CNY/t; not in the source compilation, verify",
         True, ""],
        ["natural_gas", "boiler_efficiency", 0.90, "fraction (useful heat / LHV)", 2025,
         "ESTIMATE: gas boiler 0.88-0.92 (params.md 4)", True, ""],
        ["coal", "boiler_efficiency", 0.75, "fraction (useful heat / LHV)", 2025,
         "ESTIMATE: small coal boiler 0.70-0.80 (params.md 4)", True, ""],
        ["diesel", "boiler_efficiency", 0.88, "fraction (useful heat / LHV)", 2025,
         "ESTIMATE: oil-fired boiler, similar to gas minus 2 points", True, ""],
        ["lpg", "boiler_efficiency", 0.90, "fraction (useful heat / LHV)", 2025,
         "ESTIMATE: as natural gas", True, ""],
        ["purchased_steam", "boiler_efficiency", 1.0, "fraction (useful heat / delivered heat)", 2025,
         "convention: purchased steam is already useful heat (site distribution losses ignored)", True, ""],
    ]
    return rows


def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(DATA / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows([[str(x).lower() if isinstance(x, bool) else x for x in r] for r in rows])


def main() -> None:
    write("grid_factors.csv", ["scope", "name", "year", "value_kg_per_kwh", "unit", "source", "confidence",
                               "is_estimate"], grid_rows())
    region_src = ("params.md 1.2 (East China, South China members); other members per the MEE/NBS 2021-2023 "
                  "regional split; Inner Mongolia mapped to North China (west grid)")
    write("province_regions.csv", ["province", "province_zh", "grid_region", "grid_region_zh", "source",
                                   "is_estimate"],
          [[p, zh, r, REGION_ZH[r], region_src, p == "Inner Mongolia"] for p, (zh, r) in REGION_OF.items()])
    write("carbon_prices.csv", ["instrument", "region", "statistic", "year", "value", "unit", "source",
                                "confidence", "is_estimate", "note"], [list(r) for r in CARBON])
    write("fuels.csv", ["carrier", "parameter", "value", "unit", "year", "source", "is_estimate", "note"],
          fuel_rows())
    print("wrote grid_factors.csv, province_regions.csv, carbon_prices.csv, fuels.csv")


if __name__ == "__main__":
    main()
