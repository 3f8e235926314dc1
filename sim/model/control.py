"""The centre's control loops, as named simpy processes.

Low-frequency control runs as generator processes, one per loop. Calendar
changes wake ``FIRST`` and observations ``LAST`` among the events of their
instant (:mod:`sim.model.events`):

* :func:`day_calendar`: each day at 00:00 fixes the day's headcount on the
  roster, schedules the present agents' shifts, generates the day's inbound
  calls; opens and closes the centre at its opening hours.
* :func:`staffing_reviews`: an adaptive policy's daily review at
  ``staffing.review_time``, with what a planner could know then.
* :func:`intraday_checks`: a policy's decisions within the day (a pool's
  call-in), every ``policy.intraday_every_s`` during opening hours.
* :func:`interval_ticks`: the inbound reserve of each reporting interval,
  when the policy staffs inbound interval by interval.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import simpy

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan, split_headcount
from sim.model.centre import CallCentre
from sim.model.draws import Streams
from sim.model.events import FIRST, LAST, At, Due, after
from sim.model.policy import CallIn, IntradayObservation, Observation, Roster, StaffingPolicy

Process = Generator[simpy.Event, object, None]


class ShiftStart(NamedTuple):
    """Payload of a shift start: the agents present on one shift template today."""

    template: int
    agents: tuple[int, ...]


class CalledIn(NamedTuple):
    """Payload of on-call agents' arrival: the agents and when they are released."""

    agents: tuple[int, ...]
    end_s: float


@dataclass
class StaffingLog:
    """Headcount on the roster, agents present and hires, per day."""

    headcount: np.ndarray
    present: np.ndarray
    hires: np.ndarray

    @classmethod
    def empty(cls, n_days: int) -> StaffingLog:
        """All zeros for ``n_days`` days."""
        return cls(*(np.zeros(n_days, dtype=np.int64) for _ in range(3)))


class Control:
    """The staffing side of a run: policy, roster and the handlers they schedule.

    Parameters
    ----------
    centre
        The call centre.
    policy, roster
        The staffing policy and the roster that applies its requests.
    rng
        The replication's streams (absences).
    """

    def __init__(self, centre: CallCentre, policy: StaffingPolicy, roster: Roster,
                 rng: Streams) -> None:
        self.centre = centre
        self.plan: Plan = centre.plan
        self.policy = policy
        self.roster = roster
        self.rng = rng
        self.log = StaffingLog.empty(self.plan.n_days)
        self.shares = np.array([shift.share for shift in self.plan.shifts])
        self.on_call_pending = 0
        self.pool_day: dict[int, int] = {}
        centre.agents.add_on_call(policy.on_call_agents)

    # ------------------------------------------------------------------ roster
    def fix_roster(self, day: int) -> None:
        """Fix the day's headcount and schedule the present agents' shifts.

        Absent agents (``agents.absenteeism``) do not come; if absence is paid
        their shift is paid, not logged in. Of the agents present, each is
        not logged in for the whole shift with ``agents.not_logged_in_share``:
        paid, never available. Both use the values in force that day.
        """
        plan = self.plan
        agents = self.centre.agents
        count = self.roster.fix(day)
        previous = int(self.log.headcount[day - 1]) if day > 0 else count
        self.log.headcount[day] = count
        roster = agents.roster(count)
        if count > previous:
            self.log.hires[day] = count - previous
            if plan.scenario.agents.onboarding > 0:
                agents.start_onboarding(roster[previous:count], plan.scenario.agents.onboarding)
        behaviour = plan.regimes[int(plan.regime_of_day[day])].agents
        # slot k's absence on day d is the k-th draw of that day's stream, whatever
        # the headcount (common random numbers across policies)
        absent = self.rng(f"absence-{day}").random(count) < behaviour.absenteeism.share
        away = (self.rng(f"not-logged-in-{day}").random(count) < behaviour.not_logged_in_share
                if behaviour.not_logged_in_share > 0 else np.zeros(count, dtype=bool))
        self.log.present[day] += int(count - absent.sum())
        day_s = day * DAY_S
        for template, slots in self._template_slots(day, count):
            shift = plan.shifts[template]
            start_s, end_s = day_s + shift.start_s, day_s + shift.start_s + shift.length_s
            paid_absent = behaviour.absenteeism.paid
            paid_away = [roster[k] for k in slots
                         if (absent[k] and paid_absent) or (away[k] and not absent[k])]
            agents.paid_not_logged_in(paid_away, start_s, end_s)
            present = tuple(roster[k] for k in slots if not absent[k] and not away[k])
            if present:
                after(self.centre.env, shift.start_s, self.on_shift_start,
                      ShiftStart(template, present))

    def _template_slots(self, day: int, count: int) -> list[tuple[int, range]]:
        """Roster slots of each template running on ``day`` (consecutive slots per template)."""
        split = self.policy.template_headcount(day, count)
        on_day = self.plan.template_on_day[day]
        if split is None or int(np.sum(split)) != count:
            split = np.zeros(on_day.size, dtype=np.int64)
            split[on_day] = split_headcount(count, self.shares[on_day])
        out, first = [], 0
        for template, n_agents in enumerate(np.asarray(split, dtype=np.int64).tolist()):
            out.append((template, range(first, first + n_agents)))
            first += n_agents
        return out

    def on_shift_start(self, event: Due[ShiftStart]) -> None:
        """Handle the start of a rostered agent's shift."""
        start = event.value
        template = self.plan.shifts[start.template]
        now_s = self.centre.env.now
        self.centre.agents.begin_shift(start.agents, now_s + template.length_s,
                                       template.breaks_s)

    # ------------------------------------------------------------------ reviews
    def review(self, day: int) -> None:
        """Run the policy's daily review, with the realised past only."""
        centre = self.centre
        now_s = centre.env.now
        offered = centre.inbound_calls.offered_per_day[: day + 1].copy()
        offered[day] = centre.today_arrived
        wanted = self.policy.review(Observation(
            day=day,
            now_s=now_s,
            n_days=self.plan.n_days,
            released_per_day=_read_only(_released_so_far(centre.cases.release_s, now_s, day)),
            inbound_offered_per_day=_read_only(offered),
            backlog=centre.people.open_tasks,
            planned_headcount=self.roster.observation_headcount(day),
        ))
        if wanted:
            self.roster.request(now_s, wanted)

    # ------------------------------------------------------------------ intraday
    def check_intraday(self, close_s: float) -> None:
        """Ask the policy whether to call agents in, and schedule their arrival."""
        centre = self.centre
        now_s = centre.env.now
        agents = centre.agents
        decision = self.policy.intraday(IntradayObservation(
            now_s=now_s, queued_outbound=centre.queued_outbound(),
            queued_inbound=len(centre.inbound_queue), agents_on_duty=agents.n_on_duty,
            pool_pending=self.on_call_pending, pool_available=len(agents.on_call_free),
            close_s=close_s))
        if decision is not None:
            self.call_in(decision)

    def call_in(self, decision: CallIn) -> None:
        """Call in on-call agents: they arrive at ``start_s`` and stay until ``end_s``."""
        agents, env = self.centre.agents, self.centre.env
        count = min(decision.count, len(agents.on_call_free))
        if count <= 0:
            return
        self.on_call_pending += count
        called = tuple(agents.on_call_free.popleft() for _ in range(count))
        day = min(int(env.now // DAY_S), self.plan.n_days - 1)
        for agent in called:  # pool agents count as present on each day they come
            if self.pool_day.get(agent) != day:
                self.pool_day[agent] = day
                self.log.present[day] += 1
        after(env, max(0.0, decision.start_s - env.now), self.on_called_in,
              CalledIn(called, decision.end_s))

    def on_called_in(self, event: Due[CalledIn]) -> None:
        """Handle called-in agents arriving for a block without breaks."""
        called = event.value
        self.on_call_pending -= len(called.agents)
        self.centre.agents.begin_shift(called.agents, called.end_s, ())


def _read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


def _released_so_far(release_s: np.ndarray, now_s: float, day: int) -> np.ndarray:
    """Index cases released per day up to ``now_s``, days ``0 .. day``."""
    past = release_s[: np.searchsorted(release_s, now_s, side="right")]
    return np.bincount((past // DAY_S).astype(np.int64), minlength=day + 1)[: day + 1]


# ---------------------------------------------------------------------- processes
def day_calendar(env: simpy.Environment, control: Control) -> Process:
    """Each day: roster and inbound calls at 00:00, then open and close the centre."""
    plan, centre = control.plan, control.centre
    for day in range(plan.n_days):
        control.fix_roster(day)
        centre.open_day_of_calls(day)
        if not np.isnan(plan.open_s[day]):
            yield At(env, float(plan.open_s[day]), FIRST)
            centre.is_open = True
            centre.dispatch_idle(env.now)
            yield At(env, float(plan.close_s[day]), FIRST)
            centre.is_open = False
        yield At(env, (day + 1) * DAY_S, FIRST)


def staffing_reviews(env: simpy.Environment, control: Control) -> Process:
    """Review an adaptive policy once a day at ``staffing.review_time``."""
    review_time_s = control.plan.scenario.staffing.review_time
    for day in range(control.plan.n_days):
        yield At(env, day * DAY_S + review_time_s, LAST)
        control.review(day)


def intraday_checks(env: simpy.Environment, control: Control, every_s: float) -> Process:
    """Ask for the policy's intraday decision every ``every_s`` seconds of opening hours."""
    plan = control.plan
    for day in range(plan.n_days):
        if np.isnan(plan.open_s[day]):
            continue
        close_s = float(plan.close_s[day])
        for check_s in np.arange(float(plan.open_s[day]), close_s, every_s).tolist():
            yield At(env, check_s, LAST)
            control.check_intraday(close_s)


def interval_ticks(env: simpy.Environment, centre: CallCentre, reserve: np.ndarray) -> Process:
    """Set the inbound reserve at the start of every reporting interval.

    ``reserve`` is the policy's table, read when each interval starts (an
    adaptive policy updates it at its reviews).
    """
    plan = centre.plan
    centre.reserve = int(reserve[0])
    for k in range(1, plan.n_intervals):
        yield At(env, k * plan.interval_s, FIRST)
        centre.reserve = int(reserve[k])
        if centre.is_open and centre.agents.n_idle:
            centre.dispatch_idle(env.now)
