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
    assert {"pathways.cli.main", "pathways.inputs.resolve", "pathways.cli.validate", "pathways.ui.sme"} <= set(graph)
    assert "pathways.inputs.sweep" in graph["pathways.cli.validate"]
    assert "pathways.site.build" in graph["pathways.batch"]              # imported inside a function only


def test_the_import_graph_has_no_cycle(facts):
    graph, _ = facts
    assert find_cycles(graph) == []


def test_no_module_uses_a_private_name_of_another_module(facts):
    _, private = facts
    assert private == []


# Third-party packages that take long to import or are optional at run time: modules importing them at top level are
# "heavy", and only heavy modules (of the package or not) may be imported inside a function, to keep start-up fast.
# The package's __init__ is the public API (pathways.plan, .collect, .plan_park): it imports each on first use, so
# that `import pathways.errors` (which runs __init__) stays at ~0.1 s instead of ~0.5 s with pandas and the park.
LAZY_API = ("pathways",)
HEAVY = ("pyomo", "pvlib", "dask", "distributed", "streamlit", "matplotlib", "scipy", "highspy", "pyarrow", "playwright")


def lazy_import_facts(package: Path = PACKAGE) -> tuple[set[str], list[str]]:
    """(heavy modules of the package, 'module:line: target' for every in-function import of a light package
    module). A module is heavy when its top level (outside functions) imports a heavy third-party package or a
    heavy module of the package."""
    mods = _modules(package)
    root = package.name
    top: dict[str, set[str]] = {}            # module -> absolute names imported at top level
    inner: dict[str, list[tuple[int, str]]] = {}

    def targets(name: str, path: Path, node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        src = _target(name, path.name == "__init__.py", node)
        return [f"{src}.{a.name}" if f"{src}.{a.name}" in mods else src for a in node.names]

    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        top[name], inner[name] = set(), []
        stack = [(n, False) for n in tree.body]
        while stack:
            node, in_func = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in targets(name, path, node):
                    (inner[name].append((node.lineno, t)) if in_func else top[name].add(t))
                continue
            nested = in_func or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            stack.extend((child, nested) for child in ast.iter_child_nodes(node))
    heavy = {m for m, ts in top.items() if any(t.split(".")[0] in HEAVY for t in ts)}
    while True:
        more = {m for m, ts in top.items() if m not in heavy and ts & heavy}
        if not more:
            break
        heavy |= more
    light_inner = {f"{m}:{line}: {t}" for m, items in inner.items() for line, t in items
                   if t.startswith(root + ".") and t in mods and t not in heavy and m not in LAZY_API}
    return heavy, sorted(light_inner)


def test_the_lazy_import_checker_tells_heavy_from_light(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "solver.py").write_text("import pyomo.environ as pyo\n")
    (pkg / "plan.py").write_text("from pkg.solver import pyo\n")
    (pkg / "light.py").write_text("import json\n")
    (pkg / "user.py").write_text("def f():\n    from pkg import plan\n    from pkg.light import json\n")
    heavy, light_inner = lazy_import_facts(pkg)
    assert heavy == {"pkg.solver", "pkg.plan"}
    assert light_inner == ["pkg.user:3: pkg.light"]


def test_light_modules_of_the_package_are_imported_at_module_top():
    _, light_inner = lazy_import_facts()
    assert light_inner == []


# The subpackages in the order of the flow of one plan (docs/architecture.md): a module imports only from its own
# step or earlier ones. The package root (the public API, importing on first use) is left out.
LAYERS = (("vocabulary", "errors", "paths", "concurrency", "jsonio"), ("money",), ("reference",), ("energy",),
          ("inputs",), ("site",), ("model",), ("results",), ("park",), ("batch",), ("policy",), ("cli",), ("ui",))
# Imports against the flow, each with its reason (keep this short).
UPSTREAM_ALLOWED = {("reference", "site"): "the catalog checks its rows against the sizing rules of site/sizing.py"}


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    rank = {name: i for i, group in enumerate(LAYERS) for name in group}

    def step(module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else None

    out = []
    for m, deps in graph.items():
        for d in deps:
            a, b = step(m), step(d)
            if a in rank and b in rank and rank[b] > rank[a] and (a, b) not in UPSTREAM_ALLOWED:
                out.append(f"{m} -> {d}")
    return sorted(out)


def test_every_subpackage_has_a_step_in_the_flow():
    steps = {p.parent.name for p in PACKAGE.glob("*/__init__.py")} | {p.stem for p in PACKAGE.glob("*.py")}
    assert steps - {"__init__"} == {name for group in LAYERS for name in group}


def test_imports_follow_the_flow(facts):
    graph, _ = facts
    assert layer_violations({"pathways.site.build": {"pathways.model.milp"}}) == \
        ["pathways.site.build -> pathways.model.milp"]
    assert layer_violations(graph) == []
