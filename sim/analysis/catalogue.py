"""The metric catalogue: one entry per figure of merit, read by every table, figure and report.

Each :class:`Metric` holds every fact about one figure: its name, the label
people read (console, report, workbook, figure axes, sweep and optimise
output), its unit, what it means (the results folder's README), the levels
it is reported at (reporting interval, day, week or month, run), how it
derives from the engine's additive sums (:class:`Expr`: the one definition,
evaluated by :func:`sim.analysis.metrics.figures` at every level), how its
confidence interval over replications is computed (:data:`CI_METHODS`),
whether more of it is better, and whether tables hold it as whole numbers.

A ratio at any level is the ratio of the summed parts (never a mean of
ratios); a figure whose inputs a level lacks is not reported at that level
(the people and the money need whole days).

:func:`format_value` is the one number formatter: console, report and
notebooks write a metric's value through it, with the metric's unit.

Adding a metric is one entry here; it joins the tables of its levels (after
the columns listed in :data:`TABLE_ORDER`, which keeps the order the tables
had before the catalogue).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim.analysis.costs import price
from sim.basics.units import HOUR_S

Level = Literal["interval", "day", "period", "run"]
LEVELS: tuple[Level, ...] = ("interval", "day", "period", "run")

CI_METHODS = {
    "share": "Student t on the logit scale (delta method), within [0, 1]",
    "positive": "Student t on the log scale (delta method), above 0",
    "mean": "Student t",
}
"""How a metric's 95 % confidence interval over replications is computed, by method."""


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class Unit:
    """How values of a unit are written.

    Attributes
    ----------
    label
        The unit as the README and the report's unit column write it.
    decimals
        Decimals kept in CSV files.
    """

    label: str
    decimals: int


UNITS: dict[str, Unit] = {
    "s": Unit("s", 3),
    "h": Unit("h", 4),
    "share": Unit("share 0-1", 6),
    "money": Unit("currency", 2),
    "count": Unit("count", 3),
    "agents": Unit("agents", 3),
    "agent_days": Unit("agent-days", 3),
    "fte": Unit("FTE", 3),
    "per_agent_day": Unit("per agent-day", 3),
}
"""The units of the metrics, by key."""


# --------------------------------------------------------------------------- derivations


class Context:
    """What a derivation reads: the sums of one grouping, the figures computed so far.

    Parameters
    ----------
    sums
        Name to float array (all of one shape): the additive sums.
    scenario
        For the prices.
    """

    def __init__(self, sums: Mapping[str, np.ndarray], scenario: Any) -> None:
        self.sums = sums
        self.scenario = scenario
        self.figures: dict[str, np.ndarray] = {}
        self._money: dict[str, np.ndarray] | None = None

    def figure(self, name: str) -> np.ndarray:
        """Return the figure ``name``, computing it (and what it needs) once."""
        if name not in self.figures:
            derive = CATALOGUE[name].derive
            assert derive is not None, f"{name} is not derived from sums"
            self.figures[name] = derive.value(self)
        return self.figures[name]

    def money(self) -> dict[str, np.ndarray]:
        """Return the priced parts of this grouping (:func:`sim.analysis.costs.price`), once."""
        if self._money is None:
            s, f = self.sums, self.figure
            self._money = price(
                self.scenario, paid_hours=f("paid_hours"), pool_paid_hours=f("pool_paid_hours"),
                busy_hours=f("busy_hours"), idle_hours=f("idle_hours"),
                onboarding_hours=f("onboarding_hours"), agent_days_paid=s["agent_days_paid"],
                hires=s["hires"], handled_calls=f("handled_calls"),
                index_reached=f("index_reached"), other_cost=s.get("other_cost", 0.0))
        return self._money


def ratio(numerator: Any, denominator: Any) -> np.ndarray:
    """Divide, with NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


class Expr:
    """How a figure derives from the sums: :meth:`needs` them, :meth:`value` computes it."""

    def needs(self) -> frozenset[str]:
        """Return the sums this derivation reads (directly or through other figures)."""
        raise NotImplementedError

    def value(self, context: Context) -> np.ndarray:
        """Compute the figure in ``context``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Sum(Expr):
    """The sum of some additive sums, in the order given, divided by ``per``."""

    names: tuple[str, ...]
    per: float = 1.0

    def needs(self) -> frozenset[str]:
        """Return the names summed."""
        return frozenset(self.names)

    def value(self, context: Context) -> np.ndarray:
        """Add the sums up, left to right."""
        total = context.sums[self.names[0]]
        for name in self.names[1:]:
            total = total + context.sums[name]
        return total / self.per if self.per != 1.0 else total


@dataclass(frozen=True)
class Of(Expr):
    """Another figure of the catalogue."""

    name: str

    def needs(self) -> frozenset[str]:
        """Return what that figure needs."""
        derive = CATALOGUE[self.name].derive
        assert derive is not None
        return derive.needs()

    def value(self, context: Context) -> np.ndarray:
        """Return that figure."""
        return context.figure(self.name)


@dataclass(frozen=True)
class Ratio(Expr):
    """``numerator / denominator`` (NaN where it is 0), then divided by ``per``."""

    numerator: Expr
    denominator: Expr
    per: float = 1.0

    def needs(self) -> frozenset[str]:
        """Return what both parts need."""
        return self.numerator.needs() | self.denominator.needs()

    def value(self, context: Context) -> np.ndarray:
        """Divide the summed parts."""
        out = ratio(self.numerator.value(context), self.denominator.value(context))
        return out / self.per if self.per != 1.0 else out


@dataclass(frozen=True)
class Priced(Expr):
    """A part of the money of the grouping (priced once, in :mod:`sim.analysis.costs`)."""

    part: str

    def needs(self) -> frozenset[str]:
        """Money needs whole days: the agents present and the hires."""
        inputs = ("paid_hours", "pool_paid_hours", "busy_hours", "idle_hours",
                  "onboarding_hours", "handled_calls", "index_reached")
        return frozenset({"agent_days_paid", "hires"}).union(
            *(Of(name).needs() for name in inputs))

    def value(self, context: Context) -> np.ndarray:
        """Return the part."""
        return context.money()[self.part]


def S(*names: str, per: float = 1.0) -> Sum:  # noqa: N802  (reads like the sums it names)
    """Shorthand for :class:`Sum`."""
    return Sum(tuple(names), per)


# --------------------------------------------------------------------------- the entry


@dataclass(frozen=True)
class Metric:
    """Every fact about one figure of merit.

    Attributes
    ----------
    name
        Its name in tables, ``summary.csv`` and the API.
    label
        What people read (may hold ``{currency}``, ``{deadline}``,
        ``{contact_deadline}``, ``{target}``: :meth:`label_in` fills them).
    unit
        A key of :data:`UNITS`.
    meaning
        One line for the results folder's README.
    levels
        Where it is reported: ``interval``, ``day``, ``period`` (weeks and
        months), ``run`` (one value per replication: ``replications``, ``summary``).
    derive
        How it derives from the additive sums; None when the table that holds
        it fills it from elsewhere (the backlog from the people, the headcount
        from the roster, the idle attribution from the bound's run).
    ci
        A key of :data:`CI_METHODS`; by default ``share`` for a share and
        ``positive`` for everything else (hours, money, counts cannot be
        negative); ``mean`` for a figure that can be (a difference).
    better
        ``"higher"``, ``"lower"``, or None when it is a volume, not a merit.
    whole
        Tables hold it as whole numbers (int64).
    origin
        ``"run"``: every run has it; ``"attribution"``: added by the idle attribution.
    """

    name: str
    label: str
    unit: str
    meaning: str
    levels: frozenset[str]
    derive: Expr | None
    ci: str = ""
    better: str | None = None
    whole: bool = False
    origin: str = "run"

    def __post_init__(self) -> None:
        """Give the default CI method of the unit."""
        if not self.ci:
            object.__setattr__(self, "ci", "share" if self.unit == "share" else "positive")

    def label_in(self, context: Mapping[str, str]) -> str:
        """Return the label with its placeholders filled (:func:`label_context`)."""
        return self.label.format_map(_Placeholders(context))

    def format(self, value: Any, currency: str = "", signed: bool = False,
               with_unit: bool = True) -> str:
        """Write a value of this metric (:func:`format_value`)."""
        return format_value(value, self.unit, currency, signed, with_unit)


class _Placeholders(dict):
    """Leave a placeholder the context lacks as it is written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_RUN: frozenset[str] = frozenset({"run"})
_DR = frozenset({"day", "run"})
_IDR = frozenset({"interval", "day", "run"})
_IDPR = frozenset({"interval", "day", "period", "run"})
_DPR = frozenset({"day", "period", "run"})
_PR = frozenset({"period", "run"})


def _hours(part: str, label: str, meaning: str, levels: frozenset[str] = _IDR,
           better: str | None = None) -> Metric:
    return Metric(f"{part}_hours", label, "h", meaning, levels, S(f"{part}_s", per=HOUR_S),
                  better=better)


_BUSY_S = ("talk_s", "wrap_s", "failed_attempt_s")
_PEOPLE = {"index": "index", "contact": "contacts", "callback": "callbacks"}

_ENTRIES: list[Metric] = [
    # -------------------------------------------------------------- agent time
    _hours("paid", "paid agent-hours", "paid agent-hours: the on-shift span, overtime included",
           _IDPR, "lower"),
    _hours("talk", "agent-hours in conversation", "agent-hours in conversation"),
    _hours("wrap", "agent-hours in wrap-up", "agent-hours in wrap-up after a conversation"),
    _hours("failed_attempt", "agent-hours on unanswered attempts",
           "agent-hours spent on unanswered outbound attempts"),
    _hours("idle", "idle agent-hours (paid, no call)",
           "paid agent-hours with no call, not on break or onboarding", _IDPR, "lower"),
    _hours("break", "agent-hours on break", "paid agent-hours on break"),
    _hours("onboarding", "onboarding agent-hours",
           "paid, unproductive hours of agents new on the roster"),
    _hours("not_logged_in", "paid agent-hours not logged in",
           "paid hours of rostered shifts not logged in (paid absence)", _IDPR),
    Metric("busy_hours", "busy agent-hours", "h", "talk + wrap + failed attempts", _IDPR,
           S(*_BUSY_S, per=HOUR_S)),
    Metric("idle_share", "idle share of paid time", "share", "idle / paid", _IDPR,
           Ratio(S("idle_s"), S("paid_s")), better="lower"),
    Metric("occupancy", "occupancy: busy / (busy + idle)", "share", "busy / (busy + idle)",
           _IDPR, Ratio(S(*_BUSY_S), S(*_BUSY_S, "idle_s")), better="higher"),
    Metric("utilisation", "utilisation: busy / paid", "share", "busy / paid", _IDR,
           Ratio(S(*_BUSY_S), S("paid_s")), better="higher"),
    Metric("agent_days_paid", "agent-days paid", "agent_days",
           "agents present, summed over the days", _RUN, S("agent_days_paid")),
    Metric("mean_headcount", "roster headcount, mean over the days", "agents",
           "roster headcount averaged over the days", _RUN,
           Ratio(S("headcount_days"), S("days"))),
    # -------------------------------------------------------------- people
    Metric("index_cases", "index cases released", "count", "index cases released", _RUN,
           S("people_index")),
    Metric("index_reached", "index cases reached", "count", "index cases reached", _IDR,
           S("index_reached"), better="higher", whole=True),
    *(Metric(f"index_{state}", f"index cases {words}", "count", f"index cases {meaning}", _RUN,
             S(f"people_index_{state}"), better="lower")
      for state, words, meaning in (
          ("unreachable", "not reached", "not reached after max_attempts"),
          ("expired", "dropped as too late", "dropped after give_up_after"),
          ("open", "open at the end", "still open at the horizon"))),
    Metric("contacts", "contacts named", "count", "contacts named", _RUN, S("people_contact")),
    Metric("contacts_no_phone", "contacts without a phone number", "count",
           "contacts without a phone number", _RUN, S("people_contact_no_phone")),
    Metric("contacts_reached", "contacts reached", "count", "contacts reached", _IDR,
           S("contacts_reached"), better="higher", whole=True),
    *(Metric(f"contacts_{state}", f"contacts {words}", "count", f"contacts {meaning}", _RUN,
             S(f"people_contact_{state}"), better="lower")
      for state, words, meaning in (
          ("unreachable", "not reached", "not reached after max_attempts"),
          ("expired", "dropped as too late", "dropped after give_up_after"),
          ("open", "open at the end", "still open at the horizon"))),
    Metric("index_reached_within_deadline_share", "index cases reached within {deadline}",
           "share", "index cases reached within their deadline / index cases released "
           "(daily: by day of release)", _DR,
           Ratio(S("people_index_within_deadline"), S("people_index_with_phone")),
           ci="share", better="higher"),
    Metric("contacts_reached_within_deadline_share", "contacts reached within "
           "{contact_deadline}", "share", "contacts reached within their deadline / contacts "
           "with a phone (daily: by day of creation)", _DR,
           Ratio(S("people_contact_within_deadline"), S("people_contact_with_phone")),
           ci="share", better="higher"),
    Metric("index_time_to_reach_mean_h", "time to reach an index case, mean", "h",
           "mean time from release to reaching an index case", _RUN,
           Ratio(S("people_index_time_to_reach_s"), S("people_index_reached"), per=HOUR_S),
           better="lower"),
    Metric("contacts_time_to_reach_mean_h", "time to reach a contact, mean", "h",
           "mean time from creation to reaching a contact", _RUN,
           Ratio(S("people_contact_time_to_reach_s"), S("people_contact_reached"), per=HOUR_S),
           better="lower"),
    # -------------------------------------------------------------- calls
    Metric("attempts", "outbound tracing attempts", "count",
           "outbound tracing attempts (index and contacts); people: attempts made to reach "
           "this person", _IDPR, S("index_attempts", "contact_attempts"), whole=True),
    Metric("inbound_offered", "inbound calls offered", "count", "inbound calls arriving", _IDR,
           S("inbound_offered"), whole=True),
    Metric("inbound_answered", "inbound calls answered", "count", "inbound calls answered",
           _IDR, S("inbound_answered"), better="higher", whole=True),
    Metric("inbound_abandoned", "inbound calls abandoned", "count",
           "inbound callers who hung up while waiting", _IDR, S("inbound_abandoned"),
           better="lower", whole=True),
    Metric("inbound_waiting_at_end", "inbound callers waiting at the end", "count",
           "inbound callers still waiting at the horizon", _IDR, S("inbound_waiting_at_end"),
           better="lower", whole=True),
    Metric("inbound_service_level", "inbound calls answered within {target} / offered",
           "share", "answered within answer_within / offered", _IDR,
           Ratio(S("inbound_answered_within_target"), S("inbound_offered")), ci="share",
           better="higher"),
    Metric("inbound_service_level_answered", "inbound calls answered within {target} / "
           "answered", "share", "answered within answer_within / answered", _DR,
           Ratio(S("inbound_answered_within_target"), S("inbound_answered")), ci="share",
           better="higher"),
    Metric("inbound_abandon_share", "inbound calls abandoned / offered", "share",
           "abandoned / offered", _IDR, Ratio(S("inbound_abandoned"), S("inbound_offered")),
           ci="share", better="lower"),
    Metric("inbound_p_wait", "inbound calls that waited / offered", "share",
           "share of offered calls not answered at once", _RUN,
           Ratio(S("inbound_delayed"), S("inbound_offered")), better="lower"),
    Metric("inbound_asa_s", "inbound average speed of answer", "s",
           "average speed of answer: mean wait of answered calls", _IDR,
           Ratio(S("inbound_wait_answered_s"), S("inbound_answered")), better="lower"),
    Metric("inbound_mean_wait_s", "inbound mean wait", "s",
           "mean wait of all offered calls (abandoned: until they hung up)", _RUN,
           Ratio(S("inbound_wait_answered_s", "inbound_wait_abandoned_s"),
                 S("inbound_answered", "inbound_abandoned")), better="lower"),
    Metric("handled_calls", "handled calls (conversations)", "count",
           "conversations: index and contacts reached, inbound answered, callbacks reached",
           _IDPR, S("inbound_answered", "index_reached", "contacts_reached", "callbacks_reached"),
           better="higher", whole=True),
    _hours("pool_paid", "paid agent-hours of the pool", "paid hours of agents called in from "
           "the pool"),
    Metric("hires", "agents hired", "count", "agents added to the roster", _DR, S("hires"),
           whole=True),
    # -------------------------------------------------------------- money
    *(Metric(part, label, "money", meaning, _DR, Priced(part), better="lower")
      for part, label, meaning in (
          ("agent_cost", "agent cost", "agents' pay (or fees) as billed"),
          ("supervisor_cost", "supervisor cost",
           "supervisors: billed hours / supervisor_ratio x rate"),
          ("seat_cost", "seat cost", "seat cost per agent present per day"),
          ("hiring_cost", "hiring cost", "hiring cost per agent added"),
          ("fee_cost", "fees", "per-call or per-case fees"))),
    Metric("total_cost", "total cost", "money", "the call centre's cost and the cost lines",
           _PR, Priced("total_cost"), better="lower"),
    Metric("onboarding_cost", "onboarding cost (at the agent rate)", "money",
           "onboarding hours valued at the agent rate", _DR, Priced("onboarding_cost"),
           better="lower"),
    Metric("idle_cost", "idle cost (at the agent rate)", "money",
           "idle hours valued at the agent rate, whatever the billing", _DR, Priced("idle_cost"),
           better="lower"),
    Metric("cost_per_handled_call", "cost per handled call", "money",
           "call centre cost / handled calls", _DR,
           Ratio(Priced("call_centre_cost"), Of("handled_calls")), better="lower"),
    *(Metric(f"cost_per_{what}", label, "money", f"call centre cost / {meaning}", _RUN,
             Ratio(Priced("call_centre_cost"), Of(figure)), better="lower")
      for what, figure, label, meaning in (
          ("attempt", "attempts", "cost per tracing attempt", "outbound tracing attempts"),
          ("index_reached", "index_reached", "cost per index case reached",
           "index cases reached"),
          ("contact_reached", "contacts_reached", "cost per contact reached",
           "contacts reached"),
          ("paid_hour", "paid_hours", "cost per paid agent-hour", "paid hours"))),
    Metric("max_backlog", "largest backlog (open outbound tasks)", "count",
           "most open outbound tasks at any interval end", _RUN, None, better="lower"),
    # -------------------------------------------------------------- inbound and callbacks
    Metric("inbound_answered_within_target", "inbound calls answered within {target}", "count",
           "inbound calls answered within answer_within", _IDR,
           S("inbound_answered_within_target"), better="higher", whole=True),
    Metric("inbound_callback", "inbound callers who took a callback", "count",
           "inbound callers who accepted a callback and hung up", _IDR, S("inbound_callback"),
           whole=True),
    Metric("callbacks_offered", "callbacks offered", "count",
           "callbacks offered to waiting callers", _IDR, S("callbacks_offered"), whole=True),
    Metric("callbacks_accepted", "callbacks accepted", "count", "callbacks accepted", _DR,
           S("people_callback"), whole=True),
    Metric("callbacks_reached", "callbacks reached", "count", "callbacks that reached the caller",
           _IDR, S("callbacks_reached"), better="higher", whole=True),
    *(Metric(f"callbacks_{state}", f"callbacks {words}", "count", f"callbacks {meaning}", _RUN,
             S(f"people_callback_{state}"), better="lower")
      for state, words, meaning in (
          ("unreachable", "not reached", "not reached after max_attempts"),
          ("expired", "dropped as too late", "dropped after give_up_after"),
          ("open", "open at the end", "still open at the horizon"))),
    Metric("callbacks_reached_within_deadline_share", "callbacks returned within their deadline",
           "share", "callbacks reached within their deadline / callbacks accepted", _DR,
           Ratio(S("people_callback_within_deadline"), S("people_callback_with_phone")),
           ci="share", better="higher"),
    Metric("callbacks_time_to_reach_mean_h", "time to return a callback, mean", "h",
           "mean time from acceptance to reaching the caller", _RUN,
           Ratio(S("people_callback_time_to_reach_s"), S("people_callback_reached"),
                 per=HOUR_S), better="lower"),
    Metric("callback_attempts", "callback attempts", "count",
           "outbound attempts to return callbacks", _IDR, S("callback_attempts"), whole=True),
    # -------------------------------------------------------------- cost lines, per agent-day
    Metric("call_centre_cost", "call centre cost", "money",
           "the call centre's bill: agent + supervisor + seat + hiring + fee cost", _DPR,
           Priced("call_centre_cost"), better="lower"),
    Metric("other_cost", "other cost (cost lines)", "money",
           "the cost lines of the scenario (costs.lines)", _DPR, Priced("other_cost"),
           better="lower"),
    Metric("attempts_index", "tracing attempts to index cases", "count",
           "tracing attempts to index cases", _DPR, S("index_attempts"), whole=True),
    Metric("attempts_contact", "tracing attempts to contacts", "count",
           "tracing attempts to contacts", _DPR, S("contact_attempts"), whole=True),
    Metric("persons_called", "persons called", "count",
           "distinct persons attempted that day (periods: the sum of the daily counts)", _DPR,
           S("persons_called"), whole=True),
    Metric("agents_present_mean", "agents present, mean over the days", "agents",
           "agents present averaged over the days", _PR,
           Ratio(S("agent_days_paid"), S("days"))),
    Metric("billed_fte_mean", "billed FTE, mean over the days", "fte",
           "billed FTE averaged over the days", _PR, Ratio(S("billed_fte"), S("days"))),
    *(Metric(f"{what}_per_{per}", f"{words} per {per_words}", "per_agent_day",
             f"{words} / {per_words}s", levels, Ratio(Of(what), S(sums)), better="higher")
      for what, words, levels in (("attempts", "attempts", _PR),
                                  ("handled_calls", "handled calls", _RUN))
      for per, sums, per_words in (("present_agent_day", "agent_days_paid", "agent-day present"),
                                   ("billed_fte_day", "billed_fte", "billed FTE-day"))),
    # -------------------------------------------------------------- the tables' own columns
    Metric("agents_paid", "agents paid", "agents",
           "mean number of agents paid during the interval", frozenset({"interval"}),
           Ratio(S("paid_s"), S("span_s"))),
    Metric("agents_busy", "agents busy", "agents",
           "mean number of agents busy during the interval", frozenset({"interval"}),
           Ratio(S(*_BUSY_S), S("span_s"))),
    Metric("backlog", "backlog (open outbound tasks)", "count",
           "open outbound tasks at the end of the day or interval",
           frozenset({"interval", "day"}), None, better="lower", whole=True),
    Metric("expected_cases", "expected confirmed cases", "count",
           "expected confirmed cases of the epidemic curve", frozenset({"day"}), None),
    Metric("cases", "confirmed cases", "count", "confirmed cases drawn (before share_traced)",
           frozenset({"day"}), None, whole=True),
    Metric("index_released", "index cases released", "count",
           "index cases released to the call centre that day", frozenset({"day"}),
           Of("index_cases"), whole=True),
    Metric("contacts_created", "contacts named", "count", "contacts named that day",
           frozenset({"day"}), Of("contacts"), whole=True),
    Metric("headcount", "agents on the roster", "count", "agents on the roster that day",
           frozenset({"day"}), None, whole=True),
    Metric("agents_present", "agents present", "count", "rostered agents not absent that day",
           frozenset({"day"}), Of("agent_days_paid"), whole=True),
    Metric("cost", "total cost", "money", "total cost of the day", frozenset({"day"}),
           Of("total_cost"), better="lower"),
    Metric("billed_fte", "billed FTE", "fte", "paid hours x 7 / agents.contract_hours_per_week",
           frozenset({"day"}), Of("billed_fte_mean")),
    Metric("days", "simulated days", "count", "simulated days in the period",
           frozenset({"period"}), S("days"), whole=True),
    # -------------------------------------------------------------- the idle attribution
    Metric("unavoidable_idle_hours", "unavoidable idle agent-hours (the bound's)", "h",
           "the bound's idle hours (same seeds and service target)", _RUN, None,
           better="lower", origin="attribution"),
    Metric("avoidable_idle_hours", "avoidable idle agent-hours (above the bound's)", "h",
           "idle - unavoidable idle, per replication", _RUN, None, ci="mean", better="lower",
           origin="attribution"),
    Metric("avoidable_idle_cost", "avoidable idle cost (at the agent rate)", "money",
           "avoidable idle hours at the agent rate", _RUN, None, ci="mean", better="lower",
           origin="attribution"),
    Metric("oracle_paid_hours", "the bound's paid agent-hours", "h",
           "the bound's paid hours (same seeds)", _RUN, None, origin="attribution"),
    Metric("oracle_total_cost", "the bound's total cost", "money",
           "the bound's total cost (same seeds)", _RUN, None, origin="attribution"),
]

CATALOGUE: dict[str, Metric] = {entry.name: entry for entry in _ENTRIES}
"""Every metric by name; the order is the summary's."""

TABLE_ORDER: dict[str, tuple[str, ...]] = {
    "interval": (
        "interval_start", "t_s", "day",
        "paid_hours", "talk_hours", "wrap_hours", "failed_attempt_hours", "idle_hours",
        "break_hours", "onboarding_hours", "not_logged_in_hours", "busy_hours", "agents_paid",
        "agents_busy", "inbound_offered", "inbound_answered", "inbound_abandoned",
        "inbound_answered_within_target", "attempts", "index_reached", "contacts_reached",
        "inbound_service_level", "inbound_asa_s", "backlog", "pool_paid_hours", "idle_share",
        "occupancy", "utilisation", "inbound_waiting_at_end", "inbound_callback",
        "inbound_abandon_share", "callbacks_offered", "callback_attempts", "callbacks_reached",
        "handled_calls"),
    "day": (
        "day", "date", "expected_cases", "cases", "index_released", "contacts_created",
        "index_reached", "contacts_reached", "index_reached_within_deadline_share",
        "contacts_reached_within_deadline_share", "backlog", "attempts", "handled_calls",
        "inbound_offered", "inbound_answered", "inbound_abandoned",
        "inbound_answered_within_target", "inbound_service_level", "inbound_abandon_share",
        "headcount", "agents_present", "paid_hours", "talk_hours", "wrap_hours",
        "failed_attempt_hours", "idle_hours", "break_hours", "onboarding_hours",
        "not_logged_in_hours", "busy_hours", "idle_share", "occupancy", "utilisation",
        "pool_paid_hours", "hires", "agent_cost", "supervisor_cost", "seat_cost", "hiring_cost",
        "fee_cost", "cost", "cost_per_handled_call", "inbound_waiting_at_end",
        "inbound_callback", "inbound_service_level_answered", "inbound_asa_s",
        "callbacks_offered", "callbacks_accepted", "callback_attempts", "callbacks_reached",
        "callbacks_reached_within_deadline_share", "idle_cost", "onboarding_cost",
        "call_centre_cost", "other_cost", "attempts_index", "attempts_contact",
        "persons_called", "billed_fte"),
    "period": (
        "days", "attempts", "attempts_index", "attempts_contact", "persons_called",
        "handled_calls", "paid_hours", "busy_hours", "idle_hours", "not_logged_in_hours",
        "idle_share", "occupancy", "agents_present_mean", "billed_fte_mean",
        "attempts_per_present_agent_day", "attempts_per_billed_fte_day", "call_centre_cost",
        "other_cost", "total_cost"),
}
"""The order of the columns the tables had before the catalogue (and their key columns).

A table's columns are these, then every other metric of its level in catalogue
order (:func:`columns_at`). The run level's order is the catalogue's."""


def metric(name: str) -> Metric:
    """Return the catalogue entry of a metric.

    Raises
    ------
    KeyError
        Naming the metric and the closest names in the catalogue.
    """
    try:
        return CATALOGUE[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(CATALOGUE), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"{name!r} is not a metric of the catalogue{hint}") from None


def metrics_at(level: str, origin: str | None = "run") -> list[Metric]:
    """Return the metrics reported at ``level``, in catalogue order.

    Parameters
    ----------
    level
        One of :data:`LEVELS`.
    origin
        Only those of this origin (None: all).
    """
    return [m for m in CATALOGUE.values()
            if level in m.levels and (origin is None or m.origin == origin)]


def columns_at(level: str) -> tuple[str, ...]:
    """Return the columns of the table of ``level``: :data:`TABLE_ORDER`, then the rest."""
    first = TABLE_ORDER.get(level, ())
    return first + tuple(m.name for m in metrics_at(level) if m.name not in first)


def figures(sums: Mapping[str, Any], scenario: Any,
            names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Compute every figure the sums allow (or the ``names`` given), by its catalogue entry.

    Parameters
    ----------
    sums
        Additive sums of one grouping (interval, day, period, run), name to
        scalar or array, all the same shape.
    scenario
        For the prices.
    names
        The figures wanted; default: every derived metric whose inputs are in ``sums``.

    Returns
    -------
    dict
        Figure name to float array; ratios with a zero denominator are NaN.
    """
    context = Context({name: np.asarray(values, dtype=float) for name, values in sums.items()},
                      scenario)
    if names is None:
        present = set(context.sums)
        names = [m.name for m in CATALOGUE.values()
                 if m.derive is not None and m.derive.needs() <= present]
    return {name: context.figure(name) for name in names}


def label_context(currency: str = "", deadline: str = "the deadline",
                  contact_deadline: str | None = None, target: str = "the target") -> dict:
    """Return the placeholders of the labels: currency, deadlines, inbound target."""
    return {"currency": currency, "deadline": deadline,
            "contact_deadline": contact_deadline or deadline, "target": target}


# --------------------------------------------------------------------------- numbers

NAN_TEXT = "n/a"
"""How a value that is not defined (NaN, None) is written, everywhere."""


def format_value(value: Any, unit: str, currency: str = "", signed: bool = False,
                 with_unit: bool = True) -> str:
    """Write a value of a unit for people: ``25.0 %``, ``1,234 h``, ``41.63 EUR``.

    Parameters
    ----------
    value
        The number (NaN or None: :data:`NAN_TEXT`).
    unit
        A key of :data:`UNITS`.
    currency
        Written after money.
    signed
        Write ``+`` before positive values (a difference); zero is ``0``.
    with_unit
        Append the unit (``%``, ``h``, ``s``, the currency).

    Returns
    -------
    str
        Shares in percent with one decimal; money with two decimals below
        1,000 and none above; hours, agents and counts with one decimal below
        100 (none for whole counts) and none above; seconds with one decimal.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return NAN_TEXT
    if not math.isfinite(v):
        return NAN_TEXT
    sign = "+" if signed else ""
    digits, scale, suffix = _style(unit, v, currency)
    text = f"{v * scale:{sign},.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"  # no "-0.0", no "+0"
    return text + (suffix if with_unit else "")


def _style(unit: str, v: float, currency: str) -> tuple[int, float, str]:
    """Decimals, scale and suffix of a value of ``unit``."""
    if unit == "share":
        return 1, 100.0, " %"
    if unit == "money":
        return (0 if abs(v) >= 1000 else 2), 1.0, f" {currency}" if currency else ""
    if unit == "s":
        return 1, 1.0, " s"
    if unit == "count" and v == round(v):
        return 0, 1.0, ""
    return (0 if abs(v) >= 100 else 1), 1.0, " h" if unit == "h" else ""


def ci_method(name: str) -> str:
    """Return how the confidence interval of ``name`` is computed (a key of :data:`CI_METHODS`).

    A name outside the catalogue (a column a user added) gets the plain Student t.
    """
    entry = CATALOGUE.get(name)
    return entry.ci if entry is not None else "mean"


def direction(name: str) -> str | None:
    """Return ``"higher"`` or ``"lower"`` (which is better) for a metric, None for a volume."""
    return metric(name).better


__all__ = ["CATALOGUE", "CI_METHODS", "LEVELS", "NAN_TEXT", "TABLE_ORDER", "UNITS", "Context",
           "Expr", "Metric", "Of", "Priced", "Ratio", "S", "Sum", "Unit", "ci_method",
           "columns_at", "direction", "figures", "format_value", "label_context", "metric",
           "metrics_at", "ratio"]
