"""Yearly owner cash flows of actions, and the discounting conventions used everywhere in pathways.

Conventions (also in README.md):

* Plan years t = 1..T (default T = 5). The analysis horizon H (default 20 years) is counted from the start of year 1.
* Money is CNY in real terms of the base year; the discount rate is real.
* Cash flows live on a grid of H + 1 points in time: point 0 is the start of year 1, point k (k >= 1) is the end of
  year k. An action taken in plan year t pays its upfront cost at the start of year t (point t - 1) and its yearly
  flows at the end of each year of its life, years t .. min(t + L - 1, H) (points t .. t + L - 1).
* All flows are discounted to the start of year 1: NPV = sum_k flow_k / (1 + r)^k. This is numpy-financial's
  ``npv(r, flows)``; the IRR is the rate where that NPV is 0 (``numpy_financial.irr``).
* Prices escalate in real terms from base-year prices: a year-k flow of carrier c is valued at
  price_c * (1 + e_c)^(k - 1). PV output degrades: in its n-th year of life a PV action produces
  (1 - d1) * (1 - d)^(n - 1) of its nameplate first-year yield (degradation_first_year d1, degradation_per_year d).
* Replacement and residual value: an asset is replaced like for like at the end of its life (at the start of
  year t + n*L, point t - 1 + n*L, for every n >= 1 with that point before H), at its full capex in real terms
  (no subsidy the second time), so its savings run to the horizon; services with a lifetime (inventories,
  audits) are renewed the same way. Whoever owns the asset then pays: the owner, except on a leased roof (the
  investor) and within an ESCO or EMC term (the ESCO). The asset in place at point H is credited a straight-line
  residual value, cost basis x (years of its life left after H) / lifetime, to whoever owns it then.
  ``replacement_schedule`` gives the points.
* Simple payback = upfront owner cost after subsidy / first full year's net owner saving (inf when that saving is
  not positive; 0 when the owner pays nothing upfront and saves from year one).

Financing modes (owner's view; parameters in data/catalog/financing.csv, names below):

* ``own``: the owner pays capex less upfront subsidies, receives all savings, pays O&M, receives per-kWh and per-tCO2
  subsidies and carbon revenue.
* ``shared_savings``: the ESCO pays capex and O&M for ``term_years`` and keeps ``esco_share_of_savings`` of the
  energy savings; the owner keeps the rest. Afterwards the asset is the owner's (all savings, O&M). Subsidies go
  to the investor during the term.
* ``guaranteed_savings``: the owner pays capex (and gets the subsidies) and receives the savings, which the ESCO
  guarantees; the ESCO charges ``fee_frac_capex_per_year`` of capex each year of the term.
* ``energy_cost_hosting``: the owner pays the ESCO a fixed fee of (1 - ``discount_frac``) times the baseline energy
  cost of the hosted end use for ``term_years``; the ESCO pays capex and O&M and keeps the savings. Owner saving in
  the term = ``discount_frac`` * baseline cost; afterwards the owner has the asset.
* ``emc_pv``: a third party owns the PV; the owner buys the self-consumed power at (1 - ``discount_frac``) of the
  grid price for ``term_years``: owner saving = ``discount_frac`` * value of self-consumed kWh; exports and
  subsidies are the investor's. Afterwards the PV is transferred to the owner.
* ``roof_lease``: the investor rents the roof: the owner receives ``rent_cny_per_m2_year`` * roof area for
  ``term_years`` and nothing else.
* ``finance_lease``: the owner pays ``down_payment_frac`` of capex upfront and an annuity on the rest at
  ``interest_rate`` over ``term_years``; otherwise as ``own`` (subsidies reduce the leased amount).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODES = ("own", "emc_pv", "roof_lease", "shared_savings", "guaranteed_savings", "energy_cost_hosting",
         "finance_lease")

# Contract defaults when the catalog's financing table does not give a value: all are estimates from
# data/params.md section 5 and 3 (ESTIMATE rows), kept here only as a fallback.
DEFAULT_TERMS: dict[str, dict[str, float]] = {
    "own": {},
    "emc_pv": {"discount_frac": 0.15, "term_years": 25},
    "roof_lease": {"rent_cny_per_m2_year": 5.0, "term_years": 25},
    "shared_savings": {"esco_share_of_savings": 0.8, "term_years": 5},
    "guaranteed_savings": {"fee_frac_capex_per_year": 0.02, "term_years": 5},
    "energy_cost_hosting": {"discount_frac": 0.08, "term_years": 8},
    "finance_lease": {"down_payment_frac": 0.2, "interest_rate": 0.05, "term_years": 5},
}


@dataclass(frozen=True)
class Economics:
    """Site-wide economic assumptions (all real)."""

    discount_rate: float = 0.06
    horizon_years: int = 20
    electricity_escalation: float = 0.0
    fuel_escalation: float = 0.0
    carbon_escalation: float = 0.0
    degradation_first_year: float = 0.01
    degradation_per_year: float = 0.004


@dataclass
class ActionInputs:
    """One row per action; every field is a numpy array of length n (scalars are broadcast).

    Energy values are per year at base-year prices and full (first-year) performance.
    """

    start_year: np.ndarray
    lifetime_years: np.ndarray
    mode: np.ndarray                                  # strings from MODES
    capex_cny: np.ndarray = 0.0
    om_cny_per_year: np.ndarray = 0.0
    electricity_saving_cny_per_year: np.ndarray = 0.0
    fuel_saving_cny_per_year: np.ndarray = 0.0
    other_saving_cny_per_year: np.ndarray = 0.0        # not escalated (e.g. maintenance savings)
    carbon_revenue_cny_per_year: np.ndarray = 0.0      # at base-year carbon prices
    generation_kwh_per_year: np.ndarray = 0.0          # PV first-year output (for per-kWh subsidies)
    co2_t_per_year: np.ndarray = 0.0                   # for per-tCO2 subsidies
    degrades: np.ndarray = False                       # PV output degradation applies
    baseline_cost_cny_per_year: np.ndarray = 0.0       # hosted end use's baseline energy bill
    roof_area_m2: np.ndarray = 0.0
    subsidy_upfront_cny: np.ndarray = 0.0              # capex share / per-kW subsidies, already capped
    subsidy_cny_per_kwh: np.ndarray = 0.0
    subsidy_cny_per_t: np.ndarray = 0.0
    subsidy_years: np.ndarray = 0
    terms: dict[str, dict[str, float]] = field(default_factory=dict)  # financing terms by mode

    def __post_init__(self) -> None:
        mode = np.atleast_1d(np.asarray(self.mode, dtype=object))
        n = mode.size
        unknown = sorted(set(mode) - set(MODES))
        if unknown:
            raise ValueError(f"mode: {unknown[0]!r} -- allowed: {', '.join(MODES)}")
        self.mode = mode
        for name in ("start_year", "lifetime_years", "subsidy_years"):
            setattr(self, name, np.broadcast_to(np.asarray(getattr(self, name), dtype=int), (n,)))
        self.degrades = np.broadcast_to(np.asarray(self.degrades, dtype=bool), (n,))
        for name in ("capex_cny", "om_cny_per_year", "electricity_saving_cny_per_year", "fuel_saving_cny_per_year",
                     "other_saving_cny_per_year", "carbon_revenue_cny_per_year", "generation_kwh_per_year",
                     "co2_t_per_year", "baseline_cost_cny_per_year", "roof_area_m2", "subsidy_upfront_cny",
                     "subsidy_cny_per_kwh", "subsidy_cny_per_t"):
            setattr(self, name, np.broadcast_to(np.asarray(getattr(self, name), dtype=float), (n,)))

    def __len__(self) -> int:
        return self.mode.size

    def term(self, mode: str, name: str) -> float:
        return float(self.terms.get(mode, {}).get(name, DEFAULT_TERMS[mode][name]))


@dataclass
class CashFlows:
    """Owner cash flows on the time grid 0..H (shape (n, H + 1)), by component, and their sum ``net``."""

    components: dict[str, np.ndarray]
    discount_rate: float
    upfront_owner_cny: np.ndarray          # owner's payment at the start of the action's year (after subsidy)
    first_year_net_saving_cny: np.ndarray  # owner's net yearly flow in the first full year of the action

    @property
    def net(self) -> np.ndarray:
        return sum(self.components.values())

    @property
    def discount_factors(self) -> np.ndarray:
        return discount_factors(self.discount_rate, self.net.shape[1] - 1)

    def npv_cny(self) -> np.ndarray:
        return self.net @ self.discount_factors

    def component_npv_cny(self) -> dict[str, np.ndarray]:
        df = self.discount_factors
        return {k: v @ df for k, v in self.components.items()}

    def simple_payback_years(self) -> np.ndarray:
        return simple_payback_years(self.upfront_owner_cny, self.first_year_net_saving_cny)

    def irr(self) -> np.ndarray:
        return np.array([irr(row) for row in self.net])


def replacement_schedule(start_year: int, lifetime_years: int, horizon_years: int, mode: str,
                         term_years: int = 0) -> tuple[list[int], float, bool, bool]:
    """Replacement points paid by the owner, the residual fraction at H, whether the owner holds the asset at H,
    and whether the residual is on the first installation (cost basis after subsidy) or a replacement.

    See the module docstring. ``term_years`` is the ESCO/EMC contract term of ``mode`` (0 for own-like modes).
    """
    t, L, H = start_year, max(int(lifetime_years), 1), horizon_years
    owner_modes_in_term = mode not in ("shared_savings", "energy_cost_hosting", "emc_pv", "roof_lease")
    points = []
    n = 1
    while t - 1 + n * L < H:
        life_year = n * L + 1                   # year of the contract when the replacement starts
        if mode != "roof_lease" and (owner_modes_in_term or life_year > term_years):
            points.append(t - 1 + n * L)
        n += 1
    last_install = t - 1 + (n - 1) * L
    left = last_install + L - H
    years_at_h = H - (t - 1)                   # contract years elapsed at H
    owner_at_h = mode != "roof_lease" and (owner_modes_in_term or years_at_h > term_years)
    return points, left / L, owner_at_h, n == 1


def discount_factors(rate: float, horizon_years: int) -> np.ndarray:
    """(1 + r)^-k for k = 0..H."""
    return (1.0 + rate) ** -np.arange(horizon_years + 1, dtype=float)


def simple_payback_years(upfront_cny: np.ndarray, first_year_saving_cny: np.ndarray) -> np.ndarray:
    upfront = np.asarray(upfront_cny, dtype=float)
    saving = np.asarray(first_year_saving_cny, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pb = np.where(saving > 0, np.maximum(upfront, 0.0) / saving, np.inf)
    return pb


def irr(flows: np.ndarray, lo: float = -0.99, hi: float = 10.0, tol: float = 1e-13) -> float:
    """Internal rate of return by bisection on NPV(rate) = sum_k flows_k / (1 + rate)^k.

    Defined (not NaN) when NPV changes sign exactly once on (lo, hi), as for an upfront cost followed by
    savings; NPV falls with the rate for such flows.
    """
    flows = np.asarray(flows, dtype=float)
    k = np.arange(flows.size)

    def npv(rate: float) -> float:
        return float(flows @ (1.0 + rate) ** -k)

    f_lo, f_hi = npv(lo), npv(hi)
    if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo * f_hi > 0:
        return float("nan")
    grid = np.linspace(lo, hi, 200)
    signs = np.sign([npv(x) for x in grid])
    if np.count_nonzero(np.diff(signs[signs != 0])) != 1:
        return float("nan")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if (npv(mid) > 0) == (f_lo > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def annuity_factor(rate: float, years: int) -> float:
    """Yearly payment per CNY borrowed, paid at year ends over ``years``."""
    if years <= 0:
        return 0.0
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def cash_flows(a: ActionInputs, econ: Economics) -> CashFlows:
    """Owner cash flows of every action in ``a`` (vectorised over actions and years)."""
    H = econ.horizon_years
    n = len(a)
    k = np.arange(H + 1)[None, :]                        # time points
    t = a.start_year[:, None]
    L = a.lifetime_years[:, None]
    if np.any(a.start_year < 1) or np.any(a.start_year > H):
        raise ValueError(f"start_year must be within 1..{H}")
    age = k - t + 1                                      # year since adoption at point k (1 = first year)
    alive = age >= 1                                     # replaced like for like at the end of each life
    life_age = np.where(alive, (age - 1) % L + 1, 0)     # year of the current installation's life
    upfront_at = (k == t - 1)

    esc_e = (1.0 + econ.electricity_escalation) ** np.maximum(k - 1, 0)
    esc_f = (1.0 + econ.fuel_escalation) ** np.maximum(k - 1, 0)
    esc_c = (1.0 + econ.carbon_escalation) ** np.maximum(k - 1, 0)
    perf = np.where(a.degrades[:, None],
                    (1.0 - econ.degradation_first_year) * (1.0 - econ.degradation_per_year)
                    ** np.maximum(life_age - 1, 0), 1.0)
    alive_f = alive.astype(float)
    energy = (a.electricity_saving_cny_per_year[:, None] * esc_e
              + a.fuel_saving_cny_per_year[:, None] * esc_f) * perf * alive_f
    other = a.other_saving_cny_per_year[:, None] * alive_f
    carbon = a.carbon_revenue_cny_per_year[:, None] * esc_c * perf * alive_f
    om = -a.om_cny_per_year[:, None] * alive_f
    in_subsidy = alive & (age <= a.subsidy_years[:, None])
    subsidy_yearly = (a.subsidy_cny_per_kwh[:, None] * a.generation_kwh_per_year[:, None] * perf
                      + a.subsidy_cny_per_t[:, None] * a.co2_t_per_year[:, None]) * in_subsidy
    capex = a.capex_cny[:, None]
    subsidy_up = np.minimum(a.subsidy_upfront_cny, a.capex_cny)[:, None]

    mode = a.mode[:, None]
    zeros = np.zeros((n, H + 1))
    comp = {name: zeros.copy() for name in ("upfront", "energy_savings", "other_savings", "om", "subsidy",
                                            "carbon_revenue", "contract", "replacement", "residual")}

    def term_mask(m: str) -> np.ndarray:
        return alive & (age <= int(a.term(m, "term_years")))

    # Default (own): everything to the owner.
    owner_pays_capex = np.isin(a.mode, ["own", "guaranteed_savings", "finance_lease"])[:, None]
    comp["upfront"] = np.where(owner_pays_capex & upfront_at, -(capex - subsidy_up), 0.0)
    comp["energy_savings"] = energy.copy()
    comp["other_savings"] = other.copy()
    comp["om"] = om.copy()
    comp["carbon_revenue"] = carbon.copy()
    comp["subsidy"] = np.where(owner_pays_capex, subsidy_yearly, 0.0)

    for m in ("shared_savings", "energy_cost_hosting", "emc_pv", "roof_lease"):
        rows = (mode == m)
        if not rows.any():
            continue
        in_term = term_mask(m)
        if m == "shared_savings":
            share = a.term(m, "esco_share_of_savings")
            owner_energy = np.where(in_term, (1.0 - share) * energy, energy)
        elif m == "energy_cost_hosting":
            disc = a.term(m, "discount_frac")
            hosted = a.baseline_cost_cny_per_year[:, None] * esc_e * alive_f
            owner_energy = np.where(in_term, disc * hosted, energy)
        elif m == "emc_pv":
            disc = a.term(m, "discount_frac")
            owner_energy = np.where(in_term, disc * energy, energy)
        else:  # roof_lease: the owner only receives rent during the term, nothing after (investor removes PV)
            rent = a.term(m, "rent_cny_per_m2_year") * a.roof_area_m2[:, None]
            owner_energy = np.where(in_term, rent, 0.0)
        comp["energy_savings"] = np.where(rows, owner_energy, comp["energy_savings"])
        comp["om"] = np.where(rows & in_term, 0.0, np.where(rows & (m == "roof_lease"), 0.0, comp["om"]))
        comp["other_savings"] = np.where(rows & in_term, 0.0, np.where(rows & (m == "roof_lease"), 0.0,
                                                                         comp["other_savings"]))
        comp["carbon_revenue"] = np.where(rows & (in_term | (m == "roof_lease")), 0.0, comp["carbon_revenue"])

    rows = (mode == "guaranteed_savings")
    if rows.any():
        fee = a.term("guaranteed_savings", "fee_frac_capex_per_year") * capex
        comp["contract"] = np.where(rows & term_mask("guaranteed_savings"), -fee, comp["contract"])

    rows = (mode == "finance_lease")
    if rows.any():
        down = a.term("finance_lease", "down_payment_frac")
        years = int(a.term("finance_lease", "term_years"))
        payment = annuity_factor(a.term("finance_lease", "interest_rate"), years) * (1.0 - down) * (capex - subsidy_up)
        comp["upfront"] = np.where(rows & upfront_at, -down * (capex - subsidy_up), comp["upfront"])
        comp["contract"] = np.where(rows & alive & (age <= years), -payment, comp["contract"])

    # Replacements and the residual value at the horizon (see replacement_schedule).
    owner_upfront = -comp["upfront"].sum(axis=1)
    for j in range(n):
        m = str(a.mode[j])
        term = 0 if m in ("own", "guaranteed_savings", "finance_lease") else int(a.term(m, "term_years"))
        points, left, owner_at_h, first_install = replacement_schedule(int(a.start_year[j]),
                                                                       int(a.lifetime_years[j]), H, m, term)
        comp["replacement"][j, points] -= a.capex_cny[j]
        if owner_at_h:
            basis = a.capex_cny[j] - (subsidy_up[j, 0] if first_install else 0.0)
            comp["residual"][j, H] = basis * left

    first = np.take_along_axis(sum(v for key, v in comp.items() if key not in ("upfront", "residual",
                                                                                 "replacement")),
                               np.minimum(a.start_year, H)[:, None], axis=1)[:, 0]
    return CashFlows(components=comp, discount_rate=econ.discount_rate, upfront_owner_cny=owner_upfront,
                     first_year_net_saving_cny=first)
