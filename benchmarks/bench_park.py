"""Park planner benchmark (not a test): time, gap and peak memory by park size.

    python benchmarks/bench_park.py                 # 10 and 100 firms
    python benchmarks/bench_park.py 10 100 1000     # sizes to run
    python benchmarks/bench_park.py --workers 2 --time-limit 120 --gap 0.005 1000

Parks come from the generator (``pathways.park.generate``: machinery/electronics/metal products near Suzhou,
seed 1, light catalog). Each size runs on a fresh local Dask cluster of N single-threaded worker processes
(started outside the timed section; its start-up is reported separately). Peak memory is the largest resident set
(``resource.getrusage``, ru_maxrss) of the driver and of each worker; the total is their sum.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(n: int, workers: int, time_limit: float, gap: float) -> dict:
    from distributed import Client, LocalCluster

    from pathways.park.colgen import plan_park
    from pathways.park.generate import generate_park

    model = generate_park(n, 1, "Suzhou", "machinery:0.4,electronics:0.3,metal_products:0.3")
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    startup = time.perf_counter() - t0
    probe = Client(cluster)
    try:
        t1 = time.perf_counter()
        res = plan_park(model, time_limit=time_limit, gap=gap, scheduler=cluster.scheduler_address)
        wall = time.perf_counter() - t1
        worker_mb = probe.run(_peak_rss_mb)
    finally:
        probe.close()
        cluster.close()
    driver_mb = _peak_rss_mb()
    return {"firms": n, "workers": workers, "seconds": round(wall, 1), "cluster_startup_s": round(startup, 1),
            "status": res.status, "gap": res.gap, "rounds": res.iterations,
            "objective_cny": res.objective_cny, "bound_cny": res.bound_cny,
            "value_of_clustering_cny": res.value_of_clustering.value_cny if res.value_of_clustering else None,
            "init_s": round(res.park.get("init_seconds", float("nan")), 1),
            "stopped_because": res.park.get("stopped_because"), "history": res.history,
            "driver_peak_mb": round(driver_mb), "worker_peak_mb_max": round(max(worker_mb.values())),
            "total_peak_mb": round(driver_mb + sum(worker_mb.values()))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10, 100])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=0.005)
    args = ap.parse_args(argv)
    rows = []
    for n in args.sizes:
        row = run(n, args.workers, args.time_limit, args.gap)
        rows.append(row)
        print(json.dumps(row, default=float), flush=True)
    print("\n| firms | workers | time s | gap % | rounds | status | peak MB (driver / max worker / total) |")
    print("|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        g = "n/a" if r["gap"] is None else f"{100 * r['gap']:.2f}"
        print(f"| {r['firms']} | {r['workers']} | {r['seconds']} | {g} | {r['rounds']} | {r['status']} | "
              f"{r['driver_peak_mb']} / {r['worker_peak_mb_max']} / {r['total_peak_mb']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
