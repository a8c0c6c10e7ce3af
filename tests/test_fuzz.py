"""Fuzz suite (issue 12, item 7): hypothesis-generated site, scenario, sweep and park files and CLI options, valid
and invalid, run through the CLI in-process (``pathways.cli.main.main(argv)``).

Every case must: raise nothing (no traceback), exit with a documented code (README: 0 plan, 2 bad input,
3 infeasible, 4 time limit without a plan, 5 solver error), print each problem as one ``error:`` line that names
a field or option (``<path>: <value> -- <allowed>``, or argparse's ``argument --option``), and finish within
``CASE_SECONDS`` (a SIGALRM per case; pytest-timeout bounds each test as a whole). The property of item 5 is
checked on every generated site: a file ``validate`` accepts is not rejected as input by ``plan``.

Budget: the examples are derandomized (the same cases in every CI run) and sized to run in about 3 minutes on
the 2-core CI machine; ``CASES`` counts the cases run (printed by ``test_zz_report_case_count``).
"""
from __future__ import annotations

import collections
import contextlib
import copy
import io
import math
import re
import signal
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
SMALL = FIX / "site_plan_small.yaml"
PARK = FIX / "park_ok.yaml"
CASE_SECONDS = 90
DOCUMENTED = {0, 2, 3, 4, 5}
CASES: collections.Counter = collections.Counter()
STARTED = time.perf_counter()

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
PROBLEM_LINE = re.compile(r"^error: \S.*?: .* -- \S")             # error: <file: ><field>: <value> -- <allowed>
ARGPARSE_LINE = re.compile(r"^error: pathways[\w -]*: (argument -|the following arguments|unrecognized|invalid)")


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def case_timeout(seconds: float = CASE_SECONDS):
    def fire(signum, frame):
        raise CaseTimeout(f"a fuzz case ran over {seconds} s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run(kind: str, *argv) -> tuple[int, str, str]:
    """``pathways ARGV`` in-process with a per-case timeout; checks the promises common to every command."""
    CASES[kind] += 1
    out, err = io.StringIO(), io.StringIO()
    with case_timeout(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    o, e = out.getvalue(), err.getvalue()
    assert code in DOCUMENTED, (argv, code, e)
    assert "Traceback" not in o + e, e
    if code == 2:
        lines = [x for x in e.splitlines() if x.strip()]
        assert lines, (argv, "exit 2 without a message")
        for line in lines:
            assert PROBLEM_LINE.match(line) or ARGPARSE_LINE.match(line), (argv, line)
    return code, o, e


def write(path: Path, tree) -> Path:
    path.write_text(yaml.safe_dump(tree, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def set_path(tree, path: tuple, value):
    """Set ``value`` at ``path`` (keys and list positions) in a copy of ``tree``, making mappings on the way."""
    out = copy.deepcopy(tree)
    node = out
    for part in path[:-1]:
        if isinstance(node, list):
            node = node[part]
            continue
        if not isinstance(node.get(part), (dict, list)):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value
    return out


def leaf_paths(node, prefix=()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in leaf_paths(v, prefix + (k,))] or [prefix]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in leaf_paths(v, prefix + (i,))] or [prefix]
    return [prefix]


# ------------------------------------------------------------------------------------------------ values
hostile_numbers = st.one_of(
    st.sampled_from([0, -1, 1, 0.5, -0.5, 1e-9, 99, 101, 1e6, 1e12, 1e13, -1e9, 1e300, 2.5]),
    st.integers(min_value=-10 ** 13, max_value=10 ** 13),
    st.floats(allow_nan=True, allow_infinity=True))
junk = st.one_of(st.none(), st.booleans(), st.text(max_size=10), st.lists(st.integers(-3, 3), max_size=3),
                 st.dictionaries(st.sampled_from(["a", "x", "id"]), st.integers(-3, 3), max_size=2))
hostile = st.one_of(hostile_numbers, hostile_numbers, junk)


def plausible(original):
    """A value near the original (mostly valid): numbers scaled by 0.5-1.5, others kept."""
    if isinstance(original, bool) or not isinstance(original, (int, float)):
        return st.just(original)
    scaled = st.floats(0.5, 1.5).map(lambda f: original * f)
    return scaled.map(round) if isinstance(original, int) else scaled


SITE = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
SITE_EXTRA = [("electricity", "spring_festival_shutdown_days"), ("electricity", "tariff", "kind"),
              ("electricity", "tariff", "flat_price_cny_per_kwh"), ("electricity", "tariff", "contracted_kva"),
              ("finance", "discount_rate"), ("finance", "portfolio_payback_limit_years"),
              ("finance", "reinvest_savings"), ("digital_maturity",), ("location", "lat_deg"), ("location", "lon_deg"),
              ("end_use_shares", "lighting"), ("co2_target_t_per_year",), ("province",),
              ("assumptions", "pv", "albedo"), ("assumptions", "tax", "corporate_rate"),
              ("assumptions", "carbon", "shadow_price_cny_per_t"), ("assumptions", "subsidies", "solar_capex_share"),
              ("assumptions", "pv", "lifetime_years"), ("assumptions", "grid", "factor_basis"),
              ("equipment",), ("roofs", 0, "mounting"), ("roofs", 0, "owned")]
SITE_PATHS = [p for p in leaf_paths(SITE) if p] + SITE_EXTRA


def _at(tree, path):
    for part in path:
        tree = tree[part]
    return tree


LEAVES = {p: _at(SITE, p) for p in leaf_paths(SITE) if p}
CUSTOM = {"id": "vendor_q", "family": "equipment", "name_en": "Vendor quote", "capex_cny": 80000,
          "lifetime_years": 10, "annual_electricity_saving_kwh": 20000, "annual_fuel_saving": {"natural_gas": 3000}}


@st.composite
def site_trees(draw):
    tree = copy.deepcopy(SITE)
    near = draw(st.booleans())          # half the files change existing numbers a little (mostly valid)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([p for p in SITE_PATHS if p in LEAVES] if near else SITE_PATHS))
        original = LEAVES.get(path)
        value = draw(plausible(original) if near else st.one_of(plausible(original), hostile)
                     if original is not None else hostile)
        tree = set_path(tree, path, value)
    if draw(st.booleans()):
        custom = dict(CUSTOM)
        key = draw(st.sampled_from(sorted(CUSTOM)))
        custom[key] = draw(plausible(CUSTOM[key]) if near else st.one_of(plausible(CUSTOM[key]), hostile))
        tree = set_path(tree, ("measures", "custom"), [custom])
    return tree


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=60)
@given(tree=site_trees())
def test_fuzz_site_files_validate_then_plan(tmp_path_factory, tree):
    """validate exits 0 or 2; whatever it accepts, plan does not reject as input (exit 0, 3, 4 or 5)."""
    path = write(tmp_path_factory.mktemp("site") / "site.yaml", tree)
    code, out, err = run("site validate", "validate", path)
    assert code in (0, 2)
    if code == 0:
        code, out, err = run("site plan", "plan", path, "--alternatives", "0", "--time-limit", "30")
        assert code != 2, ("validate accepted a file plan rejects", err)


# ------------------------------------------------------------------------------------------------ scenarios
OVERRIDE_KEYS = ["finance.discount_rate", "finance.budget_cny_per_year", "finance.payback_limit_years",
                 "assumptions.carbon.shadow_price_cny_per_t", "assumptions.pv.albedo", "assumptions.pv.lifetime_years",
                 "assumptions.subsidies.presets", "assumptions.finance.electricity_price_escalation_real",
                 "plan.years", "plan.horizon_years", "roofs[hall].tilt_deg", "roofs[0].area_m2",
                 "electricity.annual_kwh", "measures.disable", "co2_target_t_per_year", "no.such.key", "roofs[9].x"]


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=25)
@given(overrides=st.dictionaries(st.sampled_from(OVERRIDE_KEYS), hostile, min_size=1, max_size=3),
       name=st.one_of(st.none(), st.text(min_size=1, max_size=8)))
def test_fuzz_scenario_files(tmp_path_factory, overrides, name):
    body = {"overrides": overrides, **({"name": name} if name is not None else {})}
    path = write(tmp_path_factory.mktemp("scen") / "scen.yaml", body)
    code, _, _ = run("scenario validate", "validate", path)
    assert code in (0, 2)
    code, _, err = run("scenario plan", "plan", SMALL, "--scenario", path, "--alternatives", "0",
                       "--time-limit", "30")
    assert code in DOCUMENTED


# ------------------------------------------------------------------------------------------------ sweeps
sweep_points = st.one_of(
    st.fixed_dictionaries({"grid": st.dictionaries(st.sampled_from(OVERRIDE_KEYS[:8]),
                                                    st.lists(hostile, min_size=0, max_size=3), max_size=2)}),
    st.fixed_dictionaries({"list": st.lists(st.dictionaries(st.sampled_from(OVERRIDE_KEYS[:8]), hostile,
                                                            max_size=2), max_size=3)}),
    st.fixed_dictionaries({"lhs": st.fixed_dictionaries({
        "samples": st.one_of(st.integers(-2, 6), hostile), "seed": st.one_of(st.integers(0, 9), hostile),
        "ranges": st.dictionaries(st.sampled_from(OVERRIDE_KEYS[:8]),
                                  st.lists(hostile_numbers, min_size=1, max_size=3), max_size=2)})}),
    hostile)
sweep_plans = st.dictionaries(st.sampled_from(["objective", "years", "time_limit_s", "gap", "bogus"]),
                              st.one_of(hostile, st.sampled_from(["npv", "max-abatement"])), max_size=3)


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=25)
@given(points=sweep_points, plan=sweep_plans, scenarios=st.lists(st.sampled_from(["tight_budget", "nope"]),
                                                                  max_size=1))
def test_fuzz_sweep_files_dry_run(tmp_path_factory, points, plan, scenarios):
    d = tmp_path_factory.mktemp("sweep")
    body = {"models": [str(SMALL)], "points": points, "plan": plan, "scenarios": scenarios}
    path = write(d / "sweep.yaml", body)
    code, _, _ = run("sweep validate", "validate", path)
    assert code in (0, 2)
    code, _, _ = run("sweep dry-run", "batch", path, "--out", d / "out", "--dry-run")
    assert code in (0, 2)


# ------------------------------------------------------------------------------------------------ parks
PARK_TREE = yaml.safe_load(PARK.read_text(encoding="utf-8"))
PARK_TREE["firms"][0]["file"] = str(FIX / PARK_TREE["firms"][0]["file"])
PARK_PATHS = [p for p in leaf_paths(PARK_TREE) if p and p[:2] != ("firms", 0)] + [
    ("later_batches",), ("tariff", "kind"), ("targets", "co2_intensity_t_per_mwh"), ("location", "lat_deg"),
    ("assumptions", "park", "subsidy_share_of_upfront"), ("assumptions", "park", "collective_min_firms"),
    ("firms", 1, "tenancy"), ("firms", 1, "id"), ("firms", 0, "id")]


@st.composite
def park_trees(draw):
    tree = copy.deepcopy(PARK_TREE)
    for _ in range(draw(st.integers(1, 3))):
        tree = set_path(tree, draw(st.sampled_from(PARK_PATHS)), draw(hostile))
    return tree


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=15)
@given(tree=park_trees())
def test_fuzz_park_files_validate(tmp_path_factory, tree):
    path = write(tmp_path_factory.mktemp("park") / "park.yaml", tree)
    code, _, _ = run("park validate", "validate", path)
    assert code in (0, 2)


# ------------------------------------------------------------------------------------------------ CLI options
option_text = st.one_of(st.sampled_from(["0", "-1", "1", "0.5", "nan", "inf", "-inf", "1e9", "2", "x", "", "3.5",
                                         "16", "0.0001", "20", "1000"]),
                        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-50, 50).map(str))
plan_options = st.lists(st.tuples(st.sampled_from(["--time-limit", "--gap", "--years", "--alternatives",
                                                   "--objective", "--lang", "--scenario", "--set"]), option_text),
                        max_size=3)


@pytest.mark.timeout(400)
@settings(FUZZ, max_examples=30)
@given(options=plan_options)
def test_fuzz_plan_options(options):
    argv = ["plan", SMALL]
    for opt, value in options:
        if opt == "--time-limit":                    # keep a valid limit short so the case stays short
            try:
                value = str(min(float(value), 20.0)) if math.isfinite(float(value)) and float(value) > 0 else value
            except ValueError:
                pass
        if opt == "--alternatives" and value.lstrip("-").isdigit() and 0 <= int(value) <= 20:
            value = str(min(int(value), 2))
        argv += [opt, value]
    if not any(o == "--time-limit" for o, _ in options):
        argv += ["--time-limit", "20"]
    run("plan options", *argv)


GOOD_GENERATE = {"--firms": st.integers(1, 6).map(str), "--seed": st.integers(0, 2 ** 40).map(str),
                 "--city": st.sampled_from(["Suzhou", "苏州", "Foshan"]),
                 "--mix": st.sampled_from(["machinery:0.6,electronics:0.4", "machinery", "food:0,textile_dyeing:2"]),
                 "--target-cut": st.sampled_from(["0", "0.1", "0.5"])}
BAD_GENERATE = {"--firms": st.one_of(st.integers(-2, 0).map(str), st.just("5001"), option_text),
                "--seed": st.one_of(st.integers(-3, -1).map(str), st.just(str(2 ** 64)), option_text),
                "--city": st.sampled_from(["Atlantis", "", "suzhou shi", "Suzhou\n"]),
                "--mix": st.sampled_from(["x:1", "machinery:-1", "machinery:nan", ",", "food:0"]),
                "--target-cut": option_text}


@st.composite
def generate_options(draw):
    """All options valid, or some of them drawn from bad (or any) values."""
    bad = draw(st.sets(st.sampled_from(sorted(GOOD_GENERATE)), max_size=2))
    return {k: draw(BAD_GENERATE[k] if k in bad else GOOD_GENERATE[k]) for k in GOOD_GENERATE}


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=30)
@given(options=generate_options(), to_dir=st.booleans())
def test_fuzz_park_generate_options(tmp_path_factory, options, to_dir):
    d = tmp_path_factory.mktemp("gen")
    argv = ["park", "generate", "--out", d if to_dir else d / "park.yaml"]
    for k, v in options.items():
        argv += [k, v]
    code, _, _ = run("park generate", *argv)
    assert code in (0, 2)
    if code == 0:                                   # what the generator writes, validate accepts
        code, _, err = run("park generate validate", "validate", d / "park.yaml")
        assert code == 0, err


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=20)
@given(options=st.lists(st.tuples(st.sampled_from(["--time-limit", "--gap", "--workers"]), option_text),
                        min_size=1, max_size=2))
def test_fuzz_park_and_batch_options(tmp_path_factory, options):
    """Park and batch options: an invalid one exits 2 at once; valid ones run (the park in this process with at
    most 15 s, the batch as a dry run)."""
    valid = all(_parses(o, v) for o, v in options) and all(_in_range(o, v) for o, v in dict(options).items())
    park = ["park", PARK, "--time-limit", "15", "--workers", "0"]
    for opt, value in options:
        if _parses(opt, value) and _in_range(opt, value):      # valid values: keep the case short and local
            value = {"--time-limit": str(min(float(value), 15.0)), "--workers": "0"}.get(opt, value)
        park += [opt, value]
    code, _, _ = run("park options", *park)
    assert (code == 2) == (not valid), (options, code)
    workers = [v for o, v in options if o == "--workers"]
    d = tmp_path_factory.mktemp("bo")
    spec = write(d / "sweep.yaml", {"models": [str(SMALL)], "points": {"list": [{"plan.years": 3}]}})
    code, _, _ = run("batch options", "batch", spec, "--out", d / "out", "--dry-run", "--workers",
                     workers[-1] if workers else "0")
    assert code in (0, 2)


def _parses(opt: str, value: str) -> bool:
    try:
        float(value) if opt != "--workers" else int(value)
        return True
    except ValueError:
        return False


def _in_range(opt: str, value: str) -> bool:
    """The documented ranges (README, Commands) of the last value given for an option."""
    if not _parses(opt, value):
        return False
    x = float(value) if opt != "--workers" else int(value)
    if opt == "--time-limit":
        return math.isfinite(x) and 0 < x <= 604800
    if opt == "--gap":
        return math.isfinite(x) and 0 <= x < 1
    return 0 <= x <= 256


@pytest.fixture(scope="module", autouse=True)
def report_case_count(request):
    """After the module: how many cases ran and how long they took, on the terminal (and in the CI log)."""
    yield
    total, seconds = sum(CASES.values()), time.perf_counter() - STARTED
    line = (f"fuzz suite: {total} CLI cases in {seconds:.0f} s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(CASES.items())))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            reporter.write_line("\n" + line)
