"""Report-quality matplotlib figures built from the ``daily`` results table.

Every public ``plot_*`` function takes the long-format ``daily`` table (one row
per ``scenario``, ``replication`` and ``day``; see ``DESIGN.md`` section 4 for
the meaning of the columns) and returns a new :class:`matplotlib.figure.Figure`;
two exceptions: :func:`plot_idle_attribution` takes the ``idle_attribution``
table (same long format) and :func:`plot_comparison` the comparison table of
:func:`sim.compare.comparison_table` (one row per scenario, means and CIs).
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

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

__all__ = [
    "all_figures",
    "plot_capacity",
    "plot_comparison",
    "plot_cost",
    "plot_demand",
    "plot_idle_attribution",
    "plot_idle_occupancy",
    "plot_inbound",
    "plot_timeliness",
    "save_figure",
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


def _legend_handles(
    prep: _Prepared, metrics: Sequence[_Metric], extra: Sequence[object] = ()
) -> list[object]:
    """Compact legend: quantities (and scenarios by colour), then band explanation."""
    handles: list[object] = []
    if len(prep.scenarios) == 1:
        handles += [Line2D([], [], color=m.colour, lw=1.8, label=m.label) for m in metrics]
    else:
        handles += [
            Line2D([], [], color="0.2", lw=1.6, ls=_LINESTYLES[i % len(_LINESTYLES)],
                   label=m.label)
            for i, m in enumerate(metrics)
        ]
        handles += [
            Line2D([], [], color=_SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)], lw=3,
                   label=f"scenario: {s}")
            for i, s in enumerate(prep.scenarios)
        ]
    handles += list(extra)
    band = _band_label(prep)
    if band is not None:
        handles.append(Patch(facecolor="0.35", alpha=_BAND_ALPHA + 0.1, label=band))
    return handles


def _ax_legend(ax: Axes, handles: Sequence[object]) -> None:
    """Legend outside the axes on the right (constrained layout makes room)."""
    ax.legend(
        handles=list(handles), loc="upper left", bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0, frameon=False, fontsize="small",
    )


def _thousands(value: float, _pos: int | None = None) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


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
    ax.set_title(title, loc="left", fontsize="medium", fontweight="bold")
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
            locator: mdates.DateLocator = mdates.DayLocator(
                interval=max(1, int(np.ceil(span / 7))))
            formatter = mdates.ConciseDateFormatter(
                locator,
                formats=["%Y", "%b", "%d", "%d %b", "%d %b", "%d %b"],
                zero_formats=["", "%Y", "%b", "%d %b", "%d %b", "%d %b"],
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


def _no_data(ax: Axes, message: str) -> None:
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
        color=_NO_DATA_COLOUR, fontsize="large", style="italic",
    )


def _new_figure(n_panels: int, *, sharex: bool = True) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(_WIDTH, 1.0 + _PANEL_HEIGHT * n_panels), layout="constrained")
    axes = fig.subplots(n_panels, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, list(axes)


# --------------------------------------------------------------------------- public figures


def plot_demand(daily: pd.DataFrame) -> Figure:
    """Demand from the epidemic and the work it offers to the call centre.

    Top panel: expected confirmed cases per day (epidemic model) and index
    cases released to the call centre per day. Bottom panel: work offered per
    day, as outbound call attempts and inbound calls offered.

    Parameters
    ----------
    daily : pandas.DataFrame
        The long-format daily table; needs ``expected_cases``, ``index_released``,
        ``attempts`` and ``inbound_offered`` plus ``date`` (or ``day``).

    Returns
    -------
    matplotlib.figure.Figure
        Two panels sharing the date axis.
    """
    prep = _prepare(daily, ["expected_cases", "index_released", "attempts", "inbound_offered"])
    fig, (ax_cases, ax_work) = _new_figure(2)

    cases = [
        _Metric("expected_cases", "expected confirmed cases (epidemic model)", "#555555"),
        _Metric("index_released", "index cases released to the centre", _C_INDEX),
    ]
    if _draw_metrics(ax_cases, prep, cases):
        _ax_legend(ax_cases, _legend_handles(prep, cases))
    else:
        _no_data(ax_cases, "no cases")
    _format_axes(ax_cases, prep, "Epidemic demand", "cases per day", xlabel=False)

    work = [
        _Metric("attempts", "outbound call attempts", _C_CONTACT),
        _Metric("inbound_offered", "inbound calls offered", _C_INBOUND),
    ]
    if _draw_metrics(ax_work, prep, work):
        _ax_legend(ax_work, _legend_handles(prep, work))
    else:
        _no_data(ax_work, "no calls")
    _format_axes(ax_work, prep, "Work offered to the call centre", "calls per day")
    return fig


def plot_capacity(daily: pd.DataFrame) -> Figure:
    """Paid agent-hours against busy hours, with the idle time between them shaded.

    The mean hours per day are stacked from the bottom: busy (talk + wrap-up +
    failed attempts), idle (paid, on shift, no call), and break + onboarding,
    which adds up to the paid hours (``paid = busy + idle + break +
    onboarding``). The paid and busy mean lines are drawn on top with their
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
    prep.df["break_onboarding_hours"] = prep.df["break_hours"] + prep.df["onboarding_hours"]
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

    handles = [
        Line2D([], [], color=_C_PAID, lw=1.8, label="paid hours"),
        Line2D([], [], color=_C_BUSY, lw=1.8, label="busy hours"),
        Patch(facecolor=_C_BUSY, alpha=0.35, label="busy (talk + wrap-up + failed attempts)"),
        Patch(facecolor=_C_IDLE, alpha=0.45, hatch="//", edgecolor="white",
              label="idle (paid, no call)"),
        Patch(facecolor=_C_BREAK, alpha=0.6, label="break + onboarding"),
    ]
    band = _band_label(prep)
    if band is not None:
        handles.append(Patch(facecolor="0.35", alpha=_BAND_ALPHA + 0.1, label=band))
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize="small")
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
            handles=_legend_handles(prep, metrics, extra), loc="outside right upper",
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


def _t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of finite values (NaN interval with fewer than 2)."""
    from scipy import stats

    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if values.size < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, values.size - 1)) * float(
        values.std(ddof=1)) / np.sqrt(values.size)
    return mean, mean - half, mean + half


def plot_idle_attribution(attribution: pd.DataFrame, currency: str = "EUR") -> Figure:
    """Idle hours per day split into unavoidable (the oracle's) and avoidable.

    Bars are means over replications per day: the oracle's idle hours on the
    same random numbers (unavoidable) at the bottom, the excess of the policy's
    idle hours over them (avoidable) stacked on top. Where the policy idled
    *less* than the oracle on average (negative avoidable idle: it staffed
    below the oracle), that part is drawn below zero in grey. The line is the
    policy's mean idle hours (unavoidable + avoidable). The title gives the
    total avoidable idle hours over the run, as the mean over replications
    with its 95 % Student-t interval (a paired interval, the oracle having run
    on the same random numbers), and their cost (``avoidable_idle_cost``, priced
    by :mod:`sim.costs`) when the table has it.
    One panel per scenario, on a shared y scale.

    Parameters
    ----------
    attribution : pandas.DataFrame
        The ``idle_attribution`` table of :func:`sim.compare.attribute_idle`:
        ``idle_hours``, ``unavoidable_idle_hours`` and ``avoidable_idle_hours``
        per ``scenario``, ``replication`` and ``date`` (or ``day``), and
        optionally ``avoidable_idle_cost``.
    currency : str, default "EUR"
        Currency label of the cost in the title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per scenario.
    """
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
        totals = sub.groupby("replication")["avoidable_idle_hours"].sum(min_count=1)
        mean, lo, hi = _t_interval(totals.to_numpy(dtype=float))
        total = f"{mean:,.0f}" if mean == mean else "n/a"
        title = "Unavoidable and avoidable idle hours"
        if n > 1:
            title += f" – scenario: {scenario}"
        title += f"\navoidable in total: {total} agent-hours"
        if lo == lo:
            title += f" (95 % CI {lo:,.0f} to {hi:,.0f})"
        if "avoidable_idle_cost" in sub:
            cost = sub.groupby("replication")["avoidable_idle_cost"].sum(min_count=1).mean()
            if cost == cost:
                title += f", {cost:,.0f} {currency}"
        titles.append(title)
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        _format_axes(ax, prep, title, "idle agent-hours per day", xlabel=i == n - 1)
    axes[0].set_ylim(lowest * 1.12, highest * 1.08 if highest > 0 else 1.0)  # shared y

    counts = sorted(set(prep.n_reps.values()))
    reps = (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}")
    handles: list[object] = [
        Line2D([], [], color=_C_PAID, lw=1.8, label="idle hours (this policy)"),
        Patch(facecolor=_C_BUSY, alpha=0.55, label="unavoidable: the oracle's idle\n"
              "(same random numbers, same target)"),
    ]
    if any_positive:
        handles.append(Patch(facecolor=_C_IDLE, alpha=0.8, hatch="//", edgecolor="white",
                             label="avoidable: idle above the oracle's"))
    if any_negative:
        handles.append(Patch(facecolor="0.55", alpha=0.7,
                             label="negative avoidable: idle below\nthe oracle's (understaffed)"))
    handles.append(Patch(facecolor="none", edgecolor="none",
                         label=f"bars and line: mean of {reps}\nreplications per day"))
    fig.legend(handles=handles, loc="outside right upper", frameon=False, fontsize="small")
    return fig


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class _Panel:
    """One panel of the comparison figure."""

    metric: str
    title: str
    ylabel: str
    percent: bool


def _fmt_value(value: float, percent: bool, signed: bool = False) -> str:
    if not np.isfinite(value):
        return "n/a"
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
    table: pd.DataFrame, currency: str = "EUR", deadline_label: str | None = None
) -> Figure:
    """Scenarios side by side: cost per handled call, idle share and timeliness.

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
        The comparison table of :func:`sim.compare.comparison_table`: a
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

    Returns
    -------
    matplotlib.figure.Figure
        Three panels side by side.
    """
    panels = _comparison_panels(table, currency, deadline_label)
    _check_comparison_table(table, panels)
    names = [str(s) for s in table["scenario"]]
    rows = 2 if len(panels) == 4 else 1
    cols = len(panels) // rows
    fig = Figure(figsize=(_WIDTH, (1.6 + _PANEL_HEIGHT) * (1.0 if rows == 1 else 1.7)),
                 layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax, panel in zip(axes, panels, strict=True):
        _draw_comparison_panel(ax, panel, table, names)
    fig.supxlabel(textwrap.fill(_comparison_caption(table, names), 150), fontsize="small",
                  color="0.3")
    return fig


def _comparison_panels(table: pd.DataFrame, currency: str,
                       deadline_label: str | None) -> tuple[_Panel, ...]:
    """Return the panels: contacts only when the table has them."""
    within = f"within {deadline_label}" if deadline_label else "within deadline"
    panels: tuple[_Panel, ...] = (
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
    scale = 100.0 if panel.percent else 1.0
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
    ax.set_title(panel.title, loc="left", fontsize="medium", fontweight="bold")
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


def _bar_label(table: pd.DataFrame, panel: _Panel, i: int, mean: float) -> str:
    """Return the mean and, after the first scenario, ``Δ`` its paired difference (starred)."""
    label = _fmt_value(mean, panel.percent)
    diff_col = f"{panel.metric}_diff_mean"
    if i > 0 and diff_col in table.columns:
        d = float(table[diff_col].iloc[i])
        d_lo = float(table[f"{panel.metric}_diff_ci_low"].iloc[i])
        d_hi = float(table[f"{panel.metric}_diff_ci_high"].iloc[i])
        star = "*" if np.isfinite(d_lo) and (d_lo > 0 or d_hi < 0) else ""
        label += f"\nΔ {_fmt_value(d, panel.percent, signed=True)}{star}"
    return label


def _comparison_caption(table: pd.DataFrame, names: list[str]) -> str:
    reps = ""
    if "replications" in table.columns:
        counts = sorted({int(v) for v in table["replications"] if np.isfinite(v)})
        if counts:
            reps = f" of {counts[0]}" if len(counts) == 1 else f" of {counts[0]}–{counts[-1]}"
    caption = (f"Bars: mean{reps} replications (common random numbers); whiskers: 95 % CI "
               "(Student t).")
    if len(names) > 1:
        caption += (f"  Δ: paired difference against {names[0]!r}; "
                    "* its 95 % CI excludes 0.")
    return caption


# --------------------------------------------------------------------------- collections and files


def all_figures(
    daily: pd.DataFrame,
    currency: str = "EUR",
    service_target_s: float | None = None,
    deadline_label: str = "24 h",
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

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        Keys ``"demand"``, ``"capacity"``, ``"idle_occupancy"``, ``"timeliness"``,
        ``"cost"`` and ``"inbound"``, in that order.
    """
    makers: dict[str, Callable[[], Figure]] = {
        "demand": lambda: plot_demand(daily),
        "capacity": lambda: plot_capacity(daily),
        "idle_occupancy": lambda: plot_idle_occupancy(daily),
        "timeliness": lambda: plot_timeliness(daily, deadline_label=deadline_label),
        "cost": lambda: plot_cost(daily, currency=currency),
        "inbound": lambda: plot_inbound(daily, service_target_s=service_target_s),
    }
    return {name: make() for name, make in makers.items()}


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
    Raster formats use 150 dpi; all use a tight bounding box. The SVG and PDF
    carry no creation date, so re-running gives identical files.
    """
    path_stem = Path(path_stem)
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for fmt in formats:
        ext = fmt.lower().lstrip(".")
        path = path_stem.parent / f"{path_stem.name}.{ext}"
        metadata = {"Date": None} if ext in {"svg", "pdf"} else None
        fig.savefig(path, format=ext, dpi=150, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    return paths
