"""The model: one replication of a compiled plan as a simpy model.

simpy's :class:`~simpy.core.Environment` is the event calendar. Per-call
events are callbacks (:class:`~sim.model.events.Due`) handled by named
methods of the :class:`~sim.model.centre.CallCentre`, the agents'
:class:`~sim.model.agents.Workforce` and the staffing
:class:`~sim.model.control.Control`; the control loops (day calendar, staffing
reviews, intraday checks, interval ticks) are named simpy processes
(:mod:`sim.model.control`). Work waits in queues behind one small protocol
(:mod:`sim.model.queues`), dispatched by an ordered list of rules. Records go
to the columnar :class:`~sim.model.recorder.Recorder`. The staffing policy is
given to the engine (:mod:`sim.model.policy` defines what it is asked); the
engine imports no policy.

Modules, each with one job:

=================  ==========================================================
``events``         the :class:`Due` event: a callback with a payload, born scheduled
``draws``          the random inputs, drawn up front per person and call
``people``         people and their task statuses, the ``people`` table
``agents``         agents' states and their shift, break and onboarding events
``queues``         the work queues and the dispatch rules
``centre``         the call centre and its per-call event handlers
``policy``         the staffing-policy protocol, its observations, the roster
``control``        staffing: roster, reviews, intraday call-in, interval ticks
``recorder``       columns of calls and agent time, folded as they come
``run``            :func:`simulate`: build, run to the horizon, collect :class:`RawRun`
=================  ==========================================================
"""

from sim.model.run import RawRun, build, simulate

__all__ = ["RawRun", "build", "simulate"]
