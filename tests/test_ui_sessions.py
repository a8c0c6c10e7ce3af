"""The app's upload folders (issue 12, item 9): one subfolder per kind of upload, removed with the session.

Before: every upload of a session went into one folder, so a scenario uploaded as ``site.yaml`` replaced the model
uploaded as ``site.yaml``, and the folders were never removed."""
from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

import pathways
from pathways.ui import fmt, inputs

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
SMALL = FIX / "site_plan_small.yaml"
YAML = "application/x-yaml"


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_a_model_and_a_scenario_of_one_name_do_not_overwrite_each_other(app):
    at = app
    at.radio(key="sme_source_en").set_value("upload").run()
    at.file_uploader(key="sme_up_model").set_value(("site.yaml", SMALL.read_bytes(), YAML))
    at.file_uploader(key="sme_up_scen").set_value([("site.yaml", (FIX / "scenario_a.yaml").read_bytes(), YAML)])
    at.number_input(key="sme_alt").set_value(0)
    at.run()
    assert not at.exception and not errors(at), errors(at)
    folder = Path(at.session_state["upload_dir"])
    assert (folder / "model" / "site.yaml").read_bytes() == SMALL.read_bytes()
    assert (folder / "scenarios" / "site.yaml").read_bytes() == (FIX / "scenario_a.yaml").read_bytes()
    at.button(key="sme_run").click().run()
    assert not at.exception and not errors(at), errors(at)
    expected = pathways.plan(str(SMALL), [str(FIX / "scenario_a.yaml")], alternatives=0)
    assert {m.label: m.value for m in at.metric}["NPV of the plan"] == fmt.cny(expected.npv_cny, "en")


def test_the_form_reads_its_uploaded_metered_csv_from_the_session_folder(app):
    at = app
    at.radio(key="sme_source_en").set_value("form").run()
    stamps = pd.date_range("2023-01-01", periods=8760, freq="h").strftime("%Y-%m-%d %H:%M")
    csv = pd.DataFrame({"timestamp": stamps, "kw": 100.0}).to_csv(index=False).encode()
    at.file_uploader(key="f_csv").set_value(("load.csv", csv, "text/csv")).run()
    assert not at.exception and not errors(at), errors(at)
    assert (Path(at.session_state["upload_dir"]) / "form" / "load.csv").read_bytes() == csv


def test_the_session_folder_goes_with_the_session(monkeypatch):
    monkeypatch.setenv(inputs.EXAMPLES_ENV, str(FIX))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.radio(key="lang").set_value("en").run()
    at.radio(key="sme_source_en").set_value("upload").run()
    at.file_uploader(key="sme_up_model").set_value(("site.yaml", SMALL.read_bytes(), YAML)).run()
    folder = Path(at.session_state["upload_dir"])
    assert (folder / "model" / "site.yaml").is_file()
    del at
    gc.collect()
    assert not folder.exists()


def test_stale_session_folders_are_removed_when_a_session_starts(app):
    old = Path(tempfile.mkdtemp(prefix=inputs.SESSION_PREFIX))
    (old / "model").mkdir()
    (old / "model" / "site.yaml").write_text("name: x\n")
    young = Path(tempfile.mkdtemp(prefix=inputs.SESSION_PREFIX))
    hours = inputs.SESSION_MAX_AGE_H
    then = time.time() - (hours + 1) * 3600
    os.utime(old, (then, then))
    recent = time.time() - (hours - 1) * 3600
    os.utime(young, (recent, recent))
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.run()
        at.radio(key="lang").set_value("en").run()
        at.radio(key="sme_source_en").set_value("upload").run()
        at.file_uploader(key="sme_up_model").set_value(("site.yaml", SMALL.read_bytes(), YAML)).run()
        assert not old.exists() and young.is_dir()
    finally:
        import shutil
        shutil.rmtree(young, ignore_errors=True)
