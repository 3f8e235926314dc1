"""The ``inbound`` section: the hotline, its callers' patience and callbacks."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from sim.inputs.scenario.base import (
    Dist,
    Duration,
    Model,
    NonNegative,
    PositiveDuration,
    Probability,
)


class Callback(Model):
    """Callback requests ("virtual hold"), off by default.

    A caller still waiting ``offer_after`` after arriving is offered a
    callback and accepts with ``accept_probability``: the caller hangs up
    (not an abandonment) and becomes an outbound task of kind ``callback``,
    due ``within`` of the acceptance, served by ``priority`` (lower first,
    as ``tracing.index.priority``). Each attempt reaches the caller with
    ``reach_probability``; a failed attempt takes ``failed_attempt_time`` and
    is retried ``retry_after`` later, at most ``max_attempts`` attempts. A
    reached callback is a conversation with the inbound ``handle_time`` and
    ``wrap_up``.
    """

    enabled: bool = False
    offer_after: Duration = 60.0
    accept_probability: Probability = 0.5
    reach_probability: Probability = 0.9
    max_attempts: int = Field(default=3, ge=1, le=100)
    retry_after: PositiveDuration = 15 * 60.0
    within: PositiveDuration = 2 * 3600.0
    priority: int = 0
    failed_attempt_time: Dist = Dist.model_validate({"dist": "deterministic", "mean": "30s"})


class Inbound(Model):
    """The inbound hotline.

    Calls per released case plus a base rate per day, spread over the day by
    an hourly ``profile`` (24 weights; only the open hours count).
    ``reserve_agents``: agents kept for inbound calls (idle or on an inbound
    call); outbound work is started only above this number (threshold
    blending; 0 = inbound simply goes first). ``callback``: callers waiting
    long are offered a callback (:class:`Callback`).
    """

    enabled: bool = True
    calls_per_case: NonNegative = 0.0
    base_per_day: NonNegative = 0.0
    profile: list[NonNegative] | None = None
    handle_time: Dist = Dist.model_validate({"dist": "lognormal", "mean": "5min", "cv": 0.6})
    wrap_up: Dist = Dist.model_validate({"dist": "deterministic", "mean": "0s"})
    patience: Dist = Dist.model_validate({"dist": "exponential", "mean": "5min"})
    redial_probability: Annotated[float, Field(ge=0.0, le=0.99)] = 0.0
    redial_after: Dist = Dist.model_validate({"dist": "exponential", "mean": "10min"})
    answer_within: Duration = 20.0
    reserve_agents: int = Field(default=0, ge=0)
    callback: Callback = Callback()

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 24 or sum(value) <= 0):
            raise ValueError("'profile' needs 24 hourly weights, not all zero")
        return value


