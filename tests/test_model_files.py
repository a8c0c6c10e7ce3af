"""Data files a model names stay inside the model's folder (issue 12, defect 2).

Before: ``weather_file``, ``electricity.metered_csv`` and ``roofs[].pv_profile_csv`` took absolute paths and '..',
and the reader echoed the file's first line: ``weather_file: /proc/self/environ`` printed the server's environment
("error: weather.columns: ['IS_SANDBOX=yes\\x00SHELL=/bin/bash\\x00..."). Now each such path is refused with one
line naming the field (``pathways.paths.resolve_model_path``), unless ``--allow-path DIR`` admits it; messages never
hold a file's text; files are size-limited before reading."""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pathways import paths
from pathways.cli import main as cli
from pathways.inputs.resolve import resolve
from pathways.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "fixtures" / "site_plan_small.yaml"
SECRET = "SECRET_TOKEN_7f3a"
FIELDS = ["weather_file", "electricity.metered_csv", "roofs[0].pv_profile_csv"]


def run_cli(*argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue() + err.getvalue()


def metered_csv(path: Path) -> Path:
    """A valid hourly metered load: a year of 100 kW."""
    stamps = pd.date_range("2023-01-01", periods=8760, freq="h")
    pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%d %H:%M"), "kw": 100.0}).to_csv(path, index=False)
    return path


def set_field(tree: dict, field: str, value: str) -> dict:
    if field == "weather_file":
        tree["weather_file"] = value
    elif field == "electricity.metered_csv":
        tree["electricity"]["metered_csv"] = value
    else:
        tree["roofs"][0]["pv_profile_csv"] = value
    return tree


@pytest.fixture
def layout(tmp_path):
    """tmp/model/ (the model's folder) and tmp/outside/secret.csv, whose text must never be shown."""
    model_dir, outside = tmp_path / "model", tmp_path / "outside"
    model_dir.mkdir()
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text(f"{SECRET},timestamp,kw\n1,2,3\n", encoding="utf-8")
    (model_dir / "escape.csv").symlink_to(secret)
    return model_dir, secret


def write_model(model_dir: Path, field: str, value: str) -> Path:
    tree = set_field(yaml.safe_load(SMALL.read_text(encoding="utf-8")), field, value)
    path = model_dir / "site.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "proc"])
def test_paths_leaving_the_model_folder_are_refused(layout, field, how):
    model_dir, secret = layout
    value = {"absolute": str(secret), "dotdot": "../outside/secret.csv", "symlink": "escape.csv",
             "proc": "/proc/self/environ"}[how]
    model = write_model(model_dir, field, value)
    with pytest.raises(InputError) as info:
        resolve(model)
    [line] = info.value.problems
    assert line.startswith(f"{field}: ") and " -- must be a file inside the model's folder" in line
    code, text = run_cli("plan", model, "--alternatives", "0")
    assert code == 2 and text.count("\n") == 1 and text.startswith(f"error: {field}: ")
    assert SECRET not in text and "PATH=" not in text and "\\x00" not in text


def test_a_scenario_or_set_cannot_name_an_outside_file(layout, tmp_path):
    model_dir, secret = layout
    model = write_model(model_dir, "weather_file", "")
    tree = yaml.safe_load(model.read_text(encoding="utf-8"))
    del tree["weather_file"]
    model.write_text(yaml.safe_dump(tree), encoding="utf-8")
    scen = tmp_path / "scen.yaml"
    scen.write_text(yaml.safe_dump({"name": "evil", "overrides": {"electricity.metered_csv": str(secret)}}))
    with pytest.raises(InputError) as info:
        resolve(model, [str(scen)])
    assert info.value.problems[0].startswith("electricity.metered_csv: ") and "scen" in info.value.problems[0]
    with pytest.raises(InputError) as info:
        resolve(model, set_values=["weather_file=/proc/self/environ"])
    assert info.value.problems[0].startswith("weather_file: '/proc/self/environ' -- must be a file inside")


def test_a_relative_path_inside_the_folder_works_and_allow_path_admits_outside(layout, tmp_path):
    model_dir, _ = layout
    (model_dir / "data").mkdir()
    inside = metered_csv(model_dir / "data" / "load.csv")
    r = resolve(write_model(model_dir, "electricity.metered_csv", "data/load.csv"))
    assert r.model.electricity.metered_csv == str(inside.resolve())
    assert run_cli("validate", model_dir / "site.yaml")[0] == 0

    shared = tmp_path / "shared"
    shared.mkdir()
    outside = metered_csv(shared / "load.csv")
    model = write_model(model_dir, "electricity.metered_csv", "../shared/load.csv")
    assert run_cli("validate", model)[0] == 2
    code, text = run_cli("validate", model, "--allow-path", shared)
    assert code == 0, text
    assert resolve(model, allow_paths=[shared]).model.electricity.metered_csv == str(outside.resolve())
    model = write_model(model_dir, "electricity.metered_csv", str(outside))         # absolute, admitted folder
    assert resolve(model, allow_paths=[str(shared)]).model.electricity.metered_csv == str(outside.resolve())
    # admitting one folder admits nothing else
    model = write_model(model_dir, "electricity.metered_csv", "../outside/secret.csv")
    code, text = run_cli("validate", model, "--allow-path", shared)
    assert code == 2 and SECRET not in text


def test_park_firm_files_stay_in_the_park_folder(layout):
    model_dir, secret = layout
    firm = ROOT / "tests" / "fixtures" / "firms" / "firm_a.yaml"
    park = yaml.safe_load((ROOT / "tests" / "fixtures" / "park_ok.yaml").read_text(encoding="utf-8"))
    park["firms"][0]["file"] = str(firm)
    path = model_dir / "park.yaml"
    path.write_text(yaml.safe_dump(park, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        resolve(path)
    assert info.value.problems[0].startswith("firms[0].file: ")
    assert resolve(path, allow_paths=[firm.parent]).model.firms[0].name
    park["firms"][0]["file"] = "escape.csv"          # a link out of the folder, read as YAML before
    path.write_text(yaml.safe_dump(park, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as info:
        resolve(path)
    assert info.value.problems[0].startswith("firms[0].file: 'escape.csv' -- must be a file inside")


def test_file_text_is_never_echoed(tmp_path):
    from pathways.energy.load import load_from_csv
    from pathways.energy.pv import read_user_profile
    from pathways.reference.weather import load_weather

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{SECRET},{SECRET}2\n{SECRET}3,{SECRET}4\n", encoding="utf-8")
    cells = tmp_path / "cells.csv"
    rows = [f"2023-01-01 {h:02d}:00,1" for h in range(24)]
    rows[5] = f"{SECRET},1"
    rows[7] = f"2023-01-01 07:00,{SECRET}"
    cells.write_text("timestamp,kw\n" + "\n".join(rows) + "\n", encoding="utf-8")
    profile = tmp_path / "profile.csv"
    profile.write_text("\n".join(["0.5"] * 10 + [SECRET] + ["0.5"] * 8749) + "\n", encoding="utf-8")
    calls = [lambda: load_from_csv(bad), lambda: load_from_csv(cells), lambda: read_user_profile(bad),
             lambda: read_user_profile(profile), lambda: load_weather(bad, lat_deg=31.0, lon_deg=121.0)]
    for call in calls:
        with pytest.raises(InputError) as info:
            call()
        text = "\n".join(info.value.problems)
        assert SECRET not in text and len(info.value.problems) == 1, text


def test_files_are_size_limited_before_reading(tmp_path, monkeypatch):
    from pathways.energy.load import load_from_csv

    monkeypatch.setitem(paths.MODEL_FILE_FIELDS, "metered_csv", 1)       # 1 MB for the test
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:                                          # sparse: 2 MB of size, no data
        fh.truncate(2 * 1024 * 1024)
    model = write_model(tmp_path, "electricity.metered_csv", "big.csv")
    with pytest.raises(InputError) as info:
        resolve(model)
    assert info.value.problems == ["electricity.metered_csv: 'big.csv' -- file is larger than the 1 MB limit"]
    # the readers check too (a file that grew after resolve, or a reader called directly)
    with pytest.raises(InputError, match="larger than the 20 MB limit"):
        load_from_csv(_sparse(tmp_path / "huge.csv", 21 * 1024 * 1024))
    assert paths.MAX_WEATHER_MB == 50 and paths.MAX_CSV_MB == 20


def test_read_model_file_stops_at_the_limit_when_the_size_is_not_reported():
    # /proc files report size 0; the read is bounded anyway (limit + 1 byte, then refused)
    if not Path("/proc/self/environ").is_file() or os.path.getsize("/proc/self/environ") != 0:
        pytest.fail("this test needs Linux /proc")
    data = paths.read_model_file("weather_file", "/proc/self/maps", 50)
    assert 0 < len(data) <= 50 * 1024 * 1024
    with pytest.raises(InputError, match="larger than the 0 MB limit"):
        paths.read_model_file("weather_file", "/proc/self/maps", 0)


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def test_limits_are_far_above_real_files():
    # an EPW year: 8760 rows of ~180 characters plus 8 header lines, about 1.6 MB
    assert 8760 * 180 / 1024 / 1024 < paths.MAX_WEATHER_MB / 10
    # a year of 15-minute readings: 35040 rows of ~25 characters, about 0.9 MB
    assert 35040 * 25 / 1024 / 1024 < paths.MAX_CSV_MB / 10
