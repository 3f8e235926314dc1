"""A staffing policy is a plug-in: one module with its configuration and its class.

The scenario's ``staffing`` union, its JSON schema, its error messages and the
policy registry learn of a new policy without editing the scenario schema or
the staffing package: the module registers both when it is imported. Shown in
a fresh interpreter (the registration is for the life of the process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PLUG_IN = '''
"""A toy policy: a fixed headcount that grows by a step every week."""

from typing import Literal

import numpy as np
from pydantic import Field

from sim.inputs.scenario import StaffingCommon, staffing_config
from sim.model.policy import StaffingPolicy
from sim.staffing.registry import register_policy


@staffing_config
class StepStaffing(StaffingCommon):
    """Start with ``first`` agents, add ``step`` every seven days."""

    policy: Literal["step"]
    first: int = Field(ge=0)
    step: int = Field(default=1, ge=0)

    def summary(self) -> str:
        return f"step staffing from {self.first} agents, +{self.step} a week"


@register_policy(StepStaffing)
class StepPolicy(StaffingPolicy):
    def __init__(self, agents):
        self.agents = agents

    @classmethod
    def from_config(cls, plan, config, rng, planned=None):
        weeks = np.arange(plan.n_days) // 7
        return cls((config.first + config.step * weeks).astype(np.int64))

    def initial_plan(self, n_days):
        return self.agents[:n_days].copy()
'''

SCRIPT = '''
import json, sys
import sim
before = sim.load_scenario(sys.argv[1])  # the scenario model is built ...
import step_policy  # ... before the plug-in registers (one module, nothing else edited)
from sim.staffing import registered_policies

scenario = sim.load_scenario(sys.argv[1], ["staffing={policy: step, first: 5, step: 2}",
                                           "calendar.days=15"])
results = sim.run(scenario, replications=1, seed=1)
daily = results.daily
try:
    sim.load_scenario(sys.argv[1], ["staffing={policy: step}"])
    error = None
except sim.ScenarioError as exc:
    error = str(exc)
print(json.dumps({
    "registered": "step" in registered_policies(),
    "in_schema": any(item["$ref"].endswith("StepStaffing")
                     for item in sim.json_schema()["properties"]["staffing"]["oneOf"]),
    "headcount": daily["headcount"].tolist(),
    "summary": scenario.staffing.summary(),
    "error": error,
}))
'''


def test_a_policy_module_plugs_in_without_editing_the_schema_or_the_package(tmp_path):
    (tmp_path / "step_policy.py").write_text(textwrap.dedent(PLUG_IN), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "scenarios" / "quick.yaml")],
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["registered"] and out["in_schema"]
    assert out["headcount"] == [5] * 7 + [7] * 7 + [9]
    assert out["summary"] == "step staffing from 5 agents, +2 a week"
    assert "staffing.first" in out["error"] and "required" in out["error"]
