"""Annual value curves of rooftop PV (by kWp) and batteries (by kWh) for one site, as few-breakpoint
piecewise-linear functions the MILP can use directly.

All inputs are plain numpy arrays on the 8760-hour typical-year grid (see ``pathways.energy.load``); prices in
CNY/kWh. Value is the yearly electricity-bill saving (plus export revenue) in CNY, relative to the same
site without the asset.

PV (exact, no dispatch): with size s kWp, hourly PV s*pv_h serves the load first; the rest is exported.
    self(s)   = sum_h min(load_h, s*pv_h)
    value(s)  = sum_h price_h*min(load_h, s*pv_h) + export_h*(s*pv_h - min(load_h, s*pv_h))
This is piecewise linear in s with kinks at s = load_h/pv_h, and concave when export_h <= price_h in every
PV hour. Sorting the kinks once gives the exact value at any number of sizes in O(8760 log 8760).
``pv_value_curve`` keeps only the breakpoints needed for a relative error below ``rel_tol`` at every size
(checked exactly at every kink, where the error of one piecewise-linear function against another peaks).
For a concave curve the chords lie below it, so a MILP using the curve underestimates the PV value by at
most ``rel_tol`` and never overestimates it.

Battery (LP, solved with highspy): the value of adding a battery of E kWh to the site as it is, PV
included (the PV array is fixed input; the joint value of PV and battery is not the sum of two curves
computed alone). Power P = E/duration_h on both the charging (AC in) and discharging (AC out) side,
charge efficiency = discharge efficiency = sqrt(rte), no self-discharge or degradation, no battery export
(discharge <= load not covered by PV), charging from grid or PV surplus (surplus charging gives up the export
price). The LP value is concave in E (E enters only the right-hand side of a maximisation).
``method="full"``: one LP over 8760 hours, state of charge cyclic over the year.
``method="repdays"``: representative days, each with a cyclic state of charge within the day: per month,
days are split into working / non-working by daily load energy (2-means on a 1-D threshold), each group
into ``pv_bins`` bins of daily PV energy, and each bin is represented by its medoid day (the actual day
nearest the bin's mean in scaled load/PV/price space) weighted by the number of days in the bin.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pathways.concurrency import HIGHS_LOCK
from pathways.errors import InputError, problem

HOURS = 8760
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass(frozen=True)
class ValueCurve:
    """Annual value (CNY/yr) of an asset at a few sizes; linear in between.

    ``breakpoints`` are sizes in ``size_unit`` ('kWp' for PV, 'kWh' for batteries), starting at 0.
    ``self_consumed_kwh``: PV energy used on site (PV curve: by the PV; battery curve: by the site with
    the battery, incl. PV stored and discharged later). ``exported_kwh``: PV energy exported. ``discharged_kwh``:
    battery output (battery curves only). ``max_rel_error`` is the largest relative error of the
    interpolation against the exact curve at any size (NaN when not known: battery curves, whose sizes are
    given by the caller). ``is_concave``: slopes non-increasing.
    """

    breakpoints: np.ndarray
    value_cny: np.ndarray
    size_unit: str
    self_consumed_kwh: np.ndarray
    exported_kwh: np.ndarray
    discharged_kwh: np.ndarray | None = None
    max_rel_error: float = float("nan")
    method: str = "exact"

    @property
    def breakpoints_kwp(self) -> np.ndarray:
        if self.size_unit != "kWp":
            raise AttributeError("breakpoints_kwp exists only on PV curves (size_unit 'kWp')")
        return self.breakpoints

    @property
    def breakpoints_kwh(self) -> np.ndarray:
        if self.size_unit != "kWh":
            raise AttributeError("breakpoints_kwh exists only on battery curves (size_unit 'kWh')")
        return self.breakpoints

    @property
    def slopes(self) -> np.ndarray:
        """Marginal value of each segment, CNY/yr per size unit."""
        return np.diff(self.value_cny) / np.diff(self.breakpoints)

    @property
    def is_concave(self) -> bool:
        s = self.slopes
        return bool(np.all(np.diff(s) <= 1e-9 * max(1.0, float(np.abs(s).max(initial=0.0)))))

    def at(self, size: float | np.ndarray) -> float | np.ndarray:
        """Value by linear interpolation; sizes outside [0, max breakpoint] raise InputError."""
        s = np.asarray(size, dtype=float)
        if np.any(~np.isfinite(s)) or np.any(s < 0) or np.any(s > self.breakpoints[-1] * (1 + 1e-12)):
            raise InputError(problem("size", size, f"0 to {self.breakpoints[-1]:g} {self.size_unit}"))
        out = np.interp(s, self.breakpoints, self.value_cny)
        return float(out) if out.ndim == 0 else out


# ------------------------------------------------------------------------------------------------------
# input checks
# ------------------------------------------------------------------------------------------------------
def _hourly(name: str, x: object, *, scalar_ok: bool = False, nonneg: bool = False) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim == 0 and scalar_ok:
        a = np.full(HOURS, float(a))
    if a.shape != (HOURS,):
        raise InputError(problem(name, f"shape {a.shape}", f"an array of {HOURS} hourly values"
                                 + (" or one number" if scalar_ok else "")))
    if not np.all(np.isfinite(a)):
        raise InputError(problem(name, "non-finite value", "finite numbers"))
    if nonneg and np.any(a < 0):
        raise InputError(problem(name, float(a.min()), "values >= 0"))
    return a


# ------------------------------------------------------------------------------------------------------
# PV
# ------------------------------------------------------------------------------------------------------
class _PVExact:
    """Exact PV value at many sizes from sorted kinks (cumulative sums; no loop over sizes)."""

    def __init__(self, pv: np.ndarray, load: np.ndarray, price: np.ndarray, export: np.ndarray):
        on = pv > 0
        pv, load, price, export = pv[on], load[on], price[on], export[on]
        ratio = load / pv
        order = np.argsort(ratio, kind="stable")
        self.ratio = ratio[order]
        pv, load, price, export = pv[order], load[order], price[order], export[order]
        z = np.zeros(1)
        # hours with ratio <= s are load-limited (self = load); the others PV-limited (self = s*pv)
        self.cum_load = np.concatenate([z, np.cumsum(load)])
        self.cum_pv = np.concatenate([z, np.cumsum(pv)])
        self.cum_spread_load = np.concatenate([z, np.cumsum((price - export) * load)])
        self.cum_spread_pv = np.concatenate([z, np.cumsum((price - export) * pv)])
        self.export_pv = float(np.dot(export, pv))
        self.total_pv = float(pv.sum())

    def evaluate(self, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(value_cny, self_consumed_kwh, exported_kwh) at each size."""
        s = np.asarray(sizes, dtype=float)
        k = np.searchsorted(self.ratio, s, side="right")
        self_kwh = self.cum_load[k] + s * (self.cum_pv[-1] - self.cum_pv[k])
        value = s * self.export_pv + self.cum_spread_load[k] + s * (self.cum_spread_pv[-1] - self.cum_spread_pv[k])
        return value, self_kwh, s * self.total_pv - self_kwh


def _pv_inputs(pv_kw_per_kwp, load_kw, price_cny_per_kwh, export_price_cny_per_kwh):
    return (_hourly("pv_kw_per_kwp", pv_kw_per_kwp, nonneg=True), _hourly("load_kw", load_kw, nonneg=True),
            _hourly("price_cny_per_kwh", price_cny_per_kwh),
            _hourly("export_price_cny_per_kwh", export_price_cny_per_kwh, scalar_ok=True))


def exact_pv_value(size_kwp: float | np.ndarray, pv_kw_per_kwp, load_kw, price_cny_per_kwh,
                   export_price_cny_per_kwh) -> float | np.ndarray:
    """Direct 8760-hour PV value (CNY/yr) at one size, or at each size of an array (one pass per size)."""
    pv, load, price, export = _pv_inputs(pv_kw_per_kwp, load_kw, price_cny_per_kwh, export_price_cny_per_kwh)
    sizes = np.atleast_1d(np.asarray(size_kwp, dtype=float))
    out = np.empty(len(sizes))
    for i, s in enumerate(sizes):
        gen = s * pv
        used = np.minimum(load, gen)
        out[i] = np.dot(price, used) + np.dot(export, gen - used)
    return float(out[0]) if np.ndim(size_kwp) == 0 else out


def pv_value_curve(pv_kw_per_kwp, load_kw, price_cny_per_kwh, export_price_cny_per_kwh, max_kwp: float,
                   *, rel_tol: float = 0.005) -> ValueCurve:
    """PV value curve on [0, max_kwp] with the fewest greedy breakpoints meeting ``rel_tol``.

    Greedy refinement: start from {0, max_kwp}; while the largest relative error over all kinks exceeds
    ``rel_tol``, add the kink where it is largest. The error is relative to |exact value| at that size
    (floored at 1e-9 of the largest |value| so an all-zero curve is exact).
    """
    if not np.isfinite(max_kwp) or max_kwp <= 0:
        raise InputError(problem("max_kwp", max_kwp, "a finite size > 0 kWp"))
    if not 0 < rel_tol < 1:
        raise InputError(problem("rel_tol", rel_tol, "a fraction between 0 and 1"))
    pv, load, price, export = _pv_inputs(pv_kw_per_kwp, load_kw, price_cny_per_kwh, export_price_cny_per_kwh)
    ex = _PVExact(pv, load, price, export)
    kinks = ex.ratio[(ex.ratio > 0) & (ex.ratio < max_kwp)]
    cand = np.unique(np.concatenate([[0.0, float(max_kwp)], kinks]))
    exact, _, _ = ex.evaluate(cand)
    floor = 1e-9 * max(float(np.abs(exact).max()), 1e-300)
    chosen = np.zeros(len(cand), dtype=bool)
    chosen[[0, -1]] = True
    while True:
        idx = np.flatnonzero(chosen)
        interp = np.interp(cand, cand[idx], exact[idx])
        err = np.abs(interp - exact) / np.maximum(np.abs(exact), floor)
        worst = int(np.argmax(err))
        max_err = float(err[worst])
        if max_err <= rel_tol:
            break
        chosen[worst] = True
    bp = cand[chosen]
    value, self_kwh, exp_kwh = ex.evaluate(bp)
    value[0] = 0.0
    return ValueCurve(breakpoints=bp, value_cny=value, size_unit="kWp", self_consumed_kwh=self_kwh,
                      exported_kwh=exp_kwh, max_rel_error=max_err, method="exact")


# ------------------------------------------------------------------------------------------------------
# battery
# ------------------------------------------------------------------------------------------------------
def representative_days(load_kw: np.ndarray, pv_kw: np.ndarray, price: np.ndarray, export: np.ndarray,
                        pv_bins: int = 4, *, members: bool = False):
    """(day indices 0..364, weights in days summing to 365): medoids per month x working/non-working x PV bin;
    with ``members=True`` also the list of the days each medoid stands for."""
    L, S, P, X = (a.reshape(365, 24) for a in (load_kw, pv_kw, price, export))
    scale = [max(float(np.abs(a).max()), 1e-12) for a in (L, S, P, X)]
    feats = np.hstack([L / scale[0], S / scale[1], P / scale[2], X / scale[3]])
    e_load, e_pv = L.sum(1), S.sum(1)
    month = np.repeat(np.arange(12), _MONTH_DAYS)
    days: list[int] = []
    weights: list[int] = []
    groups_out: list[np.ndarray] = []
    for m in range(12):
        md = np.flatnonzero(month == m)
        lo, hi = e_load[md].min(), e_load[md].max()
        split = (hi - lo) > 0.1 * max(hi, 1e-12)
        groups = [md[e_load[md] < 0.5 * (lo + hi)], md[e_load[md] >= 0.5 * (lo + hi)]] if split else [md]
        for g in groups:
            if len(g) == 0:
                continue
            order = g[np.argsort(e_pv[g], kind="stable")]
            for b in np.array_split(order, min(pv_bins, len(order))):
                d2 = ((feats[b] - feats[b].mean(0)) ** 2).sum(1)
                days.append(int(b[np.argmin(d2)]))
                weights.append(len(b))
                groups_out.append(b)
    if members:
        return np.array(days), np.array(weights, dtype=float), groups_out
    return np.array(days), np.array(weights, dtype=float)


class _BatteryLP:
    """LP over blocks of hours, each block with a cyclic state of charge; re-solved per size (warm start).

    Columns (N hours each): grid charge cg, PV-surplus charge cs, discharge d, state of charge soc.
    Rows: soc_t - soc_prev(t) - eta*(cg_t + cs_t) + d_t/eta = 0;  cg_t + cs_t <= P.
    Objective (max): sum_t w_t * (price_t*d_t - price_t*cg_t - export_t*cs_t).
    """

    def __init__(self, deficit: np.ndarray, surplus: np.ndarray, price: np.ndarray, export: np.ndarray,
                 weight: np.ndarray, block_len: int, rte: float):
        import highspy
        import scipy.sparse as sp

        n = len(deficit)
        self.n, self.deficit, self.surplus, self.weight = n, deficit, surplus, weight
        eta = float(np.sqrt(rte))
        t = np.arange(n)
        prev = np.where(t % block_len == 0, t + block_len - 1, t - 1)
        eye = sp.identity(n, format="csr")
        shift = sp.csr_matrix((np.ones(n), (t, prev)), shape=(n, n))
        balance = sp.hstack([-eta * eye, -eta * eye, eye / eta, eye - shift])
        power = sp.hstack([eye, eye, sp.csr_matrix((n, n)), sp.csr_matrix((n, n))])
        a = sp.vstack([balance, power]).tocsc()
        a.sort_indices()

        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 4 * n, 2 * n
        lp.col_cost_ = np.concatenate([-weight * price, -weight * export, weight * price, np.zeros(n)])
        lp.col_lower_ = np.zeros(4 * n)
        lp.col_upper_ = np.zeros(4 * n)
        lp.row_lower_ = np.concatenate([np.zeros(n), np.full(n, -highspy.kHighsInf)])
        lp.row_upper_ = np.zeros(2 * n)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        h = quiet_highs()
        h.passModel(lp)
        self.h, self.kinf = h, highspy.kHighsInf
        self.model_status_optimal = highspy.HighsModelStatus.kOptimal

    def solve(self, energy_kwh: float, power_kw: float) -> tuple[float, float, float]:
        """(value CNY, weighted discharged kWh, weighted PV-surplus charged kWh) for one size."""
        n = self.n
        upper = np.concatenate([np.full(n, power_kw), np.minimum(self.surplus, power_kw),
                                np.minimum(self.deficit, power_kw), np.full(n, energy_kwh)])
        with HIGHS_LOCK:                   # one HiGHS run at a time (``pathways.concurrency``)
            self.h.changeColsBounds(4 * n, np.arange(4 * n, dtype=np.int32), np.zeros(4 * n), upper)
            self.h.changeRowsBounds(n, np.arange(n, 2 * n, dtype=np.int32), np.full(n, -self.kinf),
                                    np.full(n, power_kw))
            self.h.run()
            if self.h.getModelStatus() != self.model_status_optimal:
                raise RuntimeError(f"battery LP not solved: {self.h.modelStatusToString(self.h.getModelStatus())}")
            x = np.asarray(self.h.getSolution().col_value)
            value = float(self.h.getInfo().objective_function_value)
        return value, float(self.weight @ x[2 * n:3 * n]), float(self.weight @ x[n:2 * n])


_BANNER_DONE = False


def quiet_highs():
    """A silent highspy.Highs. HiGHS prints a banner to the C-level stdout on the first construction in a
    process; that fd is pointed at /dev/null meanwhile so `--json -` output stays clean."""
    import os
    import sys

    import highspy

    global _BANNER_DONE
    with HIGHS_LOCK:                       # descriptor 1 is the whole process's (``pathways.concurrency``)
        if _BANNER_DONE:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


def battery_value_curve(load_kw, pv_kw, price_cny_per_kwh, export_price_cny_per_kwh, sizes_kwh,
                        duration_h: float = 2.0, rte: float = 0.88, method: str = "repdays",
                        *, pv_bins: int = 4) -> ValueCurve:
    """Annual value of a battery at each size in ``sizes_kwh`` (0 is added), given the site's PV output.

    ``pv_kw`` is the PV output in kW (already multiplied by the PV size; zeros for no PV). See the module
    docstring for the LP and the two methods. ``self_consumed_kwh``/``exported_kwh`` are the site's PV
    use/export with the battery; ``discharged_kwh`` the battery's yearly output.
    """
    load = _hourly("load_kw", load_kw, nonneg=True)
    pv = _hourly("pv_kw", pv_kw, nonneg=True)
    price = _hourly("price_cny_per_kwh", price_cny_per_kwh)
    export = _hourly("export_price_cny_per_kwh", export_price_cny_per_kwh, scalar_ok=True)
    sizes = np.asarray(sizes_kwh, dtype=float).ravel()
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes < 0):
        raise InputError(problem("sizes_kwh", sizes_kwh, "one or more finite sizes >= 0 kWh"))
    if not (np.isfinite(duration_h) and duration_h > 0):
        raise InputError(problem("duration_h", duration_h, "a duration > 0 hours"))
    if not (np.isfinite(rte) and 0 < rte <= 1):
        raise InputError(problem("rte", rte, "a round-trip efficiency in (0, 1]"))
    if method not in ("repdays", "full"):
        raise InputError(problem("method", method, "'repdays' or 'full'"))
    if not (isinstance(pv_bins, (int, np.integer)) and pv_bins >= 1):
        raise InputError(problem("pv_bins", pv_bins, "a whole number >= 1"))
    sizes = np.unique(np.concatenate([[0.0], sizes]))

    deficit = np.maximum(load - pv, 0.0)
    surplus = np.maximum(pv - load, 0.0)
    if method == "full":
        hours, weight, block = np.arange(HOURS), np.ones(HOURS), HOURS
    else:
        days, wdays = representative_days(load, pv, price, export, pv_bins)
        hours = (days[:, None] * 24 + np.arange(24)).ravel()
        weight, block = np.repeat(wdays, 24), 24
    lp = _BatteryLP(deficit[hours], surplus[hours], price[hours], export[hours], weight, block, rte)

    base_self = float(np.minimum(load, pv).sum())
    base_export = float(surplus.sum())
    value = np.zeros(len(sizes))
    dis = np.zeros(len(sizes))
    pv_charge = np.zeros(len(sizes))
    for i, e in enumerate(sizes):
        if e > 0:
            value[i], dis[i], pv_charge[i] = lp.solve(e, e / duration_h)
    return ValueCurve(breakpoints=sizes, value_cny=value, size_unit="kWh",
                      self_consumed_kwh=base_self + pv_charge, exported_kwh=base_export - pv_charge,
                      discharged_kwh=dis, method=method)


# ------------------------------------------------------------------------------------------------------
# joint value of own PV and a battery on a scaled load (the plan's own net load)
# ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dispatch:
    """One solve of ``StorageDispatch`` (energies in kWh/yr, money in CNY/yr, at base-year prices).

    ``value_cny``: W, the bill saving of the PV and the battery together against neither. ``battery_value_cny``:
    W - W(battery 0), the battery's own saving on the net load left by the PV. ``plane`` (a, b, c): from the LP
    duals, W(S', P', r') <= a r' + b P' + c S' at every battery size S' >= 0, PV size P' >= 0 (kWp on the
    reference profile) and load scale r' >= 0, with equality at the point solved (a tangent plane of a concave,
    positively homogeneous function). ``pv_plane``: the same for the PV alone (battery 0).
    ``import_change_kwh``/``export_change_kwh``: the battery's effect on grid import/export (grid charging -
    discharge; - PV surplus charged). ``losses_kwh``: charged - discharged (AC).
    """

    value_cny: float
    battery_value_cny: float
    plane: tuple[float, float, float]
    pv_plane: tuple[float, float]        # (a0, b0): the plane of W(0, P, r) at the same P and r
    discharged_kwh: float
    grid_charged_kwh: float
    pv_charged_kwh: float
    losses_kwh: float
    import_change_kwh: float
    export_change_kwh: float
    full_cycles: float


class StorageDispatch:
    """Dispatch LP of own PV and a battery on the load r x ``load_kw`` (highspy; one model, warm-started re-solves
    with new right-hand sides, results cached by rounded inputs).

    Per hour t (weight w_t: 1 for the full year, the days a representative day stands for):
        columns  ps (PV to load), pe (PV exported), pc (PV to battery), gc (grid to battery), d (battery to load),
                 soc (state of charge, kWh)
        rows     ps + pe + pc <= G_t                 (PV output G = P x pv_ref, or any hourly array)
                 ps + d <= r L_t                     (no battery export)
                 soc_t = soc_prev + eta (pc + gc) - d / eta   (eta = sqrt(rte); cyclic per block)
                 pc + gc <= S / duration,  d <= S / duration,  soc <= S
                 sum_t w_t d_t / eta <= cycles_per_year x S   (throughput: full cycles of the cells per year)
        maximise sum_t w_t [price_t (ps + d - gc) + export_t pe].
    Every right-hand side and bound is r, P or S times a constant and every lower bound is 0, so the optimum W is
    concave and positively homogeneous of degree 1 in (r, P, S), and the dual objective at any dual solution is a
    linear function a r + b P + c S that bounds W from above everywhere (weak duality) and equals it at the point
    solved (strong duality): an outer approximation the MILP uses directly.
    Exported PV is valued at min(export, price - 1e-5 CNY): where the export price exceeds the grid price (a midday
    valley, as in Zhejiang) an LP could export PV while it imports, which the meter forbids (PV serves the load
    first), so there the LP values PV surplus, and a battery charging from it, at the grid price instead of the
    export price; elsewhere the LP value is the physical one: self-consumption min(load, PV), export of the
    surplus and battery arbitrage. ``method='repdays'`` uses ``representative_days`` of (load, pv_ref, price,
    export), each day cyclic, each medoid's load and PV scaled to the mean daily energy of the days it stands for.
    """

    def __init__(self, load_kw, pv_ref_kw_per_kwp, price_cny_per_kwh, export_price_cny_per_kwh, *,
                 duration_h: float = 2.0, rte: float = 0.88, cycles_per_year: float = float("inf"),
                 method: str = "repdays", pv_bins: int = 4):
        import highspy
        import scipy.sparse as sp

        load = _hourly("load_kw", load_kw, nonneg=True)
        pv_ref = _hourly("pv_ref_kw_per_kwp", pv_ref_kw_per_kwp, nonneg=True)
        price = _hourly("price_cny_per_kwh", price_cny_per_kwh)
        export = _hourly("export_price_cny_per_kwh", export_price_cny_per_kwh, scalar_ok=True)
        if not (np.isfinite(duration_h) and duration_h > 0):
            raise InputError(problem("duration_h", duration_h, "a duration > 0 hours"))
        if not (np.isfinite(rte) and 0 < rte <= 1):
            raise InputError(problem("rte", rte, "a round-trip efficiency in (0, 1]"))
        if not (cycles_per_year > 0):
            raise InputError(problem("cycles_per_year", cycles_per_year, "a number of full cycles > 0 (or inf)"))
        if method not in ("repdays", "full"):
            raise InputError(problem("method", method, "'repdays' or 'full'"))
        if method == "full":
            hours, weight, block = np.arange(HOURS), np.ones(HOURS), HOURS
        else:
            days, wdays, groups = representative_days(load, pv_ref, price, export, pv_bins, members=True)
            hours = (days[:, None] * 24 + np.arange(24)).ravel()
            weight, block = np.repeat(wdays, 24), 24
        n = len(hours)
        self.hours, self.weight, self.n, self.method = hours, weight, n, method
        self.load, self.pv_ref = load[hours], pv_ref[hours]
        # PV surplus is worth min(export, price) a hair below the price: the LP then serves the load from PV first,
        # as the meter does, and never exports while it imports (see the class docstring)
        export = np.minimum(export, price - 1e-5)
        if method == "repdays":
            # each medoid's load and PV scaled to its days' mean daily energy: the representative year keeps the
            # full year's energies (the PV value at sizes below the load is then exact up to the price profile)
            L, G = load.reshape(365, 24), pv_ref.reshape(365, 24)
            for q, (d, g) in enumerate(zip(days, groups)):
                for arr, full in ((self.load, L), (self.pv_ref, G)):
                    own = full[d].sum()
                    if own > 0:
                        arr[24 * q:24 * (q + 1)] *= full[g].sum(1).mean() / own
        self.price, self.export = price[hours], export[hours]
        self.duration_h, self.rte, self.cycles = float(duration_h), float(rte), float(cycles_per_year)
        eta = self.eta = float(np.sqrt(rte))
        t = np.arange(n)
        prev = np.where(t % block == 0, t + block - 1, t - 1)
        eye = sp.identity(n, format="csr")
        zero = sp.csr_matrix((n, n))
        shift = sp.csr_matrix((np.ones(n), (t, prev)), shape=(n, n))
        # column order: ps, pe, pc, gc, d, soc
        rows = [sp.hstack([eye, eye, eye, zero, zero, zero]),                     # PV
                sp.hstack([eye, zero, zero, zero, eye, zero]),                    # load
                sp.hstack([zero, zero, -eta * eye, -eta * eye, eye / eta, eye - shift]),   # balance
                sp.hstack([zero, zero, eye, eye, zero, zero]),                    # charge power
                sp.csr_matrix(np.concatenate([np.zeros(4 * n), weight / eta, np.zeros(n)])[None, :])]  # throughput
        a = sp.vstack(rows).tocsc()
        a.sort_indices()
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 6 * n, 4 * n + 1
        w = weight
        lp.col_cost_ = np.concatenate([w * self.price, w * self.export, np.zeros(n), -w * self.price,
                                       w * self.price, np.zeros(n)])
        lp.col_lower_ = np.zeros(6 * n)
        lp.col_upper_ = np.concatenate([np.full(4 * n, inf), np.zeros(2 * n)])
        lp.row_lower_ = np.concatenate([np.full(2 * n, -inf), np.zeros(n), np.full(n + 1, -inf)])
        lp.row_upper_ = np.zeros(4 * n + 1)
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        self.h = quiet_highs()
        self.h.setOptionValue("presolve", "off")      # re-solves start from the last basis
        self.h.passModel(lp)
        self.inf = inf
        self.optimal = highspy.HighsModelStatus.kOptimal
        self._cache: dict[tuple, Dispatch] = {}
        self._base: dict[tuple, tuple[float, float, float]] = {}

    # the PV of a solve: P x pv_ref, or an hourly array (8760) of several PV arrays
    def _gen(self, pv_kwp: float, pv_kw) -> tuple[np.ndarray, tuple]:
        if pv_kw is None:
            return pv_kwp * self.pv_ref, ("kwp", round(float(pv_kwp), 3))
        g = np.asarray(pv_kw, dtype=float)
        if g.shape != (HOURS,) or not np.all(np.isfinite(g)) or np.any(g < 0):
            raise InputError(problem("pv_kw", f"shape {g.shape}", f"{HOURS} finite hourly values >= 0"))
        g = np.round(g[self.hours], 4)
        return g, ("kw", hash(g.tobytes()))

    def _run(self, battery_kwh: float, ratio: float, gen: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        n, S = self.n, battery_kwh
        power = S / self.duration_h
        cols = np.arange(4 * n, 6 * n, dtype=np.int32)
        rows = np.concatenate([np.arange(2 * n), np.arange(3 * n, 4 * n + 1)]).astype(np.int32)
        thr = self.cycles * S if np.isfinite(self.cycles) else self.inf
        upper = np.concatenate([gen, ratio * self.load, np.full(n, power), [thr]])
        with HIGHS_LOCK:                   # one HiGHS run at a time; the LP object may be shared by sessions
            self.h.changeColsBounds(2 * n, cols, np.zeros(2 * n),
                                    np.concatenate([np.full(n, power), np.full(n, S)]))
            self.h.changeRowsBounds(len(rows), rows, np.full(len(rows), -self.inf), upper)
            self.h.run()
            if self.h.getModelStatus() != self.optimal:
                raise RuntimeError(f"storage LP not solved: {self.h.modelStatusToString(self.h.getModelStatus())}")
            sol = self.h.getSolution()
            return (float(self.h.getInfo().objective_function_value), np.asarray(sol.col_value),
                    np.asarray(sol.col_dual), np.asarray(sol.row_dual))

    def solve(self, battery_kwh: float, ratio: float = 1.0, pv_kwp: float = 0.0, pv_kw=None) -> Dispatch:
        """The dispatch at battery size ``battery_kwh`` (kWh usable now, fade applied by the caller), load scale
        ``ratio`` and PV ``pv_kwp`` on the reference profile (or ``pv_kw``, hourly kW of 8760 hours)."""
        for name, x in (("battery_kwh", battery_kwh), ("ratio", ratio), ("pv_kwp", pv_kwp)):
            if not (np.isfinite(x) and x >= 0):
                raise InputError(problem(name, x, "a finite number >= 0"))
        S, r = round(float(battery_kwh), 3), round(float(ratio), 6)
        gen, gkey = self._gen(pv_kwp, pv_kw)
        key = (S, r, gkey)
        if key in self._cache:
            return self._cache[key]
        n, w = self.n, self.weight
        value, x, cdual, rdual = self._run(S, r, gen)
        # dual objective as a linear function of (r, P, S): positive multipliers of the upper bounds (maximise)
        y = np.maximum(rdual, 0.0)
        dc = np.maximum(cdual, 0.0)
        a = float(y[n:2 * n] @ self.load)
        b = float(y[:n] @ self.pv_ref)
        c = float((y[3 * n:4 * n].sum() + dc[4 * n:5 * n].sum()) / self.duration_h + dc[5 * n:].sum()
                  + (self.cycles * y[4 * n] if np.isfinite(self.cycles) else 0.0))
        gkey0 = (r, gkey)
        if gkey0 not in self._base:
            # without a battery every hour stands alone: PV serves the load, the surplus is exported where that
            # pays (export < price, so this is the LP's optimum); plane from the hourly duals (price - export on
            # the load rows of surplus hours, the PV's hourly value on the PV rows)
            L, e = r * self.load, np.maximum(self.export, 0.0)
            used = np.minimum(L, gen)
            sur = gen > L
            out_kwh = (gen - used) * (self.export > 0)
            self._base[gkey0] = (float(w @ (self.price * used + e * (gen - used))), float(w @ (L - used)),
                                 float(w @ out_kwh), (float(w @ np.where(sur, (self.price - e) * self.load, 0.0)),
                                                      float(w @ (np.where(sur, e, self.price) * self.pv_ref))))
        base_value, base_import, base_export, base_plane = self._base[gkey0]
        ps, pe, pc, gc, d = (x[i * n:(i + 1) * n] for i in range(5))
        dis, gch, pch = float(w @ d), float(w @ gc), float(w @ pc)
        out = Dispatch(value_cny=value, battery_value_cny=value - base_value, plane=(a, b, c),
                       pv_plane=base_plane, discharged_kwh=dis,
                       grid_charged_kwh=gch, pv_charged_kwh=pch, losses_kwh=gch + pch - dis,
                       import_change_kwh=float(w @ (r * self.load - ps - d + gc)) - base_import,
                       export_change_kwh=float(w @ pe) - base_export,
                       full_cycles=dis / self.eta / S if S > 0 else 0.0)
        self._cache[key] = out
        return out
