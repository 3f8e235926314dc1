"""The ``tracing`` section: outbound calls to index cases and their contacts."""

from __future__ import annotations

from pydantic import Field

from sim.inputs.scenario.base import Count, Dist, Duration, Model, Probability, Share


class OutboundTask(Model):
    """Common fields of an outbound tracing call (index case or contact)."""

    reach_probability: Probability
    max_attempts: int = Field(ge=1, le=100)
    retry_after: Duration
    failed_attempt_time: Dist
    handle_time: Dist
    wrap_up: Dist = Dist.model_validate({"dist": "deterministic", "mean": "0s"})
    within: Duration = 86400.0
    priority: int = 0


class IndexTask(OutboundTask):
    """An index case: reached, interviewed, yields ``contacts``."""

    contacts: Count = Count(mean=0.0)
    priority: int = 0


class ContactTask(OutboundTask):
    """A contact named by an index case; ``phone_share`` have a phone number."""

    phone_share: Share = 1.0
    priority: int = 1


class Tracing(Model):
    """Outbound work.

    ``give_up_after``: a task this long past its release or creation is
    dropped (``expired``); by default tasks are worked however late.
    """

    index: IndexTask
    contact: ContactTask
    give_up_after: Duration | None = None


