"""Problems with a scenario as one line each: ``file:line:col dotted.path: message``.

:func:`error_lines` turns pydantic's validation errors into such lines (the
place of a tagged union's member is the file's, ``staffing.window`` and not
``staffing.reactive.window``; an unknown key gets a "did you mean"), and
:func:`validated` validates data (parsed YAML, or a dumped scenario with some
fields set) into a model and runs the cross-field checks, raising
:class:`~sim.basics.errors.ScenarioError` with every problem. It is generic over
the model class, so that :class:`~sim.inputs.scenario.scenario.Scenario` can
use it for :meth:`~sim.inputs.scenario.scenario.Scenario.with_changes`.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, Tag, ValidationError
from pydantic.fields import FieldInfo

from sim.basics.errors import ScenarioError, one_line
from sim.inputs.scenario.base import discriminator_tag
from sim.inputs.scenario.staffing import STAFFING_CONFIGS, Problem

_M = TypeVar("_M", bound=BaseModel)


def validated(model: type[_M], data: dict, source: str,
              checks: Callable[[_M], tuple[list[Problem], list[Problem]]],
              marks: Mapping[tuple, tuple[int, int]] | None = None,
              sets: Mapping[tuple, str] | None = None,
              warnings: list[str] | None = None) -> _M:
    """Validate ``data`` into ``model``, then run the cross-field ``checks``.

    Parameters
    ----------
    model
        The model class (the scenario's).
    data
        Parsed data.
    source
        Name of the file (or ``<name>``) used in the lines.
    checks
        ``checks(instance) -> (errors, warnings)``.
    marks
        Line and column of each dotted place in the file (empty: none).
    sets
        The places given with ``--set``, to their ``PATH=VALUE`` text.
    warnings
        When given, warning lines are appended to it.

    Returns
    -------
    The validated instance.

    Raises
    ------
    ScenarioError
        Every problem, one line each.
    """
    marks = marks or {}
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(error_lines(exc, model, marks, source, sets)) from None
    errors, notes = checks(instance)
    if errors:
        raise ScenarioError(problem_lines(errors, marks, source, sets=sets))
    if warnings is not None:
        warnings.extend(problem_lines(notes, marks, source, prefix="warning: ", sets=sets))
    return instance


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
        return _tagged_members(field.annotation)
    return _members_by_tag(field.annotation, discriminator)


def _members_by_tag(union: Any, discriminator: str) -> dict[str, Any]:
    members = [arg for arg in typing.get_args(union)
               if isinstance(arg, type) and issubclass(arg, BaseModel)]
    return {discriminator_tag(member, discriminator): member for member in members}


def _tagged_members(annotation: Any) -> dict[str, Any]:
    """Members of a tagged union inside an annotation (a list's items, ``Tag``-ged members).

    A member that is not a model (``Annotated[float, Tag("number")]``) maps to None.
    """
    members: dict[str, Any] = {}
    for arg in typing.get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, Tag):
                members[meta.tag] = _model_of(typing.get_args(arg)[0])
            elif isinstance(meta, FieldInfo) and isinstance(meta.discriminator, str):
                members.update(_members_by_tag(typing.get_args(arg)[0], meta.discriminator))
        if not members and typing.get_origin(arg) is not None:
            members.update(_tagged_members(arg))
    return members


def _locate(loc: tuple, root: type[BaseModel]) -> tuple[tuple, list[str]]:
    """Resolve an error location against the schema.

    Returns ``loc`` without the tag pydantic inserts after a tagged-union
    field (``staffing.reactive.window`` is ``staffing.window`` in the file),
    and the field names allowed where its last part is (for "did you mean";
    empty when the place is not a model).
    """
    model: type[BaseModel] | None = root
    clean: list = []
    allowed: list[str] = []
    members: dict[str, type[BaseModel]] = {}
    for part in loc:
        if isinstance(part, str) and part in members:  # the tag of the member validated
            model, members = members[part], {}
            continue
        clean.append(part)
        if isinstance(part, int):
            continue  # a list item: the model (or tagged union) is the list's items'
        members = {}
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


def error_lines(
    error: ValidationError, root: type[BaseModel], marks: Mapping[tuple, tuple[int, int]],
    source: str, sets: Mapping[tuple, str] | None = None,
) -> list[str]:
    """One line per validation error: ``file:line:col dotted.path: message``.

    A problem in a value given with ``--set`` is placed at ``--set PATH=VALUE``.
    """
    lines = []
    for item in _by_field(error.errors()):
        loc, allowed = _locate(tuple(item["loc"]), root)
        path = ".".join(str(p) for p in loc) or "(top level)"
        where = where_from(marks, loc, source, sets)
        message = _message(item, loc, allowed)
        if item["type"] == "extra_forbidden":
            message = _other_policy_hint(tuple(item["loc"]), message)
        lines.append(f"{where} {path}: {message}")
    return lines


def _other_policy_hint(raw_loc: tuple, message: str) -> str:
    """Say which staffing policy an unknown key belongs to, instead of a near miss.

    ``headcount`` under ``policy: schedule`` is not a typo of ``min_headcount``:
    it is a field of ``policy: fixed`` (a schedule gives it per row).
    """
    if len(raw_loc) != 3 or raw_loc[0] != "staffing":
        return message
    policy, key = str(raw_loc[1]), str(raw_loc[2])
    owners = [tag for tag, config in STAFFING_CONFIGS.items()
              if tag != policy and key in config.model_fields]
    if not owners:
        return message
    allowed = [name for name in STAFFING_CONFIGS[policy].model_fields if name != "policy"] \
        if policy in STAFFING_CONFIGS else []
    return (f"not a field of policy '{policy}' (it is one of policy "
            + " and ".join(f"'{tag}'" for tag in owners) + ")"
            + (f"; allowed here: {', '.join(allowed)}" if allowed else ""))


def _by_field(items: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Split the schema's ``boolean_for_number`` errors (one per model) into one per field."""
    for item in items:
        if item["type"] != "boolean_for_number":
            yield item
            continue
        for key, problem in item["ctx"]["problems"].items():
            yield {**item, "type": "value_error", "loc": (*item["loc"], key), "msg": problem}


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


def where_from(marks: Mapping[tuple, tuple[int, int]], loc: tuple, source: str,
           sets: Mapping[tuple, str] | None = None) -> str:
    """Where a problem at ``loc`` comes from: ``--set PATH=VALUE`` or ``file:line:col``.

    ``sets`` maps the places given with ``--set`` (dotted parts as strings)
    to their ``PATH=VALUE`` text; the last one given wins. A problem at a
    place that holds a ``--set`` value deeper down is placed in the file,
    with ``(after --set PATH=VALUE)``.
    """
    key = tuple(str(p) for p in loc)
    after = ""
    for place, text in reversed(list((sets or {}).items())):
        if key[:len(place)] == place:
            return f"--set {text}"
        if not after and place[:len(key)] == key:
            after = f" (after --set {text})"
    probe = loc
    while probe not in marks and probe:
        probe = probe[:-1]
    line, col = marks.get(probe, (0, 0))
    return (f"{source}:{line}:{col}" if line else source) + after


def set_places(overrides: Iterable[str]) -> dict[tuple, str]:
    """Map each ``--set`` place (a tuple of strings) to its ``PATH=VALUE`` text."""
    places: dict[tuple, str] = {}
    for item in overrides:
        key = item.split("=", 1)[0].strip()
        places.pop(tuple(key.split(".")), None)  # keep the order in which they apply
        places[tuple(key.split("."))] = one_line(item.strip())
    return places


def problem_lines(problems: Iterable[Problem], marks: Mapping[tuple, tuple[int, int]],
                  source: str, prefix: str = "",
                  sets: Mapping[tuple, str] | None = None) -> list[str]:
    """One line per cross-field problem: ``place dotted.path: message``."""
    return [f"{where_from(marks, loc, source, sets)} {'.'.join(map(str, loc))}: {prefix}{message}"
            for loc, message in problems]
