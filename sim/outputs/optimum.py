"""An optimisation as a folder: every evaluation, the answer and its summary.

:class:`Optimum` is the :class:`~sim.experiments.optimise.OptimumResults` of
:func:`sim.optimise` with :meth:`Optimum.save`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiments.optimise import OptimumResults
from sim.inputs.scenario import Scenario
from sim.outputs.figure_work import figure_job
from sim.outputs.writer import Contents, Published, Table, write_folder

if TYPE_CHECKING:
    from sim.plumbing.forked import ForkedWorker
    from sim.plumbing.lifeline import BackgroundWork


class Optimum(OptimumResults, Published):
    """The cheapest setting found (:class:`OptimumResults`), as a folder."""

    kind = "optimum"

    @property
    def folder_scenario(self) -> Scenario:
        """The base scenario."""
        return self.scenario

    def folder_contents(self) -> Contents:
        """Return every evaluation, the answer, its summary and the base scenario."""
        tables = {"optimise": Table(self.evaluations, parquet=False)}
        if self.best is not None:
            tables["summary"] = Table(self.best.summary, parquet=False)
        texts = {"optimum.json": json.dumps(self.result(), indent=2) + "\n",
                 "scenario.yaml": self.scenario.to_yaml()}
        return Contents(tables, texts, sheets=("optimise", "summary"))

    def folder_metadata(self) -> dict:
        """Return the search's facts for ``metadata.json`` (as ``optimum.json``, less the point)."""
        facts = self.result()
        return {key: facts[key] for key in ("scenario", "minimise", "require", "seed",
                                            "replications", "method", "evaluations",
                                            "evaluations_run", "evaluations_read_from_cache",
                                            "feasible")}

    def draw_figures(self, directory: Path, formats: Sequence[str], jobs: int | None,
                     worker: ForkedWorker | None) -> BackgroundWork:
        """No figures (yet): the evaluations are a table."""
        return figure_job({}, directory, formats, jobs)

    def save(self, directory: str | Path, overwrite: bool = False, excel: bool = False,
             report: bool = False) -> Path:
        """Write the evaluations and the answer (:func:`sim.outputs.writer.write_folder`).

        Files: ``optimise.csv`` (every evaluation), ``optimum.json`` (the
        setting, its metrics, the search), ``summary.csv`` (the setting's
        summary, when one met the requirements), ``scenario.yaml`` (the base
        scenario), ``metadata.json`` and ``README.md``. Its ``cache/`` is kept.

        Returns
        -------
        pathlib.Path
        """
        return write_folder(self, directory, overwrite=overwrite, figures=False, excel=excel,
                            report=report)
