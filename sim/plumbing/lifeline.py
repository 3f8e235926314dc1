"""Worker processes end when their parent dies, however it dies.

A parent killed with SIGKILL runs no cleanup, so its worker processes must
notice by themselves. :func:`die_with_parent`, called in a worker's
initializer, arms two independent ways:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills the worker
  when the thread that forked it ends;
* a daemon thread that waits on the multiprocessing sentinel of the parent (a
  pipe whose other end only the parent keeps open; it becomes readable when
  the parent is gone) and checks ``os.getppid()`` every ``poll_s`` seconds;
  it ends the worker with ``os._exit`` when either says the parent is gone.
  This also covers other systems and start methods (``spawn``, ``forkserver``,
  where the worker's OS parent is not the process that asked for it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

PR_SET_PDEATHSIG = 1
EXIT_ORPHANED = 70
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while processes are forked in this block.

    A forked child starts with its parent's signal handlers; a SIGTERM that
    reaches it before it has set its own (while Python's after-fork hooks
    run) would run the parent's handler there, whose exception Python prints
    and ignores. Forked in this block, a child starts with both signals
    blocked: one sent early waits until the child has set its handlers and
    called :func:`release_signals`. In the parent they are delivered when the
    block ends. Where signals cannot be blocked (no ``pthread_sigmask``) the
    block does nothing.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_signals() -> None:
    """In a child forked under :func:`signals_held`, once its handlers are set: let them in."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _set_parent_death_signal() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent ends."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc or no prctl
        return False


def _parent_gone(parent: Any, ppid: int) -> bool:
    if os.getppid() != ppid:
        return True
    return parent is not None and not parent.is_alive()


def _watch(parent: Any, ppid: int, poll_s: float) -> None:
    sentinel = getattr(parent, "sentinel", None)
    while True:
        if sentinel is not None:
            try:
                multiprocessing.connection.wait([sentinel], timeout=poll_s)
            except OSError:  # the sentinel was closed: rely on getppid
                sentinel = None
        else:
            threading.Event().wait(poll_s)
        if _parent_gone(parent, ppid):
            os._exit(EXIT_ORPHANED)


def stop_pool(pool: Any) -> None:
    """Cancel a process pool's pending tasks and end its worker processes now.

    Workers get SIGTERM, and SIGKILL if they are still alive 5 s later (deaf to
    SIGTERM); each is joined, so none is left behind.

    Parameters
    ----------
    pool
        A :class:`concurrent.futures.ProcessPoolExecutor`.
    """
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    stop_processes(processes)


def stop_processes(processes: list[Any]) -> None:
    """End processes now: SIGTERM, and SIGKILL to any still alive 5 s later; join each.

    Parameters
    ----------
    processes
        :class:`multiprocessing.Process` objects (ended ones are left as they are).
    """
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # deaf to SIGTERM: end it for sure
            process.kill()
            process.join(timeout=5)


def die_with_parent(poll_s: float = 0.5) -> None:
    """End this (worker) process as soon as its parent process is gone.

    Parameters
    ----------
    poll_s
        How often the watcher thread checks ``os.getppid()``; the sentinel
        wakes it at once.
    """
    parent = multiprocessing.parent_process()
    ppid = os.getppid()
    _set_parent_death_signal()
    if _parent_gone(parent, ppid):  # the parent died before the signal was armed
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=_watch, args=(parent, ppid, poll_s), daemon=True,
                     name="tracesim-lifeline").start()


class BackgroundWork:
    """Work running in other processes, as a context manager: waited for or cancelled.

    Subclasses define :meth:`wait` (block until done, re-raise its error) and
    :meth:`cancel` (stop it now). Leaving the ``with`` block waits when the
    block ended normally and cancels when it raised.
    """

    def wait(self) -> Any:
        """Block until the work is done and return its result."""
        raise NotImplementedError

    def cancel(self) -> None:
        """Stop the work now."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Return the work."""
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        """Wait for the work, or cancel it if the block raised."""
        if exc_type is None:
            self.wait()
        else:
            self.cancel()
