"""The package installs as a package: the wheel carries the reference data, the examples and the app; the data is
found through importlib.resources; ``pathways examples`` and ``pathways --version``.

The wheel is built from a copy of the project (the same ``pip wheel`` command), so that concurrent runs share no
``build/`` folder. .ci/run installs the wheel into a fresh virtual environment and plans an example with it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import pathways
from pathways import paths
from pathways.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
NOT_BUILT = ("tests", "docs", "notebooks", "benchmarks", "build", "dist", "out", ".git", ".ci", ".pytest_cache",
             ".hypothesis", ".benchmarks", "*.egg-info", "__pycache__", "*.pyc")
APP = {"app.py"} | ({".streamlit/config.toml"} if (ROOT / ".streamlit" / "config.toml").is_file() else set())


def repo_files(*folders: str) -> set[str]:
    """Files under the repository's top-level folders, as paths relative to the repository root."""
    return {p.relative_to(ROOT).as_posix() for f in folders for p in (ROOT / f).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "pathways-src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_BUILT))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", ".", "-w", str(out)], cwd=src,
                   check=True, capture_output=True, timeout=300)
    (whl,) = out.glob("pathways-*.whl")
    return whl


def test_wheel_carries_data_weather_examples_sweeps_and_app(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {n.removeprefix("pathways/_bundled/") for n in names if n.startswith("pathways/_bundled/")}
    for must in ("data/catalog/measures.csv", "data/defaults.yaml", "models/suzhou_machining.yaml",
                 "models/parks/suzhou_machinery_electronics_park.yaml", "scenarios/high_carbon_price.yaml",
                 "scenarios/sweeps/policy_pv_subsidy.yaml", "app.py"):
        assert must in bundled, must
    weather = {n for n in bundled if n.startswith("data/weather/") and n.endswith(".epw.gz")}
    assert weather == repo_files("data/weather") - {"data/weather/README.md"}
    assert len(weather) >= 20
    # every file of the authoritative top-level folders is in the wheel, and nothing else is bundled
    assert bundled == repo_files("data", "models", "scenarios") | APP
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "pathways/cli/main.py" in names and "pathways/ui/sme.py" in names


def test_unpacked_wheel_reads_its_own_data_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "PATHWAYS_DATA"}
    env["PYTHONPATH"] = str(site)                      # ahead of the editable install of this checkout
    run = subprocess.run([sys.executable, "-c", "import pathways.paths as p; print(p.__file__); print(p.DATA_DIR); "
                          "print(p.MODELS_DIR)"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(site / "pathways" / "paths.py"), str(site / "pathways" / "_bundled" / "data"),
                                  str(site / "pathways" / "_bundled" / "models")]
    cmd = [sys.executable, "-m", "pathways.cli.main"]
    run = subprocess.run(cmd + ["examples", "--out", "ex"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    run = subprocess.run(cmd + ["validate", "ex/models/suzhou_machining.yaml", "ex/models/parks/foshan_mixed_park.yaml",
                                "ex/scenarios/high_carbon_price.yaml"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(": ok") == 3


def test_resources_are_found_without_pathways_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PATHWAYS_DATA"}
    run = subprocess.run([sys.executable, "-c", "import pathways.paths as p; print(p.DATA_DIR); print(p.SCENARIOS_DIR)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    data, scenarios = map(Path, run.stdout.split())
    assert data == ROOT / "data" and scenarios == ROOT / "scenarios"    # a checkout reads its top-level folders
    assert (data / "catalog" / "measures.csv").is_file()
    assert (paths.bundle_root() / "models" / "suzhou_machining.yaml").is_file()


def test_pathways_data_points_the_reference_data_elsewhere(tmp_path):
    env = {**os.environ, "PATHWAYS_DATA": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", "import pathways.paths as p; print(p.DATA_DIR); print(p.WEATHER_DIR)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == [str(tmp_path), str(tmp_path / "weather")]


def test_examples_copies_models_parks_scenarios_sweeps_and_app(tmp_path, capsys):
    out = tmp_path / "ex"
    assert cli.main(["examples", "--out", str(out)]) == 0
    copied = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert copied == {f for f in repo_files("models", "scenarios")} | {"app.py", ".streamlit/config.toml"}
    assert "gatherUsageStats = false" in (out / ".streamlit" / "config.toml").read_text()   # the copy sends nothing
    assert {"models/suzhou_machining.yaml", "models/parks/foshan_mixed_park.yaml",
            "scenarios/sweeps/sweep_budget_lhs.yaml"} <= copied
    assert (out / "models" / "suzhou_machining.yaml").read_bytes() == (ROOT / "models" / "suzhou_machining.yaml"
                                                                       ).read_bytes()
    capsys.readouterr()
    # every copied sweep resolves there: its relative paths point inside the copy
    for sweep in sorted((out / "scenarios" / "sweeps").glob("*.yaml")):
        assert cli.main(["batch", str(sweep), "--out", str(tmp_path / "runs" / sweep.stem), "--dry-run"]) == 0, \
            capsys.readouterr().err


def test_examples_refuses_a_non_empty_folder_unless_forced(tmp_path, capsys):
    out = tmp_path / "ex"
    out.mkdir()
    (out / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    assert cli.main(["examples", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --out:") and "--force" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["mine.yaml"]          # nothing copied
    assert cli.main(["examples", "--out", str(out), "--force"]) == 0
    assert (out / "mine.yaml").is_file() and (out / "models" / "suzhou_machining.yaml").is_file()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["examples", "--out", str(a_file), "--force"]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_version_comes_from_the_package_metadata(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pathways {version('pathways')}"
    assert version("pathways") == pathways.__version__     # pyproject reads the version from the package
