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

import datetime as dt
import json
import math
import platform
import shutil
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.experiments.results import RunResults
from sim.inputs.scenario import scenario_from_text
from sim.outputs.labels import deadline_label, figure_subtitle

if TYPE_CHECKING:
    from sim.outputs.plots import FigureJob
    from sim.plumbing.forked import ForkedWorker

CSV_TABLES = ("daily", "intervals", "replications", "summary", "idle_attribution",
              "oracle_summary", "agents", "people", "monthly", "weekly", "cost_lines")
#: With ``simulation.people_log: auto`` the people table is written up to this many rows
#: (about 30 MB of Parquet); the default scenario's 6.5 million are left out.
PEOPLE_AUTO_MAX_ROWS = 1_000_000
PACKAGES = ("tracesim", "numpy", "scipy", "pandas", "pydantic", "simpy", "matplotlib", "pyarrow")


def _version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


@contextmanager
def atomic_directory(directory: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Write a directory atomically: yield a temporary sibling, rename it at the end.

    The directory's lock (:func:`sim.outputs.safety.directory_lock`) is held for the
    block (unless this process holds it already, as ``tracesim run`` does from
    before the simulation), and temporary siblings left by dead runs are
    removed with a notice. The temporary directory ``.NAME.tmp-PID-XXXXXXXX``
    is created with the umask's mode, so the results directory is as readable
    as any new folder.

    Parameters
    ----------
    directory
        The directory to create; must not exist unless ``overwrite``.
    overwrite
        Replace an existing results directory (one with tracesim's
        ``metadata.json``, or an empty one), only once the new one is complete.

    Yields
    ------
    pathlib.Path
        The temporary directory to fill. If the block raises (or is
        interrupted), it is removed and ``directory`` is left as it was.

    Raises
    ------
    FileExistsError
        ``directory`` exists and ``overwrite`` is false (checked before
        anything is written).
    sim.outputs.safety.OutputError
        ``directory`` is a file, a link or a folder tracesim did not write
        (never replaced), or another run is writing it (:class:`~sim.outputs.safety.LockedError`).
    """
    from sim.outputs.safety import (
        check_replaceable,
        directory_lock,
        make_temp_sibling,
        move_into_place,
    )

    target = Path(directory)
    with directory_lock(target):
        check_replaceable(target, overwrite)
        tmp = make_temp_sibling(target)
        try:
            yield tmp
            move_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _clean(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


class Results(RunResults):
    """What :func:`sim.run` returns: a run's tables, and its figures and results folder.

    The tables are those of :class:`~sim.experiments.results.RunResults`.

    Attributes
    ----------
    scenario, seed, replications, tables, run_info
        As :class:`~sim.experiments.results.RunResults`.
    """

    @classmethod
    def of(cls, run: RunResults) -> Results:
        """Return the results of an experiment as :class:`Results` (the same tables, not copied)."""
        if isinstance(run, cls):
            return run
        return cls(scenario=run.scenario, seed=run.seed, replications=run.replications,
                   tables=run.tables, run_info=run.run_info)

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

    def metadata(self) -> dict:
        """Return the content of ``metadata.json``."""
        return {
            "tracesim_version": _version("tracesim"),
            "packages": {p: _version(p) for p in PACKAGES},
            "python": platform.python_version(),
            "scenario": self.scenario.name,
            "scenario_hash": self.recorded_scenario().hash(),
            "seed": self.seed,
            "replications": self.replications,
            "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **self.run_info,
        }

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
        from sim.outputs.plots import figure_makers

        return figure_makers(**self.figure_arguments())

    def figure_arguments(self) -> dict:
        """Return the arguments of :func:`sim.outputs.plots.figure_makers` for these results.

        The daily table, the idle attribution (when present), the labels and the
        subtitle: all the figures are drawn from, in plain values, to send to
        another process (:func:`sim.outputs.figure_work.draw_figures`) that then
        needs nothing but :mod:`sim.outputs.plots`.
        """
        sc = self.scenario
        arguments = {
            "daily": self.tables["daily"],
            "currency": sc.costs.currency,
            "service_target_s": sc.inbound.answer_within if sc.inbound.enabled else None,
            "deadline_label": deadline_label(sc.tracing.index.within),
            "subtitle": figure_subtitle(sc, self.replications, self.seed),
        }
        if "idle_attribution" in self.tables:
            arguments["idle_attribution"] = self.tables["idle_attribution"]
            arguments["bound"] = str(self.run_info.get("bound", "analytic"))  # older: the oracle
        return arguments

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
             jobs: int | None = None, figure_process: ForkedWorker | None = None) -> Path:
        """Write the results directory atomically, with a ``README.md`` that explains it.

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
            :func:`sim.outputs.plots.save_figures`).
        figure_process
            A process started earlier that draws the figures
            (:func:`sim.plumbing.forked.forked_worker` with
            :func:`sim.outputs.figure_work.prepare`, as ``tracesim run``
            does); None: the figures are drawn by workers forked here.

        Returns
        -------
        pathlib.Path
            The directory written.
        """
        from sim.outputs.figure_work import draw_figures
        from sim.outputs.folder_readme import csv_frame, write_readme

        skipped = self.skipped_tables()
        written = {k: v for k, v in self.tables.items() if k not in skipped}
        meta = self.metadata()
        with atomic_directory(directory, overwrite=overwrite) as tmp, ExitStack() as stack:
            if figures:  # drawn by other processes while the tables are written
                drawing: ForkedWorker | FigureJob = (
                    figure_process.submit(draw_figures, self.figure_arguments(), tmp / "figures",
                                          tuple(figure_formats), jobs)
                    if figure_process is not None
                    else self._figure_job(tmp / "figures", figure_formats, jobs))
                stack.enter_context(drawing)
            (tmp / "scenario.yaml").write_text(self.recorded_scenario().to_yaml(),
                                               encoding="utf-8")
            (tmp / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
            (tmp / "summary.json").write_text(json.dumps(self.summary_dict(), indent=2) + "\n")
            for name, table in written.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
                if name in CSV_TABLES:
                    csv_frame(table, self.scenario.calendar.start).to_csv(
                        tmp / f"{name}.csv", index=False)
            if excel:
                from sim.outputs.workbook import write_workbook

                write_workbook(tmp / "results.xlsx", written)
            if figures:
                drawing.wait()  # before the README lists the figures
            write_readme(tmp, written, self.scenario, meta, skipped)
        return Path(directory)

    def _figure_job(self, directory: Path, formats: Sequence[str],
                    jobs: int | None) -> FigureJob:
        """Start drawing the figures in workers forked now (a ``plots.FigureJob``)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        from sim.outputs.plots import FigureJob

        return FigureJob(self.figure_makers(), directory, formats, jobs)


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
