"""Speed of the value curves: one PV curve, one battery curve (repdays and full year). Prints medians.

Run: python benchmarks/bench_value.py [repeats]
Synthetic 8760-hour inputs (machinery two-shift load, half-sine PV with random daily cloudiness, a TOU
price) so the numbers do not depend on pvlib or the tariff tables.
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from pathways.energy.load import hourly_load_kw
from pathways.energy.value import battery_value_curve, pv_value_curve


def inputs(seed: int = 0):
    h = np.arange(8760)
    hod, doy = h % 24, h // 24
    rng = np.random.default_rng(seed)
    season = 0.8 + 0.2 * np.cos(2 * np.pi * (doy - 172) / 365)
    clear = np.clip(np.sin(np.pi * (hod + 0.5 - 6) / 12.5), 0, None) * season
    pv = 0.85 * clear * np.repeat(rng.uniform(0.1, 1.0, 365), 24)
    load = hourly_load_kw(2_000_000, "machinery", "two")
    price = np.where(((hod >= 8) & (hod < 11)) | ((hod >= 17) & (hod < 22)), 1.2, np.where(hod < 8, 0.3, 0.7))
    return pv, load, price


def median_s(fn, repeats: int) -> float:
    fn()  # warm-up (imports, HiGHS banner)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(repeats: int = 7) -> None:
    pv, load, price = inputs()
    sizes = np.linspace(250, 4000, 8)
    cases = {
        "pv_value_curve (0-3000 kWp)": lambda: pv_value_curve(pv, load, price, 0.35, 3000.0),
        "battery_value_curve repdays (8 sizes)": lambda: battery_value_curve(load, pv * 800, price, 0.35, sizes),
        "battery_value_curve full year (8 sizes)": lambda: battery_value_curve(load, pv * 800, price, 0.35, sizes,
                                                                             method="full"),
    }
    c = pv_value_curve(pv, load, price, 0.35, 3000.0)
    print(f"PV curve: {len(c.breakpoints)} breakpoints, max relative error {c.max_rel_error:.4%}")
    for name, fn in cases.items():
        print(f"{name:45s} median {median_s(fn, repeats) * 1000:8.1f} ms over {repeats} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
