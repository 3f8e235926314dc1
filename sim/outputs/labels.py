"""Words and short labels that figures, reports and folders share.

The subtitle of a run's figures, the deadline in a figure's label, the
staffing in a few words (each policy says it itself:
:meth:`~sim.inputs.scenario.staffing.StaffingCommon.summary`).
"""

from __future__ import annotations

from sim.analysis.catalogue import Metric, label_context
from sim.basics.units import DAY_S, HOUR_S, MINUTE_S
from sim.inputs.scenario import Scenario, compact_duration


def staffing_summary(scenario: Scenario) -> str:
    """Describe the scenario's staffing in a few words, e.g. ``"fixed staffing, 864 agents"``."""
    return scenario.staffing.summary()


def deadline_label(within_s: float) -> str:
    """Write a deadline for figure labels: ``"24 h"``, ``"90 min"``, ``"2.5 d"``."""
    if within_s >= HOUR_S and within_s <= 72 * HOUR_S:
        return f"{within_s / HOUR_S:g} h"
    if within_s < HOUR_S:
        return f"{within_s / MINUTE_S:g} min"
    return f"{within_s / DAY_S:g} d"



def figure_subtitle(scenario: Scenario, replications: int | None = None,
                    seed: int | None = None) -> str:
    """Return the subtitle of a run's figures: scenario, staffing, replications and seed.

    Parameters
    ----------
    scenario
        The scenario.
    replications, seed
        Added when given.

    Returns
    -------
    str
        E.g. ``"quick · fixed staffing, 25 agents · 4 replications, seed 1"``.
    """
    parts = [scenario.name, staffing_summary(scenario)]
    if replications is not None:
        run = f"{replications} replication{'s' if replications != 1 else ''}"
        parts.append(run + (f", seed {seed}" if seed is not None else ""))
    return " · ".join(parts)


def label_context_of(scenario: Scenario) -> dict[str, str]:
    """Return what the metrics' labels name of a scenario: currency, deadlines, target."""
    inbound = scenario.inbound
    return label_context(currency=scenario.costs.currency,
                         deadline=compact_duration(scenario.tracing.index.within),
                         contact_deadline=compact_duration(scenario.tracing.contact.within),
                         target=(compact_duration(inbound.answer_within) if inbound.enabled
                                 else "the target"))


#: How a table's unit column names each unit (the currency for money).
UNIT_TEXT = {"share": "%", "h": "agent-hours", "s": "seconds", "count": "", "agents": "agents",
             "agent_days": "agent-days", "fte": "FTE", "per_agent_day": "per agent-day"}


def unit_text(metric: Metric, context: dict[str, str]) -> str:
    """Return the unit of a metric as a table's unit column writes it (``%``, ``EUR``, ...)."""
    if metric.unit == "money":
        return context.get("currency", "")
    return UNIT_TEXT.get(metric.unit, "")
