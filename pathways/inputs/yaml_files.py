"""Reading YAML files and snippets with guards.

YAML is read with ``yaml.SafeLoader`` plus guards: size <= 10 MB, UTF-8 text, <= 100 aliases, <= 300,000 nodes
after alias expansion, nesting depth <= 50, no duplicate keys, keys are text, values are plain (text, number,
true/false, null, list, mapping), numbers finite. ``1e6`` is read as a number (PyYAML alone reads it as text).
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from pathways.errors import InputError, problem
from pathways.inputs.schema import key_text

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 50
MAX_ALIASES = 100
MAX_NODES = 300_000


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


def plain_problems(tree: Any, path: str, label: str) -> list[str]:
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


def parse_yaml_text(text: str, label: str) -> Any:
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
    data = parse_yaml_text(text, label)
    if data is None:
        raise InputError(f"{label}: empty file -- expected a mapping of fields (e.g. name: ..., sector: ...)")
    if not isinstance(data, dict):
        raise InputError(problem(label, data, f"the top level must be a mapping of fields, not a "
                                              f"{type(data).__name__}"))
    bad = plain_problems(data, "", label)
    if bad:
        raise InputError(bad)
    return data
