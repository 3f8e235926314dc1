"""Scenario schema: durations, validation messages with file:line:col and path, overrides."""

from __future__ import annotations

import json

import pytest

import sim
from sim.basics.units import format_duration, parse_clock, parse_duration
from sim.inputs.scenario import ScenarioError, load_scenario, scenario_from_text


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


# --------------------------------------------------------------------------- callbacks


def _problems(text: str, *overrides: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        scenario_from_text(text, "cb.yaml", list(overrides))
    return info.value.problems


def test_callbacks_are_off_by_default_with_the_agreed_defaults(quick_path):
    callback = load_scenario(quick_path).inbound.callback
    assert callback.enabled is False
    assert callback.offer_after == 60
    assert (callback.accept_probability, callback.reach_probability) == (0.5, 0.9)
    assert (callback.max_attempts, callback.priority) == (3, 0)
    assert (callback.retry_after, callback.within) == (15 * 60, 2 * 3600)
    assert callback.failed_attempt_time.dist == "deterministic"
    assert callback.failed_attempt_time.mean_s == 30


def test_callbacks_are_read_from_yaml_with_units(quick_path):
    scenario = load_scenario(quick_path, [
        "inbound.enabled=true", "inbound.base_per_day=100", "inbound.callback.enabled=true",
        "inbound.callback.offer_after=45s", "inbound.callback.within=4h",
        "inbound.callback.failed_attempt_time=20s", "inbound.callback.priority=-1"])
    callback = scenario.inbound.callback
    assert callback.enabled and callback.offer_after == 45 and callback.within == 4 * 3600
    assert callback.failed_attempt_time.mean_s == 20 and callback.priority == -1
    assert scenario_from_text(scenario.to_yaml()) == scenario  # round trip


@pytest.mark.parametrize(
    ("override", "path"),
    [("inbound.callback.accept_probability=1.5", "inbound.callback.accept_probability"),
     ("inbound.callback.reach_probability=-0.1", "inbound.callback.reach_probability"),
     ("inbound.callback.max_attempts=0", "inbound.callback.max_attempts"),
     ("inbound.callback.within=0s", "inbound.callback.within"),
     ("inbound.callback.retry_after=0s", "inbound.callback.retry_after"),
     ("inbound.callback.offer_after=soon", "inbound.callback.offer_after"),
     ("inbound.callback.enabled=maybe", "inbound.callback.enabled"),
     ("inbound.callback.offer_afer=1min", "inbound.callback.offer_afer")],
)
def test_bad_callback_values_give_one_line_naming_the_field(quick_path, override, path):
    problems = _problems(quick_path.read_text(), override)
    assert len(problems) == 1
    problem = problems[0]
    assert "\n" not in problem and problem.startswith(f"--set {override} ")  # not cb.yaml
    assert problem.split(" ")[2].rstrip(":") == path


def test_a_misspelt_callback_field_gets_a_suggestion(quick_path):
    problem = _problems(quick_path.read_text(), "inbound.callback.offer_afer=1min")[0]
    assert "did you mean 'offer_after'" in problem


def test_callbacks_need_the_hotline_and_an_offer_after_some_wait(quick_path):
    text = quick_path.read_text()
    off = _problems(text, "inbound.enabled=false", "inbound.callback.enabled=true")
    assert [p.split(" ")[2].rstrip(":") for p in off] == ["inbound.callback.enabled"]
    assert "inbound.enabled" in off[0]
    at_once = _problems(text, "inbound.enabled=true", "inbound.base_per_day=10",
                        "inbound.callback.enabled=true", "inbound.callback.offer_after=0s")
    assert [p.split(" ")[2].rstrip(":") for p in at_once] == ["inbound.callback.offer_after"]
    # the same values are fine while callbacks are off
    load_scenario(quick_path, ["inbound.callback.offer_after=0s"])


def test_callbacks_offered_after_the_mean_patience_warn(quick_path):
    warnings: list[str] = []
    load_scenario(quick_path, ["inbound.enabled=true", "inbound.base_per_day=10",
                               "inbound.patience=5min", "inbound.callback.enabled=true",
                               "inbound.callback.offer_after=6min"], warnings=warnings)
    assert any("inbound.callback.offer_after: warning:" in w for w in warnings)
    warnings.clear()
    load_scenario(quick_path, ["inbound.enabled=true", "inbound.base_per_day=10",
                               "inbound.patience=5min", "inbound.callback.enabled=true",
                               "inbound.callback.offer_after=1min"], warnings=warnings)
    assert not any("callback" in w for w in warnings)


# --------------------------------------------------------------------------- messages


def test_errors_inside_a_policy_name_the_field_without_the_tag(quick_path):
    setting = "staffing={policy: reactive, initial_headcount: 5, window: 2h, windw: 3d}"
    problems = _problems(quick_path.read_text(), setting)
    assert all(p.startswith(f"--set {setting} ") for p in problems)  # placed at the --set
    by_path = {p[len(setting) + 7:].split(" ")[0].rstrip(":"): p for p in problems}
    assert set(by_path) == {"staffing.window", "staffing.windw"}
    assert "at least 1d" in by_path["staffing.window"]
    # suggestions come from the policy being validated, not the first of the union
    assert "did you mean 'window'" in by_path["staffing.windw"]


def test_unknown_field_lists_the_fields_of_the_model_in_use(quick_path):
    problem = _problems(quick_path.read_text(),
                        "staffing={policy: pool, core_headcount: 2, pool_size: 3, zzz: 1}")[0]
    allowed = problem.split("(allowed: ")[1].rstrip(")").split(", ")
    assert "call_in_delay" in allowed and "headcount" not in allowed


def test_default_scenario_path_points_into_the_package():
    path = sim.default_scenario_path()
    assert path.is_file() and path.parent.name == "data"
    assert load_scenario(path).calendar.days >= 1
