"""One executor layer for ``run``, ``compare``, ``sweep`` and ``optimise``.

An executor runs independent tasks (one replication of one scenario each) and
hands their results back **in the order they were submitted**, whatever order
they finish in. Every task draws its random numbers from
``SeedSequence(seed, spawn_key=(replication, ...))`` (see :mod:`sim.inputs.streams`)
wherever it runs, and results travel back by pickling, which keeps floats
exact, so the same seed gives byte-identical tables for every executor and any
number of workers.

Three kinds:

``InProcessExecutor``
    Runs the tasks one after the other in this process (one job).
``ProcessExecutor``
    A pool of local worker processes (``--executor local``, the default).
    Ctrl-C or SIGTERM stops the workers at once (see
    :func:`sim.plumbing.lifeline.stop_pool`).
``DaskExecutor``
    A `dask.distributed <https://distributed.dask.org>`_ client
    (``--executor dask``): with a scheduler address it uses that cluster
    (started with ``dask scheduler``/``dask worker``, dask-jobqueue,
    dask-kubernetes, ...); without one it starts a ``LocalCluster`` of
    ``jobs`` single-threaded worker processes. Large shared inputs (the
    compiled scenario) are scattered to the workers once.

Use :func:`make_executor` or :func:`executor_for`; pass one executor to several
calls (``sim.run(..., executor=ex)``) to keep a cluster up between them.
"""

from __future__ import annotations

import itertools
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from sim.plumbing.lifeline import signals_held, stop_pool
from sim.plumbing.workers import default_jobs, worker_init

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "executor_for",
    "make_executor",
    "using",
]

#: Names accepted by ``--executor``.
EXECUTORS = ("local", "dask")


class Executor(ABC):
    """Runs tasks and yields their results in submission order.

    Attributes
    ----------
    name
        ``"local"`` or ``"dask"``.
    workers
        Tasks run at once.
    """

    name = "local"
    workers = 1

    @property
    def window(self) -> int:
        """Tasks in flight at most: enough to keep every worker busy."""
        return 4 * self.workers + 4

    def share(self, obj: Any) -> Any:
        """Return a handle to pass as a task argument in place of a large object.

        Local executors return the object itself; dask scatters it to the
        workers once.
        """
        return obj

    @abstractmethod
    def imap(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Run ``fn(*args)`` for every ``args`` in ``calls``; yield results in that order.

        ``calls`` is read lazily: at most :attr:`window` tasks are submitted
        and not yet handed back, so a long sweep holds only a few compiled
        scenarios at a time. If the caller stops early (an exception, Ctrl-C,
        or the generator is closed), the pending tasks are cancelled.
        """

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release the workers after the work is done."""

    def abort(self) -> None:
        """Stop the workers now (after an error or an interruption)."""
        self.close()

    def __enter__(self) -> Executor:
        """Return the executor itself."""
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Close after success, abort after an exception or an interruption."""
        if exc_type is None:
            self.close()
        else:
            self.abort()


class InProcessExecutor(Executor):
    """Run every task in this process, one after the other."""

    def imap(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Yield ``fn(*args)`` for each call, in order."""
        for args in calls:
            yield fn(*args)


class ProcessExecutor(Executor):
    """A pool of local worker processes (``concurrent.futures``).

    Parameters
    ----------
    jobs
        Worker processes.
    """

    def __init__(self, jobs: int) -> None:

        self.workers = max(1, int(jobs))
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=self.workers, initializer=worker_init)

    def imap(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Submit every call, then yield the results in order."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("this executor was closed")
        pending: deque[Any] = deque()
        try:
            yield from _windowed(lambda args: _submit_held(pool, fn, args), calls,
                                 self.window, pending)
        except GeneratorExit:
            if pending:  # closed early with tasks in flight
                self.abort()
            raise
        except BaseException:
            self.abort()
            raise

    def close(self) -> None:
        """Wait for the workers to finish and end them."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def abort(self) -> None:
        """Cancel pending tasks and end the worker processes now."""
        if self._pool is not None:
            stop_pool(self._pool)
            self._pool = None


def _submit_held(pool: ProcessPoolExecutor, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Submit with Ctrl-C and SIGTERM held back (:func:`sim.plumbing.lifeline.signals_held`).

    The pool forks its workers during the first submission; forked there, a
    worker starts with both signals blocked and lets them in once its own
    handlers are set (``sim.plumbing.workers.worker_init``), so a worker stopped
    right after its fork ends at once instead of running the parent's handler.
    """
    with signals_held():
        return pool.submit(fn, *args)


class DaskExecutor(Executor):
    """A dask.distributed client: a cluster at ``scheduler``, or a new LocalCluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); None starts a
        ``LocalCluster`` of ``jobs`` worker processes with one thread each.
    jobs
        Workers of the LocalCluster (ignored with ``scheduler``).
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, jobs: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - the extra is not installed
            raise ImportError("--executor dask needs dask.distributed: "
                              "pip install 'tracesim[dask]'") from exc

        self.cluster: Any = None
        if scheduler:
            self.client: Any = Client(scheduler)
        else:
            self.cluster = LocalCluster(
                n_workers=max(1, jobs or default_jobs()), threads_per_worker=1,
                processes=True, dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info()["workers"].values()))

    def share(self, obj: Any) -> Any:
        """Scatter ``obj`` to every worker once; tasks receive the object itself."""
        return self.client.scatter(obj, broadcast=True, hash=False)

    def imap(self, fn: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Submit every call to the cluster, then yield the results in order."""
        client = self.client
        pending: deque[Any] = deque()
        try:
            yield from _windowed(lambda args: client.submit(fn, *args, pure=False), calls,
                                 self.window, pending)
        except BaseException:
            client.cancel(list(pending))
            raise

    def close(self) -> None:
        """Close the client and, if this executor started it, the LocalCluster."""
        logger = logging.getLogger("distributed")
        level = logger.level
        logger.setLevel(logging.ERROR)  # no INFO lines about closing
        try:
            if self.client is not None:
                self.client.close()
                self.client = None
            if self.cluster is not None:
                self.cluster.close()
                self.cluster = None
        finally:
            logger.setLevel(level)


def _windowed(submit: Callable[[tuple[Any, ...]], Any], calls: Iterable[tuple[Any, ...]],
              window: int, pending: deque[Any] | None = None) -> Iterator[Any]:
    """Submit calls lazily, at most ``window`` ahead, and yield results in order."""
    pending = deque() if pending is None else pending
    it = iter(calls)
    for args in itertools.islice(it, window):
        pending.append(submit(args))
    while pending:
        result = pending[0].result()
        pending.popleft()
        for args in itertools.islice(it, 1):
            pending.append(submit(args))
        yield result


def make_executor(kind: str = "local", jobs: int | None = None, scheduler: str | None = None,
                  tasks: int | None = None) -> Executor:
    """Build an executor.

    Parameters
    ----------
    kind
        ``"local"`` (worker processes on this machine) or ``"dask"``.
    jobs
        Workers (None: all cores). For ``local``, at most ``tasks``; one job
        runs in this process.
    scheduler
        Dask scheduler address (implies ``kind="dask"``).
    tasks
        Number of tasks to come, if known (no more local workers are started).

    Returns
    -------
    Executor
        Close it after use (it is a context manager).

    Raises
    ------
    ValueError
        An unknown kind, or a scheduler address with ``local``.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"executor {kind!r}: use one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise ValueError("a scheduler address needs the dask executor (--executor dask)")
    if kind == "dask":
        return DaskExecutor(scheduler=scheduler, jobs=jobs)

    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    if tasks is not None:
        jobs = min(jobs, max(1, tasks))
    return InProcessExecutor() if jobs == 1 else ProcessExecutor(jobs)


_CURRENT: ContextVar[Executor | None] = ContextVar("tracesim_executor", default=None)


@contextmanager
def using(executor: Executor) -> Iterator[Executor]:
    """Make ``executor`` the default of every run in the block (``executor=None``).

    This is how ``--executor dask`` reaches the runs made inside ``compare``
    and idle attribution: ``with using(make_executor("dask")) as ex: ...``.
    """
    token = _CURRENT.set(executor)
    try:
        yield executor
    finally:
        _CURRENT.reset(token)


@contextmanager
def executor_for(executor: Executor | str | None, jobs: int | None = None,
                 scheduler: str | None = None, tasks: int | None = None) -> Iterator[Executor]:
    """Use a given executor as it is, or build one for the block and close it after.

    Parameters
    ----------
    executor
        An :class:`Executor` (left open), or a kind for :func:`make_executor`
        (None: the executor of an enclosing :func:`using` block if any, else
        ``"dask"`` if ``scheduler`` is given, else ``"local"``).
    jobs, scheduler, tasks
        As for :func:`make_executor`.

    Yields
    ------
    Executor
    """
    if executor is None and scheduler is None:
        executor = _CURRENT.get()
    if isinstance(executor, Executor):
        yield executor
        return
    kind = executor or ("dask" if scheduler else "local")
    with make_executor(kind, jobs=jobs, scheduler=scheduler, tasks=tasks) as ex:
        yield ex
