"""A batch on a local Dask cluster killed with SIGKILL mid-run, then resumed, ends with every run present exactly
once (and the killed batch's worker processes go away with it)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import pathways
from pathways import batch
from pathways.inputs.sweep import load_sweep

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml")


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_gives_every_run_exactly_once(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(yaml.safe_dump({
        "name": "durability", "models": [SMALL], "set": {"assumptions.subsidies.presets": "none"},
        "points": {"lhs": {"samples": 40, "seed": 3, "ranges": {
            "assumptions.subsidies.solar_capex_share": [0.0, 0.4], "electricity.annual_kwh": [5e5, 1.5e6]}}}}))
    out = tmp_path / "out"
    expected = {r.run_id for r in batch.expand(load_sweep(spec))}
    assert len(expected) == 40
    cmd = [sys.executable, "-m", "pathways.cli.main", "batch", str(spec), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    runs = out / "runs"
    deadline = time.monotonic() + 40
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        at_kill = {p.stem for p in runs.glob("*.parquet")}
        assert 3 <= len(at_kill) < len(expected)        # killed mid-run
        # the workers notice their parent is gone and exit
        deadline = time.monotonic() + 20
        while _alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(proc.pid), "worker processes outlived the killed batch"
    finally:
        if _alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)        # our own process group only
        proc.stdout.close()
        proc.stderr.close()
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    m = re.search(r"(\d+) runs: (\d+) done, (\d+) infeasible, (\d+) failed, (\d+) already finished", done.stdout)
    assert m, done.stdout
    total, ran, _, failed, skipped = map(int, m.groups())
    assert total == 40 and failed == 0 and skipped >= len(at_kill) and ran + skipped == 40
    df = pathways.collect(out)
    assert len(df) == 40 and df["run_id"].is_unique and set(df["run_id"]) == expected
    assert sorted(df["point_index"]) == list(range(40))
    assert set(df["status"]) == {"optimal"}
    assert not list(runs.glob(".*.tmp"))
