"""Every notebook in notebooks/ executes headless, from another directory, and shows its figures.

A figure shows in Jupyter only when the notebook turns the inline backend on; without it a
cell prints ``<Figure size ... with 1 Axes>``. So every cell tagged ``figure`` must have an
``image/png`` output, and no output anywhere may be a figure's text stand-in alone.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _outputs(cell) -> list[dict]:
    return list(cell.get("outputs", [])) if cell.cell_type == "code" else []


def _has_png(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in _outputs(cell))


def _figure_without_image(cell) -> bool:
    for out in _outputs(cell):
        data = out.get("data", {})
        if str(data.get("text/plain", "")).startswith("<Figure size") and "image/png" not in data:
            return True
    return False


def test_there_are_notebooks() -> None:
    assert PATHS, f"no notebooks in {NOTEBOOKS}"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_executes_and_shows_its_figures(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    # Started from an unrelated directory: the notebook must find its files by itself.
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [out for cell in notebook.cells for out in _outputs(cell)
              if out.get("output_type") == "error"]
    assert not errors, errors
    tagged = [i for i, cell in enumerate(notebook.cells)
              if "figure" in cell.get("metadata", {}).get("tags", [])]
    assert [i for i in tagged if not _has_png(notebook.cells[i])] == [], "figure without PNG"
    assert [i for i, cell in enumerate(notebook.cells) if _figure_without_image(cell)] == []
    pngs = sum(_has_png(cell) for cell in notebook.cells)
    assert pngs >= len(tagged)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs_and_explains_itself(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    prose = [c for c in notebook.cells if c.cell_type == "markdown"]
    assert all(not c.get("outputs") for c in code), "clear the outputs before committing"
    assert len(prose) >= len(code) // 2, "explain the tables and figures in markdown"
    first = "\n".join(c.source for c in code[:1])
    assert "%matplotlib inline" in first, "turn the inline backend on in the first code cell"
