"""The documentation site builds in strict mode, and its generated references cover the code."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.interfaces import cli
from sim.outputs.folder_readme import every_column

ROOT = Path(__file__).resolve().parents[1]
HOOK = ROOT / "docs" / "hooks" / "reference.py"


def _hook():
    spec = importlib.util.spec_from_file_location("docs_reference_hook", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scenario_reference_has_every_model_and_field() -> None:
    text = _hook().scenario_reference()
    schema = sim.json_schema()
    for name, model in schema["$defs"].items():
        assert f"\n## {name}\n" in text, name
        for field in model.get("properties", {}):
            assert f"| `{field}` |" in text, (name, field)
    for field in schema["properties"]:
        assert f"| `{field}` |" in text
    assert "| `people_log` |" in text and "`\"auto\"`" in text


def test_cli_reference_has_every_command_and_option() -> None:
    text = _hook().cli_reference()
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        assert f"## `tracesim {name}`" in text, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}`" in text, (name, option)
    assert "`--shrinkage`" in text and "`--profile`" in text and "`--excel`" in text


def test_results_folder_reference_has_every_column() -> None:
    text = _hook().results_reference()
    for name in every_column():
        assert f"| `{name}` |" in text


def test_every_how_to_and_notebook_reaches_the_navigation() -> None:
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    config = _hook().on_config(config)
    listed = repr(config["nav"])
    for page in sorted((ROOT / "docs" / "how-to").glob("*.md")):
        assert f"how-to/{page.name}" in listed
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.name}" in listed


@pytest.mark.slow
def test_site_builds_in_strict_mode(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("the docs extra is not installed: pip install -e '.[docs]' (make docs)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOCS_EXECUTE_NOTEBOOKS": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    for page in ("index.html", "tutorial/index.html", "reference/scenario/index.html",
                 "reference/cli/index.html", "reference/results-folder/index.html",
                 "reference/api/index.html", "notebooks/01-quickstart/index.html",
                 "how-to/size-staffing/index.html", "explanation/figures/index.html"):
        assert (tmp_path / page).is_file(), page
    api = (tmp_path / "reference" / "api" / "index.html").read_text()
    assert "load_results" in api and "erlang_calculator" in api
