"""Benchmark: iterations of the least-staffing search (ISA and outbound) on the default scenario.

    .venv/bin/python bench/isa_bench.py                    # the search alone
    .venv/bin/python bench/isa_bench.py --compare 10       # + both bounds against the fixed roster
    .venv/bin/python bench/isa_bench.py --compare 10 --out bench/RESULTS.md

Runs the ``optimal`` variant's search (:func:`sim.staffing.solve`) on
``scenarios/flanders-autumn-2020.yaml`` and prints, per iteration, the
agent-days rostered, the days missing a target, the days and intervals
changed and the simulated inbound service level; then the number of
iterations until the inbound staffing (ISA) and the whole search stopped
changing, and the wall time. With ``--compare N`` it also runs the fixed
roster with N replications and attributes its idle against both bounds
(``optimal`` and ``analytic``), printing each bound's idle share, timeliness
and whether it met its targets. With ``--out FILE`` the report replaces the
``isa_bench`` section of FILE (between its markers, ``bench/results_md.py``),
leaving the rest of the file as it is. A benchmark, not a test: it always
exits 0.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd
from results_md import write_section  # bench/, the script's own folder

import sim
from sim.experiments.attribution import optimal_variant
from sim.experiments.compare import attribute_idle
from sim.experiments.least_staffing import search
from sim.staffing.optimal import OptimalStaffing

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "flanders-autumn-2020.yaml"
METRICS = (("idle_share", "idle share"),
           ("index_reached_within_deadline_share", "index within 24 h"),
           ("contacts_reached_within_deadline_share", "contacts within 24 h"),
           ("inbound_service_level", "inbound SL"),
           ("cost_per_handled_call", "EUR per handled call"))


def markdown(table: pd.DataFrame) -> str:
    """A DataFrame as a markdown table (floats to 4 decimals)."""
    def cell(value: object) -> str:
        return f"{value:.4f}" if isinstance(value, float) else str(value)
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join(":--" if i == 0 else "--:" for i in range(table.shape[1])) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def pct(row: pd.Series) -> str:
    """Mean and 95 % CI of a share, in percent."""
    return f"{100 * row['mean']:.1f} % ({100 * row['ci_low']:.1f}-{100 * row['ci_high']:.1f})"


def search_section() -> list[str]:
    """Run the search and describe it."""
    scenario = optimal_variant(sim.load_scenario(SCENARIO))
    start = time.perf_counter()
    result = search(scenario)
    wall_s = time.perf_counter() - start
    config = scenario.staffing
    assert isinstance(config, OptimalStaffing)
    lines = [
        "## Least staffing by simulation: iterations of the search "
        "(flanders-autumn-2020, `policy: optimal`)",
        "",
        f"`bench/isa_bench.py`; {config.search_replications} replications per iteration "
        f"(seed {config.search_seed}), targets: index {config.index_within_share:.0%}, "
        f"contacts {config.contacts_within_share:.0%} within 24 h per day of release, "
        f"inbound SL {config.inbound_target_sl:.0%} per interval; load average at the "
        f"start {os.getloadavg()[0]:.1f}.",
        "",
        markdown(result.history),
        "",
        "- ISA (inbound, per half hour) settled (no change, or at most 0.1 % of the "
        f"intervals by one agent) after **{result.isa_iterations}** "
        f"iterations; the whole search after **{result.iterations}** "
        f"(converged: {result.converged}); wall time {wall_s:.0f} s.",
        "",
    ]
    return lines


def compare_section(replications: int) -> list[str]:
    """Attribute the fixed roster's idle against both bounds and say if they met their targets."""
    scenario = sim.load_scenario(SCENARIO)
    fixed = sim.run(scenario, replications=replications, seed=1, jobs=None, force=True)
    rows = []
    for bound in ("optimal", "analytic"):
        start = time.perf_counter()
        attributed = attribute_idle(fixed, jobs=None, bound=bound)
        summary = attributed.tables["oracle_summary"].set_index("metric")
        row = {"bound": bound, "wall s": f"{time.perf_counter() - start:.0f}"}
        for metric, label in METRICS:
            entry = summary.loc[metric]
            row[label] = (f"{entry['mean']:.2f}" if metric == "cost_per_handled_call"
                          else pct(entry))
        row["met its targets"] = "yes" if attributed.run_info["bound_met_targets"] else "no"
        avoidable = attributed.summary.set_index("metric").loc["avoidable_idle_hours", "mean"]
        row["fixed roster's avoidable idle h"] = f"{avoidable:,.0f}"
        rows.append(row)
    return [
        f"Both bounds on the same seeds (seed 1, {replications} replications), against the "
        "fixed roster of 864 (95 % CI in brackets):",
        "",
        markdown(pd.DataFrame(rows)),
        "",
    ]


def main() -> None:
    """Run the benchmark and print (and optionally write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", type=int, metavar="N", default=0,
                        help="also attribute the fixed roster's idle against both bounds "
                        "with N replications")
    parser.add_argument("--out", "--append", dest="out", type=Path,
                        help="replace this benchmark's section of this markdown file "
                        "(e.g. bench/RESULTS.md; --append is the old name)")
    args = parser.parse_args()
    lines = search_section()
    if args.compare:
        lines += compare_section(args.compare)
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_section(args.out, "isa_bench", text)


if __name__ == "__main__":
    main()
