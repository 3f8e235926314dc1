"""An optimisation as a folder: every evaluation, the answer and its summary.

:class:`Optimum` is the :class:`~sim.experiments.optimise.OptimumResults` of
:func:`sim.optimise` with :meth:`Optimum.save`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sim.experiments.optimise import OptimumResults
from sim.outputs.sweep import _write_table, _write_text


class Optimum(OptimumResults):
    """The cheapest setting found (:class:`OptimumResults`), as a folder."""

    @classmethod
    def of(cls, result: OptimumResults) -> Optimum:
        """Return an experiment's optimum as :class:`Optimum` (tables not copied)."""
        if isinstance(result, cls):
            return result
        out = cls.__new__(cls)
        out.__dict__.update(result.__dict__)
        return out

    def save(self, directory: str | Path) -> Path:
        """Write the evaluations and the answer into ``directory``.

        Files: ``optimise.csv`` (every evaluation), ``optimum.json`` (the
        setting, its metrics, the search), ``summary.csv`` (the setting's
        summary, when one met the requirements) and ``scenario.yaml`` (the
        base scenario). Its ``cache/`` is kept.

        Returns
        -------
        pathlib.Path
        """
        from sim.outputs.results import _version

        out = Path(directory)
        _write_table(out / "optimise.csv", self.evaluations)
        info = {**self.result(), "tracesim_version": _version("tracesim"),
                "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        _write_text(out / "optimum.json", json.dumps(info, indent=2) + "\n")
        if self.best is not None:
            _write_table(out / "summary.csv", self.best.summary)
        _write_text(out / "scenario.yaml", self.scenario.to_yaml())
        return out
