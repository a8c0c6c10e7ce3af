"""Single-SME planner benchmarks (medians; not a test).

    python benchmarks/bench_plan.py [repeats]

1. warm plan: pathways.plan() on the Suzhou example in a warm process (data, weather and PV caches loaded),
   without alternatives and explanations, and the same with the defaults (3 alternatives, 5 explanations);
2. CLI end to end: `pathways plan models/suzhou_machining.yaml --alternatives 0` in a fresh process;
3. ratio of total plan time to HiGHS time on the same model;
4. MILP vs the payback-first baseline on the five example SMEs (NPV and cumulative abatement, same budget).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pathways

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "models" / "suzhou_machining.yaml")
MODELS = ["suzhou_machining", "shaoxing_textile_dyeing", "dongguan_electronics", "foshan_building_materials",
          "chengdu_food_processing"]


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(repeats: int = 3) -> None:
    pathways.plan(EXAMPLE, alternatives=0, explain=0)            # warm caches
    t_warm, r = median_time(lambda: pathways.plan(EXAMPLE, alternatives=0, explain=0), repeats)
    print(f"warm plan, no alternatives/explanations: median {t_warm:.2f} s (HiGHS {r.solve_seconds:.2f} s, "
          f"ratio total/HiGHS {r.total_seconds / r.solve_seconds:.2f})")
    t_full, r = median_time(lambda: pathways.plan(EXAMPLE), 1)
    print(f"warm plan with 3 alternatives and 5 explanations: {t_full:.2f} s")
    t_cli, _ = median_time(lambda: subprocess.run(
        [sys.executable, "-m", "pathways.cli.main", "plan", EXAMPLE, "--alternatives", "0"], check=True,
        capture_output=True), repeats)
    print(f"CLI end to end (fresh process, --alternatives 0): median {t_cli:.2f} s")
    print()
    print("| example | MILP NPV CNY | baseline NPV CNY | MILP cumulative abatement t | baseline t | MILP solve s |")
    print("|---|---|---|---|---|---|")
    for name in MODELS:
        r = pathways.plan(str(ROOT / "models" / f"{name}.yaml"), alternatives=0, explain=0)
        b = r.baseline
        print(f"| {name} | {r.npv_cny:,.0f} | {b.npv_cny:,.0f} | {r.totals['cumulative_abatement_t']:,.0f} | "
              f"{b.cumulative_abatement_t:,.0f} | {r.solve_seconds:.2f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
