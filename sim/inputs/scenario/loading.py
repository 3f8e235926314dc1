"""Loading a scenario: YAML text to a validated :class:`~sim.inputs.scenario.schema.Scenario`.

Parses YAML safely (alias bombs and deep nesting refused), remembers where
each key is in the file, lays a variant over the file it ``extends``, applies
``--set`` overrides, validates with the schema and the cross-field checks, and
turns every problem into one line naming file, line, column and dotted field
path (:class:`ScenarioError`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from sim.basics.errors import ScenarioError
from sim.inputs.scenario.checks import cross_field_checks
from sim.inputs.scenario.scenario import Scenario, scenario_model
from sim.inputs.scenario.validation import set_path, set_places, validated

MAX_NODES = 200_000
"""Most values a scenario document may expand to (aliases counted every time used)."""


def _node_marks(node: yaml.Node | None) -> dict[tuple, tuple[int, int]]:
    """Map each dotted path in a composed YAML tree to its (line, column), 1-based.

    Iterative, and each node is visited once: an alias (a node used again)
    is not walked a second time, so neither alias cycles nor alias "bombs"
    make this slow.
    """
    marks: dict[tuple, tuple[int, int]] = {}
    if node is None:
        return marks
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        current, path = stack.pop()
        marks.setdefault(path, (current.start_mark.line + 1, current.start_mark.column + 1))
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                marks[path + (key,)] = (key_node.start_mark.line + 1,
                                        key_node.start_mark.column + 1)
                stack.append((value_node, path + (key,)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in enumerate(current.value))
    return marks


def _expanded_size(node: yaml.Node | None) -> int:
    """How many values the document holds once aliases are expanded (capped)."""
    if node is None:
        return 0
    size: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [node]
    while stack:  # post-order without recursion; shared nodes sized once
        current = stack.pop()
        if id(current) in size:
            continue
        size[id(current)] = -1
        order.append(current)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack.extend((key_node, value_node))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    for current in reversed(order):
        children: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            children = current.value
        total = 1 + sum(max(size.get(id(c), 1), 1) for c in children)
        size[id(current)] = min(total, MAX_NODES + 1)
    return size[id(node)]


def _deep_merge(base: dict, changes: dict) -> dict:
    """Lay ``changes`` over ``base``.

    Mappings merge key by key, anything else replaces; a mapping with another
    ``policy`` or ``model`` replaces the old one.
    """
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and all(
            value.get(tag, old.get(tag)) == old.get(tag) for tag in ("policy", "model")
        ) and ("sources" in value) == ("sources" in old):  # sources replace a single model
            merged[key] = _deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _absolute_data_path(data: dict, base_dir: Path | None) -> None:
    staffing = data.get("staffing")
    if isinstance(staffing, dict) and isinstance(staffing.get("path"), str):
        path = Path(staffing["path"]).expanduser()
        staffing["path"] = str(((base_dir or Path.cwd()) / path).resolve()
                               if not path.is_absolute() else path)
    epidemic = data.get("epidemic")
    sources = epidemic.get("sources") if isinstance(epidemic, dict) else None
    for source in sources if isinstance(sources, list) else [epidemic]:
        if isinstance(source, dict) and source.get("model") == "csv" and "path" in source:
            path = Path(str(source["path"])).expanduser()
            if not path.is_absolute():
                path = (base_dir or Path.cwd()) / path
            source["path"] = str(path.resolve())


def _resolve_extends(data: dict, source: str, base_dir: Path | None,
                     seen: tuple[Path, ...] = ()) -> dict:
    """Lay a scenario over the file named by its ``extends`` key (recursively).

    ``extends: other.yaml`` (relative to the file) lets a variant state only
    what differs; mappings merge key by key, lists and values replace.
    """
    parent_name = data.pop("extends", None)
    _absolute_data_path(data, base_dir)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError([f"{source} extends: expected a file name"])
    parent = (base_dir or Path.cwd()) / parent_name
    resolved = parent.resolve()
    if resolved in seen:
        raise ScenarioError([f"{source} extends: {parent_name} extends itself in a cycle"])
    try:
        parent_text = _decode(parent.read_bytes(), str(parent))
        parent_data = yaml.safe_load(parent_text)
    except FileNotFoundError:
        raise ScenarioError([f"{source} extends: no such file {parent}"]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            [f"{source} extends: {parent} cannot be read ({exc.__class__.__name__})"]
        ) from None
    duplicates = _duplicate_keys(yaml.compose(parent_text, Loader=yaml.SafeLoader), str(parent))
    if duplicates:
        raise ScenarioError(duplicates)
    if not isinstance(parent_data, dict):
        raise ScenarioError([f"{source} extends: {parent} is not a scenario mapping"])
    parent_data = _resolve_extends(parent_data, str(parent), parent.parent, seen + (resolved,))
    return _deep_merge(parent_data, data)


def parse_overrides(overrides: Iterable[str]) -> list[tuple[str, Any]]:
    """Parse ``dotted.path=value`` strings; the value is read as YAML."""
    parsed = []
    for item in overrides:
        if "=" not in item:
            raise ScenarioError([f"--set {item}: expected dotted.path=value"])
        key, text = item.split("=", 1)
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        parsed.append((key.strip(), value))
    return parsed


def _duplicate_keys(node: yaml.Node | None, source: str) -> list[str]:
    """One line per key given twice in a mapping, naming both lines.

    YAML loaders keep the last value silently; a scenario is refused instead.
    Merge keys (``<<``) are left to YAML.
    """
    problems: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())] if node is not None else []
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in enumerate(current.value))
        if not isinstance(current, yaml.MappingNode):
            continue
        first: dict[tuple, int] = {}
        for key_node, value_node in current.value:
            stack.append((value_node, path + (key_node.value,)))
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            line = key_node.start_mark.line + 1
            ident = (key_node.tag, key_node.value)
            if ident in first:
                dotted = ".".join(str(p) for p in path + (key_node.value,))
                problems.append(f"{source}:{line}:{key_node.start_mark.column + 1} {dotted}: "
                                f"'{key_node.value}' is given twice, at lines {first[ident]} "
                                f"and {line}; keep one")
            else:
                first[ident] = line
    return sorted(problems, key=lambda p: int(p[len(source) + 1:].split(":", 1)[0]))


def _decode(data: bytes, source: str) -> str:
    """Decode a scenario file as UTF-8; an error names the line and byte offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError([
            f"{source}:{line}:{column} (encoding): byte 0x{data[exc.start]:02x} at byte offset "
            f"{exc.start} is not UTF-8 ({exc.reason}); save the file as UTF-8"
        ]) from None


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, dict]:
    """Compose and load a scenario document; one-line errors for what YAML refuses."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if _expanded_size(node) > MAX_NODES:
            raise ScenarioError([f"{source}: the document expands to more than {MAX_NODES:,} "
                                 "values (aliases used over and over?); a scenario is small"])
        duplicates = _duplicate_keys(node, source)
        if duplicates:
            raise ScenarioError(duplicates)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"{where} (YAML): {problem}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source} (YAML): nested too deeply"]) from None
    except ScenarioError:
        raise
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        # the YAML constructors' own errors: 2020-02-30, !!bool maybe, 5,000-digit ints
        raise ScenarioError([f"{source} (YAML): a value cannot be read ({exc})"]) from None
    if data is None:
        raise ScenarioError([f"{source}: the file is empty; a scenario is a YAML mapping"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1:1 (top level): a scenario must be a YAML mapping"])
    return node, data


def _apply_overrides(data: dict, overrides: Iterable[str]) -> None:
    overrides = list(overrides)
    for item, (key, value) in zip(overrides, parse_overrides(overrides), strict=True):
        try:
            set_path(data, key, value)
        except (ValueError, IndexError, TypeError):
            raise ScenarioError([f"--set {item.strip()}: the scenario has no place {key} "
                                 "(a list item that is not there?)"]) from None


def scenario_from_text(
    text: str,
    source: str = "<scenario>",
    overrides: Iterable[str] = (),
    base_dir: Path | None = None,
    warnings: list[str] | None = None,
) -> Scenario:
    """Validate scenario YAML text.

    Parameters
    ----------
    text
        The YAML document.
    source
        Name used in error messages (usually the file path).
    overrides
        ``dotted.path=value`` strings applied before validation.
    base_dir
        Directory that relative data paths (``epidemic.path``) are resolved
        against; the current directory when None.
    warnings
        When given, warning lines (``file:line:col path: warning: ...``) are
        appended to it.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem found, one per line.
    """
    node, data = _parse_yaml(text, source)
    marks = _node_marks(node)
    data = _resolve_extends(copy.deepcopy(data), source, base_dir)
    overrides = list(overrides)
    sets = set_places(overrides)
    _apply_overrides(data, overrides)
    _absolute_data_path(data, base_dir)
    return validated(scenario_model(), data, source, cross_field_checks, marks=marks, sets=sets,
                     warnings=warnings)


def load_scenario(path: str | Path, overrides: Iterable[str] = (),
                  warnings: list[str] | None = None) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path
        The scenario file.
    overrides
        ``dotted.path=value`` strings (as ``tracesim run --set``).
    warnings
        When given, warning lines are appended to it.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        One line per problem, naming file, line, column and field path.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot be read ({exc.__class__.__name__})"]) from None
    text = _decode(data, str(path))
    return scenario_from_text(text, str(path), overrides, base_dir=path.parent,
                              warnings=warnings)


def default_scenario_path() -> Path:
    """Return the path of the bundled default scenario (Flanders, autumn 2020)."""
    return Path(__file__).resolve().parents[2] / "data" / "flanders-autumn-2020.yaml"


def json_schema() -> dict:
    """Return the JSON Schema of a scenario file, for editors."""
    return scenario_model().model_json_schema(by_alias=True, mode="validation")
