"""Small scenarios built in code for the engine tests."""

from __future__ import annotations

import copy

import yaml

import sim.staffing  # noqa: F401  (the staffing policies are plug-ins: register them)
from sim.inputs.scenario import Scenario, scenario_from_text

BASE: dict = {
    "name": "test",
    "calendar": {"start": "2020-09-07", "days": 4, "opening_hours": {"default": "08:00-20:00"}},
    "epidemic": {
        "model": "waves",
        "baseline_per_day": 30,
        "waves": [{"peak_date": "2020-09-08", "peak_per_day": 40, "rise": "1d", "fall": "2d"}],
    },
    "reporting": {"noise": "poisson", "share_traced": 0.9,
                  "release": [{"at": "07:00", "width": "2h", "share": 1}]},
    "tracing": {
        "index": {"reach_probability": 0.7, "max_attempts": 3, "retry_after": "2h",
                  "failed_attempt_time": {"dist": "exponential", "mean": "1min"},
                  "handle_time": {"dist": "lognormal", "mean": "15min", "cv": 0.5},
                  "wrap_up": "2min", "contacts": {"mean": 2, "dispersion": 0.8}},
        "contact": {"reach_probability": 0.8, "max_attempts": 2, "retry_after": "3h",
                    "failed_attempt_time": "1min",
                    "handle_time": {"dist": "gamma", "mean": "8min", "cv": 0.4},
                    "wrap_up": "1min", "phone_share": 0.9},
    },
    "inbound": {"enabled": True, "calls_per_case": 0.5, "base_per_day": 30,
                "handle_time": {"dist": "exponential", "mean": "5min"},
                "patience": {"dist": "exponential", "mean": "3min"},
                "redial_probability": 0.3, "redial_after": "10min"},
    "agents": {
        "shifts": [
            {"start": "08:00", "length": "6h", "share": 1,
             "breaks": [{"after": "2h", "length": "15min"}]},
            {"start": "13:00", "length": "7h", "share": 1,
             "breaks": [{"after": "3h", "length": "30min"}]},
        ],
        "absenteeism": 0.1,
    },
    "staffing": {"policy": "fixed", "headcount": 8},
    "costs": {"hourly_rate": 40, "supervisor_ratio": 10, "supervisor_rate": 60,
              "seat_cost_per_day": 5},
    "simulation": {"seed": 3, "replications": 2, "interval": "30min"},
}


def make(**changes) -> Scenario:
    """BASE with dotted-path changes, e.g. make(**{"staffing.headcount": 3})."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        target = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return scenario_from_text(yaml.safe_dump(data), "test.yaml")
