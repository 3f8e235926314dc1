"""Loading a scenario: YAML text to a validated :class:`~sim.scenario.schema.Scenario`.

Parses YAML safely (alias bombs and deep nesting refused), remembers where
each key is in the file, lays a variant over the file it ``extends``, applies
``--set`` overrides, validates with the schema and the cross-field checks, and
turns every problem into one line naming file, line, column and dotted field
path (:class:`ScenarioError`).
"""

from __future__ import annotations

import copy
import difflib
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.errors import one_line
from sim.scenario.checks import Problem, cross_field_checks
from sim.scenario.schema import Scenario, discriminator_tag


class ScenarioError(ValueError):
    """A scenario that cannot be used.

    ``problems`` holds one line per problem: ``file:line:col dotted.path: message``.
    """

    def __init__(self, problems: Sequence[str]):
        self.problems = [one_line(p) for p in problems]
        super().__init__("\n".join(self.problems))


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


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _field(model: type[BaseModel], part: str) -> FieldInfo | None:
    fields = model.model_fields
    return fields.get(part) or next((f for f in fields.values() if f.alias == part), None)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """Return the first model class in a type annotation (``list[Shift]``: Shift)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def union_members(field: FieldInfo) -> dict[str, type[BaseModel]]:
    """Return the members of a tagged-union field by tag ({} for any other field).

    Parameters
    ----------
    field
        A field of a scenario model.

    Returns
    -------
    dict
        ``{tag: model class}`` in the union's order.
    """
    discriminator = field.discriminator
    if not isinstance(discriminator, str):
        return {}
    members = [arg for arg in typing.get_args(field.annotation)
               if isinstance(arg, type) and issubclass(arg, BaseModel)]
    return {discriminator_tag(member, discriminator): member for member in members}


def _locate(loc: tuple) -> tuple[tuple, list[str]]:
    """Resolve an error location against the schema.

    Returns ``loc`` without the tag pydantic inserts after a tagged-union
    field (``staffing.reactive.window`` is ``staffing.window`` in the file),
    and the field names allowed where its last part is (for "did you mean";
    empty when the place is not a model).
    """
    model: type[BaseModel] | None = Scenario
    clean: list = []
    allowed: list[str] = []
    members: dict[str, type[BaseModel]] = {}
    for part in loc:
        if isinstance(part, str) and part in members:  # the tag of the member validated
            model, members = members[part], {}
            continue
        members = {}
        clean.append(part)
        if isinstance(part, int):
            continue  # a list item: the model is the list's item model
        allowed = _field_names(model) if model is not None else []
        field = _field(model, part) if model is not None else None
        if field is None:
            model = None
            continue
        members = union_members(field)
        model = _model_of(field.annotation)
    return tuple(clean), allowed


def _message(item: Mapping[str, Any], loc: tuple, allowed: list[str]) -> str:
    """One pydantic error as a short message (without its place)."""
    message = str(item["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if item["type"] == "extra_forbidden":
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        message = "unknown field" + (f"; did you mean '{guess[0]}'?" if guess else "")
        if allowed and not guess:
            message += f" (allowed: {', '.join(allowed)})"
    elif item["type"] == "missing":
        message = "required field is missing"
    elif "input" in item and item["type"] != "value_error" and not isinstance(
        item["input"], dict | list
    ):
        message = f"{item['input']!r}: {message}"
    return message


def _format_errors(
    error: ValidationError, marks: Mapping[tuple, tuple[int, int]], source: str
) -> list[str]:
    """One line per validation error: ``file:line:col dotted.path: message``."""
    lines = []
    for item in error.errors():
        loc, allowed = _locate(tuple(item["loc"]))
        path = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"{_where(marks, loc, source)} {path}: {_message(item, loc, allowed)}")
    return lines


def set_path(data: dict, dotted: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``dotted = "a.b.c"`` (list indices allowed).

    Missing mapping levels are created. Used by ``--set``.
    """
    parts = dotted.split(".")
    target: Any = data
    for part in parts[:-1]:
        if isinstance(target, list):
            target = target[int(part)]
            continue
        if part not in target or not isinstance(target[part], dict | list):
            target[part] = {}
        target = target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


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
        ):
            merged[key] = _deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _absolute_data_path(data: dict, base_dir: Path | None) -> None:
    epidemic = data.get("epidemic")
    if isinstance(epidemic, dict) and epidemic.get("model") == "csv" and "path" in epidemic:
        path = Path(str(epidemic["path"])).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        epidemic["path"] = str(path.resolve())


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
        parent_data = yaml.safe_load(parent.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{source} extends: no such file {parent}"]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            [f"{source} extends: {parent} cannot be read ({exc.__class__.__name__})"]
        ) from None
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


def _where(marks: Mapping[tuple, tuple[int, int]], loc: tuple, source: str) -> str:
    probe = loc
    while probe not in marks and probe:
        probe = probe[:-1]
    line, col = marks.get(probe, (0, 0))
    return f"{source}:{line}:{col}" if line else source


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, dict]:
    """Compose and load a scenario document; one-line errors for what YAML refuses."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if _expanded_size(node) > MAX_NODES:
            raise ScenarioError([f"{source}: the document expands to more than {MAX_NODES:,} "
                                 "values (aliases used over and over?); a scenario is small"])
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"{where} (YAML): {problem}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source} (YAML): nested too deeply"]) from None
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        # the YAML constructors' own errors: 2020-02-30, !!bool maybe, 5,000-digit ints
        raise ScenarioError([f"{source} (YAML): a value cannot be read ({exc})"]) from None
    if data is None:
        raise ScenarioError([f"{source}: the file is empty; a scenario is a YAML mapping"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1:1 (top level): a scenario must be a YAML mapping"])
    return node, data


def _apply_overrides(data: dict, overrides: Iterable[str]) -> None:
    for key, value in parse_overrides(overrides):
        try:
            set_path(data, key, value)
        except (ValueError, IndexError, TypeError):
            raise ScenarioError([f"--set {key}: no such place in the scenario"]) from None


def _problem_lines(problems: Iterable[Problem], marks: Mapping[tuple, tuple[int, int]],
                   source: str, prefix: str = "") -> list[str]:
    return [f"{_where(marks, loc, source)} {'.'.join(map(str, loc))}: {prefix}{message}"
            for loc, message in problems]


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
    _apply_overrides(data, overrides)
    _absolute_data_path(data, base_dir)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, marks, source)) from None
    errors, notes = cross_field_checks(scenario)
    if errors:
        raise ScenarioError(_problem_lines(errors, marks, source))
    if warnings is not None:
        warnings.extend(_problem_lines(notes, marks, source, prefix="warning: "))
    return scenario


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot be read ({exc.__class__.__name__})"]) from None
    return scenario_from_text(text, str(path), overrides, base_dir=path.parent,
                              warnings=warnings)


def default_scenario_path() -> Path:
    """Return the path of the bundled default scenario (Flanders, autumn 2020)."""
    return Path(__file__).resolve().parent.parent / "data" / "flanders-autumn-2020.yaml"


def json_schema() -> dict:
    """Return the JSON Schema of a scenario file, for editors."""
    return Scenario.model_json_schema(by_alias=True, mode="validation")
