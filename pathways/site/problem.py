"""The planning problem of one site as plain numbers, shared by the evaluator and the MILP.

A ``Problem`` is built from a site file by ``pathways.site.build.build_problem`` (data, weather, tariff, catalog) or
directly in tests. Nothing in here reads files.

Energy model (the evaluator computes it exactly; the MILP linearises it, see ``pathways.model.milp``):

* Electricity end uses e have baseline kWh/yr ``B_e``; fuel end uses f have baseline quantities ``Q_fc`` by carrier.
  All electricity follows one hourly shape (``load_shape``), so any saving scales the whole hourly load by the
  ratio r_k = (electricity in year k) / (baseline electricity).
* Savings on one end use stack multiplicatively, applied in the canonical order of ``Problem.options`` (end-use
  measures, then heat sources, then site-wide measures): remaining fraction R <- R * (1 - f_i), and the saving
  attributed to option i is (R before i) * f_i * baseline. Digital tools raise an enabled option's fraction to
  f_i * (1 + sum of active boosts); site-wide (management and digital) tools act with f * (1 - rebound) on the
  end uses and carriers of their catalog scope (``data/catalog/scope.csv``).
* Management cap: together the site-wide items (``chain_rank`` 2, last in every chain) leave at least
  (1 - ``management_cap_frac``) of the remaining fraction R_m that reaches them: R_after = max(R_natural,
  (1 - cap) R_m); each one's attributed saving is scaled by (R_m - R_after) / (R_m - R_natural).
* A heat source covers ``heat_share`` of the remaining heat of its fuel end use: the fuel falls by that share
  and electricity rises by the useful heat / ``heat_cop`` (a COP for heat pumps, an efficiency for electric boilers).
* PV output of a segment is size * perf(age) * its hourly profile; self-consumption is min(load, generation) hour
  by hour, surplus is exported at the export price.
* ESCO contracts (shared savings, energy-cost hosting) settle on deemed savings (``deemed_saving_cny``).
* A battery is dispatched on the year's own net load (the load scaled by r_k, less the PV serving the site) by the
  LP of ``pathways.energy.value.StorageDispatch``: usable kWh faded by age, power = kWh / duration, round-trip losses, a
  yearly throughput limit; its charging losses raise grid import, bill and emissions. The MILP bounds it with
  tangent planes of the joint PV + battery value (``pathways.model.milp.PlanModel.battery_value``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pathways.money.economics import Economics
from pathways.money.financing import DEFAULT_TERMS
from pathways.vocabulary import ASSET_CLASSES   # financing terms and tax lives differ by asset class

KINDS = ("chain", "heat", "pv", "battery", "fixed")
__all__ = ["ASSET_CLASSES", "Option", "Problem", "Action", "chains", "deemed_saving_cny"]


@dataclass
class Option:
    """One candidate: a measure (at one roof segment or size step) with the financing modes it may use."""

    option_id: str
    measure_id: str
    family: str
    kind: str
    modes: tuple[str, ...] = ("own",)
    lifetime_years: int = 10
    name_en: str = ""
    name_zh: str = ""
    size: float = 1.0                    # fixed size (kind != pv/battery) or maximum size (pv, battery)
    size_unit: str = "site"
    capex_cny: float = 0.0               # fixed part of capex
    capex_cny_per_unit: float = 0.0      # pv: per kWp, battery: per kWh
    kw_per_unit: float = 0.0             # kW (electric or thermal) per size unit, for per-kW subsidies (0: none)
    om_cny_per_year: float = 0.0         # fixed part
    om_frac_capex_per_year: float = 0.0
    annual_cost_cny: float = 0.0         # recurring fee of a service (paid every year it is active)
    effects: tuple[tuple[str, float], ...] = ()   # (end use, saving fraction) of the chain
    heat_end_use: str = ""               # set on heat sources only: the fuel end use it heats
    heat_share: float = 0.0
    heat_cop: float = 1.0
    replaced_efficiency: float = 0.0     # efficiency of the boiler/furnace a heat source replaces (0: carrier default)
    abs_electricity_kwh: float = 0.0     # absolute savings (custom measures), applied after the chains
    abs_fuel: dict[str, float] = field(default_factory=dict)
    enables: dict[str, float] = field(default_factory=dict)   # measure_id -> relative boost of its fraction
    rebound_frac: float = 0.0
    roof_id: str = ""
    profile_key: str = ""                # pv: key into Problem.pv_profiles
    area_m2_per_unit: float = 0.0        # pv: roof m2 per kWp
    battery_duration_h: float = 2.0       # battery: usable kWh / kW (charge and discharge)
    battery_rte: float = 0.88             # battery: AC round-trip efficiency
    battery_fade_per_year: float = 0.0    # battery: usable kWh at life age a = size x (1 - fade)^(a - 1)
    battery_cycles_per_year: float = float("inf")   # battery: full cycles of the usable kWh per year (limit)
    carbon_credit_share: float = 0.0     # share of the site's abatement sold as credits while active
    credit_price_cny_per_t: float = 0.0  # price of those credits (0: Problem.carbon_credit_price_cny_per_t)
    exclusive_groups: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    subsidy_capex_share: float = 0.0
    subsidy_cap_cny: float = float("inf")
    subsidy_cny_per_kwh: float = 0.0
    subsidy_years: int = 0
    chain_rank: int = 0                  # order in the end-use chains: 0 end-use measures, 1 heat, 2 site-wide
    asset_class: str = "equipment"       # one of ASSET_CLASSES
    tax_depreciation_years: int = 10     # straight-line tax life of its capex
    tax_credit_frac: float = 0.0         # purchase credit against income tax (qualifying energy-saving equipment)
    carbon_credit_eligible: bool = False  # a credit methodology covers its abatement (PV under carbon inclusion)
    grid_kva_added: float = 0.0          # transformer upgrade: kVA it adds to the site's grid connection
    why: str = ""                        # one line: where the numbers come from

    @property
    def continuous(self) -> bool:
        return self.kind in ("pv", "battery")

    def capex_at(self, size: float) -> float:
        return self.capex_cny + self.capex_cny_per_unit * size if self.continuous else self.capex_cny

    def om_at(self, size: float) -> float:
        return self.om_cny_per_year + self.om_frac_capex_per_year * self.capex_at(size)

    def subsidy_upfront_at(self, size: float) -> float:
        return min(self.subsidy_capex_share * self.capex_at(size), self.subsidy_cap_cny)


@dataclass
class Problem:
    econ: Economics
    plan_years: int
    electricity_end_uses_kwh: dict[str, float]
    load_shape: np.ndarray                          # 8760, sums to 1
    price_cny_per_kwh: np.ndarray                   # 8760
    export_price_cny_per_kwh: np.ndarray            # 8760
    fuel_end_uses: dict[str, dict[str, float]]      # end use -> carrier -> quantity per year
    fuel_price_cny: dict[str, float]                # carrier -> CNY per unit
    fuel_co2_t: dict[str, float]                    # carrier -> tCO2 per unit
    fuel_heat_kwh: dict[str, float]                 # carrier -> useful heat kWh per unit (LHV x boiler efficiency)
    grid_co2_t_per_kwh: np.ndarray                  # by year k = 1..H (index k - 1)
    options: list[Option]
    pv_profiles: dict[str, np.ndarray] = field(default_factory=dict)   # kW per kWp, 8760
    roof_area_m2: dict[str, float] = field(default_factory=dict)       # usable m2 by roof id
    fuel_lhv_kwh: dict[str, float] = field(default_factory=dict)       # carrier -> kWh per unit (LHV)
    budget_cny: np.ndarray | None = None            # by plan year, None = unlimited
    reinvest_savings: bool = False                  # savings of earlier years may fund later actions (once)
    budget_carry_over: bool = False                 # unspent budget of a year stays available later
    payback_limit_years: float | None = None
    payback_basis: str = "investment"               # the limit applies to the investment or the cash payback
    portfolio_payback_limit_years: float | None = None
    co2_target_t: np.ndarray | None = None          # maximum emissions by plan year (None = no target)
    carbon_credit_price_cny_per_t: float = 0.0
    shadow_carbon_price_cny_per_t: float = 0.0      # internal carbon price on the site's abatement, in the NPV
    financing_terms: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # (mode, class)
    tax_basis: str = "pre_tax"                      # after_tax: econ.tax_rate applies; the report says which
    pv_curve_tolerance: float = 0.002
    management_cap_frac: float = 1.0                # site-wide items save at most this share of an end use (1: no cap)
    carrier_warning_frac: float = 0.30              # pathways.model.warnings: efficiency saving per carrier above it warns
    # grid connection (MILP family grid_connection): the transformer's kVA (inf: no limit) x power factor carries
    # the PV's AC output (kWp / DC-AC ratio) and the baseline peak plus the new electric loads' peak (heat kW_th /
    # COP); PV kWp in total at most pv_max_kwp_self_share (the minimum self-consumed share)
    transformer_kva: float = float("inf")
    power_factor: float = 0.9
    pv_dc_ac_ratio: float = 1.2
    baseline_peak_kw: float = 0.0
    pv_max_kwp_self_share: float = float("inf")

    @property
    def grid_limit_kw(self) -> float:
        """Real power the existing transformer carries, kW."""
        return self.transformer_kva * self.power_factor

    @property
    def horizon(self) -> int:
        return self.econ.horizon_years

    @property
    def baseline_electricity_kwh(self) -> float:
        return float(sum(self.electricity_end_uses_kwh.values()))

    @property
    def average_price_cny_per_kwh(self) -> float:
        return float(self.load_shape @ self.price_cny_per_kwh)

    def option(self, option_id: str) -> Option:
        return self._by_id()[option_id]

    def _by_id(self) -> dict[str, Option]:
        if getattr(self, "_index", None) is None or len(self._index) != len(self.options):
            self._index = {o.option_id: o for o in self.options}
        return self._index

    def useful_heat_kwh(self, o: Option, end_use: str) -> float:
        """Useful heat per year of a fuel end use as seen by heat source o (its replaced efficiency x LHV, or the
        carrier's default boiler efficiency)."""
        q = self.fuel_end_uses[end_use]
        if o.replaced_efficiency > 0:
            return sum(v * self.fuel_lhv_kwh[c] * o.replaced_efficiency for c, v in q.items())
        return sum(v * self.fuel_heat_kwh[c] for c, v in q.items())

    def credit_price(self, o: Option) -> float:
        return o.credit_price_cny_per_t or self.carbon_credit_price_cny_per_t

    def terms(self, mode: str, asset_class: str = "all") -> dict[str, float]:
        """Contract terms of ``mode`` for an asset class: the class's own rows over the mode's ``all`` rows over
        the fallback defaults of ``pathways.money.financing.DEFAULT_TERMS``."""
        return {**DEFAULT_TERMS[mode], **self.financing_terms.get((mode, "all"), {}),
                **self.financing_terms.get((mode, asset_class), {})}

    def term(self, mode: str, name: str, asset_class: str = "all") -> float:
        return float(self.terms(mode, asset_class)[name])


def chains(problem: Problem) -> dict[str, list[tuple[int, float]]]:
    """For every end use (electric and fuel), the options acting on it in canonical order, with their fraction.

    A heat option appears in its fuel end use's chain with fraction ``heat_share``.
    """
    order = sorted(range(len(problem.options)), key=lambda i: (problem.options[i].chain_rank, i))
    out: dict[str, list[tuple[int, float]]] = {e: [] for e in [*problem.electricity_end_uses_kwh,
                                                               *problem.fuel_end_uses]}
    for i in order:
        o = problem.options[i]
        for end_use, frac in o.effects:
            if end_use in out and frac > 0:
                out[end_use].append((i, frac))
        if o.heat_end_use in out and o.heat_share > 0:
            out[o.heat_end_use].append((i, o.heat_share))
    return out


def deemed_saving_cny(problem: Problem, o: Option) -> tuple[float, float]:
    """Contract (deemed) yearly saving of an option at base-year prices, split (electricity CNY, fuel CNY).

    ESCO contracts settle on the measure's own saving on the baseline end use (engineering estimate, IPMVP
    option A): the saving fraction times the end use's baseline cost, not reduced by other measures and without
    digital boosts. A heat source's deemed saving is its fuel saved less the electricity it adds.
    """
    avg = problem.average_price_cny_per_kwh
    elec = fuel = 0.0
    for end_use, frac in o.effects:
        if end_use in problem.electricity_end_uses_kwh:
            elec += frac * problem.electricity_end_uses_kwh[end_use] * avg
        elif end_use in problem.fuel_end_uses:
            fuel += frac * sum(v * problem.fuel_price_cny[c] for c, v in problem.fuel_end_uses[end_use].items())
    if o.heat_end_use in problem.fuel_end_uses:
        q = problem.fuel_end_uses[o.heat_end_use]
        fuel += o.heat_share * sum(v * problem.fuel_price_cny[c] for c, v in q.items())
        elec -= o.heat_share * problem.useful_heat_kwh(o, o.heat_end_use) / o.heat_cop * avg
    return elec, fuel


@dataclass(frozen=True)
class Action:
    """An option taken in plan year ``year`` with financing ``mode`` and ``size`` (in the option's unit)."""

    option_id: str
    year: int
    mode: str = "own"
    size: float = 1.0
