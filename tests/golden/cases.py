"""The golden back-test's cases: bundled scenarios at a fixed seed, through the public API.

Each case is a bundled scenario (``scenarios/``), optionally with a few fields
changed to reach another staffing policy or to shorten the calendar, run
with ``sim.run(..., replications=2, seed=SEED, jobs=1)``. The stored tables
(``data/<case>/<table>.parquet``) are what the code produced when they were
last regenerated (``python -m tests.golden.regenerate``); ``test_golden.py``
compares a fresh run with them exactly.

Only public names are used (``sim.load_scenario``, ``Scenario.with_changes``,
``sim.run``), so the cases survive any regrouping of the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SEED = 7
REPLICATIONS = 2

#: Tables stored for every case, and those stored only for the small ones.
TABLES = ("summary", "replications", "daily", "intervals", "monthly", "weekly")
SMALL_TABLES = ("agents", "people")


@dataclass(frozen=True)
class Case:
    """A bundled scenario, the changes made to it, and whether it is small."""

    scenario: str
    changes: dict[str, Any] = field(default_factory=dict)
    small: bool = True
    extra: tuple[str, ...] = ()

    def tables(self) -> tuple[str, ...]:
        """Names of the tables stored for this case."""
        return TABLES + (SMALL_TABLES if self.small else ()) + self.extra


CASES: dict[str, Case] = {
    # the small scenario as bundled: fixed staffing, a wave, inbound with redials
    "quick": Case("quick.yaml"),
    # inbound only, stationary, around the clock
    "mmc": Case("mmc-validation.yaml"),
    # the adaptive policies on the quick scenario's demand
    "quick-reactive": Case("quick.yaml", {"staffing": {
        "policy": "reactive", "initial_headcount": 20, "scale_up_lead_time": "2d"}}),
    "quick-forecast": Case("quick.yaml", {"staffing": {
        "policy": "forecast", "initial_headcount": 20, "scale_up_lead_time": "1d"}}),
    "quick-oracle": Case("quick.yaml", {"staffing": {"policy": "oracle"}}),
    "quick-pool": Case("quick.yaml", {"staffing": {
        "policy": "pool", "core_headcount": 15, "pool_size": 20}}),
    # the per-call log, and callbacks offered to waiting callers
    "quick-calls": Case("quick.yaml", {"simulation.calls_log": True,
                                       "inbound.callback": {"enabled": True}},
                        extra=("calls",)),
    # the least staffing found by simulation (a search before the run)
    "quick-optimal": Case("quick.yaml", {"staffing": {"policy": "optimal"}}),
    # the auditor's replay, two weeks of it: CSV demand, FTE schedule, cost lines
    "backtest-14d": Case("flanders-2020-backtest.yaml", {"calendar.days": 14}, small=False),
}


def run_case(case: Case) -> dict[str, Any]:
    """Run one case and return its tables (pandas DataFrames) by name."""
    import sim

    scenario = sim.load_scenario(ROOT / "scenarios" / case.scenario)
    if case.changes:
        scenario = scenario.with_changes(case.changes)
    results = sim.run(scenario, replications=REPLICATIONS, seed=SEED, jobs=1)
    return {name: results.tables[name] for name in case.tables()}
