"""What an experiment gives back: a scenario's tables over replications (no files, no figures).

:class:`RunResults` is the data; the outputs layer wraps it as
:class:`sim.outputs.results.Results`, which adds what can be done with it
(save a results folder, draw the figures), and which :func:`sim.run` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sim.inputs.scenario import Scenario


@dataclass
class RunResults:
    """A scenario run over replications.

    Attributes
    ----------
    scenario
        The scenario that was run.
    seed
        The experiment seed (drawn when none was given).
    replications
        Number of replications.
    tables
        ``daily``, ``intervals``, ``people``, ``agents``, ``replications``,
        ``summary``, ``monthly``, ``weekly`` (:mod:`sim.analysis.periods`), with
        ``costs.lines`` ``cost_lines``, and, with the call log on, ``calls``
        (pandas DataFrames). After :func:`sim.experiments.attribution.attribute_idle`
        also ``idle_attribution``, ``oracle_summary`` and ``bound_targets``.
    run_info
        ``engine_seconds``, ``calls_simulated``, ``attempts_simulated``,
        ``events_simulated``, and what was planned before the run.
    """

    scenario: Scenario
    seed: int
    replications: int
    tables: dict[str, pd.DataFrame]
    run_info: dict = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Give the tables as attributes: ``results.daily`` is ``results.tables["daily"]``."""
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def metric(self, name: str) -> dict[str, float]:
        """Summary of one metric: ``{"mean", "sd", "ci_low", "ci_high", "n"}``."""
        row = self.tables["summary"].set_index("metric").loc[name]
        return {k: float(row[k]) for k in ("mean", "sd", "ci_low", "ci_high", "n")}

    def recorded_scenario(self) -> Scenario:
        """Return the scenario as saved: with the seed and replications actually used.

        ``simulation.seed`` and ``simulation.replications`` are those of this
        run (a ``--seed``, ``--replications`` or drawn seed included), so that
        running the saved ``scenario.yaml`` again reproduces the tables.
        """
        sim_cfg = self.scenario.simulation
        if sim_cfg.seed == self.seed and sim_cfg.replications == self.replications:
            return self.scenario
        used = sim_cfg.model_copy(update={"seed": self.seed, "replications": self.replications})
        return self.scenario.model_copy(update={"simulation": used})
