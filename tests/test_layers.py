"""The house in layers: every import between ``sim`` modules goes one way, and none closes a cycle.

The layers, from the ground up (``sim/<layer>/`` each)::

    basics -> plumbing -> inputs -> model -> staffing -> analysis -> experiments -> outputs
    -> interfaces

A module may import modules of its own layer and of the layers below it, never above.
Every import counts: at module level, inside functions, under ``TYPE_CHECKING``, and
``importlib.import_module`` / ``__import__`` with a literal name. Among all ``sim``
modules there is no import cycle, within a layer either. The root package ``sim`` (the
public API, imported lazily) belongs to the interfaces.

:func:`violations` reads a source tree; the last tests run it on a small tree with a
wrong-way import and a cycle added, so this test is seen to fail when the rule is broken.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = ("basics", "plumbing", "inputs", "model", "staffing", "analysis", "experiments",
          "outputs", "interfaces")
#: Packages that belong to a layer without being named after it.
EXTRA = {"sim.data": "inputs", "sim": "interfaces"}


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    line: int


def modules(root: Path) -> dict[str, Path]:
    """Every module of the ``sim`` package under ``root``, by dotted name."""
    out = {}
    for path in sorted((root / "sim").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def layer_of(module: str) -> str | None:
    """The layer a module belongs to (None: outside every layer)."""
    if module in EXTRA:
        return EXTRA[module]
    for name, layer in EXTRA.items():
        if name != "sim" and module.startswith(name + "."):
            return layer
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def _imported_names(node: ast.AST, package: str) -> list[str]:
    """Dotted names an import statement or a literal dynamic import names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            if node.level > 1:
                parts = parts[: -(node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        # the package named after ``from`` runs too, except the root (every import runs it)
        return ([base] if base != "sim" else []) + [f"{base}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if (name in ("import_module", "__import__") and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return [node.args[0].value]
    return []


def edges(root: Path) -> list[Edge]:
    """Every import from one ``sim`` module of ``root`` to another."""
    mods = modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    out = []
    for module, path in mods.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = {resolve(name) for name in _imported_names(node, package)
                       if name == "sim" or name.startswith("sim.")}
            targets |= {parent for target in set(targets) if target
                        for parent in _parents(target, module)}
            for target in sorted(t for t in targets if t and t != module):
                out.append(Edge(module, target, getattr(node, "lineno", 0)))
    return out


def _parents(target: str, source: str) -> list[str]:
    """The packages an import of ``target`` runs first (their ``__init__``).

    Importing ``sim.a.b.c`` runs ``sim.a`` and ``sim.a.b`` before it, except
    those the importing module is itself inside (already being imported),
    and the root ``sim``, which every import runs.
    """
    parts = target.split(".")
    return [name for name in (".".join(parts[:k]) for k in range(2, len(parts)))
            if not (source == name or source.startswith(name + "."))]


def cycles(root: Path) -> list[list[str]]:
    """The import cycles among the modules (strongly connected components of two or more)."""
    graph: dict[str, set[str]] = {m: set() for m in modules(root)}
    for edge in edges(root):
        graph[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def violations(root: Path) -> list[str]:
    """Every broken rule of the tree at ``root``, one line each."""
    rank = {layer: k for k, layer in enumerate(LAYERS)}
    problems = [f"{module}: in no layer (sim/<layer>/, layers {', '.join(LAYERS)})"
                for module in modules(root) if layer_of(module) is None]
    for edge in edges(root):
        source, target = layer_of(edge.source), layer_of(edge.target)
        if source and target and rank[target] > rank[source]:
            problems.append(f"{edge.source}:{edge.line} imports {edge.target}: "
                            f"{source} must not import {target} (a layer above)")
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(root)]
    return problems


def test_imports_go_one_way_and_close_no_cycle() -> None:
    assert violations(ROOT) == []


def test_every_layer_is_a_folder() -> None:
    assert all((ROOT / "sim" / layer / "__init__.py").is_file() for layer in LAYERS)


def test_the_engine_imports_no_staffing_module() -> None:
    assert [e for e in edges(ROOT) if e.source.startswith("sim.model")
            and e.target.startswith("sim.staffing")] == []


# ------------------------------------------------------------------ the checker can fail

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


_CLEAN = {
    "sim/__init__.py": "",
    "sim/basics/__init__.py": "",
    "sim/basics/units.py": "DAY_S = 86400.0\n",
    "sim/model/__init__.py": "",
    "sim/model/run.py": "from sim.basics.units import DAY_S\n",
    "sim/outputs/__init__.py": "",
    "sim/outputs/plots.py": "import sim.basics.units\n",
}


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    assert violations(_tree(tmp_path, _CLEAN)) == []


def test_a_wrong_way_import_in_a_function_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_CLEAN, "sim/model/run.py":
                            "def f():\n    from sim.outputs.plots import x\n"})
    assert violations(root) == [
        "sim.model.run:2 imports sim.outputs: model must not import outputs (a layer above)",
        "sim.model.run:2 imports sim.outputs.plots: model must not import outputs (a layer above)"]


def test_a_literal_dynamic_import_counts(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_CLEAN, "sim/model/run.py":
                            "import importlib\nimportlib.import_module('sim.outputs.plots')\n"})
    assert "sim.model.run:2 imports sim.outputs.plots: model must not import outputs (a layer " \
        "above)" in violations(root)


def test_a_cycle_within_a_layer_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_CLEAN,
                            "sim/model/a.py": "from sim.model import b\n",
                            "sim/model/b.py": "from sim.model.a import x\n"})
    assert violations(root) == ["import cycle: sim.model.a -> sim.model.b"]


def test_a_cycle_through_a_package_face_fails(tmp_path: Path) -> None:
    """``a`` imports ``sim.model.pkg.x``, whose package face imports ``a``: a cycle at run time."""
    root = _tree(tmp_path, {**_CLEAN,
                            "sim/model/a.py": "from sim.model.pkg.x import y\n",
                            "sim/model/pkg/__init__.py": "from sim.model.a import z\n",
                            "sim/model/pkg/x.py": "y = 1\n"})
    assert violations(root) == ["import cycle: sim.model.a -> sim.model.pkg"]


def test_a_module_outside_the_layers_fails(tmp_path: Path) -> None:
    root = _tree(tmp_path, {**_CLEAN, "sim/loose.py": ""})
    assert violations(root) == ["sim.loose: in no layer (sim/<layer>/, layers "
                                + ", ".join(LAYERS) + ")"]


def test_the_readme_draws_every_layer_in_order() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("## How the code is organised"):]
    block = block[block.index("```text"):block.index("```", block.index("```text") + 7)]
    drawn = [line.split()[0] for line in block.splitlines()[1:] if line[:1] == " "
             and line.split() and line.split()[0] in LAYERS]
    assert drawn == list(reversed(LAYERS))
