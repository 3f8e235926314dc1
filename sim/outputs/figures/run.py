"""The figures of a run, from its ``daily`` table; and every figure of a run by name.

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

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.outputs.figures.attribution import plot_idle_attribution, plot_idle_by_cause
from sim.outputs.figures.drawing import (
    C_BREAK,
    C_BUSY,
    C_CONTACT,
    C_IDLE,
    C_INBOUND,
    C_INDEX,
    C_PAID,
    PANEL_HEIGHT,
    SCENARIO_COLOURS,
    WIDTH,
    Prepared,
    Quantity,
    add_subtitle,
    ax_legend,
    band_label,
    band_series,
    default_subtitle,
    draw_metrics,
    draw_series,
    fill_x,
    format_axes,
    gid,
    has_data,
    legend_args,
    legend_handles,
    new_figure,
    no_data,
    prepare,
    swatch,
    text_entry,
    thousands,
)


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
    prep = prepare(daily, ["expected_cases", "index_released", "attempts", "inbound_offered"])
    fig, (ax_cases, ax_work, ax_inbound) = new_figure(3, panel_height=PANEL_HEIGHT * 0.8)

    cases = [
        Quantity("expected_cases", "expected confirmed cases (epidemic model)", "#555555"),
        Quantity("index_released", "index cases released to the centre", C_INDEX),
    ]
    if draw_metrics(ax_cases, prep, cases):
        ax_legend(ax_cases, legend_handles(prep, cases))
    else:
        no_data(ax_cases, "no cases")
    format_axes(ax_cases, prep, "Epidemic demand", "cases per day", xlabel=False)

    work = [Quantity("attempts", "outbound call attempts", C_CONTACT)]
    if draw_metrics(ax_work, prep, work):
        ax_legend(ax_work, legend_handles(prep, work))
    else:
        no_data(ax_work, "no outbound calls")
    format_axes(ax_work, prep, "Outbound work: call attempts", "attempts per day",
                 xlabel=False)

    inbound = [Quantity("inbound_offered", "inbound calls offered", C_INBOUND)]
    if draw_metrics(ax_inbound, prep, inbound):
        ax_legend(ax_inbound, legend_handles(prep, inbound))
    else:
        no_data(ax_inbound, "no inbound calls")
    format_axes(ax_inbound, prep, "Inbound work: hotline calls offered (own scale)",
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
    prep = prepare(daily, cols)
    # paid but unavailable: breaks, onboarding, and shifts paid but not logged in
    away = prep.df["not_logged_in_hours"] if "not_logged_in_hours" in prep.df else 0.0
    prep.df["break_onboarding_hours"] = (prep.df["break_hours"] + prep.df["onboarding_hours"]
                                         + away)
    n = len(prep.scenarios)
    fig = Figure(figsize=(WIDTH, 1.0 + PANEL_HEIGHT * n), layout="constrained")
    axes = list(fig.subplots(n, 1, sharex=True, sharey=True, squeeze=False)[:, 0])

    titles: list[str] = []
    for ax, scenario in zip(axes, prep.scenarios, strict=True):
        busy = band_series(prep, scenario, "busy_hours")
        idle = band_series(prep, scenario, "idle_hours")
        other = band_series(prep, scenario, "break_onboarding_hours")
        paid = band_series(prep, scenario, "paid_hours")
        title = "Paid agent-hours vs busy hours"
        if n > 1:
            title += f" – scenario: {scenario}"
        if not np.isfinite(paid.mean).any():
            no_data(ax, "no paid hours")
        else:
            b = np.nan_to_num(busy.mean)
            bi = b + np.nan_to_num(idle.mean)
            top = bi + np.nan_to_num(other.mean)
            fx, fb, fbi, ftop = fill_x(busy.x, b, bi, top)
            ax.fill_between(fx, 0, fb, color=C_BUSY, alpha=0.35, linewidth=0, zorder=0)
            ax.fill_between(
                fx, fb, fbi, facecolor=C_IDLE, alpha=0.45, hatch="//", edgecolor="white",
                linewidth=0, zorder=0,
            )
            ax.fill_between(fx, fbi, ftop, color=C_BREAK, alpha=0.6, linewidth=0, zorder=0)
            draw_series(ax, paid, C_PAID, "-", gid("paid_hours", scenario), "paid hours")
            draw_series(ax, busy, C_BUSY, "-", gid("busy_hours", scenario), "busy hours")
            _label_idle(ax, busy.x, b, bi, top)
        titles.append(title)
    # Format only after every panel is drawn: the panels share the y scale.
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        format_axes(ax, prep, title, "agent-hours per day", xlabel=i == n - 1)

    band = band_label(prep)
    handles = [
        swatch(C_PAID, "paid hours", band is not None),
        swatch(C_BUSY, "busy hours", band is not None),
        Patch(facecolor=C_BUSY, alpha=0.35, label="busy (talk + wrap-up + failed attempts)"),
        Patch(facecolor=C_IDLE, alpha=0.45, hatch="//", edgecolor="white",
              label="idle (paid, no call)"),
        Patch(facecolor=C_BREAK, alpha=0.6, label="break + onboarding + not logged in"),
    ]
    if band is not None:
        handles.append(text_entry(band.replace("shaded", "shaded around a line")))
    fig.legend(**legend_args(handles), loc="outside right upper", frameon=False,
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
    prep = prepare(daily, ["idle_share", "occupancy"])
    fig, (ax,) = new_figure(1)
    metrics = [
        Quantity("idle_share", "idle share of paid time (idle / paid)", C_IDLE),
        Quantity("occupancy", "occupancy (busy / (busy + idle))", C_BUSY),
    ]
    if draw_metrics(ax, prep, metrics, scale=100.0):
        ax_legend(ax, legend_handles(prep, metrics))
    else:
        no_data(ax, "no paid hours")
    format_axes(ax, prep, "Idle share and occupancy", "share (%)", percent=True)
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
    prep = prepare(
        daily,
        ["index_reached_within_deadline_share", "contacts_reached_within_deadline_share",
         "backlog"],
    )
    fig, (ax_share, ax_backlog) = new_figure(2)
    shares = [
        Quantity("index_reached_within_deadline_share",
                f"index cases reached within {deadline_label}", C_INDEX),
        Quantity("contacts_reached_within_deadline_share",
                f"contacts reached within {deadline_label}", C_CONTACT),
    ]
    if draw_metrics(ax_share, prep, shares, scale=100.0):
        ax_legend(ax_share, legend_handles(prep, shares))
    else:
        no_data(ax_share, "nobody released")
    format_axes(
        ax_share, prep, f"Reached within the deadline ({deadline_label})",
        "share of the day's cohort (%)", percent=True, xlabel=False,
    )

    backlog = [Quantity("backlog", "open outbound tasks at end of day", "#8c564b")]
    if draw_metrics(ax_backlog, prep, backlog):
        ax_legend(ax_backlog, legend_handles(prep, backlog))
    else:
        no_data(ax_backlog, "no backlog data")
    format_axes(ax_backlog, prep, "Outbound backlog", "open tasks (count)")
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
    prep = prepare(daily, ["cost_per_handled_call", "cost"])
    fig, (ax_unit, ax_total) = new_figure(2)
    unit = [Quantity("cost_per_handled_call", "cost per handled call", "#9467bd")]
    if draw_metrics(ax_unit, prep, unit):
        ax_legend(ax_unit, legend_handles(prep, unit))
    else:
        no_data(ax_unit, "no handled calls")
    format_axes(
        ax_unit, prep, "Cost per handled call (conversation)",
        f"{currency} per handled call", xlabel=False,
    )

    total = [Quantity("cost", "total cost", "#17becf")]
    if draw_metrics(ax_total, prep, total):
        ax_legend(ax_total, legend_handles(prep, total))
    else:
        no_data(ax_total, "no cost data")
    format_axes(ax_total, prep, "Total cost per day", f"{currency} per day")
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
    prep = prepare(daily, ["inbound_service_level", "inbound_abandon_share", "inbound_offered"])
    fig, (ax,) = new_figure(1)
    target = "the target" if service_target_s is None else f"{service_target_s:g} s"
    metrics = [
        Quantity("inbound_service_level",
                f"service level (answered within {target} / offered)", C_BUSY),
        Quantity("inbound_abandon_share", "abandoned / offered", C_INBOUND),
    ]
    title = "Inbound hotline: service level and abandonment"
    offered = prep.df["inbound_offered"].to_numpy(dtype=float)
    has_calls = bool(np.nansum(offered) > 0) or has_data(prep, [m.column for m in metrics])
    extra: list[object] = []
    if has_calls:
        twin = ax.twinx()
        _draw_offered_bars(twin, prep)
        twin.set_ylabel("calls offered per day")
        twin.yaxis.set_major_formatter(FuncFormatter(thousands))
        _, top = twin.get_ylim()
        twin.set_ylim(0, top * 1.6 if top > 0 else 1)  # keep bars low, behind the lines
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        label = "calls offered (right axis)"
        if len(prep.scenarios) == 1:
            extra.append(Patch(facecolor="0.5", alpha=0.25, label=label))
        else:
            extra.append(Patch(facecolor="none", edgecolor="0.5", label=label + ", by scenario"))
        draw_metrics(ax, prep, metrics, scale=100.0)
        fig.legend(
            **legend_args(legend_handles(prep, metrics, extra)), loc="outside right upper",
            frameon=False, fontsize="small",
        )
    else:
        no_data(ax, "no inbound calls")
    format_axes(ax, prep, title, "share of calls offered (%)", percent=True)
    return fig


def _draw_offered_bars(ax: Axes, prep: Prepared) -> None:
    """Faint bars of mean inbound calls offered per day, side by side per scenario."""
    n = len(prep.scenarios)
    width = 0.8 / n
    for i, scenario in enumerate(prep.scenarios):
        series = band_series(prep, scenario, "inbound_offered")
        colour = "0.5" if n == 1 else SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
        offset = (i - (n - 1) / 2) * width
        ax.bar(
            series.x + offset, np.nan_to_num(series.mean), width=width, color=colour,
            alpha=0.25, linewidth=0, zorder=0, gid=gid("inbound_offered", scenario),
        )


def figure_makers(
    daily: pd.DataFrame,
    currency: str = "EUR",
    service_target_s: float | None = None,
    deadline_label: str = "24 h",
    subtitle: str | None = None,
    idle_attribution: pd.DataFrame | None = None,
    bound: str = "analytic",
    idle_by_cause: pd.DataFrame | None = None,
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
    idle_by_cause : pandas.DataFrame or None, default None
        The ladder's idle by cause (:func:`sim.experiments.ladder.idle_ladder`);
        given, the waterfall ``"idle_by_cause"`` comes first.

    Returns
    -------
    dict of str to callable
        Same keys as :func:`all_figures` (and ``"idle_attribution"``); each
        value draws its figure.
    """
    text = default_subtitle(daily) if subtitle is None else subtitle
    makers: dict[str, Callable[[], Figure]] = {
        "demand": lambda: plot_demand(daily),
        "capacity": lambda: plot_capacity(daily),
        "idle_occupancy": lambda: plot_idle_occupancy(daily),
        "timeliness": lambda: plot_timeliness(daily, deadline_label=deadline_label),
        "cost": lambda: plot_cost(daily, currency=currency),
        "inbound": lambda: plot_inbound(daily, service_target_s=service_target_s),
    }
    makers = {name: _with_subtitle(make, text) for name, make in makers.items()}
    if idle_by_cause is not None:
        causes = idle_by_cause
        makers = {"idle_by_cause": lambda: plot_idle_by_cause(causes, currency=currency,
                                                              subtitle=text),
                  **makers}
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
