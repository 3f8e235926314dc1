"""One-file HTML report of a results or comparison directory.

``tracesim report DIR`` (and ``run --report``, ``compare --report``) writes a
single HTML file that can be mailed or archived on its own: every figure is
inline (an SVG image in a ``data:`` URI, so it stays sharp when printed and no
identifiers of one figure clash with another's), the style sheet is inline, and
the page makes no request of any kind (no fonts, scripts or images from
elsewhere). It holds:

- the headline figures: mean over replications with the 95 % Student-t
  confidence interval and the unit of each;
- what was assumed: the scenario's description, its key settings, and the
  notes and sources written as comments in the scenario file (when the file
  is still where the run found it; the resolved ``scenario.yaml`` is always in
  the results directory);
- the monthly and weekly tables where the results have them (means over
  replications);
- for a comparison, the paired differences against the reference scenario;
- the idle attribution against the least-staffing bound when it was run;
- the tracesim version, the seed and the replications, and the command that
  repeats the run.

A print style sheet makes "Print to PDF" in a browser give an A4 document:
no figure or small table is split across pages and table headers repeat.

The figures are drawn again from the directory's tables (the same functions
as the PNG files in ``figures/``), as SVG.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

import sim.staffing  # noqa: F401  (reading a scenario file needs the policies registered)
from sim.analysis.catalogue import NAN_TEXT, Metric, format_value, metric
from sim.basics.errors import ReportError
from sim.experiments.compare import inherited_description
from sim.experiments.ladder import idle_sentence
from sim.inputs.scenario import Scenario, compact_duration, scenario_from_text
from sim.outputs.figure_work import run_figure_arguments
from sim.outputs.labels import (
    deadline_label,
    figure_subtitle,
    label_context_of,
    staffing_summary,
    unit_text,
)

__all__ = [
    "HEADLINE_METRICS",
    "ReportError",
    "build_report",
    "figure_subtitle",
    "key_settings",
    "scenario_notes",
    "staffing_summary",
    "write_report",
]


# --------------------------------------------------------------------------- words for settings


def _epidemic_text(scenario: Scenario) -> str:
    ep: Any = scenario.epidemic
    if ep.model == "waves":
        peaks = ", ".join(f"{w.peak_per_day:,.0f}/day on {w.peak_date:%d %b %Y}"
                          for w in ep.waves)
        return f"{len(ep.waves)} wave(s) ({ep.shape}) over {ep.baseline_per_day:,.0f}/day" + \
            (f"; peaks {peaks}" if peaks else "")
    if ep.model == "seir":
        return f"SEIR, population {ep.population:,.0f}, ascertainment " \
               f"{100 * ep.ascertainment:g} %"
    return f"cases from {getattr(ep, 'path', 'a CSV file')}"


def _absence(scenario: Scenario) -> str:
    value: Any = scenario.agents.absenteeism
    share = getattr(value, "share", value)
    try:
        return f"{100 * float(share):g} % of rostered agents a day"
    except (TypeError, ValueError):
        return str(value)


def key_settings(scenario: Scenario) -> list[tuple[str, str]]:
    """Return the settings a reader needs to judge the results, as (label, value with unit).

    Parameters
    ----------
    scenario
        The scenario.

    Returns
    -------
    list of (str, str)
        Calendar, epidemic, tracing, inbound, agents, staffing and costs,
        each written with its unit (the run's seed and replications are
        reported with the version).
    """
    sc = scenario
    ix, ct = sc.tracing.index, sc.tracing.contact
    end = sc.calendar.start + dt.timedelta(days=sc.calendar.days - 1)
    rows = [
        ("period", f"{sc.calendar.start:%d %b %Y} – {end:%d %b %Y} ({sc.calendar.days} days)"),
        ("epidemic", _epidemic_text(sc)),
        ("cases handed to the centre", f"{100 * sc.reporting.share_traced:g} % of confirmed "
                                       f"cases ({sc.reporting.noise} noise)"),
        ("index cases", f"reached with probability {100 * ix.reach_probability:g} % per "
                        f"attempt, up to {ix.max_attempts} attempts "
                        f"{compact_duration(ix.retry_after)} apart; deadline "
                        f"{compact_duration(ix.within)}"),
        ("contacts", f"{_count(ix.contacts)} per reached index case, "
                     f"{100 * ct.phone_share:g} % with a phone; reached with probability "
                     f"{100 * ct.reach_probability:g} % per attempt, up to "
                     f"{ct.max_attempts} attempts; deadline {compact_duration(ct.within)}"),
        ("handle time (mean)", f"index {_dist(ix.handle_time)}, contact "
                               f"{_dist(ct.handle_time)}"),
    ]
    ib = sc.inbound
    if ib.enabled:
        rows.append(("inbound hotline", f"{ib.calls_per_case:g} calls per case + "
                     f"{ib.base_per_day:g} a day; target: answered within "
                     f"{compact_duration(ib.answer_within)}; handle time {_dist(ib.handle_time)}, "
                     f"patience {_dist(ib.patience)}"))
    else:
        rows.append(("inbound hotline", "none"))
    rows += [
        ("shifts", f"{len(sc.agents.shifts)} shift(s): " + ", ".join(
            f"{_clock(s.start)} for {compact_duration(s.length)}" for s in sc.agents.shifts)),
        ("absence", _absence(sc)),
        ("staffing", staffing_summary(sc)),
        ("costs", f"{sc.costs.hourly_rate:,.2f} {sc.costs.currency} per agent-hour, "
                  f"billed per {sc.costs.billing.replace('_', ' ')}"),
    ]
    return rows


def _clock(seconds: float) -> str:
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def _dist(d: Any) -> str:
    if d.mean is None:
        return d.dist
    return f"{compact_duration(d.mean)} ({d.dist})"


def _count(c: Any) -> str:
    return f"{c.mean:g}"


# --------------------------------------------------------------------------- scenario notes


def scenario_notes(path: str | Path | None) -> list[tuple[str, str]]:
    """Return the comments of a scenario file and the files it extends: notes and sources.

    Parameters
    ----------
    path
        The scenario file as given to ``tracesim run``; None or a missing file
        gives nothing.

    Returns
    -------
    list of (str, str)
        (file name, its comment lines joined by newlines), the file first,
        then the file it ``extends`` and so on (at most 5 levels).
    """
    notes: list[tuple[str, str]] = []
    current = Path(path) if path else None
    for _ in range(5):
        if current is None or not current.is_file():
            break
        try:
            text = current.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            break
        comments = [line.strip()[1:].rstrip() for line in text.splitlines()
                    if line.strip().startswith("#")]
        if any(c.strip() for c in comments):
            notes.append((current.name, "\n".join(c[1:] if c.startswith(" ") else c
                                                  for c in comments)))
        match = re.search(r"^extends:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(#.*)?$", text, re.M)
        current = (current.parent / match.group(1).strip()) if match else None
    return notes


# --------------------------------------------------------------------------- numbers


#: Metrics of the headline table, in order (label, unit and format from the catalogue).
HEADLINE_METRICS: tuple[str, ...] = (
    "idle_share", "occupancy", "paid_hours", "idle_hours", "total_cost", "cost_per_handled_call",
    "cost_per_index_reached", "index_reached_within_deadline_share",
    "contacts_reached_within_deadline_share", "inbound_service_level", "inbound_abandon_share",
    "inbound_asa_s", "max_backlog")

#: Idle attribution metrics, in order.
ATTRIBUTION_METRICS: tuple[str, ...] = (
    "idle_hours", "unavoidable_idle_hours", "avoidable_idle_hours", "avoidable_idle_cost")


def _metric_rows(summary: pd.DataFrame, metrics: Sequence[str],
                 context: dict[str, str]) -> list[dict[str, str]]:
    """Rows of a headline table: label, mean, CI and unit, for metrics the summary has."""
    table = summary.set_index("metric")
    rows = []
    for name in metrics:
        if name not in table.index:
            continue
        entry, row = metric(name), table.loc[name]
        if pd.isna(row["mean"]) and name.startswith("inbound"):
            continue  # no hotline
        low, high = (entry.format(row[c], with_unit=False) for c in ("ci_low", "ci_high"))
        rows.append({"label": entry.label_in(context),
                     "mean": entry.format(row["mean"], with_unit=False),
                     "ci": f"{low} to {high}" if pd.notna(row["ci_low"]) else NAN_TEXT,
                     "unit": unit_text(entry, context), "n": f"{int(row['n'])}"})
    return rows


#: Columns of the monthly and weekly tables shown (when present).
PERIOD_COLUMNS: tuple[str, ...] = (
    "days", "attempts", "handled_calls", "agents_present_mean", "paid_hours", "idle_hours",
    "idle_share", "occupancy", "total_cost")


def _period_table(table: pd.DataFrame, key: str, context: dict[str, str]) -> dict[str, Any]:
    """Mean over replications per period of the columns of :data:`PERIOD_COLUMNS`."""
    columns = [c for c in PERIOD_COLUMNS if c in table.columns]
    means = table.groupby(key, sort=True)[columns].mean(numeric_only=True)
    header = [key] + [f"{metric(c).label_in(context)} ({unit_text(metric(c), context)})"
                      if unit_text(metric(c), context) else metric(c).label_in(context)
                      for c in columns]
    body = [[str(period)] + [metric(c).format(row[c], with_unit=False) for c in columns]
            for period, row in means.iterrows()]
    return {"header": header, "rows": body}


# --------------------------------------------------------------------------- figures


def _svg_images(makers: dict[str, Callable[[], Any]], jobs: int | None) -> dict[str, str]:
    """Draw figures as SVG and return them as ``data:`` URIs (base64)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from sim.outputs.figures import save_figures

    with tempfile.TemporaryDirectory(prefix="tracesim-report-") as tmp:
        save_figures(makers, Path(tmp), ("svg",), jobs)
        return {name: "data:image/svg+xml;base64," + base64.b64encode(
            (Path(tmp) / f"{name}.svg").read_bytes()).decode("ascii") for name in makers}


#: Captions: what a reader should look at in each figure.
CAPTIONS = {
    "demand": "Demand: expected and released cases, outbound call attempts, and inbound calls "
              "on their own scale.",
    "capacity": "Paid agent-hours against busy hours per day; the hatched orange area is paid "
                "time with no call (idle).",
    "idle_occupancy": "Idle share of paid time and occupancy per day.",
    "timeliness": "Share of each day's index cases and contacts reached within the deadline, "
                  "and the open outbound backlog.",
    "cost": "Cost per handled call and total cost per day.",
    "inbound": "Inbound hotline: service level and abandonment, with the calls offered.",
    "idle_by_cause": "Where the idle hours came from: each step of the ladder staffs the same "
                     "demand on the same random numbers for the same targets and adds one "
                     "constraint of real operations; a bar is the idle that constraint adds "
                     "(95 % paired interval as whisker), the last bar the run's idle.",
    "idle_attribution": "Idle hours split into unavoidable (the bound's, on the same random "
                        "numbers) and avoidable.",
    "comparison": "Scenarios side by side: mean with 95 % CI whiskers; Δ is the paired "
                  "difference against the reference (* its 95 % CI excludes 0).",
    "comparison_daily": "The scenarios' daily curves overlaid: demand, headcount, idle share "
                        "and timeliness.",
}


# --------------------------------------------------------------------------- directories


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read ({exc})") from exc


def _read_table(directory: Path, name: str) -> pd.DataFrame | None:
    parquet, csv = directory / f"{name}.parquet", directory / f"{name}.csv"
    if parquet.is_file():
        return pd.read_parquet(parquet)
    if csv.is_file():
        return pd.read_csv(csv)
    return None


def _load_scenario(path: Path) -> Scenario:
    return scenario_from_text(path.read_text(encoding="utf-8"), str(path))


@dataclass
class _Run:
    """What the report needs of one results directory (or one scenario of a comparison)."""

    directory: Path
    scenario: Scenario
    meta: dict
    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def seed(self) -> int | None:
        value = self.meta.get("seed")
        return None if value is None else int(value)

    @property
    def replications(self) -> int | None:
        value = self.meta.get("replications")
        return None if value is None else int(value)


def _load_run(directory: Path, meta: dict | None = None) -> _Run:
    scenario = _load_scenario(directory / "scenario.yaml")
    meta = meta if meta is not None else _read_json(directory / "metadata.json")
    summary = _read_table(directory, "summary")
    if summary is None:
        summary = _summary_from_json(directory / "summary.json")
    tables = {}
    for name in ("daily", "idle_attribution", "oracle_summary", "monthly", "weekly",
                 "idle_by_cause"):
        table = _read_table(directory, name)
        if table is not None:
            tables[name] = table
    return _Run(directory, scenario, meta, summary, tables)


def _summary_from_json(path: Path) -> pd.DataFrame:
    metrics = _read_json(path).get("metrics", {})
    return pd.DataFrame([{"metric": k, **{s: (math.nan if v.get(s) is None else v[s])
                                         for s in ("n", "mean", "sd", "ci_low", "ci_high")}}
                         for k, v in metrics.items()])


def _figure_makers(run: _Run) -> dict[str, Callable[[], Any]]:
    from sim.outputs.figures import figure_makers

    if "daily" not in run.tables:
        return {}
    bound = {"bound": run.meta["bound"]} if "bound" in run.meta else {}  # names it in a figure
    return figure_makers(**run_figure_arguments(run.scenario, run.tables, run.replications,
                                                run.seed, bound))


def _version_rows(meta: dict) -> list[tuple[str, str]]:
    rows = [("tracesim", str(meta.get("tracesim_version") or "unknown"))]
    if meta.get("python"):
        rows.append(("Python", str(meta["python"])))
    packages = meta.get("packages") or {}
    if packages:
        rows.append(("libraries", ", ".join(f"{k} {v}" for k, v in packages.items()
                                            if v and k != "tracesim")))
    for key, label in (("seed", "seed"), ("replications", "replications"),
                       ("scenario_hash", "scenario hash"), ("created_at_utc", "run at (UTC)")):
        if meta.get(key) is not None:
            rows.append((label, str(meta[key])))
    return rows


def _run_context(directory: Path, jobs: int | None, shown_as: Path) -> dict[str, Any]:
    run = _load_run(directory)
    units = label_context_of(run.scenario)
    images = _svg_images(_figure_makers(run), jobs)
    periods = [(title, _period_table(run.tables[name], key, units))
               for name, key, title in (("monthly", "month", "Monthly"),
                                        ("weekly", "week", "Weekly"))
               if name in run.tables and key in run.tables[name].columns]
    attribution = []
    if "idle_attribution" in run.tables:
        attribution = _metric_rows(run.summary, ATTRIBUTION_METRICS, units)
    bound = BOUNDS.get(str(run.meta.get("bound", "analytic")), BOUNDS["analytic"])
    source = run.meta.get("scenario_file")
    return {
        **_idle_by_cause_context(run),
        "kind": "run",
        "title": f"{run.scenario.name}: simulation report",
        "subtitle": figure_subtitle(run.scenario, run.replications, run.seed),
        "scenarios": [_scenario_context(run, source)],
        "headline": _metric_rows(run.summary, HEADLINE_METRICS, units),
        "periods": periods,
        "attribution": attribution,
        "bound": bound,
        "figures": [{"name": k, "src": v, "caption": CAPTIONS.get(k, "")}
                    for k, v in images.items()],
        "versions": _version_rows(run.meta),
        "reproduce": [f"tracesim rerun {shown_as}",
                      f"tracesim run {source or shown_as / 'scenario.yaml'} "
                      f"--seed {run.seed} --replications {run.replications}"],
        "tables": [], "answer": "",
    }


def _idle_by_cause_context(run: _Run) -> dict[str, Any]:
    """Return the ladder's sentence and rows for the report's first screen (or none)."""
    table = run.tables.get("idle_by_cause")
    if table is None or table.empty:
        return {"idle_sentence": "", "idle_causes": []}
    currency = run.scenario.costs.currency
    rows = [{"step": int(row.step), "cause": str(row.cause),
             "hours": format_value(float(row.idle_hours), "h"),
             "ci": (f"{format_value(float(row.ci_low), 'h', with_unit=False)} .. "
                    f"{format_value(float(row.ci_high), 'h', with_unit=False)}"),
             "share": format_value(float(row.share), "share"),
             "cost": format_value(float(row.cost), "money", currency),
             "met": "yes" if bool(row.met_targets) else f"no: {row.why}"}
            for row in table.itertuples()]
    return {"idle_sentence": idle_sentence(table), "idle_causes": rows}


def _scenario_context(run: _Run, source: str | None, label: str | None = None) -> dict:
    description = run.scenario.description
    parent = inherited_description(source) if source else None
    if parent is not None and description:
        description += f" (inherited from {parent}: this variant has no description of its own)"
    return {"name": label or run.scenario.name,
            "description": description,
            "settings": key_settings(run.scenario),
            "source": source,
            "notes": scenario_notes(source) if source else [],
            "staffing": staffing_summary(run.scenario)}


#: What the idle attribution compared with (``metadata.json`` "bound"; older runs: analytic).
BOUNDS = {
    "optimal": "the least staffing that meets the same service targets, found by simulation "
               "(bound \"optimal\")",
    "analytic": "the oracle policy: perfect foresight of the expected demand, the same service "
                "target (bound \"analytic\")",
}


#: Metrics of the comparison tables, in order.
COMPARISON_REPORT_METRICS: tuple[str, ...] = (
    "total_cost", "idle_share", "paid_hours", "idle_hours", "cost_per_handled_call",
    "index_reached_within_deadline_share", "contacts_reached_within_deadline_share",
    "inbound_service_level", "avoidable_idle_hours")


def _comparison_rows(table: pd.DataFrame, context: dict[str, str]) -> dict[str, Any]:
    """Means with CIs per scenario, and paired differences against the first.

    One row per metric (label and unit), one column per scenario: a table that
    stays readable however many metrics there are.
    """
    metrics = [m for m in COMPARISON_REPORT_METRICS if f"{m}_mean" in table.columns
               and table[f"{m}_mean"].notna().any()]
    records = table.to_dict(orient="records")
    names = [str(r["scenario"]) for r in records]
    means, diffs = [], []
    for name in metrics:
        entry = metric(name)
        unit = unit_text(entry, context)
        head = {"label": entry.label_in(context), "unit": unit}
        means.append({**head, "cells": [_ci_cell(r, name, entry) for r in records]})
        diffs.append({**head, "unit": "percentage points" if unit == "%" else unit,
                      "cells": [_ci_cell(r, f"{name}_diff", entry, signed=True)
                                for r in records[1:]]})
    return {"names": names, "means": means, "diffs": diffs}


def _ci_cell(row: dict, prefix: str, entry: Metric, signed: bool = False) -> dict[str, Any]:
    mean, lo, hi = (row.get(f"{prefix}_{s}") for s in ("mean", "ci_low", "ci_high"))
    text = entry.format(mean, signed=signed, with_unit=False)
    defined = lo is not None and pd.notna(lo)
    ci = (f"{entry.format(lo, signed=signed, with_unit=False)} to "
          f"{entry.format(hi, signed=signed, with_unit=False)}" if defined else "")
    significant = bool(signed and lo is not None and hi is not None and pd.notna(lo)
                       and (float(lo) > 0 or float(hi) < 0))
    return {"value": text, "ci": ci, "significant": significant}


def _comparison_context(directory: Path, jobs: int | None, shown_as: Path) -> dict[str, Any]:
    from sim.outputs.figures import plot_comparison, plot_comparison_daily

    meta = _read_json(directory / "metadata.json")
    table = pd.read_csv(directory / "comparison.csv")
    subdirs = sorted(p for p in (directory / "scenarios").iterdir() if p.is_dir())
    recorded = meta.get("scenarios") or []
    runs = [_load_run(d, {**meta, **(recorded[i] if i < len(recorded) else {})})
            for i, d in enumerate(subdirs)]
    if not runs:
        raise ReportError(f"{directory}: no scenarios/ in the comparison directory")
    first = runs[0].scenario
    units = label_context_of(first)
    names = [str(s) for s in table["scenario"]]
    deadlines = {r.scenario.tracing.index.within for r in runs}
    label = deadline_label(deadlines.pop()) if len(deadlines) == 1 else None
    subtitle = " · ".join(f"{n}: {staffing_summary(r.scenario)}"
                          for n, r in zip(names, runs, strict=False))
    makers: dict[str, Callable[[], Any]] = {
        "comparison": lambda: plot_comparison(table, currency=first.costs.currency,
                                              deadline_label=label, subtitle=subtitle)}
    dailies = [r.tables["daily"] for r in runs if "daily" in r.tables]
    if len(dailies) == len(runs):
        daily = pd.concat(dailies, ignore_index=True)
        makers["comparison_daily"] = lambda: plot_comparison_daily(
            daily, deadline_label=label or "deadline", subtitle=subtitle)
    images = _svg_images(makers, jobs)
    sources = [r.meta.get("source_file") for r in runs]
    attribution = any("idle_attribution" in r.tables for r in runs)
    return {
        "kind": "comparison",
        "title": f"Comparison of {len(runs)} scenarios",
        "subtitle": f"reference: {names[0]} · {meta.get('replications')} replications each, "
                    f"seed {meta.get('seed')} (common random numbers)",
        "scenarios": [_scenario_context(r, s, n)
                      for r, s, n in zip(runs, sources, names, strict=False)],
        "comparison": _comparison_rows(table, units),
        "reference": names[0],
        "settings_matrix": _settings_matrix([r.scenario for r in runs]),
        "attribution_note": attribution,
        "headline": [], "periods": [], "attribution": [], "tables": [], "answer": "",
        "figures": [{"name": k, "src": v, "caption": CAPTIONS.get(k, "")}
                    for k, v in images.items()],
        "versions": _version_rows(meta),
        "reproduce": [f"tracesim compare {' '.join(str(s) for s in sources if s)} "
                      f"--seed {meta.get('seed')} --replications {meta.get('replications')}"
                      if all(sources) else
                      f"tracesim compare <the scenario files> --seed {meta.get('seed')} "
                      f"--replications {meta.get('replications')}"],
    }


def _settings_matrix(scenarios: Sequence[Scenario]) -> list[dict[str, Any]]:
    """Key settings side by side, one value per scenario, flagged where they differ."""
    columns = [key_settings(s) for s in scenarios]
    rows = []
    for i, (label, _) in enumerate(columns[0]):
        values = [col[i][1] if i < len(col) else "–" for col in columns]
        rows.append({"label": label, "values": values, "differs": len(set(values)) > 1})
    return rows


def _kind(directory: Path) -> str:
    """Return what a folder holds: its ``metadata.json`` says (older ones: their files)."""
    meta = directory / "metadata.json"
    if meta.is_file():
        kind = _read_json(meta).get("kind")
        if kind in ("run", "comparison", "sweep", "optimum"):
            return str(kind)
    if (directory / "comparison.csv").is_file() and (directory / "scenarios").is_dir():
        return "comparison"
    if (directory / "scenario.yaml").is_file() and meta.is_file():
        return "run"
    raise ReportError(f"{directory} is not a folder of tracesim run, compare, sweep or "
                      "optimise (no metadata.json naming its kind, no scenario.yaml)")


def _points_table(table: pd.DataFrame, params: Sequence[str], metrics: Sequence[str],
                  context: dict[str, str], extra: Sequence[str] = ()) -> dict[str, Any]:
    """Return a table of points: varied values, each metric's mean and CI, ``extra``."""
    header = [*params, *(metric(m).label_in(context) for m in metrics), *extra]
    rows = []
    for _, row in table.iterrows():
        cells = [str(row[p]) for p in params]
        for name in metrics:
            entry = metric(name)
            text = entry.format(row[f"{name}_mean"], context.get("currency", ""))
            if pd.notna(row.get(f"{name}_ci_low")):
                text += (f" ({entry.format(row[f'{name}_ci_low'], with_unit=False)} to "
                         f"{entry.format(row[f'{name}_ci_high'], with_unit=False)})")
            cells.append(text)
        rows.append(cells + [str(row[c]) for c in extra])
    return {"header": header, "rows": rows}


def _common(directory: Path, meta: dict, scenario: Scenario, jobs: int | None,
            makers: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Return what every report has: the scenario assumed, the figures, the versions."""
    run = _Run(directory, scenario, meta, pd.DataFrame())
    images = _svg_images(makers, jobs) if makers else {}
    return {"scenarios": [_scenario_context(run, None)], "headline": [], "periods": [],
            "attribution": [], "bound": "", "comparison": None, "reference": "",
            "settings_matrix": [], "attribution_note": False, "versions": _version_rows(meta),
            "figures": [{"name": k, "src": v, "caption": CAPTIONS.get(k, "")}
                        for k, v in images.items()]}


def _sweep_context(directory: Path, jobs: int | None, shown_as: Path) -> dict[str, Any]:
    from sim.outputs.figures import plot_frontier

    meta = _read_json(directory / "metadata.json")
    scenario = _load_scenario(directory / "scenario.yaml")
    long, frontier = _read_table(directory, "sweep"), _read_table(directory, "frontier")
    if long is None or frontier is None:
        raise ReportError(f"{directory}: a sweep folder without sweep and frontier tables")
    x, y = str(meta.get("x")), str(meta.get("y"))
    context = label_context_of(scenario)
    params = [c for c in frontier.columns if c not in ("point", "pareto")
              and not c.startswith((f"{x}_", f"{y}_"))]
    makers = {"frontier": lambda: plot_frontier(
        long, x=x, y=y, currency=scenario.costs.currency,
        deadline_label=deadline_label(scenario.tracing.index.within),
        replications=int(meta.get("replications") or 0),
        subtitle=f"{scenario.name} · swept: {', '.join(params)}")}
    efficient = frontier[frontier["pareto"].astype(str) == "True"]
    vary = " ".join(f"--vary {v}" for v in meta.get("vary") or [])
    return {**_common(directory, meta, scenario, jobs, makers),
            "kind": "sweep",
            "title": f"{scenario.name}: sweep report",
            "subtitle": f"{len(frontier)} points · {meta.get('replications')} replications each, "
                        f"seed {meta.get('seed')} (common random numbers)",
            "answer": (f"{len(efficient)} of {len(frontier)} points are Pareto-efficient for "
                       f"{metric(x).label_in(context)} against {metric(y).label_in(context)}."),
            "tables": [{"id": "points", "title": "Points",
                        "note": "Means over replications with their 95 % CI; Pareto: no other "
                                "point is at least as good on both and better on one.",
                        **_points_table(frontier, params, (x, y), context, ("pareto",))}],
            "reproduce": [f"tracesim sweep {shown_as / 'scenario.yaml'} {vary} "
                          f"--seed {meta.get('seed')} --replications {meta.get('replications')}"]}


def _optimum_context(directory: Path, jobs: int | None, shown_as: Path) -> dict[str, Any]:
    meta = _read_json(directory / "metadata.json")
    scenario = _load_scenario(directory / "scenario.yaml")
    answer = _read_json(directory / "optimum.json")
    log = _read_table(directory, "optimise")
    if log is None:
        raise ReportError(f"{directory}: an optimisation folder without optimise.csv")
    context = label_context_of(scenario)
    minimise = str(answer.get("minimise"))
    required = [r.split(">")[0].split("<")[0] for r in answer.get("require") or []]
    metrics = list(dict.fromkeys([minimise, *required]))
    params = [c for c in log.columns if c not in ("evaluation", "feasible", "best",
                                                  "scenario_hash")
              and not any(c.startswith(f"{m}_") for m in metrics)]
    point = answer.get("point")
    text = ("The cheapest setting meeting every requirement with 95 % confidence: "
            + ", ".join(f"{k} = {v}" for k, v in point.items()) if point else
            "No setting evaluated met every requirement with 95 % confidence.")
    return {**_common(directory, meta, scenario, jobs, {}),
            "kind": "optimum",
            "title": f"{scenario.name}: optimisation report",
            "subtitle": f"minimise {metric(minimise).label_in(context)} · "
                        f"{len(log)} settings · {answer.get('replications')} replications each, "
                        f"seed {answer.get('seed')}",
            "answer": text,
            "tables": [{"id": "evaluations", "title": "Settings evaluated",
                        "note": "In the order the search ran them; means with their 95 % CI.",
                        **_points_table(log, params, metrics, context, ("feasible", "best"))}],
            "reproduce": [f"tracesim optimise {shown_as / 'scenario.yaml'} --minimise "
                          f"{minimise} --seed {answer.get('seed')} --replications "
                          f"{answer.get('replications')}"]}


_CONTEXTS = {"run": _run_context, "comparison": _comparison_context, "sweep": _sweep_context,
             "optimum": _optimum_context}


def build_report(directory: str | Path, jobs: int | None = None,
                 shown_as: str | Path | None = None) -> str:
    """Render the HTML report of a folder of run, compare, sweep or optimise.

    Parameters
    ----------
    directory
        The folder (:func:`sim.outputs.writer.write_folder` wrote it).
    jobs
        Processes drawing the figures (None: all cores).
    shown_as
        The folder's name in the report's commands (default: ``directory``;
        the writer gives the final name while it writes into a temporary one).

    Returns
    -------
    str
        One self-contained HTML document.

    Raises
    ------
    ReportError
        The directory is none of these.
    """
    directory = Path(directory)
    context = _CONTEXTS[_kind(directory)](directory, jobs,
                                          Path(shown_as) if shown_as else directory)
    context["generated_utc"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _template().render(**context)


def _template() -> Any:
    from importlib import resources

    import jinja2

    template = resources.files("sim.outputs") / "templates" / "report.html.j2"
    text = template.read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env.from_string(text)


def write_report(directory: str | Path, out: str | Path | None = None,
                 overwrite: bool = False, jobs: int | None = None) -> Path:
    """Write the HTML report of a results or comparison directory.

    Parameters
    ----------
    directory
        The results or comparison directory.
    out
        The HTML file (default: ``report.html`` in ``directory``).
    overwrite
        Replace an existing file; otherwise an existing file is never touched.
    jobs
        Processes drawing the figures (None: all cores).

    Returns
    -------
    pathlib.Path
        The file written (atomically: a temporary file renamed into place).

    Raises
    ------
    ReportError
        ``out`` exists and ``overwrite`` is false, or ``directory`` is not a
        results directory.
    """
    directory = Path(directory)
    target = Path(out) if out is not None else directory / "report.html"
    if not directory.is_dir():
        raise ReportError(f"{directory} is not a directory")
    if target.is_dir():
        raise ReportError(f"{target} is a directory; give --out a file name such as "
                          f"{target / 'report.html'}")
    if target.exists() and not overwrite:
        raise ReportError(f"{target} exists; choose another --out or pass --overwrite")
    html = build_report(directory, jobs=jobs)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
