"""The one-file HTML report: content, self-containment, the CLI, and a real browser.

The browser test renders the report in headless Chromium (Debian's ``chromium``;
``make test`` installs it where apt is available) through Playwright's DevTools
client: it records every console message, page error and network request, asks
the page whether every image decoded, and prints the page to PDF with
Chromium's own ``--print-to-pdf``. Without a Chromium or without Playwright the
test is skipped with the reason.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.analysis.catalogue import metric
from sim.interfaces.api import attribute_idle
from sim.interfaces.api import compare_scenarios as compare
from sim.interfaces.cli import main
from sim.outputs.report import (
    BOUNDS,
    build_report,
    figure_subtitle,
    key_settings,
    scenario_notes,
    staffing_summary,
    write_report,
)
from tests.scenarios_for_tests import make

SEED = 5
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?!data:|#)([^"']*)["']""", re.I)
IMG = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def _text(page: str) -> str:
    """The visible text of the page, roughly: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page,
                                                         flags=re.S)))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A small attributed run saved as the CLI saves it."""
    scenario = make(**{"staffing.headcount": 12, "calendar.days": 6,
                       "description": "A tiny test & <check> scenario."})
    results = attribute_idle(sim.run(scenario, replications=3, seed=SEED, jobs=1))
    out = tmp_path_factory.mktemp("report") / "run"
    results.save(out, jobs=1)
    return out


@pytest.fixture(scope="module")
def run_html(run_dir: Path) -> str:
    return build_report(run_dir, jobs=1)


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory) -> Path:
    a = make(**{"name": "eight", "calendar.days": 6})
    b = make(**{"name": "twelve", "calendar.days": 6, "staffing.headcount": 12})
    comparison = compare([a, b], replications=3, seed=SEED)
    out = tmp_path_factory.mktemp("report") / "cmp"
    comparison.save(out, jobs=1)
    return out


# --------------------------------------------------------------------------- content


def test_report_is_one_self_contained_file(run_html: str) -> None:
    assert run_html.startswith("<!DOCTYPE html>")
    assert EXTERNAL.findall(run_html) == []  # no src/href but data: URIs and anchors
    assert "<script" not in run_html.lower() and "@import" not in run_html
    assert "url(" not in run_html  # no fonts or backgrounds from elsewhere
    images = IMG.findall(run_html)
    # 6 standard, the idle by cause and the two-way attribution
    assert len(images) == len(re.findall(r"<img ", run_html)) == 8
    assert "Where the idle hours came from" in run_html and "Of " in run_html
    for data in images:
        svg = base64.b64decode(data).decode()
        assert "<svg" in svg and "</svg>" in svg
        # namespaces (xmlns="http://...") are names, not requests; links and images would be
        assert not re.search(r"""(?:href|src)\s*=\s*["'](?!#|data:)""", svg)
        assert "url(http" not in svg


def test_headline_table_has_means_cis_and_units(run_dir: Path, run_html: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())["metrics"]
    text = _text(run_html)
    idle = summary["idle_share"]
    assert f"{100 * idle['mean']:.1f}" in text
    assert f"{100 * idle['ci_low']:.1f} to {100 * idle['ci_high']:.1f}" in text
    for unit in ("%", "agent-hours", "EUR", "seconds"):
        assert unit in text
    for name in ("idle_share", "cost_per_handled_call", "max_backlog"):  # labels: the catalogue's
        assert metric(name).label in text
    assert "index cases reached within 24 h" in text  # a label's placeholder filled
    assert "95 % CI" in text


def test_assumptions_version_and_seed(run_html: str) -> None:
    text = _text(run_html)
    assert "A tiny test & <check> scenario." in text  # escaped in the HTML, shown as written
    assert "<check>" not in run_html
    assert "fixed staffing, 12 agents" in text
    scenario = make(**{"staffing.headcount": 12, "calendar.days": 6})
    for label, value in key_settings(scenario):
        assert html.escape(value, quote=False) in run_html or value in text, label
    assert f"seed {SEED}" in text and "tracesim rerun" in text
    assert f"tracesim {sim.__version__}" in text


def test_idle_attribution_section(run_dir: Path, run_html: str) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())["metrics"]
    text = _text(run_html)
    assert "Idle attribution" in text
    for name in ("unavoidable_idle_hours", "avoidable_idle_hours"):
        mean = summary[name]["mean"]
        assert (f"{mean:,.0f}" if abs(mean) >= 100 else f"{mean:,.1f}") in text, name
    meta = json.loads((run_dir / "metadata.json").read_text())
    assert BOUNDS[meta.get("bound", "analytic")] in text  # what the idle was compared with


def test_monthly_and_weekly_tables_are_means_over_replications(run_dir: Path,
                                                               tmp_path: Path) -> None:
    directory = tmp_path / "run"
    shutil.copytree(run_dir, directory)
    months = pd.DataFrame({"scenario": "s", "replication": [0, 1, 2, 0, 1, 2],
                           "month": ["2020-09"] * 3 + ["2020-10"] * 3,
                           "days": [30] * 3 + [2] * 3,
                           "paid_hours": [1000.0, 1100.0, 1300.0, 50.0, 70.0, 60.0],
                           "idle_share": [0.5, 0.4, 0.3, 0.2, 0.25, 0.3]})
    months.to_parquet(directory / "monthly.parquet", index=False)
    for path in directory.glob("weekly.*"):
        path.unlink()
    page = build_report(directory, jobs=1)
    assert 'id="monthly"' in page and 'id="weekly"' not in page
    section = _text(page.split('id="monthly"')[1].split("</section>")[0])
    assert "1,133" in section  # mean paid hours of Sep: (1000 + 1100 + 1300) / 3
    assert "40.0" in section and "25.0" in section  # mean idle shares, in percent
    for path in directory.glob("monthly.*"):
        path.unlink()
    assert 'id="monthly"' not in build_report(directory, jobs=1)


def test_comparison_report_has_paired_differences(comparison_dir: Path) -> None:
    page = build_report(comparison_dir, jobs=1)
    text = _text(page)
    table = pd.read_csv(comparison_dir / "comparison.csv")
    assert "Paired differences against eight" in text and "Δ twelve" in text
    diff = table.loc[1, "idle_share_diff_mean"]
    assert f"{100 * diff:+.1f}" in text
    lo, hi = table.loc[1, ["idle_share_diff_ci_low", "idle_share_diff_ci_high"]]
    assert f"{100 * lo:+.1f} to {100 * hi:+.1f}" in text
    if lo > 0 or hi < 0:  # an interval excluding 0 is marked
        assert re.search(r'class="num sig">' + re.escape(f"{100 * diff:+.1f}"), page)
    assert len(IMG.findall(page)) == 2  # the bars and the daily curves
    assert "fixed staffing, 8 agents" in text and "fixed staffing, 12 agents" in text
    assert 'class="differs"' in page  # the headcount row differs


def test_scenario_notes_follow_extends(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("# Base: source Sciensano open data\nname: b\n")
    (tmp_path / "v.yaml").write_text("# Variant: 7-day window\n# ASSUMPTION: lead time\n"
                                     "extends: base.yaml  # the parent\n")
    notes = scenario_notes(tmp_path / "v.yaml")
    assert [n for n, _ in notes] == ["v.yaml", "base.yaml"]
    assert notes[0][1] == "Variant: 7-day window\nASSUMPTION: lead time"
    assert "Sciensano" in notes[1][1]
    assert scenario_notes(tmp_path / "missing.yaml") == [] and scenario_notes(None) == []


def test_staffing_summary_names_policy_and_headcount() -> None:
    assert staffing_summary(make(**{"staffing.headcount": 7})) == "fixed staffing, 7 agents"
    subtitle = figure_subtitle(make(**{"name": "n"}), 4, 9)
    assert subtitle.startswith("n · fixed staffing") and subtitle.endswith("4 replications, seed 9")


def test_staffing_summary_reads_fte_and_schedules() -> None:
    # staffing written as billed (issue 9): FTE, schedule rows in FTE or headcount
    assert staffing_summary(make(**{"staffing": {"policy": "fixed", "fte": 330.92}})) == \
        "fixed staffing, 330.92 FTE"
    rows = [{"date": "2020-09-01", "fte": 330.92}, {"date": "2020-09-02", "fte": 999.45},
            {"date": "2020-09-03", "headcount": 12}]
    summary = staffing_summary(make(**{"staffing": {"policy": "schedule", "schedule": rows}}))
    assert summary == "scheduled staffing, 12 agents and 330.92–999.45 FTE"


# --------------------------------------------------------------------------- command line


def test_report_command_writes_and_never_overwrites(run_dir: Path, tmp_path: Path,
                                                    capsys) -> None:
    out = tmp_path / "r.html"
    assert main(["report", str(run_dir), "--out", str(out), "-j", "1"]) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    first = out.read_bytes()
    assert main(["report", str(run_dir), "--out", str(out), "-j", "1"]) == 2
    assert "--overwrite" in capsys.readouterr().err and out.read_bytes() == first
    assert main(["report", str(run_dir), "--out", str(out), "--overwrite", "-j", "1"]) == 0
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()
    assert main(["report", str(tmp_path), "-j", "1"]) == 2  # not a results directory
    err = capsys.readouterr().err
    assert "is not a folder of tracesim" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary files left


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_run_and_compare_with_report(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("# Notes: source of the wave, a test.\n" + make(**{"calendar.days": 3})
                    .to_yaml())
    out = tmp_path / "res"
    assert main(["run", str(path), "--out", str(out), "-r", "2", "-j", "1", "--report"]) == 0
    assert f"report written to {out / 'report.html'}" in capsys.readouterr().out
    page = (out / "report.html").read_text()
    assert "Notes: source of the wave, a test." in page  # the scenario file's comments
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["scenario_file"] == str(path.resolve())
    assert not list((out / "figures").glob("*.svg"))  # PNG only by default
    other = tmp_path / "t.yaml"
    other.write_text(make(**{"calendar.days": 3, "name": "t"}).to_yaml())
    cmp_dir = tmp_path / "cmp"
    assert main(["compare", str(path), str(other), "--out", str(cmp_dir), "-r", "2", "-j", "1",
                 "--report", "--svg", "-q"]) == 0
    assert (cmp_dir / "report.html").is_file()
    assert (cmp_dir / "figures" / "comparison.svg").is_file()
    assert (cmp_dir / "figures" / "comparison_daily.png").is_file()


def test_version_and_bare_command(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"tracesim {sim.__version__}"
    assert main([]) == 2
    printed = capsys.readouterr().out
    assert printed.startswith("usage: tracesim")
    for command in ("run", "compare", "report", "validate", "rerun", "schema", "erlang"):
        assert re.search(rf"^\s+{command}\s+\S", printed, re.M), command


# --------------------------------------------------------------------------- a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    """Path of a Chromium binary, or skip with the reason."""
    found = os.environ.get("TRACESIM_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    if not found:
        pytest.skip("no Chromium: install Debian's chromium (make test does so where apt-get "
                    "is available and it runs as root), or set TRACESIM_CHROMIUM")
    return found


def test_report_in_headless_chromium(run_dir: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is missing: pip install -e '.[dev]'")
    report = write_report(run_dir, tmp_path / "report.html", jobs=1)
    url = report.resolve().as_uri()
    console, errors, requests = [], [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS[1:])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: console.append((m.type, m.text)))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url, wait_until="load")
            images = page.evaluate("""() => Array.from(document.images).map(i => ({
                alt: i.alt, complete: i.complete, width: i.naturalWidth,
                height: i.naturalHeight, shown: i.getBoundingClientRect().width}))""")
            title = page.title()
        finally:
            browser.close()
    assert title.startswith("test: simulation report")
    assert len(images) == 8  # 6 standard, the idle by cause, the attribution
    for image in images:  # decoded, with a size, and laid out on the page
        assert image["complete"] and image["width"] > 100 and image["height"] > 100, image
        assert image["shown"] > 500, image
    assert [m for m in console if m[0] in ("error", "warning")] == []
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []

    pdf = tmp_path / "report.pdf"
    run = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 3 <= pages <= 30, pages  # tables, seven figures and the notes on A4
