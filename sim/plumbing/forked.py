"""A process forked early that prepares itself, then runs one call sent to it later.

In a small run, importing matplotlib and drawing the figures take longer than
the simulation. ``tracesim run`` therefore forks a :class:`ForkedWorker` early,
once it has imported pandas (which the figures need too, so the process
shares it instead of importing it again) and before scipy, the scenario schema
and the engine: on a second core, the process runs its ``prepare`` function
(the outputs layer's: import matplotlib and the figures) while the parent
imports the rest, loads the scenario and simulates. The parent then sends it
one call (:meth:`ForkedWorker.submit`: a module-level function and its
arguments, pickled) and waits for its value.

This module imports nothing heavy and knows nothing of what it runs, so that
forking it costs nothing. Where ``fork`` is not available,
:func:`forked_worker` gives None and the caller does the work itself.

The process leaves Ctrl-C and SIGTERM to the parent, which stops it
(:meth:`ForkedWorker.cancel`), and ends by itself when the parent dies
(:func:`sim.plumbing.lifeline.die_with_parent`).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from sim.plumbing import collector
from sim.plumbing.lifeline import (
    BackgroundWork,
    die_with_parent,
    release_signals,
    signals_held,
    stop_processes,
)

Prepare = Callable[[], None]


def forked_worker(prepare: Prepare | None = None) -> ForkedWorker | None:
    """Start a forked worker, or return None where processes cannot be forked.

    Parameters
    ----------
    prepare
        Run in the new process at once (imports it will need), before it
        waits for its call.

    Returns
    -------
    ForkedWorker or None
        The started process (use it as a context manager: leaving the block
        with an exception stops it).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ForkedWorker(prepare)


class ForkedWorker(BackgroundWork):
    """A forked process that prepares itself now and runs one call later.

    Use it as a context manager around the run: :meth:`submit` sends the
    call, :meth:`wait` returns its value; leaving the block waits when it ends
    normally and stops the process when it raises.
    """

    def __init__(self, prepare: Prepare | None = None) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, self._conn, prepare),
                                         name="tracesim-worker")
        with signals_held():  # the process sets its handlers before a signal reaches it
            self._process.start()
        child_end.close()
        self._sent = False
        self._done = False
        self._value: Any = None

    @property
    def exitcode(self) -> int | None:
        """The process's exit code; None while it runs (negative: ended by that signal)."""
        return self._process.exitcode

    def submit(self, function: Callable[..., Any], *args: Any) -> ForkedWorker:
        """Send the call ``function(*args)`` (a module-level function, pickled); return self.

        Raises
        ------
        RuntimeError
            When a call was sent already (a worker runs one).
        """
        if self._sent:
            raise RuntimeError("a forked worker runs one call")
        self._conn.send((function, args))
        self._sent = True
        return self

    def wait(self) -> Any:
        """Return the call's value once it is done (re-raising the call's error).

        Without :meth:`submit` first, tell the process that there is nothing to
        do and return None.
        """
        if self._done:
            return self._value
        self._done = True
        if not self._sent:
            self._conn.close()  # the process reads the end of the pipe and ends
            self._process.join()
            return None
        try:
            status, value = self._conn.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(f"the forked worker ended without finishing its call "
                               f"(exit code {self._process.exitcode})") from None
        self._process.join()
        self._conn.close()
        if status != "ok":
            raise value
        self._value = value
        return value

    def cancel(self) -> None:
        """Stop the process (and any workers it forked) now; nothing more is done."""
        stop_processes([self._process])  # its own workers end with it (die_with_parent)
        self._conn.close()


def _serve(conn: Connection, parent_end: Connection, prepare: Prepare | None) -> None:
    """Run the worker: prepare, wait for the call, run it, report its value or error."""
    parent_end.close()  # the fork's copy: else closing the parent's end would not end recv()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # an exception could land where it is ignored
    release_signals()
    die_with_parent()
    if prepare is not None:
        prepare()
    collector.resume()  # imports done (paused by the console script before the fork)
    try:
        function, args = conn.recv()
    except EOFError:  # the parent ended without a call
        return
    try:
        value = function(*args)
    except Exception as exc:  # noqa: BLE001  (sent to the parent, which raises it)
        conn.send(("error", _picklable(exc)))
        return
    conn.send(("ok", value))


def _picklable(exc: Exception) -> Any:
    """Return the exception if it pickles, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.dumps(exc)
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
