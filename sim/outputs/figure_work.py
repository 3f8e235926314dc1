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
from typing import Any


def prepare() -> None:
    """Import what drawing needs (matplotlib on the Agg backend, the figures)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import sim.outputs.plots  # noqa: F401


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
        File formats (see :func:`sim.outputs.plots.save_figure`).
    jobs
        Processes drawing them (None: all cores).
    """
    from sim.outputs import plots

    with plots.FigureJob(plots.figure_makers(**arguments), directory, formats, jobs) as job:
        return job.wait()
