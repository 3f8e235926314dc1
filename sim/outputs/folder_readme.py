"""What a results directory holds, for people: its ``README.md``, units and CSV rounding.

The metric catalogue (:mod:`sim.analysis.catalogue`) names the unit and the meaning of
every metric, and :data:`COLUMNS` of every other column of the tables that
:meth:`sim.Results.save` writes (keys, people, calls, cost lines). They are used three
ways:

* :func:`write_readme` writes the directory's ``README.md``: every file, every column with
  its unit, and the conventions (shares are 0-1, times are seconds since the start of the
  calendar, money is in the scenario's currency);
* :func:`csv_frame` prepares a table for its CSV file: floats rounded to the resolution of
  their unit (:data:`UNITS`) and a timestamp column ``<name>_at`` next to each
  ``<name>_s`` column that holds a time since the start; Parquet files keep every table
  as it is, at full precision;
* the tests check that every column written has an entry, so the README cannot fall
  behind the tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.catalogue import CATALOGUE
from sim.analysis.catalogue import UNITS as CATALOGUE_UNITS

__all__ = ["COLUMNS", "FILES", "UNITS", "csv_frame", "describe_column", "every_column",
           "readme_text", "unit_of", "write_readme"]

#: Unit key -> (label in the README, decimals kept in CSV files). ``None``: not a float.
#: The metrics' units are the catalogue's (:data:`sim.analysis.catalogue.UNITS`).
UNITS: dict[str, tuple[str, int | None]] = {
    "id": ("-", None),
    "text": ("-", None),
    "date": ("date", None),
    "timestamp": ("local date and time", None),
    "time_s": ("s since the start", 3),
    "fraction": ("part of the whole (a part may be negative)", 6),
    **{key: (unit.label, unit.decimals) for key, unit in CATALOGUE_UNITS.items()},
}

#: Column name -> (unit key, meaning), for the columns that are not metrics (keys, the people
#: and calls tables, the cost lines, the bound's targets). Metrics are described by their
#: catalogue entry (:mod:`sim.analysis.catalogue`).
COLUMNS: dict[str, tuple[str, str]] = {
    # ------------------------------------------------------------- keys
    "scenario": ("text", "scenario name"),
    "replication": ("id", "replication index, 0 .. replications - 1"),
    "day": ("id", "day index from the calendar's start, 0 .. days - 1"),
    "date": ("date", "calendar date of the day"),
    "interval_start": ("timestamp", "start of the reporting interval"),
    "t_s": ("time_s", "start of the reporting interval"),
    "person": ("id", "person index within the replication"),
    "kind": ("text", "index, contact or callback (people); tracing, inbound or callback "
             "(calls); the line's kind (cost_lines)"),
    "parent": ("id", "person index of the index case who named this contact (-1: none)"),
    "agent": ("id", "agent index within the replication"),
    "ref": ("id", "person index (outbound call) or inbound call index"),
    "status": ("text", "reached, unreachable (after max_attempts), no_phone, expired or "
               "open at the horizon"),
    "outcome": ("text", "answered, abandoned, waiting (at the horizon), reached, failed or "
                "callback (accepted a callback)"),
    "metric": ("text", "metric name (see Metrics below for its unit)"),
    "n": ("count", "replications with a value"),
    "mean": ("text", "mean over replications, in the metric's unit"),
    "sd": ("text", "standard deviation over replications, in the metric's unit"),
    "ci_low": ("text", "lower end of the 95 % Student-t confidence interval of the mean"),
    "ci_high": ("text", "upper end of the 95 % Student-t confidence interval of the mean"),
    # ------------------------------------------------------------- people and calls
    "created_s": ("time_s", "release (index case) or creation (contact, callback)"),
    "due_s": ("time_s", "deadline of the timeliness KPI (created + within)"),
    "reached_s": ("time_s", "start of the reaching call (empty if never reached)"),
    "closed_s": ("time_s", "when the task closed: reached, unreachable or expired"),
    "time_to_reach_s": ("s", "reached - created"),
    "queued_s": ("time_s", "when the call entered its queue"),
    "start_s": ("time_s", "when an agent took the call"),
    "talk_end_s": ("time_s", "end of the conversation (wrap-up follows)"),
    "end_s": ("time_s", "end of the call for the agent (after wrap-up)"),
    # ------------------------------------------------------------- periods and FTE
    "month": ("text", "calendar month, YYYY-MM"),
    "week": ("text", "ISO 8601 week, YYYY-Www (Monday to Sunday)"),
    "line": ("text", "cost line name (costs.lines)"),
    "fte_mean": ("fte", "the line's FTE averaged over the month's days (empty: fixed line)"),
    "rate": ("money", "the line's rate per FTE-month (empty: fixed line)"),
    # ------------------------------------------------------------- comparison, sweep, optimise
    "policy": ("text", "the scenario's staffing policy"),
    "replications": ("count", "replications of every scenario (or point)"),
    "seed": ("id", "the common seed (common random numbers)"),
    "point": ("id", "point index of the sweep, in design order"),
    "scenario_hash": ("text", "hash of the resolved scenario of the point"),
    "pareto": ("text", "Pareto-efficient: no other point is at least as good on both metrics "
               "and better on one (True/False)"),
    "evaluation": ("id", "evaluation number, in the order the search ran them"),
    "feasible": ("text", "whether the setting met every requirement with 95 % confidence"),
    "best": ("text", "the cheapest feasible setting (True for one row at most)"),
    # ------------------------------------------------------------- idle attribution
    "oracle_headcount": ("count", "the oracle policy's headcount that day (same seeds)"),
    "target": ("text", "a service target of the bound's staffing (its metric)"),
    "required": ("share", "the share the target requires"),
    "met": ("text", "whether the bound's mean met the target (True/False)"),
    # ------------------------------------------------------------- idle by cause (the ladder)
    "step": ("id", "step of the ladder of staffings, 1 (inherent) .. 5 (the scenario's own)"),
    "name": ("text", "the step's short name: inherent, shifts, scaling, foresight, contract"),
    "cause": ("text", "what the idle this step adds to the step before is attributed to"),
    "share": ("fraction", "the cause's part of the run's idle hours"),
    "cost": ("money", "the cause's idle hours at the agent rate (mean; may be negative)"),
    "cost_ci_low": ("money", "lower end of the cost's 95 % paired interval"),
    "cost_ci_high": ("money", "upper end of the cost's 95 % paired interval"),
    "step_idle_hours": ("h", "the step's own idle hours (mean over replications)"),
    "step_paid_hours": ("h", "the step's paid agent-hours (mean over replications)"),
    "met_targets": ("text", "whether the step's means met every target (True/False)"),
    "why": ("text", "the targets the step missed, with what it achieved (empty: none)"),
    "staffing": ("text", "the step's staffing, in words"),
}

#: File name (or pattern) -> what it holds.
FILES: dict[str, str] = {
    "README.md": "this file",
    "scenario.yaml": "the resolved scenario, every default written out; "
                     "`tracesim run scenario.yaml` runs it again",
    "metadata.json": "tracesim and library versions, Python, seed, replications, scenario "
                     "hash, UTC time, engine seconds, calls, attempts and events simulated",
    "summary.json": "every metric's mean, sd, 95 % CI and n over the replications",
    "summary": "the same as summary.json, one row per metric",
    "monthly": "one row per replication and calendar month: the month's sums and ratios",
    "weekly": "one row per replication and ISO week: the week's sums and ratios",
    "cost_lines": "one row per month and cost line (`costs.lines`)",
    "daily": "one row per replication and day",
    "intervals": "one row per replication and reporting interval",
    "replications": "one row per replication, one column per metric",
    "people": "one row per index case, contact and callback of every replication",
    "agents": "one row per agent and replication: hours by state",
    "calls": "one row per call (with `simulation.calls_log: true`)",
    "idle_attribution": "per replication and day: idle hours split into unavoidable (the "
                        "oracle's) and avoidable (`--attribute-idle`)",
    "idle_by_cause": "one row per cause of idle, in the order of the ladder of staffings "
                     "(each step adds one constraint of real operations): its idle hours, "
                     "95 % CI, share, cost, and whether its step met the targets "
                     "(`--attribute-idle`); the rows add up to the run's idle",
    "ladder": "per step of the ladder and replication: idle and paid hours and the targets' "
              "metrics (`--attribute-idle`)",
    "ladder_targets": "per step of the ladder and target: required, achieved (mean, CI), met "
                      "(`--attribute-idle`)",
    "oracle_summary": "the summary of the bound (the oracle or optimal policy) run on the "
                      "same seeds (`--attribute-idle`)",
    "bound_targets": "per service target of the bound: the share required, the bound's mean "
                     "and CI, and whether it was met (`--attribute-idle`)",
    "results.xlsx": "workbook with the sheets summary, daily, monthly and agents "
                    "(`--excel`)",
    "report.html": "one-file report to hand on (`--report`)",
    "figures": "the figures, PNG (and SVG where written)",
    "comparison": "one row per scenario: each metric's mean and 95 % CI, and the paired "
                  "difference against the first scenario",
    "comparison.json": "the same as comparison.csv, NaN as null",
    "scenarios": "one folder per scenario: its scenario.yaml, summary, replications and "
                 "daily tables",
    "sweep": "one row per point and metric: mean, sd and 95 % CI over the replications",
    "points": "one row per point: the varied values and the scenario hash",
    "frontier": "one row per point: the two frontier metrics with their CIs, and whether the "
                "point is Pareto-efficient",
    "optimise": "one row per setting evaluated, in order: the varied values, the metrics "
                "with their CIs, feasible, best",
    "optimum.json": "the answer: the cheapest setting meeting every requirement with 95 % "
                    "confidence, its metrics, and the search",
    "cache": "the points computed so far (per-replication metrics), read back instead of run "
             "again when the same command runs into this folder",
}

FIGURES: dict[str, str] = {
    "demand": "index cases released, contacts named and inbound calls offered per day",
    "capacity": "paid agent-hours per day against busy hours; the gap is idle",
    "idle_occupancy": "idle share of paid time and occupancy per day",
    "timeliness": "share reached within the deadline by day of release, and the backlog",
    "cost": "cost per handled call per day",
    "inbound": "inbound service level and abandonment per day",
    "idle_attribution": "avoidable and unavoidable idle hours per day",
    "idle_by_cause": "waterfall of the idle hours by cause, along the ladder of staffings",
    "comparison": "each scenario's means with CIs and the paired differences",
    "comparison_daily": "the scenarios' daily curves overlaid",
    "frontier": "the frontier of the sweep's points: timeliness against cost, with CIs",
}

#: How a column derived from a metric is named: ``<metric><suffix>``, and what it holds.
DERIVED = (
    ("_diff_mean", "paired difference against the first scenario, mean"),
    ("_diff_ci_low", "paired difference against the first scenario, lower end of the 95 % CI"),
    ("_diff_ci_high", "paired difference against the first scenario, upper end of the 95 % CI"),
    ("_mean", "mean over replications"),
    ("_sd", "standard deviation over replications"),
    ("_ci_low", "lower end of the 95 % confidence interval of the mean"),
    ("_ci_high", "upper end of the 95 % confidence interval of the mean"),
)


def describe_column(name: str) -> tuple[str, str]:
    """Return the unit label and the meaning of a column or metric.

    Parameters
    ----------
    name : str
        A column of a results table or a metric of ``summary.csv``; a timestamp column
        ``<x>_at`` written next to ``<x>_s`` in CSV files is described from ``<x>_s``.

    Returns
    -------
    tuple of str
        ``(unit label, meaning)``.

    Raises
    ------
    KeyError
        When the name is neither a metric of the catalogue nor in :data:`COLUMNS` (a new
        column must be described there).
    """
    if name.endswith("_at") and f"{name[:-3]}_s" in COLUMNS:
        return UNITS["timestamp"][0], COLUMNS[f"{name[:-3]}_s"][1]
    unit, meaning = _entry(name)
    return UNITS[unit][0], meaning


def _entry(name: str) -> tuple[str, str]:
    """Return (unit key, meaning) of a metric (its catalogue entry) or another column.

    A column named after a metric and a statistic (``idle_share_mean``,
    ``total_cost_diff_ci_low``) takes the metric's unit; a dotted name (a
    sweep's varied field, ``staffing.headcount``) is that field's value.
    """
    metric = CATALOGUE.get(name)
    if metric is not None:
        return metric.unit, metric.meaning
    for suffix, what in DERIVED:
        base = CATALOGUE.get(name.removesuffix(suffix)) if name.endswith(suffix) else None
        if base is not None:
            return base.unit, f"{base.label}: {what}"
    if "." in name and name not in COLUMNS:
        return "text", "the value of the varied scenario field (as --vary wrote it)"
    return COLUMNS[name]


def _decimals(name: str) -> int | None:
    unit = unit_of(name)
    return None if unit is None else UNITS[unit][1]


_SUMMARY_VALUES = ("mean", "sd", "ci_low", "ci_high")


def _round_by_metric(table: pd.DataFrame) -> pd.DataFrame:
    """Round the value columns of a summary table by each row's metric unit."""
    decimals = table["metric"].map(lambda m: _decimals(str(m))).fillna(6).astype(int)
    values = [c for c in _SUMMARY_VALUES if c in table.columns]
    for d in decimals.unique():
        rows = decimals == d
        table.loc[rows, values] = table.loc[rows, values].round(int(d))
    return table


def _timestamps(seconds: pd.Series, start: dt.date) -> pd.Series:
    """Seconds since 00:00 of ``start`` as ``YYYY-MM-DD HH:MM:SS`` text, cut to the second."""
    origin = pd.Timestamp(start)
    stamps = origin + pd.to_timedelta(np.floor(seconds), unit="s")
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


def csv_frame(table: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Return a copy of a table as it goes into its CSV file.

    Floats are rounded to their unit's resolution (:data:`UNITS`: money to 0.01, hours
    to 0.0001 h, seconds to 0.001 s, shares to 1e-6; unknown columns to 6 decimals), the
    value columns of a summary by each row's metric, and each time column ``<x>_s``
    (seconds since the start) gets a timestamp ``<x>_at`` right after it.

    Parameters
    ----------
    table : pandas.DataFrame
        A results table.
    start : datetime.date
        The calendar's first day (the clock's 0 is 00:00 of that day).

    Returns
    -------
    pandas.DataFrame
        The table to write with ``to_csv``.
    """
    by_metric = "metric" in table.columns
    source = _round_by_metric(table.copy()) if by_metric else table
    timed = set(_timed_columns(table.columns))
    columns: dict[str, pd.Series] = {}
    for name in table.columns:
        column = source[name]
        if column.dtype.kind == "f" and not (by_metric and name in _SUMMARY_VALUES):
            decimals = _decimals(name)
            column = column.round(6 if decimals is None else decimals)
        columns[name] = column
        if name in timed:
            columns[_stamp_name(name)] = _timestamps(table[name], start)
    return pd.DataFrame(columns, index=table.index)  # built once, not column by column


def _timed_columns(columns: Iterable[str]) -> list[str]:
    """Return the time columns (seconds since the start) that get a timestamp ``<x>_at`` in CSV."""
    # t_s is left alone: interval_start is its timestamp
    return [c for c in columns if COLUMNS.get(c, ("",))[0] == "time_s" and c != "t_s"]


def _stamp_name(column: str) -> str:
    """Return the name of a time column's timestamp in CSV: ``reached_s`` -> ``reached_at``."""
    return f"{column[:-2]}_at"


def csv_columns(columns: Iterable[str]) -> list[str]:
    """Return the columns of a table's CSV file (see :func:`csv_frame`) from its own columns.

    Parameters
    ----------
    columns : iterable of str
        The table's columns.

    Returns
    -------
    list of str
        The same, each time column followed by its timestamp ``<x>_at``.
    """
    timed = set(_timed_columns(columns))
    return [out for c in columns for out in ((c, _stamp_name(c)) if c in timed else (c,))]


# --------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------


def _file_key(path: Path) -> str:
    return path.stem if path.suffix in (".parquet", ".csv") else path.name


def _table_files(directory: Path, name: str) -> list[str]:
    """Return the files a table was written as (``daily.parquet``, ``daily.csv``), by path."""
    where = directory / name
    return sorted(str(p.relative_to(directory)) for p in where.parent.glob(f"{where.name}.*"))


def _table_section(name: str, columns: Iterable[str], rows: int, files: list[str]) -> list[str]:
    what = FILES.get(name.rsplit("/", 1)[-1], "")
    lines = [f"### {' / '.join(f'`{f}`' for f in files)}", "",
             f"{what[:1].upper()}{what[1:]} ({rows:,} rows).", "",
             "| column | unit | meaning |", "|---|---|---|"]
    for column in columns:
        try:
            unit, meaning = describe_column(column)
        except KeyError:
            unit, meaning = "?", ("(not described: a metric goes in sim.analysis.catalogue, "
                                  "another column in sim.outputs.folder_readme.COLUMNS)")
        lines.append(f"| `{column}` | {unit} | {meaning} |")
    return [*lines, ""]


def _metrics_section(metrics: Iterable[str]) -> list[str]:
    lines = ["## Metrics", "",
             "The rows of `summary.csv` (and the columns of `replications.csv`), with the "
             "unit of `mean`, `sd`, `ci_low` and `ci_high`:", "",
             "| metric | unit | meaning |", "|---|---|---|"]
    for metric in metrics:
        try:
            unit, meaning = describe_column(metric)
        except KeyError:
            unit, meaning = "?", "(not described)"
        lines.append(f"| `{metric}` | {unit} | {meaning} |")
    return [*lines, ""]


def _files_section(directory: Path, skipped: Mapping[str, str]) -> list[str]:
    lines = ["## Files", "", "| file | content |", "|---|---|",
             f"| `README.md` | {FILES['README.md']} |"]
    for path in sorted(p for p in directory.iterdir() if p.name != "README.md"):
        if path.is_dir() and path.name == "figures":
            names = sorted({p.stem for p in path.iterdir()})
            exts = sorted({p.suffix.lstrip(".") for p in path.iterdir()})
            listed = ", ".join(f"`{n}` ({FIGURES.get(n, 'figure')})" for n in names)
            lines.append(f"| `{path.name}/` | {FILES.get(path.name, '')} "
                         f"({'/'.join(exts)}): {listed} |")
            continue
        if path.is_dir():
            listed = ", ".join(f"`{p.name}`" for p in sorted(path.iterdir())[:12])
            lines.append(f"| `{path.name}/` | {FILES.get(path.name, '')}: {listed} |")
            continue
        lines.append(f"| `{path.name}` | {FILES.get(_file_key(path), '(not described)')} |")
    for name, why in skipped.items():
        lines.append(f"| ~~`{name}`~~ | not written: {why} |")
    return [*lines, ""]


#: The title of each kind of folder, and what ``tracesim`` command runs it again.
KINDS = {"run": ("Results", "`tracesim rerun <this directory>` runs it again and says whether "
                            "every table matches."),
         "comparison": ("Comparison", "The scenarios were run with the same seed and "
                                      "replications (common random numbers)."),
         "sweep": ("Sweep", "Every point was run with the same seed and replications (common "
                            "random numbers); `cache/` keeps the points for a rerun."),
         "optimum": ("Optimisation", "Every setting was run with the same seed and replications "
                                     "(common random numbers); `cache/` keeps them.")}


def readme_text(directory: str | Path, tables: Mapping[str, pd.DataFrame], scenario,
                meta: Mapping, skipped: Mapping[str, str] | None = None,
                kind: str = "run") -> str:
    """Return the ``README.md`` of a results directory (of any kind).

    Parameters
    ----------
    directory : str or pathlib.Path
        The directory as written so far (its files are listed).
    tables : mapping of str to pandas.DataFrame
        The tables written, by name (the file stem).
    scenario : sim.Scenario
        The scenario run.
    meta : mapping
        The content of ``metadata.json``.
    skipped : mapping of str to str, optional
        Files deliberately not written, with the reason (e.g. the people table).
    kind : str
        ``run``, ``comparison``, ``sweep`` or ``optimum`` (:data:`KINDS`).

    Returns
    -------
    str
        Markdown.
    """
    directory = Path(directory)
    currency = scenario.costs.currency
    title, again = KINDS[kind]
    lines = [
        f"# {title}: {scenario.name}", "",
        *([scenario.description.strip(), ""] if scenario.description.strip() else []),
        f"Written by tracesim {meta.get('tracesim_version')} at {meta.get('created_at_utc')} "
        f"(UTC): {meta.get('replications')} replications, seed {meta.get('seed')}. {again}", "",
        "## Conventions", "",
        "- **Shares are 0-1**, not percentages: `idle_share` 0.25 means 25 %.",
        f"- **Money** is in {currency} (`costs.currency`); hours are agent-hours.",
        f"- **Times** (`*_s` columns marked *s since the start*) are seconds since 00:00 of "
        f"{scenario.calendar.start} (the calendar's start), in the scenario's local time. "
        "Each CSV has a timestamp `*_at` (to the second) right after such a column.",
        "- **Precision**: CSV files are rounded (money to 0.01, hours to 0.0001 h, seconds to "
        "0.001 s, shares to 0.000001); the Parquet files hold the same tables at full "
        "precision (without the `*_at` text columns).",
        "- Tables are long format: one row per scenario, replication and day (interval, "
        "person, agent). Read them with `sim.load_results(<this directory>)` in Python.", "",
        *_files_section(directory, skipped or {}),
        "## Columns", "",
    ]
    for name, table in tables.items():
        files = _table_files(directory, name)
        if not files:
            continue
        columns = csv_columns(table.columns)
        lines += _table_section(name, columns, len(table), files)
    if "summary" in tables:
        lines += _metrics_section(str(m) for m in tables["summary"]["metric"])
    return "\n".join(lines).rstrip() + "\n"


def write_readme(directory: str | Path, tables: Mapping[str, pd.DataFrame], scenario,
                 meta: Mapping, skipped: Mapping[str, str] | None = None,
                 kind: str = "run") -> Path:
    """Write ``README.md`` into a results directory (see :func:`readme_text`).

    Parameters
    ----------
    directory : str or pathlib.Path
        The results directory, with every other file already written.
    tables : mapping of str to pandas.DataFrame
        The tables written, by name.
    scenario : sim.Scenario
        The scenario run.
    meta : mapping
        The content of ``metadata.json``.
    skipped : mapping of str to str, optional
        Files deliberately not written, with the reason.
    kind : str
        The kind of folder (:data:`KINDS`).

    Returns
    -------
    pathlib.Path
        The README's path.
    """
    path = Path(directory) / "README.md"
    path.write_text(readme_text(directory, tables, scenario, meta, skipped, kind),
                    encoding="utf-8")
    return path


def every_column() -> dict[str, tuple[str, str]]:
    """Return (unit key, meaning) of every metric of the catalogue and every other column."""
    return {**{name: (m.unit, m.meaning) for name, m in CATALOGUE.items()}, **COLUMNS}


def unit_of(name: str) -> str | None:
    """Return the unit key of a column or metric (``"share"``, ``"money"``, ...) or None."""
    try:
        return _entry(name)[0]
    except KeyError:
        return None

