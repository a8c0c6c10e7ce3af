"""The financing modes of an action: one registered ``Mode`` per mode, everything about it side by side.

A mode says who holds the asset (``holder``), which asset classes it may finance, what the owner pays for the capex
(``capex``: per CNY of net capex, on the time grid of ``pathways.money.economics``), what its contract pays in each
year of its term (``contract``), its fallback contract terms and its names in the owner's words (en/zh). The MILP
(``pathways.model.milp``), the evaluator (``pathways.model.evaluator``), the planner's ESCO check and explanations,
the report's labels and the site builder read a mode only from here; the mode names and their groups below are
derived from the registry. Adding a mode: one ``register(Mode(...))`` here and its rows in
``data/catalog/financing.csv`` (and the measures that offer it in ``data/catalog/measures.csv``).

One cash formula for both models. ``contract(year, terms)`` returns the owner's cash of one year of the term by
component (+ received, - paid), linear in the quantities of ``ContractYear``. The evaluator passes the year's
numbers; the MILP passes Pyomo expressions for the quantities it knows per action (capex, roof area, deemed saving,
baseline cost of the hosted end uses, each times the action's binary) and takes the coefficients of the quantities
that depend on the plan's energy (``ENERGY_BASES``: measured storage saving, savings on hosted end uses, PV value)
from ``contract_coefficients`` to weight its linearisations of them (``battery_value``, ``hosting_take``,
``pv_value``). ``tests/test_financing_registry.py`` holds the two against each other for every registered mode.

Modes (owner's view; terms in data/catalog/financing.csv by mode and asset class):

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
* ``finance_lease`` and ``bank_loan``: borrowed money as in ``pathways.money.economics``: the owner pays
  ``down_payment_frac`` of the net capex and an upfront fee of ``fee_frac`` of the financed rest at the start of
  the action's year, then a constant nominal annuity at the nominal ``interest_rate`` over ``term_years``, in real
  money through the inflation rate. An interest subsidy (``interest_subsidy_pp`` percentage points of the outstanding
  balance for ``interest_subsidy_years``) is paid back to the owner. A mode needs at least ``min_ticket_cny``
  financed (the lender's minimum ticket). Otherwise as ``own``: the owner holds, depreciates and insures the asset.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Callable

import numpy as np

from pathways.money.economics import Economics, annuity_factor
from pathways.vocabulary import ASSET_CLASSES

#: Who holds the asset: the owner (who pays its capex), an investor during the contract term and the owner after
#: it, or an investor for the asset's whole life (its output does not serve the site).
HOLDERS = ("owner", "investor_for_term", "investor")

#: The evaluator's cash components a contract may pay into.
CONTRACT_COMPONENTS = ("esco_payments", "fees")


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


@dataclass(frozen=True)
class ContractYear:
    """What a contract may settle on in one year of its term, for one action: CNY of that year (escalated), each
    scaled by the action's adoption (numbers in the evaluator, Pyomo expressions in the MILP)."""

    capex_cny: Any = 0.0
    roof_m2: Any = 0.0                 # roof area the action covers
    deemed_saving_cny: Any = 0.0       # the measure's deemed saving (``pathways.site.problem.deemed_saving_cny``)
    hosted_cost_cny: Any = 0.0         # baseline cost of the end uses the action acts on
    measured_saving_cny: Any = 0.0     # the action's measured energy saving
    hosted_saving_cny: Any = 0.0       # every saving on the hosted end uses, the owner's other measures' included
    pv_self_cny: Any = 0.0             # value of the action's PV used on site
    pv_export_cny: Any = 0.0           # value of the action's PV exported
    storage: bool = False              # the action is a battery (storage contracts settle on measured savings)


#: The quantities of ``ContractYear`` that depend on the plan's energy: the MILP values them by linearisations.
ENERGY_BASES = ("measured_saving_cny", "hosted_saving_cny", "pv_self_cny", "pv_export_cny")
BASES = tuple(f.name for f in fields(ContractYear) if f.name != "storage")


# ------------------------------------------------------------------------------------------ capex schedules
def _grid(econ: Economics) -> np.ndarray:
    return np.zeros(econ.horizon_years + 1)


def pay_upfront(terms: dict, econ: Economics, start_year: int) -> Financing:
    """The owner pays the net capex at the start of the action's year."""
    upfront = _grid(econ)
    upfront[start_year - 1] = 1.0
    return Financing(upfront, _grid(econ), _grid(econ), _grid(econ), _grid(econ))


def pay_nothing(terms: dict, econ: Economics, start_year: int) -> Financing:
    """An investor pays the capex: the owner's payments depend on the savings (``contract``)."""
    return Financing(_grid(econ), _grid(econ), _grid(econ), _grid(econ), _grid(econ))


def pay_instalments(terms: dict, econ: Economics, start_year: int) -> Financing:
    """Down payment and upfront fee at the start of year t, then a constant nominal annuity on the financed part
    at the nominal ``interest_rate`` over ``term_years``, deflated to real money, with the interest subsidy of a
    programme valid in the year the loan is taken (module docstring, ``finance_lease`` and ``bank_loan``)."""
    H, t = econ.horizon_years, start_year
    upfront, fees, inst, interest, sub = _grid(econ), _grid(econ), _grid(econ), _grid(econ), _grid(econ)
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


# ------------------------------------------------------------------------------------------ contracts
def no_contract(y: ContractYear, terms: dict) -> dict[str, Any]:
    return {}


def share_of_savings(y: ContractYear, terms: dict) -> dict[str, Any]:
    """The ESCO keeps its share of the deemed saving (of the measured saving for storage)."""
    settled = y.measured_saving_cny if y.storage else y.deemed_saving_cny
    return {"esco_payments": -terms["esco_share_of_savings"] * settled}


def guarantee_fee(y: ContractYear, terms: dict) -> dict[str, Any]:
    """The ESCO charges a yearly fee on the capex for its guarantee."""
    return {"fees": -terms["fee_frac_capex_per_year"] * y.capex_cny}


def hosting_fee(y: ContractYear, terms: dict) -> dict[str, Any]:
    """The owner pays (1 - discount) x the baseline cost of the hosted end uses and the ESCO takes every saving on
    them: the owner gains discount x baseline cost less the savings it would otherwise have had."""
    return {"esco_payments": terms["discount_frac"] * y.hosted_cost_cny - y.hosted_saving_cny}


def power_purchase(y: ContractYear, terms: dict) -> dict[str, Any]:
    """The owner buys the self-consumed PV power at (1 - discount) of its grid value; exports are the investor's."""
    return {"esco_payments": -((1.0 - terms["discount_frac"]) * y.pv_self_cny + y.pv_export_cny)}


def roof_rent(y: ContractYear, terms: dict) -> dict[str, Any]:
    """The investor pays rent for the roof area its PV covers."""
    return {"esco_payments": terms["rent_cny_per_m2_year"] * y.roof_m2}


# ------------------------------------------------------------------------------------------ the registry
@dataclass(frozen=True)
class Mode:
    """One financing mode. Every field is required: a mode missing a part cannot be built."""

    name: str
    label: dict[str, str]            # {"en", "zh"}: the mode in the owner's words
    why: dict[str, str]              # {"en", "zh"}: the contract in a plan's explanation ("" for own)
    asset_classes: tuple[str, ...]   # the asset classes it may finance
    holder: str                      # one of HOLDERS
    borrowed: bool                   # nominal instalments on a financed part: min_ticket_cny applies, inflation counts
    plan_investment: bool            # its capex counts as the plan's investment (False: PV an investor owns and runs)
    investor_must_recover: bool      # the investor signs only if the contract repays its capex within the term
    default_terms: dict[str, float]  # fallback terms when the catalog gives none (data/catalog/financing.csv wins)
    capex: Callable[[dict, Economics, int], Financing]   # owner's payments per CNY of net capex
    contract: Callable[[ContractYear, dict], dict[str, Any]]   # owner's cash in a year of the term, by component

    @property
    def owner_holds(self) -> bool:
        """The owner pays the capex and holds (depreciates, insures, gets the subsidies of) the asset."""
        return self.holder == "owner"

    @property
    def serves_site(self) -> bool:
        """The asset's output serves the owner's site (not so for an investor's PV on a leased roof)."""
        return self.holder != "investor"

    def owner_runs(self, in_term: bool) -> bool:
        """The owner pays the asset's O&M in a year (in or after the contract term)."""
        return self.holder == "owner" or (self.holder == "investor_for_term" and not in_term)

    def term_years(self, terms: dict) -> int:
        """Years of the contract or loan (0 without a term)."""
        return int(terms.get("term_years", 0))

    @property
    def rents_roof(self) -> bool:
        """Its contract pays for roof area: only a site that owns the roof can sign it."""
        return any(contract_coefficients(self, self.default_terms, s)["roof_m2"] for s in (False, True))


MODES: dict[str, Mode] = {}


def contract_coefficients(mode: Mode, terms: dict, storage: bool) -> dict[str, float]:
    """d(owner's contract cash, all components)/d(quantity) for every quantity of ``ContractYear``."""
    out = {}
    for basis in BASES:
        cash = mode.contract(ContractYear(**{basis: 1.0, "storage": storage}), terms)
        out[basis] = float(sum(cash.values()))
    return out


def register(mode: Mode) -> Mode:
    """Check every part of ``mode`` and add it to ``MODES``; raise ``ValueError`` naming the part at fault."""
    def fail(what: str) -> None:
        raise ValueError(f"financing mode {mode.name!r}: {what}")

    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(mode.name)):
        fail("the name must be a lower-case identifier")
    if mode.name in MODES:
        fail("registered twice")
    for part in ("label", "why"):
        text = getattr(mode, part)
        if not isinstance(text, dict) or set(text) != {"en", "zh"}:
            fail(f"{part} needs an 'en' and a 'zh' text")
    if not (mode.label["en"].strip() and re.search(r"[\u4e00-\u9fff]", mode.label["zh"])):
        fail("label needs an English text and a Chinese one")
    if not mode.asset_classes or not set(mode.asset_classes) <= set(ASSET_CLASSES):
        fail(f"asset_classes must be some of {', '.join(ASSET_CLASSES)}")
    if mode.holder not in HOLDERS:
        fail(f"holder must be one of {', '.join(HOLDERS)}")
    if not (callable(mode.capex) and callable(mode.contract)):
        fail("capex and contract must be functions")
    terms = dict(mode.default_terms)
    if mode.holder != "owner" and "term_years" not in terms:
        fail("a mode where an investor holds the asset needs term_years")
    if mode.borrowed and "down_payment_frac" not in terms:
        fail("a borrowed mode needs down_payment_frac (the minimum ticket is on the financed part)")
    econ = Economics(horizon_years=60)
    try:
        fin = mode.capex(terms, econ, 1)
        for storage in (False, True):
            coef = contract_coefficients(mode, terms, storage)
            zero = mode.contract(ContractYear(storage=storage), terms)
            probe = {b: 1.5 + 0.5 * n for n, b in enumerate(BASES)}
            cash = mode.contract(ContractYear(**probe, storage=storage), terms)
            if not set(zero) | set(cash) <= set(CONTRACT_COMPONENTS):
                fail(f"contract components must be some of {', '.join(CONTRACT_COMPONENTS)}")
            if any(abs(float(v)) > 1e-12 for v in zero.values()) or not np.isclose(
                    float(sum(cash.values())), sum(probe[b] * coef[b] for b in BASES), rtol=1e-12, atol=1e-12):
                fail("the contract must be linear in the quantities of ContractYear (the MILP needs it)")
    except KeyError as err:
        fail(f"default_terms lacks {err}, which its capex or contract reads")
    if not isinstance(fin, Financing) or any(np.shape(getattr(fin, f.name)) != (61,) for f in fields(Financing)):
        fail("capex must return a Financing on the time grid 0..H")
    paid = float(fin.upfront.sum() + fin.principal.sum())
    if mode.holder == "owner" and not np.isclose(paid, 1.0):
        fail(f"the owner holds the asset but its capex schedule pays {paid:.6g} per CNY of net capex, not 1")
    if mode.holder != "owner" and (paid or fin.fees.any()):
        fail("an investor holds the asset, but the owner pays for its capex")
    MODES[mode.name] = mode
    return mode


register(Mode(
    "own", {"en": "self-invest", "zh": "自投"}, {"en": "", "zh": ""},
    asset_classes=ASSET_CLASSES, holder="owner", borrowed=False, plan_investment=True,
    investor_must_recover=False, default_terms={}, capex=pay_upfront, contract=no_contract))
register(Mode(
    "emc_pv", {"en": "third-party EMC PV", "zh": "合同能源管理光伏"},
    {"en": "a third party owns the PV and sells its power at a discount", "zh": "第三方投资光伏并以折扣电价售电"},
    asset_classes=("pv",), holder="investor_for_term", borrowed=False, plan_investment=False,
    investor_must_recover=False, default_terms={"discount_frac": 0.15, "term_years": 25},
    capex=pay_nothing, contract=power_purchase))
register(Mode(
    "roof_lease", {"en": "roof lease", "zh": "屋顶租赁"},
    {"en": "the roof is rented to a PV investor", "zh": "屋顶出租给光伏投资方"},
    asset_classes=("pv",), holder="investor", borrowed=False, plan_investment=False, investor_must_recover=False,
    default_terms={"rent_cny_per_m2_year": 5.0, "term_years": 25}, capex=pay_nothing, contract=roof_rent))
register(Mode(
    "shared_savings", {"en": "ESCO shared savings", "zh": "节能效益分享"},
    {"en": "an ESCO pays the capex and shares the savings", "zh": "节能服务公司出资并分享节能收益"},
    asset_classes=("storage", "equipment", "service"), holder="investor_for_term", borrowed=False,
    plan_investment=True, investor_must_recover=True, default_terms={"esco_share_of_savings": 0.8, "term_years": 5},
    capex=pay_nothing, contract=share_of_savings))
register(Mode(
    "guaranteed_savings", {"en": "ESCO guaranteed savings", "zh": "节能量保证"},
    {"en": "an ESCO guarantees the savings for a fee", "zh": "节能服务公司保证节能量并收取服务费"},
    asset_classes=("equipment", "service"), holder="owner", borrowed=False, plan_investment=True,
    investor_must_recover=False, default_terms={"fee_frac_capex_per_year": 0.02, "term_years": 5},
    capex=pay_upfront, contract=guarantee_fee))
register(Mode(
    "energy_cost_hosting", {"en": "energy-cost hosting", "zh": "能源费用托管"},
    {"en": "an ESCO hosts the energy bill of this end use for a fixed fee", "zh": "节能服务公司以固定费用托管该用能环节"},
    asset_classes=("equipment", "service"), holder="investor_for_term", borrowed=False, plan_investment=True,
    investor_must_recover=True, default_terms={"discount_frac": 0.08, "term_years": 8},
    capex=pay_nothing, contract=hosting_fee))
register(Mode(
    "finance_lease", {"en": "finance lease", "zh": "融资租赁"},
    {"en": "a finance lease spreads the capex", "zh": "融资租赁分摊投资"},
    asset_classes=ASSET_CLASSES, holder="owner", borrowed=True, plan_investment=True,
    investor_must_recover=False,
    default_terms={"down_payment_frac": 0.2, "interest_rate": 0.06, "term_years": 5, "fee_frac": 0.02,
                   "min_ticket_cny": 500_000.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0},
    capex=pay_instalments, contract=no_contract))
register(Mode(
    "bank_loan", {"en": "bank loan", "zh": "银行贷款"},
    {"en": "a bank loan spreads the capex", "zh": "银行贷款分摊投资"},
    asset_classes=ASSET_CLASSES, holder="owner", borrowed=True, plan_investment=True,
    investor_must_recover=False,
    default_terms={"down_payment_frac": 0.3, "interest_rate": 0.045, "term_years": 5, "fee_frac": 0.0,
                   "min_ticket_cny": 100_000.0, "interest_subsidy_pp": 0.0, "interest_subsidy_years": 0},
    capex=pay_instalments, contract=no_contract))


# ------------------------------------------------------------------------------------------ names and groups
#: Financing modes of an action (measures.csv `financing_modes`, financing.csv `mode`), in registration order.
FINANCING_MODES = tuple(MODES)
#: Modes in which the owner pays and holds the asset.
OWN_LIKE = tuple(n for n, m in MODES.items() if m.owner_holds)
#: Modes that pay an annuity on the financed part of the capex.
BORROWED = tuple(n for n, m in MODES.items() if m.borrowed)
#: Modes in which an investor pays the capex.
THIRD_PARTY = tuple(n for n, m in MODES.items() if not m.owner_holds)
#: Modes only PV can have.
PV_ONLY_MODES = tuple(n for n, m in MODES.items() if m.asset_classes == ("pv",))
#: Modes a site offers for rooftop PV.
PV_MODES = tuple(n for n, m in MODES.items() if "pv" in m.asset_classes)
#: Modes a site offers for storage.
BATTERY_MODES = tuple(n for n, m in MODES.items() if "storage" in m.asset_classes)
#: The modes' names in the owner's words, by language.
MODE_TEXT = {lang: {n: m.label[lang] for n, m in MODES.items()} for lang in ("en", "zh")}
#: Fallback contract terms of every mode (the catalog's financing table wins).
DEFAULT_TERMS = {n: dict(m.default_terms) for n, m in MODES.items()}


def financing(mode: str, terms: dict[str, float], econ: Economics, start_year: int) -> Financing:
    """The owner's payments for the capex of an action started in plan year ``start_year`` with ``mode``, per CNY
    of net capex (``Mode.capex``)."""
    return MODES[mode].capex(terms, econ, start_year)


def replacement_schedule(start_year: int, lifetime_years: int, horizon_years: int, mode: str,
                         term_years: int = 0) -> tuple[list[int], float, bool, bool]:
    """Replacement points paid by the owner, the residual fraction at H, whether the owner holds the asset at H,
    and whether the residual is on the first installation (cost basis after subsidy) or a replacement.

    Conventions in ``pathways.money.economics``: the owner pays a replacement when it holds the asset in the
    contract year the replacement starts (``Mode.holder``); ``term_years`` is the contract term of ``mode``.
    """
    t, L, H = start_year, max(int(lifetime_years), 1), horizon_years
    holder = MODES[mode].holder

    def owner_holds(contract_year: int) -> bool:
        return holder == "owner" or (holder == "investor_for_term" and contract_year > term_years)

    points = []
    n = 1
    while t - 1 + n * L < H:
        if owner_holds(n * L + 1):            # the contract year in which the replacement starts
            points.append(t - 1 + n * L)
        n += 1
    last_install = t - 1 + (n - 1) * L
    left = last_install + L - H
    return points, left / L, owner_holds(H - (t - 1)), n == 1
