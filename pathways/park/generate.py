"""Reproducible park generator: ``pathways park generate --firms N --seed S --city NAME --mix a:0.4,b:0.6 --out FILE``.

Draws (numpy ``default_rng(seed)``, one stream, in a fixed order, so the same arguments give the same file):
* sector: categorical with the ``--mix`` weights (normalised);
* annual electricity kWh, roof area m2: log-uniform within ``annual_kwh_min/max`` and ``roof_area_m2_min/max`` of
  ``data/sectors.csv`` (SME sizes are skewed: many small, few large firms);
* budget CNY/yr: a share of the electricity bill at 0.70 CNY/kWh drawn uniform in [0.10, 0.50], the rule behind
  the sector budget ranges in ``data/sectors.csv``, clipped to that range;
* digital maturity 1..5 from the sector's ``digital_maturity_p1..p5``;
* tenancy: rented with probability 0.4 (ESTIMATE: park SMEs often rent standard factory buildings); a rented
  firm's roof is not its own (no roof lease);
* roof type: metal (close-mount BAPV) with probability 0.7, else concrete (ESTIMATE), usable fraction 0.6.
Generated firms are light on purpose (``LIGHT``): eleven measures that most SMEs consider first (rooftop BAPV,
VSDs, compressed air, LED, chiller, heat pump for process heat or steam, boiler economiser, audit, carbon
inventory, sub-metering) and two financing modes (own, EMC PV) with a 6-year payback limit, so one firm's MILP
solves in a fraction of a second. Park level: budget, subsidy pool, programme capacity, CO2 targets cutting the
estimated baseline linearly to ``--target-cut`` by the last plan year (baseline estimated from electricity with
the province's grid factor and the sector's default fuel use), and the modelled park options.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml

from pathways.energy.load import fuel_use_by_end_use, read_sector_rows, sectors_file
from pathways.errors import InputError, problem, suggest
from pathways.reference import tables
from pathways.reference.catalog import load_catalog
from pathways.reference.cities import resolve_location
from pathways.vocabulary import SECTORS

LIGHT_KEEP = ("pv_bapv_metal", "pv_bapv_concrete", "vsd_fans", "vsd_pumps", "compressed_air_upgrade",
              "led_lighting_controls", "efficient_chiller_hvac", "hthp_steam_gas", "ashp_process_hot_water",
              "boiler_economiser_insulation", "energy_audit", "carbon_inventory_iso14064", "ems_submetering")
BILL_PRICE_CNY_PER_KWH = 0.70


def parse_mix(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, w = part.partition(":")
        name = name.strip()
        if name not in SECTORS:
            raise InputError(problem("--mix", name, "a sector: " + ", ".join(SECTORS), suggest(name, SECTORS)))
        try:
            weight = float(w) if w.strip() else 1.0
        except ValueError:
            raise InputError(problem("--mix", part, "sector:weight with a number weight")) from None
        if not math.isfinite(weight) or weight < 0:
            raise InputError(problem("--mix", part, "a weight >= 0"))
        out[name] = out.get(name, 0.0) + weight
    if not out or sum(out.values()) <= 0:
        raise InputError(problem("--mix", text, "at least one sector with a weight > 0, e.g. machinery:0.6,"
                                                "electronics:0.4"))
    return out


def _sector_numbers(sector: str) -> dict[str, float]:
    rows = read_sector_rows(str(sectors_file()))[sector]
    return {k: v[0] for k, v in rows.items()}


def _light_disable() -> list[str]:
    return sorted(m for m, x in load_catalog().measures.items() if x.scale == "individual" and m not in LIGHT_KEEP)


def generate_park(firms: int, seed: int, city: str, mix: dict[str, float] | str, *, name: str | None = None,
                  years: int = 5, target_cut: float = 0.10) -> dict:
    """The park as a plain dict (ready for YAML)."""
    if isinstance(mix, str):
        mix = parse_mix(mix)
    if not isinstance(firms, int) or firms < 1 or firms > 5000:
        raise InputError(problem("--firms", firms, "a whole number 1..5000"))
    if not 0 <= target_cut < 1:      # NaN fails too
        raise InputError(problem("--target-cut", target_cut, "a fraction in [0, 1)"))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
        raise InputError(problem("--seed", seed, "a whole number >= 0 (numpy default_rng seed)"))
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 15:
        raise InputError(problem("years", years, "a whole number from 1 to 15"))
    loc = resolve_location(name=city)
    rng = np.random.default_rng(seed)
    sectors = sorted(mix)
    p = np.array([mix[s] for s in sectors], dtype=float)
    p /= p.sum()
    disable = _light_disable()
    fuels = tables.load_fuels()
    gf = tables.grid_factor_kg_per_kwh(loc.province, 2026).value_kg_per_kwh / 1000.0
    out_firms, base_t, budgets = [], 0.0, 0.0
    for i in range(firms):
        sector = sectors[int(rng.choice(len(sectors), p=p))]
        S = _sector_numbers(sector)
        kwh = float(np.exp(rng.uniform(np.log(float(S["annual_kwh_min"])), np.log(float(S["annual_kwh_max"])))))
        roof = float(np.exp(rng.uniform(np.log(float(S["roof_area_m2_min"])), np.log(float(S["roof_area_m2_max"])))))
        share = rng.uniform(0.10, 0.50)
        budget = float(np.clip(share * kwh * BILL_PRICE_CNY_PER_KWH, float(S["budget_cny_per_year_min"]),
                               float(S["budget_cny_per_year_max"])))
        pm = np.array([float(S[f"digital_maturity_p{k}"]) for k in range(1, 6)])
        maturity = int(rng.choice(5, p=pm / pm.sum())) + 1
        rented = bool(rng.random() < 0.4)
        metal = bool(rng.random() < 0.7)
        kwh, roof, budget = round(kwh, -3), round(roof, -2), round(budget, -3)
        fuel = fuel_use_by_end_use(None, sector, kwh)
        base_t += kwh * gf + sum(q * fuels[c].co2_t_per_unit for u in fuel.values() for c, q in u.items())
        budgets += budget
        out_firms.append({
            "id": f"f{i + 1:04d}", "name": f"{sector.replace('_', ' ')} firm {i + 1}", "sector": sector,
            "tenancy": "rented" if rented else "owned",
            "electricity": {"annual_kwh": kwh},
            "roofs": [{"id": "main", "area_m2": roof, "usable_fraction": 0.6, "tilt_deg": 5 if metal else 0,
                       "azimuth_deg": 180, "roof_type": "metal" if metal else "concrete", "owned": not rented}],
            "finance": {"budget_cny_per_year": budget, "payback_limit_years": 6,
                        "allowed_financing_modes": ["own", "emc_pv"]},
            "digital_maturity": maturity,
            "measures": {"disable": disable}})
    cut = [target_cut * t / years for t in range(1, years + 1)]
    decline = 0.02
    targets = [round(base_t * (1 - decline) ** (t - 1) * (1 - c), -1) for t, c in enumerate(cut, start=1)]
    return {
        "name": name or f"{loc.name_en} generated park ({firms} firms, seed {seed})",
        "city": loc.name_en,
        "firms": out_firms,
        "park_options": ["park_shared_pv", "park_storage", "park_collective_procurement"],
        "budget_cny_per_year": float(round(max(5e6, 6e4 * firms), -3)),
        "subsidy_pool_cny_per_year": float(round(0.10 * budgets, -3)),
        "programme_capacity_firms_per_year": int(max(1, math.ceil(firms / 4))),
        "targets": {"co2_t_per_year": targets},
        "plan": {"years": years, "horizon_years": 20},
        "assumptions": {"park.shared_pv_land_m2": float(round(700.0 * firms, -2)),
                        "park.storage_max_kwh": float(round(min(200.0 * firms, 50000.0), -1))},
    }


def header(firms: int, seed: int, city: str, mix: str) -> str:
    return (f"# Generated by `pathways park generate --firms {firms} --seed {seed} --city {city} --mix {mix}`.\n"
            "# Numbers: firms drawn from the sector archetypes of data/sectors.csv (ranges of annual kWh, roof area,\n"
            "# budgets and digital maturity; params.md s9 estimates), tenancy and roof type by ESTIMATE shares; park\n"
            "# budget 60,000 CNY per firm per year (min 5 M), subsidy pool 10 % of the firms' budgets, programme\n"
            "# capacity a quarter of the firms per year, CO2 targets cutting the estimated baseline linearly to 10 %\n"
            "# below it by the last plan year, park land 700 m2 per firm for the shared PV plant (data/defaults.yaml\n"
            "# `park` group). See pathways/park/generate.py. Regenerate rather than edit by hand.\n")


def run_generate(args) -> int:
    if args.out not in (None, "-") and Path(args.out).is_dir():
        raise InputError(problem("--out", args.out, "is a directory; give the path of the YAML file to write"))
    data = generate_park(args.firms, args.seed, args.city, args.mix, name=args.name, target_cut=args.target_cut)

    class NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True
    text = header(args.firms, args.seed, args.city, args.mix) + yaml.dump(
        data, Dumper=NoAliases, sort_keys=False, allow_unicode=True, width=120)
    if args.out in (None, "-"):
        print(text, end="")
    else:
        try:
            with open(args.out, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise InputError(problem("--out", args.out, f"cannot be written ({exc.strerror or exc}); give a "
                                                        "writable file path")) from None
        print(f"wrote {args.out}: {args.firms} firms")
    return 0
