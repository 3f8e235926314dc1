"""A sweep as a folder: the long table, the points, the frontier and its figure.

:class:`Sweep` is the :class:`~sim.experiments.sweep.SweepResults` of
:func:`sim.sweep` with what can be done with it (:meth:`Sweep.figure`,
:meth:`Sweep.save`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.analysis.frontier import DEFAULT_X, DEFAULT_Y
from sim.experiments.sweep import CONFIDENCE, Parameter, SweepResults, _g
from sim.inputs.scenario import Scenario
from sim.outputs.figure_work import figure_job
from sim.outputs.writer import Contents, Published, Table, write_folder

if TYPE_CHECKING:
    from sim.plumbing.forked import ForkedWorker
    from sim.plumbing.lifeline import BackgroundWork


class Sweep(SweepResults, Published):
    """A sweep's points (:class:`SweepResults`), as a folder."""

    def figure(self, x: str = DEFAULT_X, y: str = DEFAULT_Y):
        """Draw the frontier (:func:`sim.outputs.figures.plot_frontier`)."""
        from sim.outputs.figures import plot_frontier
        from sim.outputs.labels import deadline_label

        varied = ", ".join(p.path for p in self.parameters)
        base = self.scenario.staffing.summary()
        subtitle = f"{self.scenario.name} · base: {base} · swept: {varied}"
        return plot_frontier(self.table, x=x, y=y, currency=self.scenario.costs.currency,
                             deadline_label=deadline_label(self.scenario.tracing.index.within),
                             replications=self.replications, subtitle=subtitle)

    def metadata(self) -> dict[str, Any]:
        """Return the content of ``metadata.json``."""
        return {
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
        }

    def save(self, directory: str | Path, figures: bool = True, x: str = DEFAULT_X,
             y: str = DEFAULT_Y, overwrite: bool = False, figure_formats: Sequence[str] = ("png",),
             excel: bool = False, report: bool = False, jobs: int | None = None) -> Path:
        """Write the sweep's folder (:func:`sim.outputs.writer.write_folder`).

        Files: ``sweep.csv``/``sweep.parquet`` (the long table), ``points.csv``,
        ``replications.parquet``, ``frontier.csv``, ``scenario.yaml`` (the base
        scenario), ``metadata.json``, ``README.md`` and ``figures/frontier.png``.
        The folder is written whole or not at all; its ``cache/`` is kept.

        Parameters
        ----------
        directory
            Target directory; it may hold only the ``cache/`` of this work; a
            finished result is replaced only with ``overwrite``.
        figures
            Also draw the frontier.
        x, y
            The frontier's metrics.
        overwrite
            Replace a finished result.
        figure_formats, excel, report, jobs
            As :meth:`sim.outputs.results.Results.save`.

        Returns
        -------
        pathlib.Path
        """
        return write_folder(SweepFolder(self, x, y), directory, overwrite=overwrite,
                            figures=figures, figure_formats=figure_formats, excel=excel,
                            report=report, jobs=jobs)


class SweepFolder:
    """A sweep with the metrics of its frontier: what its folder holds (:class:`Folder`)."""

    kind = "sweep"

    def __init__(self, sweep: Sweep, x: str = DEFAULT_X, y: str = DEFAULT_Y) -> None:
        self.sweep, self.x, self.y = sweep, x, y

    @property
    def folder_scenario(self) -> Scenario:
        """The base scenario."""
        return self.sweep.scenario

    def folder_contents(self) -> Contents:
        """Return the long table, the points, the replications, the frontier, the scenario."""
        sw = self.sweep
        tables = {"sweep": Table(sw.table), "points": Table(sw.points(), parquet=False),
                  "replications": Table(sw.replications_table(), csv=False),
                  "frontier": Table(sw.frontier(self.x, self.y), parquet=False)}
        return Contents(tables, {"scenario.yaml": sw.scenario.to_yaml()},
                        sheets=("frontier", "points"))

    def folder_metadata(self) -> dict[str, Any]:
        """Return the sweep's facts and the frontier's metrics."""
        return {**self.sweep.metadata(), "x": self.x, "y": self.y}

    def draw_figures(self, directory: Path, formats: Sequence[str], jobs: int | None,
                     worker: ForkedWorker | None) -> BackgroundWork:
        """Start drawing the frontier."""
        return figure_job({"frontier": lambda: self.sweep.figure(self.x, self.y)}, directory,
                          formats, jobs)


def _describe(p: Parameter) -> str:
    if p.values is not None:
        return f"{p.path}={','.join(str(v) for v in p.values)}"
    step = f"/{_g(p.step)}{p.unit}" if p.step is not None else ""
    return f"{p.path}={_g(p.low)}{p.unit}..{_g(p.high)}{p.unit}{step}"


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


