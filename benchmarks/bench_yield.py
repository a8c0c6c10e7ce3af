"""Benchmark: 72 hourly PV profiles (24 stations x 3 orientations) cold, from the disk cache, and from memory.

Orientations: south tilt = latitude - 10 (open_rack), east 10 deg and west 10 deg (close_roof).
cold   = all in-memory caches cleared and the disk cache disabled (reads and repairs the weather, runs pvlib)
disk   = memory caches cleared, profiles read from the .npy disk cache (a new process on a warm machine)
memory = everything cached in this process
Prints the median over repeats. Run: ``python benchmarks/bench_yield.py [repeats]``. Targets: cold < 3 s,
memory < 50 ms. Uses a temporary cache directory, never ~/.cache.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from pathways import paths
from pathways.energy import pv
from pathways.reference import weather


def jobs() -> list[tuple[str, float, float, str]]:
    out = []
    for st in weather.stations().itertuples():
        out += [(st.file, round(st.lat_deg - 10, 2), 180.0, "open_rack"), (st.file, 10.0, 90.0, "close_roof"),
                (st.file, 10.0, 270.0, "close_roof")]
    return out


def run(all_jobs, use_disk: bool) -> float:
    t = time.perf_counter()
    for f, tilt, az, m in all_jobs:
        pv.profile_for_station(f, tilt, az, m, use_disk_cache=use_disk)
    return time.perf_counter() - t


def main(repeats: int = 5) -> None:
    paths.CACHE_DIR = Path(tempfile.mkdtemp(prefix="pathways-bench-"))
    all_jobs = jobs()
    cold, disk, mem = [], [], []
    for _ in range(repeats):
        pv.clear_caches(disk=True)
        cold.append(run(all_jobs, use_disk=False))
    run(all_jobs, use_disk=True)  # fill the disk cache
    for _ in range(repeats):
        pv.clear_caches()
        disk.append(run(all_jobs, use_disk=True))
        mem.append(run(all_jobs, use_disk=True))
    n = len(all_jobs)
    print(f"{n} profiles, {repeats} repeats (median)")
    print(f"cold (no caches, no disk): {statistics.median(cold):.3f} s   target < 3 s")
    print(f"disk cache:                {statistics.median(disk) * 1000:.1f} ms")
    print(f"memory cache:              {statistics.median(mem) * 1000:.1f} ms   target < 50 ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
