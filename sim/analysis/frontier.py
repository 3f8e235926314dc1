"""The frontier of two metrics over sweep points: which points no other point beats on both.

:func:`frontier_table` reads a sweep's long table (one row per point and
metric); :func:`pareto_mask` flags the Pareto-efficient points with the
direction of each metric (:func:`higher_is_better`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.catalogue import direction
from sim.analysis.metrics import RUN_METRICS
from sim.basics.errors import SweepError

#: Default axes of the frontier: timeliness (x) against cost (y).
DEFAULT_X = "index_reached_within_deadline_share"
DEFAULT_Y = "cost_per_handled_call"
#: The statistics of a metric in a sweep's long table.
STAT_COLUMNS = ("metric", "n", "mean", "sd", "ci_low", "ci_high")


def higher_is_better(metric: str) -> bool:
    """Whether more of a metric is better (its catalogue entry's ``better``).

    Raises
    ------
    SweepError
        For a metric with no direction (a volume such as ``attempts``): it
        cannot be an axis of a frontier.
    """
    better = direction(metric)
    if better is None:
        with_direction = ", ".join(m for m in RUN_METRICS if direction(m) is not None)
        raise SweepError(f"{metric}: neither more nor less of it is better (a volume), so it "
                         f"has no frontier; use one of {with_direction}")
    return better == "higher"


def pareto_mask(x: np.ndarray, y: np.ndarray, x_higher: bool = True,
                y_higher: bool = False) -> np.ndarray:
    """Flag the Pareto-efficient points of two objectives.

    Parameters
    ----------
    x, y
        The two objectives per point.
    x_higher, y_higher
        Whether more is better on each axis.

    Returns
    -------
    numpy.ndarray of bool
        True where no other point is at least as good on both axes and better
        on one. Points with a NaN are never efficient.
    """
    sx = np.asarray(x, dtype=float) * (1 if x_higher else -1)
    sy = np.asarray(y, dtype=float) * (1 if y_higher else -1)
    ok = np.isfinite(sx) & np.isfinite(sy)
    mask = ok.copy()
    for i in np.flatnonzero(ok):
        dominated = ok & (sx >= sx[i]) & (sy >= sy[i]) & ((sx > sx[i]) | (sy > sy[i]))
        mask[i] = not dominated.any()
    return mask


def _parameter_columns(table: pd.DataFrame) -> list[str]:
    skip = {"point", *STAT_COLUMNS}
    return [c for c in table.columns if c not in skip]


def frontier_table(table: pd.DataFrame, x: str = DEFAULT_X, y: str = DEFAULT_Y) -> pd.DataFrame:
    """One row per point: its values, two metrics with their CIs, and Pareto efficiency.

    Parameters
    ----------
    table
        A sweep table (:attr:`Sweep.table`).
    x, y
        The metrics (default: index cases reached within the deadline, and
        cost per handled call).

    Returns
    -------
    pandas.DataFrame
        ``point, <varied paths>, <x>_mean, <x>_ci_low, <x>_ci_high, <y>_mean,
        <y>_ci_low, <y>_ci_high, pareto`` (``pareto``: no other point is at
        least as good on both means and better on one, with the directions of
        :func:`higher_is_better`).

    Raises
    ------
    SweepError
        A metric that is not in the table.
    """
    known = set(table["metric"])
    for axis, name in (("--x", x), ("--y", y)):
        if name not in known:
            raise SweepError(f"{axis} {name}: not a metric of the sweep; use one of "
                             f"{', '.join(m for m in RUN_METRICS if m in known)}")
    params = _parameter_columns(table)
    first = table[table["metric"] == x][["point", *params]].reset_index(drop=True)
    for name in (x, y):
        part = table[table["metric"] == name].set_index("point")
        for stat in ("mean", "ci_low", "ci_high"):
            first[f"{name}_{stat}"] = part.loc[first["point"], stat].to_numpy(dtype=float)
    first["pareto"] = pareto_mask(first[f"{x}_mean"].to_numpy(), first[f"{y}_mean"].to_numpy(),
                                  higher_is_better(x), higher_is_better(y))
    return first
