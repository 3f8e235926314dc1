"""The figures of a run drawn by a worker forked early (:mod:`sim.plumbing.forked`).

``tracesim run`` forks the worker with :func:`prepare` (matplotlib and the
figures imported on the second core while the run starts), and
:meth:`sim.outputs.results.Results.save` sends it :func:`draw_figures` with
the few tables the figures are drawn from. This module imports nothing heavy
itself: importing it is part of the start-up the fork was made early for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.plumbing.lifeline import BackgroundWork

if TYPE_CHECKING:
    import pandas as pd

    from sim.inputs.scenario import Scenario


def prepare() -> None:
    """Import what drawing needs (matplotlib on the Agg backend, the figures)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import sim.outputs.figures  # noqa: F401


def run_figure_arguments(scenario: Scenario, tables: dict[str, pd.DataFrame],
                         replications: int | None, seed: int | None,
                         run_info: dict[str, Any]) -> dict[str, Any]:
    """Return the arguments of :func:`sim.outputs.figures.figure_makers` for a run's tables.

    The daily table, the idle attribution (when present), the labels and the
    subtitle: all the figures are drawn from, in plain values, to send to
    another process (:func:`draw_figures`) that then needs nothing but
    :mod:`sim.outputs.figures`. The idle attribution's figure names the bound of
    ``run_info["bound"]`` (the analytic oracle when that is missing, as in
    results written before the bound was recorded).
    """
    from sim.outputs.labels import deadline_label, figure_subtitle

    arguments = {
        "daily": tables["daily"],
        "currency": scenario.costs.currency,
        "service_target_s": (scenario.inbound.answer_within if scenario.inbound.enabled
                             else None),
        "deadline_label": deadline_label(scenario.tracing.index.within),
        "subtitle": figure_subtitle(scenario, replications, seed),
    }
    if "idle_by_cause" in tables:
        arguments["idle_by_cause"] = tables["idle_by_cause"]
    if "idle_attribution" in tables:
        arguments["idle_attribution"] = tables["idle_attribution"]
        arguments["bound"] = str(run_info.get("bound", "analytic"))  # older: the oracle
    return arguments


def draw_figures(arguments: dict[str, Any], directory: Path, formats: Sequence[str],
                 jobs: int | None) -> list[Path]:
    """Draw a run's figures into ``directory`` with forked workers; return the paths written.

    Parameters
    ----------
    arguments
        :meth:`sim.outputs.results.Results.figure_arguments`.
    directory
        Where the figures go.
    formats
        File formats (see :func:`sim.outputs.figures.save_figure`).
    jobs
        Processes drawing them (None: all cores).
    """
    from sim.outputs import figures as plots

    with plots.FigureJob(plots.figure_makers(**arguments), directory, formats, jobs) as job:
        return job.wait()


def figure_job(makers: dict[str, Any], directory: Path, formats: Sequence[str],
               jobs: int | None) -> BackgroundWork:
    """Start drawing figures in workers forked now (:class:`sim.outputs.figures.FigureJob`).

    Parameters
    ----------
    makers
        Figure name to a function that draws it (none: nothing is started).
    directory, formats, jobs
        As :func:`draw_figures`.
    """
    if not makers:
        return NoFigures()
    import matplotlib

    matplotlib.use("Agg", force=False)
    from sim.outputs.figures import FigureJob

    return FigureJob(makers, directory, formats, jobs)


class NoFigures(BackgroundWork):
    """A folder without figures: nothing to wait for."""

    def wait(self) -> list[Path]:
        """Return no paths."""
        return []

    def cancel(self) -> None:
        """Do nothing."""
