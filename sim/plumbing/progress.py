"""One progress bar over all the evaluations of a command (tqdm).

The bar is drawn on stderr only when stderr is a terminal, and only for work
that lasts longer than a moment (``delay_s``); in a log or a pipe nothing is
written, so logs get no carriage returns.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

__all__ = ["progress_bar"]


def progress_bar(total: int | None, enabled: bool, desc: str = "evaluations",
                 unit: str = "run", delay_s: float = 1.0) -> Any:
    """Return a tqdm bar on stderr, disabled unless wanted and stderr is a terminal.

    Parameters
    ----------
    total
        Number of steps expected (None: unknown).
    enabled
        Whether the caller wants a bar at all (``--quiet`` turns it off).
    desc
        Label in front of the bar.
    unit
        What one step is (``"replication"``).
    delay_s
        Seconds before the bar first appears (short runs show nothing).

    Returns
    -------
    tqdm.tqdm
        Call ``update(n)`` per step and ``close()`` at the end; a disabled bar
        does nothing.
    """
    stream = sys.stderr
    on_terminal = bool(getattr(stream, "isatty", lambda: False)())
    return tqdm(total=total, desc=f"  {desc}", unit=unit, file=stream, delay=delay_s,
                disable=not (enabled and on_terminal), leave=True, dynamic_ncols=True)
