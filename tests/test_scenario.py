"""Scenario schema: durations, validation messages with file:line:col and path, overrides."""

from __future__ import annotations

import json

import pytest

import sim
from sim.scenario import ScenarioError, load_scenario, scenario_from_text
from sim.units import format_duration, parse_clock, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("20s", 20), ("12min", 720), ("1.5h", 5400), ("3d", 259200), ("PT12M", 720),
     ("P1DT2H", 93600), ("2 hours", 7200), (0, 0)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["2 fortnights", "soon", 12, -3, True, "", "PT"])
def test_bad_durations_are_refused_with_the_accepted_forms(bad):
    with pytest.raises(ValueError, match="30s, 12min"):
        parse_duration(bad)


@pytest.mark.parametrize("seconds", [0, 20, 90, 720, 5400, 86400, 1.5])
def test_format_duration_round_trips(seconds):
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_parse_clock():
    assert parse_clock("08:30") == 8.5 * 3600
    assert parse_clock("24:00") == 86400
    assert parse_clock(480) == 8 * 3600  # YAML 1.1 reads 08:00 unquoted as 480
    with pytest.raises(ValueError):
        parse_clock("25:00")


def test_bundled_scenarios_validate(quick_path, mmc_path):
    for path in (quick_path, mmc_path, sim.default_scenario_path()):
        scenario = load_scenario(path)
        assert scenario.calendar.days >= 1


def test_scenario_is_frozen(quick_path):
    scenario = load_scenario(quick_path)
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError
        scenario.name = "other"


def test_errors_name_file_line_column_and_path(quick_path, tmp_path):
    text = quick_path.read_text()
    text = text.replace("reach_probability: 0.7\n", "reach_probability: 1.7\n", 1)
    text = text.replace("retry_after: 2h", "retry_after: '2 fortnights'", 1)
    text = text.replace("phone_share: 0.9", "phone_shares: 0.9")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    problems = info.value.problems
    assert len(problems) == 3
    lines = text.splitlines()
    by_path = {p.split(" ")[1].rstrip(":"): p for p in problems}
    reach = by_path["tracing.index.reach_probability"]
    line_no = int(reach.split(":")[1])
    assert "reach_probability: 1.7" in lines[line_no - 1]
    assert "'2 fortnights'" in by_path["tracing.index.retry_after"]
    assert "did you mean 'phone_share'" in by_path["tracing.contact.phone_shares"]
    assert all(p.startswith(str(bad)) for p in problems)


def test_missing_required_section():
    with pytest.raises(ScenarioError) as info:
        scenario_from_text("name: x\ncalendar: {start: 2020-01-01, days: 3}\n", "x.yaml")
    missing = [p for p in info.value.problems if "required field is missing" in p]
    assert {p.split(" ")[1].rstrip(":") for p in missing} >= {"tracing", "agents", "staffing",
                                                              "costs", "epidemic"}


@pytest.mark.parametrize(
    "text", ["", "- a\n- b\n", "name: [unclosed\n", "!!python/object:os.system {}"]
)
def test_broken_documents_give_one_clear_error(text):
    with pytest.raises(ScenarioError) as info:
        scenario_from_text(text, "f.yaml")
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("f.yaml")


def test_overrides_apply_and_are_validated(quick_path):
    scenario = load_scenario(quick_path, ["staffing.headcount=40", "tracing.index.within=12h"])
    assert scenario.staffing.headcount == 40
    assert scenario.tracing.index.within == 12 * 3600
    with pytest.raises(ScenarioError, match="staffing.headcount"):
        load_scenario(quick_path, ["staffing.headcount=-1"])


def test_resolved_yaml_round_trips(quick_path):
    scenario = load_scenario(quick_path)
    again = scenario_from_text(scenario.to_yaml())
    assert again == scenario
    assert again.hash() == scenario.hash()


def test_json_schema_is_json():
    schema = sim.json_schema()
    text = json.dumps(schema)
    assert "calendar" in schema["properties"]
    assert "12min" in text


def test_extends_lays_a_variant_over_its_parent(quick_path, tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(quick_path.read_text())
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\ncosts: {hourly_rate: 27}\n"
                     "staffing: {policy: reactive, initial_headcount: 10}\n")
    scenario = load_scenario(child)
    base = load_scenario(parent)
    assert scenario.name == "child"
    assert scenario.costs.hourly_rate == 27
    assert scenario.costs.supervisor_ratio == base.costs.supervisor_ratio  # merged, not replaced
    assert scenario.staffing.policy == "reactive"  # another policy replaces the mapping
    assert scenario.tracing == base.tracing


def test_extends_errors_are_one_line(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text("extends: missing.yaml\nname: child\n")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(child)
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\nname: loop\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(loop)


def test_bundled_variants_validate():
    from tests.conftest import SCENARIOS

    for path in sorted(SCENARIOS.glob("flanders-autumn-2020-*.yaml")):
        scenario = load_scenario(path)
        assert scenario.calendar.days == 91, path
