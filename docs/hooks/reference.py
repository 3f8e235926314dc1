"""MkDocs hook: reference pages generated at build time, so they cannot drift from the code.

* ``reference/scenario.md`` from the scenario's pydantic models (through their JSON
  Schema, :func:`sim.json_schema`): one section per model with its docstring and a table
  of its fields (type, constraints, default), and where in a scenario file it is used;
* ``reference/cli.md`` from the ``tracesim`` argparse parser: every command's usage and
  options;
* ``reference/results-folder.md`` from :mod:`sim.outputs.folder_readme`: every file of a results
  directory and every column with its unit.

It also lists every notebook of ``notebooks/`` (``docs/notebooks`` links to it) and every
page of ``docs/how-to/`` in the navigation, so a page or notebook added there shows up
without editing ``mkdocs.yml``.

The pages are virtual (nothing is written to ``docs/``). ``python docs/hooks/reference.py
OUT_DIR`` writes them to a folder to look at.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------
# Scenario reference (JSON Schema of the pydantic models)
# --------------------------------------------------------------------------------------

_DURATION = "duration with a unit"
_CLOCK = "time of day HH:MM"


def _rst_to_md(text: str) -> str:
    """Docstring text to Markdown: ``code`` -> `code`, :class:`X` -> `X`."""
    text = re.sub(r":(?:class|func|mod|meth|attr|data):`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(name: str) -> str:
    return f"[{name}](#{name.lower()})"


def _type(schema: dict[str, Any]) -> str:
    """Return a short, readable type for a property schema."""
    if "$ref" in schema:
        return _link(_ref_name(schema["$ref"]))
    if "oneOf" in schema and "discriminator" in schema:
        key = schema["discriminator"]["propertyName"]
        names = [_link(_ref_name(ref)) for ref in schema["discriminator"]["mapping"].values()]
        return f"one of {', '.join(names)} (chosen by `{key}`)"
    if "anyOf" in schema:
        parts = [p for p in schema["anyOf"] if p.get("type") != "null"]
        optional = len(parts) < len(schema["anyOf"])
        text = " or ".join(dict.fromkeys(_type(p) for p in parts))
        return f"{text} (optional)" if optional else text
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    return _plain_type(schema)


def _plain_type(schema: dict[str, Any]) -> str:
    """Return the type of a schema without references, unions or choices."""
    description = str(schema.get("description", ""))
    if schema.get("format") in ("date", "date-time"):
        return "date `YYYY-MM-DD`"
    if description.startswith(_DURATION):
        return "duration"
    if description.startswith(_CLOCK):
        return "time of day `HH:MM`"
    if description.startswith("'HH:MM-HH:MM'"):
        return "`HH:MM-HH:MM` or `closed`"
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}))}"
    if kind == "object":
        values = schema.get("additionalProperties")
        return f"mapping to {_type(values)}" if isinstance(values, dict) else "mapping"
    return {"integer": "integer", "number": "number", "string": "text",
            "boolean": "`true` \\| `false`"}.get(str(kind), str(kind or "any")) + _bounds(schema)


def _bounds(schema: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                      ("exclusiveMaximum", "<"), ("minLength", "length >="),
                      ("maxLength", "length <=")):
        if key in schema:
            parts.append(f"{sign} {schema[key]:g}" if isinstance(schema[key], float)
                         else f"{sign} {schema[key]}")
    return f" ({', '.join(parts)})" if parts else ""


def _default(schema: dict[str, Any], required: bool) -> str:
    from sim.basics.units import format_clock, format_duration

    if required:
        return "**required**"
    if "default" not in schema:
        return ""
    value = schema["default"]
    kinds = json.dumps(schema)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _DURATION in kinds:
            return f"`{format_duration(float(value))}`"
        if _CLOCK in kinds:
            return f"`{format_clock(float(value))}`"
    if isinstance(value, dict | list) and len(json.dumps(value)) > 60:
        return "see the section"
    return f"`{json.dumps(value)}`"


def _children(schema: dict[str, Any]) -> Iterator[str]:
    """Model names a property schema refers to."""
    if "$ref" in schema:
        yield _ref_name(schema["$ref"])
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            yield from _children(part)
    if isinstance(schema.get("items"), dict):
        yield from _children(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _children(schema["additionalProperties"])


def _walk(schema: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Models in order of first use (breadth first) and the dotted paths using each."""
    defs = schema["$defs"]
    order: list[str] = []
    used: dict[str, list[str]] = {}
    queue: list[tuple[str, dict[str, Any]]] = [("", schema)]
    while queue:
        path, model = queue.pop(0)
        for field, prop in model.get("properties", {}).items():
            where = f"{path}.{field}" if path else field
            for child in _children(prop):
                used.setdefault(child, []).append(where)
                if child not in order:
                    order.append(child)
                    queue.append((where, defs[child]))
    return order, used


def _model_section(name: str, model: dict[str, Any], paths: list[str]) -> list[str]:
    shown = ", ".join(f"`{p}`" for p in paths[:8]) + (" ..." if len(paths) > 8 else "")
    lines = [f"## {name}", "", f"Used at {shown}.", ""]
    if model.get("description"):
        lines += [_rst_to_md(model["description"]), ""]
    required = set(model.get("required", []))
    lines += ["| field | type | default |", "|---|---|---|"]
    for field, prop in model.get("properties", {}).items():
        lines.append(f"| `{field}` | {_type(prop)} | {_default(prop, field in required)} |")
    return [*lines, ""]


def scenario_reference() -> str:
    """Markdown of the scenario reference, from the models' JSON Schema."""
    import sim

    schema = sim.json_schema()
    order, used = _walk(schema)
    top = _model_section("Scenario", schema, ["the top level of the file"])
    top[0] = "## Scenario"
    intro = [
        "# Scenario reference", "",
        "Generated from the scenario's pydantic models when the site is built "
        "(`docs/hooks/reference.py`), so it always matches the code. "
        "`tracesim schema` prints the same models as a JSON Schema for editor completion; "
        "`tracesim validate FILE` checks a file against them.", "",
        "Conventions: durations carry a unit (`20s`, `12min`, `1.5h`, `3d`, `2w` or ISO "
        "8601 `PT12M`; a bare number other than 0 is refused); times of day are "
        "`\"HH:MM\"` (quote them in YAML); shares and probabilities are 0-1. Unknown keys "
        "are refused with a \"did you mean\". A file may start with `extends: other.yaml` "
        "and state only what differs.", "",
    ]
    body: list[str] = []
    for name in order:
        body += _model_section(name, schema["$defs"][name], used[name])
    return "\n".join(intro + top + body)


# --------------------------------------------------------------------------------------
# CLI reference (argparse parser)
# --------------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help_of(parser: argparse.ArgumentParser, name: str) -> str:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name or choice.metavar == name:
                    return choice.help or ""
    return ""


def _option_row(action: argparse.Action) -> str | None:
    if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
        return None
    positional = action.metavar or action.dest.upper()
    names = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{positional}`"
    if action.metavar:
        names = names if not action.option_strings else f"{names} `{action.metavar}`"
    elif action.option_strings and action.nargs != 0:
        names += f" `{action.dest.upper()}`"
    text = (action.help or "").replace("|", "\\|").replace("%%", "%")
    if action.choices and not isinstance(action.choices, dict):
        text += " (one of " + ", ".join(f"`{c}`" for c in action.choices) + ")"
    default = action.default
    shown = "" if default in (None, False, [], argparse.SUPPRESS) else f"`{default}`"
    if action.required:
        shown = "**required**"
    return f"| {names} | {text} | {shown} |"


def _command_section(title: str, parser: argparse.ArgumentParser, help_text: str) -> list[str]:
    usage = " ".join(parser.format_usage().split())
    lines = [f"## `{title}`", "", help_text[:1].upper() + help_text[1:], "",
             "```text", usage.removeprefix("usage: "), "```", ""]
    if parser.description and parser.description != help_text:
        lines += [parser.description, ""]
    rows = [r for r in (_option_row(a) for a in parser._actions) if r]
    if rows:
        lines += ["| argument | meaning | default |", "|---|---|---|", *rows, ""]
    if parser.epilog:
        lines += [parser.epilog, ""]
    return lines


def cli_reference() -> str:
    """Markdown of the command-line reference, from the ``tracesim`` parser."""
    from sim.interfaces import cli

    parser = cli._parser()
    lines = ["# Command-line reference", "",
             "Generated from the `tracesim` argument parser when the site is built, so it "
             "always matches the code. `tracesim COMMAND --help` prints the same.", "",
             "Exit codes: 0 success; 1 the run failed (or `rerun` found a difference); 2 "
             "bad input (one line per problem, no traceback); 130 interrupted (Ctrl-C); "
             "143 terminated (SIGTERM).", ""]
    lines += _command_section("tracesim", parser, parser.description or "")
    for name, sub in _subparsers(parser).items():
        lines += _command_section(f"tracesim {name}", sub, _help_of(parser, name))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Results folder reference (sim.outputs.folder_readme)
# --------------------------------------------------------------------------------------


def results_reference() -> str:
    """Markdown of every file of a results directory and every column with its unit."""
    from sim.analysis.catalogue import CATALOGUE, CI_METHODS
    from sim.outputs.folder_readme import COLUMNS, FIGURES, FILES, UNITS

    lines = ["# Results folder reference", "",
             "Generated from `sim.outputs.folder_readme` when the site is built. Every results "
             "folder carries the same information for its own files and columns in its "
             "`README.md`.", "",
             "Shares are 0-1 (not percentages); money is in the scenario's currency; times "
             "(`*_s`, *s since the start*) are seconds since 00:00 of the calendar's first "
             "day, with a timestamp `*_at` next to them in the CSV files. CSV files are "
             "rounded to their unit's resolution, Parquet files keep full precision.", "",
             "## Files", "", "| file | content |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in FILES.items()]
    lines += ["", "## Figures", "", "| figure | shows |", "|---|---|"]
    lines += [f"| `figures/{name}.png` | {text} |" for name, text in FIGURES.items()]
    lines += ["", "## Metrics", "",
              "From the metric catalogue (`sim.analysis.catalogue`), the one place each "
              "metric is defined: where it is reported (interval, day, period: the weekly and "
              "monthly tables, run: one value per replication and the summary), how its 95 % "
              "confidence interval is computed, and whether more of it is better.", "",
              "| name | label | unit | CSV decimals | levels | CI | better | meaning |",
              "|---|---|---|---|---|---|---|---|"]
    for name, m in sorted(CATALOGUE.items()):
        label, decimals = UNITS[m.unit]
        levels = ", ".join(level for level in ("interval", "day", "period", "run")
                           if level in m.levels)
        lines.append(f"| `{name}` | {m.label} | {label} | {decimals} | {levels} | "
                     f"{CI_METHODS[m.ci]} | {m.better or ''} | {m.meaning} |")
    lines += ["", "## Other columns", "",
              "| name | unit | CSV decimals | meaning |", "|---|---|---|---|"]
    for name, (unit, meaning) in sorted(COLUMNS.items()):
        label, decimals = UNITS[unit]
        lines.append(f"| `{name}` | {label} | {'' if decimals is None else decimals} | "
                     f"{meaning} |")
    return "\n".join(lines) + "\n"


PAGES = {
    "reference/scenario.md": scenario_reference,
    "reference/cli.md": cli_reference,
    "reference/results-folder.md": results_reference,
}

# --------------------------------------------------------------------------------------
# MkDocs events
# --------------------------------------------------------------------------------------


def _fill_section(nav: list, title: str, pages: list[str]) -> None:
    """Append ``pages`` missing from the nav section ``title``."""
    for entry in nav:
        if isinstance(entry, dict) and title in entry:
            section = entry[title] if isinstance(entry[title], list) else []
            listed = json.dumps(section)
            section += [p for p in pages if f'"{p}"' not in listed]
            entry[title] = section


def on_config(config: Any) -> Any:
    """Add every notebook and how-to page to the navigation."""
    docs = Path(config["docs_dir"])
    nav = config.get("nav") or []
    notebooks = sorted(p.relative_to(docs).as_posix() for p in (docs / "notebooks").glob(
        "*.ipynb"))
    howtos = sorted(p.relative_to(docs).as_posix() for p in (docs / "how-to").glob("*.md"))
    _fill_section(nav, "Notebooks", notebooks)
    _fill_section(nav, "How-to guides", howtos)
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated reference pages."""
    from mkdocs.structure.files import File

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for uri, make in PAGES.items():
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, uri, content=make()))
    return files


if __name__ == "__main__":  # write the pages to a folder, to look at them
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/reference")
    for uri, make in PAGES.items():
        (out / uri).parent.mkdir(parents=True, exist_ok=True)
        (out / uri).write_text(make(), encoding="utf-8")
        print(out / uri)
