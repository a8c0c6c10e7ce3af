"""Dotted keys and the override algebra: ``--set`` values, scenarios and how they compose.

Dotted keys address a model tree: ``finance.discount_rate``, ``assumptions.carbon.shadow_price_cny_per_t``,
``roofs[0].tilt_deg`` or ``roofs[workshop_a].tilt_deg`` (list items by position or id; ``roofs.0.tilt_deg`` works
too), ``firms[firm_3].finance.budget_cny_per_year``. A mapping value merges into a mapping already there; any other
value replaces. Two scenarios setting the same key (or one key inside another) is an error; ``--set`` always wins
(``pathways.inputs.resolve`` applies them in that order).
"""
from __future__ import annotations

import copy
import re
import types
import typing
from pathlib import Path
from typing import Any, Iterable, Sequence

from pydantic import BaseModel

from pathways import paths
from pathways.errors import InputError, problem, suggest
from pathways.inputs.schema import Park, Scenario, Site, key_text, validate_model
from pathways.inputs.yaml_files import parse_yaml_text, plain_problems, read_yaml
from pathways.reference.tables import default_assumptions

SCENARIO_DIR_NAME = "scenarios"

ModelTree = dict[str, Any]


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


def deep_merge(base: Any, top: Any) -> Any:
    """Merge ``top`` into a copy of ``base``: mappings merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(top, dict):
        out = copy.deepcopy(base)
        for k, v in top.items():
            out[k] = deep_merge(base[k], v) if k in base else copy.deepcopy(v)
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
                        items[idx] = deep_merge(items[idx], value)
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
        node[parts[-1]] = deep_merge(node[parts[-1]], value) if parts[-1] in node else copy.deepcopy(value)
    return norm


def expand_dotted(mapping: Any) -> Any:
    """``{'carbon.shadow_price_cny_per_t': 75}`` -> ``{'carbon': {'shadow_price_cny_per_t': 75}}``."""
    if not isinstance(mapping, dict):
        return mapping
    out: dict = {}
    for k, v in mapping.items():
        v = expand_dotted(v)
        if isinstance(k, str) and "." in k:
            for part in reversed(k.split(".")):
                v = {part: v}
        out = deep_merge(out, v if isinstance(k, str) and "." in k else {k: v})
    return out


def value_at(tree: Any, key: str) -> Any:
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
            value = parse_yaml_text(text, f"--set {key}")
        except InputError as exc:
            problems += exc.problems
            continue
        bad = plain_problems(value, f"--set {key}", "")
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


def keys_overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _norm_key(key: str) -> str:
    try:
        return ".".join(split_key(key))
    except ValueError:
        return key


def scenario_overrides(scenarios: Sequence[str | Path | Scenario]) -> list[tuple[str, Any, str]]:
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
                if keys_overlap(nk, other_nk):
                    problems.append(problem(key, value, f"set by both scenario {other_name!r} "
                                            f"({other_key} = {other_value!r}) and scenario {name!r}; drop it from "
                                            "one of them or decide with --set"))
            for other_nk, other_key in mine:
                if keys_overlap(nk, other_nk):
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
    return {key: value for key, value, _ in scenario_overrides(scenarios)}


def check_scenario_keys(scenario: Scenario, defaults: dict | None = None) -> list[str]:
    """Problems with override keys that address nothing in a site or a park (checked without a model)."""
    if defaults is None:
        defaults = default_assumptions()
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
