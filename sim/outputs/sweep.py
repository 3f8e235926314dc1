"""A sweep as a folder: the long table, the points, the frontier and its figure.

:class:`Sweep` is the :class:`~sim.experiments.sweep.SweepResults` of
:func:`sim.sweep` with what can be done with it (:meth:`Sweep.figure`,
:meth:`Sweep.save`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.frontier import DEFAULT_X, DEFAULT_Y
from sim.experiments.cache import write_atomic
from sim.experiments.sweep import CONFIDENCE, Parameter, SweepResults, _g


class Sweep(SweepResults):
    """A sweep's points (:class:`SweepResults`), as a folder."""

    @classmethod
    def of(cls, result: SweepResults) -> Sweep:
        """Return an experiment's sweep as :class:`Sweep` (tables not copied)."""
        if isinstance(result, cls):
            return result
        out = cls.__new__(cls)
        out.__dict__.update(result.__dict__)
        return out

    def figure(self, x: str = DEFAULT_X, y: str = DEFAULT_Y):
        """Draw the frontier (:func:`sim.outputs.plots.plot_frontier`)."""
        from sim.outputs.labels import deadline_label
        from sim.outputs.plots import plot_frontier

        varied = ", ".join(p.path for p in self.parameters)
        base = self.scenario.staffing.summary()
        subtitle = f"{self.scenario.name} · base: {base} · swept: {varied}"
        return plot_frontier(self.table, x=x, y=y, currency=self.scenario.costs.currency,
                             deadline_label=deadline_label(self.scenario.tracing.index.within),
                             replications=self.replications, subtitle=subtitle)

    def metadata(self) -> dict[str, Any]:
        """Return the content of ``metadata.json``."""
        from sim.outputs.results import _version

        return {
            "tracesim_version": _version("tracesim"),
            "scenario": self.scenario.name,
            "scenario_hash": self.scenario.hash(),
            "seed": self.seed,
            "replications": self.replications,
            "design": self.design,
            "samples": self.samples,
            "vary": [_describe(p) for p in self.parameters],
            "points": len(self.evaluations),
            "points_run": self.run_points,
            "points_read_from_cache": self.cached_points,
            "confidence": CONFIDENCE,
            "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def save(self, directory: str | Path, figures: bool = True, x: str = DEFAULT_X,
             y: str = DEFAULT_Y) -> Path:
        """Write the sweep's tables and frontier into ``directory``.

        Files: ``sweep.csv``/``sweep.parquet`` (the long table), ``points.csv``,
        ``replications.parquet``, ``frontier.csv``, ``metadata.json``,
        ``scenario.yaml`` (the base scenario) and ``frontier.png``/``.svg``.
        Each file is written whole or not at all; the ``cache/`` folder is kept.

        Returns
        -------
        pathlib.Path
        """
        out = Path(directory)
        frontier = self.frontier(x, y)
        _write_table(out / "sweep.csv", self.table)
        _write_table(out / "sweep.parquet", self.table)
        _write_table(out / "points.csv", self.points())
        _write_table(out / "replications.parquet", self.replications_table())
        _write_table(out / "frontier.csv", frontier)
        _write_text(out / "scenario.yaml", self.scenario.to_yaml())
        _write_text(out / "metadata.json",
                    json.dumps({**self.metadata(), "x": x, "y": y}, indent=2) + "\n")
        if figures:
            _save_figure(self.figure(x, y), out / "frontier")
        return out



def _describe(p: Parameter) -> str:
    if p.values is not None:
        return f"{p.path}={','.join(str(v) for v in p.values)}"
    step = f"/{_g(p.step)}{p.unit}" if p.step is not None else ""
    return f"{p.path}={_g(p.low)}{p.unit}..{_g(p.high)}{p.unit}{step}"


def _write_table(path: Path, table: pd.DataFrame) -> None:
    if path.suffix == ".parquet":
        write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
    else:
        write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))


def _write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _save_figure(fig, stem: Path) -> None:
    """Write ``stem.png`` and ``stem.svg``, each whole or not at all."""
    import os
    import tempfile

    import matplotlib

    from sim.outputs.plots import save_figure

    matplotlib.use("Agg", force=False)
    with tempfile.TemporaryDirectory(prefix=f".{stem.name}.", dir=stem.parent) as tmp:
        for path in save_figure(fig, Path(tmp) / stem.name):
            os.replace(path, stem.parent / path.name)


def check_output_dir(directory: str | Path, marker: str, overwrite: bool = False) -> Path:
    """Check that a sweep or optimisation may write into ``directory``.

    A missing directory is fine; an existing one must be one of ours (it has a
    ``cache/`` folder; an interrupted run left it, and it resumes) and, unless
    ``overwrite``, hold no finished result (``marker``, e.g. ``sweep.csv``).

    Raises
    ------
    FileExistsError
        The directory holds other files, or a finished result without
        ``overwrite``.
    """
    out = Path(directory)
    if not out.exists():
        return out
    if not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory; choose another --out")
    if (out / marker).exists() and not overwrite:
        raise FileExistsError(f"{out} holds a finished {marker}; choose another --out or pass "
                              "--overwrite (computed points are read back from its cache)")
    if any(out.iterdir()) and not (out / "cache").is_dir():
        raise FileExistsError(f"{out} exists and is not a tracesim sweep/optimise directory; "
                              "choose another --out")
    return out


