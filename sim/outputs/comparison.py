"""A comparison of scenarios as a folder: its table, per-scenario tables and figures.

:class:`Comparison` is the :class:`~sim.experiments.compare.ComparisonResults`
of :func:`sim.compare_scenarios` with what can be done with it: its JSON, its
figures and its folder (:meth:`Comparison.save`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.experiments.compare import CONFIDENCE, ComparisonResults
from sim.inputs.scenario import Scenario
from sim.outputs.figure_work import figure_job
from sim.outputs.labels import deadline_label
from sim.outputs.results import Results
from sim.outputs.writer import Contents, Table, write_folder

if TYPE_CHECKING:
    from sim.plumbing.forked import ForkedWorker
    from sim.plumbing.lifeline import BackgroundWork


def _json_value(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"


class Comparison(ComparisonResults):
    """Scenarios run with common random numbers (:class:`ComparisonResults`), as a folder.

    ``results`` are :class:`~sim.outputs.results.Results`.
    """

    @classmethod
    def of(cls, comparison: ComparisonResults) -> Comparison:
        """Return an experiment's comparison as :class:`Comparison`, its results as Results."""
        if isinstance(comparison, cls):
            return comparison
        return cls(results=[Results.of(r) for r in comparison.results], table=comparison.table,
                   sources=list(comparison.sources))

    def to_dict(self) -> dict:
        """Return the content of ``comparison.json``: the table's rows, NaN as null."""
        metrics = [c[: -len("_mean")] for c in self.table.columns
                   if c.endswith("_mean") and not c.endswith("_diff_mean")]
        return {
            "reference": self.results[0].scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "confidence": CONFIDENCE,
            "metrics": metrics,
            "rows": [{k: _json_value(v) for k, v in row.items()}
                     for row in self.table.to_dict(orient="records")],
        }

    def _subtitle(self) -> str:
        return " · ".join(f"{r.scenario.name}: {r.scenario.staffing.summary()}"
                          for r in self.results)

    def _deadline(self) -> str | None:
        deadlines = {r.scenario.tracing.index.within for r in self.results}
        return deadline_label(deadlines.pop()) if len(deadlines) == 1 else None

    def figure(self):
        """Draw the comparison figure (:func:`sim.outputs.figures.plot_comparison`).

        Labelled with the scenarios' currencies and, when they share it, the
        index-case deadline; the subtitle names each scenario's staffing.
        """
        from sim.outputs.figures import plot_comparison

        currencies = list(dict.fromkeys(r.scenario.costs.currency for r in self.results))
        return plot_comparison(self.table, currency=", ".join(currencies),
                               deadline_label=self._deadline(), subtitle=self._subtitle())

    def daily_figure(self):
        """Overlay the scenarios' daily curves (:func:`sim.outputs.figures.plot_comparison_daily`).

        Demand, headcount, idle share and timeliness, one colour per scenario.
        """
        from sim.outputs.figures import plot_comparison_daily

        daily = pd.concat([r.tables["daily"] for r in self.results], ignore_index=True)
        return plot_comparison_daily(daily, deadline_label=self._deadline() or "the deadline",
                                     subtitle=self._subtitle())

    def figure_makers(self) -> dict:
        """Return the figures of :meth:`save` as functions that draw them."""
        makers = {"comparison": self.figure}
        if all("daily" in r.tables for r in self.results):
            makers["comparison_daily"] = self.daily_figure
        return makers

    kind = "comparison"

    @property
    def folder_scenario(self) -> Scenario:
        """The reference scenario (the first)."""
        return self.results[0].scenario

    def folder_contents(self) -> Contents:
        """Return the comparison table and, per scenario, its scenario, summary and tables."""
        tables = {"comparison": Table(self.table)}
        texts = {"comparison.json": json.dumps(self.to_dict(), indent=2) + "\n"}
        for i, r in enumerate(self.results, start=1):
            sub = f"scenarios/{i:02d}-{_slug(r.scenario.name)}"
            texts[f"{sub}/scenario.yaml"] = r.scenario.to_yaml()
            texts[f"{sub}/summary.json"] = json.dumps(Results.of(r).summary_dict(),
                                                      indent=2) + "\n"
            tables[f"{sub}/summary"] = Table(r.tables["summary"])
            tables[f"{sub}/replications"] = Table(r.tables["replications"])
            for name in ("daily", "idle_attribution"):
                if name in r.tables:
                    tables[f"{sub}/{name}"] = Table(r.tables[name])
        return Contents(tables, texts, sheets=("comparison",))

    def folder_metadata(self) -> dict:
        """Return the comparison's facts for ``metadata.json``."""
        return {
            "seed": self.seed,
            "replications": self.replications,
            "reference": self.results[0].scenario.name,
            "scenarios": [{"name": r.scenario.name, "policy": r.scenario.staffing.policy,
                           "scenario_hash": r.scenario.hash(),
                           "source_file": self.sources[i] if i < len(self.sources) else None,
                           **({"bound": r.run_info["bound"]} if "bound" in r.run_info else {})}
                          for i, r in enumerate(self.results)],
            "engine_seconds": float(sum(r.run_info.get("engine_seconds", 0.0)
                                        + r.run_info.get("oracle_engine_seconds", 0.0)
                                        for r in self.results)),
        }

    def draw_figures(self, directory: Path, formats: Sequence[str], jobs: int | None,
                     worker: ForkedWorker | None) -> BackgroundWork:
        """Start drawing the comparison figures in workers forked now."""
        return figure_job(self.figure_makers(), directory, formats, jobs)

    def save(self, directory: str | Path, overwrite: bool = False, figures: bool = True,
             figure_formats: Sequence[str] = ("png",), jobs: int | None = None,
             excel: bool = False, report: bool = False) -> Path:
        """Write the comparison directory atomically (:func:`sim.outputs.writer.write_folder`).

        Layout::

            comparison.csv, comparison.json   the table (JSON: rows, NaN as null)
            metadata.json                      seed, replications, versions, scenarios
                                               (with the file each was read from, and
                                               the bound of the idle attribution)
            scenarios/NN-<name>/               per scenario: scenario.yaml,
                                               summary.json, summary.csv,
                                               replications.csv, daily.parquet and
                                               daily.csv (and idle_attribution.parquet
                                               and .csv if attributed)
            figures/comparison.png             means with CIs and paired differences
            figures/comparison_daily.png       the daily curves overlaid
            README.md                          every file and column

        Parameters
        ----------
        directory
            Target directory; must not exist unless ``overwrite``.
        overwrite
            Replace an existing directory (only after the new one is complete).
        figures
            Also write the figures.
        figure_formats
            File formats of the figures (PNG by default; e.g. ``("png", "svg")``).
        jobs
            Processes drawing the figures (None: all cores).
        excel
            Also write ``results.xlsx`` (the comparison table).
        report
            Also write ``report.html``.

        Returns
        -------
        pathlib.Path
            The directory written. A failure leaves no half-written directory.
        """
        return write_folder(self, directory, overwrite=overwrite, figures=figures,
                            figure_formats=figure_formats, excel=excel, report=report,
                            jobs=jobs)
