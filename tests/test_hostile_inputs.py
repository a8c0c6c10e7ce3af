"""Hostile and random inputs: `pathways validate` exits 2 with one 'error:' line per problem, never a traceback;
the loader and resolver raise nothing but InputError."""
from __future__ import annotations

import contextlib
import copy
import io
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.cli import main as cli
from pathways.inputs.overrides import parse_set
from pathways.inputs.resolve import Resolved, resolve
from pathways.inputs.yaml_files import read_yaml
from pathways.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
SITE_FILE = FIXTURES / "site_ok.yaml"
DEFAULTS = {
    "plan": {"years": 5, "horizon_years": 20},
    "finance": {"discount_rate_real": 0.07},
    "carbon": {"shadow_price_cny_per_t": 0.0},
    "pv": {"albedo": 0.2, "export_allowed": True},
}


def run_validate(*paths: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["validate", *map(str, paths)])
    return code, out.getvalue(), err.getvalue()


def assert_rejected(path: Path, *fragments: str) -> list[str]:
    """Exit code 2, every stderr line one 'error: FILE: ...' problem, each fragment in some line."""
    code, _, err = run_validate(path)
    lines = err.splitlines()
    assert code == 2, err
    assert lines and all(line.startswith(f"error: {path}: ") for line in lines), lines
    assert "Traceback" not in err
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    return lines


def site_text(**changes: str) -> str:
    """The valid site's text with some lines replaced (``old=new``)."""
    text = SITE_FILE.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


# ------------------------------------------------------------------------------------------------ bad values
BAD_TEXTS = {
    "negative_area": ({"area_m2: 5000": "area_m2: -5000"}, ["roofs[0].area_m2: -5000 -- must be > 0"]),
    "tilt_95": ({"tilt_deg: 5,": "tilt_deg: 95,"}, ["roofs[0].tilt_deg: 95 -- must be between 0 and 90"]),
    "azimuth_400": ({"tilt_deg: 0, azimuth_deg: 180": "tilt_deg: 0, azimuth_deg: 400"},
                    ["roofs[1].azimuth_deg: 400 -- must be between 0 and 360"]),
    "nan": ({"discount_rate: 0.06": "discount_rate: .nan"}, ["finance.discount_rate: nan -- must be a finite"]),
    "inf": ({"annual_kwh: 2.4e6": "annual_kwh: .inf"}, ["electricity.annual_kwh: inf -- must be a finite"]),
    "string_for_number": ({"annual_kwh: 2.4e6": "annual_kwh: lots"},
                          ["electricity.annual_kwh: 'lots' -- must be a number"]),
    "quoted_number": ({"contracted_kva: 630": "contracted_kva: '630'"},
                      ["electricity.tariff.contracted_kva: '630' -- must be a number"]),
    "unknown_key": ({"sector: machinery": "sectr: machinery"},
                    ["sectr: 'sectr' -- unknown field; did you mean 'sector'", "sector: (missing) -- required"]),
    "unknown_nested_key": ({"usable_fraction: 0.7,": "usable_fractoin: 0.7,"},
                           ["roofs[0].usable_fractoin:", "did you mean 'usable_fraction'"]),
    "unknown_city": ({"city: Suzhou": "city: Atlantis"}, ["city: 'Atlantis' -- one of"]),
    "unknown_city_typo": ({"city: Suzhou": "city: Suzhuo"}, ["city: 'Suzhuo'", "did you mean 'Suzhou (苏州)'"]),
    "bad_sector": ({"sector: machinery": "sector: bakery"}, ["sector: 'bakery' -- must be one of machinery"]),
    "shifts": ({"shifts: two": "shifts: 2"}, ["electricity.shifts: 2 -- must be one of one, two"]),
    "budget_length": ({"[800000, 500000, 500000, 500000, 500000]": "[800000, 500000]"},
                      ["finance.budget_cny_per_year: [800000.0, 500000.0] -- must have 5 entries"]),
    "plan_years": ({"plan: {years: 5, horizon_years: 20}": "plan: {years: 30, horizon_years: 20}"},
                   ["plan.years: 30 -- must be between 1 and 15"]),
    "duplicate_key": ({"sector: machinery": "sector: machinery\nsector: food"},
                      ["duplicate key 'sector' (first at line"]),
    "tab_indent": ({"sector: machinery": "sector:\n\tmachinery"}, ["not valid YAML"]),
    "python_tag": ({"name: Suzhou precision machining Co.": "name: !!python/object/apply:os.system [ls]"},
                   ["not valid YAML"]),
    "date_value": ({"name: Suzhou precision machining Co.": "name: 2024-05-01"}, ["name: datetime.date"]),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXTS))
def test_bad_value_exit_2_one_line_each(tmp_path, case):
    changes, fragments = BAD_TEXTS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(site_text(**changes), encoding="utf-8")
    lines = assert_rejected(path, *fragments)
    assert len(lines) == len(fragments) or case in ("unknown_city_typo", "unknown_nested_key")


def test_several_problems_in_one_file(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(site_text(**{"tilt_deg: 5,": "tilt_deg: 95,", "area_m2: 800": "area_m2: -1",
                                 "digital_maturity: 2": "digital_maturity: 9"}), encoding="utf-8")
    lines = assert_rejected(path, "roofs[0].tilt_deg: 95", "roofs[1].area_m2: -1", "digital_maturity: 9")
    assert len(lines) == 3


# ------------------------------------------------------------------------------------------------ bad files
def billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text


HOSTILE_FILES = {
    "empty.yaml": (b"", "empty file"),
    "only_comments.yaml": (b"# nothing here\n\n", "empty file"),
    "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    "latin1.yaml": ("name: Caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "control_char.yaml": (b"name: a\x07b\n", "control character"),
    "top_list.yaml": (b"- a\n- b\n", "top level must be a mapping"),
    "top_scalar.yaml": (b"just text\n", "top level must be a mapping"),
    "bomb.yaml": (billion_laughs().encode(), "alias bomb"),
    "many_aliases.yaml": (("x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(150))).encode(), "aliases"),
    "deep_flow.yaml": (("a: " + "[" * 5000 + "]" * 5000 + "\n").encode(), "nested deeper than"),
    "deep_block.yaml": ("".join("  " * i + f"k{i}:\n" for i in range(120)).encode() + b"  " * 120 + b"v\n",
                        "nested deeper than"),
    "int_key.yaml": (b"name: a\n1: b\n", "keys must be text"),
    "unhashable_key.yaml": (b"? [a, b]\n: c\n", "key must be text"),
    "bad_syntax.yaml": (b"name: [unclosed\n", "not valid YAML"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file(tmp_path, name):
    raw, fragment = HOSTILE_FILES[name]
    path = tmp_path / name
    path.write_bytes(raw)
    lines = assert_rejected(path, fragment)
    assert len(lines) == 1


def test_eleven_megabyte_file(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.write(b"name: x\n# " + b"x" * (11 * 1024 * 1024) + b"\n")
    assert_rejected(path, "11.0 MB", "limited to 10 MB")


def test_missing_file_and_directory(tmp_path):
    assert_rejected(tmp_path / "nope.yaml", "no such file")
    assert_rejected(tmp_path, "is a directory")


def test_cli_subprocess_exit_code_and_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(site_text(**{"tilt_deg: 5,": "tilt_deg: 95,"}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pathways.cli.main", "validate", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {path}: roofs[0].tilt_deg: 95 -- must be between 0 and 90"
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------------ hypothesis
VALID = read_yaml(SITE_FILE)


def all_paths(node, prefix=()):
    """Every (path tuple) in the tree, including containers."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from all_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from all_paths(v, prefix + (i,))


PATHS = [p for p in all_paths(VALID) if p]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["two", "metal", "Suzhou", "苏州", "flat", "own", "", "1e6", "nan", "Atlantis"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


@st.composite
def mutated_sites(draw):
    tree = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(PATHS))
        node = tree
        try:
            for part in path[:-1]:
                node = node[part]
            action = draw(st.sampled_from(["replace", "delete", "add_key"]))
            if action == "replace":
                node[path[-1]] = draw(values)
            elif action == "delete":
                del node[path[-1]]
            elif isinstance(node, dict):
                node[draw(st.text(min_size=1, max_size=10))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return tree


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sites())
def test_mutated_site_gives_model_or_input_error(tree):
    try:
        result = resolve(tree, defaults=DEFAULTS)
    except InputError as exc:
        assert exc.problems and all(isinstance(x, str) and x and "\n" not in x for x in exc.problems)
        return
    assert isinstance(result, Resolved) and len(result.config_hash) == 64
    assert all(math.isfinite(r.tilt_deg) and 0 <= r.tilt_deg <= 90 for r in result.model.roofs)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda s: s.encode("utf-8")),
                 mutated_sites().map(lambda t: yaml.safe_dump(t, allow_unicode=True).encode("utf-8"))))
def test_random_file_never_tracebacks(tmp_path, raw):
    path = tmp_path / "random.yaml"
    path.write_bytes(raw)
    code, out, err = run_validate(path)
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        assert err and all(line.startswith("error: ") for line in err.splitlines())
    else:
        assert out.startswith(f"{path}: ok")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=4))
def test_random_set_values(items):
    try:
        parsed = parse_set(items)
    except InputError as exc:
        assert all("\n" not in x for x in exc.problems)
        return
    try:
        resolve(SITE_FILE, set_values=parsed, defaults=DEFAULTS)
    except InputError as exc:
        assert all("\n" not in x for x in exc.problems)
