"""Figures drawn by a process that got ready while the run was still starting.

In a small run, importing matplotlib and drawing the figures take longer than
the simulation. ``tracesim run`` therefore forks a :class:`FigureProcess` early,
once it has imported pandas (which the figures need too, so the process
shares it instead of importing it again) and before scipy, the scenario schema
and the engine: on a second core, the process imports matplotlib and
:mod:`sim.outputs.plots` while the parent imports the rest, loads the scenario and
simulates. The parent then
sends it the few tables the figures are drawn from (:meth:`FigureProcess.draw`,
from :meth:`sim.outputs.results.Results.save`), and it draws them with its own forked
workers (:class:`sim.outputs.plots.FigureJob`) while the parent writes the tables.

This module imports nothing heavy, so that forking it costs nothing. Where
``fork`` is not available, :func:`figure_process` gives None and the figures
are drawn as before, by workers the parent forks while saving.

The process leaves Ctrl-C and SIGTERM to the parent, which stops it
(:meth:`FigureProcess.cancel`), and ends by itself when the parent dies
(:func:`sim.plumbing.lifeline.die_with_parent`).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.plumbing import collector
from sim.plumbing.lifeline import (
    BackgroundWork,
    die_with_parent,
    release_signals,
    signals_held,
    stop_processes,
)

if TYPE_CHECKING:
    from sim.outputs.results import Results

def figure_process() -> FigureProcess | None:
    """Start a figure process, or return None where processes cannot be forked.

    Returns
    -------
    FigureProcess or None
        The started process (use it as a context manager: leaving the block
        with an exception stops it).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return FigureProcess()


class FigureProcess(BackgroundWork):
    """A forked process that imports matplotlib now and draws a run's figures later.

    Use it as a context manager around the run: :meth:`draw` sends the
    figures' inputs, :meth:`wait` returns the written paths; leaving the block
    waits when it ends normally and stops the process when it raises.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, self._conn),
                                         name="tracesim-figures")
        with signals_held():  # the process sets its handlers before a signal reaches it
            self._process.start()
        child_end.close()
        self._sent = False
        self._paths: list[Path] | None = None

    @property
    def exitcode(self) -> int | None:
        """The process's exit code; None while it runs (negative: ended by that signal)."""
        return self._process.exitcode

    def draw(self, results: Results, directory: Path, formats: Sequence[str] = ("png",),
             jobs: int | None = None) -> FigureProcess:
        """Send the figures of ``results`` to draw into ``directory``; return self.

        Parameters
        ----------
        results
            The run's results; only what the figures are drawn from is sent
            (:meth:`sim.outputs.results.Results.figure_arguments`).
        directory
            Where the figures are written.
        formats
            File formats (see :func:`sim.outputs.plots.save_figure`).
        jobs
            Processes drawing them (None: all cores).

        Returns
        -------
        FigureProcess
            This process, to wait for (or to use as a context manager, as
            :class:`sim.outputs.plots.FigureJob`).
        """
        if self._sent:
            raise RuntimeError("a figure process draws one set of figures")
        self._conn.send((results.figure_arguments(), Path(directory), tuple(formats), jobs))
        self._sent = True
        return self

    def wait(self) -> list[Path]:
        """Return the paths written, once the figures are (re-raising the process's error).

        Without :meth:`draw` first, tell the process that there is nothing to
        draw and return an empty list.
        """
        if self._paths is not None:
            return self._paths
        if not self._sent:
            self._conn.close()  # the process reads the end of the pipe and ends
            self._process.join()
            self._paths = []
            return self._paths
        try:
            status, value = self._conn.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the figure process ended without writing the figures "
                               f"(exit code {self._process.exitcode})") from None
        self._process.join()
        self._conn.close()
        if status != "ok":
            raise value
        self._paths = list(value)
        return self._paths

    def cancel(self) -> None:
        """Stop the process (and its drawing workers) now; nothing more is written."""
        stop_processes([self._process])  # its drawing workers end with it (die_with_parent)
        self._conn.close()


def _serve(conn: Connection, parent_end: Connection) -> None:
    """Run the figure process: import, wait for the inputs, draw, report the paths or error."""
    parent_end.close()  # the fork's copy: else closing the parent's end would not end recv()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # an exception could land where it is ignored
    release_signals()
    die_with_parent()
    import matplotlib

    matplotlib.use("Agg", force=False)
    import sim.outputs.plots

    collector.resume()  # imports done (paused by the console script before the fork)
    try:
        arguments, directory, formats, jobs = conn.recv()
    except EOFError:  # the run ended without figures to draw
        return
    try:
        makers = sim.outputs.plots.figure_makers(**arguments)
        with sim.outputs.plots.FigureJob(makers, directory, formats, jobs) as job:
            paths = job.wait()
    except Exception as exc:  # noqa: BLE001  (sent to the parent, which raises it)
        conn.send(("error", _picklable(exc)))
        return
    conn.send(("ok", paths))


def _picklable(exc: Exception) -> Any:
    """Return the exception if it pickles, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
