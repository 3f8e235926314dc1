"""A results directory explains itself: README, units, CSV rounding, timestamps, workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
import sim.outputs.results
from sim.outputs.folder_readme import (
    UNITS,
    csv_columns,
    csv_frame,
    describe_column,
    unit_of,
)

QUICK = Path(__file__).resolve().parents[1] / "scenarios" / "quick.yaml"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small run with every optional table, saved with the workbook."""
    scenario = sim.load_scenario(QUICK).with_changes({"simulation.calls_log": True})
    results = sim.run(scenario, replications=2, seed=3, jobs=1, progress=False)
    results = sim.attribute_idle(results, jobs=1, progress=False)
    out = tmp_path_factory.mktemp("res") / "quick"
    results.save(out, figures=False, excel=True)
    return results, out


def test_readme_lists_every_file_and_describes_every_column(saved) -> None:
    results, out = saved
    text = (out / "README.md").read_text()
    assert "not described" not in text and "| ? |" not in text
    for path in out.iterdir():
        assert f"`{path.name}" in text, path.name
    for path in out.glob("*.csv"):
        for column in pd.read_csv(path, nrows=0).columns:
            unit, _ = describe_column(column)
            assert f"| `{column}` | {unit} |" in text, (path.name, column)
    for metric in results.summary["metric"]:
        assert f"| `{metric}` | {describe_column(metric)[0]} |" in text
    assert "Shares are 0-1" in text and "seed 3" in text


def test_every_share_is_between_zero_and_one(saved) -> None:
    results, _ = saved
    for name, table in results.tables.items():
        for column in table.columns:
            if unit_of(column) == "share":
                values = table[column].dropna()
                assert ((values >= 0) & (values <= 1)).all(), (name, column)


def test_csv_is_rounded_by_unit_and_parquet_keeps_full_precision(saved) -> None:
    results, out = saved
    for name in ("daily", "intervals", "agents", "people", "replications"):
        table = results.tables[name]
        parquet = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(parquet, table, check_dtype=False, check_categorical=False)
        written = pd.read_csv(out / f"{name}.csv")
        for column in table.columns:
            if table[column].dtype.kind != "f":
                continue
            decimals = UNITS[unit_of(column)][1]
            assert decimals is not None, column
            gap = np.nanmax(np.abs(written[column].to_numpy() - table[column].to_numpy()),
                            initial=0.0)
            assert gap <= 0.5 * 10.0 ** -decimals + 1e-12, (name, column, gap)
            digits = written[column].dropna().map(lambda v: len(repr(v).partition(".")[2]))
            assert (digits <= decimals).all(), (name, column)


def test_summary_csv_is_rounded_by_each_metric(saved) -> None:
    results, out = saved
    written = pd.read_csv(out / "summary.csv").set_index("metric")
    exact = results.summary.set_index("metric")
    for metric in ("total_cost", "idle_share", "paid_hours"):
        decimals = UNITS[unit_of(metric)][1]
        assert written.loc[metric, "mean"] == round(exact.loc[metric, "mean"], decimals)


def test_time_columns_get_timestamps_in_csv(saved) -> None:
    results, out = saved
    start = pd.Timestamp(results.scenario.calendar.start)
    for name, columns in (("people", ("created", "due", "reached", "closed")),
                          ("calls", ())):
        if name == "calls":
            assert not (out / "calls.csv").exists()  # the call log stays Parquet only
            continue
        written = pd.read_csv(out / f"{name}.csv")
        header = list(written.columns)
        for column in columns:
            assert header.index(f"{column}_at") == header.index(f"{column}_s") + 1
            seconds = results.tables[name][f"{column}_s"]
            expected = start + pd.to_timedelta(np.floor(seconds), unit="s")
            got = pd.to_datetime(written[f"{column}_at"])
            assert (got.isna() == seconds.isna()).all()
            assert (got.dropna() == expected.dropna()).all()


def test_csv_columns_are_those_csv_frame_writes(saved) -> None:
    results, out = saved
    start = results.scenario.calendar.start
    for name, table in results.tables.items():
        assert csv_columns(table.columns) == list(csv_frame(table, start).columns), name


def test_csv_frame_leaves_the_table_alone() -> None:
    table = pd.DataFrame({"created_s": [0.12345, 86401.9], "idle_share": [1 / 3, 0.5]})
    before = table.copy()
    out = csv_frame(table, dt.date(2020, 9, 1))
    pd.testing.assert_frame_equal(table, before)
    assert list(out.columns) == ["created_s", "created_at", "idle_share"]
    assert list(out["created_at"]) == ["2020-09-01 00:00:00", "2020-09-02 00:00:01"]
    assert out["created_s"].tolist() == [0.123, 86401.9]


def test_workbook_has_the_sheets_with_percent_formats(saved) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    results, out = saved
    book = openpyxl.load_workbook(out / "results.xlsx")
    assert book.sheetnames == ["summary", "daily", "monthly", "agents"]
    daily = book["daily"]
    header = [c.value for c in daily[1]]
    column = header.index("idle_share") + 1
    cell = daily.cell(row=2, column=column)
    assert cell.number_format == "0.0%"
    assert cell.value == pytest.approx(results.daily["idle_share"].iloc[0], rel=1e-12)
    assert book["agents"].max_row == len(results.agents) + 1


@pytest.mark.parametrize(("setting", "limit", "written"),
                         [("auto", None, True), ("auto", 10, False), (False, None, False),
                          (True, 10, True)])
def test_people_log_decides_whether_people_are_written(
    tmp_path, monkeypatch, setting, limit, written
) -> None:
    if limit is not None:
        monkeypatch.setattr(sim.outputs.results, "PEOPLE_AUTO_MAX_ROWS", limit)
    scenario = sim.load_scenario(QUICK).with_changes(
        {"calendar.days": 3, "simulation.people_log": setting})
    results = sim.run(scenario, replications=1, seed=1, jobs=1, progress=False)
    results.save(tmp_path / "r", figures=False)
    assert (tmp_path / "r" / "people.parquet").exists() == written
    assert (tmp_path / "r" / "people.csv").exists() == written
    readme = (tmp_path / "r" / "README.md").read_text()
    assert ("not written" in readme) == (not written)
    assert "people" in results.tables  # still there in memory for the figures
