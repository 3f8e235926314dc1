"""Units: the one place where durations, clock times and dates become seconds.

The simulation clock is float seconds since ``calendar.start`` at 00:00 local
time. Scenario files write durations with a unit (``20s``, ``12min``, ``1.5h``,
``3d``, or ISO 8601 such as ``PT12M``) and times of day as ``HH:MM``. Every
conversion between those and seconds goes through this module.
"""

from __future__ import annotations

import re

SECOND_S = 1.0
MINUTE_S = 60.0
HOUR_S = 3600.0
DAY_S = 86400.0
WEEK_S = 7 * DAY_S

_UNITS_S = {
    "s": SECOND_S,
    "sec": SECOND_S,
    "second": SECOND_S,
    "seconds": SECOND_S,
    "min": MINUTE_S,
    "mins": MINUTE_S,
    "minute": MINUTE_S,
    "minutes": MINUTE_S,
    "h": HOUR_S,
    "hr": HOUR_S,
    "hrs": HOUR_S,
    "hour": HOUR_S,
    "hours": HOUR_S,
    "d": DAY_S,
    "day": DAY_S,
    "days": DAY_S,
    "w": WEEK_S,
    "week": WEEK_S,
    "weeks": WEEK_S,
}
_DURATION_RE = re.compile(r"^[ \t]*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t]*([a-zA-Z]+)[ \t]*\Z")
_ISO_RE = re.compile(
    r"^P(?:(?P<w>[0-9.]+)W)?(?:(?P<d>[0-9.]+)D)?"
    r"(?:T(?:(?P<h>[0-9.]+)H)?(?:(?P<m>[0-9.]+)M)?(?:(?P<s>[0-9.]+)S)?)?\Z"
)
_CLOCK_RE = re.compile(r"^[ \t]*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?[ \t]*\Z")

DURATION_HINT = "use 30s, 12min, 2h, 1d (or ISO 8601 like PT12M)"
CLOCK_HINT = "use HH:MM, e.g. 08:00 (24:00 allowed as an end)"


def parse_duration(value: object) -> float:
    """Convert a duration written in a scenario into seconds.

    Parameters
    ----------
    value
        A string with a unit (``"20s"``, ``"12min"``, ``"1.5h"``, ``"3d"``,
        ``"2w"``), an ISO 8601 duration (``"PT12M"``, ``"P1DT2H"``), or the
        number ``0``. Other bare numbers are refused because their unit would
        be a guess.

    Returns
    -------
    float
        The duration in seconds (never negative).

    Raises
    ------
    ValueError
        With a message saying what is accepted.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration; {DURATION_HINT}")
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        raise ValueError(
            f"{value!r} is not a duration (a bare number has no unit); {DURATION_HINT}"
        )
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration; {DURATION_HINT}")
    text = value.strip()
    match = _DURATION_RE.match(text)
    if match:
        number, unit = match.groups()
        factor = _UNITS_S.get(unit.lower())
        if factor is None:
            raise ValueError(f"'{value}' has an unknown unit '{unit}'; {DURATION_HINT}")
        return float(number) * factor
    iso = _ISO_RE.match(text.upper())
    if iso and text.upper() not in ("P", "PT"):
        parts = iso.groupdict()
        try:
            return (
                float(parts["w"] or 0) * WEEK_S
                + float(parts["d"] or 0) * DAY_S
                + float(parts["h"] or 0) * HOUR_S
                + float(parts["m"] or 0) * MINUTE_S
                + float(parts["s"] or 0) * SECOND_S
            )
        except ValueError:
            pass
    raise ValueError(f"'{value}' is not a duration; {DURATION_HINT}")


def format_duration(seconds: float) -> str:
    """Write seconds back as the shortest exact duration string (``"90min"``, ``"1d"``).

    Parameters
    ----------
    seconds
        A duration in seconds.

    Returns
    -------
    str
        A string that :func:`parse_duration` turns back into ``seconds``.
    """
    if seconds == 0:
        return "0s"
    for unit, factor in (("d", DAY_S), ("h", HOUR_S), ("min", MINUTE_S)):
        count = seconds / factor
        if count >= 1 and abs(count - round(count, 6)) < 1e-9:
            return f"{round(count, 6):g}{unit}"
    return f"{seconds:g}s"


def parse_clock(value: object) -> float:
    """Convert a time of day ``HH:MM`` (or ``HH:MM:SS``) into seconds after midnight.

    ``24:00`` is accepted (the end of a day). YAML 1.1 reads an unquoted
    ``08:00`` as the sexagesimal integer 480; such integers are taken as
    minutes after midnight so that unquoted times still work.

    Parameters
    ----------
    value
        The written time of day.

    Returns
    -------
    float
        Seconds after midnight, in ``[0, 86400]``.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return float(value) * MINUTE_S
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time of day; {CLOCK_HINT}")
    match = _CLOCK_RE.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a time of day; {CLOCK_HINT}")
    hours, minutes, secs = int(match[1]), int(match[2]), int(match[3] or 0)
    total_s = hours * HOUR_S + minutes * MINUTE_S + secs
    if minutes >= 60 or secs >= 60 or total_s > DAY_S:
        raise ValueError(f"'{value}' is not a time of day; {CLOCK_HINT}")
    return total_s


def format_clock(seconds: float) -> str:
    """Write seconds after midnight as ``HH:MM`` (``HH:MM:SS`` when needed)."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def hours(seconds: float) -> float:
    """Seconds to hours (for reporting)."""
    return seconds / HOUR_S
