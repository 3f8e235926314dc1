"""Exact replays: run a results directory's scenario and seed again and compare.

``metadata.json`` records the seed, the number of replications, the scenario
hash and the package versions; ``scenario.yaml`` is the resolved scenario. The
same scenario and seed give the same tables bit for bit whatever the number of
worker processes, so a rerun must reproduce every table exactly; when it does
not, the report names the first difference and the package versions that
changed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim.staffing  # noqa: F401  (reading a scenario file needs the policies registered)
from sim.basics.errors import ResultsError
from sim.experiments.ladder import explain_idle
from sim.experiments.replications import run
from sim.inputs.scenario import Scenario, ScenarioError, scenario_from_text
from sim.outputs.results import Results
from sim.outputs.writer import PACKAGES, version


@dataclass
class ReplayReport:
    """Outcome of :func:`rerun`: ``matches`` and the report's lines."""

    matches: bool
    lines: list[str] = field(default_factory=list)
    differences: dict[str, str] = field(default_factory=dict)


def _roundtrip(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table as it reads back from parquet (the same dtypes as the saved one)."""
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    buffer.seek(0)
    return pd.read_parquet(buffer)


def first_difference(old: pd.DataFrame, new: pd.DataFrame) -> str | None:
    """Describe where two tables first differ (None when identical, NaN equal to NaN)."""
    if list(old.columns) != list(new.columns):
        return f"columns differ: {sorted(set(old.columns) ^ set(new.columns))}"
    if len(old) != len(new):
        return f"{len(old)} rows before, {len(new)} now"
    for column in old.columns:
        a, b = old[column], new[column]
        if a.dtype != b.dtype:
            return f"column {column}: dtype {a.dtype} before, {b.dtype} now"
        if a.equals(b):
            continue
        values_a, values_b = a.to_numpy(), b.to_numpy()
        try:
            same = (values_a == values_b) | (pd.isna(values_a) & pd.isna(values_b))
        except TypeError:
            same = np.array([x == y for x, y in zip(values_a, values_b, strict=True)])
        row = int(np.argmin(same))
        if not bool(np.all(same)):
            return f"column {column}, row {row}: {values_a[row]!r} before, {values_b[row]!r} now"
    return None


def rerun(directory: str | Path, jobs: int | None = None) -> ReplayReport:
    """Run a results directory's scenario with its seed again and compare the tables.

    Parameters
    ----------
    directory
        A directory written by ``tracesim run`` / :meth:`sim.Results.save`.
    jobs
        Worker processes for the rerun (results do not depend on it).

    Returns
    -------
    ReplayReport

    Raises
    ------
    ResultsError
        When the directory lacks ``metadata.json`` or ``scenario.yaml`` or they
        cannot be read.
    """
    directory = Path(directory)
    meta, scenario = _read_record(directory)
    lines = _header(directory, meta, scenario)
    results = run(scenario, replications=int(meta["replications"]), seed=int(meta["seed"]),
                  jobs=jobs, force=True)
    if (directory / "idle_attribution.parquet").exists():
        # the bound recorded by the run (directories from before --bound used the oracle)
        results = explain_idle(results, jobs=jobs, bound=meta.get("bound", "analytic"))
    results = Results.of(results)
    differences: dict[str, str] = {}
    compared = 0
    for name, table in sorted(results.tables.items()):
        path = directory / f"{name}.parquet"
        if not path.exists():
            continue
        compared += 1
        problem = first_difference(pd.read_parquet(path), _roundtrip(table))
        if problem is None:
            lines.append(f"  {name}: identical ({len(table):,} rows)")
        else:
            differences[name] = problem
            lines.append(f"  {name}: DIFFERENT ({problem})")
    figures = compare_figures(directory, results, jobs)
    if figures is not None:
        count, different = figures
        if different:
            differences["figures"] = ", ".join(different)
            lines.append(f"  figures: DIFFERENT ({', '.join(different)})")
        else:
            lines.append(f"  figures: identical ({count} files)")
    matches = not differences and compared > 0
    if compared == 0:
        lines.append("no tables to compare (no .parquet files in the directory)")
    tail = " (and every figure)" if figures is not None else ""
    lines.append(f"match: every table is identical{tail}" if matches else
                 f"no match: {len(differences)} of {compared + (figures is not None)} "
                 "tables and figure sets differ")
    return ReplayReport(matches=matches, lines=lines, differences=differences)


def compare_figures(directory: Path, results: Any, jobs: int | None = None
                    ) -> tuple[int, list[str]] | None:
    """Draw a rerun's figures again and compare them byte for byte with the saved ones.

    SVG files are byte-reproducible (:data:`sim.outputs.figures.SVG_HASH_SALT`, no
    date), and so are PNG files with the same matplotlib and fonts.

    Parameters
    ----------
    directory
        The results directory (its ``figures/`` folder).
    results
        The rerun's :class:`sim.Results`.
    jobs
        Processes drawing the figures.

    Returns
    -------
    tuple or None
        ``(files compared, names of those that differ or are missing now)``;
        None when the directory has no figures.
    """
    import tempfile

    from sim.outputs.figures import save_figures

    folder = directory / "figures"
    saved = sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []
    if not saved:
        return None
    formats = sorted({p.suffix.lstrip(".") for p in saved if p.suffix})
    with tempfile.TemporaryDirectory() as tmp:
        save_figures(results.figure_makers(), Path(tmp), formats, jobs)
        different = [p.name for p in saved if not (Path(tmp) / p.name).is_file()
                     or (Path(tmp) / p.name).read_bytes() != p.read_bytes()]
    return len(saved), different


def _read_record(directory: Path) -> tuple[dict[str, Any], Scenario]:
    """Read ``metadata.json`` and ``scenario.yaml``; raise :class:`ResultsError` if unusable."""
    try:
        meta = json.loads((directory / "metadata.json").read_text())
        text = (directory / "scenario.yaml").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ResultsError(f"{directory} is not a results directory ({exc.filename} is "
                           "missing)") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{directory}: cannot read the run's record ({exc})") from None
    try:
        scenario = scenario_from_text(text, str(directory / "scenario.yaml"))
    except ScenarioError as exc:
        raise ResultsError("; ".join(exc.problems)) from None
    for key in ("seed", "replications"):
        if key not in meta:
            raise ResultsError(f"{directory}/metadata.json has no '{key}'")
    return meta, scenario


def _header(directory: Path, meta: dict[str, Any], scenario: Scenario) -> list[str]:
    """Return the report's first lines: what is rerun, and notes on edits and versions."""
    lines = [f"rerun of {directory}: scenario {scenario.name}, seed {meta['seed']}, "
             f"{meta['replications']} replications"]
    if meta.get("scenario_hash") not in (None, scenario.hash()):
        lines.append(f"note: scenario.yaml hash {scenario.hash()} differs from the recorded "
                     f"{meta['scenario_hash']} (the file was edited)")
    recorded = meta.get("packages", {})
    changed = [f"{p} {recorded.get(p)} -> {version(p)}" for p in PACKAGES
               if p in recorded and recorded.get(p) != version(p)]
    if changed:
        lines.append("note: package versions differ: " + ", ".join(changed))
    return lines
