"""Report-quality figures: functions of the results' tables that return matplotlib Figures.

==================  ===========================================================
``drawing``         the toolkit: replications as mean lines and bands, styles, legends
``run``             a run's figures from its ``daily`` table (demand, capacity, idle and
                    occupancy, timeliness, cost, inbound) and :func:`figure_makers`
``attribution``     the idle attribution per day
``comparison``      scenarios compared: means with CIs, daily curves overlaid
``frontier``        a sweep's frontier of two metrics
``files``           figures as PNG and reproducible SVG files, drawn by forked workers
==================  ===========================================================

No figure touches pyplot's global state (see :mod:`sim.outputs.figures.run`).
"""

from sim.outputs.figures.attribution import (
    BOUND_NAMES,
    plot_idle_attribution,
    plot_idle_by_cause,
)
from sim.outputs.figures.comparison import plot_comparison, plot_comparison_daily
from sim.outputs.figures.drawing import QUANTILE_MIN_REPLICATIONS, add_subtitle
from sim.outputs.figures.files import FigureJob, save_figure, save_figures
from sim.outputs.figures.frontier import plot_frontier
from sim.outputs.figures.run import (
    all_figures,
    figure_makers,
    plot_capacity,
    plot_cost,
    plot_demand,
    plot_idle_occupancy,
    plot_inbound,
    plot_timeliness,
)

__all__ = ["BOUND_NAMES", "QUANTILE_MIN_REPLICATIONS", "FigureJob", "add_subtitle",
           "all_figures", "figure_makers", "plot_capacity", "plot_comparison",
           "plot_comparison_daily", "plot_cost", "plot_demand", "plot_frontier",
           "plot_idle_attribution", "plot_idle_by_cause", "plot_idle_occupancy", "plot_inbound",
           "plot_timeliness",
           "save_figure", "save_figures"]
