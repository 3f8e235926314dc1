"""bench/results_md.py: each benchmark replaces only its own section of bench/RESULTS.md."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from bench.results_md import TITLE, markers, replace_section, write_section

ROOT = Path(__file__).resolve().parents[1]
OTHERS = ("<!-- begin sweep_bench -->\n## Sweeps\nsweep table\n<!-- end sweep_bench -->\n\n"
          "<!-- begin quick_run -->\n## Quick run\n| a | b |\n<!-- end quick_run -->\n")


def test_a_section_is_replaced_and_the_rest_kept_byte_for_byte() -> None:
    text = (f"{TITLE}\n\n<!-- begin run -->\n## Summary\nold\n<!-- end run -->\n\n{OTHERS}"
            "trailing note\n")
    new = replace_section(text, "run", "\n## Summary\nnew\n\n")
    assert new == text.replace("## Summary\nold", "## Summary\nnew")
    assert replace_section(new, "run", "## Summary\nnew") == new  # idempotent
    # the other sections, replaced in turn, leave "run" as it is
    again = replace_section(new, "sweep_bench", "## Sweeps\nnew sweep")
    assert "## Summary\nnew" in again and "new sweep" in again and "sweep table" not in again
    assert again.count("<!-- begin") == 3 and "| a | b |" in again


def test_an_absent_section_is_appended_after_the_others() -> None:
    text = f"{TITLE}\n\n{OTHERS}"
    new = replace_section(text, "isa_bench", "## Least staffing\nrows")
    assert new.startswith(text.rstrip("\n"))
    assert new.endswith("\n\n<!-- begin isa_bench -->\n## Least staffing\nrows\n"
                        "<!-- end isa_bench -->\n")
    assert replace_section("", "run", "x") == "<!-- begin run -->\nx\n<!-- end run -->\n"


def test_a_name_that_prefixes_another_does_not_match_it() -> None:
    text = replace_section("", "run_extra", "extra")
    new = replace_section(text, "run", "main")
    assert "extra" in new and new.index("begin run_extra") < new.index("begin run -->")


@pytest.mark.parametrize("text", [
    "<!-- begin run -->\nno end\n",
    "<!-- end run -->\n",
    "<!-- begin run -->\na\n<!-- end run -->\n<!-- begin run -->\nb\n<!-- end run -->\n",
])
def test_broken_markers_raise_instead_of_guessing(text: str) -> None:
    with pytest.raises(ValueError, match="run"):
        replace_section(text, "run", "new")


def test_bad_names_and_sections_holding_their_own_marker_raise() -> None:
    for name in ("", "a b", "x -->", "run\n"):
        with pytest.raises(ValueError, match="section name"):
            markers(name)
    with pytest.raises(ValueError, match="own marker"):
        replace_section("", "run", "<!-- end run -->")


def test_write_section_creates_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "RESULTS.md"
    write_section(path, "quick_run", "## Quick run\none")
    assert path.read_text() == f"{TITLE}\n\n<!-- begin quick_run -->\n## Quick run\none\n" \
                               "<!-- end quick_run -->\n"
    path.chmod(0o640)
    write_section(path, "run", "## Summary")
    write_section(path, "quick_run", "## Quick run\ntwo")
    text = path.read_text()
    assert text.index("quick_run") < text.index("begin run")  # replaced in place
    assert "two" in text and "one" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["RESULTS.md"]  # no temporary file left


def test_the_committed_results_and_every_bench_script_use_the_sections() -> None:
    text = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    names = re.findall(r"<!-- begin (\S+) -->", text)
    assert names == re.findall(r"<!-- end (\S+) -->", text)
    assert set(names) == {"run", "sweep_bench", "quick_run", "isa_bench"}
    for script, name in (("run.py", "run"), ("sweep_bench.py", "sweep_bench"),
                         ("quick_run.py", "quick_run"), ("isa_bench.py", "isa_bench")):
        source = (ROOT / "bench" / script).read_text(encoding="utf-8")
        assert f'write_section(args.out, "{name}",' in source, script
        assert "out.write_text(" not in source and '.open("a")' not in source, script
