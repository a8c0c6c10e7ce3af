"""The package's import structure, read from the source with ``ast`` (nothing is imported): the graph of imports
between the package's own modules (top-level ones and those inside functions alike) has no cycle, and no module
uses a private (underscore) name of another module."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pathways"


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    """{dotted module name: file} of every module under ``package``."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _target(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from ... import`` statement in ``module`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def import_facts(package: Path = PACKAGE) -> tuple[dict[str, set[str]], list[str]]:
    """(graph {module: modules of the package it imports}, private uses 'module:line: what')."""
    mods = _modules(package)
    root = package.name
    graph: dict[str, set[str]] = {}
    private: list[str] = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        deps: set[str] = set()
        aliases: dict[str, str] = {}               # local name -> module of the package it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                src = _target(name, path.name == "__init__.py", node)
                if src != root and not src.startswith(root + "."):
                    continue
                for a in node.names:
                    if f"{src}.{a.name}" in mods:          # `from . import module`
                        deps.add(f"{src}.{a.name}")
                        aliases[a.asname or a.name] = f"{src}.{a.name}"
                        continue
                    deps.add(src)
                    if _is_private(a.name) and src != name:
                        private.append(f"{name}:{node.lineno}: from {src} import {a.name}")
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == root or a.name.startswith(root + "."):
                        deps.add(a.name)
                        if a.asname:
                            aliases[a.asname] = a.name
        for node in ast.walk(tree):               # module.attribute with module one of the package's modules
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                dotted, value = [], node.value
                while isinstance(value, ast.Attribute):
                    dotted.insert(0, value.attr)
                    value = value.value
                if isinstance(value, ast.Name):
                    owner = ".".join([aliases.get(value.id, value.id), *dotted])
                    if owner in mods and owner != name:
                        private.append(f"{name}:{node.lineno}: {owner}.{node.attr}")
        deps.discard(name)
        graph[name] = {d for d in deps if d in mods}
    return graph, private


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def facts():
    return import_facts()


def test_the_checker_sees_imports_inside_functions_and_finds_a_cycle_and_a_private_use(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import thing\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.c import _hidden\n    return _hidden\n")
    (pkg / "sub" / "c.py").write_text("def g():\n    from .. import a\n    return a._secret\n_hidden = 1\n")
    graph, private = import_facts(pkg)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.sub.c"] == {"pkg.a"}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    assert sorted(p.split(": ", 1)[1] for p in private) == ["from pkg.sub.c import _hidden", "pkg.a._secret"]
    (pkg / "sub" / "c.py").write_text("_hidden = 1\n")
    assert find_cycles(import_facts(pkg)[0]) == []


def test_the_graph_covers_the_package(facts):
    graph, _ = facts
    assert {"pathways.cli.main", "pathways.inputs.config", "pathways.cli.validate", "pathways.ui.sme"} <= set(graph)
    assert "pathways.batch" in graph["pathways.cli.validate"]
    assert "pathways.site.build" in graph["pathways.batch"]              # imported inside a function only


def test_the_import_graph_has_no_cycle(facts):
    graph, _ = facts
    assert find_cycles(graph) == []


def test_no_module_uses_a_private_name_of_another_module(facts):
    _, private = facts
    assert private == []
