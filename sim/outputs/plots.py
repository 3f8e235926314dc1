"""Report-quality matplotlib figures built from the ``daily`` results table.

Every public ``plot_*`` function takes the long-format ``daily`` table (one row
per ``scenario``, ``replication`` and ``day``; see ``DESIGN.md`` section 4 for
the meaning of the columns) and returns a new :class:`matplotlib.figure.Figure`;
two exceptions: :func:`plot_idle_attribution` takes the ``idle_attribution``
table (same long format) and :func:`plot_comparison` the comparison table of
:func:`sim.experiments.compare.comparison_table` (one row per scenario, means and CIs).
The module never touches pyplot's global state: figures are created with
:class:`~matplotlib.figure.Figure` directly, so they work headless (Agg) and in
batch report generation, are never shown or registered with pyplot's figure
manager, and are freed by the garbage collector like any other object. In
Jupyter, a returned figure as the last expression of a cell is rendered inline.

Conventions shared by all figures
---------------------------------
- The x axis holds calendar dates (``date`` column) with matplotlib's concise
  date formatter. If the table has no usable ``date`` column the 0-based
  ``day`` column is used instead.
- With several replications, a line is the **mean over replications** for each
  day (pandas ``mean``, which skips NaN, e.g. days on which nobody was
  released) and the shaded band spans the **2.5 % to 97.5 % quantiles** across
  replications; with fewer than 5 replications quantiles are meaningless, so
  the band spans the **minimum to maximum** instead. The legend says which.
  With a single replication there is no band.
- With several scenarios (``scenario`` column), each scenario gets one colour
  (line and band) and each quantity a line style; the legend lists both.
  With one scenario, each quantity gets its own colour.
- Shares are drawn in percent on a 0-100 % axis.
- Ratios averaged over replications (shares, cost per handled call) are means
  of the daily ratios, not ratios of means.
- Infinite values (e.g. a cost per handled call on a day without calls) are
  treated as NaN; time-zone-aware dates are drawn in their local wall time.
- ``plot_capacity`` draws one panel per scenario (a stacked area cannot be
  overlaid); the other figures overlay the scenarios.
- An axes with nothing to draw (all-NaN columns, e.g. no inbound line) shows a
  short grey message such as "no inbound calls" instead of failing.

Each mean line carries a ``gid`` of the form ``"mean-<column>-<scenario>"``
(scenario name with characters other than letters, digits, ``_``, ``.`` and
``-`` replaced by ``_``), so that callers and tests can find it.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from sim.analysis.catalogue import label_context
from sim.analysis.catalogue import metric as catalogue_metric
from sim.analysis.metrics import summarise
from sim.plumbing.lifeline import (
    BackgroundWork,
    die_with_parent,
    release_signals,
    signals_held,
    stop_pool,
)

__all__ = [
    "FigureJob",
    "add_subtitle",
    "all_figures",
    "figure_makers",
    "plot_capacity",
    "plot_comparison",
    "plot_comparison_daily",
    "plot_cost",
    "plot_demand",
    "plot_idle_attribution",
    "plot_idle_occupancy",
    "plot_inbound",
    "plot_timeliness",
    "save_figure",
    "save_figures",
]

#: Minimum number of replications for a 2.5-97.5 % quantile band; below it, min-max.
QUANTILE_MIN_REPLICATIONS = 5

_LOWER_Q = 0.025
_UPPER_Q = 0.975
_SCENARIO_COLOURS: tuple = tuple(matplotlib.color_sequences["tab10"])
_LINESTYLES = ("-", "--", ":", "-.")
_WIDTH = 10.0  # inches; fits an A4 page at report scale
_PANEL_HEIGHT = 3.4  # inches per panel
_BAND_ALPHA = 0.22
_NO_DATA_COLOUR = "0.45"

# Semantic colours (used when there is a single scenario).
_C_BUSY = "#1f77b4"
_C_IDLE = "#ff7f0e"
_C_BREAK = "#c5b0d5"
_C_PAID = "#222222"
_C_INDEX = "#1f77b4"
_C_CONTACT = "#2ca02c"
_C_INBOUND = "#d62728"


# --------------------------------------------------------------------------- data preparation


@dataclass(frozen=True)
class _Prepared:
    """The daily table normalised for plotting."""

    df: pd.DataFrame
    xkey: str  # "date" or "day"
    scenarios: tuple[str, ...]
    n_reps: dict[str, int]
    x_range: tuple[float, float]  # min and max x value (matplotlib date numbers or days)


@dataclass(frozen=True)
class _Series:
    """Mean and band over replications of one column for one scenario."""

    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray | None
    hi: np.ndarray | None


@dataclass(frozen=True)
class _Metric:
    """A quantity to draw: column name, legend label and colour (single scenario)."""

    column: str
    label: str
    colour: str


def _prepare(daily: pd.DataFrame, required: Sequence[str]) -> _Prepared:
    """Validate ``daily`` and return a normalised copy (the input is not modified)."""
    if not isinstance(daily, pd.DataFrame):
        raise TypeError(f"daily must be a pandas DataFrame, got {type(daily).__name__}")
    if daily.empty:
        raise ValueError("daily table is empty: nothing to plot")
    missing = [c for c in required if c not in daily.columns]
    if missing:
        raise ValueError(f"daily table lacks column(s) {missing}")

    df = daily.copy()
    if "scenario" not in df.columns:
        df["scenario"] = "scenario"
    df["scenario"] = df["scenario"].astype(str)
    if "replication" not in df.columns:
        df["replication"] = 0

    xkey = "day"
    if "date" in df.columns:
        dates = pd.to_datetime(df["date"])
        if dates.dt.tz is not None:
            dates = dates.dt.tz_localize(None)
        if dates.notna().any():
            df["date"] = dates
            df = df.loc[dates.notna()].copy()
            xkey = "date"
    if xkey == "day" and "day" not in df.columns:
        raise ValueError("daily table needs a 'date' or a 'day' column for the x axis")

    numeric = df.select_dtypes(include="number").columns
    df[numeric] = df[numeric].replace([np.inf, -np.inf], np.nan)

    scenarios = tuple(pd.unique(df["scenario"]))
    n_reps = {s: int(df.loc[df["scenario"] == s, "replication"].nunique()) for s in scenarios}
    xs = _to_x(df[xkey].drop_duplicates(), xkey)
    return _Prepared(df, xkey, scenarios, n_reps, (float(xs.min()), float(xs.max())))


def _to_x(values: pd.Series | pd.Index, xkey: str) -> np.ndarray:
    """Convert dates to matplotlib date numbers (days), or days to floats."""
    arr = np.asarray(values)
    if xkey == "date":
        return np.asarray(mdates.date2num(arr.astype("datetime64[ns]")), dtype=float)
    return arr.astype(float)


def _summarise(prep: _Prepared, scenario: str, column: str, scale: float = 1.0) -> _Series:
    """Mean per day over replications and the band (quantiles, or min-max if few reps)."""
    sub = prep.df.loc[prep.df["scenario"] == scenario]
    grouped = sub.groupby(prep.xkey, sort=True)[column]
    mean = grouped.mean()
    x = _to_x(mean.index, prep.xkey)
    lo = hi = None
    n = prep.n_reps[scenario]
    if n > 1:
        if n >= QUANTILE_MIN_REPLICATIONS:
            lo_s, hi_s = grouped.quantile(_LOWER_Q), grouped.quantile(_UPPER_Q)
        else:
            lo_s, hi_s = grouped.min(), grouped.max()
        lo = lo_s.to_numpy(dtype=float) * scale
        hi = hi_s.to_numpy(dtype=float) * scale
    return _Series(x, mean.to_numpy(dtype=float) * scale, lo, hi)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _gid(column: str, scenario: str) -> str:
    return f"mean-{column}-{_slug(scenario)}"


def _has_data(prep: _Prepared, columns: Sequence[str]) -> bool:
    return bool(np.isfinite(prep.df[list(columns)].to_numpy(dtype=float)).any())


# --------------------------------------------------------------------------- drawing helpers


def _style(prep: _Prepared, metric: _Metric, metric_idx: int, scen_idx: int) -> tuple[str, str]:
    """Colour and line style: by quantity for one scenario, by scenario otherwise."""
    if len(prep.scenarios) == 1:
        return metric.colour, "-"
    return (
        _SCENARIO_COLOURS[scen_idx % len(_SCENARIO_COLOURS)],
        _LINESTYLES[metric_idx % len(_LINESTYLES)],
    )


def _fill_x(x: np.ndarray, *ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Widen a single point to a 0.8-day wide block so that areas stay visible."""
    if len(x) == 1:
        return (np.array([x[0] - 0.4, x[0] + 0.4]), *(np.repeat(y, 2) for y in ys))
    return (x, *ys)


def _draw_series(
    ax: Axes, series: _Series, colour: str, linestyle: str, gid: str, label: str
) -> Line2D:
    """Draw the band (if any), then the mean line."""
    if series.lo is not None and series.hi is not None:
        fx, flo, fhi = _fill_x(series.x, series.lo, series.hi)
        ax.fill_between(
            fx, flo, fhi, color=colour, alpha=_BAND_ALPHA, linewidth=0, zorder=1,
            where=np.isfinite(flo) & np.isfinite(fhi), interpolate=False,
        )
    few_points = np.isfinite(series.mean).sum() <= 14
    (line,) = ax.plot(
        series.x, series.mean, color=colour, linestyle=linestyle, linewidth=1.8,
        marker="o" if few_points else None, markersize=4, label=label, zorder=3,
    )
    line.set_gid(gid)
    return line


def _draw_metrics(
    ax: Axes, prep: _Prepared, metrics: Sequence[_Metric], scale: float = 1.0
) -> bool:
    """Draw mean lines and bands of ``metrics`` for every scenario; True if anything drawn."""
    drawn = False
    for mi, metric in enumerate(metrics):
        for si, scenario in enumerate(prep.scenarios):
            series = _summarise(prep, scenario, metric.column, scale)
            if not np.isfinite(series.mean).any():
                continue
            colour, linestyle = _style(prep, metric, mi, si)
            label = metric.label if len(prep.scenarios) == 1 else f"{metric.label} – {scenario}"
            _draw_series(ax, series, colour, linestyle, _gid(metric.column, scenario), label)
            drawn = True
    return drawn


def _band_label(prep: _Prepared) -> str | None:
    """Legend text saying what the lines and the shaded band are, or None (one replication)."""
    counts = sorted({prep.n_reps[s] for s in prep.scenarios})
    if max(counts) <= 1:
        return None
    if len(counts) == 1:
        n = counts[0]
        band = (
            "2.5–97.5 % quantiles"
            if n >= QUANTILE_MIN_REPLICATIONS
            else "min–max"
        )
        return f"line: mean of {n} replications\nshaded: {band}"
    return (
        f"line: mean of {counts[0]}–{counts[-1]} replications\n"
        f"shaded: 2.5–97.5 % quantiles\n(min–max if < {QUANTILE_MIN_REPLICATIONS} replications)"
    )


def _swatch(colour: str, label: str, band: bool, lw: float = 1.8, ls: str = "-") -> object:
    """Legend handle: the line, over a patch of its band's colour when bands are drawn.

    A tuple handle is drawn by matplotlib's ``HandlerTuple`` as the artists on
    top of each other, so the swatch shows the same colour as the shaded band.
    """
    line = Line2D([], [], color=colour, lw=lw, ls=ls)
    if not band:
        line.set_label(label)
        return line
    return _Labelled((Patch(facecolor=colour, alpha=_BAND_ALPHA, linewidth=0), line), label)


class _Labelled(tuple):
    """A tuple of artists used as one legend handle, carrying its label."""

    label: str

    def __new__(cls, artists: tuple, label: str) -> _Labelled:
        obj = super().__new__(cls, artists)
        obj.label = label
        return obj


def _text_entry(label: str) -> Patch:
    """Return a legend entry without a swatch (an explanation)."""
    return Patch(facecolor="none", edgecolor="none", label=label)


def _legend_handles(
    prep: _Prepared, metrics: Sequence[_Metric], extra: Sequence[object] = ()
) -> list[object]:
    """Compact legend: quantities (and scenarios by colour), then band explanation.

    With bands (several replications), each colour's swatch is its line over
    its band's colour, so the swatches match the shaded areas.
    """
    band = _band_label(prep)
    handles: list[object] = []
    if len(prep.scenarios) == 1:
        handles += [_swatch(m.colour, m.label, band is not None) for m in metrics]
    else:
        handles += [
            Line2D([], [], color="0.2", lw=1.6, ls=_LINESTYLES[i % len(_LINESTYLES)],
                   label=m.label)
            for i, m in enumerate(metrics)
        ]
        handles += [
            _swatch(_SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)], f"scenario: {s}",
                    band is not None, lw=2.4)
            for i, s in enumerate(prep.scenarios)
        ]
    handles += list(extra)
    if band is not None:
        handles.append(_text_entry(band))
    return handles


def _legend_args(handles: Sequence[object]) -> dict:
    """Return ``handles`` and ``labels`` for ``legend`` (tuple handles carry their label)."""
    labels = [h.label if isinstance(h, _Labelled) else h.get_label()  # type: ignore[attr-defined]
              for h in handles]
    return {"handles": [tuple(h) if isinstance(h, _Labelled) else h for h in handles],
            "labels": labels}


def _ax_legend(ax: Axes, handles: Sequence[object]) -> None:
    """Legend outside the axes on the right (constrained layout makes room)."""
    ax.legend(
        **_legend_args(handles), loc="upper left", bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0, frameon=False, fontsize="small",
    )


def _thousands(value: float, _pos: int | None = None) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def _panel_title(ax: Axes, title: str) -> None:
    """Give the panel its title: bold, on the left, just above the axes.

    Placed at its height (``y=1.0``) instead of left to matplotlib to search:
    on every draw and every layout pass the search measures each y axis again,
    looking for an offset text ("1e6") to avoid, about a tenth of the time of a
    figure. The y axes here never show one (thousands are written out, shares
    are percentages), and the x axis is at the bottom, so the search always
    ends at this height: the pixels are the same.
    """
    ax.set_title(title, loc="left", fontsize="medium", fontweight="bold", y=1.0)


def _format_axes(
    ax: Axes,
    prep: _Prepared,
    title: str,
    ylabel: str,
    *,
    percent: bool = False,
    xlabel: bool = True,
) -> None:
    """Title, labels, grid, dates on x, y from zero (0-100 for percentages)."""
    _panel_title(ax, title)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.85", linewidth=0.6)
    ax.set_axisbelow(True)
    lo, hi = prep.x_range
    ax.set_xlim(lo - 0.6, hi + 0.6)
    if prep.xkey == "date":
        span = hi - lo
        if span <= 14:
            # Daily data: tick whole days only, and never print a time of day (a lone
            # tick would otherwise be formatted as "00:00").
            locator: mdates.DateLocator = _DaysFrom(lo, max(1, int(np.ceil(span / 7))))
            formatter = mdates.ConciseDateFormatter(
                locator,
                formats=["%Y", "%b", "%d", "%d %b", "%d %b", "%d %b"],
                zero_formats=["", "%Y", "%d %b", "%d %b", "%d %b", "%d %b"],
                offset_formats=["", "%Y", "%b %Y", "%Y", "%Y", "%Y"],
            )
        else:
            locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
            formatter = mdates.ConciseDateFormatter(locator)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(formatter)
        if xlabel:
            ax.set_xlabel("date")
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if xlabel:
            ax.set_xlabel("day of simulation (days)")
    if percent:
        ax.set_ylim(-2, 102)
        ax.yaxis.set_major_locator(MultipleLocator(20))
    else:
        _, top = ax.get_ylim()
        ax.set_ylim(0, top if top > 0 else 1)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))


class _DaysFrom(mdates.DateLocator):
    """Ticks every ``interval`` days counted from the first day, so the first day is labelled.

    (``DayLocator`` counts from the start of the view, which lies before the
    first day, and would skip it with an interval of 2 or more.)
    """

    def __init__(self, first: float, interval: int) -> None:
        super().__init__()
        self.first = float(np.floor(first))
        self.interval = interval

    def __call__(self) -> list[float]:
        """Tick positions in the current view."""
        vmin, vmax = self.axis.get_view_interval() if self.axis else (self.first, self.first)
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin: float, vmax: float) -> list[float]:
        """Whole days ``first + k * interval`` between ``vmin`` and ``vmax``."""
        k0 = int(np.ceil((min(vmin, vmax) - self.first) / self.interval))
        k1 = int(np.floor((max(vmin, vmax) - self.first) / self.interval))
        return [self.first + k * self.interval for k in range(k0, k1 + 1)]


def _no_data(ax: Axes, message: str) -> None:
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
        color=_NO_DATA_COLOUR, fontsize="large", style="italic",
    )


def _new_figure(n_panels: int, *, sharex: bool = True,
                panel_height: float = _PANEL_HEIGHT) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(_WIDTH, 1.0 + panel_height * n_panels), layout="constrained")
    axes = fig.subplots(n_panels, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, list(axes)


# --------------------------------------------------------------------------- public figures


def plot_demand(daily: pd.DataFrame) -> Figure:
    """Demand from the epidemic and the work it offers to the call centre.

    Top panel: expected confirmed cases per day (epidemic model) and index
    cases released to the call centre per day. Middle panel: outbound call
    attempts per day. Bottom panel: inbound calls offered per day, on its own
    axis (it is often a tenth of the outbound volume or less, and would be a
    flat line on the outbound scale).

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``expected_cases``, ``index_released``,
        ``attempts`` and ``inbound_offered`` plus ``date`` (or ``day``).

    Returns
    -------
    matplotlib.figure.Figure
        Three panels sharing the date axis.
    """
    prep = _prepare(daily, ["expected_cases", "index_released", "attempts", "inbound_offered"])
    fig, (ax_cases, ax_work, ax_inbound) = _new_figure(3, panel_height=_PANEL_HEIGHT * 0.8)

    cases = [
        _Metric("expected_cases", "expected confirmed cases (epidemic model)", "#555555"),
        _Metric("index_released", "index cases released to the centre", _C_INDEX),
    ]
    if _draw_metrics(ax_cases, prep, cases):
        _ax_legend(ax_cases, _legend_handles(prep, cases))
    else:
        _no_data(ax_cases, "no cases")
    _format_axes(ax_cases, prep, "Epidemic demand", "cases per day", xlabel=False)

    work = [_Metric("attempts", "outbound call attempts", _C_CONTACT)]
    if _draw_metrics(ax_work, prep, work):
        _ax_legend(ax_work, _legend_handles(prep, work))
    else:
        _no_data(ax_work, "no outbound calls")
    _format_axes(ax_work, prep, "Outbound work: call attempts", "attempts per day",
                 xlabel=False)

    inbound = [_Metric("inbound_offered", "inbound calls offered", _C_INBOUND)]
    if _draw_metrics(ax_inbound, prep, inbound):
        _ax_legend(ax_inbound, _legend_handles(prep, inbound))
    else:
        _no_data(ax_inbound, "no inbound calls")
    _format_axes(ax_inbound, prep, "Inbound work: hotline calls offered (own scale)",
                 "inbound calls per day")
    return fig


def plot_capacity(daily: pd.DataFrame) -> Figure:
    """Paid agent-hours against busy hours, with the idle time between them shaded.

    The mean hours per day are stacked from the bottom: busy (talk + wrap-up +
    failed attempts), idle (paid, on shift, no call), and break + onboarding +
    not logged in, which adds up to the paid hours (``paid = busy + idle +
    break + onboarding + not_logged_in``). The paid and busy mean lines are drawn on top with their
    bands over replications. One panel per scenario, on a shared y scale.

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``paid_hours``, ``busy_hours``,
        ``idle_hours``, ``break_hours`` and ``onboarding_hours``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario.
    """
    cols = ["paid_hours", "busy_hours", "idle_hours", "break_hours", "onboarding_hours"]
    prep = _prepare(daily, cols)
    # paid but unavailable: breaks, onboarding, and shifts paid but not logged in
    away = prep.df["not_logged_in_hours"] if "not_logged_in_hours" in prep.df else 0.0
    prep.df["break_onboarding_hours"] = (prep.df["break_hours"] + prep.df["onboarding_hours"]
                                         + away)
    n = len(prep.scenarios)
    fig = Figure(figsize=(_WIDTH, 1.0 + _PANEL_HEIGHT * n), layout="constrained")
    axes = list(fig.subplots(n, 1, sharex=True, sharey=True, squeeze=False)[:, 0])

    titles: list[str] = []
    for ax, scenario in zip(axes, prep.scenarios, strict=True):
        busy = _summarise(prep, scenario, "busy_hours")
        idle = _summarise(prep, scenario, "idle_hours")
        other = _summarise(prep, scenario, "break_onboarding_hours")
        paid = _summarise(prep, scenario, "paid_hours")
        title = "Paid agent-hours vs busy hours"
        if n > 1:
            title += f" – scenario: {scenario}"
        if not np.isfinite(paid.mean).any():
            _no_data(ax, "no paid hours")
        else:
            b = np.nan_to_num(busy.mean)
            bi = b + np.nan_to_num(idle.mean)
            top = bi + np.nan_to_num(other.mean)
            fx, fb, fbi, ftop = _fill_x(busy.x, b, bi, top)
            ax.fill_between(fx, 0, fb, color=_C_BUSY, alpha=0.35, linewidth=0, zorder=0)
            ax.fill_between(
                fx, fb, fbi, facecolor=_C_IDLE, alpha=0.45, hatch="//", edgecolor="white",
                linewidth=0, zorder=0,
            )
            ax.fill_between(fx, fbi, ftop, color=_C_BREAK, alpha=0.6, linewidth=0, zorder=0)
            _draw_series(ax, paid, _C_PAID, "-", _gid("paid_hours", scenario), "paid hours")
            _draw_series(ax, busy, _C_BUSY, "-", _gid("busy_hours", scenario), "busy hours")
            _label_idle(ax, busy.x, b, bi, top)
        titles.append(title)
    # Format only after every panel is drawn: the panels share the y scale.
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        _format_axes(ax, prep, title, "agent-hours per day", xlabel=i == n - 1)

    band = _band_label(prep)
    handles = [
        _swatch(_C_PAID, "paid hours", band is not None),
        _swatch(_C_BUSY, "busy hours", band is not None),
        Patch(facecolor=_C_BUSY, alpha=0.35, label="busy (talk + wrap-up + failed attempts)"),
        Patch(facecolor=_C_IDLE, alpha=0.45, hatch="//", edgecolor="white",
              label="idle (paid, no call)"),
        Patch(facecolor=_C_BREAK, alpha=0.6, label="break + onboarding + not logged in"),
    ]
    if band is not None:
        handles.append(_text_entry(band.replace("shaded", "shaded around a line")))
    fig.legend(**_legend_args(handles), loc="outside right upper", frameon=False,
               fontsize="small")
    return fig


def _label_idle(
    ax: Axes, x: np.ndarray, busy: np.ndarray, busy_idle: np.ndarray, top: np.ndarray
) -> None:
    """Write "idle (paid, no call)" inside the idle area where it is widest, if it fits."""
    width = busy_idle - busy
    if len(x) < 2 or not np.isfinite(width).any() or np.nanmax(top) <= 0:
        return
    # Avoid the first and last tenth of the axis so the text stays inside the plot.
    margin = max(1, len(x) // 10)
    inner = np.arange(len(x))
    inner = inner[(inner >= margin) & (inner < len(x) - margin)] if len(x) > 4 else inner
    j = int(inner[np.nanargmax(width[inner])])
    if width[j] < 0.12 * np.nanmax(top):
        return
    ax.text(
        x[j], busy[j] + width[j] / 2, "idle (paid, no call)", ha="center", va="center",
        fontsize="small", color="#7a3d00", fontweight="bold", zorder=4,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.7, "linewidth": 0},
    )


def plot_idle_occupancy(daily: pd.DataFrame) -> Figure:
    """Idle share of paid time and occupancy per day, in percent.

    ``idle_share = idle / paid`` and ``occupancy = busy / (busy + idle)``
    (DESIGN section 4).

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``idle_share`` and ``occupancy``.

    Returns
    -------
    matplotlib.figure.Figure
        One panel on a 0-100 % axis.
    """
    prep = _prepare(daily, ["idle_share", "occupancy"])
    fig, (ax,) = _new_figure(1)
    metrics = [
        _Metric("idle_share", "idle share of paid time (idle / paid)", _C_IDLE),
        _Metric("occupancy", "occupancy (busy / (busy + idle))", _C_BUSY),
    ]
    if _draw_metrics(ax, prep, metrics, scale=100.0):
        _ax_legend(ax, _legend_handles(prep, metrics))
    else:
        _no_data(ax, "no paid hours")
    _format_axes(ax, prep, "Idle share and occupancy", "share (%)", percent=True)
    return fig


def plot_timeliness(daily: pd.DataFrame, deadline_label: str = "24 h") -> Figure:
    """Share of people reached within their deadline, and the outbound backlog.

    Top panel: of the index cases released (contacts created) on a day, the
    share reached within the deadline, in percent; days on which nobody was
    released are gaps. Bottom panel: outbound tasks still open at the end of
    the day.

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``index_reached_within_deadline_share``,
        ``contacts_reached_within_deadline_share`` and ``backlog``.
    deadline_label : str, default "24 h"
        How the deadline is written in titles and labels.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels sharing the date axis.
    """
    prep = _prepare(
        daily,
        ["index_reached_within_deadline_share", "contacts_reached_within_deadline_share",
         "backlog"],
    )
    fig, (ax_share, ax_backlog) = _new_figure(2)
    shares = [
        _Metric("index_reached_within_deadline_share",
                f"index cases reached within {deadline_label}", _C_INDEX),
        _Metric("contacts_reached_within_deadline_share",
                f"contacts reached within {deadline_label}", _C_CONTACT),
    ]
    if _draw_metrics(ax_share, prep, shares, scale=100.0):
        _ax_legend(ax_share, _legend_handles(prep, shares))
    else:
        _no_data(ax_share, "nobody released")
    _format_axes(
        ax_share, prep, f"Reached within the deadline ({deadline_label})",
        "share of the day's cohort (%)", percent=True, xlabel=False,
    )

    backlog = [_Metric("backlog", "open outbound tasks at end of day", "#8c564b")]
    if _draw_metrics(ax_backlog, prep, backlog):
        _ax_legend(ax_backlog, _legend_handles(prep, backlog))
    else:
        _no_data(ax_backlog, "no backlog data")
    _format_axes(ax_backlog, prep, "Outbound backlog", "open tasks (count)")
    return fig


def plot_cost(daily: pd.DataFrame, currency: str = "EUR") -> Figure:
    """Cost per handled call and total cost per day.

    A handled call is a conversation (reached outbound + answered inbound).
    The mean cost per handled call is the mean over replications of each
    day's ratio; days without handled calls are gaps.

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``cost_per_handled_call`` and ``cost``.
    currency : str, default "EUR"
        Currency label for the axes.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels sharing the date axis.
    """
    prep = _prepare(daily, ["cost_per_handled_call", "cost"])
    fig, (ax_unit, ax_total) = _new_figure(2)
    unit = [_Metric("cost_per_handled_call", "cost per handled call", "#9467bd")]
    if _draw_metrics(ax_unit, prep, unit):
        _ax_legend(ax_unit, _legend_handles(prep, unit))
    else:
        _no_data(ax_unit, "no handled calls")
    _format_axes(
        ax_unit, prep, "Cost per handled call (conversation)",
        f"{currency} per handled call", xlabel=False,
    )

    total = [_Metric("cost", "total cost", "#17becf")]
    if _draw_metrics(ax_total, prep, total):
        _ax_legend(ax_total, _legend_handles(prep, total))
    else:
        _no_data(ax_total, "no cost data")
    _format_axes(ax_total, prep, "Total cost per day", f"{currency} per day")
    return fig


def plot_inbound(daily: pd.DataFrame, service_target_s: float | None = None) -> Figure:
    """Inbound hotline: service level and abandonment per day, with calls offered.

    Service level is ``answered within the target / offered`` and the
    abandonment share is ``abandoned / offered`` (DESIGN section 4), both in
    percent on the left axis. Mean calls offered per day are faint bars on the
    right axis. Without any inbound call the axes say "no inbound calls".

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``inbound_service_level``,
        ``inbound_abandon_share`` and ``inbound_offered``.
    service_target_s : float or None, default None
        Answer-time target in seconds, for the label (e.g. "answered within 20 s").

    Returns
    -------
    matplotlib.figure.Figure
        One panel with a secondary y axis.
    """
    prep = _prepare(daily, ["inbound_service_level", "inbound_abandon_share", "inbound_offered"])
    fig, (ax,) = _new_figure(1)
    target = "the target" if service_target_s is None else f"{service_target_s:g} s"
    metrics = [
        _Metric("inbound_service_level",
                f"service level (answered within {target} / offered)", _C_BUSY),
        _Metric("inbound_abandon_share", "abandoned / offered", _C_INBOUND),
    ]
    title = "Inbound hotline: service level and abandonment"
    offered = prep.df["inbound_offered"].to_numpy(dtype=float)
    has_calls = bool(np.nansum(offered) > 0) or _has_data(prep, [m.column for m in metrics])
    extra: list[object] = []
    if has_calls:
        twin = ax.twinx()
        _draw_offered_bars(twin, prep)
        twin.set_ylabel("calls offered per day")
        twin.yaxis.set_major_formatter(FuncFormatter(_thousands))
        _, top = twin.get_ylim()
        twin.set_ylim(0, top * 1.6 if top > 0 else 1)  # keep bars low, behind the lines
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        label = "calls offered (right axis)"
        if len(prep.scenarios) == 1:
            extra.append(Patch(facecolor="0.5", alpha=0.25, label=label))
        else:
            extra.append(Patch(facecolor="none", edgecolor="0.5", label=label + ", by scenario"))
        _draw_metrics(ax, prep, metrics, scale=100.0)
        fig.legend(
            **_legend_args(_legend_handles(prep, metrics, extra)), loc="outside right upper",
            frameon=False, fontsize="small",
        )
    else:
        _no_data(ax, "no inbound calls")
    _format_axes(ax, prep, title, "share of calls offered (%)", percent=True)
    return fig


def _draw_offered_bars(ax: Axes, prep: _Prepared) -> None:
    """Faint bars of mean inbound calls offered per day, side by side per scenario."""
    n = len(prep.scenarios)
    width = 0.8 / n
    for i, scenario in enumerate(prep.scenarios):
        series = _summarise(prep, scenario, "inbound_offered")
        colour = "0.5" if n == 1 else _SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)]
        offset = (i - (n - 1) / 2) * width
        ax.bar(
            series.x + offset, np.nan_to_num(series.mean), width=width, color=colour,
            alpha=0.25, linewidth=0, zorder=0, gid=_gid("inbound_offered", scenario),
        )


# --------------------------------------------------------------------------- idle attribution


#: How the figures name the bound of the idle attribution (``bound=`` of
#: :func:`sim.experiments.compare.attribute_idle`): its name, and the legend of its idle.
BOUND_NAMES = {
    "optimal": ("least-staffing bound", "unavoidable: the least-staffing\nbound's idle "
                "(found by\nsimulation; same random\nnumbers, same targets)"),
    "analytic": ("analytic oracle", "unavoidable: the analytic\noracle's idle (foresight of"
                 "\nthe expected demand; same\nrandom numbers, same target)"),
}


def plot_idle_attribution(attribution: pd.DataFrame, currency: str = "EUR",
                          subtitle: str | None = None, bound: str = "optimal") -> Figure:
    """Idle hours per day split into unavoidable (the bound's) and avoidable.

    Bars are means over replications per day: the bound's idle hours on the
    same random numbers (unavoidable) at the bottom, the excess of the policy's
    idle hours over them (avoidable) stacked on top. Where the policy idled
    *less* than the bound on average (negative avoidable idle: it staffed
    below the bound), that part is drawn below zero in grey. The line is the
    policy's mean idle hours (unavoidable + avoidable). The title names the
    bound and gives the total avoidable idle hours over the run, as the mean
    over replications with its 95 % Student-t interval (a paired interval, the
    bound having run on the same random numbers), and their cost
    (``avoidable_idle_cost``, priced by :mod:`sim.analysis.costs`) when the table has it.
    One panel per scenario, on a shared y scale.

    Parameters
    ----------
    attribution : pandas.DataFrame
        The ``idle_attribution`` table of :func:`sim.experiments.compare.attribute_idle`:
        ``idle_hours``, ``unavoidable_idle_hours`` and ``avoidable_idle_hours``
        per ``scenario``, ``replication`` and ``date`` (or ``day``), and
        optionally ``avoidable_idle_cost``.
    currency : str, default "EUR"
        Currency label of the cost in the title.
    subtitle : str or None, default None
        Subtitle above the panels; None: the scenario names.
    bound : {"optimal", "analytic"}, default "optimal"
        The bound the idle was attributed against (``run_info["bound"]``):
        the least-staffing bound found by simulation, or the analytic oracle;
        the title and the legend name it (``BOUND_NAMES``).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario.

    Raises
    ------
    ValueError
        An unknown ``bound``.
    """
    if bound not in BOUND_NAMES:
        raise ValueError(f"bound must be one of {', '.join(BOUND_NAMES)}, not {bound!r}")
    bound_name, _ = BOUND_NAMES[bound]
    cols = ["idle_hours", "unavoidable_idle_hours", "avoidable_idle_hours"]
    prep = _prepare(attribution, cols)
    n = len(prep.scenarios)
    fig = Figure(figsize=(_WIDTH, 1.0 + _PANEL_HEIGHT * n), layout="constrained")
    axes = list(fig.subplots(n, 1, sharex=True, sharey=True, squeeze=False)[:, 0])

    titles: list[str] = []
    lowest, highest = 0.0, 0.0
    any_positive = any_negative = False
    for ax, scenario in zip(axes, prep.scenarios, strict=True):
        unavoidable = _summarise(prep, scenario, "unavoidable_idle_hours")
        avoidable = _summarise(prep, scenario, "avoidable_idle_hours")
        idle = _summarise(prep, scenario, "idle_hours")
        u = np.nan_to_num(unavoidable.mean)
        a = np.nan_to_num(avoidable.mean)
        slug = _slug(scenario)
        any_positive = any_positive or bool((a > 0).any())
        highest = max(highest, float(np.max(u + np.clip(a, 0, None), initial=0.0)),
                      float(np.nanmax(idle.mean, initial=0.0)))
        ax.bar(unavoidable.x, u, width=0.8, color=_C_BUSY, alpha=0.55, linewidth=0, zorder=2,
               gid=f"bar-unavoidable_idle_hours-{slug}")
        ax.bar(unavoidable.x, np.clip(a, 0, None), bottom=u, width=0.8, color=_C_IDLE,
               alpha=0.8, hatch="//", edgecolor="white", linewidth=0, zorder=2,
               gid=f"bar-avoidable_idle_hours-{slug}")
        if (a < 0).any():
            any_negative = True
            ax.bar(unavoidable.x, np.clip(a, None, 0), width=0.8, color="0.55", alpha=0.7,
                   linewidth=0, zorder=2, gid=f"bar-negative_avoidable_idle_hours-{slug}")
            lowest = min(lowest, float(a.min()))
        ax.axhline(0, color="0.3", linewidth=0.8, zorder=2)
        _draw_series(ax, _Series(idle.x, idle.mean, None, None), _C_PAID, "-",
                     _gid("idle_hours", scenario), "idle hours")

        sub = prep.df.loc[prep.df["scenario"] == scenario]
        titles.append(_attribution_title(sub, bound_name, scenario if n > 1 else None,
                                         currency))
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        _format_axes(ax, prep, title, "idle agent-hours per day", xlabel=i == n - 1)
    axes[0].set_ylim(lowest * 1.12, highest * 1.08 if highest > 0 else 1.0)  # shared y

    fig.legend(**_legend_args(_attribution_handles(prep, any_positive, any_negative, bound)),
               loc="outside right upper", frameon=False, fontsize="small")
    add_subtitle(fig, _default_subtitle(prep.df) if subtitle is None else subtitle)
    return fig


def _attribution_title(sub: pd.DataFrame, bound_name: str, scenario: str | None,
                       currency: str) -> str:
    """Return a panel's title: the bound, the run's avoidable idle hours, their CI and cost."""
    totals = sub.groupby("replication")["avoidable_idle_hours"].sum(min_count=1)
    row = summarise(pd.DataFrame({"avoidable_idle_hours": totals.to_numpy(dtype=float)}))
    mean, lo, hi = (float(row[column].iloc[0]) for column in ("mean", "ci_low", "ci_high"))
    total = f"{mean:,.0f}" if mean == mean else "n/a"
    title = f"Idle hours against the {bound_name}"
    if scenario is not None:
        title += f" – scenario: {scenario}"
    title += f"\navoidable in total: {total} agent-hours"
    if lo == lo:
        title += f" (95 % CI {lo:,.0f} to {hi:,.0f})"
    if "avoidable_idle_cost" in sub:
        cost = sub.groupby("replication")["avoidable_idle_cost"].sum(min_count=1).mean()
        if cost == cost:
            title += f", {cost:,.0f} {currency}"
    return title


def _attribution_handles(prep: _Prepared, positive: bool, negative: bool,
                         bound: str) -> list[object]:
    """Legend of :func:`plot_idle_attribution`: the line, the bars drawn, what they are."""
    counts = sorted(set(prep.n_reps.values()))
    reps = (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}")
    name, unavoidable = BOUND_NAMES[bound]
    handles: list[object] = [
        Line2D([], [], color=_C_PAID, lw=1.8, label="idle hours (this policy)"),
        Patch(facecolor=_C_BUSY, alpha=0.55, label=unavoidable),
    ]
    if positive:
        handles.append(Patch(facecolor=_C_IDLE, alpha=0.8, hatch="//", edgecolor="white",
                             label=f"avoidable: idle above\nthe {name}'s"))
    if negative:
        handles.append(Patch(facecolor="0.55", alpha=0.7,
                             label=f"negative avoidable: idle below\nthe {name}'s\n"
                             "(understaffed)"))
    handles.append(_text_entry(f"bars and line: mean of {reps}\nreplications per day"))
    return handles


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class _Panel:
    """One panel of the comparison figure."""

    metric: str
    title: str
    ylabel: str
    percent: bool
    unit: tuple[float, str] | None = None  # money totals: (divisor, suffix), e.g. (1e6, "M")


def _fmt_value(value: float, percent: bool, signed: bool = False,
               unit: tuple[float, str] | None = None) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit is not None:
        text = f"{value / unit[0]:{'+' if signed else ''},.2f}"
        return ("0.00" if float(text.replace(",", "")) == 0 else text) + f" {unit[1]}"
    digits, scale = (1, 100.0) if percent else (2, 1.0)
    text = f"{value * scale:{'+' if signed else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"  # neither "-0.0" nor "+0.0"
    if percent:
        return text + (" pt" if signed else " %")
    return text


def _short_names(names: list[str]) -> list[str]:
    """Scenario names without their common prefix (cut at a separator), for tick labels.

    ``["flanders-2020", "flanders-2020-pool"]`` gives ``["flanders-2020", "pool"]``.
    """
    if len(names) < 2:
        return list(names)
    prefix = os.path.commonprefix(names)
    cut = max(prefix.rfind(sep) for sep in "-_ ") + 1 if prefix not in names else len(prefix)
    short = []
    for name in names:
        rest = name[cut:].strip("-_ ")
        short.append(rest if rest and cut > 0 else name)
    return short


def plot_comparison(
    table: pd.DataFrame, currency: str = "EUR", deadline_label: str | None = None,
    subtitle: str | None = None,
) -> Figure:
    """Scenarios side by side: total cost, cost per handled call, idle share and timeliness.

    Three panels, one bar per scenario (in the table's order, one colour
    each): the mean over replications, with whiskers spanning its 95 %
    confidence interval. Each bar is labelled with its mean and, for every
    scenario after the first, the paired difference against the first
    (``Δ``, in percentage points for shares), starred when the paired 95 %
    interval of the difference excludes zero. Paired intervals are narrower
    than the whiskers suggest: the scenarios ran on common random numbers.

    Parameters
    ----------
    table : pandas.DataFrame
        The comparison table of :func:`sim.experiments.compare.comparison_table`: a
        ``scenario`` column and ``<metric>_mean``, ``<metric>_ci_low``,
        ``<metric>_ci_high`` (and optionally ``<metric>_diff_mean``,
        ``<metric>_diff_ci_low``, ``<metric>_diff_ci_high``) for
        ``cost_per_handled_call``, ``idle_share`` and
        ``index_reached_within_deadline_share``; a ``replications`` column is
        used for the caption.
    currency : str, default "EUR"
        Currency label of the cost axis.
    deadline_label : str or None, default None
        How the index deadline is written in the title (e.g. "24 h").
    subtitle : str or None, default None
        Subtitle above the panels (e.g. the scenarios and their staffing).

    Returns
    -------
    matplotlib.figure.Figure
        Three to five panels (total cost and contacts when the table has
        them), on one row or two.
    """
    panels = _comparison_panels(table, currency, deadline_label)
    _check_comparison_table(table, panels)
    names = [str(s) for s in table["scenario"]]
    rows = 2 if len(panels) >= 4 else 1
    cols = -(-len(panels) // rows)
    fig = Figure(figsize=(_WIDTH * (1.0 if cols <= 2 else 1.25),
                          (1.6 + _PANEL_HEIGHT) * (1.0 if rows == 1 else 1.7)),
                 layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax, panel in zip(axes, panels, strict=False):
        _draw_comparison_panel(ax, panel, table, names)
    if subtitle:
        add_subtitle(fig, subtitle)
    fig.supxlabel(textwrap.fill(_comparison_caption(table, names), 150), fontsize="small",
                  color="0.3")
    return fig


def _comparison_panels(table: pd.DataFrame, currency: str,
                       deadline_label: str | None) -> tuple[_Panel, ...]:
    """Return the panels: total cost and contacts only when the table has them."""
    within = f"within {deadline_label}" if deadline_label else "within deadline"
    panels: tuple[_Panel, ...] = ()
    if "total_cost_mean" in getattr(table, "columns", ()):
        top = float(np.nanmax(np.abs(np.append(table["total_cost_mean"].to_numpy(float), 0.0))))
        divisor, word, suffix = (1e6, "million ", "M") if top >= 1e6 else (1e3, "thousand ", "k")
        panels += (_Panel("total_cost", "Total cost of the run", f"{word}{currency}", False,
                          unit=(divisor, suffix)),)
    panels += (
        _Panel("cost_per_handled_call", "Cost per handled call",
               f"{currency} per handled call", False),
        _Panel("idle_share", "Idle share of paid time", "idle / paid (%)", True),
        _Panel("index_reached_within_deadline_share", f"Index cases reached {within}",
               "share of index cases (%)", True),
    )
    if "contacts_reached_within_deadline_share_mean" in getattr(table, "columns", ()):
        panels += (_Panel("contacts_reached_within_deadline_share",
                          f"Contacts reached {within}", "share of contacts (%)", True),)
    return panels


def _check_comparison_table(table: pd.DataFrame, panels: Sequence[_Panel]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if table.empty:
        raise ValueError("comparison table is empty: nothing to plot")
    required = ["scenario"] + [f"{p.metric}_{s}" for p in panels
                               for s in ("mean", "ci_low", "ci_high")]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(f"comparison table lacks column(s) {missing}")


def _draw_comparison_panel(ax: Axes, panel: _Panel, table: pd.DataFrame,
                           names: list[str]) -> None:
    """Draw one bar per scenario with its CI whiskers and a label of mean and difference."""
    x = np.arange(len(names))
    colours = [_SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)] for i in range(len(names))]
    scale = 100.0 if panel.percent else (1.0 / panel.unit[0] if panel.unit else 1.0)
    mean = table[f"{panel.metric}_mean"].to_numpy(dtype=float)
    lo = table[f"{panel.metric}_ci_low"].to_numpy(dtype=float)
    hi = table[f"{panel.metric}_ci_high"].to_numpy(dtype=float)
    err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)]) * scale
    bars = ax.bar(x, np.nan_to_num(mean) * scale, width=0.65, color=colours, alpha=0.85,
                  linewidth=0, zorder=2, yerr=np.clip(err, 0, None), capsize=4,
                  error_kw={"elinewidth": 1.2, "ecolor": "0.2", "zorder": 3})
    for patch, name in zip(bars.patches, names, strict=True):
        patch.set_gid(f"bar-{panel.metric}-{_slug(name)}")
    tops = np.where(np.isfinite(hi), np.fmax(hi, mean), mean) * scale
    for i in range(len(names)):
        ax.annotate(_bar_label(table, panel, i, mean[i]), (x[i], float(np.nan_to_num(tops[i]))),
                    xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize="x-small", zorder=4)
    _panel_title(ax, panel.title)
    ax.set_ylabel(panel.ylabel)
    wrapped = [textwrap.fill(name, 11 if len(names) > 3 else 16)
               for name in _short_names(names)]
    ax.set_xticks(x, wrapped, fontsize="small")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(True, axis="y", color="0.85", linewidth=0.6)
    ax.set_axisbelow(True)
    if panel.percent:
        ax.set_ylim(0, 118)  # room for the labels above a bar near 100 %
        ax.yaxis.set_major_locator(MultipleLocator(20))
        ax.set_yticks(np.arange(0, 101, 20))
    else:
        top = float(np.nanmax(np.append(tops, 0.0)))
        ax.set_ylim(0, top * 1.3 if top > 0 else 1)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    if not np.isfinite(mean).any():
        _no_data(ax, "no data")


#: Panels of :func:`plot_comparison_daily`: column, title, y label, percent.
_DAILY_PANELS = (
    ("index_released", "Demand: index cases released per day", "cases per day", False),
    ("headcount", "Rostered headcount", "agents", False),
    ("idle_share", "Idle share of paid time", "idle / paid (%)", True),
    ("index_reached_within_deadline_share", "Index cases reached within {deadline}",
     "share of the day's cases (%)", True),
)


def plot_comparison_daily(
    daily: pd.DataFrame, deadline_label: str = "24 h", subtitle: str | None = None
) -> Figure:
    """Overlay the scenarios' daily curves: demand, headcount, idle share, timeliness.

    Four panels (2 x 2, shared date axis), one colour per scenario: index
    cases released per day, rostered headcount, idle share of paid time and
    the share of the day's index cases reached within the deadline. Lines are
    means over replications and bands their spread, as in every figure of
    this module.

    Parameters
    ----------
    daily : pandas.DataFrame
        The daily tables of the scenarios, concatenated (``scenario`` column);
        needs ``index_released``, ``headcount``, ``idle_share`` and
        ``index_reached_within_deadline_share``.
    deadline_label : str, default "24 h"
        How the index deadline is written in the title.
    subtitle : str or None, default None
        Subtitle above the panels; None: the scenario names.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels and one legend of the scenarios.
    """
    prep = _prepare(daily, [p[0] for p in _DAILY_PANELS])
    fig = Figure(figsize=(_WIDTH * 1.25, 1.4 + _PANEL_HEIGHT * 2), layout="constrained")
    axes = list(fig.subplots(2, 2, sharex=True, squeeze=False).ravel())
    for i, (ax, (column, title, ylabel, percent)) in enumerate(
            zip(axes, _DAILY_PANELS, strict=True)):
        drawn = False
        for si, scenario in enumerate(prep.scenarios):
            series = _summarise(prep, scenario, column, 100.0 if percent else 1.0)
            if np.isfinite(series.mean).any():
                _draw_series(ax, series, _SCENARIO_COLOURS[si % len(_SCENARIO_COLOURS)],
                             _LINESTYLES[si % len(_LINESTYLES)], _gid(column, scenario),
                             scenario)
                drawn = True
        if not drawn:
            _no_data(ax, "no data")
        _format_axes(ax, prep, title.format(deadline=deadline_label), ylabel,
                     percent=percent, xlabel=i >= 2)
    band = _band_label(prep)
    handles: list[object] = [
        _swatch(_SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)], s, band is not None, lw=2.0,
                ls=_LINESTYLES[i % len(_LINESTYLES)])
        for i, s in enumerate(prep.scenarios)]
    handles.append(_text_entry("line styles differ so that\ncurves that coincide show"))
    if band is not None:
        handles.append(_text_entry(band))
    fig.legend(**_legend_args(handles), loc="outside right upper", frameon=False,
               fontsize="small", title="scenario")
    add_subtitle(fig, _default_subtitle(prep.df) if subtitle is None else subtitle)
    return fig


def _bar_label(table: pd.DataFrame, panel: _Panel, i: int, mean: float) -> str:
    """Return the mean and, after the first scenario, ``Δ`` its paired difference (starred)."""
    label = _fmt_value(mean, panel.percent, unit=panel.unit)
    diff_col = f"{panel.metric}_diff_mean"
    if i > 0 and diff_col in table.columns:
        d = float(table[diff_col].iloc[i])
        d_lo = float(table[f"{panel.metric}_diff_ci_low"].iloc[i])
        d_hi = float(table[f"{panel.metric}_diff_ci_high"].iloc[i])
        star = "*" if np.isfinite(d_lo) and (d_lo > 0 or d_hi < 0) else ""
        label += f"\nΔ {_fmt_value(d, panel.percent, signed=True, unit=panel.unit)}{star}"
    return label


def _comparison_caption(table: pd.DataFrame, names: list[str]) -> str:
    reps = ""
    if "replications" in table.columns:
        counts = sorted({int(v) for v in table["replications"] if np.isfinite(v)})
        if counts:
            reps = f" of {counts[0]}" if len(counts) == 1 else f" of {counts[0]}–{counts[-1]}"
    caption = (f"Bars: mean{reps} replications (common random numbers); whiskers: 95 % CI "
               "(Student t; for shares on the logit scale, so within 0-100 %).")
    if len(names) > 1:
        caption += (f"  Δ: paired difference against {names[0]!r}; "
                    "* its 95 % CI excludes 0.")
    return caption


# --------------------------------------------------------------------------- collections and files


def add_subtitle(fig: Figure, text: str) -> Figure:
    """Write a subtitle above every panel (e.g. scenario name and staffing).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure of this module (constrained layout makes room for the text).
    text : str
        The subtitle; long text is wrapped.

    Returns
    -------
    matplotlib.figure.Figure
        The same figure.
    """
    fig.suptitle(textwrap.fill(text, 130), x=0.01, ha="left", fontsize="medium",
                 color="0.25")
    return fig


def _default_subtitle(table: pd.DataFrame) -> str:
    names = [str(s) for s in pd.unique(table["scenario"])] if "scenario" in table else []
    return ("scenario: " if len(names) == 1 else "scenarios: ") + ", ".join(names) \
        if names else ""


def figure_makers(
    daily: pd.DataFrame,
    currency: str = "EUR",
    service_target_s: float | None = None,
    deadline_label: str = "24 h",
    subtitle: str | None = None,
    idle_attribution: pd.DataFrame | None = None,
    bound: str = "analytic",
) -> dict[str, Callable[[], Figure]]:
    """Return the standard figures as functions that draw them, for :func:`save_figures`.

    Parameters
    ----------
    daily, currency, service_target_s, deadline_label, subtitle
        As for :func:`all_figures`.
    idle_attribution : pandas.DataFrame or None, default None
        The idle attribution table (:func:`sim.experiments.compare.attribute_idle`); given,
        the figure ``"idle_attribution"`` comes last.
    bound : str, default "analytic"
        The bound the attribution compared with (``"optimal"`` or
        ``"analytic"``), named by that figure.

    Returns
    -------
    dict of str to callable
        Same keys as :func:`all_figures` (and ``"idle_attribution"``); each
        value draws its figure.
    """
    text = _default_subtitle(daily) if subtitle is None else subtitle
    makers: dict[str, Callable[[], Figure]] = {
        "demand": lambda: plot_demand(daily),
        "capacity": lambda: plot_capacity(daily),
        "idle_occupancy": lambda: plot_idle_occupancy(daily),
        "timeliness": lambda: plot_timeliness(daily, deadline_label=deadline_label),
        "cost": lambda: plot_cost(daily, currency=currency),
        "inbound": lambda: plot_inbound(daily, service_target_s=service_target_s),
    }
    makers = {name: _with_subtitle(make, text) for name, make in makers.items()}
    if idle_attribution is not None:
        attribution = idle_attribution
        makers["idle_attribution"] = lambda: plot_idle_attribution(
            attribution, currency=currency, subtitle=subtitle, bound=bound)
    return makers


def _with_subtitle(make: Callable[[], Figure], text: str) -> Callable[[], Figure]:
    def draw() -> Figure:
        fig = make()
        return add_subtitle(fig, text) if text else fig

    return draw


def all_figures(
    daily: pd.DataFrame,
    currency: str = "EUR",
    service_target_s: float | None = None,
    deadline_label: str = "24 h",
    subtitle: str | None = None,
) -> dict[str, Figure]:
    """All standard figures of a results table.

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table.
    currency : str, default "EUR"
        Currency label for the cost figure.
    service_target_s : float or None, default None
        Inbound answer-time target in seconds, for the inbound figure's label.
    deadline_label : str, default "24 h"
        How the outbound deadline is written in the timeliness figure.
    subtitle : str or None, default None
        Subtitle of every figure (e.g. the scenario and its staffing); None:
        the scenario names of the table.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        Keys ``"demand"``, ``"capacity"``, ``"idle_occupancy"``, ``"timeliness"``,
        ``"cost"`` and ``"inbound"``, in that order.
    """
    makers = figure_makers(daily, currency=currency, service_target_s=service_target_s,
                           deadline_label=deadline_label, subtitle=subtitle)
    return {name: make() for name, make in makers.items()}


#: What the forked workers of :func:`save_figures` draw (set just before they fork).
_PENDING: dict[str, tuple[Callable[[], Figure], Path, tuple[str, ...]]] = {}


def _draw_and_save(name: str) -> list[Path]:
    make, stem, formats = _PENDING[name]
    return save_figure(make(), stem, formats)  # not cleared after: 10 ms each, for nothing


#: Figures with several panels take longest to draw: workers start with them (longest
#: first keeps every worker busy to the end); the others follow in their own order.
_SLOW_FIGURES = ("demand", "timeliness", "cost", "idle_attribution")


def _drawing_order(name: str) -> int:
    return _SLOW_FIGURES.index(name) if name in _SLOW_FIGURES else len(_SLOW_FIGURES)


def _figure_worker_init() -> None:
    """Figure workers leave Ctrl-C and SIGTERM to the parent, and end when it dies."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()  # held while the workers were forked (see FigureJob)
    die_with_parent()


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
    fig = Figure(figsize=(_WIDTH, 6.2), layout="constrained")
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
        (eff, {"mfc": _C_IDLE, "mec": "0.15", "ecolor": "0.35", "label": "Pareto-efficient",
               "gid": "pareto"}))
    for mask, style in styles:
        if mask.any():
            ax.errorbar(mean_x[mask], mean_y[mask], xerr=err["x"][:, mask],
                        yerr=err["y"][:, mask], fmt="o", ms=7, capsize=3, elinewidth=1,
                        zorder=3 if style["gid"] == "pareto" else 2, **style)
    order = np.argsort(mean_x[eff])
    ax.plot(mean_x[eff][order], mean_y[eff][order], "-", color=_C_IDLE, lw=1.2, zorder=1,
            gid="pareto-line")
    labels = _point_labels(frontier, params)
    for i, label in enumerate(labels):
        if (eff[i] or len(labels) <= 40) and np.isfinite(mean_x[i]) and np.isfinite(mean_y[i]):
            ax.annotate(label, (mean_x[i], mean_y[i]), xytext=(5, 4), textcoords="offset points",
                        fontsize="x-small", color="0.1" if eff[i] else "0.45")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _panel_title(ax, f"Frontier: {ylabel.split(' (')[0]} against {xlabel.split(' (')[0]}")
    ax.grid(True, color="0.88", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands if ys == 1 else
                                               (lambda v, _p: f"{v:g}")))
    ax.legend(loc="best", fontsize="small", frameon=False)
    reps = f", {replications} replications each" if replications else ""
    caption = (f"{len(frontier)} settings ({' / '.join(params)}){reps}, common random numbers; "
               "bars: 95 % confidence intervals of the means.")
    fig.supxlabel(textwrap.fill(caption, 150), fontsize="small", color="0.3")
    if subtitle is not None:
        add_subtitle(fig, subtitle)
    if not (np.isfinite(mean_x) & np.isfinite(mean_y)).any():
        _no_data(ax, "no point has both metrics")
    return fig


def save_figures(
    makers: dict[str, Callable[[], Figure]],
    directory: Path,
    formats: Sequence[str] = ("png",),
    jobs: int | None = None,
) -> list[Path]:
    """Draw figures and write them, in parallel worker processes where possible.

    Drawing and writing a figure takes 0.1-0.3 s, mostly laying out text, so
    a results directory's figures take longer than a small simulation. With
    ``jobs`` > 1 and the ``fork`` start method available (Linux), the figures
    are drawn by forked workers, which inherit ``makers`` without pickling
    them; otherwise they are drawn one after the other. The files do not
    depend on ``jobs``. (:class:`FigureJob` does the same in the background.)

    Parameters
    ----------
    makers : dict of str to callable
        Figure name to a function drawing it (e.g. :func:`figure_makers`).
    directory : pathlib.Path
        Where ``<name>.<format>`` is written (created if missing).
    formats : sequence of str, default ("png",)
        File formats (see :func:`save_figure`).
    jobs : int or None, default None
        Worker processes (None: the usable cores, at most one per figure).

    Returns
    -------
    list of pathlib.Path
        The written paths, figure by figure in the order of ``makers``.
    """
    with FigureJob(makers, directory, formats, jobs) as job:
        return job.wait()


class FigureJob(BackgroundWork):
    """Figures drawn and written by forked workers while the caller does something else.

    Starting the job forks the workers (see :func:`save_figures` for when it
    does not and draws in :meth:`wait` instead); :meth:`wait` collects the
    written paths and raises a worker's error. Used as a context manager, the
    job is waited for at the end of the block, or cancelled (workers
    terminated) when the block raises.

    Parameters
    ----------
    makers, directory, formats, jobs
        As for :func:`save_figures`.
    """

    def __init__(self, makers: dict[str, Callable[[], Figure]], directory: Path,
                 formats: Sequence[str] = ("png",), jobs: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import Future, ProcessPoolExecutor

        self.makers = dict(makers)
        self.directory = Path(directory)
        self.formats = tuple(formats)
        self.directory.mkdir(parents=True, exist_ok=True)
        if jobs is None:
            jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        jobs = max(1, min(int(jobs), len(self.makers)))
        self._paths: list[Path] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []
        if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        _PENDING.clear()
        _PENDING.update({name: (make, self.directory / name, self.formats)
                         for name, make in self.makers.items()})
        try:
            with signals_held():  # workers set their handlers before a signal reaches them
                self._pool = ProcessPoolExecutor(
                    max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                    initializer=_figure_worker_init)
                futures = {name: self._pool.submit(_draw_and_save, name)
                           for name in sorted(self.makers, key=_drawing_order)}
            self._futures = [futures[name] for name in self.makers]  # paths in makers' order
        except BaseException:
            self.cancel()
            raise
        finally:
            _PENDING.clear()  # the workers have forked with it; no later fork inherits it

    def wait(self) -> list[Path]:
        """Return the written paths once every figure is written (drawing here if serial)."""
        if self._paths is None:
            if self._pool is None:
                self._paths = [p for name, make in self.makers.items()
                               for p in save_figure(make(), self.directory / name, self.formats)]
            else:
                try:
                    self._paths = [p for future in self._futures for p in future.result()]
                except BaseException:
                    self.cancel()
                    raise
                self._pool.shutdown(wait=True)
                self._pool = None
        return self._paths

    def cancel(self) -> None:
        """Stop the workers now (nothing more is written)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool)


SVG_HASH_SALT = "tracesim"
"""Salt of the ids in SVG files (matplotlib's ``svg.hashsalt``): same figure, same bytes."""


def save_figure(
    fig: Figure, path_stem: Path, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Write a figure in several formats next to each other.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path_stem : pathlib.Path
        Path without extension; ``path_stem.png``, ``path_stem.svg`` ... are
        written (a dot in the stem is kept, not treated as an extension).
        Missing parent directories are created.
    formats : sequence of str, default ("png", "svg")
        File formats understood by matplotlib (e.g. "png", "svg", "pdf").

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order of ``formats``.

    Notes
    -----
    Raster formats use 150 dpi; the figure's constrained layout sets the
    margins. The SVG and PDF carry no creation date, and the SVG's ids are
    hashed with a fixed salt (``svg.hashsalt``, :data:`SVG_HASH_SALT`) instead
    of random ones, so re-running gives byte-identical files.
    """
    path_stem = Path(path_stem)
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    engine = _lay_out_once(fig, _DPI)
    try:
        for fmt in formats:
            ext = fmt.lower().lstrip(".")
            path = path_stem.parent / f"{path_stem.name}.{ext}"
            metadata = {"Date": None} if ext in {"svg", "pdf"} else None
            # No bbox_inches="tight": the constrained layout already fits titles and legends,
            # and a tight box costs a second layout. PNG: fast zlib level (same pixels).
            extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 1}} if ext == "png" else {}
            with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):  # fixed clip-path ids
                fig.savefig(path, format=ext, dpi=_DPI, metadata=metadata, **extra)
            paths.append(path)
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)  # the caller's figure lays itself out again
    return paths


_DPI = 150
"""Resolution of raster figures (dots per inch)."""


def _lay_out_once(fig: Figure, dpi: float) -> LayoutEngine | None:
    """Place the axes with the figure's layout engine once, then switch the engine off.

    ``savefig`` on a figure with a layout engine draws it twice (once without
    output, to lay it out, once for real) and lays it out in both draws: about
    half of writing a figure. Laid out here, at the resolution it is written
    at, the axes keep their places and ``savefig`` draws once; the pixels are
    the same. Returns the engine to put back afterwards (None: there was none).
    """
    engine = fig.get_layout_engine()
    if engine is None or not fig.axes:
        return None
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: lay out with Agg's renderer
        FigureCanvasAgg(fig)
    screen_dpi = fig.dpi
    fig.dpi = dpi
    try:
        engine.execute(fig)
    finally:
        fig.dpi = screen_dpi
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    return engine
