"""Worker processes: how many to start by default, and how each one starts.

A worker leaves Ctrl-C and SIGTERM to the parent, which stops it, and ends
within a second of the parent's death however it dies (SIGKILL included):
see :func:`sim.plumbing.lifeline.die_with_parent`.
"""

from __future__ import annotations

import os
import signal

from sim.plumbing.lifeline import die_with_parent, release_signals


def default_jobs() -> int:
    """Worker processes to use by default: all cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def worker_init() -> None:
    """Start a worker: signals left to the parent, death with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()  # held while the pool forked this worker (executor's _submit_held)
    die_with_parent()
