"""Results of an experiment and the results directory.

A results directory holds::

    scenario.yaml      the resolved scenario (every default written out)
    metadata.json      package and library versions, seed, replications,
                       scenario hash, created-at (UTC), engine_seconds and the
                       number of calls, attempts and events simulated
    summary.json       {"scenario", "replications", "seed",
                        "metrics": {NAME: {"mean", "sd", "ci_low", "ci_high", "n"}}}
    summary.csv        the same, one row per metric
    daily.parquet / daily.csv, intervals.parquet / intervals.csv,
    replications.parquet / replications.csv, people.parquet, agents.parquet,
    calls.parquet (only with simulation.calls_log)
    idle_attribution.parquet / .csv, oracle_summary.parquet / .csv
                       (only after sim.compare.attribute_idle)
    figures/*.png, figures/*.svg

Tables are long format with ``scenario`` and ``replication`` columns. The
directory is written into a temporary sibling and renamed into place at the
end, so a failed or interrupted save leaves no half-written directory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path

import pandas as pd

from sim.scenario import Scenario, scenario_from_text

CSV_TABLES = ("daily", "intervals", "replications", "summary", "idle_attribution",
              "oracle_summary")
PACKAGES = ("tracesim", "numpy", "scipy", "pandas", "pydantic", "simpy", "matplotlib", "pyarrow")


def _version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


def deadline_label(within_s: float) -> str:
    """Write a deadline for figure labels: ``"24 h"``, ``"90 min"``, ``"2.5 d"``."""
    from sim.units import HOUR_S, MINUTE_S

    if within_s >= HOUR_S and within_s <= 72 * HOUR_S:
        return f"{within_s / HOUR_S:g} h"
    if within_s < HOUR_S:
        return f"{within_s / MINUTE_S:g} min"
    return f"{within_s / 86400:g} d"


@contextmanager
def atomic_directory(directory: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Write a directory atomically: yield a temporary sibling, rename it at the end.

    Parameters
    ----------
    directory
        The directory to create; must not exist unless ``overwrite``.
    overwrite
        Replace an existing directory, only once the new one is complete.

    Yields
    ------
    pathlib.Path
        The temporary directory to fill. If the block raises (or is
        interrupted), it is removed and ``directory`` is left as it was.

    Raises
    ------
    FileExistsError
        ``directory`` exists and ``overwrite`` is false (checked before
        anything is written).
    """
    target = Path(directory)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; choose another --out or pass --overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            backup = target.with_name(f".{target.name}.old-{tmp.name[-8:]}")
            target.rename(backup)
            tmp.rename(target)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _clean(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@dataclass
class Results:
    """What :func:`sim.run` returns.

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
        ``summary`` and, with the call log on, ``calls`` (pandas DataFrames).
        After :func:`sim.compare.attribute_idle` also ``idle_attribution`` and
        ``oracle_summary``.
    run_info
        ``engine_seconds``, ``calls_simulated``, ``attempts_simulated``,
        ``events_simulated``.
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

    def summary_dict(self) -> dict:
        """Return the content of ``summary.json``."""
        metrics = {
            row.metric: {
                "mean": _clean(row.mean),
                "sd": _clean(row.sd),
                "ci_low": _clean(row.ci_low),
                "ci_high": _clean(row.ci_high),
                "n": int(row.n),
            }
            for row in self.tables["summary"].itertuples()
        }
        return {
            "scenario": self.scenario.name,
            "replications": self.replications,
            "seed": self.seed,
            "confidence": 0.95,
            "metrics": metrics,
        }

    def metadata(self) -> dict:
        """Return the content of ``metadata.json``."""
        return {
            "tracesim_version": _version("tracesim"),
            "packages": {p: _version(p) for p in PACKAGES},
            "python": platform.python_version(),
            "scenario": self.scenario.name,
            "scenario_hash": self.scenario.hash(),
            "seed": self.seed,
            "replications": self.replications,
            "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **self.run_info,
        }

    def figures(self) -> dict:
        """Draw the report figures (matplotlib Figures) from the daily table.

        With an ``idle_attribution`` table (see :func:`sim.compare.attribute_idle`)
        the figure ``"idle_attribution"`` is added after the standard ones.
        """
        from sim.plots import all_figures, plot_idle_attribution

        sc = self.scenario
        figures = all_figures(
            self.tables["daily"],
            currency=sc.costs.currency,
            service_target_s=sc.inbound.answer_within if sc.inbound.enabled else None,
            deadline_label=deadline_label(sc.tracing.index.within),
        )
        if "idle_attribution" in self.tables:
            figures["idle_attribution"] = plot_idle_attribution(
                self.tables["idle_attribution"], currency=sc.costs.currency)
        return figures

    def save(self, directory: str | Path, figures: bool = True, overwrite: bool = False) -> Path:
        """Write the results directory atomically.

        Parameters
        ----------
        directory
            Target directory; must not exist unless ``overwrite``.
        figures
            Also write the figures (PNG and SVG).
        overwrite
            Replace an existing directory (only after the new one is complete).

        Returns
        -------
        pathlib.Path
            The directory written.
        """
        from sim.plots import save_figure

        with atomic_directory(directory, overwrite=overwrite) as tmp:
            (tmp / "scenario.yaml").write_text(self.scenario.to_yaml(), encoding="utf-8")
            (tmp / "metadata.json").write_text(json.dumps(self.metadata(), indent=2) + "\n")
            (tmp / "summary.json").write_text(json.dumps(self.summary_dict(), indent=2) + "\n")
            for name, table in self.tables.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
                if name in CSV_TABLES:
                    table.to_csv(tmp / f"{name}.csv", index=False)
            if figures:
                import matplotlib

                matplotlib.use("Agg", force=False)
                for name, fig in self.figures().items():
                    save_figure(fig, tmp / "figures" / name)
        return Path(directory)


def load_results(directory: str | Path) -> Results:
    """Read a results directory written by :meth:`Results.save`.

    Parameters
    ----------
    directory
        The results directory.

    Returns
    -------
    Results
    """
    directory = Path(directory)
    scenario = scenario_from_text((directory / "scenario.yaml").read_text(encoding="utf-8"),
                                  str(directory / "scenario.yaml"))
    meta = json.loads((directory / "metadata.json").read_text())
    tables = {path.stem: pd.read_parquet(path) for path in sorted(directory.glob("*.parquet"))}
    run_info = {k: meta[k] for k in ("engine_seconds", "calls_simulated", "attempts_simulated",
                                      "events_simulated") if k in meta}
    return Results(scenario=scenario, seed=int(meta["seed"]),
                   replications=int(meta["replications"]), tables=tables, run_info=run_info)
