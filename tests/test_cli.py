"""The command line, in process: run, validate, schema, --set, exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli import main


def test_run_writes_a_complete_results_directory(quick_path, tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["run", str(quick_path), "--out", str(out), "-r", "2", "--seed", "3", "-j", "1"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "idle share" in printed and "cost per handled call" in printed
    for name in ("scenario.yaml", "metadata.json", "summary.json", "daily.parquet", "daily.csv",
                 "intervals.parquet", "intervals.csv", "people.parquet", "replications.csv",
                 "figures/capacity.png", "figures/capacity.svg", "figures/timeliness.png"):
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
