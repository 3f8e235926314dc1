"""The model: one replication of a compiled plan as a simpy model.

simpy's :class:`~simpy.core.Environment` is the event calendar, used through
simpy's public API only. Per-call events are callbacks
(:class:`~sim.model.events.Due`, a ``simpy.Timeout``) handled by named
methods of the :class:`~sim.model.centre.CallCentre`, the agents'
:class:`~sim.model.agents.Workforce` and the staffing
:class:`~sim.model.control.Control`; the control loops (day calendar, staffing
reviews, intraday checks, interval ticks) are named simpy processes
(:mod:`sim.model.control`). Each kind of work is one typed record
(:mod:`sim.model.work`); work waits in named queues behind one small protocol
(:mod:`sim.model.queues`), dispatched by an ordered list of rules. Records go
to the columnar :class:`~sim.model.recorder.Recorder`, one call at a time by
named field (:meth:`~sim.model.recorder.Recorder.call`). The staffing policy is
given to the engine (:mod:`sim.model.policy` defines what it is asked); the
engine imports no policy.

Modules, each with one job:

=================  ==========================================================
``events``         the :class:`Due` event, the order of events at an instant
``draws``          the random inputs, drawn up front per person and call
``people``         people and their task statuses, the ``people`` table
``work``           one record per kind of work: its queue and its terms per regime
``agents``         agents' states and their shift, break and onboarding events
``queues``         the named work queues and the dispatch rules
``centre``         the call centre and its per-call event handlers
``policy``         the staffing-policy protocol, its observations, the roster
``control``        staffing: roster, reviews, intraday call-in, interval ticks
``recorder``       calls and agent time, packed as they come and folded in chunks
``run``            :func:`simulate`: build, run to the horizon, collect :class:`RawRun`
=================  ==========================================================
"""

from sim.model.run import RawRun, build, simulate

__all__ = ["RawRun", "build", "simulate"]
