"""Code-style rules that ruff and mypy do not check.

``make lint`` runs ruff (with the McCabe and pydocstyle rules) and mypy; this
module only adds the rules they have no switch for. It parses the source and
imports nothing from ``sim``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"
MAX_FUNCTION_LINES = 100


def _functions(tree: ast.AST):
    """Yield every function and method in ``tree``, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Count the lines from the first decorator (or ``def``) to the last line of the body."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return node.end_lineno - first + 1


def test_the_package_has_sources():
    assert sorted(PACKAGE.rglob("*.py")), f"no Python files under {PACKAGE}"


def test_no_function_in_sim_is_longer_than_100_lines():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _functions(tree):
            if (n := _length(node)) > MAX_FUNCTION_LINES:
                where = path.relative_to(ROOT).as_posix()
                offenders.append(f"{where}:{node.lineno} {node.name}() has {n} lines")
    assert not offenders, (
        f"functions longer than {MAX_FUNCTION_LINES} lines (split them into named helpers):\n  "
        + "\n  ".join(offenders))


def test_the_package_is_marked_typed():
    assert (PACKAGE / "py.typed").is_file(), "sim/py.typed marks the package as typed (PEP 561)"
