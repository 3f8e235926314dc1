"""One test per model rule, each driving the engine's parts directly on a tiny scenario.

The call centre is built on a fresh simpy environment (``sim.model.build``)
from a scenario with no demand of its own; each test puts the work and the
agents it needs in place, runs the environment to a chosen time and reads the
records. Times are seconds since the start of the run (00:00 of day 0).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.inputs.compile import compile_plan
from sim.model import build
from sim.model.agents import BREAK, BUSY, IDLE, OFF
from sim.model.draws import Streams, TaskDraws
from sim.model.people import EXPIRED, OPEN, REACHED
from sim.model.policy import CallIn
from sim.model.queues import DISPATCH_ORDER, WaitingCall, task_key
from sim.model.recorder import CALLBACK, CONTACT, INBOUND, INDEX, Recorder
from sim.staffing import make_policy
from tests.scenarios_for_tests import make

HOUR = 3600.0
OPEN_AT = 8 * HOUR

QUIET = {
    # no demand of its own and nobody rostered: each test adds what it needs
    "epidemic.baseline_per_day": 0, "epidemic.waves": [], "staffing.headcount": 0,
    "inbound.base_per_day": 0, "inbound.calls_per_case": 0, "agents.absenteeism": 0.0,
    "calendar.days": 1,
}


class Model:
    """A built model: its environment, call centre, workforce and control."""

    def __init__(self, **changes) -> None:
        self.plan = compile_plan(make(**{**QUIET, **changes}))
        self.env = simpy.Environment()
        sc = self.plan.scenario
        self.rec = Recorder(self.plan.interval_s, self.plan.n_intervals,
                            sc.inbound.answer_within, keep_calls=True)
        self.control = build(self.env, self.plan, Streams(1, 0), self.rec,
                             make_policy(self.plan, Streams(1, 0)("forecast")))
        self.centre = self.control.centre
        self.agents = self.centre.agents
        for kind in (INDEX, CONTACT):
            self.draws(kind)

    def draws(self, kind: int, rows: int = 10, reached: bool = True, handle_s: float = 600.0,
              failed_s: float = 60.0) -> None:
        """Give tasks of ``kind`` known inputs: every attempt reached (or not)."""
        work = list(self.centre.work)
        terms = work[kind].terms[0]
        attempts = terms.draws.max_attempts
        draws = TaskDraws(attempts, [reached] * (rows * attempts), [failed_s] * (rows * attempts),
                          [handle_s] * rows, [0.0] * rows)
        work[kind] = replace(work[kind], terms=(replace(terms, draws=draws),))
        self.centre.work = tuple(work)

    def run(self, until_s: float) -> None:
        """Process every event up to and including ``until_s``."""
        self.env.run(until=until_s)
        while self.env.peek() <= until_s:
            self.env.step()

    def on_duty(self, count: int, end_s: float = 20 * HOUR,
                breaks_s: tuple = ()) -> list[int]:
        """Put ``count`` extra rostered agents on shift now (they go idle or take work)."""
        first = len(self.agents.roster_ids)
        agents = self.agents.roster(first + count)[first:]
        self.agents.begin_shift(tuple(agents), end_s, breaks_s)
        return agents

    def inbound_call(self, handle_s: float = 300.0, patience_s: float = 3600.0,
                     redials: bool = False, accepts_callback: bool = False) -> None:
        now_s = self.env.now
        call = WaitingCall(now_s, handle_s, 0.0, redials, accepts_callback)
        self.centre._offer_call(now_s, call, patience_s)

    def task(self, kind: int = INDEX, row: int = 0) -> int:
        return self.centre._new_task(kind, self.env.now, -1, row)

    def calls(self) -> pd.DataFrame:
        self.rec.flush()
        table = self.rec.calls_table()
        assert table is not None
        return table

    def segments(self) -> pd.DataFrame:
        """Recorded spans of idle, break, onboarding and paid time (before folding)."""
        return self.rec.buffered_segments()


def opened(**changes) -> Model:
    model = Model(**changes)
    model.run(OPEN_AT)
    assert model.centre.is_open
    return model


def test_dispatch_order_reads_inbound_first_then_outbound():
    assert [rule.outbound for rule in DISPATCH_ORDER] == [False, True]
    model = Model()
    assert list(model.centre.queues) == ["inbound", "tracing", "callbacks"]
    assert [queue.name for queue in model.centre.queues.values()] == list(model.centre.queues)
    assert [kind.name for kind in model.centre.work] == ["inbound", "index", "contact", "callback"]
    assert [kind.code for kind in model.centre.work] == [INBOUND, INDEX, CONTACT, CALLBACK]
    assert not DISPATCH_ORDER[0].opening_hours_only
    assert DISPATCH_ORDER[1].opening_hours_only and DISPATCH_ORDER[1].above_inbound_reserve


def test_inbound_before_outbound():
    model = opened(**{"tracing.index.reach_probability": 1.0})
    [agent] = model.on_duty(1)
    model.inbound_call(handle_s=600)          # answered at once
    assert model.agents.state[agent] == BUSY
    task = model.task()                       # an outbound task and a caller wait
    model.inbound_call(handle_s=60)
    model.run(OPEN_AT + 601)
    calls = model.calls()
    assert calls["kind"].astype(str).tolist() == ["inbound", "inbound"]
    assert calls["start_s"].iloc[1] == pytest.approx(OPEN_AT + 600)
    assert model.centre.people.attempts[task] == 0
    model.run(OPEN_AT + 662)                  # then the task
    assert model.centre.people.attempts[task] == 1


@pytest.mark.parametrize("reserve", [0, 1, 2, 3])
def test_inbound_reserve_keeps_agents_for_inbound(reserve):
    model = opened(**{"inbound.reserve_agents": reserve})
    model.on_duty(3)
    assert model.agents.n_idle == 3
    tasks = [model.task() for _ in range(5)]
    model.centre.dispatch_idle(model.env.now)
    dialled = sum(model.centre.people.attempts[t] for t in tasks)
    assert dialled == max(0, 3 - reserve)
    assert model.agents.n_idle == min(3, reserve)


def test_inbound_calls_on_hand_count_towards_the_reserve():
    model = opened(**{"inbound.reserve_agents": 1})
    model.on_duty(2)
    model.inbound_call(handle_s=3600)         # one agent on inbound: the reserve is met
    task = model.task()
    model.centre.dispatch_idle(model.env.now)
    assert model.centre.people.attempts[task] == 1


def test_outbound_by_priority_then_earliest_deadline():
    # contacts (priority 1) wait behind index cases (priority 0) whatever their deadline;
    # within a priority the earliest deadline goes first
    model = opened(**{"tracing.index.within": "24h", "tracing.contact.within": "1h",
                      "tracing.index.priority": 0, "tracing.contact.priority": 1})
    for kind in (INDEX, CONTACT):
        model.draws(kind, reached=False)
    contact = model.task(CONTACT, 0)
    late_index = model.task(INDEX, 0)
    model.run(OPEN_AT + 60)
    early_index = model.centre._new_task(INDEX, model.env.now - 2 * HOUR, -1, 1)
    [agent] = model.on_duty(1)
    model.run(OPEN_AT + 2 * HOUR)
    order = model.calls()["ref"].tolist()[:3]
    assert order == [early_index, late_index, contact]


def test_callbacks_and_tracing_share_the_priority_order():
    model = opened(**{"inbound.callback": {"enabled": True, "priority": 0},
                      "tracing.index.priority": 1, "tracing.contact.priority": 2})
    index = model.task(INDEX, 0)
    row = model.centre.callbacks.add(120.0, 0.0)
    callback = model.centre._new_task(CALLBACK, model.env.now, -1, row)
    model.on_duty(1)
    first = model.calls()["ref"].tolist()[0]
    assert first == callback and model.centre.people.attempts[index] == 0


def test_redial_after_abandonment_and_not_outside_opening_hours():
    model = opened(**{"inbound.redial_after": "10min"})
    model.inbound_call(patience_s=30, redials=True)     # nobody on duty: abandons at +30 s
    model.run(OPEN_AT + 31)
    calls = model.calls()
    assert calls["outcome"].astype(str).tolist() == ["abandoned"]
    assert model.centre.n_inbound == 1
    model.run(OPEN_AT + 31 + 10 * 60 * 20)              # the redial (exponential gap) came
    assert model.centre.n_inbound >= 2
    closed = opened(**{"inbound.redial_after": "10min"})
    closed.inbound_call(patience_s=30, redials=True)
    closed.run(OPEN_AT + 31)
    closed.centre.is_open = False                       # the redial falls after closing
    closed.run(OPEN_AT + 31 + 10 * 60 * 20)
    assert closed.centre.n_inbound == 1


def test_give_up_expiry_closes_old_tasks_without_an_attempt():
    model = opened(**{"tracing.give_up_after": "1h"})
    stale = model.centre._new_task(INDEX, model.env.now - 2 * HOUR, -1, 0)
    fresh = model.task(INDEX, 1)
    model.on_duty(1)
    people = model.centre.people
    assert people.status[stale] == EXPIRED and people.attempts[stale] == 0
    assert people.closed_s[stale] == pytest.approx(OPEN_AT)
    assert people.attempts[fresh] == 1


def test_a_call_past_the_shift_end_is_finished_and_paid():
    model = opened()
    [agent] = model.on_duty(1, end_s=OPEN_AT + HOUR)
    model.run(OPEN_AT + 0.9 * HOUR)
    model.inbound_call(handle_s=0.5 * HOUR)
    model.run(OPEN_AT + 1.2 * HOUR)
    assert model.agents.state[agent] == BUSY          # still on the call after the shift end
    model.run(OPEN_AT + 1.5 * HOUR)
    assert model.agents.state[agent] == OFF
    paid = model.segments().query("kind == 'paid'")
    assert paid["end_s"].tolist() == [pytest.approx(OPEN_AT + 1.4 * HOUR)]
    assert paid["start_s"].tolist() == [pytest.approx(OPEN_AT)]


def test_a_break_due_during_a_call_starts_when_the_call_ends():
    model = opened()
    [agent] = model.on_duty(1, end_s=OPEN_AT + 4 * HOUR, breaks_s=((HOUR, 900.0),))
    model.run(OPEN_AT + 0.9 * HOUR)
    model.inbound_call(handle_s=0.3 * HOUR)           # 0.9 h .. 1.2 h: the break is due at 1 h
    model.run(OPEN_AT + 1.25 * HOUR)
    assert model.agents.state[agent] == BREAK
    model.run(OPEN_AT + 1.5 * HOUR)
    assert model.agents.state[agent] == IDLE
    breaks = model.segments().query("kind == 'break'")
    assert breaks["start_s"].tolist() == [pytest.approx(OPEN_AT + 1.2 * HOUR)]
    assert breaks["end_s"].tolist() == [pytest.approx(OPEN_AT + 1.2 * HOUR + 900)]


def test_an_idle_agent_takes_its_break_on_time():
    model = opened()
    [agent] = model.on_duty(1, end_s=OPEN_AT + 4 * HOUR, breaks_s=((HOUR, 900.0),))
    model.run(OPEN_AT + HOUR + 1)
    assert model.agents.state[agent] == BREAK
    model.run(OPEN_AT + 2 * HOUR)
    breaks = model.segments().query("kind == 'break'")
    assert breaks["start_s"].tolist() == [pytest.approx(OPEN_AT + HOUR)]


POOL = {"staffing": {"policy": "pool", "core_headcount": 0, "pool_size": 5,
                     "call_in_delay": "30min", "call_in_block": "2h",
                     "call_in_threshold": "10min", "check_every": "30min"}}


def test_pool_call_in_pays_only_the_block_and_returns_the_agents():
    model = opened(**POOL)
    assert len(model.agents.on_call_free) == 5
    start_s, end_s = OPEN_AT + HOUR, OPEN_AT + 3 * HOUR
    model.control.call_in(CallIn(count=3, start_s=start_s, end_s=end_s))
    assert len(model.agents.on_call_free) == 2 and model.control.on_call_pending == 3
    model.run(start_s + 1)
    assert model.agents.n_on_duty == 3 and model.control.on_call_pending == 0
    model.run(end_s + 1)
    segments = model.segments()
    pool = segments.query("kind == 'pool_paid'")
    assert len(pool) == 3
    np.testing.assert_allclose(pool["start_s"], start_s)
    np.testing.assert_allclose(pool["end_s"], end_s)
    assert len(model.agents.on_call_free) == 5


def test_pool_is_called_in_when_work_queues_up():
    model = opened(**POOL)
    for row in range(40):                       # 40 tasks, nobody on duty
        model.task(INDEX, row)
    model.run(OPEN_AT + 31 * 60)                # the 08:30 check
    called = 5 - len(model.agents.on_call_free)
    assert called > 0
    model.run(OPEN_AT + 62 * 60)                # they arrive 30 min later and dial
    assert model.agents.n_on_duty == called
    assert sum(model.centre.people.attempts) > 0


CALLBACKS = {"inbound.callback": {"enabled": True, "offer_after": "1min",
                                  "accept_probability": 1.0, "reach_probability": 1.0,
                                  "within": "2h", "priority": 0}}


def test_a_waiting_caller_who_accepts_a_callback_becomes_an_outbound_task():
    model = opened(**CALLBACKS)
    model.inbound_call(handle_s=240.0, patience_s=600.0, accepts_callback=True)
    model.run(OPEN_AT + 61)
    calls = model.calls()
    assert calls["outcome"].astype(str).tolist() == ["callback"]
    people = model.centre.people
    [callback] = [p for p, k in enumerate(people.kind) if k == CALLBACK]
    assert people.status[callback] == OPEN
    assert people.due_s[callback] == pytest.approx(OPEN_AT + 60 + 2 * HOUR)
    model.run(OPEN_AT + 700)                    # past the patience: no abandonment
    assert "abandoned" not in model.calls()["outcome"].astype(str).tolist()
    model.on_duty(1)                            # an agent calls back, with the caller's call
    model.run(OPEN_AT + 1000)
    calls = model.calls()
    back = calls[calls["kind"].astype(str) == "callback"]
    assert back["outcome"].astype(str).tolist() == ["reached"]
    assert (back["talk_end_s"] - back["start_s"]).tolist() == [pytest.approx(240.0)]
    assert people.status[callback] == REACHED


def test_a_caller_who_declines_keeps_waiting_and_offers_are_counted():
    model = opened(**{**CALLBACKS, "inbound.callback.accept_probability": 0.0})
    model.inbound_call(patience_s=600.0, accepts_callback=False)
    model.run(OPEN_AT + 120)
    assert len(model.centre.inbound_queue) == 1
    model.rec.flush()
    assert model.rec.intervals["callbacks_offered"].sum() == 1
    assert model.rec.intervals["inbound_callback"].sum() == 0


def test_callbacks_in_a_whole_run_conserve_calls_and_count_as_handled():
    from sim.analysis.metrics import replication_metrics
    from sim.experiments.replications import simulate_once as simulate
    from tests.test_engine import check_identities

    scenario = make(**{"staffing.headcount": 3, "inbound.calls_per_case": 2,
                       "inbound.callback": {"enabled": True, "offer_after": "30s",
                                            "accept_probability": 0.6}})
    plan = compile_plan(scenario)
    raw = simulate(plan, 3, 0)
    check_identities(plan, raw)
    m = replication_metrics(plan, raw)
    assert m["callbacks_accepted"] > 0 and m["callbacks_reached"] > 0
    assert m["handled_calls"] == (m["inbound_answered"] + m["index_reached"]
                                  + m["contacts_reached"] + m["callbacks_reached"])
    assert m["callbacks_accepted"] == (m["callbacks_reached"] + m["callbacks_unreachable"]
                                       + m["callbacks_open"] + m["callbacks_expired"])


def test_turning_callbacks_on_changes_no_other_random_input():
    from sim.experiments.replications import simulate_once as simulate

    off = simulate(compile_plan(make()), 4, 0)
    on = simulate(compile_plan(make(**{"inbound.callback": {"enabled": True,
                                                            "accept_probability": 0.0}})), 4, 0)
    # nobody accepts: the same run, offers aside
    for name, values in off.intervals.items():
        if name != "callbacks_offered":
            np.testing.assert_array_equal(values, on.intervals[name], err_msg=name)
    assert on.intervals["callbacks_offered"].sum() > 0
    assert INBOUND == 0  # kinds are codes of the recorder


@given(st.lists(st.tuples(st.integers(-5, 5),
                          st.floats(allow_nan=False, width=64) | st.sampled_from([0.0, -0.0, 1.0]),
                          st.integers(0, 2**40 - 1)), min_size=2, max_size=30))
@settings(max_examples=300, deadline=None)
def test_task_key_orders_as_the_tuple(tasks):
    """The task queue's integer keys order as (priority, due_s, person), -0.0 as 0.0."""
    assert [task_key(*t) for t in sorted(tasks)] == sorted(task_key(*t) for t in tasks)
    for a, b in zip(tasks, tasks[1:], strict=False):
        assert (a < b) == (task_key(*a) < task_key(*b))
        assert (a == b) == (task_key(*a) == task_key(*b))
