"""Several demand sources (``epidemic.sources``) and the CSV options, from YAML to the tables."""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.inputs.arrivals import draw_releases
from sim.inputs.compile import DemandSource, compile_plan
from sim.inputs.scenario import ScenarioError, load_scenario, scenario_from_text
from sim.inputs.streams import stream
from sim.interfaces.cli import main
from sim.model.draws import Cases, Streams
from sim.staffing.workload import expected_released_per_day
from tests.conftest import SCENARIOS
from tests.scenarios_for_tests import BASE

WAVES = copy.deepcopy(BASE["epidemic"])
TRAVELLERS = {"name": "travellers", "model": "waves", "baseline_per_day": 12,
              "share_traced": 1.0}


def _scenario(epidemic: dict, tmp_path=None, **changes) -> sim.Scenario:
    data = copy.deepcopy(BASE)
    data["epidemic"] = epidemic
    data.update(changes)
    return scenario_from_text(yaml.safe_dump(data), "s.yaml", base_dir=tmp_path)


def _sources(*extra: dict) -> dict:
    return {"sources": [{"name": "cases", **WAVES}, *extra]}


def _tables(scenario: sim.Scenario) -> dict[str, pd.DataFrame]:
    results = sim.run(scenario, replications=2, seed=11, jobs=1)
    return {name: table.drop(columns="scenario", errors="ignore")
            for name, table in results.tables.items() if name != "summary"}


# --------------------------------------------------------------------------- common random numbers


def test_one_source_gives_the_same_tables_as_the_single_model():
    single = _tables(_scenario(WAVES))
    listed = _tables(_scenario(_sources()))
    for name, table in single.items():
        pd.testing.assert_frame_equal(table, listed[name], check_exact=True, obj=name)


def test_adding_a_source_leaves_the_first_sources_draws_intact():
    alone = compile_plan(_scenario(_sources()))
    both = compile_plan(_scenario(_sources(TRAVELLERS)))
    for replication in range(3):
        one = Cases.draw(alone, Streams(5, replication))
        two = Cases.draw(both, Streams(5, replication))
        np.testing.assert_array_equal(two.cases_by_source["cases"], one.cases_per_day)
        np.testing.assert_array_equal(two.released_by_source["cases"], one.released_per_day)
        # every release of the first source is still there, at the same instant
        assert np.isin(one.release_s, two.release_s).all()
        assert two.release_s.size == one.release_s.size + two.released_by_source[
            "travellers"].sum()
        assert np.all(np.diff(two.release_s) >= 0)
        np.testing.assert_array_equal(
            two.released_per_day, sum(two.released_by_source.values()))
        np.testing.assert_array_equal(two.cases_per_day, sum(two.cases_by_source.values()))


def test_identical_sources_draw_from_their_own_streams():
    plan = compile_plan(_scenario(_sources({**WAVES, "name": "copy"})))
    cases = Cases.draw(plan, Streams(2, 0))
    first, second = cases.released_by_source["cases"], cases.released_by_source["copy"]
    assert first.sum() > 50 and not np.array_equal(first, second)


def test_released_cases_of_a_source_have_mean_expected_times_share_traced():
    # Poisson cases thinned by share p are Poisson(m p): mean and variance m p per day.
    expected = np.array([40.0, 5.0, 120.0])
    sources = [DemandSource("a", expected, np.full(3, 0.25), ""),
               DemandSource("b", expected[::-1].copy(), np.array([1.0, 0.5, 0.0]), "source:b/")]
    n = 400
    totals = {"a": np.zeros((n, 3)), "b": np.zeros((n, 3))}
    for r in range(n):
        got = draw_releases(sources, lambda name, r=r: stream(9, r, name), "poisson", None,
                            np.array([8 * 3600.0]), np.array([3600.0]), np.array([1.0]))
        for name in totals:
            totals[name][r] = got.released_by_source[name]
    for source in sources:
        mean = source.expected_cases * source.share_traced
        half_width = 4.5 * np.sqrt(np.maximum(mean, 1e-12) / n)  # 4.5 standard errors
        np.testing.assert_array_less(np.abs(totals[source.name].mean(axis=0) - mean),
                                     half_width + 1e-12)
    assert totals["b"][:, 2].sum() == 0  # share 0: nothing released


def test_expected_demand_adds_the_sources_with_their_own_share_traced():
    scenario = _scenario(_sources({**TRAVELLERS, "share_traced": 0.5},
                                  {**TRAVELLERS, "name": "other", "share_traced": None}))
    plan = compile_plan(scenario)
    single = compile_plan(_scenario(WAVES))
    np.testing.assert_allclose(plan.expected_cases, single.expected_cases + 12 + 12)
    default = scenario.reporting.share_traced
    np.testing.assert_allclose(expected_released_per_day(plan),
                               single.expected_cases * default + 12 * 0.5 + 12 * default)
    assert [s.name for s in plan.sources] == ["cases", "travellers", "other"]
    assert [s.streams for s in plan.sources] == ["", "source:travellers/", "source:other/"]


def test_a_run_with_two_sources_releases_both():
    results = sim.run(_scenario(_sources(TRAVELLERS)), replications=1, seed=3, jobs=1)
    alone = sim.run(_scenario(_sources()), replications=1, seed=3, jobs=1)
    extra = results.daily["index_released"].sum() - alone.daily["index_released"].sum()
    # 12 travellers a day over 4 days, all traced: Poisson(48) more index cases
    assert abs(extra - 48) < 5 * np.sqrt(48)


def test_share_traced_follows_dated_changes_unless_the_source_sets_its_own():
    own = {**TRAVELLERS, "share_traced": 0.7}
    scenario = _scenario(_sources(own), changes=[
        {"from": "2020-09-09", "set": {"reporting.share_traced": 0.5}}])
    plan = compile_plan(scenario)
    np.testing.assert_array_equal(plan.sources[0].share_traced, [0.9, 0.9, 0.5, 0.5])
    np.testing.assert_array_equal(plan.sources[1].share_traced, [0.7] * 4)


def test_sources_from_python():
    base = _scenario(WAVES)
    both = base.with_changes({"epidemic": _sources(TRAVELLERS)})
    assert [s.name for s in compile_plan(both).sources] == ["cases", "travellers"]
    lower = both.with_changes({"epidemic.sources.1.share_traced": 0.25})
    assert lower.epidemic.sources[1].share_traced == 0.25


# --------------------------------------------------------------------------- the schema


def test_source_errors_name_the_field_in_the_list():
    with pytest.raises(ScenarioError) as err:
        _scenario(_sources({**TRAVELLERS, "sahre_traced": 1, "baseline_per_day": -1}))
    lines = err.value.problems
    assert any("epidemic.sources.1.sahre_traced: unknown field; did you mean 'share_traced'"
               in line for line in lines), lines
    assert any("epidemic.sources.1.baseline_per_day:" in line for line in lines), lines
    assert all(line.startswith("s.yaml:") and "\n" not in line for line in lines)


@pytest.mark.parametrize(("extra", "message"), [
    ({**TRAVELLERS, "name": "cases"}, "source names must be distinct; repeated: cases"),
    ({**TRAVELLERS, "name": "Travellers"}, "epidemic.sources.1.name"),
    ({**TRAVELLERS, "share_traced": 1.5}, "epidemic.sources.1.share_traced"),
    ({**TRAVELLERS, "model": "wave"}, "epidemic.sources.1"),
])
def test_bad_sources_are_refused(extra, message):
    with pytest.raises(ScenarioError, match=message):
        _scenario(_sources(extra))


def test_sources_replace_a_single_model_in_a_variant(tmp_path):
    parent = copy.deepcopy(BASE)
    (tmp_path / "parent.yaml").write_text(yaml.safe_dump(parent))
    child = {"extends": "parent.yaml", "epidemic": _sources(TRAVELLERS)}
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(child))
    scenario = load_scenario(tmp_path / "child.yaml")
    assert [s.name for s in scenario.epidemic.sources] == ["cases", "travellers"]
    assert scenario.epidemic.model == "sources"
    again = scenario_from_text(scenario.to_yaml(), "again.yaml")  # round trip
    assert again == scenario


# --------------------------------------------------------------------------- CSV options


def _csv(tmp_path, text: str, name: str = "cases.csv") -> str:
    (tmp_path / name).write_text(text)
    return name


def test_csv_separator_date_format_and_dated_scale_from_yaml(tmp_path):
    days = [dt.date(2020, 9, 7) + dt.timedelta(days=d) for d in range(4)]
    rows = "".join(f"{d:%d/%m/%Y};{10 * (i + 1)}\n" for i, d in enumerate(days))
    path = _csv(tmp_path, "datum;gevallen\n" + rows)
    source = {"name": "travellers", "model": "csv", "path": path, "date_column": "datum",
              "cases_column": "gevallen", "separator": ";", "date_format": "%d/%m/%Y",
              "scale": [{"from": "2020-09-01", "scale": 0.5}, {"from": "2020-09-09", "scale": 2}]}
    plan = compile_plan(_scenario(_sources(source), tmp_path))
    np.testing.assert_allclose(plan.sources[1].expected_cases, [5, 10, 60, 80])


def test_fill_missing_and_drop_missing_dates_from_yaml(tmp_path):
    path = _csv(tmp_path, "date,cases\n2020-09-07,4\n,9\n2020-09-09,6\n2020-09-10,1\n")
    epidemic = {"model": "csv", "path": path, "fill_missing": 0, "drop_missing_dates": True}
    plan = compile_plan(_scenario(epidemic, tmp_path))
    np.testing.assert_allclose(plan.expected_cases, [4, 0, 6, 1])


def test_validate_names_the_source_and_the_missing_dates(tmp_path, capsys):
    path = _csv(tmp_path, "date,cases\n2020-09-06,1\n2020-09-07,1\n2020-09-08,2\n")
    data = copy.deepcopy(BASE)
    data["epidemic"] = _sources({"name": "travellers", "model": "csv", "path": path})
    scenario_path = tmp_path / "s.yaml"
    scenario_path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(scenario_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "epidemic.sources.1.path:" in err[0]
    assert "missing 2020-09-09 to 2020-09-10 (2 days)" in err[0]


def test_validate_names_dates_missing_inside_the_file(tmp_path):
    path = _csv(tmp_path, "date,cases\n2020-09-07,1\n2020-09-10,2\n")
    with pytest.raises(ScenarioError) as err:
        _scenario({"model": "csv", "path": path}, tmp_path)
    (line,) = err.value.problems
    assert "epidemic.path:" in line and "2020-09-08 to 2020-09-09 (2 days)" in line


def test_dated_scale_must_cover_the_start(tmp_path):
    path = _csv(tmp_path, "date,cases\n" + "".join(
        f"2020-09-{d:02d},1\n" for d in range(7, 11)))
    with pytest.raises(ScenarioError, match=r"epidemic\.scale\.0\.from: the first step"):
        _scenario({"model": "csv", "path": path, "scale": [{"from": "2020-09-08", "scale": 1}]},
                  tmp_path)
    with pytest.raises(ScenarioError, match=r"epidemic\.scale\.1\.scale"):
        _scenario({"model": "csv", "path": path, "scale": [{"from": "2020-09-01", "scale": 1},
                                                           {"from": "2020-09-08", "scale": -1}]},
                  tmp_path)


@pytest.mark.parametrize(("field", "value"), [("separator", ";;"), ("separator", "\n"),
                                              ("date_format", "%d/%m"), ("scale", 0)])
def test_bad_csv_options_are_refused(tmp_path, field, value):
    with pytest.raises(ScenarioError, match=rf"epidemic\.{field}:"):
        _scenario({"model": "csv", "path": "x.csv", field: value}, tmp_path)


# --------------------------------------------------------------------------- bundled scenarios


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_bundled_scenario_validates_and_compiles(path):
    warnings: list[str] = []
    plan = compile_plan(load_scenario(path, warnings=warnings))
    assert np.all(np.isfinite(plan.expected_cases)) and np.all(plan.expected_cases >= 0)


def test_backtest_data_follows_its_documented_method():
    # scenarios/data/README.md: observed 1 Sep - 28 Oct; then Belgian consolidated cases x
    # 40,939 / 112,575 (Flanders' share of Belgium, 22-28 Oct 2020), rounded.
    data = pd.read_csv(SCENARIOS / "data" / "flanders_cases_2020-09-01_2020-11-30.csv",
                       parse_dates=["date"])
    assert list(data["date"]) == list(pd.date_range("2020-09-01", "2020-11-30"))
    observed = data["method"] == "observed"
    assert data.loc[observed, "date"].max() == pd.Timestamp("2020-10-28")
    estimated = data.loc[~observed]
    np.testing.assert_array_equal(
        estimated["flanders_cases"],
        np.round(estimated["belgium_cases_consolidated"] * 40939 / 112575))
    # the figures cited in the scenario and the README
    by_month = data.groupby(data["date"].dt.month)["flanders_cases"].sum()
    assert by_month.to_dict() == {9: 16477, 10: 113369, 11: 48056}
    trailing = data.set_index("date")["flanders_cases"].rolling(7).mean()
    assert trailing.idxmax() == pd.Timestamp("2020-10-27") and round(trailing.max()) == 5891
