"""The comparison figures: each scenario's means with CIs, and their daily curves overlaid."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from sim.outputs.figures.drawing import (
    LINESTYLES,
    PANEL_HEIGHT,
    SCENARIO_COLOURS,
    WIDTH,
    add_subtitle,
    band_label,
    band_series,
    default_subtitle,
    draw_series,
    format_axes,
    gid,
    legend_args,
    no_data,
    panel_title,
    prepare,
    slug,
    swatch,
    text_entry,
    thousands,
)


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
    fig = Figure(figsize=(WIDTH * (1.0 if cols <= 2 else 1.25),
                          (1.6 + PANEL_HEIGHT) * (1.0 if rows == 1 else 1.7)),
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
    colours = [SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i in range(len(names))]
    scale = 100.0 if panel.percent else (1.0 / panel.unit[0] if panel.unit else 1.0)
    mean = table[f"{panel.metric}_mean"].to_numpy(dtype=float)
    lo = table[f"{panel.metric}_ci_low"].to_numpy(dtype=float)
    hi = table[f"{panel.metric}_ci_high"].to_numpy(dtype=float)
    err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)]) * scale
    bars = ax.bar(x, np.nan_to_num(mean) * scale, width=0.65, color=colours, alpha=0.85,
                  linewidth=0, zorder=2, yerr=np.clip(err, 0, None), capsize=4,
                  error_kw={"elinewidth": 1.2, "ecolor": "0.2", "zorder": 3})
    for patch, name in zip(bars.patches, names, strict=True):
        patch.set_gid(f"bar-{panel.metric}-{slug(name)}")
    tops = np.where(np.isfinite(hi), np.fmax(hi, mean), mean) * scale
    for i in range(len(names)):
        ax.annotate(_bar_label(table, panel, i, mean[i]), (x[i], float(np.nan_to_num(tops[i]))),
                    xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize="x-small", zorder=4)
    panel_title(ax, panel.title)
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
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    if not np.isfinite(mean).any():
        no_data(ax, "no data")


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
    prep = prepare(daily, [p[0] for p in _DAILY_PANELS])
    fig = Figure(figsize=(WIDTH * 1.25, 1.4 + PANEL_HEIGHT * 2), layout="constrained")
    axes = list(fig.subplots(2, 2, sharex=True, squeeze=False).ravel())
    for i, (ax, (column, title, ylabel, percent)) in enumerate(
            zip(axes, _DAILY_PANELS, strict=True)):
        drawn = False
        for si, scenario in enumerate(prep.scenarios):
            series = band_series(prep, scenario, column, 100.0 if percent else 1.0)
            if np.isfinite(series.mean).any():
                draw_series(ax, series, SCENARIO_COLOURS[si % len(SCENARIO_COLOURS)],
                             LINESTYLES[si % len(LINESTYLES)], gid(column, scenario),
                             scenario)
                drawn = True
        if not drawn:
            no_data(ax, "no data")
        format_axes(ax, prep, title.format(deadline=deadline_label), ylabel,
                     percent=percent, xlabel=i >= 2)
    band = band_label(prep)
    handles: list[object] = [
        swatch(SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], s, band is not None, lw=2.0,
                ls=LINESTYLES[i % len(LINESTYLES)])
        for i, s in enumerate(prep.scenarios)]
    handles.append(text_entry("line styles differ so that\ncurves that coincide show"))
    if band is not None:
        handles.append(text_entry(band))
    fig.legend(**legend_args(handles), loc="outside right upper", frameon=False,
               fontsize="small", title="scenario")
    add_subtitle(fig, default_subtitle(prep.df) if subtitle is None else subtitle)
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
