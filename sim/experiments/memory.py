"""The memory guard: what a run will need, and what the machine can give.

:func:`estimate_memory` counts everything a run holds at its peak: the
engine's state per agent and day (shift, break and idle spans) and per person
(typed columns, pre-drawn attempts, queues) of every replication running at
once, the tables each replication hands back (people, agents, intervals,
days, the per-call log), and all replications' tables held by the parent and
copied once while saving. :func:`available_memory` is the least of the
kernel's ``MemAvailable``, what a cgroup (container) limit leaves, and the
documented cap ``TRACESIM_MEMORY_LIMIT`` (e.g. ``8G``). :func:`memory_problem`
says why a run is refused, with the estimate and the way out;
:func:`sim.experiments.replications.check_size` raises it before anything is simulated.

The bytes per unit were measured with ``ru_maxrss`` on one replication of
scenarios that scale one thing at a time (2,000-8,000 agents over 30-120 days:
290-320 bytes per agent-day; 160,000-280,000 people: 510-640 bytes per
person, calls included), and rounded up.
"""

from __future__ import annotations

import os

import numpy as np

from sim.inputs.compile import Plan
from sim.staffing.registry import policy_class
from sim.staffing.workload import (
    expected_inbound_calls_per_day,
    expected_released_per_day,
    inbound_handle_s,
    shift_coverage,
    work_per_index_case_h_by_day,
)

AGENT_DAY_BYTES = 320
"""Engine memory per agent and simulated day."""
PERSON_BYTES = 640
"""Engine memory per person created (index case or contact)."""
SERVICE_BYTES = 32
"""Engine memory per call or attempt."""
TABLE_ROW_BYTES = {"people": 100, "agents": 120, "intervals": 320, "daily": 520}
"""Memory per row of the tables a replication returns (pandas)."""
PROCESS_BYTES = 250 * 2**20
"""A Python process with tracesim imported, before any work."""
PLANNING_OCCUPANCY = 0.5
"""Occupancy at which a demand-driven policy's agents are counted (conservative)."""
MEMORY_LIMIT_ENV = "TRACESIM_MEMORY_LIMIT"
"""Environment variable capping the memory a run may plan for, e.g. ``8G`` or ``512M``."""


def agents_per_day(plan: Plan) -> np.ndarray:
    """Return the expected agents rostered per day.

    A policy that knows its plan before the run gives it
    (:meth:`~sim.model.policy.StaffingPolicy.expected_agents_per_day`: fixed and
    schedule staffing, the pool counted in full; unclipped, as the roster runs
    it); a policy that staffs
    from demand is counted at the expected work over
    :data:`PLANNING_OCCUPANCY` of an agent's productive hours, and at least
    its initial headcount, within the headcount limits.

    Parameters
    ----------
    plan
        The compiled scenario.

    Returns
    -------
    numpy.ndarray
        Agents per day (floats).
    """
    sc = plan.scenario
    staffing = sc.staffing
    known = policy_class(staffing).expected_agents_per_day(plan, staffing)
    if known is not None:  # an initial plan is executed as given, never clipped to the limits
        return np.asarray(known, dtype=float)
    released = expected_released_per_day(plan)
    work_h = released * work_per_index_case_h_by_day(plan) + expected_inbound_calls_per_day(
        plan, released) * inbound_handle_s(sc) / 3600.0
    per_agent_h = max(shift_coverage(plan).productive_hours_per_agent, 1e-9)
    daily = np.ceil(work_h / per_agent_h / PLANNING_OCCUPANCY)
    daily = np.maximum(daily, float(getattr(staffing, "initial_headcount", 0)))
    return np.clip(daily, staffing.min_headcount, staffing.max_headcount)


def estimate_memory(plan: Plan, replications: int, at_once: int, people: float,
                    services: float, call_log_bytes: float) -> dict[str, float]:
    """Estimate the peak memory of a run.

    Parameters
    ----------
    plan
        The compiled scenario.
    replications
        Number of replications.
    at_once
        Replications running at the same time (worker processes).
    people
        Expected people created per replication.
    services
        Expected calls and attempts per replication.
    call_log_bytes
        The per-call log of all replications (0 when off).

    Returns
    -------
    dict
        ``agents`` (most on a day), ``agent_days`` and ``people`` per
        replication; ``agent_day_bytes`` and ``people_bytes`` (engine, per
        replication); ``table_bytes`` (the parent's tables of all
        replications, counted twice for the copy made while saving);
        ``at_once``; and ``memory_bytes``, the peak: ``at_once`` engines with
        their tables, the parent's tables, and the processes themselves.
    """
    sc = plan.scenario
    daily = agents_per_day(plan)
    agent_days = float(daily.sum())
    agents = float(daily.max(initial=0.0))
    rows = {"people": people, "agents": agents, "daily": float(sc.calendar.days),
            "intervals": sc.calendar.days * 86400.0 / sc.simulation.interval}
    tables_per_rep = sum(TABLE_ROW_BYTES[k] * n for k, n in rows.items())
    tables_per_rep += call_log_bytes / max(replications, 1)
    engine_per_rep = AGENT_DAY_BYTES * agent_days + PERSON_BYTES * people \
        + SERVICE_BYTES * services
    table_bytes = 2.0 * replications * tables_per_rep
    processes = at_once + (1 if at_once > 1 else 0)
    memory = at_once * (engine_per_rep + 2.0 * tables_per_rep) + table_bytes \
        + PROCESS_BYTES * processes
    return {"agents": agents, "agent_days": agent_days, "people": people,
            "agent_day_bytes": AGENT_DAY_BYTES * agent_days,
            "people_bytes": PERSON_BYTES * people, "table_bytes": table_bytes,
            "at_once": float(at_once), "memory_bytes": memory}


def bytes_from_text(text: str) -> float | None:
    """Read ``8G``, ``512M``, ``4GiB``, ``1.5T`` or a number of bytes (None if unreadable)."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    cleaned = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = units.get(cleaned[-1:], 1)
    if cleaned[-1:] in units:
        cleaned = cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        return None
    return value if value > 0 and np.isfinite(value) else None


def _read_number(path: str, key: str | None = None) -> float | None:
    """Read a number from a file (``/sys/...``) or from its ``key:`` line (``/proc/meminfo``)."""
    try:
        with open(path, encoding="ascii") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    for line in lines:
        if key is None or line.startswith(f"{key}:"):
            parts = line.split(":")[-1].split()
            if not parts or not parts[0].isdigit():
                return None
            return float(parts[0]) * (1024 if parts[1:2] == ["kB"] else 1)
    return None


def available_memory() -> tuple[float, str]:
    """Return the memory a run may use, in bytes, and where that figure comes from.

    The least of: ``TRACESIM_MEMORY_LIMIT`` (when set), the kernel's
    ``MemAvailable``, and what the cgroup (container) limit leaves
    (``memory.max - memory.current``); infinite when none is known.
    """
    found: list[tuple[float, str]] = []
    setting = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    capped = bytes_from_text(setting) if setting else None
    if capped:
        found.append((capped, f"{MEMORY_LIMIT_ENV}={setting}"))
    mem_available = _read_number("/proc/meminfo", "MemAvailable")
    if mem_available:
        found.append((mem_available, "MemAvailable"))
    limit = _read_number("/sys/fs/cgroup/memory.max")
    current = _read_number("/sys/fs/cgroup/memory.current")
    if limit and current is not None:
        found.append((max(limit - current, 0.0), "the container's memory limit"))
    return min(found, default=(float("inf"), "unknown"))


def process_headroom() -> float:
    """Return the address space one process may still take under ``ulimit -v`` (or inf)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return float("inf")
    used = _read_number("/proc/self/status", "VmSize") or 0.0
    return max(float(soft) - used, 0.0)


def _gib(value: float) -> str:
    return f"{value / 2**30:,.1f} GiB"


def memory_problem(size: dict[str, float], replications: int) -> str | None:
    """Say why a run is refused for memory (None when it fits).

    Parameters
    ----------
    size
        :func:`sim.experiments.replications.estimate_size` (with :func:`estimate_memory`'s keys).
    replications
        Number of replications.

    Returns
    -------
    str or None
        One line: the estimate, its parts, what is available and the way out.
    """
    available, source = available_memory()
    headroom = process_headroom()
    per_process = size["memory_bytes"] / size["at_once"]
    if size["memory_bytes"] <= available and per_process <= headroom:
        return None
    if size["memory_bytes"] > available:
        limit = f"about {_gib(available)} are available ({source})"
    else:
        limit = f"one process may take only {_gib(headroom)} more (ulimit -v)"
    return (
        f"the run would need about {_gib(size['memory_bytes'])} of memory "
        f"({size['agents']:,.0f} agents, {size['agent_days']:,.0f} agent-days: "
        f"{_gib(size['agent_day_bytes'])}; {size['people']:,.0f} people: "
        f"{_gib(size['people_bytes'])}; per replication, {size['at_once']:.0f} at once; "
        f"tables of {replications} replications: {_gib(size['table_bytes'])}) but {limit}; "
        "use fewer agents, days or replications (or --jobs 1), or pass --force"
    )
