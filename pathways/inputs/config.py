"""Safe YAML loading, scenario overrides and the resolved configuration of a run (``pathways validate`` is in
``pathways.cli.validate``).

Precedence (lowest first): data defaults (``pathways.reference.tables.default_assumptions()``, the ``assumptions``
subtree) < model file < scenarios in the order given < ``--set``. Dotted keys address the merged tree:
``finance.discount_rate``, ``assumptions.carbon.shadow_price_cny_per_t``, ``roofs[0].tilt_deg`` or
``roofs[workshop_a].tilt_deg`` (list items by position or id; ``roofs.0.tilt_deg`` works too),
``firms[firm_3].finance.budget_cny_per_year``. A mapping value merges into a mapping already there; any other value
replaces. Two scenarios setting the same key (or one key inside another) is an error; ``--set`` always wins.

``finance.discount_rate``, ``plan.years`` and ``plan.horizon_years`` mirror ``assumptions.finance.discount_rate_real``
and ``assumptions.plan.*``: when a scenario or --set overrides either, the later override wins; otherwise a value in
the model wins, and a field left out takes the assumption. Afterwards both places hold the same number. Relative CSV paths (``electricity.metered_csv``,
``roofs[].pv_profile_csv``) are made absolute against the directory of the file that names them.

YAML is read with ``yaml.SafeLoader`` plus guards: size <= 10 MB, UTF-8 text, <= 100 aliases, <= 300,000 nodes
after alias expansion, nesting depth <= 50, no duplicate keys, keys are text, values are plain (text, number,
true/false, null, list, mapping), numbers finite. ``1e6`` is read as a number (PyYAML alone reads it as text).
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import numbers
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml
from pydantic import BaseModel

from pathways import paths
from pathways.errors import InputError, problem, suggest
from pathways.inputs.schema import CARRIER_UNITS, Park, Scenario, Site, is_number, key_text, validate_model

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 50
MAX_ALIASES = 100
MAX_NODES = 300_000
SCENARIO_DIR_NAME = "scenarios"

ModelTree = dict[str, Any]


# ============================================================================================== safe YAML
class _LimitError(Exception):
    """A guard of the safe loader tripped (message, 1-based line)."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader with limits on depth, nodes and aliases, and an error on duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._aliases = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        line = self.peek_event().start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _LimitError(f"more than {MAX_ALIASES} aliases (*name); write the values out", line)
            return super().compose_node(parent, index)
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise _LimitError(f"nested deeper than {MAX_DEPTH} levels", line)
        if self._nodes > MAX_NODES:
            raise _LimitError(f"more than {MAX_NODES} values", line)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    hash(key)
                except TypeError:
                    raise _LimitError(f"a mapping key must be text, not {type(key).__name__}", line) from None
                if key in first_line:
                    raise _LimitError(f"duplicate key {key!r} (first at line {first_line[key]}); each key may "
                                      "appear once in a mapping", line)
                first_line[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.2 style exponents without a dot or a sign (1e6, 2.5E-3) are numbers, as users expect.
_Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                              re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                              list("-+0123456789"))


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Number of nodes once aliases are expanded (stops counting past ``limit``)."""
    memo: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        memo[key] = total
        return total

    return size(root)


def _plain_problems(tree: Any, path: str, label: str) -> list[str]:
    """Problems with keys that are not text, NaN/inf and values that are not plain YAML data."""
    out: list[str] = []

    def where(p: str) -> str:
        return f"{label}: {p or '<root>'}" if label else (p or "<root>")

    def walk(node: Any, p: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, str):
                    out.append(problem(where(p), k, "mapping keys must be text (quote the key)"))
                    continue
                walk(v, f"{p}.{key_text(k)}" if p else key_text(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{p}[{i}]")
        elif isinstance(node, float):
            if not math.isfinite(node):
                out.append(problem(where(p), node, "must be a finite number (no .nan or .inf)"))
        elif not (node is None or isinstance(node, (str, int, bool))):
            out.append(problem(where(p), node, "must be text, a number, true/false, null, a list or a mapping "
                                               "(quote dates and binary-looking values)"))

    walk(tree, path)
    return out


def _load_text(text: str, label: str) -> Any:
    """Parse YAML text with the guards; ``label`` names the source in error lines."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        raise InputError(f"{label}: line {line}: control character #x{exc.character:04x} -- only printable text is "
                         "allowed") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, MAX_NODES) > MAX_NODES:
            raise InputError(f"{label}: aliases expand to more than {MAX_NODES} values -- refused "
                             "(possible alias bomb); write the values out")
        return loader.construct_document(node)
    except _LimitError as exc:
        raise InputError(f"{label}: line {exc.line}: {exc} -- refused") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise InputError(f"{label}: {where}{what} -- not valid YAML") from None
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1
        raise InputError(f"{label}: line {line}: control character #x{exc.character:04x} -- only printable text is "
                         "allowed") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{label}: {' '.join(str(exc).split())[:200]} -- not valid YAML") from None
    except RecursionError:
        raise InputError(f"{label}: nested too deeply -- refused") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> dict:
    """Read one YAML file whose top level is a mapping, with the guards listed in the module docstring.

    Raises InputError (one line per problem, naming the file and the dotted path or line).
    """
    label = str(path)
    p = Path(path)
    try:
        if not p.exists():
            raise InputError(f"{label}: no such file -- give the path of an existing YAML file")
        if p.is_dir():
            raise InputError(f"{label}: is a directory -- give a YAML file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{label}: {size / 1024 / 1024:.1f} MB -- files are limited to "
                             f"{MAX_FILE_BYTES // (1024 * 1024)} MB")
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{label}: cannot be read ({exc.strerror or exc}) -- give a readable YAML file") from None
    if b"\x00" in raw:
        raise InputError(f"{label}: binary data (NUL bytes) -- give a UTF-8 YAML text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{label}: line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 -- save the file as "
                         "UTF-8 text") from None
    data = _load_text(text, label)
    if data is None:
        raise InputError(f"{label}: empty file -- expected a mapping of fields (e.g. name: ..., sector: ...)")
    if not isinstance(data, dict):
        raise InputError(problem(label, data, f"the top level must be a mapping of fields, not a "
                                              f"{type(data).__name__}"))
    bad = _plain_problems(data, "", label)
    if bad:
        raise InputError(bad)
    return data


# ============================================================================================== dotted keys
_SEGMENT = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]+\])*)$")


def split_key(key: str) -> list[str]:
    """'roofs[0].tilt_deg' -> ['roofs', '0', 'tilt_deg']. Raises ValueError for a malformed key."""
    if not isinstance(key, str) or not key.strip():
        raise ValueError("empty key")
    if not key.strip().isprintable() or any(c.isspace() for c in key.strip()):
        raise ValueError("spaces or control characters")
    parts: list[str] = []
    for segment in key.strip().split("."):
        m = _SEGMENT.match(segment)
        if not m:
            raise ValueError(f"malformed segment {segment!r}")
        parts.append(m.group(1))
        parts += re.findall(r"\[([^\[\]]+)\]", m.group(2))
    return parts


def _key_problem(key: str, value: Any, allowed: str, hints: list[str] | None = None) -> str:
    return problem(key if key.isprintable() else repr(key), value, allowed, hints)


def _shape(annotation: Any) -> tuple[str, Any]:
    """Classify a field type: ('model', M), ('model_list', M), ('dict', None), ('list', None) or ('value', None)."""
    args = [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
    for a in args:
        if isinstance(a, type) and issubclass(a, BaseModel):
            return "model", a
    for a in args:
        origin = typing.get_origin(a)
        if origin is list:
            inner = typing.get_args(a)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return "model_list", inner
            return "list", None
        if origin is dict:
            return "dict", None
    return "value", None


_FREE = object()  # marker: any key is allowed below here


def _deep_merge(base: Any, top: Any) -> Any:
    """Merge ``top`` into a copy of ``base``: mappings merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(top, dict):
        out = copy.deepcopy(base)
        for k, v in top.items():
            out[k] = _deep_merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(top)


def _select(items: Any, selector: str, key_so_far: str, key: str, value: Any, dry: bool) -> int | None:
    """Index of a list item by position or id (``None`` in a dry run without data)."""
    if dry:
        return None
    if not isinstance(items, list):
        what = "absent from" if items is None else "not a list in"
        raise InputError(_key_problem(key, value, f"{key_so_far} is {what} the model; set the whole list instead"))
    if selector.isdigit():
        idx = int(selector)
        if idx >= len(items):
            raise InputError(_key_problem(key, value, f"{key_so_far} has {len(items)} entries (positions 0 to "
                                                      f"{len(items) - 1}), or give an id"))
        return idx
    ids = [str(it.get("id")) for it in items if isinstance(it, dict) and it.get("id") is not None]
    for idx, it in enumerate(items):
        if isinstance(it, dict) and str(it.get("id")) == selector:
            return idx
    raise InputError(_key_problem(key, value, f"no entry of {key_so_far} has id {selector!r}; ids: "
                                              + (", ".join(ids) or "none"), suggest(selector, ids)))


def apply_override(tree: ModelTree | None, root: type, key: str, value: Any, defaults: dict | None) -> str:
    """Set dotted ``key`` to ``value`` in ``tree`` (a model of class ``root``) and return the key normalised
    (``roofs[0].tilt_deg``). Keys must name schema fields, or keys of ``defaults`` below ``assumptions``.
    With ``tree=None`` only the key is checked. Raises InputError with did-you-mean candidates.
    """
    try:
        parts = split_key(key)
    except ValueError as exc:
        raise InputError(_key_problem(key, value, f"not a dotted key ({exc}); e.g. finance.discount_rate")) from None
    node: Any = tree
    cls: Any = root
    known: Any = None
    norm = ""
    i = 0
    while i < len(parts):
        part, last = parts[i], i == len(parts) - 1
        if cls is not None:
            fields = cls.model_fields
            if part not in fields:
                hints = [f"{norm}.{h}" if norm else h for h in suggest(part, list(fields))]
                where = f"under {norm}" if norm else "at the top level"
                raise InputError(_key_problem(key, value, f"unknown key {part!r} {where}; keys there: "
                                                          + ", ".join(fields), hints))
            kind, sub = _shape(fields[part].annotation)
            norm = f"{norm}.{part}" if norm else part
            if kind == "model_list" and not last:
                items = node.get(part) if isinstance(node, dict) else None
                idx = _select(items, parts[i + 1], norm, key, value, tree is None)
                norm += f"[{idx if idx is not None else parts[i + 1]}]"
                i += 1
                last = i == len(parts) - 1
                if last:
                    if tree is not None:
                        items[idx] = _deep_merge(items[idx], value)
                    return norm
                node = items[idx] if tree is not None else None
                if node is not None and not isinstance(node, dict):
                    raise InputError(_key_problem(key, value, f"{norm} is not a mapping in the model"))
                cls = sub
                i += 1
                continue
            if last:
                break
            if kind == "model":
                cls = sub
            elif kind == "dict":
                cls = None
                known = defaults if part == "assumptions" and defaults is not None else _FREE
            elif kind == "list":
                items = node.get(part) if isinstance(node, dict) else None
                idx = _select(items, parts[i + 1], norm, key, value, tree is None)
                if i + 1 != len(parts) - 1:
                    raise InputError(_key_problem(key, value, f"{norm}[...] is a single value"))
                norm += f"[{idx if idx is not None else parts[i + 1]}]"
                if tree is not None:
                    items[idx] = copy.deepcopy(value)
                return norm
            else:
                raise InputError(_key_problem(key, value, f"{norm} is a single value; nothing is below it"))
        else:
            if known is not _FREE:
                if not isinstance(known, dict):
                    raise InputError(_key_problem(key, value, f"{norm} is a single value; nothing is below it"))
                if part not in known:
                    hints = [f"{norm}.{h}" for h in suggest(part, list(known))]
                    raise InputError(_key_problem(key, value, f"unknown key {part!r} under {norm}; keys there: "
                                                              + ", ".join(map(str, known)), hints))
                known = known[part]
            norm = f"{norm}.{part}"
            if last:
                break
        if node is not None:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise InputError(_key_problem(key, value, f"{norm} is not a mapping in the model"))
            node = child
        i += 1
    if node is not None:
        node[parts[-1]] = _deep_merge(node[parts[-1]], value) if parts[-1] in node else copy.deepcopy(value)
    return norm


def _assumption_ranges() -> dict:
    from pathways.reference.tables import assumption_ranges

    return assumption_ranges()


def _check_assumptions(tree: Any, defaults: Any, path: str, ranges: Any = None) -> list[str]:
    """Assumption keys must exist in the data defaults; leaves must keep the default's type and lie in the
    ``range`` (numbers) or ``choices`` (text) given next to the default in data/defaults.yaml."""
    out: list[str] = []
    if ranges is None:
        ranges = _assumption_ranges()
    if not isinstance(tree, dict):
        return [problem(path, tree, "must be a mapping of assumption groups (see data/defaults.yaml)")]
    for k, v in tree.items():
        p = f"{path}.{key_text(k)}"
        if k not in defaults:
            hints = [f"{path}.{h}" for h in suggest(str(k), list(defaults))]
            out.append(problem(p, v, "unknown assumption; known here: " + ", ".join(map(str, defaults)), hints))
            continue
        d = defaults[k]
        limits = ranges.get(k) if isinstance(ranges, dict) else None
        limits = limits if isinstance(limits, dict) else {}
        if isinstance(d, dict):
            out += _check_assumptions(v, d, p, limits)
        elif isinstance(d, bool):
            if not isinstance(v, bool):
                out.append(problem(p, v, "must be true or false"))
        elif is_number(d):
            lo, hi = limits.get("range", (-math.inf, math.inf))
            if not is_number(v):
                out.append(problem(p, v, f"must be a number (default {d})"))
            elif not (math.isfinite(v) and lo <= v <= hi):
                out.append(problem(p, v, f"must be between {lo:g} and {hi:g} (default {d}; range in "
                                         "data/defaults.yaml)"))
        elif isinstance(d, str) and limits.get("choices") and v not in limits["choices"]:
            out.append(problem(p, v, "must be one of " + ", ".join(map(str, limits["choices"])),
                               suggest(str(v), list(map(str, limits["choices"])))))
        elif isinstance(d, str) and not (isinstance(v, str) or (
                isinstance(v, list) and v and all(isinstance(x, str) for x in v))):
            out.append(problem(p, v, f"must be text or a list of texts (default {d!r})"))
    return out


def _expand_dotted(mapping: Any) -> Any:
    """``{'carbon.shadow_price_cny_per_t': 75}`` -> ``{'carbon': {'shadow_price_cny_per_t': 75}}``."""
    if not isinstance(mapping, dict):
        return mapping
    out: dict = {}
    for k, v in mapping.items():
        v = _expand_dotted(v)
        if isinstance(k, str) and "." in k:
            for part in reversed(k.split(".")):
                v = {part: v}
        out = _deep_merge(out, v if isinstance(k, str) and "." in k else {k: v})
    return out


# ============================================================================================== scenarios
def parse_set(items: Iterable[str]) -> dict[str, Any]:
    """``["a.b=1", "c=[1, 2]"]`` -> ``{"a.b": 1, "c": [1, 2]}``; values are parsed as YAML (``x=`` is null).
    A later item for the same key wins."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for item in items:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(problem("--set", item, "must be KEY=VALUE, e.g. finance.discount_rate=0.05"))
            continue
        try:
            split_key(key)
        except ValueError as exc:
            problems.append(problem(f"--set {key_text(key)}", text, f"not a dotted key ({exc})"))
            continue
        try:
            value = _load_text(text, f"--set {key}")
        except InputError as exc:
            problems += exc.problems
            continue
        bad = _plain_problems(value, f"--set {key}", "")
        if bad:
            problems += bad
            continue
        out[key] = value
    if problems:
        raise InputError(problems)
    return out


def scenario_dir() -> Path:
    """Where named scenarios live: ``scenarios/`` at the repository root."""
    return paths.REPO_ROOT / SCENARIO_DIR_NAME


def _looks_like_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """A scenario by name (``scenarios/NAME.yaml``) or file path, validated; ``name`` defaults to the file stem."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        path = Path(text)
    else:
        path = scenario_dir() / f"{text}.yaml"
        if not path.is_file():
            available = sorted(p.stem for p in scenario_dir().glob("*.yaml"))
            raise InputError(problem("--scenario", text, "no such scenario; available: "
                                     + (", ".join(available) or "none"), suggest(text, available)))
    data = read_yaml(path)
    if "overrides" not in data:
        raise InputError(problem(str(path), sorted(map(str, data))[:5], "a scenario file needs 'overrides' "
                                 "(a mapping of dotted keys to values)"))
    try:
        scenario = validate_model(Scenario, data)
    except InputError as exc:
        raise InputError([f"{path}: {line}" for line in exc.problems]) from None
    bad = []
    for key in scenario.overrides:
        try:
            split_key(key)
        except ValueError as exc:
            bad.append(problem(f"{path}: overrides", key, f"not a dotted key ({exc})"))
    if bad:
        raise InputError(bad)
    if scenario.name is None:
        scenario = scenario.model_copy(update={"name": path.stem})
    return scenario


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _norm_key(key: str) -> str:
    try:
        return ".".join(split_key(key))
    except ValueError:
        return key


def _compose(scenarios: Sequence[str | Path | Scenario]) -> list[tuple[str, Any, str]]:
    """(key, value, source) of every scenario override in order; conflicts raise InputError."""
    loaded = [load_scenario(s) for s in scenarios]
    problems: list[str] = []
    seen_names: set[str] = set()
    taken: list[tuple[str, str, Any, str]] = []  # (normalised key, key, value, scenario name)
    out: list[tuple[str, Any, str]] = []
    for sc in loaded:
        name = str(sc.name)
        if name in seen_names:
            problems.append(problem("--scenario", name, "given twice; give each scenario once"))
            continue
        seen_names.add(name)
        mine: list[tuple[str, str]] = []
        for key, value in sc.overrides.items():
            nk = _norm_key(key)
            for other_nk, other_key, other_value, other_name in taken:
                if _overlap(nk, other_nk):
                    problems.append(problem(key, value, f"set by both scenario {other_name!r} "
                                            f"({other_key} = {other_value!r}) and scenario {name!r}; drop it from "
                                            "one of them or decide with --set"))
            for other_nk, other_key in mine:
                if _overlap(nk, other_nk):
                    problems.append(problem(key, value, f"overlaps {other_key!r} in the same scenario {name!r}"))
            mine.append((nk, key))
            out.append((key, value, name))
        taken += [(nk, key, sc.overrides[key], name) for nk, key in mine]
    if problems:
        raise InputError(problems)
    return out


def compose(scenarios: Sequence[str | Path | Scenario]) -> dict[str, Any]:
    """Overrides of several scenarios as one ``{dotted key: value}``; two scenarios setting the same key (or a key
    inside another's) raise InputError naming both scenarios and the key."""
    return {key: value for key, value, _ in _compose(scenarios)}


# ============================================================================================== resolve
@dataclass
class Resolved:
    """A validated model with everything merged in, ready for a run."""

    kind: str                     # "site" | "park"
    model: Site | Park
    assumptions: dict             # merged assumptions (same object as model.assumptions)
    applied_overrides: list[dict] = field(default_factory=list)  # {key, value, previous, source}
    config_hash: str = ""         # sha256 of the canonical JSON of kind + model: a run id
    source_path: Path | None = None


def detect_kind(data: dict) -> str:
    """'scenario' (has overrides), 'park' (has firms) or 'site'."""
    if "overrides" in data:
        return "scenario"
    if "firms" in data:
        return "park"
    return "site"


def _data_defaults() -> dict:
    from pathways.reference.tables import default_assumptions

    return default_assumptions()


def _absolutize(site: Any, base_dir: Path, allowed: Sequence[str | Path] = (), prefix: str = "",
                done: set | None = None) -> list[str]:
    """Resolve the data files one site tree names against ``base_dir``, confined to it (``paths.resolve_model_path``):
    each becomes its real absolute path, remembered in ``done`` (not checked again). Returns problems."""
    if not isinstance(site, dict):
        return []
    elec = site.get("electricity")
    targets: list[tuple[dict, str, str]] = [(site, "weather_file", f"{prefix}weather_file")]
    if isinstance(elec, dict):
        targets.append((elec, "metered_csv", f"{prefix}electricity.metered_csv"))
    roofs = site.get("roofs")
    if isinstance(roofs, list):
        targets += [(r, "pv_profile_csv", f"{prefix}roofs[{i}].pv_profile_csv") for i, r in enumerate(roofs)
                    if isinstance(r, dict)]
    done = set() if done is None else done
    out: list[str] = []
    for holder, key, where in targets:
        value = holder.get(key)
        if value is None or (isinstance(value, str) and value in done):
            continue
        try:
            real = str(paths.resolve_model_path(where, value, base_dir, allowed))
        except InputError as exc:
            out += exc.problems
            continue
        holder[key] = real
        done.add(real)
    return out


def _expand_firms(tree: dict, base_dir: Path, allowed: Sequence[str | Path] = (), done: set | None = None) -> list[str]:
    """Replace ``{file: ..., id, tenancy}`` firm entries by the site they name (paths relative to the park file,
    confined to its folder like every data file); give every firm an id. Returns problems."""
    firms = tree.get("firms")
    if not isinstance(firms, list):
        return []
    problems: list[str] = []
    out = []
    for i, firm in enumerate(firms):
        if isinstance(firm, dict) and "file" in firm:
            extra = sorted(set(map(str, firm)) - {"file", "id", "tenancy"})
            if extra:
                problems.append(problem(f"firms[{i}]", extra, "with 'file' only 'id' and 'tenancy' may be given; "
                                                              "put other fields in the firm's file"))
                out.append(firm)
                continue
            ref = firm["file"]
            if not isinstance(ref, str) or not ref.strip():
                problems.append(problem(f"firms[{i}].file", ref, "must be the path of a site YAML file"))
                out.append(firm)
                continue
            try:
                path = paths.resolve_model_path(f"firms[{i}].file", ref, base_dir, allowed)
            except InputError as exc:
                problems += exc.problems
                out.append(firm)
                continue
            try:
                site = read_yaml(path)
            except InputError as exc:
                problems += [problem(f"firms[{i}].file", ref, line) for line in exc.problems]
                out.append(firm)
                continue
            if "file" in site or "firms" in site:
                problems.append(problem(f"firms[{i}].file", ref, "must name a site file (no nested firms or file)"))
            problems += _absolutize(site, path.parent, allowed, f"firms[{i}].", done)
            site.update({k: firm[k] for k in ("id", "tenancy") if k in firm})
            firm = site
        elif isinstance(firm, dict):
            problems += _absolutize(firm, base_dir, allowed, f"firms[{i}].", done)
        if isinstance(firm, dict):
            firm.setdefault("id", f"firm_{i + 1}")
            if firm.get("id") is None:
                firm["id"] = f"firm_{i + 1}"
            if "assumptions" in firm:
                firm["assumptions"] = _expand_dotted(firm["assumptions"])
        out.append(firm)
    tree["firms"] = out
    return problems


# Model fields that mirror an assumption: (model key, assumption key below ``assumptions``).
MIRRORED = (("finance.discount_rate", "finance.discount_rate_real"), ("plan.years", "plan.years"),
            ("plan.horizon_years", "plan.horizon_years"))


def _reconcile(site: dict, prefix: str, applied_keys: list[str],
               pairs: Sequence[tuple[str, str]] = MIRRORED) -> None:
    """For each mirrored pair, the later of the two overrides wins; without overrides of either, the model's
    value wins over the assumption's. Here the model field takes the assumption's value when that one wins."""
    for model_key, assumption_key in pairs:
        mine = prefix + model_key
        theirs = ["assumptions." + assumption_key] + ([prefix + "assumptions." + assumption_key] if prefix else [])
        last = None
        for key in applied_keys:
            if _overlap(key, mine):
                last = "model"
            elif any(_overlap(key, t) for t in theirs):
                last = "assumption"
        if last == "assumption":
            group, leaf = model_key.split(".")
            value = _lookup(site.get("assumptions"), assumption_key)
            holder = site.get(group)
            if value is not None and (holder is None or isinstance(holder, dict)):
                site[group] = {**(holder or {}), leaf: value}


def _fill_plan(tree: dict, assumptions: dict) -> None:
    """``plan.years``/``plan.horizon_years`` left out take ``assumptions.plan.*``."""
    plan_a = assumptions.get("plan") if isinstance(assumptions.get("plan"), dict) else {}
    plan = tree.get("plan")
    if plan is None and "plan" not in tree:
        plan = tree["plan"] = {}
    if isinstance(plan, dict):
        for k in ("years", "horizon_years"):
            if k not in plan and k in plan_a:
                plan[k] = plan_a[k]


def _fill_discount_rate(site: dict, assumptions: dict) -> None:
    """``finance.discount_rate`` left out takes ``assumptions.finance.discount_rate_real``."""
    fin_a = assumptions.get("finance") if isinstance(assumptions.get("finance"), dict) else {}
    fin = site.get("finance")
    if fin is None and "finance" not in site:
        fin = site["finance"] = {}
    if isinstance(fin, dict) and fin.get("discount_rate") is None and "discount_rate_real" in fin_a:
        fin["discount_rate"] = fin_a["discount_rate_real"]


def _sync_assumptions(model: Site, assumptions: dict) -> None:
    """Write the model's plan years, horizon and discount rate back into its assumptions."""
    if isinstance(assumptions.get("plan"), dict):
        assumptions["plan"]["years"] = model.plan.years
        assumptions["plan"]["horizon_years"] = model.plan.horizon_years
    if isinstance(assumptions.get("finance"), dict) and model.finance.discount_rate is not None:
        assumptions["finance"]["discount_rate_real"] = model.finance.discount_rate


def _province_names() -> dict[str, str]:
    """Lower-case English or Chinese province name -> English name (from data/cities.csv)."""
    from pathways.reference.cities import load_cities

    df = load_cities()
    names: dict[str, str] = {}
    for en, zh in zip(df["province"], df["province_zh"]):
        names[str(en).lower()] = str(en)
        names[str(zh).lower()] = str(en)
    return names


def _check_place(model: Site | Park, prefix: str) -> list[str]:
    """City/coordinates through pathways.reference.cities; province names; fills ``province`` from the city."""
    from pathways.reference.cities import resolve_location

    out: list[str] = []
    pre = f"{prefix}." if prefix else ""
    loc = None
    try:
        loc = resolve_location(name=model.city,
                               lat_deg=model.location.lat_deg if model.location else None,
                               lon_deg=model.location.lon_deg if model.location else None)
    except InputError as exc:
        out += [pre + line for line in exc.problems]
    provinces = _province_names()
    if model.province is not None:
        canon = provinces.get(model.province.strip().lower())
        if canon is None:
            out.append(problem(f"{pre}province", model.province, "must be a province of mainland China",
                               suggest(model.province, sorted(set(provinces.values())))))
        elif loc is not None and model.city is not None and canon != loc.province:
            out.append(problem(f"{pre}province", model.province, f"{model.city} is in {loc.province}; "
                                                                 "fix the city or the province"))
        else:
            model.province = canon
    elif loc is not None:
        model.province = loc.province
    tariffs = []
    if isinstance(model, Site):
        tariffs.append((f"{pre}electricity.tariff.province", model.electricity.tariff))
    elif model.tariff is not None:
        tariffs.append((f"{pre}tariff.province", model.tariff))
    for path, tariff in tariffs:
        if tariff.province is not None:
            canon = provinces.get(tariff.province.strip().lower())
            if canon is None:
                out.append(problem(path, tariff.province, "must be a province of mainland China",
                                   suggest(tariff.province, sorted(set(provinces.values())))))
            else:
                tariff.province = canon
    return out


def _check_files(site: Site, prefix: str) -> list[str]:
    pre = f"{prefix}." if prefix else ""
    out = []
    checks = [(f"{pre}electricity.metered_csv", site.electricity.metered_csv), (f"{pre}weather_file", site.weather_file)]
    checks += [(f"{pre}roofs[{i}].pv_profile_csv", r.pv_profile_csv) for i, r in enumerate(site.roofs)]
    for path, value in checks:
        if value is not None and not Path(value).is_file():
            out.append(problem(path, value, "no such file (relative paths start at the model file's directory)"))
    return out


MAX_LIFETIME_YEARS = 50           # measures (catalog, params overrides, custom quotes): 1..50 years
MAX_CUSTOM_CAPEX_CNY = 1e10


def _check_custom_measures(site: Site, prefix: str) -> list[str]:
    """Ranges that need the site: a custom measure saves at most the site's own use of that carrier (annual_kwh;
    the listed fuels, or the sector default when ``fuels`` is left out) and lives 1..50 years; capex <= 1e10
    CNY; lifetime overrides in ``measures.params`` 1..50 years."""
    from pathways.energy.load import fuel_use_by_end_use

    pre = f"{prefix}." if prefix else ""
    out: list[str] = []
    kwh = site.electricity.annual_kwh
    fuels_in = [f.model_dump() for f in site.fuels] if "fuels" in site.model_fields_set else None
    have: dict[str, float] = {}
    for q in fuel_use_by_end_use(fuels_in, site.sector, kwh).values():
        for carrier, x in q.items():
            have[carrier] = have.get(carrier, 0.0) + x
    for mid, params in site.measures.params.items():
        life = params.get("lifetime_years")
        if is_number(life) and not 1 <= life <= MAX_LIFETIME_YEARS:
            out.append(problem(f"{pre}measures.params.{mid}.lifetime_years", life,
                               f"must be between 1 and {MAX_LIFETIME_YEARS} years"))
    for i, spec in enumerate(site.measures.custom):
        path = f"{pre}measures.custom[{i}]"
        life, capex = spec.get("lifetime_years"), spec.get("capex_cny")
        if is_number(life) and not 1 <= life <= MAX_LIFETIME_YEARS:
            out.append(problem(f"{path}.lifetime_years", life, f"must be between 1 and {MAX_LIFETIME_YEARS} years"))
        if is_number(capex) and capex > MAX_CUSTOM_CAPEX_CNY:
            out.append(problem(f"{path}.capex_cny", capex, f"must be at most {MAX_CUSTOM_CAPEX_CNY:.0e} CNY"))
        saving = spec.get("annual_electricity_saving_kwh")
        if is_number(saving) and abs(saving) > kwh:
            out.append(problem(f"{path}.annual_electricity_saving_kwh", saving, f"must be between -{kwh:,.0f} and "
                               f"{kwh:,.0f} kWh/yr (the site's electricity.annual_kwh)"))
        fuels = spec.get("annual_fuel_saving")
        for carrier, qty in (fuels.items() if isinstance(fuels, dict) else ()):
            limit = have.get(carrier, 0.0)
            if is_number(qty) and abs(qty) > limit * (1 + 1e-9):
                unit = CARRIER_UNITS.get(carrier, "units")
                out.append(problem(f"{path}.annual_fuel_saving.{key_text(carrier)}", qty,
                                   f"must be between -{limit:,.0f} and {limit:,.0f} {unit}/yr (the site's use of "
                                   f"{carrier})"))
    return out


def _annotate(lines: list[str], sources: list[tuple[str, str]]) -> list[str]:
    """Mark problem lines that concern an overridden key with where the value came from."""
    out = []
    for line in lines:
        path = line.split(": ", 1)[0]
        origin = [src for key, src in sources if path == key or path.startswith(key + ".")
                  or path.startswith(key + "[")]
        out.append(f"{line} (set by {origin[-1]})" if origin else line)
    return out


def config_hash(kind: str, model: Site | Park) -> str:
    """sha256 of the canonical JSON (sorted keys, compact) of the resolved model."""
    payload = {"kind": kind, "model": model.model_dump(mode="json")}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve(model_path_or_dict: str | Path | dict, scenarios: Sequence[str | Path | Scenario] = (),
            set_values: Sequence[str] | dict[str, Any] = (), defaults: dict | None = None, *,
            base_dir: str | Path | None = None, allow_paths: Sequence[str | Path] = ()) -> Resolved:
    """Merge data defaults < model < scenarios (in order) < ``--set`` into one validated model.

    ``set_values`` is a list of ``KEY=VALUE`` strings or an already parsed mapping. ``defaults`` replaces
    ``pathways.reference.tables.default_assumptions()`` (for tests). Raises InputError with one line per problem.
    The data files a model names (``weather_file``, ``electricity.metered_csv``, ``roofs[].pv_profile_csv``, a
    park's ``firms[].file``), also when set by a scenario or ``--set``, are relative to the model file's folder
    (``base_dir`` for a dict model, default the working directory) and may not leave it; ``allow_paths`` folders
    admit absolute paths and '..' into them (``paths.resolve_model_path``).
    """
    if isinstance(model_path_or_dict, dict):
        source_path, base_dir = None, Path(base_dir) if base_dir is not None else Path.cwd()
        try:
            bad = _plain_problems(model_path_or_dict, "", "")
            tree = copy.deepcopy(model_path_or_dict)
        except RecursionError:
            raise InputError(problem("<root>", "...", "nested too deeply")) from None
        if bad:
            raise InputError(bad)
    else:
        source_path = Path(model_path_or_dict)
        base_dir = source_path.resolve().parent
        tree = read_yaml(source_path)
    kind = detect_kind(tree)
    if kind == "scenario":
        raise InputError(problem(str(source_path or "model"), "overrides", "this is a scenario file; give a site "
                                 "or park model and pass the scenario with --scenario"))
    root: type = Park if kind == "park" else Site
    problems: list[str] = []
    checked: set[str] = set()            # data files already resolved and confined
    if kind == "park":
        problems += _expand_firms(tree, base_dir, allow_paths, checked)
    else:
        problems += _absolutize(tree, base_dir, allow_paths, "", checked)
    if defaults is None:
        defaults = _data_defaults()
    defaults = copy.deepcopy(defaults)
    own = _expand_dotted(tree.get("assumptions") or {})
    if not isinstance(own, dict):
        problems.append(problem("assumptions", own, "must be a mapping of assumption groups"))
        own = {}
    tree["assumptions"] = _deep_merge(defaults, own)

    overrides = [(k, v, src, f"scenario {src!r}") for k, v, src in _compose(scenarios)]
    sets = set_values if isinstance(set_values, dict) else parse_set(set_values)
    overrides += [(k, v, "--set", "--set") for k, v in sets.items()]
    applied: list[dict] = []
    sources: list[tuple[str, str]] = []
    for key, value, source, label in overrides:
        try:
            previous = _lookup(tree, key)
            norm = apply_override(tree, root, key, value, defaults)
        except InputError as exc:
            problems += [f"{line} (from {label})" for line in exc.problems]
            continue
        applied.append({"key": norm, "value": value, "previous": previous, "source": source})
        sources.append((norm, label))
    if problems:
        raise InputError(problems)
    # data files named by a scenario or --set: relative to the model's folder and confined to it as well
    for i, site in enumerate(tree.get("firms") if kind == "park" and isinstance(tree.get("firms"), list) else [tree]):
        problems += _absolutize(site, base_dir, allow_paths, f"firms[{i}]." if kind == "park" else "", checked)
    if problems:
        raise InputError(_annotate(problems, sources))

    problems += _check_assumptions(tree["assumptions"], defaults, "assumptions")
    if kind == "park":
        _reconcile(tree, "", [a["key"] for a in applied if not a["key"].startswith("firms")], MIRRORED[1:])
        _fill_plan(tree, tree["assumptions"])
        for i, firm in enumerate(tree.get("firms") if isinstance(tree.get("firms"), list) else []):
            if not isinstance(firm, dict):
                continue
            if isinstance(firm.get("assumptions"), dict):
                problems += _check_assumptions(firm["assumptions"], defaults, f"firms[{i}].assumptions")
            firm["assumptions"] = _deep_merge(tree["assumptions"], firm.get("assumptions") or {})
            if "plan" not in firm and isinstance(tree.get("plan"), dict):
                firm["plan"] = copy.deepcopy(tree["plan"])
            _reconcile(firm, f"firms[{i}].", [a["key"] for a in applied])
            _fill_plan(firm, firm["assumptions"])
            _fill_discount_rate(firm, firm["assumptions"])
    else:
        _reconcile(tree, "", [a["key"] for a in applied])
        _fill_plan(tree, tree["assumptions"])
        _fill_discount_rate(tree, tree["assumptions"])
    if problems:
        raise InputError(_annotate(problems, sources))

    try:
        model = validate_model(root, tree)
    except InputError as exc:
        raise InputError(_annotate(exc.problems, sources)) from None
    if isinstance(model, Park):
        problems += _check_place(model, "")
        for i, firm in enumerate(model.firms):
            problems += _check_place(firm, f"firms[{i}]") + _check_files(firm, f"firms[{i}]")
            problems += _check_custom_measures(firm, f"firms[{i}]")
            _sync_assumptions(firm, firm.assumptions)
        if isinstance(model.assumptions.get("plan"), dict):
            model.assumptions["plan"]["years"] = model.plan.years
            model.assumptions["plan"]["horizon_years"] = model.plan.horizon_years
    else:
        problems += _check_place(model, "") + _check_files(model, "") + _check_custom_measures(model, "")
        _sync_assumptions(model, model.assumptions)
    if problems:
        raise InputError(_annotate(problems, sources))
    return Resolved(kind=kind, model=model, assumptions=model.assumptions, applied_overrides=applied,
                    config_hash=config_hash(kind, model), source_path=source_path)


def _lookup(tree: Any, key: str) -> Any:
    """Current value at a dotted key (``None`` when absent); list items by position or id."""
    try:
        parts = split_key(key)
    except ValueError:
        return None
    node = tree
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list):
            if part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = next((it for it in node if isinstance(it, dict) and str(it.get("id")) == part), None)
        else:
            return None
    return copy.deepcopy(node)


def check_scenario_keys(scenario: Scenario, defaults: dict | None = None) -> list[str]:
    """Problems with override keys that address nothing in a site or a park (checked without a model)."""
    if defaults is None:
        defaults = _data_defaults()
    out = []
    for key, value in scenario.overrides.items():
        errors: list[str] = []
        for root in (Site, Park):
            try:
                apply_override(None, root, key, value, defaults)
                errors = []
                break
            except InputError as exc:
                errors.append(exc.problems[0])
        out += errors[:1]
    return out


# ============================================================================================== run options
MAX_TIME_LIMIT_S = 7 * 24 * 3600.0     # a week: longer is a typo
MAX_ALTERNATIVES = 20
MAX_EXPLAIN = 50
MAX_THREADS = 256
RUN_OPTION_RANGES = {      # documented in README (Commands); one line each, exit code 2
    "time_limit": f"a number of seconds > 0 and <= {MAX_TIME_LIMIT_S:.0f}",
    "gap": "a relative gap >= 0 and < 1 (e.g. 0.001 = 0.1 %)",
    "years": "null (the model's plan.years) or a whole number from 1 to {max_years}",
    "alternatives": f"a whole number from 0 to {MAX_ALTERNATIVES}",
    "explain": f"a whole number from 0 to {MAX_EXPLAIN}",
    "threads": f"null or a whole number from 1 to {MAX_THREADS}",
    "workers": f"a whole number from 0 (in this process) to {MAX_THREADS}",
}


def run_option_problems(**options: Any) -> list[str]:
    """Problems with solver/run options (``time_limit``, ``gap``, ``years``, ``alternatives``, ``explain``,
    ``threads``; only those given are checked): the ranges of ``RUN_OPTION_RANGES``, NaN and booleans refused."""
    from pathways.inputs.schema import MAX_PLAN_YEARS

    def whole(v: Any, lo: int, hi: int) -> bool:
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and lo <= v <= hi

    def real(v: Any) -> bool:
        return is_number(v) and math.isfinite(v)

    ok = {"time_limit": lambda v: real(v) and 0 < v <= MAX_TIME_LIMIT_S,
          "gap": lambda v: real(v) and 0 <= v < 1,
          "years": lambda v: v is None or whole(v, 1, MAX_PLAN_YEARS),
          "alternatives": lambda v: whole(v, 0, MAX_ALTERNATIVES),
          "explain": lambda v: whole(v, 0, MAX_EXPLAIN),
          "threads": lambda v: v is None or whole(v, 1, MAX_THREADS),
          "workers": lambda v: v is None or whole(v, 0, MAX_THREADS)}
    out = []
    for name, value in options.items():
        if not ok[name](value):
            out.append(problem(name, value, RUN_OPTION_RANGES[name].format(max_years=MAX_PLAN_YEARS)))
    return out


def check_model_argument(model: Any, scenario: Any = (), set_values: Any = ()) -> None:
    """The API's ``model``/``scenario``/``set_values`` arguments have usable types (else InputError, not
    TypeError): model a path, a mapping or a Resolved; scenario a name/path or a list of them; set_values
    'KEY=VALUE' strings or a mapping."""
    out = []
    if not isinstance(model, (str, Path, dict, Resolved)) or (isinstance(model, str) and not model.strip()):
        out.append(problem("model", model, "a site/park YAML path, a mapping of model fields or a Resolved"))
    items = [scenario] if isinstance(scenario, (str, Path, Scenario)) else scenario
    if not isinstance(items, (list, tuple)) or not all(isinstance(s, (str, Path, Scenario)) for s in items):
        out.append(problem("scenario", scenario, "a scenario name or file, or a list of them"))
    if not isinstance(set_values, dict) and (isinstance(set_values, str) or not isinstance(set_values, (list, tuple))
                                              or not all(isinstance(x, str) for x in set_values)):
        out.append(problem("set_values", set_values, "a list of 'key=value' strings or a mapping"))
    if out:
        raise InputError(out)


def check_run_options(**options: Any) -> None:
    """Raise InputError listing ``run_option_problems(**options)``, if any."""
    bad = run_option_problems(**options)
    if bad:
        raise InputError(bad)


__all__ = ["read_yaml", "parse_set", "load_scenario", "compose", "resolve", "Resolved",
           "apply_override", "split_key", "detect_kind", "config_hash", "check_scenario_keys"]
