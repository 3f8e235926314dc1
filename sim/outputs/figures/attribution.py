"""The idle-attribution figure: avoidable and unavoidable idle hours per day."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.analysis.metrics import summarise as summarise_replications
from sim.outputs.figures.drawing import (
    C_BUSY,
    C_IDLE,
    C_PAID,
    PANEL_HEIGHT,
    WIDTH,
    Prepared,
    Series,
    add_subtitle,
    band_series,
    default_subtitle,
    draw_series,
    format_axes,
    gid,
    legend_args,
    prepare,
    slug,
    text_entry,
    thousands,
)

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
    prep = prepare(attribution, cols)
    n = len(prep.scenarios)
    fig = Figure(figsize=(WIDTH, 1.0 + PANEL_HEIGHT * n), layout="constrained")
    axes = list(fig.subplots(n, 1, sharex=True, sharey=True, squeeze=False)[:, 0])

    titles: list[str] = []
    lowest, highest = 0.0, 0.0
    any_positive = any_negative = False
    for ax, scenario in zip(axes, prep.scenarios, strict=True):
        unavoidable = band_series(prep, scenario, "unavoidable_idle_hours")
        avoidable = band_series(prep, scenario, "avoidable_idle_hours")
        idle = band_series(prep, scenario, "idle_hours")
        u = np.nan_to_num(unavoidable.mean)
        a = np.nan_to_num(avoidable.mean)
        tag = slug(scenario)
        any_positive = any_positive or bool((a > 0).any())
        highest = max(highest, float(np.max(u + np.clip(a, 0, None), initial=0.0)),
                      float(np.nanmax(idle.mean, initial=0.0)))
        ax.bar(unavoidable.x, u, width=0.8, color=C_BUSY, alpha=0.55, linewidth=0, zorder=2,
               gid=f"bar-unavoidable_idle_hours-{tag}")
        ax.bar(unavoidable.x, np.clip(a, 0, None), bottom=u, width=0.8, color=C_IDLE,
               alpha=0.8, hatch="//", edgecolor="white", linewidth=0, zorder=2,
               gid=f"bar-avoidable_idle_hours-{tag}")
        if (a < 0).any():
            any_negative = True
            ax.bar(unavoidable.x, np.clip(a, None, 0), width=0.8, color="0.55", alpha=0.7,
                   linewidth=0, zorder=2, gid=f"bar-negative_avoidable_idle_hours-{tag}")
            lowest = min(lowest, float(a.min()))
        ax.axhline(0, color="0.3", linewidth=0.8, zorder=2)
        draw_series(ax, Series(idle.x, idle.mean, None, None), C_PAID, "-",
                     gid("idle_hours", scenario), "idle hours")

        sub = prep.df.loc[prep.df["scenario"] == scenario]
        titles.append(_attribution_title(sub, bound_name, scenario if n > 1 else None,
                                         currency))
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        format_axes(ax, prep, title, "idle agent-hours per day", xlabel=i == n - 1)
    axes[0].set_ylim(lowest * 1.12, highest * 1.08 if highest > 0 else 1.0)  # shared y

    fig.legend(**legend_args(_attribution_handles(prep, any_positive, any_negative, bound)),
               loc="outside right upper", frameon=False, fontsize="small")
    add_subtitle(fig, default_subtitle(prep.df) if subtitle is None else subtitle)
    return fig


def _attribution_title(sub: pd.DataFrame, bound_name: str, scenario: str | None,
                       currency: str) -> str:
    """Return a panel's title: the bound, the run's avoidable idle hours, their CI and cost."""
    totals = sub.groupby("replication")["avoidable_idle_hours"].sum(min_count=1)
    row = summarise_replications(
        pd.DataFrame({"avoidable_idle_hours": totals.to_numpy(dtype=float)}))
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


def _attribution_handles(prep: Prepared, positive: bool, negative: bool,
                         bound: str) -> list[object]:
    """Legend of :func:`plot_idle_attribution`: the line, the bars drawn, what they are."""
    counts = sorted(set(prep.n_reps.values()))
    reps = (f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}")
    name, unavoidable = BOUND_NAMES[bound]
    handles: list[object] = [
        Line2D([], [], color=C_PAID, lw=1.8, label="idle hours (this policy)"),
        Patch(facecolor=C_BUSY, alpha=0.55, label=unavoidable),
    ]
    if positive:
        handles.append(Patch(facecolor=C_IDLE, alpha=0.8, hatch="//", edgecolor="white",
                             label=f"avoidable: idle above\nthe {name}'s"))
    if negative:
        handles.append(Patch(facecolor="0.55", alpha=0.7,
                             label=f"negative avoidable: idle below\nthe {name}'s\n"
                             "(understaffed)"))
    handles.append(text_entry(f"bars and line: mean of {reps}\nreplications per day"))
    return handles


def plot_idle_by_cause(table: pd.DataFrame, currency: str = "EUR",
                       subtitle: str | None = None) -> Figure:
    """Waterfall of a run's idle hours by cause, in ladder order.

    Each cause (a row of ``idle_by_cause``, :func:`sim.experiments.ladder.idle_ladder`)
    is a bar from the idle of the step before to that of its step, with its
    95 % interval (paired over replications) as a whisker at the bar's end; a
    negative cause (the step idled less than the one before) goes down, in
    grey. The last bar is the run's idle, the sum of the causes. Each bar is
    labelled with its hours, its share of the run's idle and its cost; a step
    that missed its targets is marked so.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``idle_by_cause`` table (``step``, ``cause``, ``idle_hours``,
        ``ci_low``, ``ci_high``, ``share``, ``cost``, ``met_targets``).
    currency : str, default "EUR"
        For the costs in the labels.
    subtitle : str or None, default None
        Written above the panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(WIDTH, 1.0 + 1.4 * PANEL_HEIGHT), layout="constrained")
    ax = fig.subplots()
    parts = table["idle_hours"].to_numpy(dtype=float)
    ends = np.cumsum(parts)
    starts = ends - parts
    x = np.arange(parts.size)
    colours = [C_IDLE if part >= 0 else "#9e9e9e" for part in parts]
    ax.bar(x, parts, bottom=starts, color=colours, width=0.6, zorder=2,
           gid="idle_by_cause")
    low = ends - parts + table["ci_low"].to_numpy(dtype=float)
    high = ends - parts + table["ci_high"].to_numpy(dtype=float)
    ax.vlines(x, low, high, color=C_PAID, linewidth=1.2, zorder=3)
    total = float(ends[-1]) if ends.size else 0.0
    ax.bar([parts.size], [total], color=C_BUSY, width=0.6, zorder=2)
    for k, row in enumerate(table.itertuples()):
        mark = "" if row.met_targets else "\n(missed targets)"
        ax.annotate(f"{row.idle_hours:,.0f} h\n{100 * row.share:.0f} %\n"
                    f"{row.cost:,.0f} {currency}{mark}",
                    (k, max(starts[k], ends[k], high[k])), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize="small")
    ax.annotate(f"{total:,.0f} h", (parts.size, total), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", fontsize="small")
    labels = [f"{row.step}. {row.cause}" for row in table.itertuples()] + ["the run's idle"]
    ax.set_xticks(np.arange(parts.size + 1), [_wrap(label) for label in labels],
                  fontsize="small")
    ax.set_ylabel("idle hours (mean over replications)")
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_ylim(min(0.0, float(low.min(initial=0.0))) * 1.1,
                max(total, float(high.max(initial=0.0))) * 1.25 + 1.0)
    ax.axhline(0.0, color=C_PAID, linewidth=0.8)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.set_title("Where the idle hours came from: each step adds one constraint of real "
                 "operations", loc="left", fontsize="medium", fontweight="bold", y=1.0)
    ax.text(0.0, -0.2, "Same demand, same random numbers, same targets at every step; whiskers: "
            "95 % paired intervals over the replications.", transform=ax.transAxes,
            fontsize="small", color="#555555", va="top")
    if subtitle:
        add_subtitle(fig, subtitle)
    return fig


def _wrap(text: str, width: int = 18) -> str:
    """Break a tick label into lines of about ``width`` characters."""
    return "\n".join(textwrap.wrap(text, width))
