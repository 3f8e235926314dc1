"""Results of an experiment and the results directory.

A results directory holds::

    scenario.yaml      the resolved scenario (every default written out)
    metadata.json      package and library versions, seed, replications,
                       scenario hash, created-at (UTC), engine_seconds and the
                       number of calls, attempts and events simulated
    summary.json       {"scenario", "replications", "seed",
                        "metrics": {NAME: {"mean", "sd", "ci_low", "ci_high", "n"}}}
    summary.csv        the same, one row per metric
    daily.parquet / daily.csv, intervals.parquet / intervals.csv,
    replications.parquet / replications.csv, agents.parquet / agents.csv,
    people.parquet / people.csv (simulation.people_log: true, or auto while the
                       table has at most PEOPLE_AUTO_MAX_ROWS rows),
    calls.parquet (only with simulation.calls_log)
    monthly.parquet / .csv, weekly.parquet / .csv (per replication and calendar
                       month / ISO week; sim.analysis.periods)
    cost_lines.parquet / .csv (per month and cost line; only with costs.lines)
    idle_attribution.parquet / .csv, oracle_summary.parquet / .csv
                       (only after sim.experiments.compare.attribute_idle)
    figures/*.png (and figures/*.svg when asked for)
    results.xlsx       summary, daily, monthly, agents (only with excel=True)
    README.md          every file and every column with its unit (sim.outputs.folder_readme)

Tables are long format with ``scenario`` and ``replication`` columns. CSV files
are rounded to their unit's resolution and carry a timestamp ``*_at`` next to
each time column ``*_s``; the Parquet files keep the tables as they are. The
directory is written into a temporary sibling and renamed into place at the
end, so a failed or interrupted save leaves no half-written directory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

import sim.staffing  # noqa: F401  (reading a scenario file needs the policies registered)
from sim.experiments.results import RunResults
from sim.inputs.scenario import Scenario, scenario_from_text
from sim.outputs.figure_work import run_figure_arguments
from sim.outputs.writer import Contents, Published, Table, stamp, write_folder

if TYPE_CHECKING:
    from sim.plumbing.forked import ForkedWorker
    from sim.plumbing.lifeline import BackgroundWork

CSV_TABLES = ("daily", "intervals", "replications", "summary", "idle_attribution",
              "idle_by_cause", "ladder", "ladder_targets",
              "oracle_summary", "agents", "people", "monthly", "weekly", "cost_lines")
#: With ``simulation.people_log: auto`` the people table is written up to this many rows
#: (about 30 MB of Parquet); the default scenario's 6.5 million are left out.
PEOPLE_AUTO_MAX_ROWS = 1_000_000


def _clean(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


class Results(RunResults, Published):
    """What :func:`sim.run` returns: a run's tables, and its figures and results folder.

    The tables are those of :class:`~sim.experiments.results.RunResults`.

    Attributes
    ----------
    scenario, seed, replications, tables, run_info
        As :class:`~sim.experiments.results.RunResults`.
    """

    def summary_dict(self) -> dict:
        """Return the content of ``summary.json``."""
        metrics = {
            row.metric: {
                "mean": _clean(row.mean),
                "sd": _clean(row.sd),
                "ci_low": _clean(row.ci_low),
                "ci_high": _clean(row.ci_high),
                "n": int(row.n),
            }
            for row in self.tables["summary"].itertuples()
        }
        return {
            "scenario": self.scenario.name,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": 0.95,
            "metrics": metrics,
        }

    kind = "run"

    @property
    def folder_scenario(self) -> Scenario:
        """The scenario run."""
        return self.scenario

    def folder_metadata(self) -> dict:
        """Return this run's facts for ``metadata.json``."""
        return {"scenario": self.scenario.name, "scenario_hash": self.recorded_scenario().hash(),
                "seed": self.seed, "replications": self.replications, **self.run_info}

    def metadata(self) -> dict:
        """Return the content of ``metadata.json`` (the writer's stamp and this run's facts)."""
        return stamp(self.kind, self.folder_metadata())

    def folder_contents(self) -> Contents:
        """Return what the results folder holds: the tables, the scenario, the summary."""
        skipped = self.skipped_tables()
        tables = {name: Table(table, csv=name in CSV_TABLES)
                  for name, table in self.tables.items() if name not in skipped}
        texts = {"scenario.yaml": self.recorded_scenario().to_yaml(),
                 "summary.json": json.dumps(self.summary_dict(), indent=2) + "\n"}
        return Contents(tables, texts, skipped, sheets=("summary", "daily", "monthly", "agents"))

    def draw_figures(self, directory: Path, formats: Sequence[str], jobs: int | None,
                     worker: ForkedWorker | None) -> BackgroundWork:
        """Start drawing the figures: in the process forked early, else in workers forked now."""
        from sim.outputs.figure_work import draw_figures, figure_job

        if worker is not None:
            return worker.submit(draw_figures, self.figure_arguments(), directory,
                                 tuple(formats), jobs)
        return figure_job(self.figure_makers(), directory, formats, jobs)

    def figures(self) -> dict:
        """Draw the report figures (matplotlib Figures) from the daily table.

        With an ``idle_attribution`` table (see :func:`sim.experiments.compare.attribute_idle`)
        the figure ``"idle_attribution"`` is added after the standard ones; it
        names the bound of ``run_info["bound"]`` (the analytic oracle when that
        is missing, as in results written before the bound was recorded). Each
        figure's subtitle names the scenario, its staffing and the replications.
        """
        return {name: make() for name, make in self.figure_makers().items()}

    def figure_makers(self) -> dict:
        """Return the figures of :meth:`figures` as functions that draw them."""
        from sim.outputs.figures import figure_makers

        return figure_makers(**self.figure_arguments())

    def figure_arguments(self) -> dict:
        """Return the arguments of :func:`sim.outputs.figures.figure_makers` for these results.

        See :func:`sim.outputs.figure_work.run_figure_arguments`.
        """
        return run_figure_arguments(self.scenario, self.tables, self.replications, self.seed,
                                    self.run_info)

    def skipped_tables(self) -> dict[str, str]:
        """Tables :meth:`save` leaves out, with the reason (``simulation.people_log``)."""
        people = self.tables.get("people")
        setting = self.scenario.simulation.people_log
        if people is None or setting is True:
            return {}
        if setting is False:
            return {"people": "simulation.people_log is false"}
        if len(people) > PEOPLE_AUTO_MAX_ROWS:
            return {"people": f"{len(people):,} rows (more than {PEOPLE_AUTO_MAX_ROWS:,}); "
                    "set simulation.people_log: true to write it"}
        return {}

    def save(self, directory: str | Path, figures: bool = True, overwrite: bool = False,
             excel: bool = False, figure_formats: Sequence[str] = ("png",),
             jobs: int | None = None, figure_process: ForkedWorker | None = None,
             report: bool = False) -> Path:
        """Write the results directory atomically, with a ``README.md`` that explains it.

        The one writer of every folder (:func:`sim.outputs.writer.write_folder`).

        Parameters
        ----------
        directory
            Target directory; must not exist unless ``overwrite``.
        figures
            Also write the figures (see ``figure_formats``).
        overwrite
            Replace an existing directory (only after the new one is complete).
        excel
            Also write ``results.xlsx`` (summary, daily, monthly, agents; needs openpyxl).
        figure_formats
            File formats of the figures: PNG by default, e.g. ``("png", "svg")``
            for SVG too.
        jobs
            Processes drawing the figures (None: all cores; see
            :func:`sim.outputs.figures.save_figures`).
        figure_process
            A process started earlier that draws the figures
            (:func:`sim.plumbing.forked.forked_worker` with
            :func:`sim.outputs.figure_work.prepare`, as ``tracesim run``
            does); None: the figures are drawn by workers forked here.
        report
            Also write ``report.html`` (:mod:`sim.outputs.report`).

        Returns
        -------
        pathlib.Path
            The directory written.
        """
        return write_folder(self, directory, overwrite=overwrite, figures=figures,
                            figure_formats=figure_formats, excel=excel, report=report,
                            jobs=jobs, worker=figure_process)


def load_results(directory: str | Path) -> Results:
    """Read a results directory written by :meth:`Results.save`.

    Parameters
    ----------
    directory
        The results directory.

    Returns
    -------
    Results
    """
    directory = Path(directory)
    scenario = scenario_from_text((directory / "scenario.yaml").read_text(encoding="utf-8"),
                                  str(directory / "scenario.yaml"))
    meta = json.loads((directory / "metadata.json").read_text())
    tables = {path.stem: pd.read_parquet(path) for path in sorted(directory.glob("*.parquet"))}
    run_info = {k: meta[k] for k in ("engine_seconds", "calls_simulated", "attempts_simulated",
                                      "events_simulated", "bound", "bound_met_targets")
                if k in meta}
    return Results(scenario=scenario, seed=int(meta["seed"]),
                   replications=int(meta["replications"]), tables=tables, run_info=run_info)
