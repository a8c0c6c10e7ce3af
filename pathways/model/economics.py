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
  ``replacement_schedule`` gives the points. A tenant plans over the years left on its lease
  (``Economics.horizon_years`` = min(H, years left)) and leaves its assets to the landlord: no residual value.

Financing modes (owner's view; terms in data/catalog/financing.csv by mode and asset class, names below):

* ``own``: the owner pays capex less upfront subsidies, receives all savings, pays O&M, receives per-kWh and per-tCO2
  subsidies and carbon revenue.
* ``shared_savings``: the ESCO pays capex and O&M for ``term_years`` and keeps ``esco_share_of_savings`` of the
  energy savings (deemed savings for efficiency measures, measured savings for storage); the owner keeps the rest.
  Afterwards the asset is the owner's (all savings, O&M). Subsidies go to the investor during the term.
* ``guaranteed_savings``: the owner pays capex (and gets the subsidies) and receives the savings, which the ESCO
  guarantees; the ESCO charges ``fee_frac_capex_per_year`` of capex each year of the term.
* ``energy_cost_hosting``: the owner pays the ESCO a fixed fee of (1 - ``discount_frac``) times the baseline energy
  cost of the hosted end uses for ``term_years``; the ESCO pays capex and O&M and keeps every saving on those end
  uses during the term, including the savings of the owner's other measures there. Owner saving on the hosted end
  uses in the term = ``discount_frac`` x their baseline cost; afterwards the owner has the asset.
* ``emc_pv``: a third party owns the PV; the owner buys the self-consumed power at (1 - ``discount_frac``) of the
  grid price for ``term_years``: owner saving = ``discount_frac`` * value of self-consumed kWh; exports and
  subsidies are the investor's. Afterwards the PV is transferred to the owner.
* ``roof_lease``: the investor rents the roof: the owner receives ``rent_cny_per_m2_year`` * roof area for
  ``term_years`` and nothing else.
* ``finance_lease`` and ``bank_loan``: the owner pays ``down_payment_frac`` of the net capex (capex less upfront
  subsidy) and an upfront fee of ``fee_frac`` of the financed rest at the start of the action's year, then a
  constant nominal annuity at the nominal ``interest_rate`` over ``term_years``. Instalments are nominal, so in the
  real terms of the model the instalment paid at point k is worth annuity x (1 + inflation)^(t - 1 - k) (the loan
  is taken in year t's money). An interest subsidy (``interest_subsidy_pp`` percentage points of the outstanding
  balance for ``interest_subsidy_years``) is paid back to the owner. A mode needs at least ``min_ticket_cny``
  financed (the lender's minimum ticket). Otherwise as ``own``: the owner holds, depreciates and insures the asset.

Tax (``Economics.tax_rate``; 0 = the pre-tax view): the owner's yearly corporate income tax changes by
rate x (yearly owner flows + principal repaid - depreciation), booked at the end of each year; capex is
depreciated straight line over the measure's tax life from the year after it is paid (first installation on its
net capex, replacements on their full capex, only by whoever pays them: the owner); the upfront subsidy is treated
as non-taxable income whose spending is not depreciated; interest and fees are deductible, principal is not; the
purchase credit for qualifying energy-saving equipment (``tax_credit_frac`` of the owner's net capex) reduces the
tax of the purchase year. The firm is assumed to have taxable profit from its business to use a negative change
(a tax shield) in the same year. The residual value at H is not taxed.

Paybacks: the *investment payback* of an action is its net capex (capex less upfront subsidy, whoever finances it)
over its gross first-year saving (energy savings + yearly subsidies + carbon revenue - O&M - service fees, before
tax and financing), the same in every financing mode; the *cash payback* is the first time, counted from the
start of the action's year, at which the owner's cumulative cash of the action (upfront, fees, instalments, ESCO
payments, tax, savings) turns non-negative, interpolated within the year. The owner's payback limit applies to the investment payback of owner-financed
modes (or to the cash payback with ``payback_basis: cash``), with a relative tolerance of 1e-9.

The owner's money (``evaluator.cash_position`` and the MILP's ``budget`` rows): the budget of each plan year pays
first (unspent budget carries over only with ``budget_carry_over``); with reinvested savings the plan's net yearly
flows of earlier years (after instalments, fees and tax) are a savings pool that each saving leaves once; the
plan's cash position never goes below zero.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the financing modes and their groups (own-like: the owner pays and holds the asset; borrowed: annuity on the
# financed part; third party: an investor pays the capex) live in pathways.vocabulary
from pathways.vocabulary import BORROWED, FINANCING_MODES as MODES, OWN_LIKE, THIRD_PARTY  # noqa: F401 (MODES: old name)

# Contract defaults when the catalog's financing table does not give a value (problems built without the catalog,
# as in tests); the shipped, sourced values are in data/catalog/financing.csv. Estimates from data/params.md
# sections 3 and 5 (ESTIMATE rows), kept here only as a fallback; the catalog's values win.
DEFAULT_TERMS: dict[str, dict[str, float]] = {
    "own": {},
    "emc_pv": {"discount_frac": 0.15, "term_years": 25},
    "roof_lease": {"rent_cny_per_m2_year": 5.0, "term_years": 25},
    "shared_savings": {"esco_share_of_savings": 0.8, "term_years": 5},
    "guaranteed_savings": {"fee_frac_capex_per_year": 0.02, "term_years": 5},
    "energy_cost_hosting": {"discount_frac": 0.08, "term_years": 8},
    "finance_lease": {"down_payment_frac": 0.2, "interest_rate": 0.06, "term_years": 5, "fee_frac": 0.02,
                      "min_ticket_cny": 500_000.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0},
    "bank_loan": {"down_payment_frac": 0.3, "interest_rate": 0.045, "term_years": 5, "fee_frac": 0.0,
                  "min_ticket_cny": 100_000.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0},
}


@dataclass(frozen=True)
class Economics:
    """Site-wide economic assumptions (all real, except the nominal loan rates in the financing terms)."""

    discount_rate: float = 0.06
    horizon_years: int = 20
    electricity_escalation: float = 0.0
    fuel_escalation: float = 0.0
    carbon_escalation: float = 0.0
    degradation_first_year: float = 0.01
    degradation_per_year: float = 0.004
    inflation_rate: float = 0.0          # turns nominal instalments into real money
    tax_rate: float = 0.0                # corporate income tax on the owner's flows; 0 = pre-tax view
    residual_to_owner: bool = True       # False for a tenant: assets are left to the landlord
    base_year: int = 0                   # calendar year of plan year 1 (0: programmes' validity not checked)


def discount_factors(rate: float, horizon_years: int) -> np.ndarray:
    """(1 + r)^-k for k = 0..H."""
    return (1.0 + rate) ** -np.arange(horizon_years + 1, dtype=float)


def replacement_schedule(start_year: int, lifetime_years: int, horizon_years: int, mode: str,
                         term_years: int = 0) -> tuple[list[int], float, bool, bool]:
    """Replacement points paid by the owner, the residual fraction at H, whether the owner holds the asset at H,
    and whether the residual is on the first installation (cost basis after subsidy) or a replacement.

    See the module docstring. ``term_years`` is the ESCO/EMC contract term of ``mode`` (0 for own-like modes).
    """
    t, L, H = start_year, max(int(lifetime_years), 1), horizon_years
    owner_modes_in_term = mode not in THIRD_PARTY
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


@dataclass(frozen=True)
class Financing:
    """Owner cash of one action per CNY of its net capex (capex less upfront subsidy), on the grid 0..H, and the
    parts of it the tax needs. Positive = paid by the owner, except ``interest_subsidy`` (received)."""

    upfront: np.ndarray           # own capex or down payment, at point t - 1
    fees: np.ndarray              # upfront fee on the financed part, at point t - 1
    instalments: np.ndarray       # real instalments at points t .. t + n - 1
    interest: np.ndarray          # the interest part of each instalment (real), tax-deductible
    interest_subsidy: np.ndarray  # interest subsidy received (real)

    @property
    def principal(self) -> np.ndarray:
        return self.instalments - self.interest


def financing(mode: str, terms: dict[str, float], econ: Economics, start_year: int) -> Financing:
    """The owner's payments for an action started in plan year ``start_year`` with ``mode`` (module docstring),
    per CNY of net capex. Third-party modes cost the owner nothing upfront (their payments depend on savings)."""
    H, t = econ.horizon_years, start_year
    z = np.zeros(H + 1)
    upfront, fees, inst, interest, sub = z.copy(), z.copy(), z.copy(), z.copy(), z.copy()
    if mode in OWN_LIKE and mode not in BORROWED:      # own, guaranteed savings: all upfront
        upfront[t - 1] = 1.0
    elif mode in BORROWED:
        down = float(terms["down_payment_frac"])
        rate, n = float(terms["interest_rate"]), int(terms["term_years"])
        financed = 1.0 - down
        upfront[t - 1] = down
        fees[t - 1] = float(terms.get("fee_frac", 0.0)) * financed
        payment = annuity_factor(rate, n) * financed          # nominal, in year-t money
        balance = financed
        pp, sub_years = float(terms.get("interest_subsidy_pp", 0.0)), int(terms.get("interest_subsidy_years", 0))
        taken_in = econ.base_year + t - 1           # a programme helps loans taken within its validity years
        if econ.base_year and not (terms.get("interest_subsidy_valid_from_year", -np.inf) <= taken_in
                                   <= terms.get("interest_subsidy_valid_to_year", np.inf)):
            pp = 0.0
        for j in range(1, n + 1):
            k = t - 1 + j
            if k > H:
                break
            deflate = (1.0 + econ.inflation_rate) ** (t - 1 - k)
            inst[k] = payment * deflate
            interest[k] = rate * balance * deflate
            if j <= sub_years:
                sub[k] = pp * balance * deflate
            balance -= payment - rate * balance
    return Financing(upfront, fees, inst, interest, sub)


def straight_line(paid_at: int, tax_life_years: int, horizon_years: int) -> np.ndarray:
    """Depreciation per CNY of an installation paid at point ``paid_at`` (start of year paid_at + 1): 1 / life at
    the end of each of the next ``tax_life_years`` years, cut at H."""
    out = np.zeros(horizon_years + 1)
    life = max(int(tax_life_years), 1)
    out[paid_at + 1:min(paid_at + life, horizon_years) + 1] = 1.0 / life
    return out


def cash_payback_years(flows: np.ndarray, start_point: int) -> float:
    """Years from ``start_point`` until the cumulative of ``flows`` (on the time grid, from that point on) turns
    non-negative, interpolated linearly within the year; 0 when it never goes negative; inf when it never
    recovers."""
    cum = np.cumsum(np.asarray(flows, dtype=float)[start_point:])
    tol = 1e-9 * max(1.0, float(np.abs(flows).max(initial=0.0)))
    if cum[0] >= -tol:
        return 0.0
    for j in range(1, cum.size):
        if cum[j] >= -tol:
            step = cum[j] - cum[j - 1]
            return float((j - 1) + (-cum[j - 1] / step if step > 0 else 1.0))
    return float("inf")


def investment_payback_years(net_capex_cny: float, gross_saving_cny_per_year: float) -> float:
    """Net capex over the gross yearly saving (inf when the saving is not positive, 0 without capex)."""
    if net_capex_cny <= 0:
        return 0.0 if gross_saving_cny_per_year > 0 else float("inf")
    return net_capex_cny / gross_saving_cny_per_year if gross_saving_cny_per_year > 0 else float("inf")


def within_limit(value: float, limit: float, rel_tol: float = 1e-9) -> bool:
    """value <= limit up to a relative tolerance (a payback exactly at the limit passes despite float noise)."""
    return value <= limit * (1.0 + rel_tol) + rel_tol
