"""Scenario: the validated, frozen description of one simulated tracing operation.

YAML is only how a scenario is written; this package turns it into a
:class:`Scenario` (pydantic v2, ``extra="forbid"``, frozen). One module per
section of the file, then what holds them together:

=================  ===============================================================
``base``           the section base class (:class:`Model`), field types, ``Dist``, ``Count``
``calendar``       ``calendar``: dates and opening hours
``demand``         ``epidemic`` (waves, SEIR, CSV, sources) and ``reporting``
``tracing``        ``tracing``: index cases and contacts
``inbound``        ``inbound``: the hotline and callbacks
``agents``         ``agents``: shift templates, absence, onboarding
``staffing``       what every staffing policy shares, and the registry of their configurations
``costs``          ``costs``: rates, billing, cost lines
``simulation``     ``simulation``: seed, replications, interval, logs
``changes``        dated changes of behaviour
``sources``        the expected cases of one demand model (reads CSV files)
``checks``         the checks that involve several fields (errors and warnings)
``validation``     problems as one line each, naming file, line, column and field path
``scenario``       :class:`Scenario`: every section, ``with_changes``, ``regimes``, ``hash``
``loading``        YAML: ``extends``, ``--set`` overrides, :func:`load_scenario`
=================  ===============================================================

The staffing configurations themselves are plug-ins of :mod:`sim.staffing`
(each module there holds a policy's configuration and its class); they join
the ``staffing`` union when that package is imported.

The names most used are re-exported here; modules of the package import from
each other's modules, never from this face.
"""

from sim.basics.errors import ScenarioError
from sim.inputs.scenario.agents import Absenteeism, Agents, Break, Shift
from sim.inputs.scenario.base import (
    WEEKDAYS,
    Clock,
    Count,
    Dist,
    Duration,
    Model,
    NonNegative,
    Positive,
    PositiveDuration,
    Probability,
    Share,
    discriminator_tag,
    tagged_union,
)
from sim.inputs.scenario.calendar import Calendar, Hours, OpeningHours
from sim.inputs.scenario.changes import CHANGEABLE, Change, changeable
from sim.inputs.scenario.checks import ERROR_CHECKS, WARNING_CHECKS, Check, cross_field_checks
from sim.inputs.scenario.costs import CostLine, CostLineRow, Costs, Tier
from sim.inputs.scenario.demand import (
    CsvEpidemic,
    CsvSource,
    Epidemic,
    ReleaseSlot,
    Reporting,
    RStep,
    ScaleStep,
    SeirEpidemic,
    SeirSource,
    SingleEpidemic,
    SourcesEpidemic,
    Wave,
    WavesEpidemic,
    WavesSource,
    epidemic_sources,
)
from sim.inputs.scenario.inbound import Callback, Inbound
from sim.inputs.scenario.loading import (
    MAX_NODES,
    default_scenario_path,
    json_schema,
    load_scenario,
    parse_overrides,
    scenario_from_text,
)
from sim.inputs.scenario.scenario import Scenario, scenario_model
from sim.inputs.scenario.simulation import Simulation
from sim.inputs.scenario.sources import source_cases
from sim.inputs.scenario.staffing import (
    STAFFING_CONFIGS,
    Problem,
    Staff,
    StaffingCommon,
    compact_duration,
    on_registration,
    one_of,
    staffing_config,
    staffing_union,
)
from sim.inputs.scenario.tracing import ContactTask, IndexTask, OutboundTask, Tracing
from sim.inputs.scenario.validation import set_path, union_members

__all__ = [
    "CHANGEABLE", "ERROR_CHECKS", "MAX_NODES", "STAFFING_CONFIGS", "WARNING_CHECKS", "WEEKDAYS",
    "Absenteeism", "Agents", "Break", "Calendar", "Callback", "Change", "Check", "Clock",
    "ContactTask", "CostLine", "CostLineRow", "Costs", "Count", "CsvEpidemic", "CsvSource", "Dist",
    "Duration", "Epidemic", "Hours", "Inbound", "IndexTask", "Model", "NonNegative",
    "OpeningHours", "OutboundTask", "Positive", "PositiveDuration", "Probability", "Problem",
    "RStep", "ReleaseSlot", "Reporting", "ScaleStep", "Scenario", "ScenarioError", "SeirEpidemic",
    "SeirSource", "Share", "Shift", "Simulation", "SingleEpidemic", "SourcesEpidemic", "Staff",
    "StaffingCommon", "Tier", "Tracing", "Wave", "WavesEpidemic", "WavesSource", "changeable",
    "compact_duration", "cross_field_checks", "default_scenario_path", "discriminator_tag",
    "epidemic_sources", "json_schema", "load_scenario", "on_registration", "one_of",
    "parse_overrides", "scenario_from_text", "scenario_model", "set_path", "source_cases",
    "staffing_config", "staffing_union", "tagged_union", "union_members",
]
