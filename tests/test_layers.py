"""The package's layers, written down and checked: imports flow downward only, and no module cycle.

A layer may import any layer listed below it, and modules of its own layer, but never
one listed above it. Modules of one layer may import each other, but not in a cycle.
Lazy imports inside functions count: an import that is only deferred is still an arrow.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"

# Top to bottom; each entry is one layer (a layer may hold independent parts).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("verifier.__main__",),
    ("verifier.cli",),
    ("verifier.reports",),
    ("verifier.ci",),
    ("verifier.check", "verifier.ingest"),
    ("verifier.properties",),
    ("verifier.schedules",),
    ("verifier.replay",),
    ("verifier.explicit", "verifier.smt"),
    ("verifier.findings",),
    ("verifier.counterexample",),
    ("verifier.fault_semantics", "verifier.placement_semantics"),
    ("verifier.semantics",),
    ("verifier.model",),
    ("verifier.results", "verifier.errors", "verifier.defaults", "verifier.format", "verifier.rounding"),
    ("verifier.untrusted",),  # escaping for output, which errors' messages use
    ("verifier",),  # the package itself: its version only
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: use absolute imports (from verifier.x import y)")
    return found


def _graph() -> nx.DiGraph:
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path):
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


def layer_of(module: str) -> int:
    best = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def test_every_module_is_in_a_layer():
    for module in _graph():
        layer_of(module)


def upward(edges) -> list[str]:
    return [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
            for a, b in edges if layer_of(b) < layer_of(a)]


def test_no_module_imports_a_higher_layer():
    assert upward(_graph().edges) == []


def test_no_import_cycle():
    graph = _graph()
    # A package's __init__ importing its own submodules is how Python builds it, not a cycle of meaning.
    graph.remove_edges_from([(a, b) for a, b in list(graph.edges) if b.startswith(a + ".")])
    assert list(nx.simple_cycles(graph)) == []


def test_the_layer_check_catches_an_upward_arrow():
    """The check itself can fail: a made-up edge from the model up to the CLI is reported."""
    assert upward([("verifier.model.loading", "verifier.cli.main")]) != []
    assert upward([("verifier.cli.main", "verifier.model.loading")]) == []


def test_loading_a_model_imports_no_solver_graph_library_or_template_reader():
    code = ("import sys, pathlib, verifier.model.loading as loading\n"
            "loading.load_model(pathlib.Path(sys.argv[1]))\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('z3', 'networkx', 'cfnlint', 'hcl2'))\n"
            "print(' '.join(heavy))")
    model = PACKAGE.parent / "models" / "min50-room8.yaml"
    done = subprocess.run([sys.executable, "-c", code, str(model)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
