"""The command line, in process: run, validate, schema, --set, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.interfaces.cli import main


def test_run_writes_a_complete_results_directory(quick_path, tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["run", str(quick_path), "--out", str(out), "-r", "2", "--seed", "3", "-j", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "idle share" in printed and "cost per handled call" in printed
    for name in ("scenario.yaml", "metadata.json", "summary.json", "daily.parquet", "daily.csv",
                 "intervals.parquet", "intervals.csv", "people.parquet", "replications.csv",
                 "figures/capacity.png", "figures/timeliness.png"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["replications"] == 2
    required = ("paid_hours busy_hours idle_hours break_hours onboarding_hours idle_share "
                "occupancy utilisation total_cost cost_per_handled_call cost_per_attempt "
                "cost_per_index_reached cost_per_contact_reached attempts handled_calls "
                "index_cases index_reached index_unreachable index_open contacts "
                "contacts_reached contacts_unreachable contacts_open "
                "index_reached_within_deadline_share contacts_reached_within_deadline_share "
                "inbound_offered inbound_answered inbound_abandoned inbound_service_level "
                "inbound_abandon_share inbound_asa_s max_backlog").split()
    for name in required:
        assert set(summary["metrics"][name]) >= {"mean", "sd", "ci_low", "ci_high"}, name
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["engine_seconds"] > 0 and meta["calls_simulated"] > 0
    assert meta["attempts_simulated"] > 0 and len(meta["scenario_hash"]) == 16
    daily = pd.read_parquet(out / "daily.parquet")
    assert set(daily["replication"]) == {0, 1}
    # no temporary directories left beside the target
    assert [p.name for p in tmp_path.iterdir()] == ["res"]


def test_run_refuses_to_overwrite(quick_path, tmp_path, capsys):
    out = tmp_path / "res"
    out.mkdir()
    assert main(["run", str(quick_path), "--out", str(out), "-r", "1", "-q"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_set_overrides_reach_the_run(quick_path, tmp_path):
    out = tmp_path / "res"
    code = main(["run", str(quick_path), "--out", str(out), "-r", "1", "-q", "--no-figures",
                 "--set", "staffing.headcount=7", "--set", "calendar.days=3"])
    assert code == 0
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 3 and (daily["headcount"] == 7).all()
    assert "headcount: 7" in (out / "scenario.yaml").read_text()


def test_validate_good_and_bad_files(quick_path, tmp_path, capsys):
    assert main(["validate", str(quick_path)]) == 0
    assert "ok" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text(quick_path.read_text().replace("max_attempts: 4", "max_attempts: 0"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"{bad}:") and "tracing.index.max_attempts" in err[0]
    assert "Traceback" not in "".join(err)


def test_bad_input_exits_2_without_traceback(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "x.yaml"), "--set", "nodot"]) == 2
    with pytest.raises(SystemExit) as info:
        main(["run", "--replications", "many"])
    assert info.value.code == 2


def test_bad_csv_data_is_a_clear_error(quick_path, tmp_path, capsys):
    data = tmp_path / "cases.csv"
    data.write_text("date,cases\n2020-09-01,5\n2020-09-02,-3\n")
    scenario = tmp_path / "s.yaml"
    text = quick_path.read_text()
    start = text.index("epidemic:")
    end = text.index("reporting:")
    scenario.write_text(text[:start] + "epidemic:\n  model: csv\n  path: cases.csv\n" + text[end:])
    assert main(["run", str(scenario), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "cases.csv" in err and "row" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_schema_prints_json(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert "tracing" in schema["required"]


# ------------------------------------------------------------------ idle attribution, compare


def _write(tmp_path, filename: str, **changes) -> str:
    """A tiny scenario (tests/scenarios_for_tests.py) written as YAML."""
    from tests.scenarios_for_tests import make

    path = tmp_path / filename
    path.write_text(make(**changes).to_yaml())
    return str(path)


def test_run_attribute_idle(tmp_path, capsys):
    scenario = _write(tmp_path, "big.yaml", **{"staffing.headcount": 20})
    out = tmp_path / "res"
    code = main(["run", scenario, "--out", str(out), "-r", "2", "--seed", "3", "-j", "1",
                 "--attribute-idle"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "idle attribution against the least-staffing bound" in printed  # the default bound
    for label in ("unavoidable idle agent-hours (the bound's)",
                  "avoidable idle agent-hours (above the bound's)", "avoidable idle cost"):
        assert label in printed
    summary = json.loads((out / "summary.json").read_text())
    for name in ("idle_hours", "unavoidable_idle_hours", "avoidable_idle_hours",
                 "avoidable_idle_cost"):
        assert set(summary["metrics"][name]) >= {"mean", "ci_low", "ci_high", "n"}, name
    m = summary["metrics"]
    assert m["avoidable_idle_hours"]["mean"] + m["unavoidable_idle_hours"]["mean"] == \
        pytest.approx(m["idle_hours"]["mean"])
    assert (out / "idle_attribution.csv").is_file()
    assert (out / "figures" / "idle_attribution.png").is_file()
    # the ladder: one row per cause, adding up to the run's idle, led by its sentence
    causes = pd.read_csv(out / "idle_by_cause.csv")
    assert list(causes["step"]) == [1, 2, 3, 4, 5]
    assert set(causes.columns) >= {"step", "cause", "idle_hours", "ci_low", "ci_high", "cost",
                                   "met_targets"}
    assert causes["idle_hours"].sum() == pytest.approx(m["idle_hours"]["mean"], rel=1e-6)  # CSV
    assert f"Of {m['idle_hours']['mean']:,.0f} idle hours, " in printed
    assert printed.index("Of ") < printed.index("idle attribution against")  # it leads
    assert (out / "figures" / "idle_by_cause.png").is_file()
    meta = json.loads((out / "metadata.json").read_text())
    assert set(meta["ladder"]) == {"1", "2", "3", "4", "5"}
    assert meta["ladder"]["1"]["replication_equivalents"] > 0
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["res"]


def test_compare_writes_table_and_figure(tmp_path, capsys):
    a = _write(tmp_path, "a.yaml", name="eight")
    b = _write(tmp_path, "b.yaml", name="twelve", **{"staffing.headcount": 12})
    out = tmp_path / "cmp"
    code = main(["compare", a, b, "--out", str(out), "-r", "2", "--seed", "3", "-j", "1",
                 "--attribute-idle"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 replications each, seed 3" in printed
    lines = printed.splitlines()
    header = next(line for line in lines if "scenario" in line and "idle share" in line)
    for column in ("avoidable idle", "cost / handled call", "index within deadline"):
        assert column in header
    assert any(line.strip().startswith("eight ") for line in lines)
    assert any(line.strip().startswith("Δ twelve") for line in lines)
    table = pd.read_csv(out / "comparison.csv")
    assert list(table["scenario"]) == ["eight", "twelve"]
    assert table["avoidable_idle_hours_diff_mean"].isna().tolist() == [True, False]
    meta = json.loads((out / "metadata.json").read_text())
    assert [s["bound"] for s in meta["scenarios"]] == ["optimal", "optimal"]  # the default
    assert (table["seed"] == 3).all() and (table["replications"] == 2).all()
    assert (out / "comparison.json").is_file()
    assert (out / "figures" / "comparison.png").is_file()
    assert not (out / "figures" / "comparison.svg").exists()  # SVG only with --svg


def test_compare_attribute_idle_takes_the_bound(tmp_path, capsys):
    """``compare --attribute-idle --bound analytic``: every scenario against the oracle."""
    import sim
    from sim.experiments.attribution import oracle_variant
    from tests.scenarios_for_tests import make

    a = _write(tmp_path, "a.yaml", name="eight")
    b = _write(tmp_path, "b.yaml", name="twelve", **{"staffing.headcount": 12})
    out = tmp_path / "cmp"
    code = main(["compare", a, b, "--out", str(out), "-r", "2", "--seed", "3", "-j", "1", "-q",
                 "--no-figures", "--attribute-idle", "--bound", "analytic"])
    assert code == 0
    meta = json.loads((out / "metadata.json").read_text())
    assert [s["bound"] for s in meta["scenarios"]] == ["analytic", "analytic"]
    # the unavoidable idle is the analytic oracle's own idle on the same seed, day by day
    for folder, changes in (("01-eight", {"name": "eight"}),
                            ("02-twelve", {"name": "twelve", "staffing.headcount": 12})):
        table = pd.read_parquet(out / "scenarios" / folder / "idle_attribution.parquet")
        oracle = sim.run(oracle_variant(make(**changes)), replications=2, seed=3)
        expected = oracle.tables["daily"].sort_values(["replication", "day"])
        got = table.sort_values(["replication", "day"])
        assert got["unavoidable_idle_hours"].to_numpy() == pytest.approx(
            expected["idle_hours"].to_numpy())
        assert (got["idle_hours"] - got["unavoidable_idle_hours"]).to_numpy() == \
            pytest.approx(got["avoidable_idle_hours"].to_numpy())


def test_compare_bound_is_checked_like_run(tmp_path, capsys):
    a = _write(tmp_path, "a.yaml", name="a")
    b = _write(tmp_path, "b.yaml", name="b")
    for command in (["compare", a, b, "--out", str(tmp_path / "cmp")], ["run", a]):
        with pytest.raises(SystemExit) as info:
            main([*command, "--attribute-idle", "--bound", "oracle"])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "--bound" in err and "'optimal'" in err and "'analytic'" in err
    assert not (tmp_path / "cmp").exists()
    assert "--bound" in _help(["compare", "--help"], capsys)


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    return capsys.readouterr().out


def test_compare_seed_and_replications_default_to_the_first_scenario(tmp_path, capsys):
    a = _write(tmp_path, "a.yaml", name="a", **{"simulation.seed": 11})
    b = _write(tmp_path, "b.yaml", name="b", **{"simulation.seed": 99})
    assert main(["compare", a, b, "--out", str(tmp_path / "c1"), "-j", "1",
                 "--no-figures"]) == 0
    assert "2 replications each, seed 11" in capsys.readouterr().out
    drawn = _write(tmp_path, "d.yaml", name="d", **{"simulation.seed": None})
    assert main(["compare", drawn, a, "--out", str(tmp_path / "c2"), "-r", "1", "-j", "1",
                 "-q", "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "(drawn; pass --seed" in printed
    seed = int(printed.split()[1])
    assert json.loads((tmp_path / "c2" / "comparison.json").read_text())["seed"] == seed


def test_compare_bad_input_exits_2(tmp_path, capsys):
    good = _write(tmp_path, "good.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(good).read_text().replace("max_attempts: 3", "max_attempts: 0", 1))
    out = tmp_path / "cmp"
    assert main(["compare", good, str(bad), str(tmp_path / "missing.yaml"),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{bad}:") and "max_attempts" in lines[0]
    assert "missing.yaml" in lines[1]
    assert not out.exists()
    assert main(["compare", good, "--out", str(out)]) == 2
    assert "at least two" in capsys.readouterr().err
    out.mkdir()
    assert main(["compare", good, good, "--out", str(out), "-q"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["compare", good, good])  # --out is required
    assert info.value.code == 2
