"""Small synthetic planning problems (no data files) for the evaluator/MILP proof tests."""
from __future__ import annotations

import numpy as np

from pathways.money.economics import Economics
from pathways.site.problem import Option, Problem

HOURS = 8760


def flat_shape() -> np.ndarray:
    h = np.arange(HOURS) % 24
    shape = np.where((h >= 8) & (h < 20), 2.0, 1.0)
    return shape / shape.sum()


def tou_price() -> np.ndarray:
    h = np.arange(HOURS) % 24
    return np.select([(h >= 10) & (h < 15), (h >= 8) & (h < 22)], [1.2, 0.8], 0.35)


def pv_profile() -> np.ndarray:
    h = np.arange(HOURS) % 24
    return np.clip(np.sin((h - 6) / 12 * np.pi), 0, None) * 0.75


def base_problem(options, *, T=3, H=10, budget=None, rate=0.06, reinvest=False, target=None,
                 portfolio_payback=None, fuel=True, tax_rate=0.0, carry_over=False, inflation=0.0,
                 management_cap=1.0) -> Problem:
    return Problem(
        econ=Economics(discount_rate=rate, horizon_years=H, electricity_escalation=0.01, fuel_escalation=0.02,
                       carbon_escalation=0.03, tax_rate=tax_rate, inflation_rate=inflation),
        budget_carry_over=carry_over, tax_basis="after_tax" if tax_rate else "pre_tax",
        plan_years=T,
        electricity_end_uses_kwh={"motors_fans_pumps": 600_000.0, "compressed_air": 250_000.0, "lighting": 150_000.0},
        load_shape=flat_shape(), price_cny_per_kwh=tou_price(), export_price_cny_per_kwh=np.full(HOURS, 0.32),
        fuel_end_uses={"process_heat": {"natural_gas": 120_000.0}} if fuel else {},
        fuel_price_cny={"natural_gas": 3.8}, fuel_co2_t={"natural_gas": 0.00216},
        fuel_heat_kwh={"natural_gas": 9.5}, fuel_lhv_kwh={"natural_gas": 10.55},
        grid_co2_t_per_kwh=0.55e-3 * 0.98 ** np.arange(H),
        options=list(options), pv_profiles={"south": pv_profile()}, roof_area_m2={"roof_a": 3000.0},
        budget_cny=None if budget is None else np.asarray(budget, dtype=float), reinvest_savings=reinvest,
        co2_target_t=None if target is None else np.asarray(target, dtype=float),
        portfolio_payback_limit_years=portfolio_payback, carbon_credit_price_cny_per_t=40.0,
        management_cap_frac=management_cap,
    )


# cap on management and digital measures (chain_rank 2) for generated cases: 1 = no cap; the others bind as soon
# as the EMS of catalog_like_options (4 % on each end use) is taken, or two management options together
MANAGEMENT_CAPS = (1.0, 0.06, 0.02)


def management_options() -> list[Option]:
    """Two more management/digital options (chain_rank 2) overlapping the EMS of ``catalog_like_options``."""
    return [
        Option("iso", "iso", "energy_service", "chain", modes=("own",), lifetime_years=10, capex_cny=40_000,
               annual_cost_cny=8_000, chain_rank=2,
               effects=(("motors_fans_pumps", 0.034), ("compressed_air", 0.034), ("process_heat", 0.034))),
        Option("mes", "mes", "digital", "chain", modes=("own",), lifetime_years=8, capex_cny=60_000, chain_rank=2,
               effects=(("motors_fans_pumps", 0.03),)),
    ]


def catalog_like_options() -> list[Option]:
    return [
        Option("vsd", "vsd", "equipment", "chain", modes=("own", "shared_savings", "bank_loan"), lifetime_years=12,
               capex_cny=180_000, om_frac_capex_per_year=0.01, effects=(("motors_fans_pumps", 0.2),),
               tax_credit_frac=0.1),
        Option("ie5", "ie5", "equipment", "chain", modes=("own",), lifetime_years=15, capex_cny=120_000,
               effects=(("motors_fans_pumps", 0.04),)),
        Option("air", "air", "equipment", "chain", modes=("own", "guaranteed_savings", "energy_cost_hosting"),
               lifetime_years=10, capex_cny=90_000, om_cny_per_year=2_000, effects=(("compressed_air", 0.25),),
               prerequisites=("audit",)),
        Option("led", "led", "equipment", "chain", modes=("own", "finance_lease", "bank_loan"), lifetime_years=6,
               capex_cny=60_000, effects=(("lighting", 0.55),), tax_depreciation_years=5),
        Option("audit", "audit", "energy_service", "fixed", modes=("own",), lifetime_years=3, capex_cny=20_000),
        Option("hp", "hp", "equipment", "heat", modes=("own", "shared_savings", "finance_lease"), lifetime_years=15,
               capex_cny=500_000, om_frac_capex_per_year=0.015, heat_end_use="process_heat", heat_share=0.6,
               heat_cop=3.0, exclusive_groups=("heat_source",), chain_rank=1),
        Option("eboiler", "eboiler", "equipment", "heat", modes=("own",), lifetime_years=15, capex_cny=120_000,
               heat_end_use="process_heat", heat_share=1.0, heat_cop=0.97, exclusive_groups=("heat_source",),
               replaced_efficiency=0.8,
               chain_rank=1),
        Option("ems", "ems", "digital", "chain", modes=("own",), lifetime_years=10, capex_cny=150_000,
               annual_cost_cny=15_000, chain_rank=2, enables={"vsd": 0.1, "air": 0.15},
               effects=(("motors_fans_pumps", 0.04), ("compressed_air", 0.04), ("lighting", 0.04),
                        ("process_heat", 0.03))),
        Option("inventory", "inventory", "carbon", "fixed", modes=("own",), lifetime_years=30, annual_cost_cny=30_000),
        Option("inclusion", "inclusion", "carbon", "fixed", modes=("own",), lifetime_years=30, capex_cny=5_000,
               annual_cost_cny=2_000, carbon_credit_share=0.5, prerequisites=("inventory",),
               credit_price_cny_per_t=60.0),
    ]


def pv_option(mode_list=("own", "emc_pv", "roof_lease"), max_kwp=400.0) -> Option:
    return Option("pv@roof_a", "bapv_metal", "solar", "pv", modes=tuple(mode_list), lifetime_years=25,
                  size=max_kwp, size_unit="kWp", capex_cny_per_unit=2_900, om_cny_per_year=0,
                  om_frac_capex_per_year=0.014, roof_id="roof_a", profile_key="south", area_m2_per_unit=1000 / 170,
                  exclusive_groups=("roof_pv@roof_a",))
