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
  ``pathways.money.financing.replacement_schedule`` gives the points. A tenant plans over the years left on its lease
  (``Economics.horizon_years`` = min(H, years left)) and leaves its assets to the landlord: no residual value.

Financing modes (who pays the capex, who holds the asset, what each contract pays in its term): one registered
record per mode in ``pathways.money.financing``, with the replacement schedule that depends on who holds the asset.
Borrowed money (``finance_lease``, ``bank_loan``): the owner pays a down payment of the net capex (capex less upfront
subsidy) and an upfront fee on the financed rest at the start of the action's year t, then a constant nominal
annuity at the nominal interest rate over the term. Instalments are nominal, so in the real terms of the model the
instalment paid at point k is worth annuity x (1 + inflation)^(t - 1 - k) (the loan is taken in year t's money).
A lender asks a minimum financed amount (its minimum ticket).

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
