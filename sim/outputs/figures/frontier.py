"""The frontier of a sweep: two metrics per point with their CIs, the Pareto-efficient joined."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.catalogue import label_context
from sim.analysis.catalogue import metric as catalogue_metric
from sim.outputs.figures.drawing import (
    C_IDLE,
    WIDTH,
    add_subtitle,
    no_data,
    panel_title,
    thousands,
)


def _frontier_axis(metric: str, currency: str, deadline: str) -> tuple[str, float]:
    """Return an axis label (the catalogue's, with its unit) and the scale (100 for shares)."""
    entry = catalogue_metric(metric)
    label = entry.label_in(label_context(currency=currency, deadline=deadline))
    unit = {"share": "%", "money": currency, "h": "h", "s": "s"}.get(entry.unit)
    return (f"{label} ({unit})" if unit else label), 100.0 if entry.unit == "share" else 1.0


def _point_labels(frontier: pd.DataFrame, params: Sequence[str]) -> list[str]:
    def text(value: object) -> str:
        return f"{value:g}" if isinstance(value, float) else str(value)

    return [" / ".join(text(row[p]) for p in params) for _, row in frontier.iterrows()]


def plot_frontier(
    table: pd.DataFrame,
    x: str = "index_reached_within_deadline_share",
    y: str = "cost_per_handled_call",
    currency: str = "EUR",
    deadline_label: str | None = None,
    replications: int | None = None,
    subtitle: str | None = None,
) -> Figure:
    """Draw the cost-timeliness frontier of a sweep, its Pareto-efficient points marked.

    Each point of the sweep is drawn at the means of ``x`` and ``y`` over
    replications, with bars spanning both 95 % confidence intervals. The
    Pareto-efficient points (no other point at least as good on both means
    and better on one; the direction of each metric from
    :func:`sim.analysis.frontier.higher_is_better`) are filled and joined by a line; the
    others are hollow and grey. Points are labelled with their varied values
    (all of them up to 40 points, else only the efficient ones).

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep table (:attr:`sim.experiments.sweep.Sweep.table`, ``sweep.csv``): ``point``,
        the varied paths, ``metric, n, mean, sd, ci_low, ci_high``.
    x, y : str
        Metrics on the horizontal and vertical axes (default: index cases
        reached within the deadline, and cost per handled call).
    currency : str, default "EUR"
        Currency label of money axes.
    deadline_label : str or None
        How the index deadline is written (e.g. "24 h").
    replications : int or None
        Replications per point, for the caption.
    subtitle : str or None
        Subtitle above the plot (e.g. the swept scenario and its staffing); none when None.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from sim.analysis.frontier import frontier_table

    frontier = frontier_table(table, x, y)
    params = [c for c in frontier.columns if c not in ("point", "pareto")
              and not c.startswith((f"{x}_", f"{y}_"))]
    deadline = deadline_label or "the deadline"
    xlabel, xs = _frontier_axis(x, currency, deadline)
    ylabel, ys = _frontier_axis(y, currency, deadline)
    fig = Figure(figsize=(WIDTH, 6.2), layout="constrained")
    ax = fig.subplots()
    mean_x, mean_y = (frontier[f"{m}_mean"].to_numpy(dtype=float) * s
                      for m, s in ((x, xs), (y, ys)))
    err = {axis: np.clip(np.nan_to_num(np.vstack([
        frontier[f"{m}_mean"] - frontier[f"{m}_ci_low"],
        frontier[f"{m}_ci_high"] - frontier[f"{m}_mean"]]).astype(float)) * s, 0, None)
        for axis, m, s in (("x", x, xs), ("y", y, ys))}
    eff = frontier["pareto"].to_numpy(dtype=bool)
    styles: tuple[tuple[np.ndarray, dict[str, Any]], ...] = (
        (~eff, {"mfc": "white", "mec": "0.55", "ecolor": "0.7", "label": "dominated",
                "gid": "dominated"}),
        (eff, {"mfc": C_IDLE, "mec": "0.15", "ecolor": "0.35", "label": "Pareto-efficient",
               "gid": "pareto"}))
    for mask, style in styles:
        if mask.any():
            ax.errorbar(mean_x[mask], mean_y[mask], xerr=err["x"][:, mask],
                        yerr=err["y"][:, mask], fmt="o", ms=7, capsize=3, elinewidth=1,
                        zorder=3 if style["gid"] == "pareto" else 2, **style)
    order = np.argsort(mean_x[eff])
    ax.plot(mean_x[eff][order], mean_y[eff][order], "-", color=C_IDLE, lw=1.2, zorder=1,
            gid="pareto-line")
    labels = _point_labels(frontier, params)
    for i, label in enumerate(labels):
        if (eff[i] or len(labels) <= 40) and np.isfinite(mean_x[i]) and np.isfinite(mean_y[i]):
            ax.annotate(label, (mean_x[i], mean_y[i]), xytext=(5, 4), textcoords="offset points",
                        fontsize="x-small", color="0.1" if eff[i] else "0.45")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    panel_title(ax, f"Frontier: {ylabel.split(' (')[0]} against {xlabel.split(' (')[0]}")
    ax.grid(True, color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(FuncFormatter(thousands if ys == 1 else
                                               (lambda v, _p: f"{v:g}")))
    ax.legend(loc="best", fontsize="small", frameon=False)
    reps = f", {replications} replications each" if replications else ""
    caption = (f"{len(frontier)} settings ({' / '.join(params)}){reps}, common random numbers; "
               "bars: 95 % confidence intervals of the means.")
    fig.supxlabel(textwrap.fill(caption, 150), fontsize="small", color="0.3")
    if subtitle is not None:
        add_subtitle(fig, subtitle)
    if not (np.isfinite(mean_x) & np.isfinite(mean_y)).any():
        no_data(ax, "no point has both metrics")
    return fig
