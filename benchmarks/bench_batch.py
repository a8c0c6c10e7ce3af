"""Batch benchmarks (medians; not a test).

    python benchmarks/bench_batch.py [points] [repeats]

On the small test site (tests/fixtures/site_plan_small.yaml, plan settings alternatives=0, explain=0, HiGHS 1 thread
per worker), a Latin-hypercube sweep of ``points`` distinct configurations (no budget re-solve):
1. throughput on 1 and 2 local Dask workers once warm (plans/s) and the scaling efficiency 1 -> 2 workers;
2. overhead per task: a Dask round trip of a no-op task, and batch wall time per run x workers minus the median
   in-worker plan time (resolve, hash check, scheduling, Parquet write);
3. memory per worker (RSS after the runs);
4. resume cost: a resumed batch whose runs are all finished, and expanding the 1,000-run example sweep
   (scenarios/sweeps/sweep_carbon_subsidy.yaml: resolving every point to get its run id);
5. re-solving a built model for budget-only changes vs rebuilding, in one process (10 budgets; the small site and
   the Dongguan example).
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml")
DONGGUAN = str(ROOT / "models" / "dongguan_electronics.yaml")


def noop(x):
    return x


def rss_mb():
    import psutil
    return psutil.Process().memory_info().rss / 2 ** 20


def spec(tmp: Path, name: str, model: str, points: dict) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "models": [model], "set": {"assumptions.subsidies.presets": "none"},
                                    "points": points}), encoding="utf-8")
    return path


def lhs(n: int, seed: int) -> dict:
    return {"lhs": {"samples": n, "seed": seed, "ranges": {"electricity.annual_kwh": [5e5, 1.5e6],
                                                           "assumptions.subsidies.solar_capex_share": [0.0, 0.4]}}}


def throughput(workers: int, n: int, repeats: int, tmp: Path) -> dict:
    import logging

    from distributed import Client, LocalCluster

    import pathways
    from pathways import batch
    from pathways.inputs.sweep import load_sweep

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        warm = load_sweep(spec(tmp, f"warm{workers}", SMALL, lhs(4 * workers, 99)))
        batch.run_batch(warm, tmp / f"warm{workers}", client=client, progress=False)
        rates, overheads, inners = [], [], []
        for r in range(repeats):
            sweep = load_sweep(spec(tmp, f"tp{workers}_{r}", SMALL, lhs(n, 1000 + r)))
            runs = batch.expand(sweep)
            out = tmp / f"tp{workers}_{r}"
            t0 = time.perf_counter()
            s = batch.run_batch(sweep, out, client=client, progress=False, runs=runs)
            wall = time.perf_counter() - t0
            assert s.done == n, s.text()
            rates.append(n / wall)
            inner = pathways.collect(out)["total_seconds"].median()
            inners.append(inner)
            overheads.append(wall * workers / n - inner)
        t0 = time.perf_counter()
        client.gather(client.map(noop, range(500), pure=False))
        dask_rt = (time.perf_counter() - t0) / 500
        mem = sorted(client.run(rss_mb).values())
        t0 = time.perf_counter()
        s = batch.run_batch(sweep, out, client=client, progress=False, resume=True)
        resume_s = time.perf_counter() - t0
        assert s.skipped == n
    finally:
        client.close()
        cluster.close()
    return {"rate": statistics.median(rates), "rates": rates, "overhead": statistics.median(overheads),
            "inner": statistics.median(inners),
            "dask_rt": dask_rt, "mem": mem, "resume_s": resume_s}


def reuse_speedup(model: str, repeats: int, tmp: Path) -> tuple[float, float]:
    from pathways import batch
    from pathways.inputs.sweep import load_sweep

    budgets = [100000 * k for k in range(1, 11)]
    name = Path(model).stem
    sweep = load_sweep(spec(tmp, f"budgets_{name}", model, {"grid": {"finance.budget_cny_per_year": budgets}}))
    runs = batch.expand(sweep)
    batch.run_batch(sweep, tmp / f"reuse_warm_{name}", workers=0, progress=False, runs=runs)
    times = {True: [], False: []}
    for r in range(repeats):
        for reuse in (True, False):
            out = tmp / f"reuse_{name}_{reuse}_{r}"
            t0 = time.perf_counter()
            batch.run_batch(sweep, out, workers=0, reuse=reuse, progress=False, runs=runs)
            times[reuse].append(time.perf_counter() - t0)
    return statistics.median(times[False]) / len(budgets), statistics.median(times[True]) / len(budgets)


def main(n: int = 40, repeats: int = 3) -> None:
    from pathways import batch
    from pathways.inputs.sweep import load_sweep

    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        one = throughput(1, n, repeats, tmp)
        two = throughput(2, n, repeats, tmp)
        print(f"small site, {n} distinct plans per batch, medians of {repeats}:")
        print(f"  throughput 1 worker : {one['rate']:.2f} plans/s  (runs {', '.join(f'{x:.2f}' for x in one['rates'])})")
        print(f"  throughput 2 workers: {two['rate']:.2f} plans/s  (runs {', '.join(f'{x:.2f}' for x in two['rates'])})")
        print(f"  scaling efficiency 1 -> 2 workers: {100 * two['rate'] / (2 * one['rate']):.0f} %")
        print(f"  median plan time inside a worker: {one['inner']:.3f} s (1 worker), {two['inner']:.3f} s (2 workers)")
        print(f"  Dask round trip of a no-op task: {1e3 * two['dask_rt']:.2f} ms")
        print(f"  batch overhead per run beyond the plan itself (2 workers): {1e3 * two['overhead']:.0f} ms")
        print(f"  memory per worker (RSS): {', '.join(f'{m:.0f}' for m in two['mem'])} MB")
        print(f"  resume of a finished {n}-run batch: {two['resume_s']:.2f} s ({1e3 * two['resume_s'] / n:.1f} ms/run)")
        t0 = time.perf_counter()
        big = batch.expand(load_sweep(ROOT / "scenarios" / "sweeps" / "sweep_carbon_subsidy.yaml"))
        print(f"  expanding scenarios/sweeps/sweep_carbon_subsidy.yaml ({len(big)} runs, run ids for --resume): "
              f"{time.perf_counter() - t0:.2f} s")
        for label, model in (("small site", SMALL), ("Dongguan example", DONGGUAN)):
            rebuild, reuse = reuse_speedup(model, repeats, tmp)
            print(f"  budget-only sweep, {label}, one process: rebuild {rebuild:.3f} s/plan, re-solve "
                  f"{reuse:.3f} s/plan, speed-up {rebuild / reuse:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
