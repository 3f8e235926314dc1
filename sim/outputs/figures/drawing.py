"""The figures' drawing toolkit: replications as mean lines and bands, styles, legends, axes.

Shared by every figure of :mod:`sim.outputs.figures` (the conventions are in its
:mod:`~sim.outputs.figures.run` module's docstring).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

#: Minimum number of replications for a 2.5-97.5 % quantile band; below it, min-max.
QUANTILE_MIN_REPLICATIONS = 5

_LOWER_Q = 0.025
_UPPER_Q = 0.975
SCENARIO_COLOURS: tuple = tuple(matplotlib.color_sequences["tab10"])
LINESTYLES = ("-", "--", ":", "-.")
WIDTH = 10.0  # inches; fits an A4 page at report scale
PANEL_HEIGHT = 3.4  # inches per panel
_BAND_ALPHA = 0.22
_NO_DATA_COLOUR = "0.45"

# Semantic colours (used when there is a single scenario).
C_BUSY = "#1f77b4"
C_IDLE = "#ff7f0e"
C_BREAK = "#c5b0d5"
C_PAID = "#222222"
C_INDEX = "#1f77b4"
C_CONTACT = "#2ca02c"
C_INBOUND = "#d62728"


# --------------------------------------------------------------------------- data preparation


@dataclass(frozen=True)
class Prepared:
    """The daily table normalised for plotting."""

    df: pd.DataFrame
    xkey: str  # "date" or "day"
    scenarios: tuple[str, ...]
    n_reps: dict[str, int]
    x_range: tuple[float, float]  # min and max x value (matplotlib date numbers or days)


@dataclass(frozen=True)
class Series:
    """Mean and band over replications of one column for one scenario."""

    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray | None
    hi: np.ndarray | None


@dataclass(frozen=True)
class Quantity:
    """A quantity to draw: column name, legend label and colour (single scenario)."""

    column: str
    label: str
    colour: str


def prepare(daily: pd.DataFrame, required: Sequence[str]) -> Prepared:
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
    return Prepared(df, xkey, scenarios, n_reps, (float(xs.min()), float(xs.max())))


def _to_x(values: pd.Series | pd.Index, xkey: str) -> np.ndarray:
    """Convert dates to matplotlib date numbers (days), or days to floats."""
    arr = np.asarray(values)
    if xkey == "date":
        return np.asarray(mdates.date2num(arr.astype("datetime64[ns]")), dtype=float)
    return arr.astype(float)


def band_series(prep: Prepared, scenario: str, column: str, scale: float = 1.0) -> Series:
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
    return Series(x, mean.to_numpy(dtype=float) * scale, lo, hi)


def slug(text: str) -> str:
    """Return ``text`` with every character but letters, digits, ``_.-`` as ``_``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def gid(column: str, scenario: str) -> str:
    """Return the ``gid`` of a mean line: ``mean-<column>-<scenario slug>``."""
    return f"mean-{column}-{slug(scenario)}"


def has_data(prep: Prepared, columns: Sequence[str]) -> bool:
    """Return whether any of ``columns`` holds a finite value."""
    return bool(np.isfinite(prep.df[list(columns)].to_numpy(dtype=float)).any())


# --------------------------------------------------------------------------- drawing helpers


def _style(prep: Prepared, metric: Quantity, metric_idx: int, scen_idx: int) -> tuple[str, str]:
    """Colour and line style: by quantity for one scenario, by scenario otherwise."""
    if len(prep.scenarios) == 1:
        return metric.colour, "-"
    return (
        SCENARIO_COLOURS[scen_idx % len(SCENARIO_COLOURS)],
        LINESTYLES[metric_idx % len(LINESTYLES)],
    )


def fill_x(x: np.ndarray, *ys: np.ndarray) -> tuple[np.ndarray, ...]:
    """Widen a single point to a 0.8-day wide block so that areas stay visible."""
    if len(x) == 1:
        return (np.array([x[0] - 0.4, x[0] + 0.4]), *(np.repeat(y, 2) for y in ys))
    return (x, *ys)


def draw_series(
    ax: Axes, series: Series, colour: str, linestyle: str, gid: str, label: str
) -> Line2D:
    """Draw the band (if any), then the mean line."""
    if series.lo is not None and series.hi is not None:
        fx, flo, fhi = fill_x(series.x, series.lo, series.hi)
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


def draw_metrics(
    ax: Axes, prep: Prepared, metrics: Sequence[Quantity], scale: float = 1.0
) -> bool:
    """Draw mean lines and bands of ``metrics`` for every scenario; True if anything drawn."""
    drawn = False
    for mi, metric in enumerate(metrics):
        for si, scenario in enumerate(prep.scenarios):
            series = band_series(prep, scenario, metric.column, scale)
            if not np.isfinite(series.mean).any():
                continue
            colour, linestyle = _style(prep, metric, mi, si)
            label = metric.label if len(prep.scenarios) == 1 else f"{metric.label} – {scenario}"
            draw_series(ax, series, colour, linestyle, gid(metric.column, scenario), label)
            drawn = True
    return drawn


def band_label(prep: Prepared) -> str | None:
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


def swatch(colour: str, label: str, band: bool, lw: float = 1.8, ls: str = "-") -> object:
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


def text_entry(label: str) -> Patch:
    """Return a legend entry without a swatch (an explanation)."""
    return Patch(facecolor="none", edgecolor="none", label=label)


def legend_handles(
    prep: Prepared, metrics: Sequence[Quantity], extra: Sequence[object] = ()
) -> list[object]:
    """Compact legend: quantities (and scenarios by colour), then band explanation.

    With bands (several replications), each colour's swatch is its line over
    its band's colour, so the swatches match the shaded areas.
    """
    band = band_label(prep)
    handles: list[object] = []
    if len(prep.scenarios) == 1:
        handles += [swatch(m.colour, m.label, band is not None) for m in metrics]
    else:
        handles += [
            Line2D([], [], color="0.2", lw=1.6, ls=LINESTYLES[i % len(LINESTYLES)],
                   label=m.label)
            for i, m in enumerate(metrics)
        ]
        handles += [
            swatch(SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], f"scenario: {s}",
                    band is not None, lw=2.4)
            for i, s in enumerate(prep.scenarios)
        ]
    handles += list(extra)
    if band is not None:
        handles.append(text_entry(band))
    return handles


def legend_args(handles: Sequence[object]) -> dict:
    """Return ``handles`` and ``labels`` for ``legend`` (tuple handles carry their label)."""
    labels = [h.label if isinstance(h, _Labelled) else h.get_label()  # type: ignore[attr-defined]
              for h in handles]
    return {"handles": [tuple(h) if isinstance(h, _Labelled) else h for h in handles],
            "labels": labels}


def ax_legend(ax: Axes, handles: Sequence[object]) -> None:
    """Legend outside the axes on the right (constrained layout makes room)."""
    ax.legend(
        **legend_args(handles), loc="upper left", bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0, frameon=False, fontsize="small",
    )


def thousands(value: float, _pos: int | None = None) -> str:
    """Format an axis tick with thousands separators (a ``FuncFormatter``)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def panel_title(ax: Axes, title: str) -> None:
    """Give the panel its title: bold, on the left, just above the axes.

    Placed at its height (``y=1.0``) instead of left to matplotlib to search:
    on every draw and every layout pass the search measures each y axis again,
    looking for an offset text ("1e6") to avoid, about a tenth of the time of a
    figure. The y axes here never show one (thousands are written out, shares
    are percentages), and the x axis is at the bottom, so the search always
    ends at this height: the pixels are the same.
    """
    ax.set_title(title, loc="left", fontsize="medium", fontweight="bold", y=1.0)


def format_axes(
    ax: Axes,
    prep: Prepared,
    title: str,
    ylabel: str,
    *,
    percent: bool = False,
    xlabel: bool = True,
) -> None:
    """Title, labels, grid, dates on x, y from zero (0-100 for percentages)."""
    panel_title(ax, title)
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
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))


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


def no_data(ax: Axes, message: str) -> None:
    """Write a short grey message in an axes that has nothing to draw."""
    ax.text(
        0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
        color=_NO_DATA_COLOUR, fontsize="large", style="italic",
    )


def new_figure(n_panels: int, *, sharex: bool = True,
               panel_height: float = PANEL_HEIGHT) -> tuple[Figure, list[Axes]]:
    """Return a figure of ``n_panels`` stacked axes at report width."""
    fig = Figure(figsize=(WIDTH, 1.0 + panel_height * n_panels), layout="constrained")
    axes = fig.subplots(n_panels, 1, sharex=sharex, squeeze=False)[:, 0]
    return fig, list(axes)




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


def default_subtitle(table: pd.DataFrame) -> str:
    """Return a subtitle naming the table's scenarios."""
    names = [str(s) for s in pd.unique(table["scenario"])] if "scenario" in table else []
    return ("scenario: " if len(names) == 1 else "scenarios: ") + ", ".join(names) \
        if names else ""
